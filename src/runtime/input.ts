/**
 * Checks client input for a write against the resolved metadata: only known, writable fields; values
 * of the right type; required fields present. All problems are collected before failing.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import { AppError, show } from "./errors.ts";
import { coerceValue } from "./coerce.ts";

/** How input is written: create, replace every writable field (update), or change some (patch). */
export type WriteMode = "create" | "update" | "patch";

/** Options of {@link checkWriteInput}. */
export interface WriteInputOptions {
  /**
   * Drop read-only fields, the id and embedded relations instead of rejecting them: react-admin sends
   * the whole record back on update. Unknown and hidden fields are rejected all the same.
   * @default false
   */
  ignoreReadOnly?: boolean;
}

/** Returns the checked values, or throws 400 (unknown or forbidden fields) / 422 (bad values). */
export function checkWriteInput(
  resource: ResolvedResource,
  input: unknown,
  mode: WriteMode,
  options: WriteInputOptions = {},
): Record<string, unknown> {
  const { data, errors } = readWriteInput(resource, input, mode, options);
  if (Object.keys(errors).length > 0) throw validationFailed(resource, errors);
  return data;
}

/** The checked input and a message for every field whose value has the wrong type or is missing. */
export interface WriteInput {
  readonly data: Record<string, unknown>;
  readonly errors: Record<string, string>;
}

/**
 * Like {@link checkWriteInput}, but hands back the per-field errors instead of throwing them, so the
 * validation rules can add theirs and fail once with all of them. Still throws 400 on unknown or
 * forbidden fields (a wrong request, not a wrong value).
 */
export function readWriteInput(
  resource: ResolvedResource,
  input: unknown,
  mode: WriteMode,
  options: WriteInputOptions = {},
): WriteInput {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new AppError(
      "BAD_REQUEST",
      `Expected a JSON object with the fields of ${resource.name}, got ${show(input)}.`,
    );
  }
  const view = mode === "create" ? "create" : "update";
  const writable = resource.fields.filter((f) => !f.readOnly && !f.hidden[view]);
  const data: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    const field = resource.field.get(key);
    if (!field) {
      if (resource.relation.has(key) && options.ignoreReadOnly) continue;
      const hint = resource.relation.has(key) ? ` "${key}" is a relation: set its foreign key field instead.` : "";
      throw new AppError(
        "BAD_REQUEST",
        `Unknown field "${key}" for ${resource.name}.${hint} Writable fields: ${writable.map((f) => f.name).join(", ")}.`,
      );
    }
    if (field.hidden[view]) {
      if (options.ignoreReadOnly && field.isId) continue;
      throw new AppError("BAD_REQUEST", `Field "${key}" of ${resource.name} cannot be written on ${mode}.`);
    }
    if (field.readOnly) {
      if (options.ignoreReadOnly) continue;
      throw new AppError("BAD_REQUEST", `Field "${key}" of ${resource.name} is read-only.`);
    }
    if (value === undefined) continue;
    const checked = coerceValue(field, value);
    if (checked.ok) data[key] = checked.value;
    else errors[key] = checked.message;
  }
  if (mode !== "patch") {
    for (const field of writable) {
      if (key(data, errors, field.name)) continue;
      if (field.default !== undefined) data[field.name] = field.default;
      else if (mode === "create" ? field.requiredOnCreate : field.isRequired) {
        errors[field.name] =
          mode === "create"
            ? "is required"
            : "is required: update replaces the record (send every field, or use patch)";
      } else if (mode === "update" && !field.isRequired) data[field.name] = null;
    }
  }
  return { data, errors };
}

/**
 * The one VALIDATION_FAILED of a write: every field's message, and a form-level one (a resource rule's
 * string) first in the message when there is one.
 */
export function validationFailed(resource: ResolvedResource, errors: Record<string, string>, form?: string): AppError {
  const list = [...(form ? [form] : []), ...Object.entries(errors).map(([k, m]) => `${k} ${m}`)];
  return new AppError(
    "VALIDATION_FAILED",
    `Invalid ${resource.name}: ${list.join("; ")}.`,
    Object.keys(errors).length > 0 ? { fields: errors } : {},
  );
}

function key(data: Record<string, unknown>, errors: Record<string, string>, name: string): boolean {
  return name in data || name in errors;
}
