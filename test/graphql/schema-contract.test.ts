// demo/schema/schema.graphql is the reviewed GraphQL contract: it must be what the code generates.
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { demoSchemaSDL, SCHEMA_FILE } from "../../scripts/print-schema.ts";

describe("demo/schema/schema.graphql", () => {
  it("is up to date with the resources and extensions", () => {
    const committed = readFileSync(SCHEMA_FILE, "utf8");
    const generated = demoSchemaSDL();
    // A diff of thousands of lines is no help; say what to do, then show the first difference.
    if (committed !== generated) {
      const a = committed.split("\n");
      const b = generated.split("\n");
      const line = a.findIndex((text, i) => text !== b[i]);
      expect.fail(
        `demo/schema/schema.graphql is stale: run \`npm run generate:graphql\` and commit it.\n` +
          `First difference at line ${line + 1}:\n  committed: ${a[line] ?? "(end of file)"}\n  generated: ${b[line] ?? "(end of file)"}`,
      );
    }
  });

  it("is valid SDL, printed in a stable order", () => {
    const sdl = demoSchemaSDL();
    expect(() => buildSchema(sdl)).not.toThrow();
    expect(demoSchemaSDL()).toBe(sdl);
    const typeNames = [...sdl.matchAll(/^(?:type|input|enum|scalar) (\w+)/gm)].map((m) => m[1] as string);
    expect(typeNames).toEqual([...typeNames].sort());
  });
});
