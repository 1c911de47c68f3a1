// `npm run bench` (second part): keyset vs offset pagination on 100,000 posts, through the runtime.
// Prints how much page 1,000 costs relative to page 1 for each, and the plan of the keyset query.
// The target: keyset page 1,000 ≤ 1.5× keyset page 1 (offset shown beside it for contrast).
import pg from "pg";
import { resources } from "../demo/schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { createRuntime } from "../src/runtime/runtime.ts";
import type { Sort } from "../src/runtime/query.ts";
import { datamodel } from "../demo/datamodel.ts";
import { createDemoDatabase } from "../test/support/demo-database.ts";
import { compileRead } from "../src/storage/sql/read-sql.ts";
import { SEARCH_KEY } from "../src/storage/sql/search.ts";
import { SqlModels } from "../src/storage/sql/where-sql.ts";
import { createStore } from "../src/storage/store.ts";
import { prepareBenchDatabaseFromEnv } from "./database.ts";
import { medians } from "./medians.ts";

const EXTRA_POSTS = Number(process.env.BENCH_PAGINATION_POSTS ?? 100_000);
const PAGE = 50;
const DEEP_PAGE = 1000;
const REPEAT = Number(process.env.BENCH_PAGINATION_REPEAT ?? 60);
const log = (message: string) => console.error(`[bench:pagination] ${message}`);

