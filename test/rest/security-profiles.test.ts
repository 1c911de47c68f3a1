// Security profiles (rest-dialect.md §22): each profile × each knob (unknown query parameters, unknown
// filter keys, what a batch delete answers, the body limit), through HTTP, on one test database; writes
// are checked in the database. A resource's own `security` wins over the server's profile, an explicit
// maxBodyBytes over both; createApp follows SECURITY_PROFILE's value.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources as demoResources } from "../../demo/schema/index.ts";
import type { SecurityProfile } from "../../src/metadata/definition.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { createRestHandler, type RestHandler, type RestHandlerOptions } from "../../src/rest/handler.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { createApp } from "../../src/server/app.ts";
import { datamodel } from "../../demo/datamodel.ts";
import { createStore } from "../../src/storage/store.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { query } from "./harness.ts";
import { ADMIN } from "../support/actors.ts";

const MiB = 1024 * 1024;
const PROFILES: readonly SecurityProfile[] = ["secure", "react_admin", "legacy"];

let t: TestRuntime;
const handlers = new Map<SecurityProfile, RestHandler>();
/** A user created with a password hash no other user has, so a filter on it would single them out. */
const SECRET_HASH = "$2b$10$security-profiles-test-hash";
let secretUserId: number;

/** Errors a handler answered with a bare 500: there must be none. */
const unexpected: unknown[] = [];
const handler = (runtime: Runtime, options: Partial<RestHandlerOptions> = {}) =>
  createRestHandler({
    runtime,
    contextFor: () => runtime.context({ actor: ADMIN }),
    onUnexpectedError: (e) => unexpected.push(e),
    ...options,
  });

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  handlers.set("secure", handler(t.runtime)); // the default
  handlers.set("react_admin", handler(t.runtime, { securityProfile: "react_admin" }));
  handlers.set("legacy", handler(t.runtime, { securityProfile: "legacy" }));
  const created = await send("secure", "POST", "/api/users", {
    email: "hidden.hash@example.com",
    name: "Hidden Hash",
    passwordHash: SECRET_HASH,
  });
  expect(created.status).toBe(201);
  secretUserId = ((await created.json()) as { id: number }).id;
});
afterAll(async () => {
  await t?.close();
  expect(unexpected).toEqual([]);
});

function get(
  profile: SecurityProfile,
  path: string,
  rest: RestHandler = handlers.get(profile) as RestHandler,
): Promise<Response> {
  return rest.fetch(new Request(`http://test${path}`, { headers: { Accept: "application/json" } }));
}

function send(
  profile: SecurityProfile,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  rest: RestHandler = handlers.get(profile) as RestHandler,
): Promise<Response> {
  const init: RequestInit = {
    method,
    headers: {
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
  };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  return rest.fetch(new Request(`http://test${path}`, init));
}

/** What a client can observe of an answer: status, range and body. */
async function answer(response: Response): Promise<{ status: number; range: string | null; body: unknown }> {
  return { status: response.status, range: response.headers.get("content-range"), body: await response.json() };
}

async function failure(response: Response): Promise<{ status: number; message: string }> {
  const body = (await response.json()) as { message?: string };
  return { status: response.status, message: body.message ?? "" };
}

/** A JSON body of exactly `bytes` bytes: a tag with an extra `pad` field (read, parsed, then refused as unknown: 400). */
function bodyOf(bytes: number): string {
  const text = JSON.stringify({ name: "padded", pad: "" });
  return text.replace('"pad":""', `"pad":"${"x".repeat(bytes - text.length)}"`);
}

async function tagsNamed(prefix: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const response = await send("secure", "POST", "/api/tags", { name: `${prefix}-${i}` });
    expect(response.status).toBe(201);
    ids.push(((await response.json()) as { id: number }).id);
  }
  return ids;
}

