/**
 * What a database error means in storage terms: Prisma's (and its driver adapter's) errors and `pg`'s
 * (SQLSTATE or socket codes) classified into the few facts the runtime maps to its own error codes.
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
    case "P1017":
    case "P2024":
      return { kind: "unavailable" };
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
    if (e.code.startsWith("08") || e.code.startsWith("57P") || e.code === "53300") return { kind: "unavailable" };
  }
  if (
    e.code === "ECONNREFUSED" ||
    e.code === "ECONNRESET" ||
    e.code === "ETIMEDOUT" ||
    e.message === "Connection terminated unexpectedly"
  )
    return { kind: "unavailable" };
  if (e.name === "DriverAdapterError" || cause) {
    const details = (cause ?? (e as { cause?: Record<string, unknown> }).cause) as
      | { kind?: string; originalCode?: string }
      | undefined;
    if (details?.kind === "UniqueConstraintViolation") return { kind: "unique", fields: [] };
    // Raw queries (aggregates) on a server that is down or going away: P2010 with the adapter's reason.
    if (["DatabaseNotReachable", "ConnectionClosed"].includes(details?.kind ?? "")) return { kind: "unavailable" };
    if (details?.kind === "ForeignKeyConstraintViolation") return { kind: "foreignKey", constraint: undefined };
    const sqlState = details?.originalCode;
    if (sqlState === QUERY_CANCELED) return { kind: "timeout" };
    if (typeof sqlState === "string" && (sqlState.startsWith("22") || sqlState.startsWith("54")))
      return { kind: "invalidValue" };
    if (typeof sqlState === "string" && (sqlState.startsWith("08") || sqlState.startsWith("57P")))
      return { kind: "unavailable" };
  }
  return undefined;
}
