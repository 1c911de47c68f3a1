// `npm run bench:replay`: `npm run replay` (src/storage/replay/, docs/guides/replay.md) on a log of about
// 100,000 events (BENCH_REPLAY_POSTS posts: users, posts and comments created, a third of the posts
// patched, every 13th trashed, the comments of every 40th purged), run as the command runs, in a child
// process whose wall time, CPU and peak RSS are measured from outside (bench/measured-run.ts). The log is
// written in SQL, shaped as the runtime writes it (each row's snapshot under its column names, which the
// demo's API names are); the tables it leaves are what the replica must equal. Prints events/s and
// exits 1 if the replica differs from its source; never asserts a time. Needs DATABASE_URL's server.
import { fileURLToPath } from "node:url";
import pg from "pg";
import { dropDatabase, fingerprints, migratedDatabase, recreateDatabase } from "./dump-data.ts";
import { runMeasured } from "./measured-run.ts";

const POSTS = Number(process.env.BENCH_REPLAY_POSTS ?? 41_000);
const USERS = 1000;
const DB = { src: "autograph_bench_replay_src", dst: "autograph_bench_replay_dst" };
const TABLES = ["User", "Post", "Comment", "Event"];

const log = (message: string) => console.error(`[bench:replay] ${message}`);
const adminUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const root = fileURLToPath(new URL("..", import.meta.url));

/** Writes the rows and, in the same order, the events that record them. */
async function writeLog(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const logged = (action: string, resource: string, rows: string) =>
    `insert into "Event" ("resource", "recordId", "action", "actorId", "changed", "record")
     select '${resource}', r."id"::text, '${action}', '1', '{}', to_jsonb(r) from ${rows} order by r."id"`;
  try {
    await client.query(
      `with r as (insert into "User" ("email", "name", "role", "passwordHash", "updatedAt")
        select 'user' || i || '@example.com', 'User ' || i, 'author', 'hash' || i, now() from generate_series(1, $1) i returning *)
       ${logged("create", "user", "r")}`,
      [USERS],
    );
    await client.query(
      `with r as (insert into "Post" ("title", "body", "authorId", "updatedAt", "createdBy", "updatedBy")
        select 'Post ' || i, repeat('words ', 10 + i % 60), 1 + i % $2, now(), '1', '1' from generate_series(1, $1) i returning *)
       ${logged("create", "post", "r")}`,
      [POSTS, USERS],
    );
    await client.query(
      `with r as (insert into "Comment" ("id", "body", "postId", "authorId", "updatedAt")
        select gen_random_uuid(), 'Comment on ' || i, i, 1 + i % $2, now() from generate_series(1, $1) i returning *)
       ${logged("create", "comment", "r")}`,
      [POSTS, USERS],
    );
    await client.query(
      `with r as (update "Post" set "views" = "views" + 1, "version" = "version" + 1 where "id" % 3 = 0 returning *)
       ${logged("patch", "post", "r")}`,
    );
    await client.query(
      `with r as (update "Post" set "deletedAt" = now(), "deletedBy" = '1' where "id" % 13 = 0 returning *)
       ${logged("delete", "post", "r")}`,
    );
    await client.query(
      `with r as (delete from "Comment" where "postId" % 40 = 0 returning *) ${logged("purge", "comment", "r")}`,
    );
    // One transaction wrote them all: give each event a time of its own, as separate writes would have.
    await client.query(`update "Event" set "createdAt" = timestamp '2026-01-01' + "id" * interval '10 milliseconds'`);
    await client.query(`vacuum analyze "Event"`);
    return Number((await client.query<{ n: string }>(`select count(*)::text as n from "Event"`)).rows[0]?.n);
  } finally {
    await client.end();
  }
}

log(`writing the log (${POSTS} posts)…`);
const source = await migratedDatabase(adminUrl, DB.src);
const events = await writeLog(source);
// An empty database: replay applies the migrations itself.
const target = await recreateDatabase(adminUrl, DB.dst);
log(`replaying ${events} events…`);
const figures = await runMeasured(
  "replay",
  process.execPath,
  ["--import", "tsx", "scripts/replay.ts", "--from", source, "--into", target],
  { cwd: root },
);
const [ours, theirs] = await Promise.all([fingerprints(source, TABLES), fingerprints(target, TABLES)]);
const same = JSON.stringify(ours) === JSON.stringify(theirs);
const cpu =
  figures.cpuSeconds === undefined ? "" : `, CPU ${figures.cpuSeconds.toFixed(1)} s (the command's, not the server's)`;
console.log(
  `replay of ${events} events: ${figures.wallSeconds.toFixed(1)} s wall (migrations included), ` +
    `${Math.round(events / figures.wallSeconds)} events/s${cpu}, peak RSS ${Math.round(figures.peakRssMb)} MB; ` +
    `replica ${same ? "equals" : "DIFFERS FROM"} its source`,
);
if (!same) {
  console.log(JSON.stringify({ source: ours, replica: theirs }, null, 2));
  process.exitCode = 1;
}
await dropDatabase(adminUrl, DB.src);
await dropDatabase(adminUrl, DB.dst);
