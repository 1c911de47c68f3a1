// Custom actions at boot (rest-dialect.md §27): their rules, names and schemas resolved once, and what
// cannot be served (GraphQL cannot map it, a reserved path, a bad name, a misspelt option) is a boot error
// naming the action and the fix. Pure: no database.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { resources } from "../../demo/schema/index.ts";
import type { ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { datamodel } from "../../demo/datamodel.ts";

const run = async () => {};
const withActions = (actions: Record<string, unknown>, access?: ResourceDefinition["access"]): ResourceDefinition[] => [
  { model: "User" },
  { model: "Post", actions: actions as ResourceDefinition["actions"], ...(access ? { access } : {}) },
];

function issuesOf(definitions: ResourceDefinition[]): { path: string; message: string }[] {
  try {
    resolveResources(definitions, datamodel);
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataError);
    return [...(error as MetadataError).issues];
  }
  throw new Error("expected resolution to fail");
}

describe("custom actions at boot", () => {
  it("resolves the demo's: names, rules from the resource's, the input's JSON Schema and GraphQL shape", () => {
    const ticket = resolveResources(resources, datamodel).resource.get("ticket");
    const close = ticket?.action.get("close");
    expect(close).toMatchObject({ record: true, kind: "mutation", operation: "update", access: ["agent"] });
    expect(close?.names).toEqual({ field: "closeTicket", input: "CloseTicketInput", output: "CloseTicketResult" });
    expect(close?.input.shape).toEqual({
      kind: "object",
      optional: false,
      fields: [{ name: "resolution", shape: { kind: "scalar", scalar: "String", optional: false } }],
    });
    const stats = ticket?.action.get("stats");
    expect(stats).toMatchObject({ record: false, kind: "query", operation: "read", access: "authenticated" });
    expect(stats?.names.field).toBe("statsTickets");
  });

  it("an undeclared default rule denies the action (but to the admin role); an open resource leaves it open", () => {
    const denied = resolveResources(withActions({ feature: { run } }, { read: true }), datamodel);
    expect(denied.resource.get("post")?.action.get("feature")?.access).toBe(false);
    const open = resolveResources(withActions({ feature: { run } }), datamodel);
    expect(open.resource.get("post")?.action.get("feature")?.access).toBeUndefined();
  });

  it("maps objects, enums, lists and optionals; refuses what GraphQL cannot map, naming the property", () => {
    const ok = resolveResources(
      withActions({
        tag: {
          input: z.object({ labels: z.array(z.enum(["a", "b"])), note: z.string().optional(), n: z.int() }),
          output: z.object({ count: z.number(), nested: z.object({ ok: z.boolean() }).nullable() }),
          run,
        },
      }),
      datamodel,
    );
    const tag = ok.resource.get("post")?.action.get("tag");
    expect(tag?.input.shape).toMatchObject({
      fields: [
        { name: "labels", shape: { kind: "list", of: { kind: "enum", values: ["a", "b"] } } },
        { name: "note", shape: { kind: "scalar", scalar: "String", optional: true } },
        { name: "n", shape: { kind: "scalar", scalar: "Int" } },
      ],
    });
    const issues = issuesOf(
      withActions({
        union: { input: z.object({ v: z.union([z.string(), z.number()]) }), run },
        date: { output: z.object({ at: z.date() }), run },
        free: { input: z.object({ m: z.record(z.string(), z.string()) }), run },
        scalar: { input: z.string(), run },
      }),
    );
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ["post.actions.union.input", '"v" has no single JSON type (["string","number"]), which GraphQL cannot map'],
      ["post.actions.date.output", expect.stringMatching(/cannot be described in JSON Schema: Date/)],
      ["post.actions.free.input", '"m" is a record with free keys, which GraphQL cannot map'],
      ["post.actions.scalar.input", "the input must be a zod object"],
    ]);
  });

  it("a bad name, a reserved path, a misspelt option and a name taken by another field are boot errors", () => {
    const issues = issuesOf(
      withActions({ Close: { run }, restore: { run }, feature: { run, kind: "subscription" }, create: { run } }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      "post.actions.Close",
      "post.actions.restore",
      "post.actions.feature.kind",
      "post",
    ]);
    expect(issues[3]?.message).toBe(
      'GraphQL field name "createPost" is both the create and the action create field of post',
    );
  });
});