describe("§22.2 unknown query parameters", () => {
  it("secure and react_admin refuse an unknown list parameter (400 naming it); legacy answers as if it were not sent", async () => {
    for (const profile of ["secure", "react_admin"] as const) {
      expect(await failure(await get(profile, "/api/posts?range=[0,4]&nope=1"))).toEqual({
        status: 400,
        message: expect.stringContaining('Unknown query parameter "nope"'),
      });
    }
    const plain = await answer(await get("legacy", "/api/posts?range=[0,4]&status=published"));
    expect(plain.status).toBe(200);
    expect(
      await answer(await get("legacy", "/api/posts?range=[0,4]&status=published&nope=1&_=1700000000&comments.nope=1")),
    ).toEqual(plain);
  });

  it("legacy: a hidden field as a query parameter filters nothing, and a secure 400 reads as for a made-up name (no oracle)", async () => {
    const all = await answer(await get("legacy", "/api/users?range=[0,199]"));
    expect(all.status).toBe(200);
    expect((all.body as { id: number }[]).some((u) => u.id === secretUserId)).toBe(true);
    // Applied, this filter would leave one user: the hash is theirs alone.
    expect(await t.db.prisma.user.count({ where: { passwordHash: SECRET_HASH } })).toBe(1);
    expect(
      await answer(await get("legacy", `/api/users?range=[0,199]&${query({ passwordHash: SECRET_HASH })}`)),
    ).toEqual(all);
    expect(await answer(await get("legacy", "/api/users?range=[0,199]&passwordHash=wrong"))).toEqual(all);

    for (const profile of ["secure", "react_admin"] as const) {
      const hidden = await failure(await get(profile, `/api/users?${query({ passwordHash: SECRET_HASH })}`));
      const madeUp = await failure(await get(profile, `/api/users?${query({ passwordHsh: SECRET_HASH })}`));
      expect(hidden.status).toBe(400);
      expect(hidden).toEqual({ ...madeUp, message: madeUp.message.replace("passwordHsh", "passwordHash") });
    }
  });

  it("legacy: a visible field that is not filterable is ignored too; an unknown operator of a known field stays a 400 everywhere", async () => {
    const all = await answer(await get("legacy", "/api/users?range=[0,199]"));
    expect(await answer(await get("legacy", "/api/users?range=[0,199]&updatedAt=2020-01-01T00:00:00Z"))).toEqual(all);
    expect((await get("secure", "/api/users?updatedAt=2020-01-01T00:00:00Z")).status).toBe(400);
    for (const profile of PROFILES) {
      expect(await failure(await get(profile, "/api/posts?views_between=1"))).toEqual({
        status: 400,
        message: expect.stringContaining('Unknown filter operator "_between"'),
      });
      // An operator the field does not allow, and a value that does not fit: the runtime's 400s.
      expect((await get(profile, "/api/users?name_gt=a")).status).toBe(400);
      expect((await get(profile, "/api/posts?views_gte=many")).status).toBe(400);
    }
  });

  it("on every other route: secure refuses and writes nothing; legacy drops the parameter and does the work", async () => {
    const [one, two] = (await tagsNamed("params", 2)) as [number, number];
    // Reads
    expect((await get("secure", `/api/tags/${one}?nope=1`)).status).toBe(400);
    expect(await answer(await get("legacy", `/api/tags/${one}?nope=1`))).toEqual(
      await answer(await get("legacy", `/api/tags/${one}`)),
    );
    expect((await get("react_admin", "/api/posts/aggregate?groupBy=status&range=[0,9]")).status).toBe(400);
    expect(await answer(await get("legacy", "/api/posts/aggregate?groupBy=status&range=[0,9]&nope=1"))).toEqual(
      await answer(await get("legacy", "/api/posts/aggregate?groupBy=status")),
    );
    expect((await get("secure", "/api/openapi.json?nope=1")).status).toBe(400);
    expect((await get("legacy", "/api/openapi.json?nope=1")).status).toBe(200);

    // Create
    expect((await send("secure", "POST", "/api/tags?nope=1", { name: "params-created-secure" })).status).toBe(400);
    expect(await t.db.prisma.tag.count({ where: { name: "params-created-secure" } })).toBe(0);
    expect((await send("legacy", "POST", "/api/tags?nope=1", { name: "params-created-legacy" })).status).toBe(201);
    expect(await t.db.prisma.tag.count({ where: { name: "params-created-legacy" } })).toBe(1);

    // Update
    expect((await send("react_admin", "PATCH", `/api/tags/${one}?nope=1`, { name: "params-renamed" })).status).toBe(
      400,
    );
    expect((await t.db.prisma.tag.findUniqueOrThrow({ where: { id: one } })).name).toBe("params-0");
    expect((await send("legacy", "PATCH", `/api/tags/${one}?nope=1`, { name: "params-renamed" })).status).toBe(200);
    expect((await t.db.prisma.tag.findUniqueOrThrow({ where: { id: one } })).name).toBe("params-renamed");

    // Delete, and a batch (its one parameter, partial, is still read)
    expect((await send("secure", "DELETE", `/api/tags/${one}?nope=1`)).status).toBe(400);
    expect(await t.db.prisma.tag.count({ where: { id: one } })).toBe(1);
    expect((await send("legacy", "DELETE", `/api/tags/${one}?nope=1`)).status).toBe(200);
    expect(await t.db.prisma.tag.count({ where: { id: one } })).toBe(0);
    expect((await send("secure", "DELETE", "/api/tags/batch?partial=true&nope=1", [two, 99_999])).status).toBe(400);
    expect(await t.db.prisma.tag.count({ where: { id: two } })).toBe(1);
    const partial = await send("legacy", "DELETE", "/api/tags/batch?partial=true&nope=1", [two, 99_999]);
    expect(partial.status).toBe(207);
    expect(await t.db.prisma.tag.count({ where: { id: two } })).toBe(0);
  });
});

