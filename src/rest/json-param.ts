/** The JSON query parameters of the REST dialect (`filter`, `sort`, `range`): parsed, or a 400 naming them (rest-dialect.md §2). */
import { AppError, show } from "../runtime/errors.ts";

/** A JSON query parameter (`sort`, `filter`, `range`), parsed; 400 naming it, with an example, when it is not JSON. */
export function jsonParam(name: string, raw: string, example: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw new AppError(
      "BAD_REQUEST",
      `Query parameter "${name}" is not valid JSON${reason}. Expected e.g. ${name}=${example}, got ${show(raw)}.`,
    );
  }
}
