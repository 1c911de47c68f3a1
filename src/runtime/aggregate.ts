/**
 * Aggregates and group-by over declared fields: the query shape the transports send, its checks
 * against metadata, its compilation to Prisma `aggregate` / `groupBy` arguments, and the service's
 * run of it ({@link aggregate}) over the rows the actor sees.
 */
import type { AggregateFunction } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { RequestContext } from "./context.ts";
import { AppError, show } from "./errors.ts";
import { coerceValue } from "./coerce.ts";
import { compileFilter, type Filter, OPEN_VISIBILITY, type Visibility } from "./query.ts";
import type { ServiceCore } from "./service-core.ts";

/** What to compute: `count` always; the other functions over fields declared for them. */
export interface AggregateSpec {
  /** Fields to group by (declared `groupBy`); none → one group over all matching rows. */
  groupBy?: readonly string[] | undefined;
  sum?: readonly string[] | undefined;
  avg?: readonly string[] | undefined;
  min?: readonly string[] | undefined;
  max?: readonly string[] | undefined;
  /** Conditions on the groups' aggregates (all must hold). */
  having?: readonly HavingCondition[] | undefined;
  /** Order of the groups: by `count`, by `<fn>.<field>` or by a group-by field. @default the group-by fields ascending */
  sort?: readonly { by: string; direction: "asc" | "desc" }[] | undefined;
  /** Most groups returned (at most the resource's max page size). */
  limit?: number | undefined;
  offset?: number | undefined;
}

/** A condition on a group: `count > 5`, `sum(views) >= 1000`. */
export interface HavingCondition {
  readonly fn: "count" | AggregateFunction;
  /** The field of sum/avg/min/max (not used by count). */
  readonly field?: string | undefined;
  readonly op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte";
  readonly value: unknown;
}

/** One group: its key (group-by values) and its aggregates. */
export interface AggregateGroup {
  readonly key: Record<string, unknown>;
  readonly count: number;
  readonly sum: Record<string, number | null>;
  readonly avg: Record<string, number | null>;
  readonly min: Record<string, unknown>;
  readonly max: Record<string, unknown>;
}

const FUNCTIONS: readonly AggregateFunction[] = ["sum", "avg", "min", "max"];
const HAVING_OPS = new Set(["eq", "ne", "gt", "gte", "lt", "lte"]);

function bad(message: string): AppError {
  return new AppError("BAD_REQUEST", message);
}

