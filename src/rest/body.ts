/**
 * Request bodies of writes (rest-dialect.md §6, §9): JSON, read with a size limit (multipart.ts reads
 * the multipart/form-data bodies that carry a record's files, §6.8). A declared
 * `Content-Length` over the limit is refused before reading; a body without one (chunked) is counted
 * while it streams and refused as soon as it passes the limit, so a huge upload never sits in memory.
 */
import { AppError, show } from "../runtime/errors.ts";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Reads and parses a JSON request body of at most `maxBytes` bytes. */
export async function readJsonBody(request: Request, maxBytes: number, expected = "a JSON object"): Promise<unknown> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
  const type = request.headers.get("content-type");
  // 415 is not in the closed set of codes: a wrong media type is a bad request that says what to send.
  if (type === null || !JSON_TYPE.test(type)) {
    throw new AppError(
      "BAD_REQUEST",
      `Expected a JSON body with Content-Type: application/json, got ${type === null ? "no Content-Type" : show(type)}.`,
    );
  }
  const text = await readText(request, maxBytes);
  if (text.trim() === "") throw new AppError("BAD_REQUEST", `Request body is empty: expected ${expected}.`);
  return parseJson(text);
}

/**
 * A body that may be left out (the lifecycle actions of §18 and §19): undefined when there is none, as
 * react-admin sends a bodiless POST (with or without `Content-Type: text/plain`); a body that is there
 * must be JSON, read as {@link readJsonBody} reads it.
 */
export async function readOptionalJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
  const text = await readText(request, maxBytes);
  if (text.trim() === "") return undefined;
  const type = request.headers.get("content-type");
  if (type === null || !JSON_TYPE.test(type)) {
    throw new AppError(
      "BAD_REQUEST",
      `Expected no body, or a JSON body with Content-Type: application/json; got ${type === null ? "no Content-Type" : show(type)}.`,
    );
  }
  return parseJson(text);
}

/** The 413 of a request body over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `Request body is too large: at most ${maxBytes} bytes.`, {
    details: { maxBytes },
  });
}

/** Parses JSON text a client sent as `what`; 400 saying why when it is not JSON. */
export function parseJson(text: string, what = "Request body"): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? ` (${error.message})` : "";
    throw new AppError("BAD_REQUEST", `${what} is not valid JSON${reason}.`);
  }
}

async function readText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}
