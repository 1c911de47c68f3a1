/**
 * One field and one relation of a resource as one actor may use them, for the schema description
 * (describe.ts, docs/reference/meta.md): what it is, what it must hold, and what this actor may do with it.
 * Pure: it reads the resolved metadata and the actor's view, nothing else.
 */
import type { AggregateFunction, Operator } from "../metadata/definition.ts";
import type {
  ResolvedField,
  ResolvedRelation,
  ResolvedResource,
  ResolvedRule,
  ResolvedValidation,
  ScalarKind,
} from "../metadata/resolved.ts";
import type { ActorView } from "./access.ts";

/** A field's type as clients handle it: `file` is a file field (its JSON column holds the file's metadata). */
export type FieldType =
  | "string"
  | "uuid"
  | "integer"
  | "bigint"
  | "float"
  | "decimal"
  | "boolean"
  | "datetime"
  | "enum"
  | "json"
  | "file";

const TYPES: Readonly<Record<ScalarKind, FieldType>> = {
  String: "string",
  Uuid: "uuid",
  Int: "integer",
  BigInt: "bigint",
  Float: "float",
  Decimal: "decimal",
  Boolean: "boolean",
  DateTime: "datetime",
  Enum: "enum",
  Json: "json",
};

/** A field's declared rules, as values a client can check before sending (the custom function stays on the server). */
export interface ValidationDescription {
  required?: true;
  minLength?: number;
  maxLength?: number;
  /** `new RegExp(source, flags)` is the rule. */
  pattern?: { source: string; flags: string };
  /** A number, or an ISO 8601 instant on date-time fields. */
  min?: number | string;
  max?: number | string;
  email?: true;
  url?: true;
  oneOf?: readonly unknown[];
  /** The author's message of a rule, by rule name, where one was given. */
  messages?: Record<string, string>;
}

/** One field as the describing actor may use it. */
export interface FieldDescription {
  name: string;
  /** Words for a form label: `publishedAt` → `Published at`. */
  label: string;
  type: FieldType;
  /** An array of values of `type`. */
  list: boolean;
  /** The column takes null. */
  nullable: boolean;
  /** A create must carry a value (nothing fills it in), or a rule requires one on every write. */
  required: boolean;
  /** No client ever writes it (the server fills it in: id, audit, tenant, version, `readOnly`). */
  readOnly: boolean;
  /** No two records hold the same value (the id, `@unique` columns). */
  unique: boolean;
  /** Views this actor gets it in: one record, list items. Both false for a write-only field. */
  readable: { one: boolean; list: boolean };
  /** Whether this actor may send it on create, on update. */
  writable: { create: boolean; update: boolean };
  /** Filter operators this actor may use on it (rest-dialect.md §3.1, §4). */
  filter: Operator[];
  sortable: boolean;
  /** Part of the `q` search. */
  searchable: boolean;
  /** Aggregate functions over it (rest-dialect.md §15). */
  aggregates: AggregateFunction[];
  groupable: boolean;
  enum?: { name: string; values: readonly string[] };
  /** What a create gets when it sends none. */
  default?: unknown;
  description?: string;
  validation?: ValidationDescription;
  /** A file field's limits and where its bytes go (`{id}` stands for the record's id). */
  blob?: { maxBytes: number; contentTypes: readonly string[]; path: string };
}

/** One relation as the describing actor may use it (its target is a resource they may read). */
export interface RelationDescription {
  name: string;
  label: string;
  kind: ResolvedRelation["kind"];
  /** The resource on the other side: its name and its REST path (the react-admin resource name). */
  target: { name: string; path: string };
  /** belongsTo: this resource's field holding the target's key (`authorId`), and whether it is NOT NULL. */
  localField?: string;
  required?: boolean;
  /** hasMany: the target's field holding this resource's key (`postId`). */
  foreignField?: string;
  /** manyToMany: the join model. */
  through?: string;
  /** Where it may be embedded (rest-dialect.md §5): in one record, in list items. */
  embed: { one: boolean; list: boolean };
  /** Lists may filter through it (rest-dialect.md §12). */
  filterable: boolean;
  /** Lists may sort by the target's fields through it (rest-dialect.md §13). */
  sortable: boolean;
  description?: string;
}

/** `publishedAt` → `Published at`, `ticketReplies` → `Ticket replies`, `authorId` → `Author ID`. */
export function labelOf(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_+/g, " ")
    .trim()
    .split(/\s+/)
    .map((w) => (w.toLowerCase() === "id" ? "ID" : w.toLowerCase()));
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The type clients handle the field's values as. */
export function typeOf(field: ResolvedField): FieldType {
  return field.blob ? "file" : TYPES[field.kind];
}

