/**
 * Medians of several operations measured in turns (a, b, c, a, b, c, ...), so that drift on a noisy
 * machine hits every operation alike; the first `warmup` rounds are not measured.
 */
export async function medians(
  fns: readonly (() => Promise<unknown>)[],
  repeat: number,
  warmup: number,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < repeat; i++) {
    for (const [k, fn] of fns.entries()) {
      const started = performance.now();
      await fn();
      times[k]?.push(performance.now() - started);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)] as number);
}
