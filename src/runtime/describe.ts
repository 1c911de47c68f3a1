/**
 * The schema description: what one actor may do with each resource, derived from the resolved
 * metadata and the runtime's access rules alone, for clients that build their screens at run time
 * (the generated admin app reads it at `GET /api/_meta`; docs/reference/meta.md is the contract).
 *
 * It never promises what the runtime would refuse: an operation the actor may not perform is left out,
 * a field they may not see is left out (for them it does not exist), a relation to a resource they may
 * not read is left out, and a resource they may do nothing with is left out. Pure: the same schema and
 * actor always give the same description.
 */
import type { AccessOperation, ServedOperation } from "../metadata/definition.ts";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { ActorView } from "./access.ts";
import { announcesChanges } from "./announced.ts";
import {
  describeField,
  describeRelation,
  type FieldDescription,
  labelOf,
  type RelationDescription,
  typeOf,
} from "./describe-field.ts";

export type { FieldDescription, FieldType, RelationDescription, ValidationDescription } from "./describe-field.ts";

/** Version of the description's shape; raised when a key changes meaning or goes away. */
export const DESCRIPTION_VERSION = 1;

/**
 * May the actor perform an operation: `true`, or `"conditional"` when a rule decides per record or
 * input (a checker function: the server may still refuse some with a 403). Operations the actor may
 * never perform are absent.
 */
export type Grant = true | "conditional";

/** Operations a description lists, in this order. */
export const DESCRIBED_OPERATIONS = [
  "list",
  "get",
  "aggregate",
  "create",
  "update",
  "delete",
  "restore",
  "purge",
  "history",
  "revert",
  "publish",
  "batch",
] as const;
/** One described operation. */
export type DescribedOperation = (typeof DESCRIBED_OPERATIONS)[number];

/** The lifecycle features of a resource; a feature it does not have is `null`. */
export interface FeaturesDescription {
  /** Deletes go to a trash (rest-dialect.md §18): the columns (null where the actor may not read one). */
  softDelete: { field: string | null; by: string | null } | null;
  /** Every write keeps a revision (§19); `draft`: writes change a draft until it is published. */
  revisions: { draft: boolean } | null;
  /** Optimistic concurrency (§17): the version field (sent as ETag, expected in If-Match or the body). */
  concurrency: { field: string | null; required: boolean } | null;
  /** Change events (§21) of the resource as Server-Sent Events; null when the server runs none or the actor may not read. */
  events: { path: string } | null;
  /** Free-text search (§4.3): the list parameter (also a `filter` key) and the fields it searches. */
  search: { param: "q"; fields: string[] } | null;
  /** Multi-tenant: the tenant column, filled from the actor's tenant (null where the actor may not read it). */
  tenant: { field: string | null } | null;
  /** Columns the runtime fills in on every write (those the actor may read). */
  audit: { createdAt?: string; createdBy?: string; updatedAt?: string; updatedBy?: string } | null;
  /** The file fields the actor sees (each with its `blob` limits in `fields`). */
  files: string[];
  /**
   * Record locks (docs/guides/locks.md): the server keeps them (its schema has the `RecordLock` model)
   * and the actor may update records of this resource, which taking a lock needs.
   */
  locks: boolean;
}

/** A custom action (rest-dialect.md §27) the describing actor may run. */
export interface ActionDescription {
  name: string;
  description?: string;
  /** Acts on one record (`POST <url>/:id/<name>`) or on the collection (`POST <url>/<name>`). */
  record: boolean;
  /** Its GraphQL root type and field. */
  kind: "mutation" | "query";
  graphqlField: string;
  /** The REST path, with `:id` for record actions. */
  url: string;
  /** The JSON Schema of its input (the REST body). */
  input: Record<string, unknown>;
  /** `"record"` (the record read back), or the JSON Schema of its answer. */
  output: "record" | Record<string, unknown>;
  grant: Grant;
}

/** One resource as the describing actor may use it. */
export interface ResourceDescription {
  name: string;
  plural: string;
  /** The REST path segment, also the react-admin resource name (`posts`). */
  path: string;
  /** The REST collection URL (`/api/posts`). */
  url: string;
  /** The GraphQL object type (`Post`). */
  graphqlType: string;
  label: { singular: string; plural: string };
  description?: string;
  /** The id field, its type, and who makes ids (the database, a random UUID, the server's function). */
  id: { field: string; type: FieldDescription["type"]; generated: "database" | "uuid" | "server" };
  /** What lists without a `sort` are ordered by (a `q` search orders by relevance instead). */
  defaultSort: { field: string; order: "ASC" | "DESC" };
  pageSize: { default: number; max: number };
  maxBatchSize: number;
  /** What the actor may do; absent keys are operations they may not perform (see {@link Grant}). */
  operations: Partial<Record<DescribedOperation, Grant>>;
  features: FeaturesDescription;
  fields: FieldDescription[];
  relations: RelationDescription[];
  /** The custom actions the actor may run (their rule passes, or a checker decides: `grant` says which). */
  actions: ActionDescription[];
}

