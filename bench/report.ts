/**
 * The results: a table for the terminal and a JSON document for tools, both with every scenario
 * divided by the baseline.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { LoadResult, LoadSettings, StatementSample } from "./measure.ts";
import type { Scenario } from "./scenarios.ts";

/** A scenario's measurements. */
export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly load: LoadResult;
  readonly statements: StatementSample;
}

/** A scenario's measurements divided by the baseline's. */
export interface Row {
  name: string;
  method: string;
  path: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Scenario req/s ÷ baseline req/s: below 1 means slower than the hand-written endpoint. */
  throughputRatio: number;
  /** Scenario p99 ÷ baseline p99: above 1 means a longer tail; null when the baseline's p99 rounds to 0 ms. */
  p99Ratio: number | null;
  statementsPerRequest: number;
  /** The SQL of one request, in order. */
  sql: string[];
  requests: number;
  seconds: number;
}

/** Divides every result by the one named `baselineName` (which must be among them). */
export function rows(results: readonly ScenarioResult[], baselineName: string): Row[] {
  const base = results.find((r) => r.scenario.name === baselineName);
  if (!base) throw new Error(`No result for the baseline scenario "${baselineName}".`);
  return results.map(({ scenario, load, statements }) => ({
    name: scenario.name,
    method: scenario.method,
    path: scenario.path,
    requestsPerSecond: load.requestsPerSecond,
    p50Ms: load.p50,
    p99Ms: load.p99,
    meanMs: load.mean,
    throughputRatio: load.requestsPerSecond / base.load.requestsPerSecond,
    p99Ratio: base.load.p99 > 0 ? load.p99 / base.load.p99 : null,
    statementsPerRequest: statements.perRequest,
    sql: statements.oneRequest,
    requests: load.requests,
    seconds: load.seconds,
  }));
}

/** A fixed-width table, one line per scenario. */
export function table(data: readonly Row[]): string {
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "req/s ÷ baseline", "p99 ÷ baseline", "SQL/req"];
  const body = data.map((r) => [
    r.name,
    r.requestsPerSecond.toFixed(1),
    String(r.p50Ms),
    String(r.p99Ms),
    `${r.throughputRatio.toFixed(2)}×`,
    r.p99Ratio === null ? "n/a" : `${r.p99Ratio.toFixed(2)}×`,
    Number.isInteger(r.statementsPerRequest) ? String(r.statementsPerRequest) : r.statementsPerRequest.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] as string).length)));
  // The scenario name reads left-aligned; numbers right-aligned so their digits line up.
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...body.map(line)].join("\n");
}

/** Everything a later comparison needs: when, where, with which settings, and the rows. */
export interface Report {
  startedAt: string;
  node: string;
  platform: string;
  cpus: number;
  settings: LoadSettings & { poolSize: number; statementSampleRequests: number };
  rows: Row[];
}

/** Writes `report` as JSON to `path`, creating its folder. */
export async function writeReport(path: string, report: Report): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
