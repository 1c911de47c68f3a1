/**
 * The `sorts` query parameter (rest-dialect.md §30): AutoCRUD's JSON array of sort keys, first key
 * first. A key is `{ "type": "data", "field_path": "title", "direction": "+" }` or, for a meta field,
 * `{ "type": "meta", "key": "created_time", "direction": "-" }` (`direction` `+` ascending, the
 * default, or `-` descending). Shapes are checked here, naming the index at fault; whether a field may
 * be sorted by is the runtime's to check.
 */
import type { ResolvedResource } from "../../metadata/resolved.ts";
import { AppError, show } from "../errors.ts";
import type { Sort } from "../query.ts";
import { META_FIELDS, metaField } from "./evaluate.ts";

const EXAMPLE = '[{"type":"meta","key":"created_time","direction":"-"},{"type":"data","field_path":"title"}]';
const bad = (message: string) => new AppError("BAD_REQUEST", message, { details: { parameter: "sorts" } });

/**
 * Parses `sorts` into the runtime's sort keys.
 * @example
 * parseSortsParam('[{"type":"meta","key":"created_time","direction":"-"}]', posts)
 * // → [{ field: "createdAt", direction: "desc" }]
 */
export function parseSortsParam(raw: string, resource: ResolvedResource): Sort[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw bad(`Query parameter "sorts" is not valid JSON${reason}. Expected e.g. sorts=${EXAMPLE}, got ${show(raw)}.`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw bad(
      `Query parameter "sorts" must be a non-empty JSON array of sort keys, e.g. ${EXAMPLE}; got ${show(parsed)}.`,
    );
  return parsed.map((item: unknown, index) => one(item, `sorts[${index}]`, resource));
}

function one(item: unknown, at: string, resource: ResolvedResource): Sort {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    throw bad(`${at} must be an object {"type", "key" or "field_path", "direction"}, got ${show(item)}.`);
  const { type, direction = "+", ...rest } = item as Record<string, unknown>;
  if (direction !== "+" && direction !== "-")
    throw bad(`${at}.direction must be "+" (ascending) or "-" (descending), got ${show(direction)}.`);
  const nameKey = type === "meta" ? "key" : type === "data" ? "field_path" : undefined;
  if (nameKey === undefined) throw bad(`${at}.type must be "meta" or "data", got ${show(type)}.`);
  const extra = Object.keys(rest).filter((k) => k !== nameKey);
  if (extra.length > 0)
    throw bad(
      `${at} has unknown key${extra.length > 1 ? "s" : ""} ${extra.map((k) => show(k)).join(", ")}; a ${type} key has type, ${nameKey} and direction.`,
    );
  const name = rest[nameKey];
  if (typeof name !== "string" || name === "")
    throw bad(`${at}.${nameKey} must be a non-empty string, got ${show(name)}.`);
  const field = type === "meta" ? metaField(name, { resource }) : name;
  if (field === undefined)
    throw bad(
      `${at}.key ${show(name)} is not a meta field; meta keys: ${[...META_FIELDS.keys()].join(", ")} (other fields are {"type":"data","field_path":...}).`,
    );
  return { field, direction: direction === "-" ? "desc" : "asc" };
}
