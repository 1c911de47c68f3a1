/**
 * How the server logs a failure: a database outage (refused or lost connections, a server starting up or
 * shutting down) is expected to pass, after a restart or a failover, so it is one warning line with the
 * database's own reason; anything else is an error with its stack.
 */
import type { Logger } from "pino";
import { isDatabaseOutage } from "../runtime/service-errors.ts";

/**
 * Logs `error` under `message`: at warn without a stack when it is a database outage, at error otherwise.
 * @example logFailure(logger, error, "events: failure", { where: "dispatch" })
 */
export function logFailure(
  logger: Logger,
  error: unknown,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  if (isDatabaseOutage(error))
    logger.warn({ ...fields, reason: outageReason(error) }, `${message}: database unavailable`);
  else logger.error({ err: error, ...fields }, message);
}

/** What went wrong in an outage, for its log line: the innermost error's code and message. */
function outageReason(error: unknown): string {
  let inner: unknown = error;
  // An AppError wraps the storage error, which may wrap pg's: the innermost says most.
  while ((inner as { cause?: unknown } | null)?.cause instanceof Error) inner = (inner as { cause: unknown }).cause;
  const e = inner as { code?: unknown; message?: unknown };
  return [e.code, e.message].filter((part) => typeof part === "string" && part !== "").join(": ");
}
