// `npm run blobs:gc [-- --grace-hours N]`: deletes the demo's stored blobs that no record and no revision
// references, once they are older than the grace period (BLOB_GC_GRACE_HOURS, default 24). The same
// collection runs in the server every BLOB_GC_INTERVAL seconds. Against DATABASE_URL, or the embedded
// PostgreSQL (started for the command, stopped after it if this command started it); the store is the
// one the environment names (BLOB_STORE, BLOB_DIR, S3_*).
import pg from "pg";
import { demoOptions } from "../demo/options.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { loadConfig } from "../src/server/config.ts";
import { createBlobStore } from "../src/storage/blobs/create-blob-store.ts";
import { collectBlobs } from "../src/storage/blobs/gc.ts";
import { blobReferences } from "../src/storage/blobs/references.ts";
import { databaseTarget } from "./database-target.ts";

const config = loadConfig();
const at = process.argv.indexOf("--grace-hours");
const graceHours = at > 0 ? Number(process.argv[at + 1]) : config.blobGcGraceHours;
if (!Number.isFinite(graceHours) || graceHours < 0) {
  console.error("--grace-hours takes a number of hours, e.g. --grace-hours 0");
  process.exit(2);
}
const { url, stop } = await databaseTarget();
const pool = new pg.Pool({ connectionString: url, max: 2 });
const store = createBlobStore(config.blobStore);
try {
  const schema = resolveResources(demoOptions.resources, demoOptions.datamodel);
  const references = blobReferences(schema, demoOptions.datamodel);
  const result = await collectBlobs(pool, store, references, { graceMs: graceHours * 3600_000 });
  console.log(
    `${result.scanned} stored, ${result.candidates} older than ${graceHours} h, ${result.deleted.length} unreferenced deleted`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await pool.end();
  await store.close?.();
  await stop();
}
