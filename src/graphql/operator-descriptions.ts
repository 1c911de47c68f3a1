/** What each filter operator means, as the fields of GraphQL where inputs describe it. */
import type { Operator } from "../metadata/definition.ts";

/** The description of each operator's field in a where input. */
export const OPERATOR_DESCRIPTIONS: Readonly<Record<Operator, string>> = {
  eq: "Equal to (null: the field is null).",
  ne: "Not equal to; records where the field is null match too.",
  gt: "Greater than.",
  gte: "Greater than or equal to.",
  lt: "Less than.",
  lte: "Less than or equal to.",
  in: "Equal to one of the values.",
  notIn: "Equal to none of the values.",
  contains: "Contains the text (case-insensitive).",
  startsWith: "Starts with the text (case-insensitive).",
  endsWith: "Ends with the text (case-insensitive).",
  isNull: "true: the field is null; false: it is not.",
  like: "Matches the pattern, case-insensitive: % is any run of characters, _ one character, \\ escapes them.",
  regex: "Matches the POSIX regular expression (PostgreSQL ~, case-sensitive; start with (?i) to ignore case).",
};
