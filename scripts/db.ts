// `npm run db -- <prisma command>`: the Prisma CLI against DATABASE_URL, or against the embedded
// PostgreSQL (started for the command, stopped after it if this command started it).
// Examples: npm run db -- migrate dev --name add_field | migrate deploy | migrate status | migrate reset
import { databaseTarget } from "./database-target.ts";
import { runPrismaCli } from "../src/storage/prisma-cli.ts";

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error(
    "usage: npm run db -- <prisma command>, e.g. migrate dev --name <x> | migrate deploy | migrate status | migrate reset",
  );
  process.exit(2);
}
const { url, stop } = await databaseTarget();
try {
  await runPrismaCli(url, args, "inherit");
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await stop();
}
