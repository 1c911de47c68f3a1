// `npm run replay -- --into <DATABASE_URL> [--until <ISO time|eventId>] [--from <DATABASE_URL>]`: the
// served tables as they were at a point of the outbox, rebuilt into an empty database from the log alone
// (docs/guides/replay.md). The source defaults to DATABASE_URL (or the embedded PostgreSQL, as npm run db).
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { datamodel } from "../demo/datamodel.ts";
import { resources } from "../demo/schema/index.ts";
import { resolveResources } from "../src/metadata/resolve.ts";
import { parseReplayPoint, type ReplayProgress, replay } from "../src/storage/replay/replay.ts";
import { ReplayError } from "../src/storage/replay/replay-error.ts";
import { databaseTarget } from "./database-target.ts";

const usage = "usage: npm run replay -- --into <DATABASE_URL> [--until <ISO time|eventId>] [--from <DATABASE_URL>]";

/** A bar (events, rate, ETA) on a terminal; otherwise a line at most once a second, and the last one. */
function progressReporter(): { onProgress: (p: ReplayProgress) => void; stop: () => void } {
  const started = Date.now();
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: "replay [{bar}] {value}/{total} events | {rate} events/s | ETA {eta}s", stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      onProgress(p) {
        if (!begun) bar.start(p.total, 0, { rate: 0 });
        begun = true;
        bar.update(p.events, { rate: Math.round(p.events / Math.max((Date.now() - started) / 1000, 0.001)) });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    onProgress(p) {
      if (Date.now() - last < 1000 && p.events !== p.total) return;
      last = Date.now();
      console.error(`[autograph] replay: ${p.events}/${p.total} events`);
    },
    stop() {},
  };
}

let values: { into?: string | undefined; until?: string | undefined; from?: string | undefined };
try {
  ({ values } = parseArgs({
    options: { into: { type: "string" }, until: { type: "string" }, from: { type: "string" } },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (!values.into) {
  console.error(usage);
  process.exit(2);
}
let until: ReturnType<typeof parseReplayPoint> | undefined;
try {
  until = values.until === undefined ? undefined : parseReplayPoint(values.until);
} catch (error) {
  console.error(`[autograph] replay refused: ${(error as Error).message}`);
  process.exit(2);
}
const source = values.from ? { url: values.from, stop: async () => {} } : await databaseTarget();
const progress = progressReporter();
const started = Date.now();
try {
  const summary = await replay({
    from: source.url,
    into: values.into,
    datamodel,
    schema: resolveResources(resources, datamodel),
    until,
    onProgress: progress.onProgress,
  });
  progress.stop();
  const seconds = (Date.now() - started) / 1000;
  console.error(
    `[autograph] replayed ${summary.events} events (up to event ${summary.lastEventId}) and ${summary.revisions} revisions in ${seconds.toFixed(1)} s` +
      (summary.skipped > 0 ? `; ${summary.skipped} events of resources no longer served were left out` : ""),
  );
} catch (error) {
  progress.stop();
  const known = error instanceof ReplayError;
  console.error(`[autograph] replay failed: ${known ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
} finally {
  await source.stop();
}
