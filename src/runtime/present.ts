/**
 * Records as clients see them: a row becomes a record of the fields the actor may see in its view
 * (hidden fields never leave), with the relations its read loaded presented the same way. Relations
 * it did not load come later through {@link related}, batched by the request's loaders.
 */
import type { ResolvedRelation, ResolvedResource } from "../metadata/resolved.ts";
import { blobPath, blobValueOf } from "./blob-value.ts";
import type { RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import type { Row } from "./loaders.ts";
import type { ServiceCore } from "./service-core.ts";
import { cacheKey } from "./loaders.ts";
import { projectionLevel, relationRead } from "./read-level.ts";
import type { OutputView, RelatedList, ResourceRecord } from "./service-types.ts";

const META = Symbol("autograph.record");
/** What a presented record remembers of its row, for {@link related}. */
interface RecordMeta {
  readonly resource: ResolvedResource;
  readonly row: Row;
  readonly view: OutputView;
  readonly depth: number;
  readonly maxDepth: number;
}

/** How deep a presented record sits below the top-level record, and how deep relations may go. */
export interface Nesting {
  readonly depth: number;
  readonly maxDepth: number;
}

/**
 * Turns a row into the record a client may see in `view`. Relation bookkeeping rides along under a
 * symbol key, which JSON and GraphQL never serialise.
 */
export function present(
  core: ServiceCore,
  ctx: RequestContext,
  row: Row,
  view: OutputView,
  nesting: Nesting = { depth: 0, maxDepth: core.resource.maxDepth },
): ResourceRecord {
  const { resource } = core;
  const record: ResourceRecord = {};
  const actorView = core.view(ctx);
  for (const f of resource.fields)
    if (!f.hidden[view] && f.name in row && actorView.canRead(resource, f)) record[f.name] = row[f.name];
  // A file field's record carries where to fetch the bytes, never the bytes.
  for (const f of resource.fields) {
    const blob = f.blob && f.name in record ? blobValueOf(record[f.name]) : undefined;
    if (blob)
      record[f.name] = { ...blob, url: `${core.deps.blobUrlBase}${blobPath(resource, row[resource.id.name], f)}` };
  }
  // Relations a read loaded with the row (its projection's): presented as the related service would.
  for (const relation of resource.relations) {
    if (!Object.hasOwn(row, relation.name)) continue;
    const value = row[relation.name] as Row | Row[] | null;
    const target = core.deps.core(relation.target);
    const child = { depth: nesting.depth + 1, maxDepth: nesting.maxDepth };
    record[relation.name] = Array.isArray(value)
      ? value.map((r) => present(target, ctx, r, "list", child))
      : value
        ? present(target, ctx, value, "one", child)
        : null;
  }
  const meta: RecordMeta = { resource, row, view, ...nesting };
  Object.defineProperty(record, META, { value: meta, enumerable: false });
  return record;
}

/**
 * Loads a relation of a record this service presented, through the request's loaders (batched:
 * call it for many records in the same tick and it costs one query). With `list` (a to-many relation),
 * only those related records, in that order. A relation the record's read loaded with it is returned as
 * loaded: the read's projection asked for it with the same `list`.
 */
export async function related(
  core: ServiceCore,
  ctx: RequestContext,
  record: ResourceRecord,
  relationName: string,
  list?: RelatedList | undefined,
): Promise<ResourceRecord | ResourceRecord[] | null> {
  const { resource } = core;
  const meta = (record as { [META]?: RecordMeta })[META];
  if (!meta || meta.resource !== resource)
    throw new Error(`related(): not a ${resource.name} record presented by the runtime`);
  // Loaded with the record by its read (one statement for the whole tree).
  if (Object.hasOwn(record, relationName)) return record[relationName] as ResourceRecord | ResourceRecord[] | null;
  const relation = resource.relation.get(relationName);
  if (!relation)
    throw new AppError(
      "BAD_REQUEST",
      `${resource.name} has no relation "${relationName}". Relations: ${resource.relations.map((r) => r.name).join(", ") || "(none)"}.`,
    );
  if (!relation.views[meta.view]) {
    throw new AppError(
      "BAD_REQUEST",
      `Relation "${relationName}" of ${resource.name} is only available on ${meta.view === "list" ? "a single record" : "list items"}.`,
    );
  }
  if (meta.depth + 1 > meta.maxDepth) {
    // meta.resource is the parent of this relation, not the top-level record the depth counts from.
    throw new AppError(
      "BAD_REQUEST",
      `Relations nest too deeply: "${relationName}" of ${resource.name} would be level ${meta.depth + 1}; at most ${meta.maxDepth} levels below the top-level record.`,
    );
  }
  const target = core.deps.core(relation.target);
  const child = { depth: meta.depth + 1, maxDepth: meta.maxDepth };
  const loaded = await core.translate(() =>
    list ? loadList(core, ctx, relationName, meta, list) : load(core, ctx, relation, meta.row),
  );
  if (Array.isArray(loaded)) return loaded.map((row) => present(target, ctx, row, "list", child));
  return loaded ? present(target, ctx, loaded, "one", child) : null;
}

/** The related rows of `row` through the request's loaders. */
function load(
  core: ServiceCore,
  ctx: RequestContext,
  relation: ResolvedRelation,
  row: Row,
): Promise<Row | Row[] | null> {
  const id = row[core.resource.id.name];
  switch (relation.kind) {
    case "belongsTo": {
      const key = row[relation.localField];
      if (key === null || key === undefined) return Promise.resolve(null);
      const target = core.lookup(relation.target);
      return relation.targetField === target.id.name
        ? ctx.loaders.byId(relation.target).load(key)
        : ctx.loaders
            .byField(relation.target, relation.targetField)
            .load(key)
            .then((rows) => rows[0] ?? null);
    }
    case "hasMany":
      return ctx.loaders.byField(relation.target, relation.foreignField).load(id);
    case "manyToMany":
      return ctx.loaders
        .through(relation.joinModel, relation.joinLocalField, relation.joinTargetField, relation.target)
        .load(id);
  }
}

/**
 * A page of a to-many relation of the record `meta` presented, read with its parent: one statement
 * for every parent asking for the same page in the same tick (the parents by id, each with its page).
 */
async function loadList(
  core: ServiceCore,
  ctx: RequestContext,
  relationName: string,
  meta: RecordMeta,
  list: RelatedList,
): Promise<Row[]> {
  const idField = core.resource.id.name;
  // Bigints have no JSON: as text, like cacheKey.
  const listKey = JSON.stringify(list, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
  const key = `${core.resource.name}.${relationName}:${meta.view}:${meta.depth}:${listKey}`;
  const loader = ctx.loaders.batch<Row[]>(key, async (ids) => {
    const read = relationRead(core, ctx, relationName, meta.view, meta.depth, list);
    if (!read) throw new Error(`related(): relation "${relationName}" cannot be read here`);
    const level = projectionLevel(read.target, ctx, "list", undefined, undefined, meta.depth + 1);
    // The parents were presented to this actor already: read by id alone (a trashed one too), for their page.
    const { rows } = await core.run(ctx, {
      level: {
        model: core.resource.model,
        fields: [idField],
        relations: [{ ...read.relation, key: relationName, level }],
      },
      where: { [idField]: { in: [...ids] } },
      orderBy: [],
      offset: 0,
      limit: null,
      total: false,
    });
    const pages = new Map(rows.map((row) => [cacheKey(row[idField]), (row[relationName] ?? []) as Row[]]));
    return ids.map((id) => pages.get(cacheKey(id)) ?? []);
  });
  return loader.load(meta.row[idField]);
}
