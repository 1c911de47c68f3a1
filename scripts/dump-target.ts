// What `npm run dump` and `npm run load` share: their arguments, and the database they work on
// (DATABASE_URL, or the embedded PostgreSQL the way scripts/db.ts starts it).
import { parseArgs } from "node:util";
import { datamodel } from "../demo/datamodel.ts";
import { resources } from "../demo/schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { loadConfig } from "../src/server/config.ts";
import { createBlobStore } from "../src/storage/blobs/create-blob-store.ts";
import { blobReferences } from "../src/storage/blobs/references.ts";
import { databaseTarget } from "./database-target.ts";
import { createBackup } from "../src/storage/dump/backup.ts";
import { type TableSelection, tablesOfResources } from "../src/storage/dump/table-plan.ts";

/** The parsed command line and the database: `stop()` once done. */
export async function dumpTarget(usage: string, flags: { replace?: boolean } = {}) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { resources: { type: "string" }, ...(flags.replace ? { replace: { type: "boolean" } } : {}) },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    console.error(usage);
    process.exit(2);
  }
  const names = values.resources?.split(",").filter((n) => n !== "");
  const tables: TableSelection[] | undefined = names
    ? tablesOfResources(resolveResources(resources, datamodel), names)
    : undefined;
  const { url, stop } = await databaseTarget();
  // The files: the store the environment names (BLOB_STORE, BLOB_DIR, S3_*), as the server uses it.
  const blobStore = createBlobStore(loadConfig().blobStore);
  const references = blobReferences(resolveResources(resources, datamodel), datamodel);
  const close = async () => {
    await blobStore.close?.();
    await stop();
  };
  const backup = createBackup({ url, datamodel, blobs: { store: blobStore, references } });
  return { file, tables, replace: values.replace === true, backup, stop: close };
}
