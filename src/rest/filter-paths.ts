/**
 * Relation filters as dot paths (rest-dialect.md §12): `author.name`, `author.role_in`,
 * `comments.body_like`, `comments.every.body_like`, `comments.author.name`, in query parameters and
 * inside `filter={...}` alike. Every segment but the last names a relation, optionally followed by a
 * quantifier segment (`some`, `every`, `none`); the last segment is `<field>` or `<field>_<suffix>` of
 * the resource the path arrives at. The result is the runtime's relation node; whether the relation may
 * be filtered through, whether a quantifier fits it, and the field, operator and value at the end are
 * the runtime's to check.
 */
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { Filter } from "../runtime/query.ts";
import { walkRelationPath } from "../runtime/relation-path.ts";

/**
 * The relation nodes of a dotted REST filter key around the condition `leaf` makes for its last segment.
 * @example
 * relationCondition(posts, schema, "comments.body_like", (target, key) => ...)
 * // → { relation: "comments", quantifier: "some", filter: <leaf(comment, "body_like")> }
 */
export function relationCondition(
  resource: ResolvedResource,
  schema: ResolvedSchema,
  key: string,
  leaf: (target: ResolvedResource | undefined, key: string) => Filter,
): Filter {
  return walkRelationPath(
    resource,
    (name) => schema.resource.get(name),
    key,
    leaf,
    (problem) => {
      throw new AppError(
        "BAD_REQUEST",
        problem.kind === "empty"
          ? `Invalid filter path ${show(key)}: expected relation names and a field joined by dots, e.g. author.name or comments.some.body_like.`
          : `Invalid filter path ${show(key)}: a quantifier (${problem.segment}) goes right after a to-many relation, once, e.g. comments.${problem.segment}.body.`,
      );
    },
  );
}
