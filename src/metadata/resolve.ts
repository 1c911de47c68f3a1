/**
 * Resolves authored resource definitions against the Prisma datamodel into the frozen
 * {@link ResolvedSchema}. Pure: no I/O. Every problem is collected and thrown as one
 * {@link MetadataError} with paths and fixes. The steps live in resolve/, one module per thing resolved;
 * this module runs them in order (the order of the issues depends on it).
 */
import type { Datamodel, DatamodelModel } from "./datamodel.ts";
import { DEFAULT_DATASOURCE, type FieldOptions, type ResourceDefinition } from "./definition.ts";
import { MetadataError, type MetadataIssue, type ReportIssue } from "./errors.ts";
import { camelCase } from "./names.ts";
import type { ResolvedField, ResolvedResource, ResolvedSchema } from "./resolved.ts";
import { resolveActions } from "./resolve/actions.ts";
import { checkDatasources } from "./resolve/datasources.ts";
import { checkScopeOptions, checkTenantColumn, effectiveAccess } from "./resolve/access.ts";
import { type ValidDefinition, validDefinitions } from "./resolve/definitions.ts";
import { apiNameOf, checkApiNames, checkFieldKeys, managedColumns, resolveField } from "./resolve/fields.ts";
import { checkIdGenerator, hasSingleId } from "./resolve/ids.ts";
import { auditColumns, checkConcurrency, revisionsOf, softDeleteColumns } from "./resolve/lifecycle.ts";
import { checkGraphQLTypeNames, checkResourceNames } from "./resolve/names.ts";
import { servedOperations } from "./resolve/operations.ts";
import { resolveRelations } from "./resolve/relations.ts";

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
  const valid = validDefinitions(definitions, models, issue);
  checkResourceNames(valid, issue);
  const byModel = new Map(valid.map((v) => [v.model.name, v]));

  const resources: ResolvedResource[] = [];
  for (const entry of valid) {
    const resource = resolveResource(entry, { models, enums, byModel, issue, production: Boolean(options.production) });
    if (resource) resources.push(resource);
  }

  const usedEnums = new Map<string, readonly string[]>();
  for (const r of resources)
    for (const f of r.fields)
      if (f.enum && !(f.hidden.one && f.hidden.list && f.hidden.create && f.hidden.update))
        usedEnums.set(f.enum.name, f.enum.values);
  checkGraphQLTypeNames(resources, [...usedEnums.keys()], issue);
  checkDatasources(resources, models, issue);

  if (issues.length > 0) throw new MetadataError(issues);
  return Object.freeze({
    resources: Object.freeze(resources),
    resource: new Map(resources.map((r) => [r.name, r])),
    byPath: new Map(resources.map((r) => [r.names.path, r])),
    enums: Object.freeze([...usedEnums].map(([name, values]) => Object.freeze({ name, values }))),
  });
}

/** What resolving one resource needs of the others and of the datamodel. */
interface SchemaContext {
  models: ReadonlyMap<string, DatamodelModel>;
  enums: ReadonlyMap<string, readonly string[]>;
  byModel: ReadonlyMap<string, ValidDefinition>;
  issue: ReportIssue;
  production: boolean;
}

/** One resource, resolved; undefined when its id cannot be served (the issue says why). */
function resolveResource(
  { def, model, name, plural, names, path }: ValidDefinition,
  { models, enums, byModel, issue, production }: SchemaContext,
): ResolvedResource | undefined {
  const fieldDefs = (def.fields ?? {}) as Record<string, FieldOptions>;
  const scalarFields = model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
  const relationFields = model.fields.filter((f) => f.kind === "object");

  checkFieldKeys(fieldDefs, model.name, scalarFields, relationFields, path, issue);
  if (!hasSingleId(model, scalarFields, path, issue)) return undefined;

  const audit = auditColumns(
    def,
    scalarFields.map((f) => f.name),
    path,
    issue,
  );
  const softDelete = softDeleteColumns(def, scalarFields, model.name, path, issue);
  const tenant = def.tenant && checkTenantColumn(def, scalarFields, model.name, path, issue) ? def.tenant : undefined;
  const managed = managedColumns(audit, softDelete, tenant);

  const fields: ResolvedField[] = [];
  for (const f of scalarFields) {
    const field = resolveField(f, { def, fieldDefs, managed, enums, path, issue });
    if (field) fields.push(field);
  }
  checkConcurrency(def, fields, model.name, path, issue);
  const id = fields.find((f) => f.isId);
  if (!id) return undefined;
  const operations = servedOperations(def, path, issue);
  // A resource that never creates needs no way to make ids (a legacy table without a sequence, served
  // without `create`).
  if (operations.has("create")) checkIdGenerator(def, id, model, path, issue);
  checkApiNames(def, model, path, issue);
  // The definition names columns by their Prisma field; the resolved resource by their API name.
  const api = (prismaName: string) => apiNameOf(def, prismaName);
  const apiOf = <T extends Record<string, string | undefined>>(columns: T): T =>
    Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v === undefined ? v : api(v)])) as T;

  const relations = resolveRelations({ def, model, name, path, relationFields, fields, models, byModel, issue });
  const maxPageSize = def.maxPageSize ?? 100;
  const defaultPageSize = Math.min(def.defaultPageSize ?? 25, maxPageSize);
  const resolved = {
    name,
    plural,
    model: model.name,
    delegate: camelCase(model.name),
    ...(def.description ? { description: def.description } : {}),
    names: Object.freeze(names),
    id,
    idGenerator: def.id ?? "database",
    fields: Object.freeze(fields),
    field: new Map(fields.map((f) => [f.name, f])),
    relations: Object.freeze(relations),
    relation: new Map(relations.map((r) => [r.name, r])),
    datasource: def.datasource ?? DEFAULT_DATASOURCE,
    searchLanguage: def.searchLanguage ?? "english",
    version: def.concurrency
      ? { field: api(def.concurrency.field ?? "version"), required: Boolean(def.concurrency.required) }
      : undefined,
    audit: Object.freeze(apiOf(audit)),
    softDelete: softDelete ? Object.freeze(apiOf(softDelete)) : undefined,
    revisions: revisionsOf(def, models.has("Revision"), path, issue),
    maxBatchSize: def.maxBatchSize ?? 100,
    maxPageSize,
    defaultPageSize,
    maxDepth: def.maxDepth ?? 3,
    ...(def.validate ? { validate: def.validate } : {}),
    ...effectiveAccess(def.access, production, `${path}.access`, issue),
    scope: def.scope,
    scopedWrites: Boolean(def.scopedWrites),
    tenant: def.tenant === undefined ? undefined : api(def.tenant),
    security: def.security,
    operations,
    ignoreUnknown: Boolean(def.ignoreUnknown),
    ensure: def.ensure ? Object.freeze({ ...def.ensure }) : undefined,
  };
  const actions = Object.freeze(resolveActions(def.actions, { ...resolved, fields }, path, issue));
  const resource: ResolvedResource = Object.freeze({
    ...resolved,
    actions,
    action: new Map(actions.map((a) => [a.name, a])),
  });
  checkScopeOptions(
    def,
    fields,
    path,
    issue,
    model.fields.map((f) => f.name),
  );
  return resource;
}
