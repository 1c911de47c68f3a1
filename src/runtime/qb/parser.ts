/**
 * The grammar of `qb` (querying.md, "QB expressions", has the EBNF): recursive descent with one token
 * of lookahead and no backtracking, so parsing is linear in the number of tokens. Nesting is bounded
 * (`maxDepth`) so hostile input cannot exhaust the stack, and lists are bounded (`maxListItems`).
 */
import { datetimeValue, MAX_DATETIME_PARTS } from "./datetime.ts";
import { expected, QbError } from "./errors.ts";
import { describeToken, type Punctuation, type Token } from "./lexer.ts";
import type { CompareOperator, SyntaxNode } from "./syntax.ts";

/** Bounds on what one expression may hold. */
export interface ParseLimits {
  /** Deepest nesting of parentheses, `~`, call arguments and lists. @default 32 */
  maxDepth: number;
  /** Most items in one list literal. @default 1000 */
  maxListItems: number;
}

const COMPARE: ReadonlySet<string> = new Set<CompareOperator>(["==", "!=", ">", ">=", "<", "<=", "<<", ">>", "%"]);
const LITERAL_NAMES: ReadonlyMap<string, boolean | null> = new Map([
  ["True", true],
  ["true", true],
  ["False", false],
  ["false", false],
  ["None", null],
  ["null", null],
]);
const VALUE = "a value (a quoted string, a number, true, false, None, datetime(...) or a list)";
const OPERAND = `a condition or a value: QB['field'], QB.<helper>(...), "~", "(", a quoted string, a number, true, false, None or a list`;

