/**
 * What a Prisma (driver adapter) or `pg` error means in storage terms: a unique or foreign key refused, a
 * missing row, a refused value, or an outage (the server down, starting up, shutting down, or the
 * connection lost), which transports answer with 503.
 */

/** What a Prisma error means, in storage terms. */
export type StorageFailure =
  | { kind: "unique"; fields: string[] }
  | { kind: "notFound" }
  | { kind: "foreignKey"; constraint: string | undefined }
  | { kind: "unavailable" }
  /** PostgreSQL cancelled the statement (57014, query_canceled): it ran past `statement_timeout`. */
  | { kind: "timeout" }
  | { kind: "valueOutOfRange"; message: string }
  /** PostgreSQL refused a value (SQLSTATE class 22, data exception, or 54, program limit exceeded). */
  | { kind: "invalidValue" }
  /** PostgreSQL refused a filter's regular expression (2201B); `message` is its own, e.g. "parentheses () not balanced". */
  | { kind: "invalidRegex"; message: string };

/** SQLSTATE query_canceled: `statement_timeout` (or a cancel request) stopped the statement. */
const QUERY_CANCELED = "57014";

/** Classifies a Prisma (driver adapter) or `pg` error; `undefined` when it is not a known failure. */
export function classifyStorageError(error: unknown): StorageFailure | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { code?: string; meta?: Record<string, unknown>; name?: string; message?: string };
  const cause = (e.meta?.driverAdapterError as { cause?: Record<string, unknown> } | undefined)?.cause;
  switch (e.code) {
    case "P2002": {
      // With driver adapters, the columns are in the adapter error, not meta.target.
      const fromCause = (cause?.constraint as { fields?: string[] } | undefined)?.fields;
      const target = e.meta?.target;
      const fields =
        fromCause ?? (Array.isArray(target) ? (target as string[]) : typeof target === "string" ? [target] : []);
      return { kind: "unique", fields: fields.map((f) => f.replaceAll('"', "")) };
    }
    case "P2025":
    case "P2001":
      return { kind: "notFound" };
    case "P2003": {
      const constraint =
        (cause?.constraint as { index?: string } | undefined)?.index ?? (e.meta?.field_name as string | undefined);
      return { kind: "foreignKey", constraint };
    }
    case "P2020":
    case "P2000":
      return { kind: "valueOutOfRange", message: e.message ?? "value out of range" };
    case "P1001":
    case "P1002":
    case "P1008":
    case "P1017":
    case "P2024":
    case "P2037":
      return { kind: "unavailable" };
    case "P2028":
      // A transaction that could not start within its wait (every connection busy) is an outage for
      // now; one that ran past its lifetime ran out of time.
      return /unable to start a transaction/i.test(e.message ?? "") ? { kind: "unavailable" } : { kind: "timeout" };
  }
  // A `pg` error (compiled reads and writes run on the pool): its code is the SQLSTATE, or a socket error's code.
  if (typeof e.code === "string" && (e as { severity?: unknown }).severity !== undefined) {
    const pgError = e as { detail?: string; constraint?: string };
    // The columns as the adapter reads them for Prisma's P2002: from "Key (a, b)=(…) already exists."
    if (e.code === "23505")
      return {
        kind: "unique",
        fields: (pgError.detail?.match(/Key \(([^)]+)\)/)?.[1]?.split(", ") ?? []).map((f) => f.replaceAll('"', "")),
      };
    if (e.code === "23503") return { kind: "foreignKey", constraint: pgError.constraint };
    if (e.code === "2201B")
      return { kind: "invalidRegex", message: (e.message ?? "").replace(/^invalid regular expression: /, "") };
    if (e.code.startsWith("22") || e.code.startsWith("54")) return { kind: "invalidValue" };
    if (e.code === QUERY_CANCELED) return { kind: "timeout" };
    if (isUnavailableSqlState(e.code)) return { kind: "unavailable" };
  }
  if (isConnectionFailure(e)) return { kind: "unavailable" };
  if (e.name === "DriverAdapterError" || cause) {
    const details = (cause ?? (e as { cause?: Record<string, unknown> }).cause) as
      | { kind?: string; originalCode?: string }
      | undefined;
    if (details?.kind === "UniqueConstraintViolation") return { kind: "unique", fields: [] };
    if (details?.kind === "ForeignKeyConstraintViolation") return { kind: "foreignKey", constraint: undefined };
    const sqlState = details?.originalCode;
    if (sqlState === QUERY_CANCELED) return { kind: "timeout" };
    if (typeof sqlState === "string" && (sqlState.startsWith("22") || sqlState.startsWith("54")))
      return { kind: "invalidValue" };
    // Prisma's adapter keeps the SQLSTATE of a refusal it has no kind for (57P03 "the database system is starting up").
    if (typeof sqlState === "string" && isUnavailableSqlState(sqlState)) return { kind: "unavailable" };
    if (details?.kind === "DatabaseNotReachable" || details?.kind === "ConnectionClosed")
      return { kind: "unavailable" };
  }
  // Errors the adapter does not know (pg's own "Connection terminated", a pool connect timeout) reach
  // Prisma's callers as they are, or as the cause of what Prisma throws.
  const inner = (e as { cause?: unknown }).cause;
  if (inner && typeof inner === "object" && inner !== error) {
    const failure = classifyStorageError(inner);
    if (failure?.kind === "unavailable") return failure;
  }
  return undefined;
}

/**
 * SQLSTATEs of a server that cannot serve now but will: class 08 (connection exception), 57P01-57P05
 * (admin or crash shutdown, starting up, idle session timeout) and 53300 (too many connections).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith("08") || code.startsWith("57P") || code === "53300";
}

/** pg's messages for a connection that could not be made or was lost, and the socket errors behind them. */
const CONNECTION_FAILURE_MESSAGES = [
  "Connection terminated unexpectedly",
  "Connection terminated due to connection timeout",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
];

function isConnectionFailure(e: { code?: string; message?: string }): boolean {
  return (
    e.code === "ECONNREFUSED" ||
    e.code === "ECONNRESET" ||
    e.code === "ETIMEDOUT" ||
    e.code === "EPIPE" ||
    (typeof e.message === "string" && CONNECTION_FAILURE_MESSAGES.some((m) => e.message?.startsWith(m)))
  );
}
