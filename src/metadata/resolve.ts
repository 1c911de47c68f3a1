/**
 * Resolves authored resource definitions against the Prisma datamodel into the frozen
 * {@link ResolvedSchema}. Pure: no I/O. Every problem is collected and thrown as one
 * {@link MetadataError} with paths and fixes.
 */
import { z } from "zod";
import type { Datamodel, DatamodelField, DatamodelModel } from "./datamodel.ts";
import {
  ACCESS_OPERATIONS,
  type AccessOperation,
  type AccessRule,
  AGGREGATES,
  type AggregateFunction,
  OPERATORS,
  SECURITY_PROFILES,
  type FieldOptions,
  type Operator,
  type RelationOptions,
  type ResourceDefinition,
  VIEWS,
} from "./definition.ts";
import { MetadataError, type MetadataIssue } from "./errors.ts";
import { fieldValidationSchema, resolveValidation, VALIDATION_RULES } from "./validation.ts";
import {
  aggregateTypeNames,
  camelCase,
  fieldFilterInputName,
  NAME_PATTERN,
  pluralize,
  relationFilterInputName,
  resourceNames,
  SHARED_GRAPHQL_NAMES,
  WHERE_INPUT_KEYS,
} from "./names.ts";
import type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema, ScalarKind } from "./resolved.ts";

const valueSource = z.union([
  z.literal("now"),
  z.literal("uuid"),
  z.literal("actor"),
  z.strictObject({ constant: z.unknown() }),
  z.function(),
]);
const columnName = z.union([z.string().min(1), z.literal(false)]);
const fieldOptions = z.strictObject({
  filter: z.union([z.literal(true), z.array(z.enum(OPERATORS))]).optional(),
  sort: z.boolean().optional(),
  search: z.boolean().optional(),
  hidden: z.union([z.boolean(), z.array(z.enum(VIEWS))]).optional(),
  readOnly: z.boolean().optional(),
  onCreate: valueSource.optional(),
  onUpdate: valueSource.optional(),
  default: z.unknown().optional(),
  aggregate: z.union([z.literal(true), z.array(z.enum(AGGREGATES))]).optional(),
  groupBy: z.boolean().optional(),
  description: z.string().optional(),
  validate: fieldValidationSchema.optional(),
  access: z.strictObject({ read: z.unknown().optional(), write: z.unknown().optional() }).optional(),
  hiddenWhenScoped: z.boolean().optional(),
});
const relationOptions = z.union([
  z.literal(true),
  z.strictObject({
    views: z.array(z.enum(["one", "list"])).optional(),
    through: z.string().optional(),
    filter: z.boolean().optional(),
    sort: z.boolean().optional(),
    onDelete: z.enum(["restrict", "cascade", "setNull"]).optional(),
    description: z.string().optional(),
  }),
]);
const definitionSchema = z.strictObject({
  model: z.string().min(1),
  name: z.string().regex(NAME_PATTERN, "letters and digits, starting with a letter").optional(),
  plural: z.string().regex(NAME_PATTERN, "letters and digits, starting with a letter").optional(),
  description: z.string().optional(),
  id: z.union([z.literal("database"), z.literal("uuid"), z.function()]).optional(),
  concurrency: z.strictObject({ field: z.string().optional(), required: z.boolean().optional() }).optional(),
  audit: z
    .union([
      z.literal(true),
      z.strictObject({
        createdAt: columnName.optional(),
        createdBy: columnName.optional(),
        updatedAt: columnName.optional(),
        updatedBy: columnName.optional(),
      }),
    ])
    .optional(),
  softDelete: z
    .union([z.literal(true), z.strictObject({ field: z.string().min(1).optional(), by: columnName.optional() })])
    .optional(),
  revisions: z
    .union([
      z.literal(true),
      z.strictObject({
        schemaVersion: z.int().min(1).optional(),
        migrate: z.function().optional(),
        draft: z.boolean().optional(),
      }),
    ])
    .optional(),
  maxBatchSize: z.int().min(1).max(10_000).optional(),
  searchLanguage: z
    .string()
    .regex(/^[a-z_]+$/, "a text search configuration name such as english or simple")
    .optional(),
  maxPageSize: z.int().min(1).max(10_000).optional(),
  defaultPageSize: z.int().min(1).optional(),
  maxDepth: z.int().min(0).max(10).optional(),
  fields: z.record(z.string(), fieldOptions).optional(),
  relations: z.record(z.string(), relationOptions).optional(),
  validate: z.function().optional(),
  access: z.union([z.literal("public"), z.partialRecord(z.enum(ACCESS_OPERATIONS), z.unknown())]).optional(),
  scope: z.function().optional(),
  scopedWrites: z.boolean().optional(),
  tenant: z.string().min(1).optional(),
  security: z.enum(SECURITY_PROFILES).optional(),
});

