/**
 * A resource's REST path, from its `naming` (rest-dialect.md §25). Collisions between paths are
 * names.ts's.
 */
import type { Naming, NamingInput } from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import { conventionalPath, PATH_PATTERN } from "../names.ts";

/**
 * The REST path of a resource by its `naming`. A function's answer must be a path segment
 * ({@link PATH_PATTERN}); when it is not, or the function throws, the issue is at `<at>.naming` and the
 * plural stands in, so the other checks still run.
 */
export function restPathOf(naming: Naming, input: NamingInput, at: string, issue: ReportIssue): string {
  const fix = 'return letters, digits, "-" or "_", starting with a letter (e.g. "ticket-replies")';
  let path: unknown;
  if (typeof naming === "function") {
    try {
      path = naming(input);
    } catch (error) {
      issue(`${at}.naming`, `the naming function threw for model ${input.model}: ${String(error)}`, fix);
      return input.plural;
    }
  } else path = conventionalPath(naming, input.plural);
  if (typeof path === "string" && PATH_PATTERN.test(path)) return path;
  const how = typeof naming === "function" ? "the naming function returned" : `naming "${naming}" makes`;
  issue(
    `${at}.naming`,
    `${how} ${JSON.stringify(path)} for model ${input.model}, which is not a REST path segment`,
    fix,
  );
  return input.plural;
}