/** Who the description is for. */
export interface ActorDescription {
  id: string | number | null;
  roles: readonly string[];
  tenant: string | number | null;
  /** Holds the admin role: passes every rule, sees every tenant and scope. */
  admin: boolean;
  authenticated: boolean;
}

/** What {@link describeSchema} returns: the answer of `GET /api/_meta`. */
export interface SchemaDescription {
  version: typeof DESCRIPTION_VERSION;
  actor: ActorDescription;
  /** Where the API's parts are (`events` null when the server runs no change events). */
  endpoints: { rest: string; openapi: string; docs: string; events: string | null };
  resources: ResourceDescription[];
}

/** Options of {@link describeSchema}: where the REST facade lives, and whether it serves change events. */
export interface DescribeOptions {
  /** The REST base path, without a trailing slash. @example "/api" */
  basePath: string;
  /** Whether the event streams are served. */
  events: boolean;
  /** Whether records can be locked (the schema has the `RecordLock` model; docs/guides/locks.md). */
  locks: boolean;
}

/** Whether the actor may perform `operation`: a {@link Grant}, or undefined when never. */
function grantOf(resource: ResolvedResource, view: ActorView, operation: AccessOperation): Grant | undefined {
  if (view.privileged || !resource.access) return true;
  const allowed = view.passesStatically(resource.access[operation]);
  return allowed === undefined ? "conditional" : allowed ? true : undefined;
}

/** Whether the actor could create a record: on a multi-tenant resource they need a tenant the record can take. */
function hasTenantFor(resource: ResolvedResource, view: ActorView): boolean {
  if (!resource.tenant || view.privileged) return true;
  try {
    view.tenantFor(resource);
    return true;
  } catch {
    return false;
  }
}

/** The operations of `resource` the actor may perform, in {@link DESCRIBED_OPERATIONS} order. */
function operationsOf(resource: ResolvedResource, view: ActorView): Partial<Record<DescribedOperation, Grant>> {
  // An operation the resource does not serve is never described (§26), whoever asks.
  const serves = (operation: ServedOperation) => resource.operations.has(operation);
  const readGrant = grantOf(resource, view, "read");
  const read = (operation: "list" | "get") => (serves(operation) ? readGrant : undefined);
  // An actor the scope restricts may not write at all, unless the resource lets scoped actors write.
  const writes = view.privileged || !view.scoped(resource) || resource.scopedWrites;
  const write = (operation: AccessOperation & ServedOperation) =>
    writes && serves(operation) ? grantOf(resource, view, operation) : undefined;
  const all: Record<DescribedOperation, Grant | undefined> = {
    list: read("list"),
    get: read("get"),
    aggregate: read("list"),
    create: hasTenantFor(resource, view) ? write("create") : undefined,
    update: write("update"),
    delete: write("delete"),
    restore: resource.softDelete ? write("restore") : undefined,
    purge: resource.softDelete ? write("purge") : undefined,
    history: resource.revisions ? read("get") : undefined,
    revert: resource.revisions ? write("revert") : undefined,
    publish: resource.revisions?.draft ? write("publish") : undefined,
    batch: undefined,
  };
  // The batch routes (§20) serve the writes above, each item checked as its single-record write.
  const batched = [all.create, all.update, all.delete, all.restore, all.purge];
  all.batch = batched.includes(true) ? true : batched.includes("conditional") ? "conditional" : undefined;
  const out: Partial<Record<DescribedOperation, Grant>> = {};
  for (const name of DESCRIBED_OPERATIONS) {
    const grant = all[name];
    if (grant !== undefined) out[name] = grant;
  }
  return out;
}

