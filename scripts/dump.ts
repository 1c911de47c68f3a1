// `npm run dump -- <file> [--resources posts,tags]`: the database as a dump archive (docs/guides/backup.md).
import { createWriteStream } from "node:fs";
import { dumpDatabase } from "../src/storage/dump/dump-database.ts";
import { progressReporter } from "./dump-progress.ts";
import { dumpTarget } from "./dump-target.ts";

const target = await dumpTarget("usage: npm run dump -- <file> [--resources posts,tags]");
const progress = progressReporter();
try {
  const manifest = await dumpDatabase(target.url, createWriteStream(target.file), {
    datamodel: target.datamodel,
    onProgress: progress.onProgress,
    blobs: { store: target.blobStore, references: target.references },
    ...(target.tables ? { tables: target.tables } : {}),
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
