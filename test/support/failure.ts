/** The AppError a promise rejects with; fails the test if it resolves or rejects with anything else. */
import { expect } from "vitest";
import { AppError } from "../../src/runtime/errors.ts";

export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the call to fail");
}
