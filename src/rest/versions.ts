/**
 * Optimistic concurrency over HTTP (rest-dialect.md §17): the version of a record is its ETag; a write
 * names the version it read with `If-Match` (412 when stale) or a `version` in the body (409 when stale,
 * as react-admin sends the record back whole).
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { ResourceRecord, VersionOptions } from "../runtime/service.ts";

/** The ETag header of a record of a versioned resource. */
export function etagHeader(resource: ResolvedResource, record: ResourceRecord): Record<string, string> {
  const version = resource.version && record[resource.version.field];
  return typeof version === "number" ? { ETag: `"${version}"` } : {};
}

/** The version a write expects, from `If-Match` or the body's version field. */
export function expectedVersion(resource: ResolvedResource, request: Request, body?: unknown): VersionOptions {
  if (!resource.version) return {};
  const header = request.headers.get("if-match")?.trim();
  let fromHeader: number | undefined;
  if (header && header !== "*") {
    const m = /^(?:W\/)?"(\d{1,15})"$/.exec(header);
    if (!m) throw new AppError("BAD_REQUEST", `If-Match must be an ETag this API sent, like "3"; got ${show(header)}.`);
    fromHeader = Number(m[1]);
  }
  const field = resource.version.field;
  const raw = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>)[field] : undefined;
  let fromBody: number | undefined;
  if (raw !== undefined && raw !== null) {
    fromBody = typeof raw === "number" ? raw : typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(fromBody)) throw new AppError("BAD_REQUEST", `"${field}" must be the whole number you read, got ${show(raw)}.`);
  }
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new AppError("BAD_REQUEST", `If-Match (${fromHeader}) and the body's ${field} (${fromBody}) disagree.`);
  }
  if (fromHeader !== undefined) return { expectedVersion: fromHeader, mismatch: "PRECONDITION_FAILED" };
  if (fromBody !== undefined) return { expectedVersion: fromBody, mismatch: "CONFLICT" };
  return {};
}
