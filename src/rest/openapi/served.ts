/**
 * The operation set in the document (rest-dialect.md §26): a method whose operation the resource does
 * not serve is left out, and a path left without methods goes too, as the router routes neither.
 */
import type { ServedOperation } from "../../metadata/definition.ts";
import type { ResolvedSchema } from "../../metadata/resolved.ts";
import type { Json } from "./builders.ts";

type Methods = Readonly<Record<string, ServedOperation>>;

const WRITES: Methods = { post: "create", put: "update", patch: "update", delete: "delete" };
const GET_LIST: Methods = { get: "list" };
const GET_ONE: Methods = { get: "get" };

/** The operation each method of a path under `/<resource>` needs, by the path's rest (§26). */
function methodsOf(rest: string): Methods {
  if (rest === "") return { get: "list", post: "create", delete: "deleteWhere" };
  if (rest === "/aggregate" || rest === "/events") return GET_LIST;
  if (rest === "/batch") return WRITES;
  if (rest === "/batch/restore") return { post: "restore" };
  if (rest === "/batch/purge") return { post: "purge" };
  if (rest === "/locks" || rest === "/{id}/lock") return { get: "update", post: "update", delete: "update" };
  if (rest === "/{id}") return { ...GET_ONE, put: "update", patch: "update", delete: "delete" };
  if (rest === "/{id}/restore") return { post: "restore" };
  if (rest === "/{id}/purge") return { post: "purge" };
  if (rest === "/{id}/publish") return { post: "publish" };
  if (rest === "/{id}/revert/{rev}") return { post: "revert" };
  if (rest.startsWith("/{id}/revisions")) return GET_ONE;
  // A file field: download with the record, upload and clear as changes of it.
  return { get: "get", put: "update", delete: "update" };
}

/** `paths` without the methods (and paths) of operations their resource does not serve. */
export function servedPaths(schema: ResolvedSchema, paths: Json): Json {
  const out: Json = {};
  for (const [path, item] of Object.entries(paths)) {
    const segment = path.split("/")[1] ?? "";
    const resource = schema.byPath.get(segment);
    if (!resource) {
      out[path] = item;
      continue;
    }
    const rest = path.slice(segment.length + 1);
    // A custom action is declared as it is served: it is not part of the operation set (§27).
    if (resource.actions.some((a) => rest === (a.record ? `/{id}/${a.name}` : `/${a.name}`))) {
      out[path] = item;
      continue;
    }
    const methods = methodsOf(rest);
    const kept = Object.entries(item as Record<string, Json>).filter(
      ([key]) => !(key in methods) || resource.operations.has(methods[key] as ServedOperation),
    );
    if (kept.some(([key]) => key in methods)) out[path] = Object.fromEntries(kept);
  }
  return out;
}
