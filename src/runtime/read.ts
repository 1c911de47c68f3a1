/**
 * Reads of one resource: get, getMany, list and count, as records or as JSON text. Each compiles its
 * filter, sort, page, projection and the actor's view (tenant, scope, trash, hidden fields) into one
 * SQL statement (docs/design/read-compiler.md), inside the `read` / `list` hooks.
 */
import type { ReadLevel, ReadQuery } from "../storage/sql/read-sql.ts";
import { hasSearch, topSearch } from "../storage/sql/search.ts";
import type { ReadResult, Store } from "../storage/store.ts";
import type { RequestContext } from "./context.ts";
import { AppError, show } from "./errors.ts";
import { parseAsOf, snapshotAt } from "./history.ts";
import { cacheKey, type Row } from "./loaders.ts";
import { output, runRead } from "./operation.ts";
import { checkPage, compileFilter, compileSort, type Filter } from "./query.ts";
import { orderKeys, projectionLevel, selectionLevel } from "./read-level.ts";
import type { ServiceCore } from "./service-core.ts";
import type {
  DeletedMode,
  GetOptions,
  ListParams,
  ListText,
  Projection,
  ResourceRecord,
  Selection,
  SelectionFormat,
} from "./service-types.ts";

/** Lists records matching a filter, sorted (id as tie-breaker) and paged; optionally with the total. */
export async function list(
  core: ServiceCore,
  ctx: RequestContext,
  params: ListParams,
  projection: Projection | undefined,
): Promise<{ records: ResourceRecord[]; total: number | undefined }> {
  let total: number | undefined;
  const { result, op } = await runRead(core, "list", ctx, { ...params }, undefined, async (op) => {
    const level = projectionLevel(core, ctx, "list", projection, "list");
    const found: ReadResult = await core.run(ctx, listQuery(core, ctx, op.input as ListParams, level));
    total = found.total;
    return found.rows;
  });
  return { records: await output(core, ctx, op, result, "list"), total };
}

/** The read of a list: its filter, sort and page checked against the metadata and the actor's view. */
function listQuery(core: ServiceCore, ctx: RequestContext, params: ListParams, level: ReadLevel): ReadQuery {
  const { resource, deps } = core;
  const view = core.view(ctx);
  const where = core.scoped(
    ctx,
    compileFilter(resource, params.filter, deps.limits, core.lookup, view),
    params.deleted,
  );
  compileSort(resource, params.sort, core.lookup, view); // checks the keys, with the same messages everywhere
  const { offset, limit } = checkPage(resource, params, deps.limits);
  // Unsorted full-text results come ranked by relevance.
  const rank = params.sort?.length ? undefined : topSearch(where);
  if (hasSearch(where) && params.sort?.some((k) => k.field.includes(".")))
    throw new AppError("BAD_REQUEST", "Search results can be sorted by this resource's own fields only.");
  const orderBy = rank ? [] : orderKeys(core, ctx, params.sort);
  return { level, where, orderBy, rank, offset, limit, total: Boolean(params.withTotal) };
}

/**
 * A list as JSON text shaped by `selection`, built by PostgreSQL in one statement and never parsed
 * in JS; undefined when something needs records instead (a hook or transform of `list`, a relation
 * the selection cannot load here).
 */
export async function listText(
  core: ServiceCore,
  ctx: RequestContext,
  params: ListParams,
  selection: Selection,
  format: SelectionFormat,
): Promise<ListText | undefined> {
  if (core.deps.hooks.any(core.resource.name, "list")) return undefined;
  const level = selectionLevel(core, ctx, "list", selection, format);
  if (!level) return undefined;
  await core.deps.access.check(ctx, core.resource, "read", {});
  const query = listQuery(core, ctx, params, level);
  return core.translate(() => core.store(ctx).readText(query));
}

/** One record as JSON text shaped by `selection` (`null` when there is none), or undefined as {@link listText}. */
export async function getText(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
  deleted: DeletedMode | undefined,
  selection: Selection,
  format: SelectionFormat,
): Promise<string | undefined> {
  const id = core.parseId(rawId);
  if (core.deps.hooks.any(core.resource.name, "read")) return undefined;
  const level = selectionLevel(core, ctx, "one", selection, format);
  if (!level) return undefined;
  await core.deps.access.check(ctx, core.resource, "read", { id });
  const where = core.scoped(ctx, { [core.resource.id.name]: id }, deleted ?? "exclude");
  const found = await core.translate(() =>
    core.store(ctx).readText({ level, where, orderBy: [], offset: 0, limit: 1, total: false }),
  );
  return found.count === 0 ? "null" : found.json.slice(1, -1);
}