const database = await prepareBenchDatabaseFromEnv(log);
const admin = new pg.Client({ connectionString: database.url });
await admin.connect();
try {
  log(`inserting ${EXTRA_POSTS} posts`);
  await admin.query(
    `insert into "Post" (title, body, status, views, "publishedAt", "authorId", "createdAt", "updatedAt")
     select 'Bench post ' || g, 'Body of bench post ' || g, (array['draft','published','archived'])[1 + g % 3]::"PostStatus",
            (g * 7919) % 10000, case when g % 3 = 1 then now() - (g || ' minutes')::interval end,
            1 + g % 40, now() - (g || ' seconds')::interval, now()
     from generate_series(1, $1) g`,
    [EXTRA_POSTS],
  );
  // Steady state: fresh statistics, and the GIN index's pending list merged (as autovacuum would).
  await admin.query("vacuum analyze");
  const db = createDemoDatabase(database.url, { poolSize: 2 });
  const runtime = createRuntime({ schema: resolveResources(resources, datamodel), store: createStore(db) });
  const posts = runtime.service("post");
  const ctx = () => runtime.context();
  const sort: Sort[] = [{ field: "createdAt", direction: "desc" }];

  // The cursor of page 1,000, reached the way a client would: page after page.
  let after: string | undefined;
  for (let page = 1; page < DEEP_PAGE; page++)
    after = (await posts.page(ctx(), { sort, first: PAGE, after })).pageInfo.endCursor;
  const deep = await posts.page(ctx(), { sort, first: PAGE, after });
  const offsetDeep = await posts.list(ctx(), { sort, offset: (DEEP_PAGE - 1) * PAGE, limit: PAGE });
  if (JSON.stringify(deep.records.map((r) => r.id)) !== JSON.stringify(offsetDeep.records.map((r) => r.id)))
    throw new Error("keyset and offset page 1,000 differ");

  const [keyset1, keysetDeep, offset1, offsetDeepMs] = (await medians(
    [
      () => posts.page(ctx(), { sort, first: PAGE }),
      () => posts.page(ctx(), { sort, first: PAGE, after }),
      () => posts.list(ctx(), { sort, offset: 0, limit: PAGE }),
      () => posts.list(ctx(), { sort, offset: (DEEP_PAGE - 1) * PAGE, limit: PAGE }),
    ],
    REPEAT,
    5,
  )) as [number, number, number, number];

  // The plan of the keyset query PostgreSQL runs for page 1,000 (the last statement the counter saw).
  db.statements.reset();
  await posts.page(ctx(), { sort, first: PAGE, after });
  const sql = db.statements.log.at(-1) ?? "";
  const plan = await explainLast(admin, sql, deep.records.at(0));

  const total = (await admin.query<{ n: string }>('select count(*) as n from "Post"')).rows[0]?.n;
  console.log(`\nPagination over ${total} posts, ${PAGE} per page, sorted by createdAt desc (median of ${REPEAT}):`);
  console.log("mode     page 1 ms  page 1000 ms  page 1000 ÷ page 1");
  console.log("-------  ---------  ------------  ------------------");
  console.log(
    `keyset   ${keyset1.toFixed(2).padStart(9)}  ${keysetDeep.toFixed(2).padStart(12)}  ${(keysetDeep / keyset1).toFixed(2).padStart(17)}×`,
  );
  console.log(
    `offset   ${offset1.toFixed(2).padStart(9)}  ${offsetDeepMs.toFixed(2).padStart(12)}  ${(offsetDeepMs / offset1).toFixed(2).padStart(17)}×`,
  );
  console.log(`\nEXPLAIN of the keyset page 1,000 query:\n${plan}`);

  // Full-text search over the same 100k rows: the plan must use the GIN index of the search migration.
  const term = "12345";
  const searched = await posts.list(ctx(), { filter: { search: term }, limit: PAGE, withTotal: true });
  const [searchMs = Number.NaN] = await medians(
    [() => posts.list(ctx(), { filter: { search: term }, limit: PAGE, withTotal: true })],
    REPEAT,
    5,
  );
  const postResource = runtime.schema.resource.get("post");
  const columns = postResource?.fields.filter((f) => f.searchable).map((f) => f.name) ?? [];
  const search = { text: term, columns, language: postResource?.searchLanguage ?? "english" };
  const page = compileRead(new SqlModels(datamodel), {
    level: { model: "Post", fields: ["id", "title"], relations: [] },
    where: { [SEARCH_KEY]: search },
    orderBy: [],
    rank: search,
    offset: 0,
    limit: PAGE,
    total: true,
  });
  const searchPlan = (await admin.query<{ "QUERY PLAN": string }>(`explain analyze ${page.text}`, page.values)).rows
    .map((r) => `  ${r["QUERY PLAN"]}`)
    .join("\n");
  console.log(
    `\nFull-text search "${term}" over ${total} posts: ${searched.total} match, ${searchMs.toFixed(2)} ms per page + total (median of ${REPEAT}).`,
  );
  console.log(`EXPLAIN ANALYZE of the search query:\n${searchPlan}`);
  if (!searchPlan.includes("Post_search_idx"))
    throw new Error("the search query does not use the GIN index Post_search_idx");
  await db.close();
} finally {
  await admin.end();
  await database.close();
}

/** EXPLAIN ANALYZE of a statement the counter recorded, with its parameters re-bound from a sample. */
async function explainLast(client: pg.Client, sql: string, sample: unknown): Promise<string> {
  void sample;
  // The recorded text has $n placeholders; ask PostgreSQL for a generic plan, which needs no values.
  try {
    await client.query("set plan_cache_mode = force_generic_plan");
    const name = "keyset_page";
    await client.query(`prepare ${name} as ${sql}`);
    const params = await client.query<{ parameter_types: string }>(
      "select parameter_types::text from pg_prepared_statements where name = $1",
      [name],
    );
    const count = (params.rows[0]?.parameter_types.match(/,/g)?.length ?? -1) + 1;
    const rows = await client
      .query<{ "QUERY PLAN": string }>(`explain (generic_plan) ${sql}`)
      .catch(async () =>
        client.query<{ "QUERY PLAN": string }>(
          `explain execute ${name}(${Array.from({ length: count }, () => "null").join(",")})`,
        ),
      );
    await client.query(`deallocate ${name}`);
    return rows.rows.map((r) => `  ${r["QUERY PLAN"]}`).join("\n");
  } catch (error) {
    return `  (no plan: ${(error as Error).message})`;
  }
}