describe("§22.2 unknown filter keys", () => {
  it("secure refuses an unknown or hidden filter key alike; react_admin and legacy drop it, keeping the other conditions", async () => {
    const hidden = await failure(await get("secure", `/api/users?${query({ filter: { passwordHash: SECRET_HASH } })}`));
    const madeUp = await failure(await get("secure", `/api/users?${query({ filter: { passwordHsh: SECRET_HASH } })}`));
    expect(hidden.status).toBe(400);
    expect(hidden.message).toContain('Unknown filter field "passwordHash"');
    expect(hidden).toEqual({ ...madeUp, message: madeUp.message.replace("passwordHsh", "passwordHash") });
    expect((await get("secure", `/api/posts?${query({ filter: { status: "published", nope: 1 } })}`)).status).toBe(400);

    for (const profile of ["react_admin", "legacy"] as const) {
      const published = await answer(
        await get(profile, `/api/posts?${query({ filter: { status: "published" }, range: [0, 999] })}`),
      );
      expect(published.status).toBe(200);
      expect((published.body as unknown[]).length).toBe(
        await t.db.prisma.post.count({ where: { status: "published", deletedAt: null } }),
      );
      // Keys react-admin filter forms send that name no field, a relation that does not exist, and a field
      // through a relation that may not be filtered through (users.comments).
      const noisy = { status: "published", commentable: true, "nope.name": "x", "author.nope": "x" };
      expect(await answer(await get(profile, `/api/posts?${query({ filter: noisy, range: [0, 999] })}`))).toEqual(
        published,
      );
      expect((await get(profile, `/api/users?${query({ filter: { "comments.body": "x" } })}`)).status).toBe(200);
    }
  });

  it("react_admin and legacy: a hidden field filters nothing, directly or through a relation; the answer is the one without it (no oracle)", async () => {
    expect(await t.db.prisma.user.count({ where: { passwordHash: SECRET_HASH } })).toBe(1);
    for (const profile of ["react_admin", "legacy"] as const) {
      const users = await answer(await get(profile, `/api/users?${query({ range: [0, 199] })}`));
      expect(users.status).toBe(200);
      expect(users.range).toMatch(new RegExp(`/${await t.db.prisma.user.count()}$`));
      for (const hash of [SECRET_HASH, "wrong"]) {
        expect(
          await answer(await get(profile, `/api/users?${query({ filter: { passwordHash: hash }, range: [0, 199] })}`)),
        ).toEqual(users);
        expect(
          await answer(
            await get(profile, `/api/users?${query({ filter: { passwordHash_startswith: "$2b" }, range: [0, 199] })}`),
          ),
        ).toEqual(users);
      }
      const posts = await answer(await get(profile, `/api/posts?${query({ range: [0, 999] })}`));
      expect(
        await answer(
          await get(
            profile,
            `/api/posts?${query({ filter: { "author.passwordHash": SECRET_HASH }, range: [0, 999] })}`,
          ),
        ),
      ).toEqual(posts);
      // Counts of groups would tell too: aggregates drop it as well.
      const groups = await answer(await get(profile, "/api/users/aggregate?groupBy=role"));
      expect(groups.status).toBe(200);
      expect(
        await answer(
          await get(profile, `/api/users/aggregate?groupBy=role&${query({ filter: { passwordHash: SECRET_HASH } })}`),
        ),
      ).toEqual(groups);
    }
  });

  it("react_admin and legacy: a visible field that is not filterable filters nothing (secure: 400)", async () => {
    const filter = { updatedAt: "2020-01-01T00:00:00.000Z" };
    expect(await failure(await get("secure", `/api/users?${query({ filter })}`))).toEqual({
      status: 400,
      message: expect.stringContaining('Field "updatedAt" of users is not filterable'),
    });
    for (const profile of ["react_admin", "legacy"] as const) {
      expect(await answer(await get(profile, `/api/users?${query({ filter, range: [0, 199] })}`))).toEqual(
        await answer(await get(profile, `/api/users?${query({ range: [0, 199] })}`)),
      );
    }
  });

  it("every profile: an unknown operator of a known field, an operator the field does not allow, and a bad value stay 400s; q still searches", async () => {
    for (const profile of PROFILES) {
      expect(await failure(await get(profile, `/api/posts?${query({ filter: { views_between: 1 } })}`))).toEqual({
        status: 400,
        message: expect.stringContaining('Unknown filter operator "_between"'),
      });
      expect(await failure(await get(profile, `/api/users?${query({ filter: { name_gt: "a" } })}`))).toEqual({
        status: 400,
        message: expect.stringContaining('Operator "gt" is not allowed'),
      });
      expect((await get(profile, `/api/posts?${query({ filter: { views_gte: "many" } })}`)).status).toBe(400);
      const searched = (await (
        await get(profile, `/api/tags?${query({ filter: { q: "params" } })}`)
      ).json()) as unknown[];
      expect(searched.length).toBe(((await (await get("secure", "/api/tags?q=params")).json()) as unknown[]).length);
    }
  });

  it("react_admin: a getMany with an extra unknown key is still a getMany (every id, no page)", async () => {
    const ids = (
      await t.db.prisma.post.findMany({
        where: { deletedAt: null },
        select: { id: true },
        orderBy: { id: "asc" },
        take: 3,
      })
    ).map((p) => p.id);
    const many = await answer(await get("react_admin", `/api/posts?${query({ filter: { id: ids } })}`));
    expect(many.range).toBe("posts 0-2/3");
    expect(
      await answer(await get("react_admin", `/api/posts?${query({ filter: { id: ids, commentable: true } })}`)),
    ).toEqual(many);
  });

  it("react_admin: unknown top-level parameters are still a 400", async () => {
    expect(await failure(await get("react_admin", "/api/posts?commentable=true"))).toEqual({
      status: 400,
      message: expect.stringContaining('Unknown query parameter "commentable"'),
    });
  });
});

