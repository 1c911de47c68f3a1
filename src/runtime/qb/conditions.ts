/**
 * The `conditions` and `data_conditions` query parameters (querying.md, "Conditions"; rest-dialect.md
 * §11.7): AutoCRUD's JSON array of `{ "field_path", "operator", "value" }`, all of which must hold.
 * Shapes are checked here, naming the index at fault; fields, operators per field and values are the
 * runtime's to check.
 */
import type { Operator } from "../../metadata/definition.ts";
import type { ResolvedResource } from "../../metadata/resolved.ts";
import { AppError, show } from "../errors.ts";
import type { Filter } from "../query.ts";
import { type FindResource, onPath } from "./paths.ts";

/**
 * AutoCRUD's operators and the runtime operators they stand for: the names of its
 * `DataSearchOperator` (`greater_than`) and the values it sends on the wire (`gt`), both accepted.
 */
export const CONDITION_OPERATORS: Readonly<Record<string, Operator>> = {
  equals: "eq",
  not_equals: "ne",
  greater_than: "gt",
  greater_than_or_equal: "gte",
  less_than: "lt",
  less_than_or_equal: "lte",
  contains: "contains",
  starts_with: "startsWith",
  ends_with: "endsWith",
  in_list: "in",
  not_in_list: "notIn",
  is_null: "isNull",
  regex: "regex",
  eq: "eq",
  ne: "ne",
  gt: "gt",
  gte: "gte",
  lt: "lt",
  lte: "lte",
  in: "in",
  not_in: "notIn",
};

const KEYS = ["field_path", "operator", "value"];
const EXAMPLE = '[{"field_path":"views","operator":"greater_than","value":10}]';
/** The parameters that carry conditions. */
export type ConditionsParam = "conditions" | "data_conditions";

/**
 * Parses `conditions` into one filter (the AND of all), or undefined for an empty array.
 * @example
 * parseConditionsParam('[{"field_path":"author.name","operator":"starts_with","value":"Ada"}]', posts, lookup)
 * // → { relation: "author", filter: { field: "name", op: "startsWith", value: "Ada" } }
 */
export function parseConditionsParam(
  raw: string,
  resource: ResolvedResource,
  lookup: FindResource,
  param: ConditionsParam = "conditions",
): Filter | undefined {
  const bad = (message: string) => new AppError("BAD_REQUEST", message, { details: { parameter: param } });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw bad(
      `Query parameter "${param}" is not valid JSON${reason}. Expected e.g. ${param}=${EXAMPLE}, got ${show(raw)}.`,
    );
  }
  if (!Array.isArray(parsed))
    throw bad(
      `Query parameter "${param}" must be a JSON array of {"field_path", "operator", "value"} objects, e.g. ${EXAMPLE}; got ${show(parsed)}.`,
    );
  const filters = parsed.map((item: unknown, index) => one(item, `${param}[${index}]`, resource, lookup, bad));
  if (filters.length === 0) return undefined;
  return filters.length === 1 ? filters[0] : { and: filters };
}

function one(
  item: unknown,
  at: string,
  resource: ResolvedResource,
  lookup: FindResource,
  bad: (message: string) => AppError,
): Filter {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    throw bad(`${at} must be an object {"field_path", "operator", "value"}, got ${show(item)}.`);
  const extra = Object.keys(item).filter((k) => !KEYS.includes(k));
  if (extra.length > 0)
    throw bad(
      `${at} has unknown key${extra.length > 1 ? "s" : ""} ${extra.map((k) => show(k)).join(", ")}; expected ${KEYS.join(", ")}.`,
    );
  const { field_path: path, operator, value } = item as Record<string, unknown>;
  if (typeof path !== "string" || path === "")
    throw bad(`${at}.field_path must be a non-empty string naming a field (or relation.field), got ${show(path)}.`);
  if (typeof operator !== "string" || !Object.hasOwn(CONDITION_OPERATORS, operator)) {
    throw bad(`${at}.operator must be one of ${Object.keys(CONDITION_OPERATORS).join(", ")}; got ${show(operator)}.`);
  }
  if (!Object.hasOwn(item, "value"))
    throw bad(`${at} has no "value"; every operator needs one (null tests for null with equals / not_equals).`);
  const op = CONDITION_OPERATORS[operator] as Operator;
  if ((op === "in" || op === "notIn") && !Array.isArray(value))
    throw bad(`${at}.value must be a JSON array for ${operator}, got ${show(value)}.`);
  return onPath(
    resource,
    lookup,
    path,
    (field) => ({ field, op, value }),
    (problem) => {
      throw bad(`${at}.field_path ${show(path)} ${problem}.`);
    },
  );
}
