/**
 * The first step of resolution: the shape of each authored definition (unknown options, wrong types) and
 * its Prisma model, so the later steps, relations included, only see definitions that can be read.
 */
import { z } from "zod";
import type { DatamodelModel } from "../datamodel.ts";
import {
  ACCESS_OPERATIONS,
  AGGREGATES,
  DATASOURCE_NAME,
  NAMING_CONVENTIONS,
  OPERATIONS,
  OPERATORS,
  type ResourceDefinition,
  SECURITY_PROFILES,
  VIEWS,
} from "../definition.ts";
import type { ReportIssue } from "../errors.ts";
import { camelCase, NAME_PATTERN, pluralize, resourceNames } from "../names.ts";
import type { ResourceNames } from "../resolved.ts";
import { fieldValidationSchema, VALIDATION_RULES } from "../validation.ts";
import { restPathOf } from "./rest-path.ts";

const valueSource = z.union([
  z.literal("now"),
  z.literal("uuid"),
  z.literal("actor"),
  z.strictObject({ constant: z.unknown() }),
  z.strictObject({ claim: z.string().min(1) }),
  z.function(),
]);
const columnName = z.union([z.string().min(1), z.literal(false)]);
const fieldOptions = z.strictObject({
  apiName: z.string().regex(NAME_PATTERN, "letters and digits, starting with a letter").optional(),
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
  // Only the shape here; resolveBlob (fields.ts) checks the values and the column.
  blob: z.strictObject({ maxBytes: z.number(), contentTypes: z.array(z.string()) }).optional(),
});
const relationOptions = z.union([
  z.literal(true),
  z.strictObject({
    views: z.array(z.enum(["one", "list"])).optional(),
    through: z.string().optional(),
    filter: z.boolean().optional(),
    sort: z.boolean().optional(),
    onDelete: z.enum(["restrict", "cascade", "setNull"]).optional(),
    nestedWrites: z.boolean().optional(),
    description: z.string().optional(),
  }),
]);
const definitionSchema = z.strictObject({
  model: z.string().min(1),
  name: z.string().regex(NAME_PATTERN, "letters and digits, starting with a letter").optional(),
  plural: z.string().regex(NAME_PATTERN, "letters and digits, starting with a letter").optional(),
  naming: z.union([z.enum(NAMING_CONVENTIONS), z.function()]).optional(),
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
  operations: z.array(z.enum(OPERATIONS)).optional(),
  readOnly: z.boolean().optional(),
  // Only the shape here; resolveActions (actions.ts) checks each action.
  actions: z.record(z.string(), z.unknown()).optional(),
  ignoreUnknown: z.boolean().optional(),
  ensure: z.record(z.string(), z.unknown()).optional(),
  datasource: z
    .string()
    .regex(DATASOURCE_NAME, "a datasource name: lowercase letters, digits and _, starting with a letter")
    .optional(),
});

/** A definition of the right shape, with its model and its names. */
export interface ValidDefinition {
  def: ResourceDefinition;
  model: DatamodelModel;
  name: string;
  plural: string;
  /** Every public name, the REST path by the definition's `naming`. */
  names: ResourceNames;
  /** The definition's name, the first segment of its issues' paths. */
  path: string;
}

/** The definitions of the right shape whose model exists, once each; every other one is an issue. */
export function validDefinitions(
  definitions: readonly ResourceDefinition[],
  models: ReadonlyMap<string, DatamodelModel>,
  issue: ReportIssue,
): ValidDefinition[] {
  const valid: ValidDefinition[] = [];
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
    const plural = raw.plural ?? pluralize(name);
    const restPath = restPathOf(raw.naming ?? "same", { model: model.name, name, plural }, name, issue);
    valid.push({ def: raw, model, name, plural, names: resourceNames(name, plural, restPath), path: name });
  });
  return valid;
}

const RESOURCE_OPTIONS = Object.keys(definitionSchema.shape).join(", ");
const FIELD_OPTIONS = Object.keys(fieldOptions.shape).join(", ");

/** The fix of a shape issue at `path`: the options that exist there. */
function fixFor(path: string[]): string {
  if (path[0] === "naming")
    return `use one of ${NAMING_CONVENTIONS.map((n) => `"${n}"`).join(", ")}, or a function returning the path`;
  if (path[0] === "fields" && path[2] === "validate") return `validation rules are: ${VALIDATION_RULES.join(", ")}`;
  if (path[0] === "fields" && path[2] === "apiName")
    return "name it with letters and digits, starting with a letter (a GraphQL name), e.g. writerId";
  if (path[0] === "fields" && path.length >= 2) return `field options are: ${FIELD_OPTIONS}`;
  if (path[0] === "operations")
    return `operations are: ${OPERATIONS.join(", ")} (lifecycle ones, batches, locks and events follow them)`;
  if (path[0] === "relations")
    return "relation options are: views, through, filter, sort, onDelete, nestedWrites, description (or `true`)";
  return `resource options are: ${RESOURCE_OPTIONS}`;
}
