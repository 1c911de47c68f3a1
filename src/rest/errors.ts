/**
 * Errors as REST answers them (rest-dialect.md §7): an {@link AppError} becomes its code's status and
 * the body react-admin forms read, `{ message, code, errors?: { field: message } }`. Anything else is a
 * bug: it is reported through `onUnexpectedError` and answered with a bare 500, so no internal detail
 * (stack, SQL, Prisma message) reaches a client.
 */
import { type AppError, type ErrorCode, isAppError } from "../runtime/errors.ts";
import { unavailableError } from "../runtime/service-errors.ts";
import { jsonResponse } from "./response.ts";

/** The body of every error response. */
export interface ErrorBody {
  /** What was expected and what arrived, written for the client. */
  message: string;
  code: ErrorCode;
  /** Per-field messages (validation, conflicts), keyed by field name; only when there are some. */
  errors?: Record<string, string>;
  /** Extra machine-readable details safe to show to clients. */
  details?: Record<string, unknown>;
}

/** The body of an {@link AppError}'s answer. */
export function errorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { message: error.message, code: error.code };
  if (error.fields && Object.keys(error.fields).length > 0) body.errors = { ...error.fields };
  if (error.details) body.details = error.details;
  return body;
}

/**
 * Seconds a client is asked to wait after a 503 (`Retry-After`): an embedded PostgreSQL restarted by its
 * supervisor, or a server finishing crash recovery, is back in about that long.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * The `Retry-After` of a TIMEOUT: long enough for the load that made the work slow to pass, short
 * enough that a client retrying a read it needs is not kept waiting.
 */
export const TIMEOUT_RETRY_AFTER_SECONDS = 5;

/**
 * Answers `error` as JSON; unexpected errors go to `onUnexpectedError` and answer 500. A database
 * outage answers 503 with `Retry-After`, and is reported to `onUnexpectedError` too, so it is logged
 * (the reporter tells it apart, runtime/service-errors.ts isDatabaseOutage).
 */
export function errorResponse(
  error: unknown,
  onUnexpectedError: (error: unknown) => void,
  headers?: Record<string, string>,
): Response {
  const known = isAppError(error) ? error : unavailableError(error);
  if (known?.code === "UNAVAILABLE" && known.cause !== undefined) report(onUnexpectedError, known);
  // RFC 9110 §11.6.1: a 401 names the scheme it wants; §10.2.3: a 503 may say when to come back.
  if (known)
    return jsonResponse(
      errorBody(known),
      known.status,
      known.code === "UNAUTHENTICATED"
        ? { "WWW-Authenticate": 'Bearer realm="autograph"', ...headers }
        : known.code === "UNAVAILABLE"
          ? { "Retry-After": String(UNAVAILABLE_RETRY_AFTER_SECONDS), ...headers }
          : known.code === "TIMEOUT"
            ? { "Retry-After": String(TIMEOUT_RETRY_AFTER_SECONDS), ...headers }
            : headers,
    );
  report(onUnexpectedError, error);
  const body: ErrorBody = { message: "Internal server error", code: "INTERNAL" };
  return jsonResponse(body, 500, headers);
}

function report(onUnexpectedError: (error: unknown) => void, error: unknown): void {
  try {
    onUnexpectedError(error);
  } catch {
    // A failing reporter must not turn a 500 into a crash.
  }
}