/** Checks an aggregate spec against the resource; returns the Prisma arguments (without `where`). */
export function compileAggregate(
  resource: ResolvedResource,
  spec: AggregateSpec,
  visibility: Visibility = OPEN_VISIBILITY,
): { grouped: boolean; args: Record<string, unknown>; by: string[] } {
  const visible = (name: string) => {
    const f = resource.field.get(name);
    return f && visibility.canRead(resource, f) ? f : undefined;
  };
  const by = [...(spec.groupBy ?? [])];
  if (by.length > 5) throw bad("Group by at most 5 fields.");
  for (const name of by) {
    if (!visible(name)?.groupable) {
      const allowed = resource.fields.filter((f) => f.groupable && visible(f.name)).map((f) => f.name);
      throw bad(
        `Cannot group ${resource.plural} by "${name}". Fields you can group by: ${allowed.join(", ") || "(none)"}.`,
      );
    }
  }
  const args: Record<string, unknown> = { _count: { _all: true } };
  for (const fn of FUNCTIONS) {
    const fields = spec[fn] ?? [];
    if (fields.length === 0) continue;
    const selected: Record<string, true> = {};
    for (const name of fields) {
      if (!visible(name)?.aggregates.has(fn)) {
        const allowed = resource.fields.filter((f) => f.aggregates.has(fn) && visible(f.name)).map((f) => f.name);
        throw bad(
          `Cannot compute ${fn} of ${resource.plural}.${name}. Fields with ${fn}: ${allowed.join(", ") || "(none)"}.`,
        );
      }
      selected[name] = true;
    }
    args[`_${fn}`] = selected;
  }
  const grouped = by.length > 0;
  if (spec.having?.length) {
    if (!grouped) throw bad("`having` needs `groupBy`: without groups, filter the rows instead.");
    if (spec.having.length > 20) throw bad("At most 20 `having` conditions.");
    const having: object[] = [];
    for (const h of spec.having) {
      if (!HAVING_OPS.has(h.op)) throw bad(`Unknown having operator ${show(h.op)}; use eq, ne, gt, gte, lt or lte.`);
      // Numbers, or numeric strings (REST): Number([3]) or Number(true) must not pass for a number.
      const value =
        typeof h.value === "number" || (typeof h.value === "string" && h.value.trim() !== "")
          ? Number(h.value)
          : Number.NaN;
      if (h.fn === "count" && h.field !== undefined)
        throw bad("having count takes no field: it counts the group's rows.");
      if (h.fn === "count") {
        if (!Number.isFinite(value)) throw bad(`having count ${h.op}: expected a number, got ${show(h.value)}.`);
        having.push({
          [resource.id.name]: { _count: { [h.op === "ne" ? "not" : h.op === "eq" ? "equals" : h.op]: value } },
        });
        continue;
      }
      const field = h.field ? visible(h.field) : undefined;
      if (!FUNCTIONS.includes(h.fn) || !field?.aggregates.has(h.fn))
        throw bad(`Cannot use ${show(h.fn)} of ${show(h.field)} in having on ${resource.plural}.`);
      const coerced =
        h.fn === "avg" || h.fn === "sum"
          ? Number.isFinite(value)
            ? { ok: true as const, value }
            : { ok: false as const, message: `expected a number, got ${show(h.value)}` }
          : coerceValue({ ...field, isRequired: true }, h.value);
      if (!coerced.ok) throw bad(`having ${h.fn}(${field.name}) ${h.op}: ${coerced.message}.`);
      having.push({
        [field.name]: { [`_${h.fn}`]: { [h.op === "ne" ? "not" : h.op === "eq" ? "equals" : h.op]: coerced.value } },
      });
    }
    args.having = { AND: having };
  }
  if (grouped) {
    const orderBy: object[] = [];
    for (const s of spec.sort ?? []) {
      if (s.direction !== "asc" && s.direction !== "desc")
        throw bad(`Sort direction must be asc or desc, got ${show(s.direction)}.`);
      if (s.by === "count") orderBy.push({ _count: { [resource.id.name]: s.direction } });
      else if (by.includes(s.by)) orderBy.push({ [s.by]: s.direction });
      else {
        const [fn, name] = s.by.split(".");
        if (
          !FUNCTIONS.includes(fn as AggregateFunction) ||
          !name ||
          !(spec[fn as AggregateFunction] ?? []).includes(name)
        ) {
          throw bad(
            `Cannot sort groups by ${show(s.by)}: use count, a group-by field, or <fn>.<field> of an aggregate you asked for.`,
          );
        }
        orderBy.push({ [`_${fn}`]: { [name]: s.direction } });
      }
    }
    for (const name of by) if (!(spec.sort ?? []).some((s) => s.by === name)) orderBy.push({ [name]: "asc" });
    args.orderBy = orderBy;
    const limit = spec.limit ?? resource.maxPageSize;
    const offset = spec.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > resource.maxPageSize)
      throw bad(`Group limit must be 1 to ${resource.maxPageSize}, got ${show(limit)}.`);
    if (!Number.isInteger(offset) || offset < 0 || offset > 1_000_000)
      throw bad(`Group offset must be 0 to 1000000, got ${show(offset)}.`);
    args.take = limit;
    args.skip = offset;
  } else if (spec.sort?.length || spec.limit !== undefined || spec.offset) {
    throw bad("`sort`, `limit` and `offset` of aggregates need `groupBy`.");
  }
  return { grouped, args, by };
}

/** Turns a Prisma aggregate / groupBy result row into an {@link AggregateGroup}. */
export function toGroup(row: Record<string, unknown>, by: readonly string[]): AggregateGroup {
  const count = (row._count as { _all?: number } | undefined)?._all ?? 0;
  const part = (fn: AggregateFunction) => ({ ...((row[`_${fn}`] as Record<string, unknown> | undefined) ?? {}) });
  const numbers = (fn: "sum" | "avg") =>
    Object.fromEntries(Object.entries(part(fn)).map(([k, v]) => [k, v === null || v === undefined ? null : Number(v)]));
  return {
    key: Object.fromEntries(by.map((name) => [name, row[name]])),
    count,
    sum: numbers("sum"),
    avg: numbers("avg"),
    min: part("min"),
    max: part("max"),
  };
}

/**
 * Aggregates over the rows a filter matches, optionally grouped: count, and sum / avg / min / max of
 * fields declared for them. The filter obeys the same rules and limits as lists; the trash is left out.
 */
export async function aggregate(
  core: ServiceCore,
  ctx: RequestContext,
  filter: Filter | undefined,
  spec: AggregateSpec,
): Promise<AggregateGroup[]> {
  const { resource } = core;
  await core.deps.access.check(ctx, resource, "read", {});
  const view = core.view(ctx);
  const where = core.scoped(ctx, compileFilter(resource, filter, core.deps.limits, core.lookup, view));
  const { grouped, args, by } = compileAggregate(resource, spec, view);
  const rows = await core.translate(() =>
    core.store(ctx).aggregate({ model: resource.model, where, by: grouped ? by : [], args }),
  );
  return rows.map((row) => toGroup(row, by));
}
