/**
 * Keyset (cursor) pages: each page continues from the previous page's last sort values instead of
 * skipping rows, so pages cost the same however deep. Any declared sort works, on own fields or
 * through required to-one relations (the id is the tie-breaker); cursors are opaque and tamper-checked.
 */
import type { BelongsToRelation } from "../metadata/resolved.ts";
import type { EdgePart, OrderKey, ReadQuery } from "../storage/sql/read-sql.ts";
import { CURSOR_KEY, EDGE_CURSOR } from "../storage/sql/read-sql.ts";
import { hasSearch } from "../storage/sql/search.ts";
import type { RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import type { Row } from "./loaders.ts";
import { output, runRead } from "./operation.ts";
import { checkPage, compileFilter, compileSort, type Sort, sortPath, tieBreakerDirection } from "./query.ts";
import { projectionLevel, selectionLevel } from "./read-level.ts";
import type { ServiceCore } from "./service-core.ts";
import type { Page, PageParams, PageText, Projection, Selection, SelectionFormat } from "./service-types.ts";

/** One sort key of a keyset page. Enums compare by declaration order (PostgreSQL's enum order). */
interface KeysetKey {
  /** Relations from this resource to the field's resource (empty for its own fields). */
  path: string[];
  relations: BelongsToRelation[];
  field: string;
  direction: "asc" | "desc";
  required: boolean;
  /** Its values are times (cursors carry them as Dates). */
  isDate: boolean;
  enumValues?: readonly string[];
}

/**
 * What a keyset page reads (one row more than it shows, to know whether more follow) and how its
 * cursors and PageInfo come out of the keys of the rows it shows (in the order it shows them).
 */
interface PagePlan {
  readonly query: Omit<ReadQuery, "level">;
  readonly size: number;
  readonly backward: boolean;
  readonly finish: (keys: readonly unknown[][], more: boolean) => Pick<Page, "cursors" | "pageInfo">;
}

/** A keyset page of records; runs the `list` hooks, with the page parameters as the input. */
export async function page(
  core: ServiceCore,
  ctx: RequestContext,
  params: PageParams,
  projection: Projection | undefined,
): Promise<Page> {
  let found: Omit<Page, "records"> | undefined;
  const { result, op } = await runRead(core, "list", ctx, { ...params }, undefined, async (op) => {
    const rows = await pageRows(core, ctx, op.input as PageParams, projection);
    found = rows;
    return rows.rows;
  });
  const records = await output(core, ctx, op, result, "list");
  if (!found)
    throw new AppError("INTERNAL", "A list body replaced a cursor page: cursor pages need the default implementation.");
  return { ...found, records };
}

/** Reads a page's rows (their cursor keys taken off) and what a page says beside them. */
async function pageRows(
  core: ServiceCore,
  ctx: RequestContext,
  params: PageParams,
  projection: Projection | undefined,
): Promise<Omit<Page, "records"> & { rows: Row[] }> {
  const plan = pagePlan(core, ctx, params);
  const found = await core.run(ctx, {
    ...plan.query,
    level: projectionLevel(core, ctx, "list", projection, "list"),
    cursorKeys: plan.query.orderBy,
  });
  const rows = found.rows;
  const more = rows.length > plan.size;
  const shown = rows.slice(0, plan.size);
  if (plan.backward) shown.reverse();
  const keys = shown.map((row) => {
    const values = row[CURSOR_KEY] as unknown[];
    delete row[CURSOR_KEY];
    return values;
  });
  return { rows: shown, ...plan.finish(keys, more), totalCount: found.total };
}

/**
 * A keyset page as JSON text shaped by `selection`, built by PostgreSQL in one statement and never
 * parsed in JS: `nodes`, the page's rows as a JSON array, and with `edge` also `edges`, each row as an
 * edge object (`cursor`, `node` as the row, constant strings) under the given keys. Undefined when
 * something needs records instead (a hook or transform of `list`, a relation it cannot load here).
 */
export async function pageText(
  core: ServiceCore,
  ctx: RequestContext,
  params: PageParams,
  selection: Selection,
  format: SelectionFormat,
  edge: readonly EdgePart[] | undefined,
): Promise<PageText | undefined> {
  if (core.deps.hooks.any(core.resource.name, "list")) return undefined;
  const level = selectionLevel(core, ctx, "list", selection, format);
  if (!level) return undefined;
  await core.deps.access.check(ctx, core.resource, "read", {});
  const plan = pagePlan(core, ctx, params);
  const found = await core.translate(() =>
    core.store(ctx).readText({
      ...plan.query,
      level,
      cursorKeys: plan.query.orderBy,
      page: { size: plan.size, reverse: plan.backward, edge },
    }),
  );
  const { cursors, pageInfo } = plan.finish(found.keys ?? [], found.count > plan.size);
  let edges: string | undefined;
  if (found.edges !== undefined) {
    const parts = found.edges.split(EDGE_CURSOR);
    edges = parts.map((part, i) => (i === 0 ? part : `${cursors[i - 1]}${part}`)).join("");
  }
  return { nodes: found.json, edges, cursors, pageInfo, totalCount: found.total };
}

/** The read of a page and how its cursors come out (see {@link PagePlan}). */
function pagePlan(core: ServiceCore, ctx: RequestContext, params: PageParams): PagePlan {
  const { resource, deps } = core;
  if (params.first !== undefined && params.last !== undefined)
    throw new AppError("BAD_REQUEST", "Ask for `first` or `last`, not both.");
  if (params.after !== undefined && params.before !== undefined)
    throw new AppError("BAD_REQUEST", "Give `after` or `before`, not both.");
  const backward = params.last !== undefined || (params.before !== undefined && params.first === undefined);
  const size = (backward ? params.last : params.first) ?? resource.defaultPageSize;
  checkPage(resource, { limit: size }, deps.limits);
  const keys = keysetKeys(core, ctx, params.sort);
  const signature = keys.map((k) => `${[...k.path, k.field].join(".")}:${k.direction}`).join(",");
  const cursor = backward ? params.before : params.after;
  const where = core.scoped(
    ctx,
    compileFilter(resource, params.filter, deps.limits, core.lookup, core.view(ctx)),
    params.deleted,
  );
  // With a search, pages follow the keyset order, not relevance.
  if (hasSearch(where) && keys.some((k) => k.path.length > 0))
    throw new AppError("BAD_REQUEST", "Search results can be sorted by this resource's own fields only.");
  const boundary =
    cursor === undefined ? undefined : keysetWhere(keys, deps.cursors.decode(signature, cursor), backward);
  const orderBy: OrderKey[] = keys.map((k) => {
    const direction = backward ? (k.direction === "asc" ? "desc" : "asc") : k.direction;
    // Nulls sort first ascending and last descending (compileSort's rule), mirrored when going backward.
    return {
      path: k.path,
      field: k.field,
      direction,
      nulls: k.required ? undefined : direction === "asc" ? "first" : "last",
    };
  });
  const query = {
    where: boundary ? { AND: [where, boundary] } : where,
    countWhere: where, // the total counts the whole list, not what lies beyond the cursor
    orderBy,
    offset: 0,
    limit: size === 0 ? 0 : size + 1,
    total: Boolean(params.withTotal),
  };
  const finish = (rowKeys: readonly unknown[][], more: boolean) => {
    const cursors = rowKeys.map((values) =>
      deps.cursors.encode(
        signature,
        keys.map((k, i) => (k.isDate && typeof values[i] === "string" ? new Date(values[i]) : values[i])),
      ),
    );
    return {
      cursors,
      pageInfo: {
        hasNextPage: backward ? cursor !== undefined : more,
        hasPreviousPage: backward ? more : cursor !== undefined,
        startCursor: cursors[0],
        endCursor: cursors.at(-1),
      },
    };
  };
  return { query, size, backward, finish };
}

/** Sort keys of a keyset page: the client's (own fields, or through required to-one relations), then the id. */
function keysetKeys(core: ServiceCore, ctx: RequestContext, sort: readonly Sort[] | undefined): KeysetKey[] {
  const { resource } = core;
  const view = core.view(ctx);
  compileSort(resource, sort, core.lookup, view); // the same checks and messages as lists
  const keys: KeysetKey[] = (sort ?? []).map((s) => {
    const { path, field } = sortPath(resource, s.field, core.lookup, view);
    let owner = resource;
    const relations: BelongsToRelation[] = [];
    for (const name of path) {
      const relation = owner.relation.get(name) as BelongsToRelation;
      // A missing related record would have no value to continue from: only required relations page by cursor.
      if (!relation.isRequired)
        throw new AppError(
          "BAD_REQUEST",
          `Cursor pages cannot sort by "${s.field}": "${name}" may be empty. Use offset pages for it.`,
        );
      relations.push(relation);
      owner = core.lookup(relation.target);
    }
    return {
      path,
      relations,
      field: field.name,
      direction: s.direction,
      required: field.isRequired,
      isDate: field.kind === "DateTime",
      ...(field.enum ? { enumValues: field.enum.values } : {}),
    };
  });
  if (!keys.some((k) => k.path.length === 0 && k.field === resource.id.name)) {
    keys.push({
      path: [],
      relations: [],
      field: resource.id.name,
      direction: tieBreakerDirection(sort ?? []),
      required: true,
      isDate: resource.id.kind === "DateTime",
    });
  }
  return keys;
}

/** Wraps a condition or order in its relation path: `author` + `{ name: … }` → `{ author: { name: … } }`. */
function nest(path: readonly string[], inner: object): object {
  return path.reduceRight((acc, relation) => ({ [relation]: acc }), inner);
}

/**
 * The rows strictly after (or, going backward, before) the cursor's values in the sort order:
 * OR over each key i of (every earlier key equal AND key i beyond its value), with NULL placement
 * following the sort (nulls first ascending, last descending).
 */
function keysetWhere(keys: readonly KeysetKey[], values: readonly unknown[], backward: boolean): object {
  if (values.length !== keys.length)
    throw new AppError("BAD_REQUEST", "Invalid cursor: use a cursor exactly as a previous page returned it.");
  const terms: object[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as (typeof keys)[number];
    const direction = backward ? (key.direction === "asc" ? "desc" : "asc") : key.direction;
    const nullsFirst = direction === "asc";
    const value = values[i];
    let beyond: object | undefined;
    if (value === null) beyond = nullsFirst ? { [key.field]: { not: null } } : undefined;
    else {
      // Prisma has no gt/lt on enums: "after" is the set of values declared after (or before) this one.
      const position = key.enumValues?.indexOf(String(value)) ?? -1;
      const compare = key.enumValues
        ? {
            [key.field]: {
              in:
                direction === "asc"
                  ? key.enumValues.slice(position + 1)
                  : key.enumValues.slice(0, Math.max(position, 0)),
            },
          }
        : { [key.field]: { [direction === "asc" ? "gt" : "lt"]: value } };
      beyond = nullsFirst || key.required ? compare : { OR: [compare, { [key.field]: null }] };
    }
    if (beyond)
      terms.push({
        AND: [
          ...keys
            .slice(0, i)
            .map((k, j) => nest(k.path, { [k.field]: values[j] === null ? null : { equals: values[j] } })),
          nest(key.path, beyond),
        ],
      });
  }
  // A redundant bound on the first key (first >= / <= its value) that PostgreSQL can use as an index
  // condition; the OR above alone is only a filter, which would scan every earlier row.
  const first = keys[0];
  if (
    first?.required &&
    first.path.length === 0 &&
    !first.enumValues &&
    values[0] !== null &&
    values[0] !== undefined
  ) {
    const direction = backward ? (first.direction === "asc" ? "desc" : "asc") : first.direction;
    return { AND: [{ [first.field]: { [direction === "asc" ? "gte" : "lte"]: values[0] } }, { OR: terms }] };
  }
  return { OR: terms };
}
