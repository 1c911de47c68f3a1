/**
 * The tokens of a `qb` expression (querying.md, "QB expressions"). One pass over the text, one
 * character of lookahead, no regular expressions: the cost is linear in the length, whatever the input.
 */
import { expected, QbError } from "./errors.ts";

/** Punctuation and operators, longest first where one is a prefix of another (`<<` before `<`). */
export const PUNCTUATION = [
  "==",
  "!=",
  ">=",
  "<=",
  "<<",
  ">>",
  ">",
  "<",
  "[",
  "]",
  "(",
  ")",
  ",",
  ".",
  "~",
  "&",
  "|",
  "%",
] as const;
/** One punctuation or operator token. */
export type Punctuation = (typeof PUNCTUATION)[number];

/** One token. `column` is where it starts, counting characters from 1 (UTF-16 code units). */
export type Token =
  | { readonly kind: "name"; readonly text: string; readonly column: number }
  | { readonly kind: "string"; readonly value: string; readonly text: string; readonly column: number }
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly column: number }
  | { readonly kind: "punct"; readonly text: Punctuation; readonly column: number }
  | { readonly kind: "end"; readonly column: number };

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ["\\", "\\"],
  ["'", "'"],
  ['"', '"'],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
  ["b", "\b"],
  ["f", "\f"],
  ["0", "\0"],
]);

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isNameStart = (c: string | undefined) =>
  c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");
const isNamePart = (c: string | undefined) => isNameStart(c) || isDigit(c);
const isHex = (c: string | undefined) =>
  c !== undefined && ((c >= "0" && c <= "9") || (c >= "a" && c <= "f") || (c >= "A" && c <= "F"));
const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r";

/** Splits `text` into tokens, ending with an `end` token. Throws {@link QbError} on a character no token starts with. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const column = i + 1;
    if (c === "'" || c === '"') {
      const { value, end } = readString(text, i);
      tokens.push({ kind: "string", value, text: text.slice(i, end), column });
      i = end;
    } else if (isDigit(c) || (c === "-" && isDigit(text[i + 1]))) {
      const end = readNumber(text, i);
      const source = text.slice(i, end);
      tokens.push({ kind: "number", value: Number(source), text: source, column });
      i = end;
    } else if (isNameStart(c)) {
      let end = i + 1;
      while (isNamePart(text[end])) end++;
      tokens.push({ kind: "name", text: text.slice(i, end), column });
      i = end;
    } else {
      const punct = c === "." && isDigit(text[i + 1]) ? undefined : PUNCTUATION.find((p) => text.startsWith(p, i));
      if (!punct) throw unexpectedCharacter(column, c, text[i + 1]);
      tokens.push({ kind: "punct", text: punct, column });
      i += punct.length;
    }
  }
  tokens.push({ kind: "end", column: text.length + 1 });
  return tokens;
}

function unexpectedCharacter(column: number, c: string, next: string | undefined): QbError {
  if (c === "=") return new QbError(column, `unexpected "="`, `; compare with "=="`);
  if (c === "!") return new QbError(column, `unexpected "!"`, `; negate with "~", compare with "!="`);
  if (c === "-") return new QbError(column, `unexpected "-"`, `; only a number may start with "-" (-5)`);
  if (c === "." && isDigit(next))
    return new QbError(column, `unexpected "."`, `; write a digit before the point (0.5)`);
  const code = c.codePointAt(0) ?? 0;
  const shown =
    code < 0x20 || code === 0x7f
      ? `U+${code.toString(16).toUpperCase().padStart(4, "0")}`
      : JSON.stringify(String.fromCodePoint(code));
  return new QbError(column, `unexpected character ${shown}`);
}

/** A quoted string starting at `start`, with Python's common escapes. */
function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start] as string;
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === quote) return { value, end: i + 1 };
    if (c !== "\\") {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) break;
    const escaped = ESCAPES.get(e);
    if (escaped !== undefined) {
      value += escaped;
      i += 2;
    } else if (e === "x" || e === "u") {
      const digits = e === "x" ? 2 : 4;
      const hex = text.slice(i + 2, i + 2 + digits);
      if (hex.length !== digits || ![...hex].every(isHex)) {
        throw expected(i + 1, `${digits} hex digits after "\\${e}"`, hex === "" ? "end of input" : JSON.stringify(hex));
      }
      value += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2 + digits;
    } else {
      throw new QbError(
        i + 1,
        `unknown escape "\\${e}" in a string`,
        `; escapes: \\\\ \\' \\" \\n \\r \\t \\b \\f \\0 \\xHH \\uHHHH`,
      );
    }
  }
  throw expected(text.length + 1, quote, "end of input", ` (the string at column ${start + 1} is not closed)`);
}

/** An integer or decimal number (optionally negative, optionally with an exponent) starting at `start`. */
function readNumber(text: string, start: number): number {
  let i = start + (text[start] === "-" ? 1 : 0);
  while (isDigit(text[i])) i++;
  if (text[i] === "." && isDigit(text[i + 1])) {
    i++;
    while (isDigit(text[i])) i++;
  }
  if (
    (text[i] === "e" || text[i] === "E") &&
    (isDigit(text[i + 1]) || ((text[i + 1] === "+" || text[i + 1] === "-") && isDigit(text[i + 2])))
  ) {
    i += 2;
    while (isDigit(text[i])) i++;
  }
  if (isNamePart(text[i])) throw expected(i + 1, "a digit or the end of the number", JSON.stringify(text[i]));
  return i;
}

/** How a token reads in "found …" of an error message. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case "end":
      return "end of input";
    case "punct":
      return `"${token.text}"`;
    case "name":
      return `name ${short(token.text)}`;
    case "string":
      return `string ${short(token.text)}`;
    case "number":
      return `number ${short(token.text)}`;
  }
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
