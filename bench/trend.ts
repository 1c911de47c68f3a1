/**
 * The trend of a series of per-minute figures (RSS, p99) in the soak: the least-squares line through
 * them, its slope per minute and how much of the variation it explains (R²).
 */

/** A least-squares line `y = intercept + slope × x`. */
export interface Trend {
  /** Change per unit of x (per minute in the soak). */
  readonly slope: number;
  /** The line's value at the first x. */
  readonly start: number;
  /** Share of the variance of y the line explains, 0 to 1 (0 when y does not vary). */
  readonly r2: number;
}

/**
 * Fits a line through the points by least squares.
 * @throws {Error} with fewer than two points, or when all x are equal.
 * @example leastSquares([[1, 100], [2, 102], [3, 104]]) // { slope: 2, start: 100, r2: 1 }
 */
export function leastSquares(points: readonly (readonly [number, number])[]): Trend {
  if (points.length < 2) throw new Error(`A trend needs at least two points, got ${points.length}.`);
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
    syy += (y - meanY) ** 2;
  }
  if (sxx === 0) throw new Error("A trend needs points at more than one x.");
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  return {
    slope,
    start: intercept + slope * (points[0] as readonly [number, number])[0],
    r2: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy),
  };
}
