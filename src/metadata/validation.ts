/**
 * Field validation rules: their authored shape (checked by zod with the rest of a definition) and
 * their resolution into the strict {@link ResolvedValidation}, where every rule is checked to fit the
 * field's kind. Pure: no I/O.
 */
import { z } from "zod";
import type { FieldValidation, Rule } from "./definition.ts";
import type { ResolvedRule, ResolvedValidation, ScalarKind } from "./resolved.ts";

const message = z.string().min(1, "a rule's message cannot be empty");
const rule = <T extends z.ZodType>(value: T) => z.union([value, z.tuple([value, message])]);
const bound = z.union([z.number(), z.string(), z.date()]);

/** The authored `validate` option of a field. */
export const fieldValidationSchema = z.strictObject({
  required: rule(z.boolean()).optional(),
  minLength: rule(z.int().min(0)).optional(),
  maxLength: rule(z.int().min(0)).optional(),
  pattern: rule(z.union([z.instanceof(RegExp), z.string()])).optional(),
  min: rule(bound).optional(),
  max: rule(bound).optional(),
  email: rule(z.boolean()).optional(),
  url: rule(z.boolean()).optional(),
  oneOf: z.array(z.unknown()).min(1).optional(),
  custom: z.function().optional(),
});

/** Names of the rules, for fixes that list them. */
export const VALIDATION_RULES = Object.keys(fieldValidationSchema.shape);

const TEXT_RULES = ["minLength", "maxLength", "pattern", "email", "url"] as const;
const NUMERIC: readonly ScalarKind[] = ["Int", "Float", "BigInt", "Decimal"];
const ONE_OF_KINDS: Readonly<Partial<Record<ScalarKind, string>>> = {
  String: "string",
  Uuid: "string",
  Enum: "string",
  Int: "number",
  Float: "number",
  Decimal: "number",
  BigInt: "number",
  Boolean: "boolean",
};

/** What resolving a field's rules needs to know of the field. */
export interface ValidatedField {
  readonly name: string;
  readonly kind: ScalarKind;
  readonly isList: boolean;
  /** Clients can write it on create or update (rules on a field nobody writes would never run). */
  readonly writable: boolean;
  readonly enumValues: readonly string[] | undefined;
}

/**
 * Resolves a field's `validate` option (already shape-checked by {@link fieldValidationSchema});
 * reports every misfit through `issue` and returns the frozen rules, or undefined when none is on.
 */
