/**
 * What a read loads of each record, as the read compiler takes it (a {@link ReadLevel}): from a
 * {@link Projection} (records the runtime presents) or a {@link Selection} (JSON text as it is sent),
 * limited to the fields the actor may see and the relations this view and depth allow, each relation
 * limited to the related rows that exist for the actor.
 */
import type { OrderKey, ReadLevel, ReadOutput, ReadRelation } from "../storage/sql/read-sql.ts";
import type { RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import type { Action } from "./hooks.ts";
import { blobPath } from "./blob-value.ts";
import { both, checkPage, compileFilter, compileSort, type Sort, sortPath, tieBreakerDirection } from "./query.ts";
import type { ServiceCore } from "./service-core.ts";
import type { OutputView, Projection, RelatedList, Selection, SelectionFormat } from "./service-types.ts";

/**
 * The projection of the core's rows in `view` for the actor of `ctx`: the fields asked for that
 * they may see (all of them without a projection, or when hooks of `action` will see the records),
 * the keys relations need, and the relations the projection names that this view and depth allow,
 * each limited to the related rows that exist for the actor.
 */
export function projectionLevel(
  core: ServiceCore,
  ctx: RequestContext,
  view: OutputView,
  projection: Projection | undefined,
  action: Action | undefined,
  depth = 0,
): ReadLevel {
  const { resource, rowFields, internal } = core;
  const actorView = core.view(ctx);
  const whole = !projection?.fields || (action !== undefined && core.deps.hooks.any(resource.name, action));
  const fields = whole ? rowFields : rowFields.filter((name) => internal.has(name) || projection?.fields?.has(name));
  const visible = fields.filter((name) => {
    const field = resource.field.get(name);
    return !field || internal.has(name) || (!field.hidden[view] && actorView.canRead(resource, field));
  });
  const relations: ReadLevel["relations"][number][] = [];
  for (const [name, below] of projection?.relations ?? []) {
    const read = relationRead(core, ctx, name, view, depth, below.list);
    if (read)
      relations.push({
        ...read.relation,
        key: name,
        level: projectionLevel(read.target, ctx, read.childView, below, undefined, depth + 1),
      });
  }
  return { model: resource.model, fields: visible, relations };
}

/**
 * The level of a {@link Selection}: every key in order, fields the actor may not see left out (REST)
 * or null (GraphQL); undefined when a relation cannot be loaded in this view or at this depth.
 */
export function selectionLevel(
  core: ServiceCore,
  ctx: RequestContext,
  view: OutputView,
  selection: Selection,
  format: SelectionFormat,
  depth = 0,
): ReadLevel | undefined {
  const { resource } = core;
  const actorView = core.view(ctx);
  const outputs: ReadOutput[] = [];
  const relations: ReadLevel["relations"][number][] = [];
  for (const entry of selection) {
    if ("typename" in entry) {
      outputs.push({ key: entry.key, constant: resource.names.type });
    } else if ("field" in entry) {
      const field = resource.field.get(entry.field);
      const visible = field !== undefined && !field.hidden[view] && actorView.canRead(resource, field);
      if (!visible) {
        if (format === "graphql") outputs.push({ key: entry.key });
        continue;
      }
      if (field.blob) {
        // A file carries its url, which the statement adds when the id reads the same in a path.
        const id = resource.id;
        if (id.kind !== "Int" && id.kind !== "BigInt") return undefined;
        const [prefix, suffix] = blobPath(resource, "\u0000", field).split("%00") as [string, string];
        outputs.push({
          key: entry.key,
          field: field.name,
          url: { prefix: `${core.deps.blobUrlBase}${prefix}`, idField: id.name, suffix },
        });
        continue;
      }
      const numeric = field.kind === "BigInt" || field.kind === "Decimal";
      outputs.push({
        key: entry.key,
        field: field.name,
        as:
          format === "graphql"
            ? field.isId || isKey(core, field.name)
              ? "text"
              : numeric
                ? "number"
                : undefined
            : undefined,
      });
    } else {
      const read = relationRead(core, ctx, entry.relation, view, depth, entry.list);
      if (!read) return undefined;
      const level = selectionLevel(read.target, ctx, read.childView, entry.selection, format, depth + 1);
      if (!level) return undefined;
      relations.push({ ...read.relation, key: entry.key, level });
      outputs.push({ key: entry.key, relation: entry.key });
    }
  }
  return { model: resource.model, fields: [], relations, outputs };
}

/** Whether GraphQL types the field like an id: the id, or the key of a belongs-to relation (`authorId: ID`). */
function isKey(core: ServiceCore, name: string): boolean {
  return core.resource.relations.some((r) => r.kind === "belongsTo" && r.localField === name);
}

/**
 * How a read loads the relation `name` of records shown in `view` at `depth`: its link, and the rows
 * of the target that exist for the actor (those of `list` alone, in its order, when it is given);
 * undefined when this view or the depth does not allow it.
 */
export function relationRead(
  core: ServiceCore,
  ctx: RequestContext,
  name: string,
  view: OutputView,
  depth: number,
  list?: RelatedList | undefined,
): { relation: Omit<ReadRelation, "key" | "level">; target: ServiceCore; childView: OutputView } | undefined {
  const relation = core.resource.relation.get(name);
  if (!relation?.views[view] || depth + 1 > core.resource.maxDepth) return undefined;
  const target = core.deps.core(relation.target);
  const many = relation.kind !== "belongsTo";
  if (list && !many)
    throw new AppError(
      "BAD_REQUEST",
      `"${name}" of ${core.resource.plural} is a single record: it takes no filter, sort or page.`,
    );
  const visible = core.view(ctx).rows(target.resource);
  const chosen = list && relatedList(target, ctx, list);
  return {
    relation: {
      field: relation.name,
      through: relation.kind === "manyToMany" ? relation.joinTargetRelation : undefined,
      many,
      where: chosen ? both(chosen.where, visible) : visible,
      page: chosen?.page,
    },
    target,
    childView: many ? "list" : "one",
  };
}

/**
 * A nested list checked against its resource's own rules, as the read compiler takes it: the filter
 * (only fields the actor may filter on), the sort (then the id), and the page (at most `maxPageSize`;
 * every record when no limit is given).
 */
function relatedList(
  core: ServiceCore,
  ctx: RequestContext,
  list: RelatedList,
): { where: object; page: ReadRelation["page"] } {
  const { resource, deps, lookup } = core;
  const view = core.view(ctx);
  const where = compileFilter(resource, list.filter, deps.limits, lookup, view);
  compileSort(resource, list.sort, lookup, view); // checks the keys, with the same messages everywhere
  // Without a limit every related record is read (as without a list): only a given one is capped.
  const { offset } = checkPage(resource, { offset: list.offset, limit: list.limit ?? 0 }, deps.limits);
  return { where, page: { orderBy: orderKeys(core, ctx, list.sort), offset, limit: list.limit ?? null } };
}

/** The sort keys of a read, then the id as the tie-breaker (running the same way as the last key). */
export function orderKeys(core: ServiceCore, ctx: RequestContext, sort: readonly Sort[] | undefined): OrderKey[] {
  const { resource } = core;
  const view = core.view(ctx);
  const keys: OrderKey[] = (sort ?? []).map((s) => {
    const { path, field, many } = sortPath(resource, s.field, core.lookup, view);
    // A record with no related value (none related, or only nulls) has a null key, wherever it comes from.
    return {
      path,
      field: field.name,
      direction: s.direction,
      nulls: field.isRequired && !many ? undefined : s.direction === "asc" ? "first" : "last",
      ...(many ? { many: { fn: s.direction === "asc" ? "min" : "max", where: view.rows(many) } } : {}),
    } satisfies OrderKey;
  });
  if (!keys.some((k) => k.path.length === 0 && k.field === resource.id.name))
    keys.push({ path: [], field: resource.id.name, direction: tieBreakerDirection(sort ?? []) });
  return keys;
}
