/**
 * Waiting for a condition that other processes make true (a count of acknowledged writes, of events a
 * subscriber received): polled every few milliseconds up to a deadline, so a test that would wait for
 * ever fails instead, saying what it waited for.
 */

/**
 * Resolves once `ready()` holds; rejects after `timeoutMs` with `what` (a text, or a function giving
 * one at that moment, e.g. with the counts reached).
 * @example await until(() => stream.changes.length >= 100, 30_000, () => `100 events (got ${stream.changes.length})`);
 */
export async function until(
  ready: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline)
      throw new Error(`Waited ${timeoutMs} ms for ${typeof what === "string" ? what : what()}, in vain.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
