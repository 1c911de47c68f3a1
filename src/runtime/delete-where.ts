/**
 * Delete by filter (AutoQuery's delete by a non-key condition, CRUDCrate's bulk `DELETE /<collection>`):
 * the records a filter matches, at most `limit` of them (lowest ids first), each deleted through the
 * whole pipeline of a delete (access, scope, record locks, soft delete and its relation rules,
 * revisions, events, hooks), all in one transaction: one failing record fails them all. A filter is
 * required, so a request can never delete everything by accident.
 */
import type { RequestContext } from "./context.ts";
import { AppError, show } from "./errors.ts";
import { compileFilter, type Filter } from "./query.ts";
import type { ServiceCore } from "./service-core.ts";
import { inTransaction } from "./transaction.ts";

/** Options of a delete by filter. */
export interface DeleteWhereOptions {
  /**
   * Most records deleted, from 1 to the resource's `maxBatchSize`. @default the resource's `maxBatchSize`
   */
  limit?: number | undefined;
}

/** What a delete by filter did. */
export interface DeleteWhereResult {
  /** How many records it deleted (moved to the trash, on a soft-deleted resource). */
  readonly count: number;
  /** Their ids, lowest first. */
  readonly ids: readonly (string | number)[];
  /** More records matched than the limit let it delete: ask again to delete the next ones. */
  readonly hasMore: boolean;
}

/** Deletes the live records `filter` matches for the actor of `ctx`, at most `limit` (see the module's comment). */
export async function deleteWhere(
  core: ServiceCore,
  ctx: RequestContext,
  filter: Filter | undefined,
  options: DeleteWhereOptions = {},
): Promise<DeleteWhereResult> {
  const { resource } = core;
  const max = resource.maxBatchSize;
  const limit = options.limit ?? max;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max)
    throw new AppError(
      "BAD_REQUEST",
      `The limit of a delete by filter must be a whole number from 1 to ${max} (the maxBatchSize of ${resource.plural}), got ${show(limit)}.`,
    );
  // Which records match is a read; deleting them, a delete.
  await core.deps.access.check(ctx, resource, "read");
  await core.deps.access.check(ctx, resource, "delete");
  const view = core.view(ctx);
  const condition = compileFilter(resource, filter, core.deps.limits, core.lookup, view);
  if (matchesEverything(condition))
    throw new AppError(
      "BAD_REQUEST",
      `A delete by filter needs a filter: give at least one condition (deleting every ${resource.name} at once is not offered).`,
    );
  const idField = resource.id.name;
  return inTransaction(core, ctx, async (tx) => {
    const { rows } = await core.run(tx, {
      level: { model: resource.model, fields: [idField], relations: [] },
      where: core.scoped(tx, condition),
      orderBy: [{ path: [], field: idField, direction: "asc" }],
      offset: 0,
      limit: limit + 1,
      total: false,
    });
    const ids = rows.slice(0, limit).map((row) => row[idField] as string | number);
    for (const id of ids) await core.service.delete(tx, id);
    return { count: ids.length, ids, hasMore: rows.length > limit };
  });
}

/** A compiled condition with nothing in it (no filter, or only empty AND lists). */
function matchesEverything(where: object): boolean {
  const entries = Object.entries(where);
  return entries.every(
    ([key, value]) => key === "AND" && Array.isArray(value) && value.every((w) => matchesEverything(w as object)),
  );
}
