/**
 * Field paths shared by `qb` and `conditions`: `views` names a field of the resource, `author.name` a
 * field of a related record. A dotted path becomes the runtime's relation filter node, with `some` on
 * each to-many step (has-many, many-to-many) and no quantifier on to-one steps (belongs-to). Whether a
 * relation may be filtered through, and the field and value at the end, are the runtime's to check.
 */
import type { ResolvedRelation, ResolvedResource } from "../../metadata/resolved.ts";
import type { Filter, Quantifier } from "../../runtime/query.ts";

/** Finds a resource by its singular name (a relation's `target`); undefined for an unknown one. */
export type FindResource = (name: string) => ResolvedResource | undefined;

/** Path steps that, anywhere but last, choose how a to-many step counts rather than name a relation. */
const QUANTIFIERS: ReadonlySet<string> = new Set(["some", "every", "none"]);

/**
 * Applies `leaf` (conditions on one field, possibly several, e.g. `between`) at the end of `path`,
 * wrapped in one relation node per relation step. A to-many step counts as `some` unless a quantifier
 * step follows it (`comments.every.body`), the same paths as REST filter keys (rest-dialect.md §12).
 * Calls `fail` with the problem ("has an empty step…") when the path is malformed.
 * @example onPath(posts, find, "comments.body", (f) => ({ field: f, op: "contains", value: "x" }), fail)
 * // → { relation: "comments", quantifier: "some", filter: { field: "body", op: "contains", value: "x" } }
 */
export function onPath(resource: ResolvedResource, find: FindResource, path: string, leaf: (field: string) => Filter, fail: (problem: string) => never): Filter {
  const steps = path.split(".");
  if (steps.some((s) => s === "")) fail("has an empty step; write field or relation.field");
  const field = steps.pop() as string;
  const hops: { relation: string; quantifier: Quantifier | undefined; explicit: boolean }[] = [];
  let current: ResolvedResource | undefined = resource;
  for (const step of steps) {
    const hop = hops.at(-1);
    if (QUANTIFIERS.has(step)) {
      if (hop === undefined || hop.explicit) fail(`puts "${step}" where a relation belongs; a quantifier goes right after a to-many relation, once: comments.${step}.body`);
      // On a to-one relation the runtime refuses it, saying the relation is a single record.
      hop.quantifier = step as Quantifier;
      hop.explicit = true;
      continue;
    }
    const relation: ResolvedRelation | undefined = current?.relation.get(step);
    // An unknown step gets no quantifier: the runtime refuses it, naming the relations it allows.
    hops.push({ relation: step, quantifier: relation !== undefined && relation.kind !== "belongsTo" ? "some" : undefined, explicit: false });
    current = relation === undefined ? undefined : find(relation.target);
  }
  let filter = leaf(field);
  for (const hop of hops.reverse()) filter = { relation: hop.relation, ...(hop.quantifier ? { quantifier: hop.quantifier } : {}), filter };
  return filter;
}