/** One record by id; 404 when there is none (or it is in the trash). With `asOf`, the record as it was. */
export async function get(
  core: ServiceCore,
  ctx: RequestContext,
  rawId: unknown,
  options: GetOptions,
  projection: Projection | undefined,
): Promise<ResourceRecord> {
  const id = core.parseId(rawId);
  const mode = options.deleted ?? "exclude";
  core.scoped(ctx, {}, mode);
  const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf);
  const log = asOf === undefined ? undefined : core.log();
  // Read hooks run for time travel too (input `{ asOf }`): a rule on reads holds for past states.
  const { result, op } = await runRead(core, "read", ctx, asOf === undefined ? {} : { asOf }, id, async () => {
    if (log && asOf !== undefined) return snapshotAt(core, ctx, log, id, asOf, mode);
    // Without relations to load, gets of the same request batch through its loaders (one statement for many ids).
    const row =
      mode === "exclude" && !projection?.relations?.size
        ? await core.translate(() => ctx.loaders.byId(core.resource.name).load(id))
        : (
            await core.run(ctx, {
              level: projectionLevel(core, ctx, "one", projection, "read"),
              where: core.scoped(ctx, { [core.resource.id.name]: id }, mode),
              orderBy: [],
              offset: 0,
              limit: 1,
              total: false,
            })
          ).rows[0];
    if (!row) throw core.notFound(id);
    return row;
  });
  return (await output(core, ctx, op, [result as Row], "one"))[0] as ResourceRecord;
}

/** The records with these ids (missing and trashed ids are skipped), in the order asked; `list` hooks, input `{ ids }`. */
export async function getMany(
  core: ServiceCore,
  ctx: RequestContext,
  rawIds: readonly unknown[],
  projection: Projection | undefined,
): Promise<ResourceRecord[]> {
  const { limits } = core.deps;
  if (!Array.isArray(rawIds)) throw new AppError("BAD_REQUEST", `Expected a list of ids, got ${show(rawIds)}.`);
  if (rawIds.length > limits.maxInValues)
    throw new AppError("BAD_REQUEST", `Too many ids: at most ${limits.maxInValues}.`);
  const ids = rawIds.map((id) => core.parseId(id));
  const { result, op } = await runRead(core, "list", ctx, { ids }, undefined, async (op) => {
    const wanted = op.input.ids as unknown[];
    if (!Array.isArray(wanted) || wanted.length === 0) return [];
    const idField = core.resource.id.name;
    const { rows } = await core.run(ctx, {
      level: projectionLevel(core, ctx, "list", projection, "list"),
      where: core.scoped(ctx, { [idField]: { in: wanted } }),
      orderBy: [],
      offset: 0,
      limit: wanted.length,
      total: false,
    });
    const byId = new Map(rows.map((row) => [cacheKey(row[idField]), row]));
    return wanted.map((id) => byId.get(cacheKey(id))).filter((r): r is Row => r !== undefined);
  });
  return output(core, ctx, op, result, "list");
}

/** Counts records matching a filter (live ones, unless `deleted` says otherwise). */
export async function count(
  core: ServiceCore,
  ctx: RequestContext,
  filter: Filter | undefined,
  deleted: DeletedMode | undefined,
): Promise<number> {
  await core.deps.access.check(ctx, core.resource, "read", {});
  const where = core.scoped(
    ctx,
    compileFilter(core.resource, filter, core.deps.limits, core.lookup, core.view(ctx)),
    deleted,
  );
  return (await core.run(ctx, core.countQuery(where))).total ?? 0;
}

/** Rows whose `field` is one of `values` that exist for the actor of `ctx` (loader batches), read through `store`. */
export async function rowsWhereIn(
  core: ServiceCore,
  ctx: RequestContext,
  field: string,
  values: readonly unknown[],
  store: Store,
): Promise<Row[]> {
  const query: ReadQuery = {
    level: projectionLevel(core, ctx, "list", undefined, undefined),
    where: core.scoped(ctx, { [field]: { in: [...values] } }),
    orderBy: [],
    offset: 0,
    limit: null,
    total: false,
  };
  return (await store.read(query)).rows;
}
