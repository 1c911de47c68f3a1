/**
 * Dotted paths through relations (`author.name`, `comments.every.body`), as REST filter keys
 * (rest-dialect.md §12), `qb` fields and `conditions` paths name them: every segment but the last names
 * a relation, optionally followed by a quantifier segment (`some`, `every`, `none`). Only the shape is
 * read here; whether each relation may be filtered through is the query compiler's to check.
 */
import type { ResolvedRelation, ResolvedResource } from "../metadata/resolved.ts";
import type { Filter, Quantifier } from "./query.ts";

/** Segments that, anywhere but last, are a quantifier rather than a relation name. */
export const QUANTIFIERS: readonly Quantifier[] = ["some", "every", "none"];
const isQuantifier = (segment: string): segment is Quantifier => (QUANTIFIERS as readonly string[]).includes(segment);

/** What is wrong with a malformed path: an empty step, or a quantifier that follows no relation (or another quantifier). */
export type PathProblem = { kind: "empty" } | { kind: "quantifier"; segment: Quantifier };

/**
 * Wraps the condition `leaf` makes for the last segment of a dotted path in one relation node per
 * relation step: a to-many step counts as `some` unless a quantifier segment follows it
 * (`comments.every.body`); a to-one step takes none. `leaf` receives the resource the path arrives at
 * (undefined past an unknown relation, which the runtime then refuses, naming the relations it allows)
 * and the last segment. Shared by REST filter keys and `qb` / `conditions` paths.
 */
export function walkRelationPath(
  resource: ResolvedResource,
  find: (name: string) => ResolvedResource | undefined,
  path: string,
  leaf: (target: ResolvedResource | undefined, last: string) => Filter,
  fail: (problem: PathProblem) => never,
): Filter {
  const segments = path.split(".");
  if (segments.some((s) => s === "")) fail({ kind: "empty" });
  const last = segments.pop() as string;
  const hops: { relation: string; quantifier: Quantifier | undefined; explicit: boolean }[] = [];
  let current: ResolvedResource | undefined = resource;
  for (const segment of segments) {
    const hop = hops.at(-1);
    if (isQuantifier(segment)) {
      if (hop === undefined || hop.explicit) fail({ kind: "quantifier", segment });
      // On a to-one relation the runtime refuses it, saying the relation is a single record.
      hop.quantifier = segment;
      hop.explicit = true;
      continue;
    }
    const relation: ResolvedRelation | undefined = current?.relation.get(segment);
    hops.push({
      relation: segment,
      quantifier: relation !== undefined && relation.kind !== "belongsTo" ? "some" : undefined,
      explicit: false,
    });
    current = relation === undefined ? undefined : find(relation.target);
  }
  let filter = leaf(current, last);
  for (const hop of hops.reverse())
    filter = { relation: hop.relation, ...(hop.quantifier ? { quantifier: hop.quantifier } : {}), filter };
  return filter;
}
