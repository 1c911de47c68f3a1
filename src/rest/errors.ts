/**
 * Errors as REST answers them (rest-dialect.md §7): an {@link AppError} becomes its code's status and
 * the body react-admin forms read, `{ message, code, errors?: { field: message } }`. Anything else is a
 * bug: it is reported through `onUnexpectedError` and answered with a bare 500, so no internal detail
 * (stack, SQL, Prisma message) reaches a client.
 */
import { type AppError, type ErrorCode, isAppError } from "../runtime/errors.ts";
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
 * The `Retry-After` of a TIMEOUT: long enough for the load that made the work slow to pass, short
 * enough that a client retrying a read it needs is not kept waiting.
 */
export const TIMEOUT_RETRY_AFTER_SECONDS = 5;

/** Answers `error` as JSON; unexpected errors go to `onUnexpectedError` and answer 500. */
export function errorResponse(
  error: unknown,
  onUnexpectedError: (error: unknown) => void,
  headers?: Record<string, string>,
): Response {
  // RFC 9110 §11.6.1: a 401 names the scheme it wants; §10.2.3: a 503 may say when to come back.
  if (isAppError(error))
    return jsonResponse(
      errorBody(error),
      error.status,
      error.code === "UNAUTHENTICATED"
        ? { "WWW-Authenticate": 'Bearer realm="autograph"', ...headers }
        : error.code === "TIMEOUT"
          ? { "Retry-After": String(TIMEOUT_RETRY_AFTER_SECONDS), ...headers }
          : headers,
    );
  try {
    onUnexpectedError(error);
  } catch {
    // A failing reporter must not turn a 500 into a crash.
  }
  const body: ErrorBody = { message: "Internal server error", code: "INTERNAL" };
  return jsonResponse(body, 500, headers);
}
