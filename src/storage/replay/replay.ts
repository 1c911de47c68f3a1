/**
 * Replay (docs/guides/replay.md): the state of the served tables at a point of the outbox, rebuilt into
 * an empty database from the log alone. The target is migrated (`prisma migrate deploy`), then the
 * events up to the point are applied in id order, in batches (apply-events.ts), each batch in one
 * transaction with the events themselves and the revisions they recorded (so history and `asOf` reads
 * work on the replica); at the end every sequence is moved past the largest id.
 */
import pg from "pg";
import type { Datamodel } from "../../metadata/datamodel.ts";
import type { ResolvedSchema } from "../../metadata/resolved.ts";
import { resetSequences } from "../dump/reset-sequences.ts";
import { isEventId } from "../outbox.ts";
import { applyMigrations } from "../prisma-cli.ts";
import { ident } from "../sql/where-sql.ts";
import { applyEvents, type LoggedEvent } from "./apply-events.ts";
import { ReplayError } from "./replay-error.ts";
import { replayPlan } from "./replay-plan.ts";

/** Where a replay stops: the last event id it applies, or a time (events committed up to it). */
export type ReplayPoint = { readonly eventId: string } | { readonly time: Date };

/** Progress of a replay: events applied so far, of how many. */
export interface ReplayProgress {
  readonly events: number;
  readonly total: number;
}

/** Options of {@link replay}. */
export interface ReplayOptions {
  /** The database whose outbox is the log. */
  readonly from: string;
  /** The empty database to rebuild into (a database with tables but no rows counts as empty). */
  readonly into: string;
  /** The schema the log was written by: its tables and the resources' field names. */
  readonly datamodel: Datamodel;
  readonly schema: ResolvedSchema;
  /** @default the newest event when the replay starts */
  readonly until?: ReplayPoint | undefined;
  /** Events per batch (and per transaction on the target). @default 2000 */
  readonly batchSize?: number | undefined;
  /** Brings the target's tables up to date. @default `prisma migrate deploy` (prisma-cli.ts) */
  readonly migrate?: ((url: string) => Promise<unknown>) | undefined;
  readonly onProgress?: ((progress: ReplayProgress) => void) | undefined;
}

/** What a replay did. */
export interface ReplaySummary {
  /** Events applied (the last one's id: "0" when none). */
  readonly events: number;
  readonly lastEventId: string;
  /** Revision rows copied. */
  readonly revisions: number;
  /** Events of resources the schema does not serve (left out). */
  readonly skipped: number;
  /** Batches that had to run event by event (see apply-events.ts). */
  readonly stepwiseBatches: number;
}

/**
 * `--until` as given on a command line: an event id (digits) or an ISO 8601 time.
 * @example parseReplayPoint("2026-12-07T10:00:00Z"); // { time: Date }
 */
export function parseReplayPoint(raw: string): ReplayPoint {
  if (isEventId(raw)) return { eventId: raw };
  const time = /^\d{4}-\d\d-\d\dT/.test(raw) ? new Date(raw) : undefined;
  if (!time || Number.isNaN(time.getTime()))
    throw new ReplayError(
      `--until must be an event id (digits) or an ISO 8601 time such as 2026-12-07T10:00:00Z, got ${JSON.stringify(raw)}`,
    );
  return { time };
}

/** The first table of the target holding a row, if any (Prisma's migration table aside). */
async function firstFilledTable(client: pg.ClientBase): Promise<string | undefined> {
  const { rows } = await client.query<{ name: string }>(
    `select tablename as name from pg_tables where schemaname = current_schema() and tablename <> '_prisma_migrations' order by tablename`,
  );
  for (const { name } of rows) {
    const found = await client.query(`select 1 from ${ident(name)} limit 1`);
    if (found.rowCount) return name;
  }
  return undefined;
}

async function connect(url: string, role: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new ReplayError(`cannot connect to the ${role} database: ${(error as Error).message}`);
  }
  return client;
}

/** The last event id the replay applies ("0": none), after checking the log reaches back to its start. */
async function lastEventOf(source: pg.ClientBase, table: string, until: ReplayPoint | undefined): Promise<string> {
  const { rows } = await source
    .query<{ first: string | null; at: string | null }>(
      `select "id"::text as "first", to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "at" from ${table} order by "id" limit 1`,
    )
    .catch((error: { code?: unknown }) => {
      if (error?.code !== "42P01") throw error;
      throw new ReplayError(
        `the source database has no ${table} table: it is not an Autograph database with an outbox (or is not migrated)`,
      );
    });
  const first = rows[0];
  if (!first?.first) return "0";
  // Ids start at 1; a log that starts later lost its beginning to retention.
  if (first.first !== "1")
    throw new ReplayError(
      `the log does not reach back to the first event: it starts at event ${first.first} (${first.at}), the events before were pruned ` +
        "(OUTBOX_RETENTION_HOURS; 0 keeps every event). The state before it cannot be rebuilt from the log: restore a backup instead (npm run load).",
    );
  const params: unknown[] = [];
  const where =
    until === undefined
      ? "true"
      : "eventId" in until
        ? `"id" <= $${params.push(until.eventId)}::bigint`
        : `"createdAt" <= ($${params.push(until.time.toISOString())}::timestamptz at time zone 'utc')`;
  const last = await source.query<{ last: string | null }>(
    `select max("id")::text as "last" from ${table} where ${where}`,
    params,
  );
  return last.rows[0]?.last ?? "0";
}

