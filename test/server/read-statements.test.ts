/**
 * What a read costs, as PostgreSQL itself counts it (pg_stat_statements, not the app's own counter):
 * a list or page of any depth, with its total, is ONE statement on GraphQL and on REST, for every
 * kind of actor (the tenant and scope are part of that statement, not a transaction around it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { type StatementStats, statementStats } from "../support/statement-stats.ts";

let t: TestServer;
let stats: StatementStats;

beforeAll(async () => {
  // As the demo's admin, who may read users' emails (anonymous callers get them as null).
  t = await startTestServer({ env: { DEV_ACTOR: ADMIN_DEV_ACTOR } });
  // Not the event dispatcher's background work: the outbox ("Event"), its cursors ("EventCursor", read
  // by the takeover and the safety poll) and dead letters, LISTEN, the advisory lock.
  stats = await statementStats(t.testDb.url, ['%"Event%', "listen%", "%pg_advisory%"]);
});

afterAll(async () => {
  await stats?.close();
  await t?.close();
});

const base = () => t.running.url;

async function graphql(query: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${base()}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data as Record<string, unknown>;
}

async function rest(path: string): Promise<Response> {
  const response = await fetch(`${base()}${path}`);
  expect(response.status).toBe(200);
  return response;
}

const NESTED_LISTS =
  'posts(take: 20, orderBy: [{ id: asc }]) { id comments(where: { body: { contains: "e" } }, orderBy: [{ author: { name: asc } }], skip: 1, take: 2) { body author { name } } tags(orderBy: [{ name: desc }], take: 1) { name } }';

describe("one statement per read, counted by PostgreSQL", () => {
  it("needs pg_stat_statements on the test server (the embedded test cluster loads it)", () => {
    // Without it nothing below could be counted; CI always runs the embedded cluster.
    if (!stats.available && process.env.CI) throw new Error("pg_stat_statements is not loaded on the test server");
    expect(typeof stats.available).toBe("boolean");
  });

  const cases: [string, () => Promise<void>][] = [
    [
      "GraphQL: 50 posts with author, comments with their authors, and tags",
      async () => {
        const data = await graphql(
          "{ posts(take: 50, orderBy: [{ id: asc }]) { id title author { name } comments { body author { name } } tags { name } } }",
        );
        expect(data.posts).toHaveLength(50);
      },
    ],
    [
      "GraphQL: nested lists with where, orderBy, skip and take (issue 17 item 9)",
      async () => {
        const data = await graphql(`{ ${NESTED_LISTS} }`);
        expect(data.posts).toHaveLength(20);
      },
    ],
    [
      "GraphQL: nested lists with arguments, executed (a root fragment is not spliced: the projection carries them)",
      async () => {
        const data = await graphql(`{ ... on Query { ${NESTED_LISTS} } }`);
        expect(data.posts).toHaveLength(20);
      },
    ],
    [
      "GraphQL: a connection page with totalCount and nested relations",
      async () => {
        const data = await graphql(
          "{ postsConnection(first: 20, orderBy: [{ views: desc }]) { totalCount edges { cursor node { title author { name posts { title } } } } } }",
        );
        expect((data.postsConnection as { totalCount: number }).totalCount).toBeGreaterThan(20);
      },
    ],
    [
      "GraphQL: one record with its relations, aliases and fragments",
      async () => {
        const data = await graphql(
          "{ post(id: 1) { ...f a: author { name } b: author { email } } } fragment f on Post { title comments { body } }",
        );
        expect(data.post).toMatchObject({ a: { name: expect.any(String) }, b: { email: expect.any(String) } });
      },
    ],
    [
      "REST: a list with Content-Range, embeds at two levels and fields",
      async () => {
        const response = await rest(
          '/api/posts?range=[0,49]&sort=["id","ASC"]&embed=comments.author&fields=id,title,author.name,comments',
        );
        expect(response.headers.get("content-range")).toMatch(/^posts 0-49\/\d+$/);
      },
    ],
    [
      "REST: a keyset page with its total",
      async () => {
        const response = await rest("/api/posts?per_page=20&sort=-createdAt&embed=author&cursor=");
        expect(response.headers.get("content-range")).toMatch(/^posts \*\/\d+$|^posts/);
      },
    ],
    [
      "REST: a list sorted by a to-many relation's field (§3.3), with embeds",
      async () => {
        await rest("/api/posts?sort=-comments.createdAt&range=[0,24]&embed=author");
      },
    ],
    [
      "REST: one record with embeds",
      async () => {
        await rest("/api/posts/2?embed=author,comments,tags");
      },
    ],
    [
      "REST: full-text search, ranked, with its total",
      async () => {
        await rest("/api/posts?q=postgres&range=[0,9]&embed=author");
      },
    ],
  ];
  for (const [name, work] of cases) {
    it(name, async (context) => {
      // A DATABASE_URL server may not load pg_stat_statements (CI's embedded cluster always does).
      if (!stats.available && !process.env.CI) context.skip("pg_stat_statements is not loaded on this test server");
      await work(); // plans and prepared statements warm
      const { count, texts } = await stats.counted(work);
      expect(count, texts.join("\n")).toBe(1);
      expect(texts[0]).toContain("json_agg");
    });
  }
});
