// The soak's verdict rests on this line fit: a steady rise, a flat series with noise, and the refusals.
import { describe, expect, it } from "vitest";
import { leastSquares } from "../../bench/trend.ts";

describe("leastSquares", () => {
  it("fits a steady rise exactly", () => {
    const trend = leastSquares([
      [2, 104],
      [3, 106],
      [4, 108],
    ]);
    expect(trend.slope).toBeCloseTo(2);
    expect(trend.start).toBeCloseTo(104);
    expect(trend.r2).toBeCloseTo(1);
  });

  it("finds no slope in a series that only breathes", () => {
    const trend = leastSquares([
      [1, 200],
      [2, 210],
      [3, 200],
      [4, 210],
      [5, 200],
      [6, 210],
      [7, 200],
    ]);
    expect(Math.abs(trend.slope)).toBeLessThan(1);
    expect(trend.r2).toBeLessThan(0.1);
  });

  it("refuses fewer than two points, or a single x", () => {
    expect(() => leastSquares([[1, 1]])).toThrow("at least two points, got 1");
    expect(() =>
      leastSquares([
        [1, 1],
        [1, 2],
      ]),
    ).toThrow("more than one x");
  });
});
