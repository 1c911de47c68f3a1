/**
 * Parameters that name a list of dot paths (`embed=author,comments.author`, `fields=title,author.name`):
 * a comma list or a JSON array, each path made of identifiers joined by dots.
 */
import { AppError, show } from "../runtime/errors.ts";

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How one such parameter reads, for its messages. */
export interface PathListParam {
  /** The parameter's name, e.g. `fields`. */
  name: string;
  /** An example value, e.g. `title,author.name`. */
  example: string;
  /** What its paths name, e.g. "field paths". */
  what: string;
  max: number;
}

/** The distinct paths of a comma list or JSON array; 400 naming the parameter when malformed or too many. */
export function parsePathList(raw: string, param: PathListParam): string[] {
  let items: unknown[];
  if (raw.trimStart().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!Array.isArray(parsed)) throw new SyntaxError("not an array");
      items = parsed;
    } catch {
      throw new AppError(
        "BAD_REQUEST",
        `Query parameter "${param.name}" must be a comma list (${param.name}=${param.example}) or a JSON array of ${param.what}; got ${show(raw)}.`,
      );
    }
  } else {
    items = raw.split(",").map((s) => s.trim());
  }
  const paths = [...new Set(items)];
  for (const path of paths) {
    if (typeof path !== "string" || !path.split(".").every((s) => SEGMENT.test(s))) {
      throw new AppError(
        "BAD_REQUEST",
        `Invalid path ${show(path)} in "${param.name}": expected names joined by dots, e.g. ${param.example.split(",").at(-1)}.`,
      );
    }
  }
  if (paths.length > param.max)
    throw new AppError(
      "BAD_REQUEST",
      `Too many ${param.what} in "${param.name}": ${paths.length}, at most ${param.max}.`,
    );
  return paths as string[];
}
