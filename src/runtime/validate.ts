/**
 * Applies the declared validation rules (fields' `validate`, the resource's `validate`) to a write.
 * Runs inside the write's transaction, once the existing row is read and before any hook or row
 * write, so a patch is judged on the record it would produce and a failure leaves nothing to undo.
 * Every error (wrong types from the input check, field rules, the resource rule) is collected and
 * thrown as one VALIDATION_FAILED.
 */
import { z } from "zod";
import type { ValidationAction, ValidationContext } from "../metadata/definition.ts";
import type { ResolvedField, ResolvedResource, ResolvedRule } from "../metadata/resolved.ts";
import { show } from "./errors.ts";
import { validationFailed } from "./input.ts";

/** A write to validate. */
export interface WriteToValidate {
  readonly action: ValidationAction;
  /** The checked input (with defaults and runtime-stamped values) about to be written. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The row before the write (update, patch). */
  readonly existing: Readonly<Record<string, unknown>> | undefined;
  readonly actorId: string | number | undefined;
  /** Messages the input check already has (wrong types, missing required fields); kept, not re-checked. */
  readonly errors?: Readonly<Record<string, string>>;
}

/** Throws VALIDATION_FAILED listing every broken rule of `write`; returns when there is none. */
export async function validateWrite(resource: ResolvedResource, write: WriteToValidate): Promise<void> {
  const errors: Record<string, string> = { ...write.errors };
  const merged = write.existing ? { ...write.existing, ...write.data } : { ...write.data };
  const context: ValidationContext = Object.freeze({
    data: merged,
    existing: write.existing,
    actorId: write.actorId,
    action: write.action,
  });
  const view = write.action === "create" ? "create" : "update";
  for (const field of resource.fields) {
    const rules = field.validation;
    if (!rules || field.name in errors || field.readOnly || field.hidden[view]) continue;
    const sent = field.name in write.data;
    // A patch changes only what it sends; on create the database fills in an unsent defaulted column.
    if (!sent && (write.action === "patch" || field.hasDatabaseDefault)) continue;
    const value = sent ? write.data[field.name] : null;
    const problem = checkRules(field, value) ?? (rules.custom ? await rules.custom(value, context) : undefined);
    if (problem) errors[field.name] = problem;
  }
  let form: string | undefined;
  if (resource.validate) {
    const verdict = await resource.validate(merged, context);
    if (typeof verdict === "string") form = verdict.replace(/\.$/, "");
    else if (verdict) {
      // A field's own rule already said what is wrong with it; the resource rule fills in the rest.
      for (const [name, message] of Object.entries(verdict)) if (!(name in errors)) errors[name] = message;
    }
  }
  if (form || Object.keys(errors).length > 0) throw validationFailed(resource, errors, form);
}

/** The message of the first built-in rule `value` breaks, or undefined. Null passes all but `required`. */
export function checkRules(field: ResolvedField, value: unknown): string | undefined {
  const rules = field.validation;
  if (!rules) return undefined;
  const fail = (rule: ResolvedRule<unknown>, text: string) => rule.message ?? text;
  if (value === null || value === undefined) return rules.required ? fail(rules.required, "is required") : undefined;
  if (typeof value === "string") {
    if (rules.required && value.trim() === "") return fail(rules.required, "is required (blank text does not count)");
    const length = value.length;
    if (rules.minLength && length < rules.minLength.value)
      return fail(rules.minLength, `must be at least ${rules.minLength.value} characters, got ${length}`);
    if (rules.maxLength && length > rules.maxLength.value)
      return fail(rules.maxLength, `must be at most ${rules.maxLength.value} characters, got ${length}`);
    if (rules.pattern && !rules.pattern.value.test(value))
      return fail(rules.pattern, `must match ${String(rules.pattern.value)}, got ${show(value)}`);
    if (rules.email && !isEmail(value))
      return fail(rules.email, `must be an email address (name@example.com), got ${show(value)}`);
    if (rules.url && !isUrl(value))
      return fail(rules.url, `must be an http(s) URL (https://example.com/...), got ${show(value)}`);
  }
  if (rules.min || rules.max) {
    // Numbers, BigInts and Dates compare as numbers (a Date by its time); JS compares a bigint with a number exactly.
    const n = value instanceof Date ? value.getTime() : (value as number | bigint);
    const shown = value instanceof Date ? value.toISOString() : String(value);
    if (rules.min && n < asNumber(rules.min.value))
      return fail(rules.min, `must be ${bound(rules.min.value, "at least", "on or after")}, got ${shown}`);
    if (rules.max && n > asNumber(rules.max.value))
      return fail(rules.max, `must be ${bound(rules.max.value, "at most", "on or before")}, got ${shown}`);
  }
  if (rules.oneOf) {
    const allowed = rules.oneOf.value;
    const hit = allowed.some(
      (v) => v === value || (typeof value === "bigint" && typeof v === "number" && BigInt(v) === value),
    );
    if (!hit)
      return fail(
        rules.oneOf,
        `must be one of ${allowed.map((v) => String(v)).join(", ")}, got ${show(typeof value === "bigint" ? String(value) : value)}`,
      );
  }
  return undefined;
}

const EMAIL = z.email();
/** zod's email pattern: an unquoted local part, @, and a dotted domain with a letter TLD. */
function isEmail(value: string): boolean {
  return EMAIL.safeParse(value).success;
}

/** An absolute http or https URL with a host (`new URL` alone accepts `javascript:` and `mailto:`). */
function isUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

function asNumber(bound: number | Date): number {
  return bound instanceof Date ? bound.getTime() : bound;
}

function bound(value: number | Date, numeric: string, date: string): string {
  return value instanceof Date ? `${date} ${value.toISOString()}` : `${numeric} ${value}`;
}
