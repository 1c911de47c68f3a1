/**
 * Opaque, tamper-checked cursors for keyset pagination. A cursor carries the sort values of one row
 * and a signature of the sort it was made for, sealed with an HMAC: a forged or edited cursor, or one
 * used with another sort, is a 400.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "./errors.ts";

/** Seals and opens cursors with one secret. */
export class CursorCodec {
  readonly #secret: Buffer;

  constructor(secret: string | Buffer) {
    this.#secret = typeof secret === "string" ? Buffer.from(secret) : secret;
  }

  #mac(payload: string): Buffer {
    return createHmac("sha256", this.#secret).update(payload).digest().subarray(0, 16);
  }

  /** A cursor for `values` (one per sort key, id last) under the sort `signature`. */
  encode(signature: string, values: readonly unknown[]): string {
    const payload = Buffer.from(JSON.stringify({ s: signature, v: values.map(encodeValue) })).toString("base64url");
    return `${payload}.${this.#mac(payload).toString("base64url")}`;
  }

  /** The values of a cursor made for `signature`; 400 when it is forged, edited or made for another sort. */
  decode(signature: string, cursor: unknown): unknown[] {
    const invalid = () =>
      new AppError("BAD_REQUEST", "Invalid cursor: use a cursor exactly as a previous page returned it.");
    if (typeof cursor !== "string" || cursor.length > 4096) throw invalid();
    const [payload, mac, extra] = cursor.split(".");
    if (!payload || !mac || extra !== undefined) throw invalid();
    const expected = this.#mac(payload);
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const data = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { s: string; v: unknown[] };
    if (data.s !== signature)
      throw new AppError(
        "BAD_REQUEST",
        "This cursor was made for another sort or filter order; start again from the first page.",
      );
    return data.v.map(decodeValue);
  }
}

function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return { d: value.toISOString() };
  if (typeof value === "bigint") return { b: value.toString() };
  return value;
}

function decodeValue(value: unknown): unknown {
  if (value && typeof value === "object" && "d" in value) return new Date((value as { d: string }).d);
  if (value && typeof value === "object" && "b" in value) return BigInt((value as { b: string }).b);
  return value;
}
