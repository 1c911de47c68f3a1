// `npm run bench` (third part): the cost of the record lifecycle on writes. Writes posts several ways, in
// turns, on one database: a bare Prisma create (the baseline) and a bare Prisma update; the runtime's
// create without the lifecycle (no audit, no revisions; the version and the outbox event stay); and the
// runtime as the demo serves posts (validation, audit fields, version, a revision and the outbox event),
// creating and patching. Prints the median time of each, its ratio to the bare create, and the SQL
// statements each write sends (the app's counter: BEGIN and COMMIT count). The runtime's writes take the
// one-statement path (docs/design/write-path.md).
import { resources } from "../demo/schema/index.ts";
import type { ResourceDefinition } from "../src/metadata/definition.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { createRuntime } from "../src/runtime/runtime.ts";
import { datamodel } from "../demo/datamodel.ts";
import { createDemoDatabase } from "../test/support/demo-database.ts";
import { createStore } from "../src/storage/store.ts";
import { prepareBenchDatabaseFromEnv } from "./database.ts";
import { medians } from "./medians.ts";

const REPEAT = Number(process.env.BENCH_WRITES_REPEAT ?? 300);
const log = (message: string) => console.error(`[bench:writes] ${message}`);

const database = await prepareBenchDatabaseFromEnv(log);
const db = createDemoDatabase(database.url, { poolSize: 2 });
try {
  const store = createStore(db);
  const full = createRuntime({ schema: resolveResources(resources, datamodel), store });
  const plainDefs = resources.map((r) =>
    r.model === "Post"
      ? {
          ...r,
          audit: undefined,
          softDelete: undefined,
          revisions: undefined,
          relations: { ...r.relations, comments: { filter: true } },
        }
      : r,
  ) as ResourceDefinition[];
  const plain = createRuntime({ schema: resolveResources(plainDefs, datamodel), store });
  // An editor: the demo's posts are written by editors and authors (schema/post.ts).
  const actor = { id: 7, roles: ["editor"] };
  let n = 0;
  const input = () => ({
    title: `Bench write ${++n}`,
    body: "A body of a benchmark post.",
    authorId: 1 + (n % 40),
    views: n % 100,
  });
  // Patches go round the seeded posts (ids 1-320), so each row takes a few dozen revisions.
  let m = 0;
  const target = () => 1 + (++m % 320);
  const variants: { name: string; write: () => Promise<unknown> }[] = [
    {
      name: "bare Prisma create (baseline)",
      write: () => db.prisma.post.create({ data: { ...input(), createdBy: "7", updatedBy: "7" } }),
    },
    {
      name: "bare Prisma update",
      write: () =>
        db.prisma.post.update({
          where: { id: target() },
          data: { views: m % 100, version: { increment: 1 }, updatedBy: "7" },
        }),
    },
    {
      name: "runtime create, no lifecycle",
      write: () => plain.service("post").create(plain.context({ actor }), input()),
    },
    {
      name: "runtime create, audit + revision",
      write: () => full.service("post").create(full.context({ actor }), input()),
    },
    {
      name: "runtime patch, audit + revision",
      write: () => full.service("post").patch(full.context({ actor }), target(), { views: m % 100 }),
    },
  ];

  const statements: number[] = [];
  for (const v of variants) {
    db.statements.reset();
    for (let i = 0; i < 10; i++) await v.write();
    statements.push(db.statements.count / 10);
  }
  const times = await medians(
    variants.map((v) => v.write),
    REPEAT,
    20,
  );
  const base = times[0] as number;
  console.log(`\nWriting one post (median of ${REPEAT}, in turns):`);
  console.log("write                              ms/write  vs bare create  SQL statements");
  console.log("---------------------------------  --------  --------------  --------------");
  for (const [i, v] of variants.entries()) {
    const ms = times[i] as number;
    console.log(
      `${v.name.padEnd(33)}  ${ms.toFixed(2).padStart(8)}  ${`${(ms / base).toFixed(2)}×`.padStart(14)}  ${String(statements[i]).padStart(14)}`,
    );
  }
  const revisions = await db.prisma.revision.count({ where: { resource: "post" } });
  const events = await db.prisma.event.count({ where: { resource: "post" } });
  const audited = await db.prisma.post.count({ where: { createdBy: "7", title: { startsWith: "Bench write" } } });
  console.log(
    `\n${revisions} post revisions and ${events} post events written; ${audited} bench posts carry createdBy "7".`,
  );
} finally {
  await db.close();
  await database.close();
}