describe("§22.3 what a batch delete answers", () => {
  type Succeeded = { index: number; id?: unknown; record?: Record<string, unknown> }[];

  it("secure and react_admin answer { index, id } per item; legacy the deleted records; each deletes for real", async () => {
    for (const profile of PROFILES) {
      const ids = await tagsNamed(`batch-${profile.replace("_", "-")}`, 2);
      const response = await send(profile, "DELETE", "/api/tags/batch", [ids[1], String(ids[0])]);
      const body = (await response.json()) as { succeeded: Succeeded; failed: unknown[] };
      expect(response.status).toBe(200);
      if (profile === "legacy") {
        expect(body.succeeded.map((s) => [s.index, s.record?.id, s.record?.name])).toEqual([
          [0, ids[1], `batch-legacy-1`],
          [1, ids[0], `batch-legacy-0`],
        ]);
      } else {
        expect(body).toEqual({
          succeeded: [
            { index: 0, id: ids[1] },
            { index: 1, id: ids[0] },
          ],
          failed: [],
        });
      }
      expect(await t.db.prisma.tag.count({ where: { id: { in: ids } } })).toBe(0);
    }
  });

  it("the same for a move to the trash and for purge; a partial batch reports ids and failures (207)", async () => {
    const author = (await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
    const post = async (title: string) =>
      ((await (await send("secure", "POST", "/api/posts", { title, authorId: author })).json()) as { id: number }).id;
    const [a, b] = [await post("Profile trash a"), await post("Profile trash b")];

    const trashed = (await (await send("secure", "DELETE", "/api/posts/batch?partial=true", [a, 99_999])).json()) as {
      succeeded: Succeeded;
      failed: { index: number }[];
    };
    expect(trashed.succeeded).toEqual([{ index: 0, id: a }]);
    expect(trashed.failed.map((f) => f.index)).toEqual([1]);
    expect((await t.db.prisma.post.findUniqueOrThrow({ where: { id: a } })).deletedAt).toBeInstanceOf(Date);

    const legacy = (await (await send("legacy", "DELETE", "/api/posts/batch", [b])).json()) as { succeeded: Succeeded };
    expect(legacy.succeeded).toEqual([
      { index: 0, record: expect.objectContaining({ id: b, deletedAt: expect.any(String) }) },
    ]);

    expect(await (await send("react_admin", "POST", "/api/posts/batch/purge", [a])).json()).toEqual({
      succeeded: [{ index: 0, id: a }],
      failed: [],
    });
    const purged = (await (await send("legacy", "POST", "/api/posts/batch/purge", [b])).json()) as {
      succeeded: Succeeded;
    };
    expect(purged.succeeded).toEqual([
      { index: 0, record: expect.objectContaining({ id: b, title: "Profile trash b" }) },
    ]);
    expect(await t.db.prisma.post.count({ where: { id: { in: [a, b] } } })).toBe(0);
  });

  it("other batch actions answer records under every profile", async () => {
    const response = await send("secure", "POST", "/api/tags/batch", [{ name: "batch-created-secure" }]);
    expect(((await response.json()) as { succeeded: Succeeded }).succeeded).toEqual([
      { index: 0, record: expect.objectContaining({ name: "batch-created-secure" }) },
    ]);
  });
});

describe("§22.4 request body limit", () => {
  it.each([
    ["secure", 1 * MiB],
    ["react_admin", 2 * MiB],
    ["legacy", 10 * MiB],
  ] as const)(
    "%s: a body of exactly the limit is read, one byte more is a 413 that writes nothing",
    async (profile, limit) => {
      const fits = await failure(await send(profile, "POST", "/api/tags", bodyOf(limit)));
      expect(fits).toEqual({ status: 400, message: expect.stringContaining('"pad"') }); // read and parsed: pad is no field
      expect(await failure(await send(profile, "POST", "/api/tags", bodyOf(limit + 1)))).toEqual({
        status: 413,
        message: expect.stringContaining(String(limit)),
      });
      const declared = await send(
        profile,
        "POST",
        "/api/tags",
        { name: `declared-${profile.replace("_", "-")}` },
        { "Content-Length": String(limit + 1) },
      );
      expect(declared.status).toBe(413);
      expect(await t.db.prisma.tag.count({ where: { name: { startsWith: "declared-" } } })).toBe(0);
    },
  );

  it("an explicit maxBodyBytes wins over the profile's", async () => {
    const small = handler(t.runtime, { securityProfile: "legacy", maxBodyBytes: 1024 });
    expect((await send("legacy", "POST", "/api/tags", bodyOf(1025), {}, small)).status).toBe(413);
    const large = handler(t.runtime, { maxBodyBytes: 3 * MiB });
    expect((await send("secure", "POST", "/api/tags", bodyOf(3 * MiB), {}, large)).status).toBe(400);
  });
});

describe("§22.1 a resource's own profile", () => {
  let runtime: Runtime;
  beforeAll(() => {
    // The same database, served with tags declared legacy and posts declared secure.
    const own: Record<string, SecurityProfile> = { Tag: "legacy", Post: "secure" };
    const definitions = demoResources.map((r) => (own[r.model] ? { ...r, security: own[r.model] } : r));
    runtime = createRuntime({ schema: resolveResources(definitions, datamodel), store: createStore(t.db) });
  });

  it("wins over the server's profile, knob by knob, and the OpenAPI document follows it", async () => {
    for (const server of ["secure", "react_admin"] as const) {
      const rest = handler(runtime, { securityProfile: server });
      expect((await get(server, "/api/tags?nope=1", rest)).status).toBe(200);
      expect((await get(server, "/api/posts?nope=1", rest)).status).toBe(400);
      const [id] = (await tagsNamed(`own-${server.replace("_", "-")}`, 1)) as [number];
      const deleted = (await (await send(server, "DELETE", "/api/tags/batch", [id], {}, rest)).json()) as {
        succeeded: { record?: { id: number } }[];
      };
      expect(deleted.succeeded[0]?.record?.id).toBe(id);
      expect(await t.db.prisma.tag.count({ where: { id } })).toBe(0);
      expect((await send(server, "POST", "/api/tags", bodyOf(5 * MiB), {}, rest)).status).toBe(400);
      expect((await send(server, "POST", "/api/posts", bodyOf(1 * MiB + 1), {}, rest)).status).toBe(413);
      const doc = (await (await get(server, "/api/openapi.json", rest)).json()) as OpenApi;
      expect(batchDeleteSchema(doc, "tags")).toBe("#/components/schemas/TagBatchResult");
      expect(batchDeleteSchema(doc, "posts")).toBe("#/components/schemas/PostBatchDeleteResult");
    }
    // A legacy server, a secure resource: the resource is strict.
    const legacyServer = handler(runtime, { securityProfile: "legacy" });
    expect((await get("legacy", "/api/posts?nope=1", legacyServer)).status).toBe(400);
    expect((await get("legacy", "/api/users?nope=1", legacyServer)).status).toBe(200);
  });
});

type OpenApi = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content: { "application/json": { schema: { $ref: string } } } }> }>
  >;
  components: { schemas: Record<string, unknown> };
};
const batchDeleteSchema = (doc: OpenApi, path: string) =>
  doc.paths[`/${path}/batch`]?.delete?.responses["200"]?.content["application/json"].schema.$ref;

