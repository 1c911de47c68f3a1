/**
 * The peer benchmark's results: medians of the rounds per server and scenario, ratios to the raw
 * baseline and to PostGraphile, a table for the terminal and a JSON document for tools.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { LoadResult } from "./loadgen.ts";
import type { ServerName } from "./scenarios.ts";
import type { StatementCount } from "./statements.ts";

/** One load run: a server answering a scenario in one round. */
export interface Measurement {
  round: number;
  scenario: string;
  server: ServerName;
  load: LoadResult;
  /** Highest RSS of the server's process sampled during the run (warm-up included), MB. */
  rssPeakMb: number;
}

/** A server's figures for a scenario over the rounds. */
export interface Row {
  scenario: string;
  server: ServerName;
  /** Medians over the rounds. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** (max − min) ÷ median of req/s over the rounds: how much the rounds disagree. */
  spread: number;
  /** Median over the rounds of req/s ÷ the raw baseline's req/s in the same round. */
  vsRaw: number;
  /** Median over the rounds of req/s ÷ PostGraphile's req/s in the same round. */
  vsPostgraphile: number;
  /** Median over the rounds of p99 ÷ the raw baseline's p99 (rounds where that is 0 ms left out); null if none. */
  p99VsRaw: number | null;
  /** Counted by PostgreSQL; null when pg_stat_statements is not available. */
  statementsPerRequest: number | null;
  statements: StatementCount["statements"];
  /** Highest RSS of the server's process under this scenario's load, over the rounds, MB. */
  rssPeakMb: number;
  rounds: { round: number; requestsPerSecond: number; p50Ms: number; p99Ms: number; rssPeakMb: number }[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rows in the order of `scenarios` then `servers`. */
export function summarise(
  measurements: readonly Measurement[],
  scenarios: readonly string[],
  servers: readonly ServerName[],
  statements: (scenario: string, server: ServerName) => StatementCount | undefined,
): Row[] {
  const find = (scenario: string, server: ServerName, round: number) =>
    measurements.find((m) => m.scenario === scenario && m.server === server && m.round === round);
  const rows: Row[] = [];
  for (const scenario of scenarios) {
    for (const server of servers) {
      const mine = measurements.filter((m) => m.scenario === scenario && m.server === server);
      const ratio = (of: (m: Measurement) => number, peer: ServerName): number[] =>
        mine.flatMap((m) => {
          const other = find(scenario, peer, m.round);
          return other && of(other) > 0 ? [of(m) / of(other)] : [];
        });
      const rps = mine.map((m) => m.load.requestsPerSecond);
      const p99Ratios = ratio((m) => m.load.p99, "raw");
      const count = statements(scenario, server);
      rows.push({
        scenario,
        server,
        requestsPerSecond: median(rps),
        p50Ms: median(mine.map((m) => m.load.p50)),
        p99Ms: median(mine.map((m) => m.load.p99)),
        spread: (Math.max(...rps) - Math.min(...rps)) / median(rps),
        vsRaw: median(ratio((m) => m.load.requestsPerSecond, "raw")),
        vsPostgraphile: median(ratio((m) => m.load.requestsPerSecond, "postgraphile")),
        p99VsRaw: p99Ratios.length > 0 ? median(p99Ratios) : null,
        statementsPerRequest: count?.perRequest ?? null,
        statements: count?.statements ?? [],
        rssPeakMb: Math.max(...mine.map((m) => m.rssPeakMb)),
        rounds: mine.map((m) => ({
          round: m.round,
          requestsPerSecond: m.load.requestsPerSecond,
          p50Ms: m.load.p50,
          p99Ms: m.load.p99,
          rssPeakMb: m.rssPeakMb,
        })),
      });
    }
  }
  return rows;
}

/** A fixed-width table: the first `left` columns left-aligned, the others right-aligned. */
export function textTable(header: readonly string[], body: readonly (readonly string[])[], left = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < left ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

const times = (value: number | null) => (value === null || !Number.isFinite(value) ? "n/a" : `${value.toFixed(2)}×`);
const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** One line per scenario and server. */
export function table(rows: readonly Row[]): string {
  return textTable(
    [
      "scenario",
      "server",
      "req/s",
      "spread",
      "p50 ms",
      "p99 ms",
      "× raw",
      "× PostGraphile",
      "p99 × raw",
      "SQL/req",
      "peak RSS MB",
    ],
    rows.map((r) => [
      r.scenario,
      r.server,
      r.requestsPerSecond.toFixed(0),
      `${(r.spread * 100).toFixed(0)}%`,
      ms(r.p50Ms),
      ms(r.p99Ms),
      times(r.vsRaw),
      times(r.vsPostgraphile),
      times(r.p99VsRaw),
      r.statementsPerRequest === null
        ? "n/a"
        : Number.isInteger(r.statementsPerRequest)
          ? String(r.statementsPerRequest)
          : r.statementsPerRequest.toFixed(2),
      r.rssPeakMb.toFixed(0),
    ]),
    2,
  );
}

/** Writes `report` as JSON to `path`, creating its folder. */
export async function writeReport(path: string, report: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
