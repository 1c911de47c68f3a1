/**
 * Checks client input for a write against the resolved metadata: only known, writable fields; values
 * of the right type; required fields present. All problems are collected before failing.
 *
 * Nothing is dropped silently. A field the client may not set (read-only, hidden on this write, the
 * tenant, the audit columns, a field the actor may not write) is refused with a 4xx naming it — except
 * where react-admin sends the record back whole (`ignoreReadOnly`, the REST facade): there it is
 * accepted as an *echo* when it carries the record's own value (see {@link checkEchoes}).
 */
import type { ResolvedField, ResolvedResource } from "../metadata/resolved.ts";
import type { ActorView } from "./access.ts";
import { AppError, show } from "./errors.ts";
import { blobValueOf, isUploadedBlob } from "./blob-value.ts";
import { coerceValue } from "./coerce.ts";

/** How input is written: create, replace every writable field (update), or change some (patch). */
export type WriteMode = "create" | "update" | "patch";

/** Options of {@link checkWriteInput}. */
export interface WriteInputOptions {
  /**
   * Accept what react-admin sends back with a record (the REST facade): embedded relations and the id
   * are ignored, and so are the version (it is the version the client read: docs/reference/rest-dialect.md
   * §17) and the times this write stamps (`createdAt` on create, `updatedAt`); every other field the
   * client may not set is an echo, accepted only with the stored value (on create: only null). Unknown
   * fields and fields hidden on this write are refused all the same.
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
  /** Read-only fields sent back with an update or patch under `ignoreReadOnly`: see {@link checkEchoes}. */
  readonly echoes: Record<string, unknown>;
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
  const echoes: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const field = resource.field.get(key);
    if (!field) {
      if (resource.ignoreUnknown || (resource.relation.has(key) && options.ignoreReadOnly)) continue;
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
      if (options.ignoreReadOnly && ignorable(resource, field, mode)) continue;
      if (options.ignoreReadOnly && mode !== "create") echoes[key] = value;
      else if (!(options.ignoreReadOnly && value === null)) readOnly.push(key);
      continue;
    }
    if (value === undefined) continue;
    if (field.blob && value !== null && !isUploadedBlob(value)) {
      // react-admin sends the record back whole: its file, unchanged, is an echo (checked against the row).
      if (options.ignoreReadOnly && mode !== "create") echoes[key] = value;
      else throw notUploaded(resource, field);
      continue;
    }
    const checked = coerceValue(field, value);
    if (checked.ok) data[key] = checked.value;
    else errors[key] = checked.message;
  }
  if (readOnly.length > 0) throw readOnlyFields(resource, readOnly, mode);
  if (mode !== "patch") {
    for (const field of writable) {
      if (key(data, errors, field.name)) continue;
      // A computed default is the write's to compute, from its actor and time (write-prepare.ts stamp).
      if (typeof field.default === "function") continue;
      if (field.default !== undefined) data[field.name] = field.default;
      else if (mode === "create" ? field.requiredOnCreate : field.isRequired) {
        errors[field.name] =
          mode === "create"
            ? "is required"
            : "is required: update replaces the record (send every field, or use patch)";
      } else if (mode === "update" && !field.isRequired) data[field.name] = null;
    }
  }
  return { data, errors, echoes };
}

/** A file field set from a JSON value: only an upload sets one, and only `null` clears it. */
function notUploaded(resource: ResolvedResource, field: ResolvedField): AppError {
  return new AppError(
    "BAD_REQUEST",
    `Field "${field.name}" of ${resource.name} is a file: upload its bytes with PUT /${resource.names.path}/:id/${field.name}, or send null to clear it.`,
    { fields: { [field.name]: "is a file: upload it, or send null" } },
  );
}

/** The id, the version and the times this write stamps: react-admin sends them back, and they decide nothing. */
function ignorable(resource: ResolvedResource, field: ResolvedField, mode: WriteMode): boolean {
  if (field.isId || field.name === resource.version?.field) return true;
  if (field.kind !== "DateTime") return false;
  return mode === "create" ? field.onCreate === "now" || field.hasDatabaseDefault : field.onUpdate === "now";
}

function readOnlyFields(resource: ResolvedResource, names: readonly string[], mode: WriteMode): AppError {
  const them = names.length === 1 ? "it" : "them";
  const echo = mode === "create" ? "" : ` (send ${them} unchanged, or leave ${them} out)`;
  return new AppError(
    "BAD_REQUEST",
    `${names.length === 1 ? "Field" : "Fields"} ${names.map((n) => `"${n}"`).join(", ")} of ${resource.name} ${names.length === 1 ? "is" : "are"} read-only: the server sets ${them}${echo}.`,
    { fields: Object.fromEntries(names.map((n) => [n, "is read-only"])) },
  );
}

/**
 * The second half of the input check, once the row is read: throws 403 naming every field the actor
 * may not write (field `access.write`, `hiddenWhenScoped`), and 400 naming every read-only field whose
 * echo differs from the stored value. Under `ignoreReadOnly`, a field the actor may read but not write
 * that carries its stored value is an echo too, and is removed from `input`; a field they may not even
 * read is refused whatever its value (comparing would tell them about it).
 */
export function checkEchoes(
  resource: ResolvedResource,
  view: ActorView,
  input: Record<string, unknown>,
  echoes: Readonly<Record<string, unknown>>,
  existing: Readonly<Record<string, unknown>> | undefined,
  ignoreReadOnly: boolean,
): void {
  const forbidden: string[] = [];
  for (const f of resource.fields) {
    if (!(f.name in input) || (f.access?.write === undefined && !f.hiddenWhenScoped) || view.canWrite(resource, f))
      continue;
    if (ignoreReadOnly && existing && view.canRead(resource, f) && stored(f, input[f.name], existing[f.name]))
      delete input[f.name];
    else forbidden.push(f.name);
  }
  const changed: string[] = [];
  for (const [name, value] of Object.entries(echoes)) {
    const f = resource.field.get(name) as ResolvedField;
    if (!view.canRead(resource, f)) forbidden.push(name);
    else if (!existing || !stored(f, value, existing[name])) changed.push(name);
  }
  if (forbidden.length > 0)
    throw new AppError("FORBIDDEN", `You may not write ${forbidden.join(", ")} of ${resource.plural}.`, {
      fields: Object.fromEntries(forbidden.map((n) => [n, "you may not write this field"])),
    });
  if (changed.length > 0) throw readOnlyFields(resource, changed, "update");
}

/** Whether `sent` is the stored value of `field` (dates by instant, whatever their text). */
function stored(field: ResolvedField, sent: unknown, current: unknown): boolean {
  if (field.blob) return blobValueOf(sent)?.id === blobValueOf(current)?.id;
  const checked = coerceValue(field, sent);
  return checked.ok && canonical(checked.value) === canonical(current);
}

function canonical(value: unknown): string {
  if (value instanceof Date) return `date:${value.getTime()}`;
  if (typeof value === "bigint") return `bigint:${value}`;
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "toFixed" in value)
    return `number:${String(value)}`;
  return JSON.stringify(value ?? null);
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
