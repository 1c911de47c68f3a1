// `npm run dump -- <file> [--resources posts,tags]`: the database as a dump archive (docs/guides/backup.md).
import { createWriteStream } from "node:fs";
import { progressReporter } from "./dump-progress.ts";
import { dumpTarget } from "./dump-target.ts";

const target = await dumpTarget("usage: npm run dump -- <file> [--resources posts,tags]");
const progress = progressReporter();
try {
  const manifest = await target.backup.dump(createWriteStream(target.file), {
    tables: target.tables,
    onProgress: progress.onProgress,
  });
  progress.stop();
  const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
  console.error(
    `[autograph] dumped ${rows} rows of ${manifest.tables.length} tables and ${manifest.blobs.length} files to ${target.file}`,
  );
} catch (error) {
  progress.stop();
  console.error(`[autograph] dump failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await target.stop();
}
