/**
 * Embeds (rest-dialect.md §5): `embed=author,comments,comments.author` attaches related records to each
 * record. Every relation at one level is asked for all records at once through `service.related`, in
 * one tick, so the request's DataLoaders batch it into one query per relation: the cost grows with the
 * number of embed paths, never with the number of rows. Visibility, views and depth are the runtime's
 * rules; this module only resolves names to find the next resource along a path.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { RequestContext } from "../runtime/context.ts";
import { AppError } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceRecord } from "../runtime/service-types.ts";
import { parsePathList } from "./path-list.ts";

/**
 * Parses `embed`: a comma list of dot paths (`author,comments.author`) or a JSON array of them.
 * Returns the distinct paths.
 */
export function parseEmbedParam(raw: string, maxEmbeds: number): string[] {
  return parsePathList(raw, { name: "embed", example: "author,comments.author", what: "paths", max: maxEmbeds });
}

interface EmbedTree {
  [relation: string]: EmbedTree;
}

function treeOf(paths: readonly string[]): EmbedTree {
  const root: EmbedTree = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path.split(".")) node = node[segment] ??= {};
  }
  return root;
}

/**
 * Loads the embed paths for every record and attaches them as properties (`post.author`,
 * `post.comments[i].author`). Records must come from `runtime.service(resource.name)`.
 */
export async function attachEmbeds(
  runtime: Runtime,
  ctx: RequestContext,
  resource: ResolvedResource,
  records: readonly ResourceRecord[],
  paths: readonly string[],
): Promise<void> {
  if (paths.length === 0) return;
  const tree = treeOf(paths);
  checkNames(runtime, resource, tree, "");
  await attachLevel(runtime, ctx, resource, records, tree);
}

/** Throws a 400 naming the first embed path that follows no relation (before any read). */
export function checkEmbedPaths(runtime: Runtime, resource: ResolvedResource, paths: readonly string[]): void {
  checkNames(runtime, resource, treeOf(paths), "");
}

/** Unknown relation names fail even when there is nothing to embed them into (an empty page). */
function checkNames(runtime: Runtime, resource: ResolvedResource, tree: EmbedTree, prefix: string): void {
  for (const [name, children] of Object.entries(tree)) {
    const relation = resource.relation.get(name);
    const target = relation && runtime.schema.resource.get(relation.target);
    if (!target) {
      const names = resource.relations.map((r) => r.name).join(", ") || "(none)";
      throw new AppError(
        "BAD_REQUEST",
        `Cannot embed "${prefix}${name}": ${resource.name} has no relation "${name}". Relations: ${names}.`,
      );
    }
    checkNames(runtime, target, children, `${prefix}${name}.`);
  }
}

async function attachLevel(
  runtime: Runtime,
  ctx: RequestContext,
  resource: ResolvedResource,
  records: readonly ResourceRecord[],
  tree: EmbedTree,
): Promise<void> {
  const service = runtime.service(resource.name);
  await Promise.all(
    Object.entries(tree).map(async ([name, children]) => {
      // All records in one tick: the loaders see every key before they run their batch.
      const loaded = await Promise.all(records.map((record) => service.related(ctx, record, name)));
      const next: ResourceRecord[] = [];
      records.forEach((record, i) => {
        const value = loaded[i] ?? null;
        record[name] = value;
        if (Array.isArray(value)) next.push(...value);
        else if (value) next.push(value);
      });
      const target = runtime.schema.resource.get(resource.relation.get(name)?.target ?? "");
      if (target && Object.keys(children).length > 0 && next.length > 0)
        await attachLevel(runtime, ctx, target, next, children);
    }),
  );
}
