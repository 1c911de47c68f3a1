/**
 * Why a replay (replay.ts) was refused or stopped: a target that is not empty, a log that does not reach
 * back to the first event, an `until` that is neither an event id nor a time, or an event the target
 * rejects. The message says which and what to do; the CLI prints it and exits 1.
 */
export class ReplayError extends Error {
  override readonly name = "ReplayError";
}
