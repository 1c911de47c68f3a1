// Every export of the public API (src/index.ts) carries TSDoc: a user reads it in the editor, on hover,
// and it is the reference. Parsed with the TypeScript compiler API, following re-exports to the declaration.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const INDEX = resolve(import.meta.dirname, "../src/index.ts");

/** The main entry points: their TSDoc shows a use. */
const ENTRY_POINTS = [
  "createResourceDefiner",
  "resolveResources",
  "startServer",
  "createApp",
  "createRuntime",
  "createDatabase",
  "loadConfig",
  "createGraphQLHandler",
  "createRestHandler",
];

/** What `entry` exports: each name with its TSDoc text and tags, re-exports followed to the declaration. */
function exportsOf(entry: string): { name: string; doc: string; tags: string[] }[] {
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`cannot read the exports of ${entry}`);
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return {
      name: symbol.name,
      doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim(),
      tags: target.getJsDocTags(checker).map((tag) => tag.name),
    };
  });
}

/** The names `entry` exports whose declarations have no TSDoc text. */
function undocumentedExports(entry: string): string[] {
  return exportsOf(entry)
    .filter((e) => e.doc === "")
    .map((e) => e.name)
    .sort();
}

describe("public API docs", () => {
  it("finds an export without TSDoc (the check can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "autograph-docs-"));
    try {
      writeFileSync(join(dir, "a.ts"), "/** Documented. */\nexport const a = 1;\nexport interface B { x: number }\n");
      writeFileSync(join(dir, "index.ts"), 'export { a, type B } from "./a.ts";\nexport const c = 2;\n');
      expect(undocumentedExports(join(dir, "index.ts"))).toEqual(["B", "c"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every export of src/index.ts has TSDoc, and the main entry points an @example", () => {
    const exported = exportsOf(INDEX);
    expect(exported.length).toBeGreaterThan(50);
    expect(undocumentedExports(INDEX)).toEqual([]);
    const withoutExample = ENTRY_POINTS.filter(
      (name) => !exported.find((e) => e.name === name)?.tags.includes("example"),
    );
    expect(withoutExample).toEqual([]);
  });
});