/** One resource as the actor may use it; undefined when they may perform no operation on it. */
function describeResource(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  view: ActorView,
  options: DescribeOptions,
  readableResources: ReadonlySet<string>,
): ResourceDescription | undefined {
  const operations = operationsOf(resource, view);
  if (Object.keys(operations).length === 0) return undefined;
  const may = { create: operations.create !== undefined, update: operations.update !== undefined };
  const fields = resource.fields.flatMap((f) => describeField(resource, f, view, may, options.basePath) ?? []);
  const seen = new Map(fields.filter((f) => f.readable.one || f.readable.list).map((f) => [f.name, f]));
  const shown = (name: string | undefined) => (name !== undefined && seen.has(name) ? name : null);
  const relations = resource.relations.flatMap((relation) => {
    const target = readableResources.has(relation.target) ? schema.resource.get(relation.target) : undefined;
    return describeRelation(relation, target, resource, view) ?? [];
  });
  const searched = [...seen.values()].filter((f) => f.searchable).map((f) => f.name);
  const audit = Object.fromEntries(
    Object.entries(resource.audit).filter(([, column]) => shown(column) !== null),
  ) as FeaturesDescription["audit"];
  const generator = resource.idGenerator;
  const base = `${options.basePath}/${resource.names.path}`;
  return {
    name: resource.name,
    plural: resource.plural,
    path: resource.names.path,
    url: base,
    graphqlType: resource.names.type,
    label: { singular: labelOf(resource.name), plural: labelOf(resource.plural) },
    ...(resource.description !== undefined ? { description: resource.description } : {}),
    id: {
      field: resource.id.name,
      type: typeOf(resource.id),
      generated: generator === "database" ? "database" : generator === "uuid" ? "uuid" : "server",
    },
    defaultSort: { field: resource.id.name, order: "ASC" },
    pageSize: { default: resource.defaultPageSize, max: resource.maxPageSize },
    maxBatchSize: resource.maxBatchSize,
    operations,
    features: {
      softDelete: resource.softDelete
        ? { field: shown(resource.softDelete.field), by: shown(resource.softDelete.by) }
        : null,
      revisions: resource.revisions ? { draft: resource.revisions.draft } : null,
      concurrency: resource.version
        ? { field: shown(resource.version.field), required: resource.version.required }
        : null,
      events: options.events && operations.list && announcesChanges(resource) ? { path: `${base}/events` } : null,
      search: searched.length > 0 && operations.list ? { param: "q", fields: searched } : null,
      tenant: resource.tenant ? { field: shown(resource.tenant) } : null,
      audit: Object.keys(audit ?? {}).length > 0 ? audit : null,
      files: fields.filter((f) => f.blob).map((f) => f.name),
      // Taking a lock needs the right to update the record.
      locks: options.locks && operations.update !== undefined,
    },
    fields,
    relations,
    actions: actionsOf(resource, view, base),
  };
}

/** The custom actions of `resource` the actor may run: mutations also need the scope's write rule. */
function actionsOf(resource: ResolvedResource, view: ActorView, base: string): ActionDescription[] {
  const writes = view.privileged || !view.scoped(resource) || resource.scopedWrites;
  return resource.actions.flatMap((action) => {
    if (action.kind === "mutation" && !writes) return [];
    const allowed = view.privileged || action.access === undefined ? true : view.passesStatically(action.access);
    if (allowed === false) return [];
    return [
      {
        name: action.name,
        ...(action.description !== undefined ? { description: action.description } : {}),
        record: action.record,
        kind: action.kind,
        graphqlField: action.names.field,
        url: action.record ? `${base}/:id/${action.name}` : `${base}/${action.name}`,
        input: { ...action.input.json },
        output: action.output === "record" ? "record" : { ...action.output.json },
        grant: allowed === undefined ? "conditional" : true,
      },
    ];
  });
}

/** Who `view` is for, as the description tells them. */
function describeActor(view: ActorView): ActorDescription {
  const { actor } = view;
  return {
    id: actor.id ?? null,
    roles: actor.roles,
    tenant: actor.tenantId ?? null,
    admin: view.privileged,
    authenticated: actor.id !== undefined,
  };
}

/**
 * Describes every resource of `schema` as the actor of `view` may use it (docs/reference/meta.md).
 * @example
 * const view = new ActorView(ctx.actor, runtime.isAdmin(ctx));
 * const meta = describeSchema(runtime.schema, view, { basePath: "/api", events: true });
 * meta.resources.find((r) => r.path === "posts")?.operations.create; // true, "conditional" or undefined
 */
export function describeSchema(schema: ResolvedSchema, view: ActorView, options: DescribeOptions): SchemaDescription {
  const readable = new Set(schema.resources.filter((r) => grantOf(r, view, "read")).map((r) => r.name));
  return {
    version: DESCRIPTION_VERSION,
    actor: describeActor(view),
    endpoints: {
      rest: options.basePath || "/",
      openapi: `${options.basePath}/openapi.json`,
      docs: `${options.basePath}/docs`,
      events: options.events ? `${options.basePath}/events` : null,
    },
    resources: schema.resources.flatMap((r) => describeResource(schema, r, view, options, readable) ?? []),
  };
}
