// Naming conventions of REST paths (rest-dialect.md §25): one setting per project, overridden per
// resource, computed in names.ts; GraphQL names never follow it; a bad function answer or a collision
// is a boot error naming the path and the fix. Pure: no database.
import { describe, expect, it } from "vitest";
import { datamodel } from "../../demo/datamodel.ts";
import { resources } from "../../demo/schema/index.ts";
import type { Datamodel } from "../../src/metadata/datamodel.ts";
import { createResourceDefiner, type ResourceDefinition } from "../../src/metadata/definition.ts";
import { MetadataError } from "../../src/metadata/errors.ts";
import { conventionalPath, wordsOf } from "../../src/metadata/names.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";

function issuesOf(definitions: unknown[], model: Datamodel = datamodel) {
  try {
    resolveResources(definitions as ResourceDefinition[], model);
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataError);
    return [...(error as MetadataError).issues];
  }
  throw new Error("expected resolution to fail");
}

// TicketReply's id has no database default.
const reply = { model: "TicketReply", id: "uuid" } as const;

const namesOf = (definitions: ResourceDefinition[], name: string) =>
  resolveResources(definitions, datamodel).resource.get(name)?.names;

describe("§25 naming conventions", () => {
  it.each([
    ["same", "ticketReplies"],
    ["pascal", "TicketReplies"],
    ["camel", "ticketReplies"],
    ["snake", "ticket_replies"],
    ["kebab", "ticket-replies"],
  ] as const)("%s makes the path %s; the GraphQL names stay", (naming, path) => {
    const names = namesOf([{ model: "Ticket" }, { ...reply, naming }], "ticketReply");
    expect(names).toMatchObject({ path, list: "ticketReplies", one: "ticketReply", type: "TicketReply" });
    expect(names?.create).toBe("createTicketReply");
  });

  it("is `same` (the plural, as before) when nothing sets it", () => {
    expect(namesOf([{ ...reply }], "ticketReply")?.path).toBe("ticketReplies");
  });

  it("splits words at case changes, `_` and `-`, keeping acronyms whole", () => {
    expect(wordsOf("hTMLPages")).toEqual(["HTML", "Pages"]);
    expect(wordsOf("user_profiles")).toEqual(["User", "profiles"]);
    expect(wordsOf("oauth2Clients")).toEqual(["Oauth2", "Clients"]);
    expect(conventionalPath("kebab", "hTMLPages")).toBe("html-pages");
    expect(conventionalPath("camel", "user_profiles")).toBe("userProfiles");
    expect(conventionalPath("pascal", "user-profiles")).toBe("UserProfiles");
    expect(conventionalPath("snake", "oauth2Clients")).toBe("oauth2_clients");
    expect(conventionalPath("kebab", "tags")).toBe("tags");
  });

  it("the demo sets kebab once, in its definer: /api/ticket-replies, single words unchanged", () => {
    const schema = resolveResources(resources, datamodel);
    expect(schema.resources.map((r) => r.names.path)).toEqual([
      "users",
      "posts",
      "comments",
      "tags",
      "tickets",
      "ticket-replies",
    ]);
    expect(schema.byPath.get("ticket-replies")?.names.list).toBe("ticketReplies");
    expect(schema.byPath.has("ticketReplies")).toBe(false);
  });

  it("a resource's own naming overrides the project's", () => {
    const define = createResourceDefiner({ naming: "kebab" });
    const schema = resolveResources(
      [define("Ticket", { naming: "pascal" }), define("TicketReply", { ...reply, naming: "snake" }), define("Tag")],
      datamodel,
    );
    expect(schema.resources.map((r) => r.names.path)).toEqual(["Tickets", "ticket_replies", "tags"]);
  });

  it("a function receives the model and the names, and its answer is the path", () => {
    const seen: unknown[] = [];
    const names = namesOf(
      [
        {
          ...reply,
          plural: "replies",
          naming: (input) => {
            seen.push(input);
            return `help-desk_${input.plural}`;
          },
        },
      ],
      "ticketReply",
    );
    expect(seen).toEqual([{ model: "TicketReply", name: "ticketReply", plural: "replies" }]);
    expect(names).toMatchObject({ path: "help-desk_replies", list: "replies" });
  });

  it.each([
    ["a space", () => "ticket replies"],
    ["a slash", () => "help/replies"],
    ["empty", () => ""],
    ["a leading digit", () => "2replies"],
    ["not a string", () => 42 as unknown as string],
  ])("a function answering %s is a boot error at <resource>.naming with the fix", (_, naming) => {
    const issues = issuesOf([{ ...reply, naming }]);
    expect(issues).toEqual([
      {
        path: "ticketReply.naming",
        message: expect.stringMatching(
          /^the naming function returned .* for model TicketReply, which is not a REST path segment$/,
        ),
        fix: 'return letters, digits, "-" or "_", starting with a letter (e.g. "ticket-replies")',
      },
    ]);
    expect(issues[0]?.message).toContain(JSON.stringify(naming()));
  });

  it("a function that throws is a boot error naming its error", () => {
    const issues = issuesOf([
      {
        ...reply,
        naming: () => {
          throw new Error("no path for you");
        },
      },
    ]);
    expect(issues).toEqual([
      expect.objectContaining({
        path: "ticketReply.naming",
        message: "the naming function threw for model TicketReply: Error: no path for you",
      }),
    ]);
  });

  it("an unknown convention is a boot error listing the conventions", () => {
    const issues = issuesOf([{ ...reply, naming: "dash" }]);
    expect(issues).toEqual([
      expect.objectContaining({
        path: "ticketReply.naming",
        fix: 'use one of "same", "pascal", "camel", "snake", "kebab", or a function returning the path',
      }),
    ]);
  });
});

describe("§25.4 path collisions are boot errors", () => {
  // Two models of one database, as `prisma db pull` may name them: distinct GraphQL names
  // (userProfiles / user_profiles), one path once both are snake_case.
  const tag = datamodel.models.find((m) => m.name === "Tag");
  if (!tag) throw new Error("the demo has a Tag model");
  const twoProfiles: Datamodel = {
    models: [
      { ...tag, name: "UserProfile" },
      { ...tag, name: "user_profile" },
    ],
    enums: datamodel.enums,
  };

  it("user_profile and UserProfile under snake: both named, with the fix", () => {
    const define = createResourceDefiner({ naming: "snake" });
    const issues = issuesOf([define("UserProfile"), define("user_profile")], twoProfiles);
    expect(issues).toEqual([
      {
        path: "user_profile.naming",
        message: 'REST path "/user_profiles" of model user_profile is also the path of model UserProfile',
        fix: "set `naming` (or `plural`) on one of them",
      },
    ]);
  });

  it("the same models under `same` keep apart", () => {
    const schema = resolveResources([{ model: "UserProfile" }, { model: "user_profile" }], twoProfiles);
    expect(schema.resources.map((r) => r.names.path)).toEqual(["userProfiles", "user_profiles"]);
  });

  it("a function's answer collides like any path", () => {
    const issues = issuesOf([
      { model: "Tag", naming: () => "labels" },
      { model: "Ticket", naming: () => "labels" },
    ]);
    expect(issues).toEqual([
      expect.objectContaining({
        path: "ticket.naming",
        message: 'REST path "/labels" of model Ticket is also the path of model Tag',
      }),
    ]);
  });
});
