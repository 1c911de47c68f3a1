// `npm run load -- <file> [--resources posts,tags] [--replace]`: a dump archive into the database, all or
// nothing (docs/guides/backup.md).
import { createReadStream } from "node:fs";
import { loadDatabase } from "../src/storage/dump/load-database.ts";
import { progressReporter } from "./dump-progress.ts";
import { dumpTarget } from "./dump-target.ts";

const target = await dumpTarget("usage: npm run load -- <file> [--resources posts,tags] [--replace]", {
  replace: true,
});
const progress = progressReporter();
try {
  const manifest = await loadDatabase(target.url, createReadStream(target.file), {
    datamodel: target.datamodel,
    replace: target.replace,
    onProgress: progress.onProgress,
    blobStore: target.blobStore,
    ...(target.tables ? { tables: target.tables } : {}),
  });
  progress.stop();
  const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
  console.error(`[autograph] loaded ${target.file} (an archive of ${rows} rows, migration ${manifest.migration})`);
} catch (error) {
  progress.stop();
  console.error(`[autograph] load failed, nothing was loaded: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await target.stop();
}
