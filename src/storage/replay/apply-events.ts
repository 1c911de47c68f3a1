/**
 * Writing a batch of outbox events into the replica: each record's snapshot upserted (create, update,
 * patch, restore, revert, publish, and a soft delete, whose snapshot carries its trash column), its row
 * deleted (purge, and a delete without soft delete), and the join rows of the links a nested write
 * logged. Fast path: each record's last state in the batch, a few statements per table (parents'
 * upserts first, the join tables, then deletes children first); when the target rejects that order (a
 * unique value freed and taken again within the batch, say), the batch runs again event by event.
 */
import type pg from "pg";
import { OUTBOX_LINKS } from "../store.ts";
import { ident } from "../sql/where-sql.ts";
import { ReplayError } from "./replay-error.ts";
import type { ReplayPlan, ReplayResource } from "./replay-plan.ts";

/** An outbox event as replay reads it. */
export interface LoggedEvent {
  readonly id: string;
  readonly resource: string;
  readonly recordId: string;
  readonly action: string;
  readonly record: Record<string, unknown> | null;
}

/** What one event does to the replica. */
interface Step {
  readonly event: LoggedEvent;
  readonly resource: ReplayResource;
  /** The row (by column) to upsert; undefined: delete the row. */
  readonly row: Record<string, unknown> | undefined;
  /** The key row (id column only). */
  readonly key: Record<string, unknown>;
  /** Join rows by relation, when the event logged links. */
  readonly links: ReadonlyMap<string, unknown[]> | undefined;
}

/** Counts of what a batch did. */
export interface BatchOutcome {
  /** Events of resources the schema no longer serves: left out. */
  readonly skipped: number;
  /** Whether the batch had to run event by event. */
  readonly stepwise: boolean;
}

const REMOVES = new Set(["purge"]);

function stepOf(plan: ReplayPlan, event: LoggedEvent): Step | undefined {
  const resource = plan.resources.get(event.resource);
  if (!resource) return undefined;
  const removes = REMOVES.has(event.action) || (event.action === "delete" && !resource.softDelete);
  const record = event.record;
  if (!record)
    throw new ReplayError(
      `event ${event.id} (${event.action} of ${event.resource} ${event.recordId}) has no record snapshot: it was written before the outbox kept them, so the log cannot rebuild that record`,
    );
  const key = { [resource.idColumn]: record[resource.idKey] ?? event.recordId };
  if (removes) return { event, resource, row: undefined, key, links: undefined };
  const row: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    const column = resource.columns.get(name);
    if (column !== undefined) row[column] = value;
  }
  const logged = record[OUTBOX_LINKS] as Record<string, unknown[]> | undefined;
  const links = logged ? new Map(Object.entries(logged).filter(([name]) => resource.joins.has(name))) : undefined;
  return { event, resource, row, key, links };
}

/** One INSERT … ON CONFLICT of rows with the same columns, in one statement (JSON in, rows out). */
async function upsert(client: pg.ClientBase, resource: ReplayResource, rows: Record<string, unknown>[]): Promise<void> {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const shape = Object.keys(row).sort().join("\u0000");
    const group = groups.get(shape);
    if (group) group.push(row);
    else groups.set(shape, [row]);
  }
  const table = ident(resource.table);
  for (const group of groups.values()) {
    const columns = Object.keys(group[0] as object).map(ident);
    const id = ident(resource.idColumn);
    const sets = columns.filter((c) => c !== id).map((c) => `${c} = excluded.${c}`);
    await client.query(
      `insert into ${table} (${columns.join(", ")}) select ${columns.join(", ")} from jsonb_populate_recordset(null::${table}, $1::jsonb) ` +
        `on conflict (${id}) do ${sets.length > 0 ? `update set ${sets.join(", ")}` : "nothing"}`,
      [JSON.stringify(group)],
    );
  }
}

async function remove(client: pg.ClientBase, resource: ReplayResource, keys: Record<string, unknown>[]): Promise<void> {
  const table = ident(resource.table);
  const id = ident(resource.idColumn);
  await client.query(
    `delete from ${table} where ${id} in (select ${id} from jsonb_populate_recordset(null::${table}, $1::jsonb))`,
    [JSON.stringify(keys)],
  );
}

/** The join rows of `relation` for each record in `links` become exactly the ids listed. */
async function relink(
  client: pg.ClientBase,
  resource: ReplayResource,
  relation: string,
  links: Map<unknown, unknown[]>,
): Promise<void> {
  const join = resource.joins.get(relation);
  if (!join || links.size === 0) return;
  const table = ident(join.table);
  const [local, far] = [ident(join.local), ident(join.far)];
  const owners = [...links.keys()].map((id) => ({ [join.local]: id }));
  await client.query(
    `delete from ${table} where ${local} in (select ${local} from jsonb_populate_recordset(null::${table}, $1::jsonb))`,
    [JSON.stringify(owners)],
  );
  const rows = [...links].flatMap(([id, targets]) => targets.map((t) => ({ [join.local]: id, [join.far]: t })));
  if (rows.length === 0) return;
  // A target purged after the write that linked it took its join rows with it (the database's cascade,
  // no event of the link's): links to a row the replica does not hold are left out the same way.
  await client.query(
    `insert into ${table} (${local}, ${far}) select x.${local}, x.${far} from jsonb_populate_recordset(null::${table}, $1::jsonb) x ` +
      `where exists (select 1 from ${ident(join.target)} o where o.${ident(join.targetId)} = x.${far}) on conflict do nothing`,
    [JSON.stringify(rows)],
  );
}

