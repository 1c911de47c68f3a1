/**
 * Syntax of the record lifecycle over HTTP (rest-dialect.md §18 trash, §19 revisions): the `deleted`
 * query parameter, the optional body of restore / purge / revert, and the headers of a revision list.
 * The runtime decides the rest (whether the resource has a trash or revisions, which revision exists).
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { DeletedMode, VersionOptions } from "../runtime/service-types.ts";
import { readOptionalJsonBody } from "./body.ts";
import { listHeaders } from "./content-range.ts";
import { expectedVersion } from "./versions.ts";

/** The values of `deleted` (§18.2): the live records (default), live and trashed, or the trash alone. */
export const DELETED_MODES: readonly DeletedMode[] = ["exclude", "include", "only"];

/** Parses `deleted=exclude|include|only`; undefined when the parameter is absent. */
export function parseDeletedParam(raw: string | undefined): DeletedMode | undefined {
  if (raw === undefined) return undefined;
  if (!(DELETED_MODES as readonly string[]).includes(raw)) {
    throw new AppError(
      "BAD_REQUEST",
      `Query parameter "deleted" must be ${DELETED_MODES.join(", ")} (only: the trash; include: live and trashed), got ${show(raw)}.`,
    );
  }
  return raw as DeletedMode;
}

/** A query parameter that may be given at most once; undefined when absent. */
export function optionalParam(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1)
    throw new AppError("BAD_REQUEST", `Query parameter "${name}" is given more than once; give it once.`);
  return values[0];
}

/**
 * The version a lifecycle action (restore, purge, revert) expects: `If-Match` (412 when stale) or a
 * body `{ "<version>": n }` (409 when stale), as on PUT (§17). The body is optional and carries nothing
 * else.
 */
export async function lifecycleVersion(
  resource: ResolvedResource,
  request: Request,
  maxBytes: number,
  action: string,
): Promise<VersionOptions> {
  const body = await readOptionalJsonBody(request, maxBytes);
  const field = resource.version?.field;
  if (body !== undefined) {
    const allowed = field ? `{ "${field}": n }` : "nothing";
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw new AppError(
        "BAD_REQUEST",
        `The body of ${action} is optional and may only be ${allowed}; got ${show(body)}.`,
      );
    const others = Object.keys(body).filter((k) => k !== field);
    if (others.length > 0)
      throw new AppError(
        "BAD_REQUEST",
        `The body of ${action} may only be ${allowed}; unexpected ${others.map((k) => `"${k}"`).join(", ")}.`,
      );
  }
  return expectedVersion(resource, request, body);
}

/** Refuses a body and `If-Match` on an action that takes neither (publish, §19.7). */
export async function noBodyNorVersion(request: Request, maxBytes: number, action: string): Promise<void> {
  if (request.headers.has("if-match"))
    throw new AppError("BAD_REQUEST", `${action} takes no If-Match: it changes no field, only the revision's status.`);
  const body = await readOptionalJsonBody(request, maxBytes);
  if (body !== undefined) throw new AppError("BAD_REQUEST", `${action} takes no body, got ${show(body)}.`);
}

/** The headers of a record's revision list (§19.1): every revision, so the range is the whole list. */
export function revisionListHeaders(count: number): Record<string, string> {
  return listHeaders("revisions", 0, count, count);
}