/** Whether the actor may send the field on create and on update, given the operations they may perform. */
function writableFor(
  resource: ResolvedResource,
  field: ResolvedField,
  view: ActorView,
  may: { create: boolean; update: boolean },
): FieldDescription["writable"] {
  const writes = !field.readOnly && view.canWrite(resource, field);
  return { create: may.create && writes && !field.hidden.create, update: may.update && writes && !field.hidden.update };
}

/**
 * The field as `view`'s actor may use it, or undefined when it is not theirs to see. A field they may
 * not read is left out, with one exception: a field every output hides by definition that they may
 * write (a password hash on create) is described as write-only, as the create form needs it.
 */
export function describeField(
  resource: ResolvedResource,
  field: ResolvedField,
  view: ActorView,
  may: { create: boolean; update: boolean },
  basePath: string,
): FieldDescription | undefined {
  const readable = view.canRead(resource, field);
  const writable = writableFor(resource, field, view, may);
  const writeOnly = field.hidden.one && field.hidden.list && (writable.create || writable.update);
  if (!readable && !writeOnly) return undefined;
  const validation = field.validation ? describeValidation(field.validation) : undefined;
  return {
    name: field.name,
    label: labelOf(field.name),
    type: typeOf(field),
    list: field.isList,
    nullable: !field.isRequired,
    required: field.requiredOnCreate || field.validation?.required !== undefined,
    readOnly: field.readOnly || (field.hidden.create && field.hidden.update),
    unique: field.isUnique || field.isId,
    readable: { one: readable && !field.hidden.one, list: readable && !field.hidden.list },
    writable,
    // A field the actor may not read is refused in filters, sorts, searches and aggregates.
    filter: readable ? [...field.filter] : [],
    sortable: readable && field.sortable,
    searchable: readable && field.searchable,
    aggregates: readable ? [...field.aggregates] : [],
    groupable: readable && field.groupable,
    ...(field.enum ? { enum: { name: field.enum.name, values: field.enum.values } } : {}),
    // BigInt defaults as decimal strings, as records carry BigInt values.
    ...(field.default !== undefined && typeof field.default !== "function"
      ? { default: typeof field.default === "bigint" ? String(field.default) : field.default }
      : {}),
    ...(field.description !== undefined ? { description: field.description } : {}),
    ...(validation ? { validation } : {}),
    ...(field.blob
      ? {
          blob: {
            maxBytes: field.blob.maxBytes,
            contentTypes: field.blob.contentTypes,
            path: `${basePath}/${resource.names.path}/{id}/${field.name}`,
          },
        }
      : {}),
  };
}

/** The rules a client can check itself, in {@link ValidationDescription}'s order (`custom` stays on the server). */
const CLIENT_RULES = ["required", "minLength", "maxLength", "pattern", "min", "max", "email", "url", "oneOf"] as const;

/** A rule's value as JSON: a pattern as its source and flags, a date-time bound as an ISO 8601 instant. */
function ruleValue(value: unknown): unknown {
  if (value instanceof RegExp) return { source: value.source, flags: value.flags };
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** The field's rules a client can check itself; undefined when only a custom check is declared. */
function describeValidation(v: ResolvedValidation): ValidationDescription | undefined {
  const out: Record<string, unknown> = {};
  const messages: Record<string, string> = {};
  for (const name of CLIENT_RULES) {
    const rule = v[name] as ResolvedRule<unknown> | undefined;
    if (!rule) continue;
    out[name] = ruleValue(rule.value);
    if (rule.message !== undefined) messages[name] = rule.message;
  }
  if (Object.keys(out).length === 0) return undefined;
  if (Object.keys(messages).length > 0) out.messages = messages;
  return out as ValidationDescription;
}

/**
 * The relation as `view`'s actor may use it, or undefined when its target is not a resource they may
 * read, or the field that links them is one they may not read.
 */
export function describeRelation(
  relation: ResolvedRelation,
  target: ResolvedResource | undefined,
  resource: ResolvedResource,
  view: ActorView,
): RelationDescription | undefined {
  if (!target) return undefined;
  const readable = (r: ResolvedResource, name: string) => {
    const field = r.field.get(name);
    return field !== undefined && view.canRead(r, field);
  };
  if (relation.kind === "belongsTo" && !readable(resource, relation.localField)) return undefined;
  if (relation.kind === "hasMany" && !readable(target, relation.foreignField)) return undefined;
  return {
    name: relation.name,
    label: labelOf(relation.name),
    kind: relation.kind,
    target: { name: target.name, path: target.names.path },
    ...(relation.kind === "belongsTo" ? { localField: relation.localField, required: relation.isRequired } : {}),
    ...(relation.kind === "hasMany" ? { foreignField: relation.foreignField } : {}),
    ...(relation.kind === "manyToMany" ? { through: relation.joinModel } : {}),
    embed: { one: relation.views.one, list: relation.views.list },
    filterable: relation.filterable,
    sortable: relation.sortable,
    ...(relation.description !== undefined ? { description: relation.description } : {}),
  };
}
