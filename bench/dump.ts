// `npm run bench:dump`: `npm run dump` and `npm run load` (src/storage/dump/, docs/guides/backup.md) next to
// PostgreSQL's pg_dump and pg_restore, on the same tables of the same database in the same run, each program
// in a child process of its own whose wall time, CPU and peak RSS are measured from outside
// (bench/measured-run.ts). Then the memory goal: a dump and a load of a million rows must each stay under
// 250 MB of peak RSS, whatever the size (both stream). Prints rows/s, the ratios Autograph ÷ PostgreSQL
// and PASS/FAIL for the memory goal; never asserts a time. Exits 1 if the memory goal is missed or a load
// does not reproduce its source. Needs a server with pg_dump of its own major version (DATABASE_URL; the
// embedded PostgreSQL ships none). bench/README.md says what is measured and why it is a fair comparison.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { datamodel } from "../demo/datamodel.ts";
import { resources } from "../demo/schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { planTables, tablesOfResources } from "../src/storage/dump/table-plan.ts";
import { quoteIdent } from "../test/support/names.ts";
import {
  dropDatabase,
  fingerprints,
  migratedDatabase,
  recreateDatabase,
  type SeedCounts,
  seedDumpData,
  type TableFingerprint,
  tableBytes,
} from "./dump-data.ts";
import { type RunFigures, runMeasured } from "./measured-run.ts";
import { findPgTools, writeRestoreList } from "./pg-dump-tools.ts";
import { median, textTable, writeReport } from "./report.ts";

const POSTS = Number(process.env.BENCH_DUMP_POSTS ?? 100_000);
const USERS = Number(process.env.BENCH_DUMP_USERS ?? 1000);
const RSS_ROWS = Number(process.env.BENCH_DUMP_RSS_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_DUMP_ROUNDS ?? 1);
const RSS_GOAL_MB = 250;
/** Users, posts and comments: their tables, and their rows of Revision and Event (all of both, here). */
const RESOURCES = "users,posts,comments";
const DB = {
  template: "autograph_bench_dump_empty",
  src: "autograph_bench_dump_src",
  ours: "autograph_bench_dump_dst_ours",
  pg: "autograph_bench_dump_dst_pg",
  rssSrc: "autograph_bench_dump_rss_src",
  rssDst: "autograph_bench_dump_rss_dst",
};

const began = performance.now();
const log = (message: string) => console.error(`[bench:dump] ${message}`);
const adminUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const root = fileURLToPath(new URL("..", import.meta.url));
const tools = await findPgTools(adminUrl);
const tables = planTables(
  datamodel,
  tablesOfResources(resolveResources(resources, datamodel), RESOURCES.split(",")),
).map((t) => t.table);
const work = await mkdtemp(join(tmpdir(), "autograph-bench-dump-"));

type Program = "autograph" | "postgresql";
type Step = "dump" | "load";
interface Run {
  round: number;
  step: Step;
  program: Program;
  figures: RunFigures;
  archiveBytes?: number;
}

/** The node arguments of `npm run <step>` (package.json: `node <args> scripts/<step>.ts`). */
function scriptArgs(step: Step): string[] {
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts;
  const words = (scripts[step] ?? "").split(/\s+/);
  if (words[0] !== "node") throw new Error(`npm run ${step} is not \`node …\`: ${scripts[step]}`);
  return words.slice(1);
}

/** `npm run dump`/`npm run load` exactly as they run (the same node and flags), on `url`. */
function autograph(step: Step, archive: string, url: string, name: string): Promise<RunFigures> {
  return runMeasured(name, process.execPath, [...scriptArgs(step), archive, "--resources", RESOURCES], {
    cwd: root,
    env: { DATABASE_URL: url, BLOB_STORE: "local", BLOB_DIR: join(work, "blobs") },
  });
}

/** Throws unless every table of `url` has the rows of the source, same count, same content. */
async function check(url: string, what: string, source: readonly TableFingerprint[]): Promise<void> {
  const loaded = await fingerprints(url, tables, { vacuum: true });
  for (const [i, want] of source.entries()) {
    const got = loaded[i];
    if (got?.rows !== want.rows || got.hash !== want.hash) {
      throw new Error(
        `${what} is not its source: ${want.table} has ${got?.rows} rows (hash ${got?.hash}), the source ` +
          `${want.rows} (hash ${want.hash})`,
      );
    }
  }
}