export function resolveValidation(
  raw: FieldValidation,
  field: ValidatedField,
  at: string,
  issue: (path: string, message: string, fix: string) => void,
): ResolvedValidation | undefined {
  const kind = field.isList ? "list" : field.kind;
  const article = /^[AEIOU]/i.test(kind) ? "an" : "a";
  const out: Record<string, unknown> = {};
  if (!field.writable) {
    issue(
      `${at}.validate`,
      `clients never write ${field.name}, so its rules would never run`,
      "remove `validate`, or make the field writable",
    );
  }

  const flag = (name: "required" | "email" | "url") => {
    const r = split(raw[name]);
    if (r?.value) out[name] = freeze({ value: true, message: r.message });
  };
  flag("required");
  flag("email");
  flag("url");

  for (const name of TEXT_RULES) {
    if (raw[name] === undefined || raw[name] === false) continue;
    if (kind !== "String")
      issue(
        `${at}.validate.${name}`,
        `${name} does not fit ${article} ${kind} field (it checks text)`,
        NUMERIC.includes(field.kind) || field.kind === "DateTime"
          ? `use min / max, or remove \`${name}\``
          : `remove \`${name}\``,
      );
  }
  const minLength = split(raw.minLength);
  const maxLength = split(raw.maxLength);
  if (minLength) out.minLength = freeze(minLength);
  if (maxLength) out.maxLength = freeze(maxLength);
  if (minLength && maxLength && minLength.value > maxLength.value) {
    issue(
      `${at}.validate`,
      `minLength ${minLength.value} is greater than maxLength ${maxLength.value}: no value could pass`,
      "lower minLength or raise maxLength",
    );
  }

  const pattern = split(raw.pattern);
  if (pattern) {
    let compiled: RegExp | undefined;
    try {
      compiled = typeof pattern.value === "string" ? new RegExp(pattern.value, "u") : pattern.value;
    } catch (error) {
      issue(
        `${at}.validate.pattern`,
        `pattern ${JSON.stringify(pattern.value)} does not compile: ${(error as Error).message}`,
        "fix the regular expression (strings are compiled with the u flag)",
      );
    }
    if (compiled && /[gy]/.test(compiled.flags)) {
      issue(
        `${at}.validate.pattern`,
        `pattern ${String(compiled)} has the ${compiled.flags.replace(/[^gy]/g, "")} flag, which makes test() remember where it stopped`,
        "remove the g and y flags",
      );
    }
    if (compiled) out.pattern = freeze({ value: compiled, message: pattern.message });
  }

  const bounds: Partial<Record<"min" | "max", number | Date>> = {};
  for (const name of ["min", "max"] as const) {
    const r = split(raw[name]);
    if (!r) continue;
    const value = boundFor(r.value, kind);
    if (value === undefined) {
      const fix =
        kind === "String"
          ? `use minLength / maxLength for text, or remove \`${name}\``
          : kind === "DateTime"
            ? `give an ISO 8601 date-time, e.g. ${name}: "2025-01-01T00:00:00Z"`
            : NUMERIC.includes(kind as ScalarKind)
              ? `give a number, e.g. ${name}: 0`
              : `remove \`${name}\``;
      issue(`${at}.validate.${name}`, `${name} ${show(r.value)} does not fit ${article} ${kind} field`, fix);
      continue;
    }
    bounds[name] = value;
    out[name] = freeze({ value, message: r.message });
  }
  if (bounds.min !== undefined && bounds.max !== undefined && Number(bounds.min) > Number(bounds.max)) {
    issue(
      `${at}.validate`,
      `min ${show(bounds.min)} is greater than max ${show(bounds.max)}: no value could pass`,
      "lower min or raise max",
    );
  }

  if (raw.oneOf !== undefined) {
    // The message form wraps the values: [["a", "b"], "message"].
    const wrapped = raw.oneOf.length === 2 && Array.isArray(raw.oneOf[0]) && typeof raw.oneOf[1] === "string";
    const values = (wrapped ? raw.oneOf[0] : raw.oneOf) as readonly unknown[];
    const type = field.isList ? undefined : ONE_OF_KINDS[field.kind];
    if (!type)
      issue(
        `${at}.validate.oneOf`,
        `oneOf does not fit ${article} ${kind} field`,
        "remove `oneOf` (or check the value in `custom`)",
      );
    else {
      const misfits = values.filter(
        (v) => typeof v !== type || (field.enumValues && !field.enumValues.includes(v as string)),
      );
      if (misfits.length > 0) {
        issue(
          `${at}.validate.oneOf`,
          `${misfits.map(show).join(", ")} cannot be a value of ${article} ${kind} field`,
          field.enumValues ? `use some of: ${field.enumValues.join(", ")}` : `give ${type}s`,
        );
      }
    }
    out.oneOf = freeze({ value: Object.freeze([...values]), message: wrapped ? (raw.oneOf[1] as string) : undefined });
  }
  if (raw.custom) out.custom = raw.custom;
  return Object.keys(out).length > 0 ? Object.freeze(out as ResolvedValidation) : undefined;
}

/** A rule's value and message, from either authored form. */
function split<T>(rule: Rule<T> | undefined): { value: T; message: string | undefined } | undefined {
  if (rule === undefined) return undefined;
  if (Array.isArray(rule) && rule.length === 2 && typeof rule[1] === "string") {
    return { value: rule[0] as T, message: rule[1] };
  }
  return { value: rule as T, message: undefined };
}

/** A min / max bound in the field's terms: a number for numeric fields, a Date for date-times. */
function boundFor(value: number | string | Date, kind: string): number | Date | undefined {
  if (NUMERIC.includes(kind as ScalarKind))
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
  if (kind !== "DateTime") return undefined;
  const date =
    value instanceof Date
      ? value
      : typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value)
        ? new Date(value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function freeze<T>(rule: { value: T; message: string | undefined }): ResolvedRule<T> {
  return Object.freeze({ value: rule.value, message: rule.message });
}

function show(value: unknown): string {
  return value instanceof Date
    ? value.toISOString()
    : typeof value === "string"
      ? JSON.stringify(value)
      : String(value);
}
