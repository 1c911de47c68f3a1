/**
 * Read arguments (`where`, `orderBy`, a nested list's `skip` and `take`) translated into the runtime's
 * query language. Translation is syntax only: the runtime checks fields, operators, values and limits.
 */
import type { Operator } from "../metadata/definition.ts";
import { WHERE_INPUT_KEYS } from "../metadata/names.ts";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { AppError } from "../runtime/errors.ts";
import type { Filter, Quantifier, Sort } from "../runtime/query.ts";
import type { RelatedList } from "../runtime/service-types.ts";
import { type InputObject, targetOf } from "./read-inputs.ts";

// Metadata refuses filterable fields and relations with these names, so a key is a combinator, a
// relation or a field.
const COMBINATORS: ReadonlySet<string> = new Set(WHERE_INPUT_KEYS);
const QUANTIFIERS: ReadonlySet<string> = new Set<Quantifier>(["some", "every", "none"]);

/**
 * A where input of `resource` as the runtime's {@link Filter}: conditions of one object are ANDed, as
 * are the operators given for one field and the quantifiers given for one relation. Absent and null
 * keys are ignored, except a null operator value, which goes to the runtime (`eq: null` means "is
 * null"; others are rejected there). An empty condition on a relation (`author: {}`, `some: {}`)
 * matches any related record.
 */
export function toFilter(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  where: InputObject | null | undefined,
): Filter | undefined {
  if (where === null || where === undefined) return undefined;
  const all: Filter[] = [];
  const inner = (target: ResolvedResource, value: unknown): Filter =>
    toFilter(schema, target, value as InputObject) ?? { and: [] };
  for (const [key, value] of Object.entries(where)) {
    if (value === null || value === undefined) continue;
    if (COMBINATORS.has(key)) {
      if (key === "search") all.push({ search: value as string });
      else if (key === "NOT") all.push({ not: inner(resource, value) });
      else {
        const parts = (value as InputObject[]).map((w) => inner(resource, w));
        all.push(key === "AND" ? { and: parts } : { or: parts });
      }
      continue;
    }
    const relation = resource.relation.get(key);
    if (relation) {
      const target = targetOf(schema, relation);
      if (relation.kind === "belongsTo") all.push({ relation: key, filter: inner(target, value) });
      else {
        for (const [quantifier, condition] of Object.entries(value as InputObject)) {
          if (QUANTIFIERS.has(quantifier) && condition !== null && condition !== undefined) {
            all.push({ relation: key, quantifier: quantifier as Quantifier, filter: inner(target, condition) });
          }
        }
      }
      continue;
    }
    for (const [op, operand] of Object.entries(value as InputObject)) {
      if (operand !== undefined) all.push({ field: key, op: op as Operator, value: operand });
    }
  }
  if (all.length === 0) return undefined;
  return all.length === 1 ? all[0] : { and: all };
}

/**
 * An order-by list of `resource` as sort keys. Each element names exactly one field, or one relation
 * and, inside it, exactly one field of the related resource (recursively): `{ author: { name: asc } }`
 * is the sort key `author.name`.
 */
export function toSort(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  orderBy: readonly InputObject[] | null | undefined,
): Sort[] | undefined {
  if (!orderBy) return undefined;
  return orderBy.map((element, index) => sortKey(schema, resource, element, `orderBy[${index}]`));
}

function sortKey(schema: ResolvedSchema, resource: ResolvedResource, element: InputObject, at: string): Sort {
  const [name, value] = exactlyOne(element, resource.names.orderByInput, at);
  const relation = resource.relation.get(name);
  if (relation && typeof value === "object") {
    const inner = sortKey(schema, targetOf(schema, relation), value as InputObject, `${at}.${name}`);
    return { field: `${name}.${inner.field}`, direction: inner.direction };
  }
  return { field: name, direction: value as Sort["direction"] };
}

/**
 * The one key an input object sets (null counts as unset). GraphQL has no "one of" input in this
 * version, so an order-by element setting none or several is a BAD_REQUEST.
 */
export function exactlyOne(element: InputObject, typeName: string, at: string): [string, unknown] {
  const keys = Object.entries(element).filter(([, value]) => value !== null && value !== undefined);
  const [first] = keys;
  if (keys.length !== 1 || !first) {
    const got = keys.length === 0 ? "none" : keys.map(([k]) => k).join(", ");
    throw new AppError("BAD_REQUEST", `Each ${typeName} must set exactly one field; ${at} sets ${got}.`);
  }
  return first;
}

/**
 * A nested list's arguments (`where`, `orderBy`, `skip`, `take` of a to-many relation field) as the
 * runtime's {@link RelatedList}; undefined when none is given (every related record, by id).
 */
export function toRelatedList(
  schema: ResolvedSchema,
  target: ResolvedResource,
  args: { where?: unknown; orderBy?: unknown; skip?: unknown; take?: unknown },
): RelatedList | undefined {
  const filter = toFilter(schema, target, args.where as InputObject | null | undefined);
  const sort = toSort(schema, target, args.orderBy as InputObject[] | null | undefined);
  const offset = typeof args.skip === "number" ? args.skip : undefined;
  const limit = typeof args.take === "number" ? args.take : undefined;
  if (!filter && !sort?.length && offset === undefined && limit === undefined) return undefined;
  return { filter, sort, offset, limit };
}
