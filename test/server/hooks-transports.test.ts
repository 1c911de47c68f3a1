// Hooks hold on both transports: a hook's domain error is the same clean 4xx over REST
// and GraphQL, anything else a masked 500 that is logged; transforms and hook writes show on both.
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { extensions } from "../../demo/schema/extensions.ts";
import { AppError } from "../../src/runtime/errors.ts";
import type { ResourceHooks } from "../../src/runtime/hooks.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { ADMIN } from "../support/actors.ts";

let t: TestRuntime;
let app: App;
const logged: unknown[] = [];
beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const logger = pino({ level: "error" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  app = createApp({
    runtime: t.runtime,
    logger,
    graphqlExtensions: extensions,
    // The demo's back office: writes need a signed-in actor with a role.
    resolveActor: async () => ADMIN,
  });
});
afterAll(() => t?.close());
const chains: ResourceHooks[] = [];
afterEach(() => {
  for (const c of chains.splice(0)) c.off();
});
const on = (resource: string) => {
  const chain = t.runtime.on(resource);
  chains.push(chain);
  return chain;
};

async function rest(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.fetch(
    new Request(`http://test${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function gql(query: string): Promise<{
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions: Record<string, unknown> }[];
}> {
  const response = await app.fetch(
    new Request("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  return (await response.json()) as never;
}

describe("hooks over REST and GraphQL", () => {
  it("a domain error from a before hook is the same 4xx on both, and nothing is written", async () => {
    on("tag").before("create", (op) => {
      if (String(op.input.name).startsWith("banned"))
        throw new AppError("FORBIDDEN", "Tags starting with banned are not allowed.");
    });
    const viaRest = await rest("POST", "/api/tags", { name: "banned-rest" });
    expect(viaRest).toEqual({
      status: 403,
      body: { message: "Tags starting with banned are not allowed.", code: "FORBIDDEN" },
    });
    const viaGraphQL = await gql(`mutation { createTag(data: { name: "banned-graphql" }) { id } }`);
    expect(viaGraphQL.errors?.[0]).toMatchObject({
      message: "Tags starting with banned are not allowed.",
      extensions: { code: "FORBIDDEN" },
    });
    expect(await t.db.prisma.tag.count({ where: { name: { startsWith: "banned" } } })).toBe(0);
  });

  it("any other error is masked as a 500 on both, and logged", async () => {
    on("tag").after("patch", () => {
      throw new TypeError("cannot read properties of undefined (secret internals)");
    });
    const viaRest = await rest("PATCH", "/api/tags/1", { name: "masked" });
    expect(viaRest.status).toBe(500);
    expect(JSON.stringify(viaRest.body)).not.toContain("secret internals");
    const viaGraphQL = await gql(`mutation { updateTag(id: 1, data: { name: "masked" }) { id } }`);
    expect(viaGraphQL.errors?.[0]?.extensions.code).toBe("INTERNAL");
    expect(JSON.stringify(viaGraphQL)).not.toContain("secret internals");
    expect(JSON.stringify(logged)).toContain("secret internals");
    expect((await t.db.prisma.tag.findUniqueOrThrow({ where: { id: 1 } })).name).not.toBe("masked");
  });

  it("transforms and hook writes show the same on both", async () => {
    on("tag")
      .transform(["read", "list"], (record) => ({ ...record, name: `#${String(record.name)}` }))
      .after("create", async (op) => {
        // The twin's own create runs this hook too: stop there.
        if (!String(op.input.name).endsWith("-twin"))
          await op.service("tag").create({ name: `${String(op.input.name)}-twin` });
      });
    const one = await rest("GET", "/api/tags/1");
    const data = await gql(`{ tag(id: 1) { name } }`);
    expect(one.body.name).toMatch(/^#/);
    expect((data.data!.tag as { name: string }).name).toBe(one.body.name);
    await rest("POST", "/api/tags", { name: "via-rest" });
    await gql(`mutation { createTag(data: { name: "via-graphql" }) { id } }`);
    expect(await t.db.prisma.tag.count({ where: { name: { in: ["via-rest-twin", "via-graphql-twin"] } } })).toBe(2);
  });
});
