/**
 * The scalar fields of a resource: what each one allows (filter operators, sort, search, aggregates,
 * group by), where it is hidden, whether clients may write it, and its validation and access.
 */
import type { DatamodelField, DatamodelModel } from "../datamodel.ts";
import {
  AGGREGATES,
  type AggregateFunction,
  type FieldOptions,
  OPERATORS,
  type Operator,
  type ResourceDefinition,
  VIEWS,
} from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import type { ResolvedField, ResolvedResource, ScalarKind } from "../resolved.ts";
import { resolveValidation } from "../validation.ts";
import { checkFieldAccess } from "./access.ts";

const TEXT: Operator[] = [...OPERATORS];
const ORDERED: Operator[] = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "notIn", "isNull"];
const EQUALITY: Operator[] = ["eq", "ne", "in", "notIn", "isNull"];
/** Operators that make sense for each kind of field. */
export const OPERATORS_BY_KIND: Readonly<Record<ScalarKind, readonly Operator[]>> = {
  String: TEXT,
  Uuid: EQUALITY,
  Int: ORDERED,
  Float: ORDERED,
  BigInt: ORDERED,
  Decimal: ORDERED,
  DateTime: ORDERED,
  Boolean: ["eq", "ne", "isNull"],
  Enum: EQUALITY,
  Json: ["isNull"],
};

function scalarKind(field: DatamodelField): ScalarKind | undefined {
  if (field.kind === "enum") return "Enum";
  if (field.type === "String" && field.nativeType?.[0] === "Uuid") return "Uuid";
  const known: Record<string, ScalarKind> = {
    String: "String",
    Int: "Int",
    Float: "Float",
    Boolean: "Boolean",
    DateTime: "DateTime",
    Json: "Json",
    BigInt: "BigInt",
    Decimal: "Decimal",
  };
  return known[field.type];
}

const NUMERIC: readonly ScalarKind[] = ["Int", "Float", "BigInt", "Decimal"];
/** Aggregate functions that make sense for each kind of field. */
function aggregatesFor(kind: ScalarKind): readonly AggregateFunction[] {
  if (NUMERIC.includes(kind)) return AGGREGATES;
  if (kind === "DateTime" || kind === "String") return ["min", "max"];
  return [];
}

/** "an Int", "a String". */
function withArticle(word: string): string {
  return `${/^[AEIOU]/i.test(word) ? "an" : "a"} ${word}`;
}

/** The name clients use for the Prisma field `prismaName` of the definition's model (its `apiName`, else its own). */
export function apiNameOf(def: ResourceDefinition | undefined, prismaName: string): string {
  return (def?.fields as Readonly<Record<string, FieldOptions>> | undefined)?.[prismaName]?.apiName ?? prismaName;
}

/**
 * An `apiName` may not take a name another field or relation of the model answers to (API names are
 * the keys of records, filters and the model's columns in storage alike).
 */
export function checkApiNames(def: ResourceDefinition, model: DatamodelModel, path: string, issue: ReportIssue): void {
  const nameOf = (f: DatamodelField) => (f.kind === "object" ? f.name : apiNameOf(def, f.name));
  const owners = new Map<string, DatamodelField>();
  for (const f of model.fields) {
    const name = nameOf(f);
    const previous = owners.get(name);
    if (!previous) {
      owners.set(name, f);
      continue;
    }
    // Prisma field names are unique: at least one of the two was renamed.
    const [renamed, other] = name !== f.name ? [f, previous] : [previous, f];
    issue(
      `${path}.fields.${renamed.name}.apiName`,
      `apiName "${name}" collides with ${other.kind === "object" ? "relation" : "field"} ${other.name} of ${model.name}${other.name !== name ? ` (its apiName)` : ""}`,
      "choose an apiName no other field or relation of the model answers to",
    );
  }
}

/** Every key of `fields` must name a scalar field of the model. */
export function checkFieldKeys(
  fieldDefs: Readonly<Record<string, FieldOptions>>,
  model: string,
  scalars: readonly DatamodelField[],
  relations: readonly DatamodelField[],
  path: string,
  issue: ReportIssue,
): void {
  for (const key of Object.keys(fieldDefs)) {
    if (!scalars.some((f) => f.name === key)) {
      const isRelation = relations.some((f) => f.name === key);
      issue(
        `${path}.fields.${key}`,
        isRelation ? `"${key}" is a relation of ${model}, not a scalar field` : `model ${model} has no field "${key}"`,
        isRelation ? `declare it under \`relations\`` : `use one of: ${scalars.map((f) => f.name).join(", ")}`,
      );
    }
  }
}

/**
 * Columns the runtime fills in (audit, soft delete, the tenant column), with what fills them: read-only
 * for clients, whatever the definition says.
 */
