/**
 * The one error type of the platform. Its codes form a closed set, mapped exhaustively to HTTP
 * statuses; transports turn it into REST bodies or GraphQL errors, and mask anything else.
 */

/** Every error code and its HTTP status. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  /** The work took longer than the server allows (a statement timeout or the request timeout); retry later, or ask for less. */
  TIMEOUT: 503,
} as const satisfies Record<string, number>;

/** One error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** Options of {@link AppError}. */
export interface AppErrorOptions {
  /** Per-field messages (validation), keyed by field name. */
  fields?: Record<string, string>;
  /** Extra machine-readable details safe to show to clients. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * An expected error: its message is written for the client and says what was expected and what arrived.
 * @example throw new AppError("NOT_FOUND", `No post with id 42.`)
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string> | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.fields = options.fields;
    this.details = options.details;
  }
  /** The HTTP status of this error's code. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** Whether `error` is an {@link AppError} (also across module copies). */
export function isAppError(error: unknown): error is AppError {
  return (
    error instanceof AppError ||
    (error instanceof Error && error.name === "AppError" && "code" in error && (error as AppError).code in ERROR_STATUS)
  );
}

/** Shows a client value in a message, shortened so a huge input cannot flood a response. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Circular, BigInt or nested too deeply to print: say what it is, not what it holds.
    text = Array.isArray(value) ? "(a list)" : typeof value === "object" ? "(an object)" : typeof value;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
