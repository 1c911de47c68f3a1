/**
 * What the list, connection and count fields read from their arguments: `where`, `orderBy`, `skip`,
 * `take`, or instead `qb`, AutoCRUD's query expression (querying.md, "QB expressions"; rest-dialect.md
 * §11), parsed by the same runtime parser as REST's `qb` parameter, so the same text gives the same
 * records and the same errors (`extensions.code` BAD_REQUEST, the column in `extensions.details`).
 * `qb` says the filter, and where the field has them, the sort and the page; giving those another way
 * beside it is refused, as on REST. Resolvers and spliced reads (splice.ts) both read arguments here.
 */
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { AppError } from "../runtime/errors.ts";
import type { QbQuery } from "../runtime/qb/evaluate.ts";
import { parseQbParam } from "../runtime/qb/qb-param.ts";
import type { Filter, Sort } from "../runtime/query.ts";
import { toFilter, toSort } from "./arguments.ts";
import type { InputObject } from "./read-inputs.ts";

/** The description of the argument. */
export const QB_ARG_DESCRIPTION =
  "A QB expression (AutoCRUD's query builder), e.g. `QB['views'] > 10 & QB['status'].in_(['draft'])`, optionally followed by `.sort(...)` and `.limit(n)` / `.offset(n)` / `.page(p, size)` where this field pages by offset. Replaces `where`, `orderBy` and the page arguments.";

/** What a field takes from `qb` besides the filter. */
export interface QbUse {
  /** The field's name, for messages (`posts`). */
  readonly field: string;
  /** Whether `.sort()` may set the order. */
  readonly sort: boolean;
  /** Whether `.limit()` / `.offset()` / `.page()` may set the page. */
  readonly page: boolean;
}

/**
 * Parses `qb` when given; undefined when not. `others` are the field's arguments that `qb` replaces
 * (`where`, `orderBy`, `skip`, …): any of them beside `qb` is a VALIDATION_FAILED naming them.
 */
export function qbArgument(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  qb: string | null | undefined,
  others: Readonly<Record<string, unknown>>,
  use: QbUse,
): QbQuery | undefined {
  if (qb === null || qb === undefined) return undefined;
  const given = Object.entries(others)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name]) => name);
  if (given.length > 0)
    throw new AppError(
      "VALIDATION_FAILED",
      `Argument "qb" of ${use.field} cannot be combined with ${given.map((k) => `"${k}"`).join(", ")}: qb gives the filter${use.sort ? ", the sort" : ""}${use.page ? " and the page" : ""} itself.`,
      { details: { parameter: "qb", conflicting: given } },
    );
  const parsed = parseQbParam(qb, { resource, lookup: (name) => schema.resource.get(name), now: new Date() });
  const extra = [
    ...(!use.sort && parsed.sort ? [".sort()"] : []),
    ...(!use.page && (parsed.limit !== undefined || parsed.offset !== undefined)
      ? [".limit(), .offset() or .page()"]
      : []),
  ];
  if (extra.length > 0)
    throw new AppError(
      "BAD_REQUEST",
      `qb: ${use.field} takes ${use.sort ? "a filter and a sort" : "a filter only"} from qb, not ${extra.join(" or ")}${use.sort ? " (it pages with first/after, last/before)" : ""}.`,
      { details: { parameter: "qb" } },
    );
  return parsed;
}

/** The read arguments of a list, connection or count field, as GraphQL coerced them. */
export interface ReadArgs {
  readonly where?: InputObject | null | undefined;
  readonly orderBy?: readonly InputObject[] | null | undefined;
  readonly skip?: number | null | undefined;
  readonly take?: number | null | undefined;
  readonly qb?: string | null | undefined;
}

/** A list field's filter, sort and page. */
export function listQuery(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  args: ReadArgs,
  field: string,
): {
  filter: Filter | undefined;
  sort: readonly Sort[] | undefined;
  offset: number | undefined;
  limit: number | undefined;
} {
  const { where, orderBy, skip, take } = args;
  const qb = qbArgument(schema, resource, args.qb, { where, orderBy, skip, take }, { field, sort: true, page: true });
  if (qb) return { filter: qb.filter, sort: qb.sort, offset: qb.offset, limit: qb.limit };
  return {
    filter: toFilter(schema, resource, where as never),
    sort: toSort(schema, resource, orderBy as never),
    offset: skip ?? undefined,
    limit: take ?? undefined,
  };
}

/** A connection field's filter and sort (it pages by cursor). */
export function connectionQuery(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  args: ReadArgs,
  field: string,
): { filter: Filter | undefined; sort: readonly Sort[] | undefined } {
  const { where, orderBy } = args;
  const qb = qbArgument(schema, resource, args.qb, { where, orderBy }, { field, sort: true, page: false });
  if (qb) return { filter: qb.filter, sort: qb.sort };
  return { filter: toFilter(schema, resource, where as never), sort: toSort(schema, resource, orderBy as never) };
}

/** A count field's filter. */
export function countFilter(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  args: ReadArgs,
  field: string,
): Filter | undefined {
  const qb = qbArgument(schema, resource, args.qb, { where: args.where }, { field, sort: false, page: false });
  return qb ? qb.filter : toFilter(schema, resource, args.where as never);
}
