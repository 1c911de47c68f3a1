// `npm run db -- <prisma command>`: the Prisma CLI against DATABASE_URL, or against the embedded
// PostgreSQL (started for the command, stopped after it if this command started it).
// Examples: npm run db -- migrate dev --name add_field | migrate deploy | migrate status | migrate reset
import { startEmbeddedPostgres } from "../src/storage/embedded-postgres.ts";
import { runPrismaCli } from "../src/storage/prisma-cli.ts";

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error(
    "usage: npm run db -- <prisma command>, e.g. migrate dev --name <x> | migrate deploy | migrate status | migrate reset",
  );
  process.exit(2);
}
let url = process.env.DATABASE_URL;
let stop = async () => {};
if (!url) {
  const pg = await startEmbeddedPostgres({
    dataDir: process.env.EMBEDDED_PG_DIR ?? ".data/postgres",
    port: Number(process.env.EMBEDDED_PG_PORT ?? 54329),
    log: (m) => console.error(`[autograph] ${m}`),
  });
  await pg.ensureDatabase("autograph");
  url = pg.url("autograph");
  if (!pg.reused) stop = () => pg.stop();
}
try {
  await runPrismaCli(url, args, "inherit");
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await stop();
}