describe("§22.3 OpenAPI", () => {
  it("documents ids for batch deletes and purges under secure and react_admin, records under legacy", async () => {
    for (const profile of PROFILES) {
      const doc = (await (await get(profile, "/api/openapi.json")).json()) as OpenApi;
      const expected = profile === "legacy" ? "PostBatchResult" : "PostBatchDeleteResult";
      expect(batchDeleteSchema(doc, "posts")).toBe(`#/components/schemas/${expected}`);
      expect(doc.paths["/posts/batch/purge"]?.post?.responses["207"]?.content["application/json"].schema.$ref).toBe(
        `#/components/schemas/${expected}`,
      );
      expect(doc.paths["/posts/batch"]?.post?.responses["200"]?.content["application/json"].schema.$ref).toBe(
        "#/components/schemas/PostBatchResult",
      );
      expect("PostBatchDeleteResult" in doc.components.schemas).toBe(profile !== "legacy");
    }
  });
});

describe("§22.1, §22.4 createApp", () => {
  const app = (options: { securityProfile?: SecurityProfile; maxBodyBytes?: number } = {}) =>
    createApp({ runtime: t.runtime, logger: pino({ level: "silent" }), ...options });
  const call = (a: ReturnType<typeof app>, method: string, path: string, body?: string) =>
    a.fetch(
      new Request(`http://test${path}`, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body }),
      }),
    );

  it("is secure unless told otherwise: the profile decides the body limit when maxBodyBytes is not set", async () => {
    const secure = app();
    expect((await call(secure, "GET", "/api/posts?nope=1")).status).toBe(400);
    expect((await call(secure, "POST", "/api/tags", bodyOf(MiB + 1))).status).toBe(413);
    const legacy = app({ securityProfile: "legacy" });
    expect((await call(legacy, "GET", "/api/posts?nope=1")).status).toBe(200);
    expect((await call(legacy, "POST", "/api/tags", bodyOf(5 * MiB))).status).toBe(400);
    expect(
      (await call(app({ securityProfile: "legacy", maxBodyBytes: 4096 }), "POST", "/api/tags", bodyOf(4097))).status,
    ).toBe(413);
  });
});

