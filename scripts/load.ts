// `npm run load -- <file> [--resources posts,tags] [--replace]`: a dump archive into the database, all or
// nothing (docs/guides/backup.md).
import { createReadStream } from "node:fs";
import { progressReporter } from "./dump-progress.ts";
import { dumpTarget } from "./dump-target.ts";

const target = await dumpTarget("usage: npm run load -- <file> [--resources posts,tags] [--replace]", {
  replace: true,
});
const progress = progressReporter();
try {
  const manifest = await target.backup.load(createReadStream(target.file), {
    tables: target.tables,
    replace: target.replace,
    onProgress: progress.onProgress,
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
