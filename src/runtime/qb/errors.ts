/**
 * Errors of a `qb` expression. Each one knows the column it is about, so the client's 400 says where
 * (`qb: expected ")" at column 27, found end of input`); the entry point turns them into
 * {@link AppError}s.
 */
import { AppError } from "../errors.ts";

/** A problem at a column of the expression: `${head} at column ${column}${tail}`. */
export class QbError extends Error {
  readonly column: number;
  constructor(column: number, head: string, tail = "") {
    super(`${head} at column ${column}${tail}`);
    this.name = "QbError";
    this.column = column;
  }
}

/** "expected `what` at column N, found `found``note`". */
export function expected(column: number, what: string, found: string, note = ""): QbError {
  return new QbError(column, `expected ${what}`, `, found ${found}${note}`);
}

/** The 400 a client sees for `error` in query parameter `param`; the column is also in `details`. */
export function badQb(param: string, error: QbError): AppError {
  return new AppError("BAD_REQUEST", `${param}: ${error.message}.`, {
    details: { parameter: param, column: error.column },
  });
}