/**
 * The last event id of the batch after `after`: about `size` events, and never ending inside a
 * transaction. A transaction's events are appended by one statement at its commit (contiguous ids, one
 * `createdAt`, the transaction's start), so the batch runs on while the time stays that of its last
 * event: a nested write's links (logged on the parent's event) then meet the targets it created after.
 */
async function batchEnd(
  source: pg.ClientBase,
  table: string,
  after: string,
  last: string,
  size: number,
): Promise<string> {
  const { rows } = await source.query<{ end: string }>(
    `with head as (select "id", "createdAt" from ${table} where "id" > $1::bigint and "id" <= $2::bigint order by "id" limit $3),
     edge as (select "id", "createdAt" from head order by "id" desc limit 1)
     select coalesce((select min(e."id") - 1 from ${table} e, edge where e."id" > edge."id" and e."id" <= $2::bigint and e."createdAt" <> edge."createdAt"), $2::bigint)::text as "end"`,
    [after, last, size],
  );
  return rows[0]?.end ?? last;
}

/**
 * Rebuilds the served tables of `from` at `until` into the empty database `into`. Refuses a target
 * with rows, and a log whose first events were pruned; an event the target rejects stops it with the
 * event named (everything applied so far stays: the target is a replica in progress, drop it).
 * @example await replay({ from: process.env.DATABASE_URL, into: "postgres://…/replica", datamodel, schema, until: { eventId: "1200" } });
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const plan = replayPlan(options.datamodel, options.schema);
  const eventModel = options.datamodel.models.find((m) => m.name === "Event");
  const revisionModel = options.datamodel.models.find((m) => m.name === "Revision");
  if (!eventModel) throw new ReplayError("the schema has no Event model: there is no log to replay");
  const events = ident(eventModel.dbName ?? eventModel.name);
  const revisions = revisionModel ? ident(revisionModel.dbName ?? revisionModel.name) : undefined;
  const batchSize = options.batchSize ?? 2000;
  const source = await connect(options.from, "source");
  let target: pg.Client | undefined;
  try {
    target = await connect(options.into, "target");
    const filled = await firstFilledTable(target);
    if (filled)
      throw new ReplayError(
        `the target database is not empty (table ${filled} has rows): replay rebuilds into an empty database only`,
      );
    const last = await lastEventOf(source, events, options.until);
    await (options.migrate ?? applyMigrations)(options.into);
    const total = Number(
      (await source.query<{ n: string }>(`select count(*)::text as n from ${events} where "id" <= $1::bigint`, [last]))
        .rows[0]?.n ?? 0,
    );
    let after = "0";
    let done = 0;
    let copied = 0;
    let skipped = 0;
    let stepwise = 0;
    while (after !== last && last !== "0") {
      const end = await batchEnd(source, events, after, last, batchSize);
      // The batch as JSON text: parsed here for the snapshots, and copied as it is into the target's outbox.
      const { rows } = await source.query<{ rows: string; last: string | null }>(
        `select coalesce(json_agg(e order by e."id"), '[]')::text as "rows", max(e."id")::text as "last"
         from (select * from ${events} where "id" > $1::bigint and "id" <= $2::bigint) e`,
        [after, end],
      );
      const batch = rows[0];
      if (!batch?.last) break;
      const logged = (
        JSON.parse(batch.rows) as (Omit<LoggedEvent, "id"> & { id: number; revisionId: string | null })[]
      ).map((e) => ({ ...e, id: String(e.id) }));
      const ids = [...new Set(logged.map((e) => e.revisionId).filter((id): id is string => id !== null))];
      const revisionRows =
        revisions && ids.length > 0
          ? ((
              await source.query<{ rows: string }>(
                `select coalesce(json_agg(r), '[]')::text as "rows" from ${revisions} r where r."id" = any($1::uuid[])`,
                [ids],
              )
            ).rows[0]?.rows ?? "[]")
          : "[]";
      await target.query("begin");
      try {
        const outcome = await applyEvents(target, plan, logged);
        await target.query(`insert into ${events} select * from jsonb_populate_recordset(null::${events}, $1::jsonb)`, [
          batch.rows,
        ]);
        if (revisions && ids.length > 0)
          copied +=
            (
              await target.query(
                `insert into ${revisions} select * from jsonb_populate_recordset(null::${revisions}, $1::jsonb) on conflict do nothing`,
                [revisionRows],
              )
            ).rowCount ?? 0;
        await target.query("commit");
        skipped += outcome.skipped;
        if (outcome.stepwise) stepwise++;
      } catch (error) {
        await target.query("rollback").catch(() => {});
        throw error;
      }
      after = batch.last;
      done += logged.length;
      options.onProgress?.({ events: done, total });
    }
    await resetSequences(target, plan.tables);
    return { events: done, lastEventId: last, revisions: copied, skipped, stepwiseBatches: stepwise };
  } finally {
    await target?.end().catch(() => {});
    await source.end().catch(() => {});
  }
}
