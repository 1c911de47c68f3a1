/**
 * Optimistic concurrency over HTTP (rest-dialect.md §17): the version of a record is its ETag; a write
 * names the version it read with `If-Match` (412 when stale) or a `version` in the body (409 when stale,
 * as react-admin sends the record back whole).
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { ResourceRecord, VersionOptions } from "../runtime/service-types.ts";

/** The ETag header of a record of a versioned resource. */
export function etagHeader(resource: ResolvedResource, record: ResourceRecord): Record<string, string> {
  const version = resource.version && record[resource.version.field];
  return typeof version === "number" ? { ETag: `"${version}"` } : {};
}

/** The version a write expects, from `If-Match` or the body's version field. */
export function expectedVersion(resource: ResolvedResource, request: Request, body?: unknown): VersionOptions {
  if (!resource.version) return {};
  const header = request.headers.get("if-match")?.trim();
  const fromHeader = header && header !== "*" ? ifMatchVersion(header) : undefined;
  const field = resource.version.field;
  const raw =
    body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>)[field] : undefined;
  let fromBody: number | undefined;
  if (raw !== undefined && raw !== null) {
    fromBody =
      typeof raw === "number" ? raw : typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(fromBody))
      throw new AppError("BAD_REQUEST", `"${field}" must be the whole number you read, got ${show(raw)}.`);
  }
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new AppError("BAD_REQUEST", `If-Match (${fromHeader}) and the body's ${field} (${fromBody}) disagree.`);
  }
  if (fromHeader !== undefined) return { expectedVersion: fromHeader, mismatch: "PRECONDITION_FAILED" };
  if (fromBody !== undefined) return { expectedVersion: fromBody, mismatch: "CONFLICT" };
  return {};
}

/** An entity-tag (RFC 9110 §8.8.3): opaque characters in quotes, optionally weak. */
const ENTITY_TAG = /^(?:W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/**
 * The version an `If-Match` list names. Malformed: 400. Well-formed but naming none of this API's
 * versions (`"stale-version"`): it can match no record, so 412, as RFC 9110 §13.1.1 has it. Several
 * versions: 400, as a write checks one.
 */
function ifMatchVersion(header: string): number {
  const versions = new Set<number>();
  for (const tag of header.split(",").map((t) => t.trim())) {
    const m = ENTITY_TAG.exec(tag);
    if (!m) throw new AppError("BAD_REQUEST", `If-Match must be an ETag this API sent, like "3"; got ${show(header)}.`);
    if (/^\d{1,15}$/.test(m[1] as string)) versions.add(Number(m[1]));
  }
  if (versions.size === 0)
    throw new AppError(
      "PRECONDITION_FAILED",
      `If-Match ${show(header)} names no version of this record (its ETags are like "3"): the write is refused.`,
    );
  if (versions.size > 1)
    throw new AppError("BAD_REQUEST", `If-Match names ${versions.size} versions; name the one you read.`);
  return [...versions][0] as number;
}