describe("§22 with access rules: a field the actor may not see is unknown to them", () => {
  it("a lenient profile drops a filter on a withheld field (the answer is the one without it); secure refuses it as unknown", async () => {
    const reporters = await t.db.prisma.ticket.groupBy({
      by: ["reporterId"],
      where: { tenantId: "acme" },
      orderBy: { reporterId: "asc" },
    });
    const customer = { id: String(reporters[0]?.reporterId), roles: ["customer"], tenantId: "acme" };
    const as = (profile: SecurityProfile) =>
      handler(t.runtime, { securityProfile: profile, contextFor: () => t.runtime.context({ actor: customer }) });
    const mine = await t.db.prisma.ticket.count({
      where: { tenantId: "acme", reporterId: Number(customer.id), deletedAt: null },
    });
    const withheld = `/api/tickets?filter=${encodeURIComponent(JSON.stringify({ internalNote_contains: "zzz-no-such-note" }))}`;
    for (const profile of ["react_admin", "legacy"] as const) {
      const rest = as(profile);
      const plain = await answer(await get(profile, "/api/tickets", rest));
      expect(plain.range).toBe(`tickets 0-${mine - 1}/${mine}`);
      expect(await answer(await get(profile, withheld, rest))).toEqual(plain);
      // Query parameters are lenient under legacy only; react_admin keeps them strict (a 400, as for any unknown field).
      const suffix = await answer(await get(profile, "/api/tickets?internalNote_contains=zzz", rest));
      if (profile === "legacy") expect(suffix).toEqual(plain);
      else expect(suffix.status).toBe(400);
    }
    const refused = await get("secure", withheld, as("secure"));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/Unknown filter field "internalNote"/);
    // An agent sees the notes: for them the same filter filters (nothing has that note).
    const agent = handler(t.runtime, {
      securityProfile: "react_admin",
      contextFor: () => t.runtime.context({ actor: { id: "a", roles: ["agent"], tenantId: "acme" } }),
    });
    expect((await answer(await get("react_admin", withheld, agent))).body).toEqual([]);
  });
});
