/**
 * The syntax tree of a `qb` expression, as the parser builds it: shapes only, no meaning. Which names
 * are methods, what their arguments must be and what a comparison compares is the evaluator's to
 * decide (evaluate.ts). Every node keeps the column it starts at, for error messages.
 */

/** The comparison operators and their method equivalents (`<<` is `in_`, `>>` is `contains`, `%` is `regex`). */
export type CompareOperator = "==" | "!=" | ">" | ">=" | "<" | "<=" | "<<" | ">>" | "%";

/** A literal: string, number, true/false (also True/False), None/null. */
export type Scalar = string | number | boolean | null;

export type SyntaxNode =
  /** `QB['views']`, `QB["author.name"]` */
  | { readonly kind: "field"; readonly path: string; readonly column: number }
  /** `QB.all(...)`, `QB.created_time()`: a call on QB itself. `column` is the one of `QB`. */
  | { readonly kind: "qb"; readonly name: string; readonly args: readonly SyntaxNode[]; readonly column: number }
  /** `target.name(...)`. `column` is the name's. */
  | {
      readonly kind: "call";
      readonly target: SyntaxNode;
      readonly name: string;
      readonly args: readonly SyntaxNode[];
      readonly column: number;
    }
  /** `left op right`; `right` is always a value or a list. `column` is the operator's. */
  | {
      readonly kind: "compare";
      readonly op: CompareOperator;
      readonly left: SyntaxNode;
      readonly right: SyntaxNode;
      readonly column: number;
    }
  | { readonly kind: "not"; readonly operand: SyntaxNode; readonly column: number }
  /** `a & b & c` / `a | b | c`: one node per run of the same operator. `column` is the first operand's. */
  | { readonly kind: "and" | "or"; readonly operands: readonly SyntaxNode[]; readonly column: number }
  | { readonly kind: "value"; readonly value: Scalar; readonly column: number }
  | { readonly kind: "list"; readonly items: readonly SyntaxNode[]; readonly column: number };

/** The column a node's text starts at (a call starts where its target does). */
export function startOf(node: SyntaxNode): number {
  switch (node.kind) {
    case "call":
      return startOf(node.target);
    case "compare":
      return startOf(node.left);
    default:
      return node.column;
  }
}
