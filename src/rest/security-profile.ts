/**
 * Security profiles of the REST facade (rest-dialect.md §22): how strictly a request is read. The
 * server picks one (`createRestHandler({ securityProfile })`, `SECURITY_PROFILE`); a resource may pick
 * its own (`security` in its definition). Each profile is one row of {@link SECURITY_PROFILE_RULES};
 * the handler and the query parsers read the row, never the profile's name.
 */
import type { SecurityProfile } from "../metadata/definition.ts";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { QUANTIFIERS } from "../runtime/relation-path.ts";
import { exposedField, splitFilterKey } from "./operators.ts";

/** What a security profile decides. */
export interface SecurityProfileRules {
  /** The profile these rules are. */
  readonly name: SecurityProfile;
  /**
   * Whether a query parameter the route does not take is a 400 (`true`) or dropped unread (`false`).
   * On lists and aggregates that is a parameter that is neither reserved nor names a filterable field
   * the client may see (with or without an operator suffix, or as a relation path).
   */
  readonly strictParams: boolean;
  /**
   * Whether a key of the `filter` JSON parameter that names no filterable field the client may see is
   * a 400 (`true`) or no condition at all (`false`). Hidden fields count as unknown either way, so the
   * answer never tells a hidden field from a missing one.
   */
  readonly strictFilter: boolean;
  /**
   * What a batch delete or purge answers per item: its `id` (`"ids"`: `{ index, id }`) or the record
   * as it was deleted (`"records"`: `{ index, record }`).
   */
  readonly batchDeleteReturns: "ids" | "records";
  /** Largest request body in bytes; 413 above. `createRestHandler({ maxBodyBytes })` overrides it. */
  readonly maxBodyBytes: number;
}

const MiB = 1024 * 1024;

/**
 * The profiles, strictest first.
 * - `secure` (the default): every unknown parameter, filter key and operator is a 400; batch deletes
 *   answer ids; bodies up to 1 MiB.
 * - `react_admin`: as `secure`, except that unknown `filter` keys (react-admin filter forms send keys
 *   of their own) filter nothing; bodies up to 2 MiB.
 * - `legacy`: unknown query parameters and `filter` keys are ignored; batch deletes answer the deleted
 *   records; bodies up to 10 MiB.
 * Operators a known field does not allow, and values that do not fit, are 400s under every profile.
 */
export const SECURITY_PROFILE_RULES: Readonly<Record<SecurityProfile, SecurityProfileRules>> = Object.freeze({
  secure: Object.freeze({
    name: "secure",
    strictParams: true,
    strictFilter: true,
    batchDeleteReturns: "ids",
    maxBodyBytes: 1 * MiB,
  }),
  react_admin: Object.freeze({
    name: "react_admin",
    strictParams: true,
    strictFilter: false,
    batchDeleteReturns: "ids",
    maxBodyBytes: 2 * MiB,
  }),
  legacy: Object.freeze({
    name: "legacy",
    strictParams: false,
    strictFilter: false,
    batchDeleteReturns: "records",
    maxBodyBytes: 10 * MiB,
  }),
});

/** The profile of the server when none is given. */
export const DEFAULT_SECURITY_PROFILE: SecurityProfile = "secure";

/**
 * The rules that apply to a resource: its own profile (`security` in its definition), else the
 * server's.
 * @example rulesFor(posts, "legacy").maxBodyBytes // 10 MiB, unless posts declares `security`
 */
export function rulesFor(
  resource: ResolvedResource | undefined,
  serverProfile: SecurityProfile = DEFAULT_SECURITY_PROFILE,
): SecurityProfileRules {
  return SECURITY_PROFILE_RULES[resource?.security ?? serverProfile];
}

/**
 * The query parameters a route reads: all of them under a strict profile (the route's own check then
 * refuses the others with a 400), only `allowed` ones under a lenient one.
 */
export function routeParams(
  params: URLSearchParams,
  allowed: readonly string[],
  rules: SecurityProfileRules,
): URLSearchParams {
  if (rules.strictParams) return params;
  return new URLSearchParams([...params].filter(([key]) => allowed.includes(key)));
}

/**
 * Whether a filter key (`views_gte`, `author.name`, `comments.every.body_like`) names something a
 * client may filter by: a field that is visible and declares operators, reached through relations that
 * may be filtered through. A key that does not is one a lenient profile ignores. An unknown suffix on a
 * known field (`views_between`) still throws the 400 of {@link splitFilterKey}: it names the field, so
 * it is a mistake to report rather than a key to skip. Whether the operator is one the field allows is
 * left to the runtime (a 400 under every profile).
 */
export function namesFilterableField(
  resource: ResolvedResource,
  schema: ResolvedSchema,
  key: string,
  readable?: (resource: ResolvedResource, field: string) => boolean,
): boolean {
  const segments = key.split(".");
  const last = segments.pop() as string;
  let current: ResolvedResource | undefined = resource;
  for (const segment of segments) {
    if ((QUANTIFIERS as readonly string[]).includes(segment)) continue;
    const relation = current?.relation.get(segment);
    if (!relation?.filterable) return false;
    current = schema.resource.get(relation.target);
  }
  if (!current || last === "") return false;
  const { field, known } = splitFilterKey(current, last, "filter key", key);
  return known && (exposedField(current, field)?.filter.size ?? 0) > 0 && (readable?.(current, field) ?? true);
}
