// Progress of `npm run dump` and `npm run load`: a bar per table (rows, rate, ETA) on a terminal, plain
// log lines (at most one a second per table, and each table's last) otherwise.
import cliProgress from "cli-progress";
import type { TableProgress } from "../src/storage/dump/table-progress.ts";

/** A progress reporter for `onProgress`, and `stop()` to call once done. */
export function progressReporter(): { onProgress: (p: TableProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bars = new cliProgress.MultiBar(
      { format: "{phase} {table} [{bar}] {value}/{total} rows | {rate} rows/s | ETA {eta}s", stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    const started = new Map<string, { bar: cliProgress.SingleBar; at: number }>();
    return {
      onProgress(p) {
        const key = `${p.phase} ${p.table}`;
        let entry = started.get(key);
        if (!entry) {
          entry = { bar: bars.create(p.total ?? 0, 0, { phase: p.phase, table: p.table, rate: 0 }), at: Date.now() };
          started.set(key, entry);
        }
        const seconds = Math.max((Date.now() - entry.at) / 1000, 0.001);
        if (p.total !== undefined) entry.bar.setTotal(p.total);
        entry.bar.update(p.rows, { rate: Math.round(p.rows / seconds) });
      },
      stop: () => bars.stop(),
    };
  }
  const last = new Map<string, number>();
  return {
    onProgress(p) {
      const key = `${p.phase} ${p.table}`;
      const now = Date.now();
      if (now - (last.get(key) ?? 0) < 1000 && p.rows !== p.total) return;
      last.set(key, now);
      console.error(`[autograph] ${p.phase} ${p.table}: ${p.rows}${p.total === undefined ? "" : `/${p.total}`} rows`);
    },
    stop() {},
  };
}
