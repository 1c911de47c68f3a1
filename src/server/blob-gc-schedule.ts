/**
 * Runs the blob garbage collector (src/storage/blobs/gc.ts) every `BLOB_GC_INTERVAL` seconds in each
 * instance. Several instances collecting at once is harmless: each deletes only objects that no committed
 * row or revision references, and a delete of a gone object is a no-op.
 */
import type { Logger } from "pino";
import type { BlobStore } from "../storage/blobs/blob-store.ts";
import { type BlobReference, collectBlobs, type Queryable } from "../storage/blobs/gc.ts";

/** What {@link scheduleBlobGc} needs. */
export interface BlobGcSchedule {
  readonly db: Queryable;
  readonly store: BlobStore;
  readonly references: readonly BlobReference[];
  /** 0: never. */
  readonly intervalSeconds: number;
  readonly graceHours: number;
  readonly logger: Logger;
}

/**
 * Starts the periodic collection; the answer stops it. A schema without file fields collects nothing
 * (its store may be shared with other apps, whose objects it cannot see the references of).
 */
export function scheduleBlobGc(options: BlobGcSchedule): { stop(): Promise<void> } {
  const { intervalSeconds, references, logger } = options;
  if (intervalSeconds === 0 || references.length === 0) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= collectBlobs(options.db, options.store, references, { graceMs: options.graceHours * 3600_000 })
      .then(
        ({ scanned, deleted }) => {
          if (deleted.length > 0) logger.info({ scanned, deleted: deleted.length }, "blob garbage collected");
        },
        (err) => logger.warn({ err }, "blob garbage collection failed"),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