export function managedColumns(
  audit: ResolvedResource["audit"],
  softDelete: ResolvedResource["softDelete"],
  tenant: string | undefined,
): Map<string, FieldOptions> {
  const managed = new Map<string, FieldOptions>();
  if (audit.createdAt) managed.set(audit.createdAt, { onCreate: "now" });
  if (audit.updatedAt) managed.set(audit.updatedAt, { onCreate: "now", onUpdate: "now" });
  if (audit.createdBy) managed.set(audit.createdBy, { onCreate: "actor" });
  if (audit.updatedBy) managed.set(audit.updatedBy, { onCreate: "actor", onUpdate: "actor" });
  if (softDelete) for (const column of [softDelete.field, softDelete.by]) if (column) managed.set(column, {});
  // The tenant column is the runtime's to fill (from the actor) and to filter by.
  if (tenant) managed.set(tenant, {});
  return managed;
}

/** What resolving a field needs besides the column. */
export interface FieldContext {
  def: ResourceDefinition;
  fieldDefs: Readonly<Record<string, FieldOptions>>;
  managed: ReadonlyMap<string, FieldOptions>;
  enums: ReadonlyMap<string, readonly string[]>;
  path: string;
  issue: ReportIssue;
}

/** One scalar field, resolved; undefined (and an issue when it has options) when its type is not supported. */
export function resolveField(f: DatamodelField, context: FieldContext): ResolvedField | undefined {
  const { def, fieldDefs, managed, enums, path, issue } = context;
  const declared = fieldDefs[f.name] ?? {};
  const filled = managed.get(f.name);
  const o: FieldOptions = filled ? { ...declared, ...filled, readOnly: true } : { ...declared };
  if (filled && (declared.onCreate !== undefined || declared.onUpdate !== undefined)) {
    issue(
      `${path}.fields.${f.name}`,
      `${f.name} is filled in by \`${filled.onCreate || filled.onUpdate ? "audit" : "softDelete"}\``,
      "remove its `onCreate` / `onUpdate`",
    );
  }
  if (o.onCreate !== undefined || o.onUpdate !== undefined) o.readOnly = true;
  const at = `${path}.fields.${f.name}`;
  const kind = scalarKind(f);
  if (!kind) {
    if (fieldDefs[f.name])
      issue(at, `type ${f.type} is not supported`, "remove the field options, or map the column to a supported type");
    return undefined;
  }
  const fits = OPERATORS_BY_KIND[kind];
  // `true` means every operator that fits, less `isNull` on a NOT NULL column (it could never match).
  let filter: Operator[] =
    o.filter === true ? fits.filter((op) => op !== "isNull" || !f.isRequired) : [...(o.filter ?? [])];
  if (f.isId && !o.filter) filter = ["eq", "in"]; // getMany (react-admin) filters ids
  if (f.isList && filter.length > 0) issue(`${at}.filter`, "list fields cannot be filtered", "remove `filter`");
  for (const op of filter) {
    if (!fits.includes(op))
      issue(
        `${at}.filter`,
        `operator "${op}" does not fit ${withArticle(kind)} field`,
        `use some of: ${fits.join(", ")}`,
      );
    if (op === "isNull" && f.isRequired)
      issue(`${at}.filter`, `"isNull" can never match: ${f.name} is required (NOT NULL)`, `remove "isNull"`);
  }
  if (o.sort && (kind === "Json" || f.isList))
    issue(`${at}.sort`, `${f.isList ? "a list" : withArticle(kind)} field cannot be sorted`, "remove `sort`");
  if (o.search && (kind !== "String" || f.isList))
    issue(`${at}.search`, `only text fields can be searched; ${f.name} is ${kind}`, "remove `search`");
  const aggregateFits = f.isList ? [] : aggregatesFor(kind);
  const aggregates = o.aggregate === true ? [...aggregateFits] : [...(o.aggregate ?? [])];
  for (const fn of aggregates) {
    if (!aggregateFits.includes(fn))
      issue(
        `${at}.aggregate`,
        `"${fn}" does not fit ${withArticle(kind)} field`,
        aggregateFits.length ? `use some of: ${aggregateFits.join(", ")}` : "remove `aggregate`",
      );
  }
  if (o.groupBy && (kind === "Json" || f.isList))
    issue(`${at}.groupBy`, `${f.isList ? "a list" : withArticle(kind)} field cannot be grouped by`, "remove `groupBy`");
  const hiddenViews = o.hidden === true ? VIEWS : o.hidden === false || !o.hidden ? [] : o.hidden;
  const hidden = Object.fromEntries(VIEWS.map((v) => [v, hiddenViews.includes(v)])) as Record<
    (typeof VIEWS)[number],
    boolean
  >;
  if (f.isId) {
    if (def.id === "uuid" || typeof def.id === "function" || f.hasDefaultValue) hidden.create = true;
    hidden.update = true;
  }
  if (f.isId && (hidden.one || hidden.list))
    issue(`${at}.hidden`, "the id cannot be hidden from output", "remove `hidden` from the id field");
  // The version column of optimistic concurrency is the runtime's to write.
  const readOnly =
    Boolean(o.readOnly) || f.isId || f.name === (def.concurrency ? (def.concurrency.field ?? "version") : undefined);
  const writable = !readOnly && !hidden.create;
  const hasDatabaseDefault = f.hasDefaultValue || f.isUpdatedAt;
  const requiredOnCreate =
    f.isRequired &&
    !f.isList &&
    !hasDatabaseDefault &&
    o.default === undefined &&
    !o.onCreate &&
    !f.isId &&
    f.name !== def.tenant;
  if (requiredOnCreate && !writable) {
    issue(
      at,
      `${f.name} is required but clients cannot write it on create and nothing fills it in`,
      "set `onCreate` or `default`, or make it writable on create",
    );
  }
  if (
    kind === "Enum" &&
    o.default !== undefined &&
    typeof o.default !== "function" &&
    !enums.get(f.type)?.includes(String(o.default))
  ) {
    issue(
      `${at}.default`,
      `"${String(o.default)}" is not a value of enum ${f.type}`,
      `use one of: ${enums.get(f.type)?.join(", ")}`,
    );
  }
  const validation = o.validate
    ? resolveValidation(
        o.validate,
        {
          name: f.name,
          kind,
          isList: f.isList,
          writable: !readOnly && !(hidden.create && hidden.update),
          enumValues: enums.get(f.type),
        },
        at,
        issue,
      )
    : undefined;
  const blob = o.blob ? resolveBlob(o.blob, f, kind, at, issue) : undefined;
  return Object.freeze({
    name: o.apiName ?? f.name,
    prismaName: f.name,
    column: f.dbName ?? f.name,
    kind,
    ...(kind === "Enum"
      ? { enum: Object.freeze({ name: f.type, values: Object.freeze([...(enums.get(f.type) ?? [])]) }) }
      : {}),
    isList: f.isList,
    isRequired: f.isRequired,
    isId: f.isId,
    isUnique: f.isUnique,
    hasDatabaseDefault,
    filter: new Set(filter),
    sortable: Boolean(o.sort) || f.isId,
    searchable: Boolean(o.search),
    aggregates: new Set(aggregates),
    groupable: Boolean(o.groupBy),
    hidden: Object.freeze(hidden),
    readOnly,
    ...(o.onCreate !== undefined ? { onCreate: o.onCreate } : {}),
    ...(o.onUpdate !== undefined ? { onUpdate: o.onUpdate } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
    requiredOnCreate,
    ...(o.access ? { access: Object.freeze(checkFieldAccess(o.access, at, issue)) } : {}),
    hiddenWhenScoped: Boolean(o.hiddenWhenScoped),
    conditional: Boolean(o.hiddenWhenScoped) || o.access?.read !== undefined,
    ...(validation ? { validation } : {}),
    ...(blob ? { blob } : {}),
  });
}

/** A file field's limits, checked: a nullable Json column, a positive size, some media types. */
function resolveBlob(
  o: NonNullable<FieldOptions["blob"]>,
  f: DatamodelField,
  kind: ScalarKind,
  at: string,
  issue: ReportIssue,
): ResolvedField["blob"] {
  if (kind !== "Json" || f.isList || f.isRequired)
    issue(
      `${at}.blob`,
      `a file field needs a nullable Json column; ${f.name} is ${f.type}${f.isList ? "[]" : ""}${f.isRequired ? " NOT NULL" : ""}`,
      `declare it as \`${f.name} Json?\` in schema.prisma`,
    );
  if (!Number.isSafeInteger(o.maxBytes) || o.maxBytes <= 0)
    issue(
      `${at}.blob.maxBytes`,
      `must be a positive whole number of bytes, got ${String(o.maxBytes)}`,
      "set e.g. `maxBytes: 5_000_000`",
    );
  if (
    !Array.isArray(o.contentTypes) ||
    o.contentTypes.length === 0 ||
    o.contentTypes.some((t) => typeof t !== "string" || !t.includes("/"))
  )
    issue(
      `${at}.blob.contentTypes`,
      `must list media types, got ${JSON.stringify(o.contentTypes)}`,
      'list some, e.g. `["image/png"]`',
    );
  return Object.freeze({
    maxBytes: o.maxBytes,
    contentTypes: Object.freeze((o.contentTypes ?? []).map((t) => String(t).toLowerCase())),
  });
}