/** Parses the tokens of one expression into its syntax tree. Throws {@link QbError} at the first token that does not fit. */
export function parse(tokens: readonly Token[], limits: ParseLimits): SyntaxNode {
  let at = 0;
  let depth = 0;
  const peek = (): Token => tokens[at] as Token;
  const isPunct = (text: Punctuation): boolean => {
    const t = peek();
    return t.kind === "punct" && t.text === text;
  };
  const next = (): Token => tokens[at < tokens.length - 1 ? at++ : at] as Token;
  const fail = (what: string, note = ""): never => {
    throw expected(peek().column, what, describeToken(peek()), note);
  };
  const expectPunct = (text: Punctuation, what = `"${text}"`, note = ""): Token =>
    isPunct(text) ? next() : fail(what, note);
  /** Runs `body` one level deeper, refusing to go past `maxDepth`. */
  const nested = <T>(column: number, body: () => T): T => {
    if (++depth > limits.maxDepth)
      throw new QbError(
        column,
        "nesting",
        ` goes deeper than ${limits.maxDepth} levels; flatten the expression (QB.all(a, b, c) instead of nested groups)`,
      );
    const result = body();
    depth--;
    return result;
  };

  // expression = conjunction { "|" conjunction }
  const expression = (): SyntaxNode => chain("or", "|", conjunction);
  // conjunction = negation { "&" negation }
  const conjunction = (): SyntaxNode => chain("and", "&", negation);
  const chain = (kind: "and" | "or", op: Punctuation, operand: () => SyntaxNode): SyntaxNode => {
    const first = operand();
    if (!isPunct(op)) return first;
    const operands = [first];
    while (isPunct(op)) {
      next();
      operands.push(operand());
    }
    return { kind, operands, column: first.column };
  };
  // negation = "~" negation | comparison
  const negation = (): SyntaxNode => {
    if (!isPunct("~")) return comparison();
    const column = next().column;
    return nested(column, () => ({ kind: "not", operand: negation(), column }));
  };
  // comparison = postfix [ compare-op value ]
  const comparison = (): SyntaxNode => {
    const left = postfix();
    const t = peek();
    if (t.kind !== "punct" || !COMPARE.has(t.text)) return left;
    next();
    const right = value(VALUE);
    const after = peek();
    if (after.kind === "punct" && COMPARE.has(after.text)) {
      throw new QbError(
        after.column,
        `"${after.text}"`,
        ` would chain a second comparison after "${t.text}"; comparisons do not chain: combine them with & (QB['views'] > 1) & (QB['views'] < 9)`,
      );
    }
    return { kind: "compare", op: t.text as CompareOperator, left, right, column: t.column };
  };
  // postfix = primary { "." NAME arguments }
  const postfix = (): SyntaxNode => {
    let node = primary();
    while (isPunct(".")) {
      next();
      const name = peek();
      if (name.kind !== "name") return fail("a method name", ' after "."');
      next();
      node = { kind: "call", target: node, name: name.text, args: callArguments(name.text), column: name.column };
    }
    return node;
  };
  // primary = "QB" "[" STRING "]" | "QB" "." NAME arguments | "(" expression ")" | value
  const primary = (): SyntaxNode => {
    const t = peek();
    if (t.kind === "name" && t.text === "QB") {
      next();
      if (isPunct("[")) {
        next();
        const name = peek();
        if (name.kind !== "string") return fail("a quoted field name", " (QB['views'] or QB[\"views\"])");
        next();
        expectPunct("]", `"]"`, " after the field name");
        return { kind: "field", path: name.value, column: t.column };
      }
      if (isPunct(".")) {
        next();
        const name = peek();
        if (name.kind !== "name") return fail("a helper name", ' after "QB." (QB.all, QB.any, QB.created_time, ...)');
        next();
        return { kind: "qb", name: name.text, args: callArguments(`QB.${name.text}`), column: t.column };
      }
      return fail(`"[" or "."`, " after QB (QB['field'] or QB.<helper>(...))");
    }
    if (isPunct("(")) {
      next();
      return nested(t.column, () => {
        const inner = expression();
        expectPunct(")", `")"`, ` (the "(" at column ${t.column} is not closed)`);
        return inner;
      });
    }
    return value(OPERAND);
  };
  // arguments = "(" [ expression { "," expression } [ "," ] ] ")"
  const callArguments = (name: string): SyntaxNode[] => {
    const open = expectPunct("(", `"("`, ` after ${name} (methods are called: ${name}(...))`);
    return nested(open.column, () => {
      const args: SyntaxNode[] = [];
      while (!isPunct(")")) {
        args.push(expression());
        if (!isPunct(",")) break;
        next();
      }
      expectPunct(
        ")",
        args.length === 0 ? `")"` : `"," or ")"`,
        ` (in the arguments of ${name}(), which open at column ${open.column})`,
      );
      return args;
    });
  };
  // value = STRING | NUMBER | "true" | "false" | "True" | "False" | "None" | "null" | list
  const value = (what: string): SyntaxNode => {
    const t = peek();
    if (t.kind === "string" || t.kind === "number") {
      next();
      return { kind: "value", value: t.value, column: t.column };
    }
    if (t.kind === "name" && LITERAL_NAMES.has(t.text)) {
      next();
      return { kind: "value", value: LITERAL_NAMES.get(t.text) as boolean | null, column: t.column };
    }
    if (t.kind === "name" && (t.text === "datetime" || t.text === "dt")) return datetime(t.text);
    if (isPunct("[")) return list();
    return fail(what);
  };
  // datetime = ( "datetime" [ "." "datetime" ] | "dt" "." "datetime" ) "(" [ ( STRING | NUMBER ) { "," NUMBER } ] ")"
  const datetime = (first: string): SyntaxNode => {
    const start = next();
    if (first === "dt" || isPunct(".")) {
      expectPunct(".", `"."`, " after dt (dt.datetime(2024, 1, 31))");
      const name = peek();
      if (name.kind !== "name" || name.text !== "datetime") return fail(`"datetime"`, ` after "${first}."`);
      next();
    }
    const open = expectPunct("(", `"("`, " after datetime (datetime(2024, 1, 31) or datetime('2024-01-31T12:00:00Z'))");
    const args: Token[] = [];
    while (!isPunct(")")) {
      const a = peek();
      if (a.kind !== "number" && a.kind !== "string")
        return fail("a number or a quoted ISO 8601 date", " in datetime()");
      if (args.length === MAX_DATETIME_PARTS)
        return fail(
          `")"`,
          ` (datetime() takes at most ${MAX_DATETIME_PARTS} parts: year, month, day, hour, minute, second, microsecond)`,
        );
      args.push(next());
      if (!isPunct(",")) break;
      next();
    }
    expectPunct(")", `"," or ")"`, ` (in datetime(), which opens at column ${open.column})`);
    return { kind: "value", value: datetimeValue(args, start.column), column: start.column };
  };
  // list = "[" [ value { "," value } [ "," ] ] "]"
  const list = (): SyntaxNode => {
    const open = next();
    return nested(open.column, () => {
      const items: SyntaxNode[] = [];
      while (!isPunct("]")) {
        if (items.length === limits.maxListItems)
          throw new QbError(
            peek().column,
            `item ${items.length + 1}`,
            ` is one too many for the list at column ${open.column}: at most ${limits.maxListItems} items`,
          );
        items.push(value(VALUE));
        if (!isPunct(",")) break;
        next();
      }
      expectPunct("]", `"," or "]"`, ` (in the list that opens at column ${open.column})`);
      return { kind: "list", items, column: open.column };
    });
  };

  const tree = expression();
  // A modifier right after a comparison's value (`QB['views'] > 10 .limit(5)`) would apply to the value.
  if (peek().kind !== "end")
    fail(
      `"&", "|" or end of input`,
      isPunct(".")
        ? " (to apply a modifier to the whole expression, wrap it in parentheses: (QB['views'] > 10).limit(5))"
        : "",
    );
  return tree;
}