/** Each record's last step in the batch, by resource and id, in the order of those last steps. */
function lastSteps(steps: readonly Step[]): Map<string, Step> {
  const last = new Map<string, Step>();
  for (const step of steps) {
    const id = `${step.resource.name}\u0000${String(step.key[step.resource.idColumn])}`;
    // Re-inserted at the end: the map keeps the order of each record's last event.
    last.delete(id);
    last.set(id, step);
  }
  return last;
}

/**
 * The links the batch's nested writes logged, each record's last for each relation, written once the
 * batch's rows are: a nested write logs them on its parent's event, and the targets it created follow
 * it. A record the batch ends by removing keeps none (the database removes them with it).
 */
async function applyLinks(client: pg.ClientBase, steps: readonly Step[], last: Map<string, Step>): Promise<void> {
  const links = new Map<ReplayResource, Map<string, Map<unknown, unknown[]>>>();
  for (const step of steps) {
    if (!step.links) continue;
    const byRelation = links.get(step.resource) ?? new Map<string, Map<unknown, unknown[]>>();
    links.set(step.resource, byRelation);
    for (const [relation, ids] of step.links) {
      const owners = byRelation.get(relation) ?? new Map<unknown, unknown[]>();
      byRelation.set(relation, owners);
      owners.set(step.key[step.resource.idColumn], ids);
    }
  }
  for (const [resource, byRelation] of links) {
    for (const [relation, owners] of byRelation) {
      for (const owner of owners.keys())
        if (last.get(`${resource.name}\u0000${String(owner)}`)?.row === undefined) owners.delete(owner);
      await relink(client, resource, relation, owners);
    }
  }
}

/** Each record's last step in the batch, written table by table. */
async function applyLastStates(client: pg.ClientBase, steps: readonly Step[]): Promise<void> {
  const last = lastSteps(steps);
  const byTable = (wanted: "upsert" | "delete") => {
    const out = new Map<ReplayResource, Record<string, unknown>[]>();
    for (const step of last.values()) {
      if ((step.row === undefined) !== (wanted === "delete")) continue;
      const rows = out.get(step.resource) ?? [];
      rows.push(step.row ?? step.key);
      out.set(step.resource, rows);
    }
    return [...out].sort(([a], [b]) => a.order - b.order);
  };
  for (const [resource, rows] of byTable("upsert")) await upsert(client, resource, rows);
  await applyLinks(client, steps, last);
  for (const [resource, keys] of byTable("delete").reverse()) await remove(client, resource, keys);
}

function applyStep(client: pg.ClientBase, step: Step): Promise<void> {
  return step.row === undefined ? remove(client, step.resource, [step.key]) : upsert(client, step.resource, [step.row]);
}

/** A constraint the target enforces (unique, foreign key, not null, check): the event order may satisfy it. */
function isConstraint(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("23");
}

/**
 * Applies `events` (in id order) on `client`, inside the caller's transaction: the last states in a few
 * statements, or, when the target rejects them, event by event (a savepoint undoes the first try).
 */
export async function applyEvents(
  client: pg.ClientBase,
  plan: ReplayPlan,
  events: readonly LoggedEvent[],
): Promise<BatchOutcome> {
  const steps: Step[] = [];
  let skipped = 0;
  for (const event of events) {
    const step = stepOf(plan, event);
    if (step) steps.push(step);
    else skipped++;
  }
  await client.query("savepoint replay_batch");
  try {
    await applyLastStates(client, steps);
    await client.query("release savepoint replay_batch");
    return { skipped, stepwise: false };
  } catch (error) {
    if (!isConstraint(error)) throw error;
    await client.query("rollback to savepoint replay_batch");
  }
  for (const step of [...steps, undefined]) {
    try {
      if (step) await applyStep(client, step);
      else await applyLinks(client, steps, lastSteps(steps));
    } catch (error) {
      if (!step) throw error;
      if (!isConstraint(error)) throw error;
      const { event } = step;
      throw new ReplayError(
        `event ${event.id} (${event.action} of ${event.resource} ${event.recordId}) does not fit the replica: ${(error as Error).message}. ` +
          "Was a row it refers to written outside Autograph (a seed, SQL, a script), so that the log never saw it?",
      );
    }
  }
  return { skipped, stepwise: true };
}
