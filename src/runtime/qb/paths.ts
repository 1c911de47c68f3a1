/**
 * Field paths shared by `qb` and `conditions`: `views` names a field of the resource, `author.name` a
 * field of a related record. A dotted path becomes the runtime's relation filter node, with `some` on
 * each to-many step (has-many, many-to-many) and no quantifier on to-one steps (belongs-to). Whether a
 * relation may be filtered through, and the field and value at the end, are the runtime's to check.
 */
import type { ResolvedResource } from "../../metadata/resolved.ts";
import type { Filter } from "../query.ts";
import { walkRelationPath } from "../relation-path.ts";

/** Finds a resource by its singular name (a relation's `target`); undefined for an unknown one. */
export type FindResource = (name: string) => ResolvedResource | undefined;

/**
 * Applies `leaf` (conditions on one field, possibly several, e.g. `between`) at the end of `path`,
 * wrapped in one relation node per relation step, the same paths as REST filter keys (rest-dialect.md
 * §12, {@link walkRelationPath}). Calls `fail` with the problem ("has an empty step…") when the path is
 * malformed.
 * @example onPath(posts, find, "comments.body", (f) => ({ field: f, op: "contains", value: "x" }), fail)
 * // → { relation: "comments", quantifier: "some", filter: { field: "body", op: "contains", value: "x" } }
 */
export function onPath(
  resource: ResolvedResource,
  find: FindResource,
  path: string,
  leaf: (field: string, target: ResolvedResource | undefined) => Filter,
  fail: (problem: string) => never,
): Filter {
  return walkRelationPath(
    resource,
    find,
    path,
    (target, field) => leaf(field, target),
    (problem) =>
      fail(
        problem.kind === "empty"
          ? "has an empty step; write field or relation.field"
          : `puts "${problem.segment}" where a relation belongs; a quantifier goes right after a to-many relation, once: comments.${problem.segment}.body`,
      ),
  );
}