const steps = {
  async autographDump(srcUrl: string, archive: string) {
    return autograph("dump", archive, srcUrl, "npm run dump");
  },
  async pgDump(srcUrl: string, archive: string) {
    const only = tables.map((t) => `--table=${quoteIdent(t)}`);
    return runMeasured(
      "pg_dump",
      tools.pgDump,
      ["--format=custom", ...only, `--file=${archive}`, `--dbname=${srcUrl}`],
      {
        cwd: root,
      },
    );
  },
  async autographLoad(archive: string, dst: string, source: readonly TableFingerprint[]) {
    const url = await recreateDatabase(adminUrl, dst, DB.template);
    const figures = await autograph("load", archive, url, "npm run load");
    await check(url, `${dst} (npm run load)`, source);
    return figures;
  },
  async pgRestore(archive: string, dst: string, source: readonly TableFingerprint[]) {
    const url = await recreateDatabase(adminUrl, dst, DB.template);
    const list = `${archive}.list`;
    await writeRestoreList(tools.pgRestore, archive, tables, list);
    const args = ["--data-only", "--single-transaction", "--exit-on-error", `--use-list=${list}`, `--dbname=${url}`];
    const figures = await runMeasured("pg_restore", tools.pgRestore, [...args, archive], { cwd: root });
    await check(url, `${dst} (pg_restore)`, source);
    return figures;
  },
};

const total = (source: readonly TableFingerprint[]) => source.reduce((n, t) => n + t.rows, 0);
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const mb = (bytes: number) => bytes / 1024 / 1024;
const describe = (s: SeedCounts, rows: number) =>
  `${int(rows)} rows (${int(s.users)} users, ${int(s.posts)} posts, ${int(s.revisions)} revisions, ${int(s.comments)} comments)`;