const TEXT: Operator[] = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "notIn",
  "contains",
  "startsWith",
  "endsWith",
  "isNull",
];
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

/** Options of {@link resolveResources}. */
export interface ResolveOptions {
  /**
   * Production (the server passes `NODE_ENV=production`): a resource declaring no `access` is locked
   * down (signed-in actors read, the admin role writes) instead of open to every actor.
   * @default false
   */
  production?: boolean;
}

/**
 * Resolves and freezes the definitions. Throws {@link MetadataError} listing every problem.
 * @example const schema = resolveResources([post, user], datamodel, { production: true });
 */
export function resolveResources(
  definitions: readonly ResourceDefinition[],
  datamodel: Datamodel,
  options: ResolveOptions = {},
): ResolvedSchema {
  const issues: MetadataIssue[] = [];
  const issue = (path: string, message: string, fix: string) => issues.push({ path, message, fix });
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const enums = new Map(datamodel.enums.map((e) => [e.name, e.values.map((v) => v.name)]));

  // Pass 1: shape, model and names of every definition, so relations can find their targets.
  const valid: { def: ResourceDefinition; model: DatamodelModel; name: string; plural: string; path: string }[] = [];
  definitions.forEach((raw, index) => {
    const label = typeof raw?.model === "string" ? camelCase(raw.model) : `resources[${index}]`;
    const parsed = definitionSchema.safeParse(raw);
    if (!parsed.success) {
      for (const e of parsed.error.issues) {
        const where = [label, ...e.path.map(String)].join(".");
        const unknown = e.code === "unrecognized_keys" ? ` (${e.keys.join(", ")})` : "";
        issue(where, `${e.message}${unknown}`, fixFor(e.path.map(String)));
      }
      return;
    }
    const model = models.get(raw.model);
    if (!model) {
      issue(`${label}.model`, `no Prisma model named "${raw.model}"`, `use one of: ${[...models.keys()].join(", ")}`);
      return;
    }
    if (valid.some((v) => v.model === model)) {
      issue(`${label}.model`, `model ${model.name} is defined twice`, "keep one definition per model");
      return;
    }
    const name = raw.name ?? camelCase(raw.model);
    valid.push({ def: raw, model, name, plural: raw.plural ?? pluralize(name), path: name });
  });

  // Names: every public name must be unique across resources.
  const taken = new Map<string, DatamodelModel>();
  for (const { name, plural, path, model } of valid) {
    if (name === plural)
      issue(`${path}.plural`, `plural "${plural}" equals the singular name`, "set a different `plural`");
    const names = resourceNames(name, plural);
    for (const [kind, value] of new Set(Object.entries(names))) {
      const key = kind === "path" ? `path:${value}` : `graphql:${value}`;
      const owner = taken.get(key);
      if (owner && owner !== model) {
        issue(
          path,
          `name "${value}" (${kind}) of model ${model.name} is also used by model ${owner.name}`,
          "set `name` or `plural` on one of them",
        );
      } else taken.set(key, model);
    }
  }
  const byModel = new Map(valid.map((v) => [v.model.name, v]));

  const resources: ResolvedResource[] = [];
  for (const { def, model, name, plural, path } of valid) {
    const fieldDefs = (def.fields ?? {}) as Record<string, FieldOptions>;
    const relationDefs = (def.relations ?? {}) as Record<string, RelationOptions | true>;
    const scalarFields = model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
    const relationFields = model.fields.filter((f) => f.kind === "object");

    for (const key of Object.keys(fieldDefs)) {
      if (!scalarFields.some((f) => f.name === key)) {
        const isRelation = relationFields.some((f) => f.name === key);
        issue(
          `${path}.fields.${key}`,
          isRelation
            ? `"${key}" is a relation of ${model.name}, not a scalar field`
            : `model ${model.name} has no field "${key}"`,
          isRelation ? `declare it under \`relations\`` : `use one of: ${scalarFields.map((f) => f.name).join(", ")}`,
        );
      }
    }
    if (model.primaryKey || scalarFields.filter((f) => f.isId).length !== 1) {
      issue(
        `${path}.model`,
        `model ${model.name} has no single-column @id`,
        "give the model one @id column (composite ids are not served)",
      );
      continue;
    }

    // Columns the runtime fills in (audit, soft delete): read-only for clients, whatever the definition says.
    const audit = auditColumns(
      def,
      scalarFields.map((f) => f.name),
      path,
      issue,
    );
    const softDelete = softDeleteColumns(def, scalarFields, model.name, path, issue);
    const managed = new Map<string, FieldOptions>();
    if (audit.createdAt) managed.set(audit.createdAt, { onCreate: "now" });
    if (audit.updatedAt) managed.set(audit.updatedAt, { onCreate: "now", onUpdate: "now" });
    if (audit.createdBy) managed.set(audit.createdBy, { onCreate: "actor" });
    if (audit.updatedBy) managed.set(audit.updatedBy, { onCreate: "actor", onUpdate: "actor" });
    if (softDelete) for (const column of [softDelete.field, softDelete.by]) if (column) managed.set(column, {});
    // The tenant column is the runtime's to fill (from the actor) and to filter by.
    if (def.tenant) {
      const column = scalarFields.find((f) => f.name === def.tenant);
      if (!column || !["String", "Int"].includes(column.type) || column.isList || !column.isRequired) {
        issue(
          `${path}.tenant`,
          `"${def.tenant}" must be a NOT NULL String or Int column of ${model.name}`,
          `add \`${def.tenant} String\` to the model (and a migration), or name another column`,
        );
      } else managed.set(def.tenant, {});
    }

    const fields: ResolvedField[] = [];
    for (const f of scalarFields) {
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
          issue(
            at,
            `type ${f.type} is not supported`,
            "remove the field options, or map the column to a supported type",
          );
        continue;
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
        issue(
          `${at}.groupBy`,
          `${f.isList ? "a list" : withArticle(kind)} field cannot be grouped by`,
          "remove `groupBy`",
        );
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
        Boolean(o.readOnly) ||
        f.isId ||
        f.name === (def.concurrency ? (def.concurrency.field ?? "version") : undefined);
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
      if (kind === "Enum" && o.default !== undefined && !enums.get(f.type)?.includes(String(o.default))) {
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
      fields.push(
        Object.freeze({
          name: f.name,
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
        }),
      );
    }
    if (def.concurrency) {
      const name = def.concurrency.field ?? "version";
      const column = fields.find((f) => f.name === name);
      if (column?.kind !== "Int" || !column.isRequired || column.hidden.one || column.hidden.list) {
        issue(
          `${path}.concurrency.field`,
          `"${name}" must be a visible, NOT NULL Int column of ${model.name}`,
          `add \`${name} Int @default(1)\` to the model (and a migration), or name another column`,
        );
      }
    }
    const id = fields.find((f) => f.isId);
    if (!id) continue;
    if (def.id === "uuid" && id.kind !== "Uuid" && id.kind !== "String") {
      issue(
        `${path}.id`,
        `"uuid" ids need a String or @db.Uuid id column; ${model.name}.${id.name} is ${id.kind}`,
        'use id: "database" or change the column type',
      );
    }
    const idColumn = model.fields.find((f) => f.isId);
    if ((def.id ?? "database") === "database" && idColumn && !idColumn.hasDefaultValue) {
      issue(
        `${path}.id`,
        `${model.name}.${id.name} has no database default, so "database" cannot make ids`,
        'set id: "uuid" (or a function), or add @default(...) to the column',
      );
    }

    const relations: ResolvedRelation[] = [];
    for (const [key, opts] of Object.entries(relationDefs)) {
      const at = `${path}.relations.${key}`;
      const rf = relationFields.find((f) => f.name === key);
      if (!rf) {
        issue(
          at,
          `model ${model.name} has no relation "${key}"`,
          `use one of: ${relationFields.map((f) => f.name).join(", ") || "(none)"}`,
        );
        continue;
      }
      const o = opts === true ? {} : opts;
      const viewList = o.views ?? ["one", "list"];
      const views = { one: viewList.includes("one"), list: viewList.includes("list") };
      const base = {
        name: key,
        views: Object.freeze(views),
        filterable: Boolean(o.filter),
        sortable: Boolean(o.sort),
        ...(o.description ? { description: o.description } : {}),
      };
      if (o.sort && rf.isList) issue(`${at}.sort`, "only to-one relations can be sorted by", "remove `sort`");
      if (o.onDelete && (!rf.isList || o.through))
        issue(`${at}.onDelete`, "delete rules apply to has-many relations only", "remove `onDelete`");
      if (o.through) {
        const join = models.get(rf.type);
        const toTarget = join?.fields.find((f) => f.name === o.through && f.kind === "object");
        const toSelf = join?.fields.find(
          (f) => f.kind === "object" && f.type === model.name && f.relationName === rf.relationName,
        );
        if (!rf.isList || !join || !toTarget || !toSelf?.relationFromFields?.[0] || !toTarget.relationFromFields?.[0]) {
          issue(
            `${at}.through`,
            `"${o.through}" is not a relation of the join model ${rf.type} that holds a foreign key`,
            `name the ${rf.type} relation field pointing at the other model`,
          );
          continue;
        }
        const target = byModel.get(toTarget.type);
        if (!target) {
          issue(
            at,
            `the target model ${toTarget.type} is not served as a resource`,
            `add a resource definition for ${toTarget.type}, or remove this relation`,
          );
          continue;
        }
        relations.push(
          Object.freeze({
            ...base,
            kind: "manyToMany",
            target: target.name,
            joinModel: join.name,
            joinDelegate: camelCase(join.name),
            joinLocalField: toSelf.relationFromFields[0],
            joinTargetField: toTarget.relationFromFields[0],
            joinTargetRelation: toTarget.name,
          }),
        );
        continue;
      }
      const target = byModel.get(rf.type);
      if (!target) {
        const join = models.get(rf.type);
        const hint =
          join && rf.isList ? ` (for a many-to-many through ${rf.type}, set \`through\` to its relation field)` : "";
        issue(
          at,
          `the target model ${rf.type} is not served as a resource${hint}`,
          `add a resource definition for ${rf.type}, or remove this relation`,
        );
        continue;
      }
      if (rf.relationFromFields && rf.relationFromFields.length > 0) {
        if (rf.relationFromFields.length !== 1) {
          issue(at, "composite foreign keys are not served", "remove this relation");
          continue;
        }
        relations.push(
          Object.freeze({
            ...base,
            kind: "belongsTo",
            target: target.name,
            localField: rf.relationFromFields[0] as string,
            targetField: rf.relationToFields?.[0] ?? "id",
            isRequired: rf.isRequired,
          }),
        );
      } else {
        const back = target.model.fields.find(
          (f) => f.kind === "object" && f.relationName === rf.relationName && f.relationFromFields?.length,
        );
        if (!back?.relationFromFields?.[0] || !rf.isList) {
          issue(
            at,
            `one-to-one relations without a foreign key on ${model.name} are not served`,
            "expose it from the side that holds the foreign key",
          );
          continue;
        }
        if (o.onDelete === "setNull" && back.isRequired) {
          issue(
            `${at}.onDelete`,
            `"setNull" needs an optional foreign key, but ${target.model.name}.${back.relationFromFields[0]} is required`,
            'use "restrict" or "cascade", or make the column optional',
          );
        }
        if (o.onDelete === "cascade" && def.softDelete && !target.def.softDelete) {
          issue(
            `${at}.onDelete`,
            `"cascade" from a soft-deleted ${name} needs ${target.name} to be soft-deleted too (a restore would have nothing to bring back)`,
            `add \`softDelete\` to ${target.name}, or use "restrict"`,
          );
        }
        relations.push(
          Object.freeze({
            ...base,
            kind: "hasMany",
            target: target.name,
            foreignField: back.relationFromFields[0],
            onDelete: o.onDelete,
          }),
        );
      }
    }
    for (const r of relations) {
      if (fields.some((f) => f.name === r.name))
        issue(`${path}.relations.${r.name}`, `name collides with a field`, "rename the relation in the Prisma schema");
    }
    const maxPageSize = def.maxPageSize ?? 100;
    const defaultPageSize = Math.min(def.defaultPageSize ?? 25, maxPageSize);
    resources.push(
      Object.freeze({
        name,
        plural,
        model: model.name,
        delegate: camelCase(model.name),
        ...(def.description ? { description: def.description } : {}),
        names: Object.freeze(resourceNames(name, plural)),
        id,
        idGenerator: def.id ?? "database",
        fields: Object.freeze(fields),
        field: new Map(fields.map((f) => [f.name, f])),
        relations: Object.freeze(relations),
        relation: new Map(relations.map((r) => [r.name, r])),
        searchLanguage: def.searchLanguage ?? "english",
        version: def.concurrency
          ? { field: def.concurrency.field ?? "version", required: Boolean(def.concurrency.required) }
          : undefined,
        audit: Object.freeze(audit),
        softDelete: softDelete ? Object.freeze(softDelete) : undefined,
        revisions: revisionsOf(def, models.has("Revision"), path, issue),
        maxBatchSize: def.maxBatchSize ?? 100,
        maxPageSize,
        defaultPageSize,
        maxDepth: def.maxDepth ?? 3,
        ...(def.validate ? { validate: def.validate } : {}),
        ...effectiveAccess(def.access, Boolean(options.production), `${path}.access`, issue),
        scope: def.scope,
        scopedWrites: Boolean(def.scopedWrites),
        tenant: def.tenant,
        security: def.security,
      }),
    );
    if (def.scopedWrites !== undefined && !def.scope)
      issue(`${path}.scopedWrites`, "scopedWrites needs a `scope`", "add `scope`, or remove `scopedWrites`");
    if (!def.scope)
      for (const f of fields)
        if (f.hiddenWhenScoped)
          issue(
            `${path}.fields.${f.name}.hiddenWhenScoped`,
            "hiddenWhenScoped needs the resource's `scope`",
            "add `scope`, or remove `hiddenWhenScoped`",
          );
  }

  const usedEnums = new Map<string, readonly string[]>();
  for (const r of resources)
    for (const f of r.fields)
      if (f.enum && !(f.hidden.one && f.hidden.list && f.hidden.create && f.hidden.update))
        usedEnums.set(f.enum.name, f.enum.values);
  checkGraphQLTypeNames(resources, [...usedEnums.keys()], issue);

  if (issues.length > 0) throw new MetadataError(issues);
  return Object.freeze({
    resources: Object.freeze(resources),
    resource: new Map(resources.map((r) => [r.name, r])),
    byPath: new Map(resources.map((r) => [r.names.path, r])),
    enums: Object.freeze([...usedEnums].map(([name, values]) => Object.freeze({ name, values }))),
  });
}

type Issue = (path: string, message: string, fix: string) => void;
const AUDIT_COLUMNS = ["createdAt", "createdBy", "updatedAt", "updatedBy"] as const;

/** The audit columns a definition names (`true`: those of the conventional names the model has). */
function auditColumns(
  def: ResourceDefinition,
  columns: readonly string[],
  path: string,
  issue: Issue,
): ResolvedResource["audit"] {
  if (!def.audit) return {};
  const out: Record<string, string> = {};
  for (const key of AUDIT_COLUMNS) {
    const named =
      def.audit === true
        ? columns.includes(key)
          ? key
          : false
        : (def.audit[key] ?? (columns.includes(key) ? key : false));
    if (named === false) continue;
    if (!columns.includes(named))
      issue(`${path}.audit.${key}`, `the model has no column "${named}"`, `add it to the model, or set ${key}: false`);
    else out[key] = named;
  }
  if (Object.keys(out).length === 0)
    issue(
      `${path}.audit`,
      `the model has none of the audit columns ${AUDIT_COLUMNS.join(", ")}`,
      "add them to the model (createdBy/updatedBy as String?), or name other columns",
    );
  return out;
}

/** The trash column (a nullable DateTime) and the who-deleted column of soft delete. */
function softDeleteColumns(
  def: ResourceDefinition,
  scalars: readonly DatamodelField[],
  model: string,
  path: string,
  issue: Issue,
): { field: string; by: string | undefined } | undefined {
  if (!def.softDelete) return undefined;
  const o = def.softDelete === true ? {} : def.softDelete;
  const field = o.field ?? "deletedAt";
  const column = scalars.find((f) => f.name === field);
  if (column?.type !== "DateTime" || column.isRequired) {
    issue(
      `${path}.softDelete.field`,
      `"${field}" must be a nullable DateTime column of ${model}`,
      `add \`${field} DateTime?\` to the model (and a migration)`,
    );
  }
  const by =
    o.by === false ? undefined : (o.by ?? (scalars.some((f) => f.name === "deletedBy") ? "deletedBy" : undefined));
  if (by && !scalars.some((f) => f.name === by && !f.isRequired))
    issue(
      `${path}.softDelete.by`,
      `"${by}" must be a nullable column of ${model}`,
      `add \`${by} String?\`, or set by: false`,
    );
  return { field, by };
}

function revisionsOf(
  def: ResourceDefinition,
  hasRevisionModel: boolean,
  path: string,
  issue: Issue,
): ResolvedResource["revisions"] {
  if (!def.revisions) return undefined;
  if (!hasRevisionModel)
    issue(
      `${path}.revisions`,
      "the Prisma schema has no Revision model",
      "copy the Revision model from docs/guides/record-lifecycle.md into prisma/schema.prisma and migrate",
    );
  const o = def.revisions === true ? {} : def.revisions;
  return Object.freeze({ schemaVersion: o.schemaVersion ?? 1, migrate: o.migrate, draft: Boolean(o.draft) });
}

/** "an Int", "a String". */
function withArticle(word: string): string {
  return `${/^[AEIOU]/i.test(word) ? "an" : "a"} ${word}`;
}

const RESOURCE_OPTIONS = Object.keys(definitionSchema.shape).join(", ");
const FIELD_OPTIONS = Object.keys(fieldOptions.shape).join(", ");

/**
 * GraphQL type names beyond the per-resource ones checked in pass 1: per-field and per-relation filter
 * inputs, aggregate types, enums and the shared types (lifecycle ones included) must not collide with
 * each other or with a resource's types. Also within one resource: its query and mutation fields, and
 * the keys of its batch update input (`id`, `expectedVersion` next to the fields).
 */
function checkGraphQLTypeNames(
  resources: readonly ResolvedResource[],
  enumNames: readonly string[],
  issue: (path: string, message: string, fix: string) => void,
) {
  const owners = new Map<string, string>();
  const claim = (name: string, owner: string, path: string, fix: string) => {
    const previous = owners.get(name);
    if (previous !== undefined && previous !== owner)
      issue(path, `GraphQL type name "${name}" (${owner}) is also used by ${previous}`, fix);
    else owners.set(name, owner);
  };
  for (const name of [...Object.values(SHARED_GRAPHQL_NAMES), "String", "Int", "Float", "Boolean", "ID"])
    owners.set(name, "a built-in type");
  for (const r of resources) {
    const {
      type,
      whereInput,
      orderByInput,
      createInput,
      updateInput,
      connectionType,
      edgeType,
      revisionType,
      batchUpdateInput,
      batchResultType,
      batchItemType,
      changeType,
    } = r.names;
    for (const name of [
      type,
      whereInput,
      orderByInput,
      createInput,
      updateInput,
      connectionType,
      edgeType,
      revisionType,
      batchUpdateInput,
      batchResultType,
      batchItemType,
      changeType,
    ]) {
      // Collisions between resources were reported in pass 1; only the shared names are new here.
      if (owners.get(name) === "a built-in type")
        issue(
          r.name,
          `GraphQL type name "${name}" (resource ${r.name}) is a built-in type`,
          "set `name` on the resource",
        );
      else owners.set(name, `resource ${r.name}`);
    }
  }
  for (const name of enumNames)
    claim(name, `enum ${name}`, name, "rename the enum in the Prisma schema, or set `name` on the resource");
  for (const r of resources) {
    for (const f of r.fields) {
      if (f.filter.size === 0 || (f.hidden.one && f.hidden.list)) continue;
      const at = `${r.name}.fields.${f.name}`;
      if ((WHERE_INPUT_KEYS as readonly string[]).includes(f.name))
        issue(
          at,
          `a filterable field cannot be called "${f.name}" (a keyword of where inputs)`,
          "remove `filter`, or rename the field",
        );
      claim(
        fieldFilterInputName(r.names, f.name),
        `the filter of ${r.name}.${f.name}`,
        at,
        "set `name` on one of the resources, or rename the field",
      );
    }
    for (const relation of r.relations) {
      if (!relation.filterable) continue;
      const at = `${r.name}.relations.${relation.name}`;
      if ((WHERE_INPUT_KEYS as readonly string[]).includes(relation.name))
        issue(
          at,
          `a filterable relation cannot be called "${relation.name}" (a keyword of where inputs)`,
          "remove `filter`, or rename the relation",
        );
      if (relation.kind !== "belongsTo")
        claim(
          relationFilterInputName(r.names, relation.name),
          `the filter of ${r.name}.${relation.name}`,
          at,
          "set `name` on one of the resources, or rename the relation",
        );
    }
    for (const name of aggregateTypesOf(r))
      claim(name, `the aggregates of ${r.name}`, r.name, "set `name` on one of the resources");
    checkOwnFieldNames(r, issue);
  }
}

/**
 * Names that pass 1 cannot tell apart because one resource owns both: two root fields of the resource
 * (e.g. plural "postRevisions" is also the revision query of post), or a field of the batch update
 * input named like its `id` / `expectedVersion` keys.
 */
function checkOwnFieldNames(r: ResolvedResource, issue: Issue) {
  const n = r.names;
  const roots: [string, string][] = [
    ["one", n.one],
    ["list", n.list],
    ["count", n.count],
    ["connection", n.connection],
    ["aggregate", n.aggregate],
    ["create", n.create],
    ["update", n.update],
    ["delete", n.delete],
    ["purge", n.purge],
    ["createMany", n.createMany],
    ["updateMany", n.updateMany],
    ["deleteMany", n.deleteMany],
    ["purgeMany", n.purgeMany],
  ];
  if (r.softDelete) roots.push(["restore", n.restore], ["restoreMany", n.restoreMany]);
  if (r.revisions)
    roots.push(
      ["revisions", n.revisions],
      ["revision", n.revision],
      ["revisionDiff", n.revisionDiff],
      ["revert", n.revert],
    );
  if (r.revisions?.draft) roots.push(["publish", n.publish]);
  const seen = new Map<string, string>();
  for (const [kind, name] of roots) {
    const other = seen.get(name);
    if (other)
      issue(
        r.name,
        `GraphQL field name "${name}" is both the ${other} and the ${kind} field of ${r.name}`,
        "set a different `plural` (or `name`) on the resource",
      );
    else seen.set(name, kind);
  }
  const reserved = r.version ? ["id", "expectedVersion"] : ["id"];
  for (const f of r.fields) {
    if (f.isId || f.readOnly || f.hidden.update || !reserved.includes(f.name)) continue;
    issue(
      `${r.name}.fields.${f.name}`,
      `a field written on update cannot be called "${f.name}": ${n.batchUpdateInput} uses that key for ${f.name === "id" ? "the record's id" : "the version read"}`,
      "make the field read-only, or rename the column",
    );
  }
}

/**
 * The aggregate types a resource's GraphQL schema has: none unless it declares `groupBy` or `aggregate`
 * on a readable field; group-by types (key, enum, having, order) only with a `groupBy` field; one
 * object per function some field declares.
 */
function aggregateTypesOf(r: ResolvedResource): string[] {
  const readable = r.fields.filter((f) => !(f.hidden.one && f.hidden.list));
  const grouped = readable.some((f) => f.groupable);
  const aggregated = readable.some((f) => f.aggregates.size > 0);
  if (!grouped && !aggregated) return [];
  const names = aggregateTypeNames(r.names);
  const out = [names.group];
  if (grouped) out.push(names.key, names.groupByField, names.having, names.orderBy, names.keyOrderBy);
  if (grouped && aggregated) out.push(names.aggregateField);
  for (const fn of AGGREGATES) {
    if (!readable.some((f) => f.aggregates.has(fn))) continue;
    out.push(names.functions[fn].type);
    if (grouped) out.push(names.functions[fn].orderBy);
  }
  return out;
}

function fixFor(path: string[]): string {
  if (path[0] === "fields" && path[2] === "validate") return `validation rules are: ${VALIDATION_RULES.join(", ")}`;
  if (path[0] === "fields" && path.length >= 2) return `field options are: ${FIELD_OPTIONS}`;
  if (path[0] === "relations")
    return "relation options are: views, through, filter, sort, onDelete, description (or `true`)";
  return `resource options are: ${RESOURCE_OPTIONS}`;
}

/** Where an unlisted lifecycle operation takes its rule from. */
const PARENT_OPERATION: Partial<Record<AccessOperation, AccessOperation>> = {
  restore: "delete",
  purge: "delete",
  revert: "update",
  publish: "update",
};

/** true, false, "authenticated", a list of role names, or a checker function. */
function isRule(rule: unknown): boolean {
  if (typeof rule === "boolean" || rule === "authenticated" || typeof rule === "function") return true;
  return Array.isArray(rule) && rule.every((r) => typeof r === "string" && r.length > 0);
}

/** Every operation's rule: declared, else its parent's, else undefined (denied). */
function accessRules(
  access: Partial<Record<AccessOperation, unknown>>,
  at: string,
  issue: (path: string, problem: string, fix: string) => void,
): Record<AccessOperation, AccessRule | undefined> {
  const out = {} as Record<AccessOperation, AccessRule | undefined>;
  for (const op of ACCESS_OPERATIONS) {
    const rule = access[op] ?? (PARENT_OPERATION[op] ? access[PARENT_OPERATION[op]] : undefined);
    if (rule !== undefined && !isRule(rule))
      issue(
        `${at}.${op}`,
        `not an access rule: ${JSON.stringify(rule)}`,
        'use true, false, "authenticated", a list of roles, or a function',
      );
    out[op] = rule as AccessRule | undefined;
  }
  return Object.freeze(out);
}

/** A resource's rules and where they come from: declared, public, or the default (open; locked in production). */
function effectiveAccess(
  access: ResourceDefinition["access"],
  production: boolean,
  at: string,
  issue: (path: string, problem: string, fix: string) => void,
): Pick<ResolvedResource, "access" | "accessSource"> {
  if (access === "public") return { access: undefined, accessSource: "public" };
  if (access !== undefined) return { access: accessRules(access, at, issue), accessSource: "declared" };
  if (!production) return { access: undefined, accessSource: "open" };
  return { access: accessRules({ read: "authenticated" }, at, issue), accessSource: "locked" };
}

function checkFieldAccess<T extends { read?: unknown; write?: unknown }>(
  access: T,
  at: string,
  issue: (path: string, problem: string, fix: string) => void,
): T {
  for (const key of ["read", "write"] as const) {
    if (access[key] !== undefined && !isRule(access[key]))
      issue(
        `${at}.access.${key}`,
        `not an access rule: ${JSON.stringify(access[key])}`,
        'use true, false, "authenticated", a list of roles, or a function of the actor',
      );
  }
  return access;
}