let failed = false;
try {
  log(`PostgreSQL ${tools.serverVersion}; ${tools.pgDump}, ${tools.pgRestore}`);
  log(`migrating ${DB.template}`);
  const templateUrl = await migratedDatabase(adminUrl, DB.template);
  const srcUrl = await recreateDatabase(adminUrl, DB.src, DB.template);
  log(`seeding ${DB.src} with ${int(POSTS)} posts`);
  const seeded = await seedDumpData(srcUrl, USERS, POSTS);
  const source = await fingerprints(srcUrl, tables);
  const rows = total(source);
  const dataBytes = await tableBytes(srcUrl, tables);

  // What a run costs before its first row: the same commands on an empty database.
  const emptyArchive = join(work, "empty.tar.gz");
  const startup = {
    dump: await autograph("dump", emptyArchive, templateUrl, "npm run dump (empty)"),
    load: await autograph(
      "load",
      emptyArchive,
      await recreateDatabase(adminUrl, DB.ours, DB.template),
      "npm run load (empty)",
    ),
  };

  const runs: Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const ours = join(work, `round-${round}.tar.gz`);
    const theirs = join(work, `round-${round}.pgdump`);
    // Who goes first alternates from round to round, so a machine getting busier hits both alike.
    const order: Program[] = round % 2 === 1 ? ["autograph", "postgresql"] : ["postgresql", "autograph"];
    for (const program of order) {
      log(`round ${round}: dump, ${program}`);
      const figures =
        program === "autograph" ? await steps.autographDump(srcUrl, ours) : await steps.pgDump(srcUrl, theirs);
      const archiveBytes = (await stat(program === "autograph" ? ours : theirs)).size;
      runs.push({ round, step: "dump", program, figures, archiveBytes });
    }
    for (const program of order) {
      log(`round ${round}: load, ${program}`);
      const figures =
        program === "autograph"
          ? await steps.autographLoad(ours, DB.ours, source)
          : await steps.pgRestore(theirs, DB.pg, source);
      runs.push({ round, step: "load", program, figures });
    }
  }

  const of = (step: Step, program: Program) => runs.filter((r) => r.step === step && r.program === program);
  const wall = (step: Step, program: Program) => median(of(step, program).map((r) => r.figures.wallSeconds));
  const ratio = (step: Step) =>
    median(
      of(step, "autograph").map((r) => {
        const peer = runs.find((p) => p.step === step && p.program === "postgresql" && p.round === r.round);
        return (peer?.figures.wallSeconds ?? Number.NaN) / r.figures.wallSeconds;
      }),
    );
  const label = {
    autograph: { dump: "npm run dump", load: "npm run load" },
    postgresql: { dump: "pg_dump -Fc", load: "pg_restore --data-only" },
  };
  const body = (["dump", "load"] as const).flatMap((step) =>
    (["autograph", "postgresql"] as const).map((program) => {
      const mine = of(step, program);
      const seconds = wall(step, program);
      const cpu = mine.map((r) => r.figures.cpuSeconds);
      const archive = mine.at(-1)?.archiveBytes;
      return [
        step,
        label[program][step],
        seconds.toFixed(1),
        int(rows / seconds),
        (mb(dataBytes) / seconds).toFixed(1),
        cpu.every((c) => c !== undefined) ? median(cpu as number[]).toFixed(1) : "n/a",
        Math.max(...mine.map((r) => r.figures.peakRssMb)).toFixed(0),
        archive === undefined ? "" : mb(archive).toFixed(1),
      ];
    }),
  );
  const archiveRatio =
    (of("dump", "autograph").at(-1)?.archiveBytes ?? 0) / (of("dump", "postgresql").at(-1)?.archiveBytes ?? 1);
  console.log(
    `\nDump and load of ${describe(seeded, rows)}, ${mb(dataBytes).toFixed(0)} MB of table data, ` +
      `PostgreSQL ${tools.serverVersion}, ${ROUNDS === 1 ? "1 round" : `medians of ${ROUNDS} rounds`}; ` +
      `every load checked against the source (row counts and content):`,
  );
  console.log(
    textTable(["step", "program", "wall s", "rows/s", "data MB/s", "CPU s", "peak RSS MB", "archive MB"], body, 2),
  );
  const times = (n: number) => `${n.toFixed(2)}×`;
  console.log(
    `\nAutograph ÷ PostgreSQL in rows/s (higher is better): dump ${times(ratio("dump"))}, load ${times(ratio("load"))}. ` +
      `Archive size: ${times(archiveRatio)} pg_dump's.`,
  );
  console.log(
    `Startup alone (the same commands on an empty database): dump ${startup.dump.wallSeconds.toFixed(1)} s and ` +
      `${startup.dump.peakRssMb.toFixed(0)} MB, load ${startup.load.wallSeconds.toFixed(1)} s and ` +
      `${startup.load.peakRssMb.toFixed(0)} MB peak RSS.`,
  );

  let memory: { rows: number; seeded: SeedCounts; dump: RunFigures; load: RunFigures } | undefined;
  if (RSS_ROWS > 0) {
    // The same mix as above (3.5 rows a post, plus the users), scaled to about RSS_ROWS rows.
    const posts = Math.max(1, Math.round((RSS_ROWS - USERS) / 3.5));
    const rssUrl = await recreateDatabase(adminUrl, DB.rssSrc, DB.template);
    log(`memory goal: seeding ${DB.rssSrc} with ${int(posts)} posts`);
    const rssSeeded = await seedDumpData(rssUrl, USERS, posts);
    const rssSource = await fingerprints(rssUrl, tables);
    const archive = join(work, "memory.tar.gz");
    log("memory goal: dump");
    const dump = await steps.autographDump(rssUrl, archive);
    log("memory goal: load");
    const load = await steps.autographLoad(archive, DB.rssDst, rssSource);
    const rssRows = total(rssSource);
    memory = { rows: rssRows, seeded: rssSeeded, dump, load };
    const verdict = (f: RunFigures) => (f.peakRssMb < RSS_GOAL_MB ? "PASS" : "FAIL");
    failed = verdict(dump) === "FAIL" || verdict(load) === "FAIL";
    console.log(`\nMemory goal: peak RSS < ${RSS_GOAL_MB} MB per process on ${describe(rssSeeded, rssRows)}:`);
    console.log(
      textTable(
        ["step", "program", "wall s", "rows/s", "peak RSS MB", `< ${RSS_GOAL_MB} MB`],
        (
          [
            ["dump", dump],
            ["load", load],
          ] as const
        ).map(([step, f]) => [
          step,
          label.autograph[step],
          f.wallSeconds.toFixed(1),
          int(rssRows / f.wallSeconds),
          f.peakRssMb.toFixed(0),
          verdict(f),
        ]),
        2,
      ),
    );
    console.log(
      `Peak RSS at ${int(rows)} rows: dump ${Math.max(...of("dump", "autograph").map((r) => r.figures.peakRssMb)).toFixed(0)} MB, ` +
        `load ${Math.max(...of("load", "autograph").map((r) => r.figures.peakRssMb)).toFixed(0)} MB; with no rows: ` +
        `${startup.dump.peakRssMb.toFixed(0)} and ${startup.load.peakRssMb.toFixed(0)} MB.`,
    );
    // A million rows twice over is a few GB of disk: not kept for inspection, unlike the smaller ones.
    await dropDatabase(adminUrl, DB.rssSrc);
    await dropDatabase(adminUrl, DB.rssDst);
  } else {
    console.log("\nMemory goal: skipped (BENCH_DUMP_RSS_ROWS=0).");
  }

  const seconds = (performance.now() - began) / 1000;
  console.log(`\nThe whole bench took ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s.`);
  await writeReport(join(root, "bench/results/dump.json"), {
    postgresql: tools.serverVersion,
    tables,
    seeded,
    rows,
    dataBytes,
    startup,
    runs,
    memory: memory && { goalMb: RSS_GOAL_MB, ...memory },
    seconds,
  });
  if (failed) {
    console.error(`\n[bench:dump] the memory goal (< ${RSS_GOAL_MB} MB peak RSS) is not met.`);
    process.exitCode = 1;
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
