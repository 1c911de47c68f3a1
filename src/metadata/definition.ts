// Longer than 400 lines: it is the one authored vocabulary of a resource (options, rules, hooks), mostly
// types whose TSDoc is the reference of every metadata option; read top to bottom as one page, and imported
// by every layer, so splitting it would scatter that reference and every import of it.
/**
 * The authored form of a resource: what a team writes in schema/<resource>.ts. Loose and optional by
 * design; {@link resolveResources} turns it into the strict, frozen {@link ResolvedResource} that every
 * transport and the runtime read.
 */

import type { z } from "zod";

/** Filter operators a field can allow. Which ones fit depends on the field's type. */
export const OPERATORS = [
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
  "like",
  "regex",
] as const;
/** One filter operator. */
export type Operator = (typeof OPERATORS)[number];

/** Aggregate functions over a field (besides `count`, which any query may ask for). */
export const AGGREGATES = ["sum", "avg", "min", "max"] as const;
/** One aggregate function. */
export type AggregateFunction = (typeof AGGREGATES)[number];

/** The views a field can be hidden in: input on create or update, output of one record or of a list. */
export const VIEWS = ["create", "update", "one", "list"] as const;
/** One view. */
export type View = (typeof VIEWS)[number];

/** Context a computed value receives. */
export interface ValueContext {
  /** The acting user's id, or undefined when anonymous. */
  actorId: string | number | undefined;
  /** Who the write is recorded as: the actor's id, or the runtime's default actor when anonymous. */
  actor: string | number;
  /** The time of the operation (one clock reading per operation). */
  now: Date;
  /** What the actor's credentials said (a JWT's claims); empty when anonymous. @example claims.name */
  claims: Readonly<Record<string, unknown>>;
}

/**
 * Where a value comes from when the runtime fills it in (ServiceStack's AutoPopulate): `"now"` (the
 * operation's time), `"uuid"` (a random UUID v4), `"actor"` (the acting user's id, or the default actor
 * when no one is signed in; text on a String column), `{ constant: value }`, `{ claim: name }` (a claim
 * of the actor's credentials, e.g. the JWT's `name`, converted to the column's type; null when the
 * credentials carry none, a 422 when it does not fit), or a function of the operation's context.
 * Fields the runtime fills in are never writable by clients.
 * @example onCreate: { claim: "name" } // createdByName from the JWT's name claim
 */
export type ValueSource =
  | "now"
  | "uuid"
  | "actor"
  | { readonly constant: unknown }
  | { readonly claim: string }
  | ((context: ValueContext) => unknown);

/** What happens to the records of a has-many relation when their parent is deleted. */
export type DeleteRule = "restrict" | "cascade" | "setNull";

/**
 * Audit columns the runtime fills in on every write. `true` takes the columns the model has among
 * createdAt, createdBy, updatedAt and updatedBy; an object names them (`false` leaves one out).
 */
export type AuditOptions =
  | true
  | { createdAt?: string | false; createdBy?: string | false; updatedAt?: string | false; updatedBy?: string | false };

/** Soft delete: delete sets `field` (a nullable DateTime) and `by` (who) instead of removing the row. */
export type SoftDeleteOptions = true | { field?: string; by?: string | false };

/**
 * Revision history: every write stores an immutable snapshot in the `Revision` model, in the same
 * transaction.
 */
export interface RevisionOptions {
  /**
   * The version of the snapshot's shape. Raise it when the model changes, and teach `migrate` to
   * upgrade older snapshots. @default 1
   */
  schemaVersion?: number;
  /**
   * Upgrades a snapshot written under `fromVersion` to the current schemaVersion. Runs whenever an
   * older revision is read, compared or reverted to; the stored row is never changed.
   */
  migrate?: (data: Record<string, unknown>, fromVersion: number) => Record<string, unknown>;
  /**
   * Draft mode (AutoCRUD's default_status=draft): writes make a draft revision, and further writes
   * change that draft in place until it is published (`publish`), which makes it a stable revision.
   * @default false
   */
  draft?: boolean;
}

/**
 * A validation rule's value, or the value with the message clients see when it fails (instead of the
 * built-in one).
 * @example maxLength: 200
 * @example maxLength: [80, "Keep titles under 80 characters"]
 */
export type Rule<T> = T | readonly [T, string];

/** What write the validation is for. */
export type ValidationAction = "create" | "update" | "patch";

/** Context a custom field validator and a resource's `validate` receive. */
export interface ValidationContext {
  /**
   * The record as it will be written: on create the checked input; on update and patch the existing
   * row merged with the changes. Fields hidden from every output view are not read back, so they are
   * only there when the write sends them.
   */
  readonly data: Readonly<Record<string, unknown>>;
  /** The row before the write (update, patch); undefined on create. */
  readonly existing: Readonly<Record<string, unknown>> | undefined;
  /** The acting user's id, or undefined when anonymous. */
  readonly actorId: string | number | undefined;
  readonly action: ValidationAction;
}

/** A custom field check: a message when `value` is invalid, otherwise undefined. */
export type FieldValidator = (
  value: unknown,
  context: ValidationContext,
) => string | undefined | Promise<string | undefined>;

/**
 * A cross-field check of the whole record: messages keyed by field, a form-level message (a string),
 * or undefined when the record is valid.
 */
export type ResourceValidator = (
  data: Readonly<Record<string, unknown>>,
  context: ValidationContext,
) => Record<string, string> | string | undefined | Promise<Record<string, string> | string | undefined>;

/**
 * Declarative constraints on a field's value, checked by the runtime on every create, update and
 * patch after the value's type is checked. Every rule is off unless set; each may carry its own
 * message (see {@link Rule}). A null value passes every rule but `required` (and `custom`, which sees
 * every value). Rules must fit the field's type; a misfit is a boot error.
 */
export interface FieldValidation {
  /** Must not be null; text must not be blank either (only whitespace counts as blank). @default false */
  required?: Rule<boolean>;
  /** Text: at least this many characters (UTF-16 code units, as String.length counts). @example minLength: 3 */
  minLength?: Rule<number>;
  /** Text: at most this many characters. @example maxLength: 200 */
  maxLength?: Rule<number>;
  /**
   * Text: must match (a string is compiled as a RegExp; anchor it with ^ and $ to match the whole
   * value; the g and y flags are refused, as they make `test` stateful).
   * @example pattern: /^[a-z0-9]+(?:-[a-z0-9]+)*$/
   */
  pattern?: Rule<RegExp | string>;
  /** Numbers: at least this value; date-times: not before this ISO 8601 instant. @example min: 0 */
  min?: Rule<number | string | Date>;
  /** Numbers: at most this value; date-times: not after this ISO 8601 instant. @example max: "2100-01-01T00:00:00Z" */
  max?: Rule<number | string | Date>;
  /** Text: an email address (zod's email pattern: local@domain.tld, no quoted or IP forms). @default false */
  email?: Rule<boolean>;
  /** Text: an absolute http or https URL with a host. @default false */
  url?: Rule<boolean>;
  /**
   * One of these values (compared with ===). For the message form wrap the values in an array:
   * `oneOf: [["a", "b"], "Pick a or b"]`.
   * @example oneOf: ["en", "de", "fr"]
   */
  oneOf?: readonly unknown[] | readonly [readonly unknown[], string];
  /**
   * Runs after the built-in rules pass (also for null): return a message to refuse the value.
   * @example custom: (value) => (String(value).includes("lorem") ? "looks like placeholder text" : undefined)
   */
  custom?: FieldValidator;
}

/**
 * Who acts, as access rules, scopes and tenants see it (the runtime's `Actor` is one). Roles come from
 * the credentials (a JWT's roles claim, an API key's entry); the tenant from the tenant claim.
 */
export interface AccessActor {
  /** Stable id, or undefined for anonymous. */
  readonly id: string | number | undefined;
  readonly roles: readonly string[];
  /** The tenant the actor belongs to (multi-tenancy), if any. */
  readonly tenantId?: string | number | undefined;
  /** What the credentials said (e.g. a JWT's claims). */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Operations a resource's `access` rules govern. `read` covers every read (lists, counts,
 * aggregates, one record, revisions, change events); the others are the writes of the same name
 * (`update` covers patch too).
 */
export const ACCESS_OPERATIONS = [
  "read",
  "create",
  "update",
  "delete",
  "restore",
  "purge",
  "revert",
  "publish",
] as const;
/** One governed operation. */
export type AccessOperation = (typeof ACCESS_OPERATIONS)[number];

/** Lifecycle operations, each with the operation it follows. */
export type LifecycleOperation = "restore" | "purge" | "revert" | "publish";

/**
 * The one mapping of lifecycle operations to their parent, for `access` and `operations` alike:
 * `restore` and `purge` follow `delete` (they are what a trash adds to deleting), `revert` and `publish`
 * follow `update` (they change a record's fields).
 */
export const LIFECYCLE_PARENT: Readonly<Record<LifecycleOperation, "delete" | "update">> = Object.freeze({
  restore: "delete",
  purge: "delete",
  revert: "update",
  publish: "update",
});

/**
 * The built-in operations a resource can serve (its {@link ResourceDefinition.operations}), in this order.
 * `list` serves lists, counts, aggregates, keyset pages and reads by many ids; `get` one record, its
 * revisions and its past (`asOf`); `create`; `update` every change of a record's fields (REST PUT and
 * PATCH, GraphQL's update, which are patches; `service.update` and `service.patch`); `delete`. The
 * others follow: lifecycle operations their parent ({@link LIFECYCLE_PARENT}), a batch its single
 * operation, record locks `update`, files (download `get`, upload and removal `update`), change events
 * and subscriptions `list` (a live list).
 */
export const OPERATIONS = ["list", "get", "create", "update", "delete"] as const;
/** One built-in operation. */
export type BuiltInOperation = (typeof OPERATIONS)[number];
/** The operations that write: what `readOnly: true` leaves out. */
export const WRITE_OPERATIONS = ["create", "update", "delete"] as const satisfies readonly BuiltInOperation[];
/**
 * An operation a resource serves or not: a built-in one, a lifecycle one (which follows its parent), or
 * `deleteWhere`, delete by filter (rest-dialect.md §29), which finds records as a list does and deletes
 * each: served where both `list` and `delete` are.
 */
export type ServedOperation = BuiltInOperation | LifecycleOperation | "deleteWhere";

/** What a custom access checker receives. */
export interface AccessCheck {
  readonly actor: AccessActor;
  /** The operation; for a custom action (see {@link ActionDefinition}), the one it counts as (its default rule's). */
  readonly operation: AccessOperation;
  /** The custom action's name, when the check is for one (`close`); absent otherwise. */
  readonly action?: string | undefined;
  /** Resource name, e.g. `post`. */
  readonly resource: string;
  /** The record's id, on writes to one record. */
  readonly id?: string | number | undefined;
  /** The fields the client sent, on create and update; a custom action's parsed input. */
  readonly input?: Readonly<Record<string, unknown>> | undefined;
  /** The record before the write (already inside the actor's tenant and scope), on writes to one record. */
  readonly existing?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Who may perform an operation: `true` (everyone, anonymous included), `false` (no one but the admin
 * role), `"authenticated"` (anyone signed in), a list of roles (any of them), or a checker function
 * (sync or async). The admin role (`"admin"` unless the runtime names another) passes every rule.
 * @example create: ["author", "editor"]
 * @example update: ({ actor, existing }) => actor.roles.includes("editor") || existing?.authorId === actor.id
 */
export type AccessRule =
  | boolean
  | "authenticated"
  | readonly string[]
  | ((check: AccessCheck) => boolean | Promise<boolean>);

/**
 * Operation permissions of a resource (RBAC): an operation is allowed only by its rule. Unlisted
 * lifecycle operations follow their parent ({@link LIFECYCLE_PARENT}): `restore` and `purge` follow
 * `delete`, `revert` and `publish` follow `update`; any other unlisted operation is denied. Denied → 403 (401 when no one is
 * signed in). A resource that declares no rules is governed by {@link ResourceDefinition.access}'s default.
 * @example access: { read: true, create: "authenticated", update: ["editor"], delete: ["editor"] }
 */
export type AccessOptions = Partial<Record<AccessOperation, AccessRule>>;

/**
 * Where a resolved resource's operation rules come from:
 * - `declared`: its own `access` rules;
 * - `public`: `access: "public"`, open to every actor, anonymous included, on purpose;
 * - `open`: no `access` at all, outside production: open to every actor (the boot warns);
 * - `locked`: no `access` at all, in production: reads need a signed-in actor, writes the admin role.
 */
export type AccessSource = "declared" | "public" | "open" | "locked";

/** Who may read or write a field: like {@link AccessRule}, but decided per actor (a function gets the actor only). */
export type FieldAccessRule = boolean | "authenticated" | readonly string[] | ((actor: AccessActor) => boolean);

/**
 * A row scope: a condition, in Prisma's `where` syntax over the fields (by API name) and relations, that
 * every row the actor sees and writes must meet. `undefined` leaves the actor unscoped.
 * @example (actor) => (actor.roles.includes("agent") ? undefined : { reporterId: actor.id ?? -1 })
 */
export type ScopeFunction = (actor: AccessActor) => Record<string, unknown> | undefined;

/**
 * Request-handling strictness (CRUDCrate's profiles): `secure` refuses unknown query parameters,
 * filter fields and operators, answers a batch delete with the ids alone and takes bodies up to 1 MiB;
 * `react_admin` is as strict on filters but ignores the unknown filter keys react-admin's own filter
 * forms send (`q` aside), batch delete answers ids, 2 MiB bodies; `legacy` ignores unknown parameters
 * and filter keys, batch delete answers the deleted records, 10 MiB bodies.
 */
export const SECURITY_PROFILES = ["secure", "react_admin", "legacy"] as const;
/** One security profile. */
export type SecurityProfile = (typeof SECURITY_PROFILES)[number];

/** Options of one scalar field. Every option is off unless set. */
export interface FieldOptions {
  /**
   * The field's name in the API, when it differs from the Prisma field's (AutoQuery's AutoMap,
   * CRUDCrate's field renames): records, filters, sorts, `qb`, embeds, aggregates, events, revisions,
   * GraphQL and OpenAPI all use it; only storage speaks the Prisma field and its `@map`ped column.
   * Letters and digits, starting with a letter; it may not take the name of another field or relation.
   * The other options of the definition keep naming the Prisma field (`fields` keys, `audit`,
   * `softDelete`, `concurrency`, `tenant`); hooks, validators, access checks and `scope` conditions see
   * and write API names (docs/reference/rest-dialect.md §31).
   * @default the Prisma field's name
   * @example authorId: { apiName: "writerId", filter: ["eq", "in"] }
   */
  apiName?: string;
  /**
   * Operators clients may filter this field with, or `true` for every operator that fits its type.
   * @default undefined (not filterable)
   * @example filter: ["eq", "in", "contains"]
   */
  filter?: readonly Operator[] | true;
  /** Clients may sort by this field. @default false */
  sort?: boolean;
  /** Included in the free-text `q` / `search` match (text fields only). @default false */
  search?: boolean;
  /**
   * Views this field is hidden in, or `true` for all of them. A field hidden in `one` and `list`
   * never leaves the server; one hidden in `create`/`update` cannot be written by clients there.
   * @default undefined (visible everywhere)
   * @example hidden: ["one", "list"] // write-only, e.g. a password hash
   */
  hidden?: boolean | readonly View[];
  /** Clients may never write this field (it may still be set by `onCreate`/`onUpdate`). @default false */
  readOnly?: boolean;
  /** Value the runtime sets on create, overriding any client input. @example onCreate: "now" */
  onCreate?: ValueSource;
  /** Value the runtime sets on every update and patch. @example onUpdate: "now" */
  onUpdate?: ValueSource;
  /**
   * Aggregates clients may compute over this field: `true` for every one that fits its type (sum and
   * avg on numbers; min and max on numbers, dates and text). `count` needs no declaration.
   * @default undefined (none)
   * @example aggregate: ["sum", "avg", "max"]
   */
  aggregate?: readonly AggregateFunction[] | true;
  /** Clients may group aggregates by this field. @default false */
  groupBy?: boolean;
  /**
   * Value used when the client sends none: on create, and on update (which replaces the record), before
   * validation. A function is computed per write from its context (the actor, the time, the
   * credentials' claims: {@link ValueContext}); it never overrides a value the client sent, `null`
   * included. @default undefined (the database default, if any)
   * @example default: "draft"
   * @example default: ({ now }) => new Date(now.getTime() + 7 * 86_400_000) // due in a week
   */
  default?: unknown;
  /** Shown in GraphQL and OpenAPI descriptions. */
  description?: string;
  /**
   * Constraints on the values clients write (see {@link FieldValidation}).
   * @default undefined (only the type and NOT NULL are checked)
   * @example validate: { required: true, minLength: 3, maxLength: [200, "Keep titles under 200 characters"] }
   */
  validate?: FieldValidation;
  /**
   * Who may read and write this field. A field the actor may not read is left out of every record
   * they get and refused in their filters, sorts, searches and aggregates; sending one they may not
   * write is a 403. @default undefined (whoever may read or write the record)
   * @example access: { read: ["admin", "support"], write: ["admin"] }
   */
  access?: { read?: FieldAccessRule; write?: FieldAccessRule };
  /**
   * Withheld from actors the resource's `scope` restricts (CRUDCrate's exclude(scoped)): left out of
   * their records and refused in their filters, sorts, searches and aggregates. @default false
   */
  hiddenWhenScoped?: boolean;
  /**
   * Makes the field a file (docs/guides/files.md): its `Json?` column holds `{ id, size, contentType, filename }`
   * (id: the sha256 of the bytes in the blob store), records add a `url` to fetch the bytes, and the bytes
   * are uploaded at `PUT /api/<resource>/<id>/<field>`, never in a JSON body (which may only send `null`).
   * @default undefined (an ordinary field)
   * @example blob: { maxBytes: 5_000_000, contentTypes: ["image/png", "image/jpeg", "image/webp"] }
   */
  blob?: BlobOptions;
}

/** Limits of a file field (see {@link FieldOptions.blob}). */
export interface BlobOptions {
  /** Largest accepted upload in bytes; larger ones get 413. Positive. @example maxBytes: 5_000_000 */
  maxBytes: number;
  /**
   * Accepted media types; an upload must declare one of them and its bytes must be sniffed as that type
   * (else 415). Not empty. @example contentTypes: ["image/png", "image/jpeg"]
   */
  contentTypes: readonly string[];
}

/** Views a relation can be embedded in. */
export type RelationView = "one" | "list";

/** Options of one exposed relation. A relation not listed in `relations` is not exposed at all. */
export interface RelationOptions {
  /**
   * Where the relation may be read: `one` (a single record), `list` (each record of a list).
   * @default ["one", "list"]
   */
  views?: readonly RelationView[];
  /**
   * For a many-to-many through an explicit join model: the relation field, on the join model, that
   * points at the other side. @example tags: { through: "tag" } // Post.tags is PostTag[]; PostTag.tag is Tag
   */
  through?: string;
  /**
   * Clients may filter through this relation on the related resource's filterable fields
   * (`where: { author: { name: { contains: "ada" } } }`, `filter={"author.name":"Ada"}`); to-many
   * relations take `some` / `every` / `none`. @default false
   */
  filter?: boolean;
  /**
   * Clients may sort by the related resource's sortable fields: to-one relations by the related value
   * (`author.name`), has-many ones by the least value ascending and the greatest descending
   * (`-comments.createdAt`: newest comment first); not many-to-many ones. @default false
   */
  sort?: boolean;
  /**
   * Has-many relations: what deleting the parent does to these records. `restrict` refuses while live
   * ones exist; `cascade` deletes them too (soft-deletes them when the parent is soft-deleted, and
   * restores them with it); `setNull` clears their foreign key. @default undefined (the database's rule)
   */
  onDelete?: DeleteRule;
  /**
   * Clients may write related records through this relation in the parent's create, update or patch
   * (docs/reference/rest-dialect.md §28): a to-one takes `{ connect: { id } }`, `{ create: {...} }` or
   * `{ disconnect: true }` (optional foreign keys only); a to-many takes `connect`, `create`,
   * `disconnect`, `set` and `update` lists. Each related write is checked, validated, hooked, audited
   * and recorded as if it were sent on its own, in the parent's transaction.
   * @default false
   * @example tags: { through: "tag", nestedWrites: true } // createPost(data: { title, tags: { connect: [{ id: 1 }] } })
   */
  nestedWrites?: boolean;
  description?: string;
}

/** The built-in naming conventions of REST paths (see {@link Naming}). */
export const NAMING_CONVENTIONS = ["same", "pascal", "camel", "snake", "kebab"] as const;

/**
 * A built-in naming convention, applied to the resource's plural: `same` keeps it (`ticketReplies`),
 * `pascal` → `TicketReplies`, `camel` → `ticketReplies`, `snake` → `ticket_replies`,
 * `kebab` → `ticket-replies`.
 */
export type NamingConvention = (typeof NAMING_CONVENTIONS)[number];

/** What a naming function receives: the resource's model and its GraphQL singular and plural names. */
export interface NamingInput {
  /** The Prisma model, e.g. `TicketReply`. */
  readonly model: string;
  /** The singular name, e.g. `ticketReply`. */
  readonly name: string;
  /** The plural name, e.g. `ticketReplies`. */
  readonly plural: string;
}

/**
 * How a resource's REST path (`/api/<path>`, also its react-admin resource name, its name in
 * `/api/_meta`, OpenAPI, event streams and backups) is made from its names: a {@link NamingConvention},
 * or a function returning the path segment (letters, digits, `-` and `_`, starting with a letter; checked
 * at boot). GraphQL names never follow it: they stay `ticketReplies`, `TicketReply`.
 * @example naming: "kebab" // TicketReply → /api/ticket-replies
 * @example naming: ({ plural }) => `v1_${plural}`
 */
export type Naming = NamingConvention | ((names: NamingInput) => string);

/** How a resource's ids are made on create. */
export type IdGenerator = "database" | "uuid" | (() => string | number);

/** The datasource of a resource that declares none: the server's `DATABASE_URL`. */
export const DEFAULT_DATASOURCE = "default";

/** What a datasource name looks like: lowercase letters, digits and `_`, starting with a letter. */
export const DATASOURCE_NAME = /^[a-z][a-z0-9_]*$/;

/** A resource definition: one Prisma model served over GraphQL and REST. */
export interface ResourceDefinition<Scalar extends string = string, Relation extends string = string> {
  /** The Prisma model this resource serves. */
  model: string;
  /** Singular name (GraphQL `post`, `createPost`). @default the model name in camelCase */
  name?: string;
  /** Plural name (GraphQL `posts`; REST `/api/posts` through `naming`). @default name + "s" (y → ies) */
  plural?: string;
  /**
   * How the REST path is made from the names (see {@link Naming}); overrides the project's setting
   * (`createResourceDefiner<Models>({ naming })`). @default the project's setting, else `"same"` (the plural)
   * @example naming: "snake" // TicketReply → /api/ticket_replies
   */
  naming?: Naming;
  description?: string;
  /** How ids are made on create. @default "database" (the column's default, e.g. autoincrement) */
  id?: IdGenerator;
  /**
   * PostgreSQL text search configuration of full-text search over the fields declared `search`
   * (`english` stems words, `simple` does not). A GIN index on the same expression makes it fast:
   * `npm run db:search-indexes` prints the statements for a migration. @default "english"
   */
  searchLanguage?: string;
  /**
   * Optimistic concurrency: an Int column that every write increments. Clients may send the version
   * they read (GraphQL `expectedVersion`, REST `If-Match` or a `version` in the body); a write against
   * a newer row fails with the current version. With `required`, updates and deletes must send it.
   * @default undefined (off)
   * @example concurrency: { field: "version" }
   */
  concurrency?: { field?: string; required?: boolean };
  /**
   * Audit columns filled in by the runtime on every write, from the request's actor (see
   * {@link AuditOptions}). @default undefined (off)
   * @example audit: true // createdAt, createdBy, updatedAt, updatedBy
   */
  audit?: AuditOptions;
  /**
   * Soft delete: `delete` moves a record to the trash (sets deletedAt/deletedBy), where no read path
   * sees it; `restore` brings it back, `purge` removes it for good. @default undefined (off)
   * @example softDelete: true // deletedAt, and deletedBy when the model has it
   */
  softDelete?: SoftDeleteOptions;
  /** Revision history (see {@link RevisionOptions}); `true` takes the defaults. @default undefined (off) */
  revisions?: true | RevisionOptions;
  /** Most items in one batch write; more is a 413. @default 100 */
  maxBatchSize?: number;
  /** Largest page a client may ask for. @default 100 */
  maxPageSize?: number;
  /** Page size when the client names none. @default 25 */
  defaultPageSize?: number;
  /** How deep relations may nest from this resource (GraphQL nesting, REST embeds). @default 3 */
  maxDepth?: number;
  /** Per-field options, keyed by the model's scalar field names. */
  fields?: { [K in Scalar]?: FieldOptions };
  /** Exposed relations, keyed by the model's relation field names; `true` takes the defaults. */
  relations?: { [K in Relation]?: RelationOptions | true };
  /**
   * The database the resource's records live in (docs/guides/datasources.md): a lowercase name whose
   * URL the server reads from `DATASOURCE_<NAME>_URL` (`analytics` → `DATASOURCE_ANALYTICS_URL`); a
   * resource naming one without a URL fails the boot. Reads, writes, revisions and record locks run on
   * that database. Relations (and foreign keys of the model) must stay within one datasource, file
   * fields and change events are the default datasource's: a boot error says so.
   * @default "default" (DATABASE_URL)
   * @example datasource: "analytics"
   */
  datasource?: string;
  /**
   * A cross-field rule over the whole record, run on create, update and patch after the field rules
   * (on patch it sees the existing row merged with the changes). Its errors join the field rules'
   * errors in one VALIDATION_FAILED.
   * @default undefined
   * @example
   * validate: (post) => (post.status === "draft" && post.publishedAt ? { publishedAt: "must be empty while the post is a draft" } : undefined)
   */
  validate?: ResourceValidator;
  /**
   * Operation permissions (see {@link AccessOptions}), or `"public"`: every actor, anonymous included,
   * may read and write (say so explicitly, e.g. for a guestbook). A resource with neither is **locked
   * down in production** (`NODE_ENV=production`): anonymous reads are a 401, writes a 401/403 for
   * everyone but the admin role; outside production it stays open and the boot warns about it.
   * @default undefined (locked down in production, open elsewhere)
   * @example access: { read: true, create: "authenticated", update: ["editor"], delete: ["editor"] }
   * @example access: "public"
   */
  access?: AccessOptions | "public";
  /**
   * Row scope (CRUDCrate's ScopeCondition): the rows an actor may see and write (see
   * {@link ScopeFunction}). Applies to every read path (lists, counts, totals, aggregates, search,
   * relations at every depth, revisions, change events) and to the where-clause of every write; a
   * row outside it is a 404. The admin role is never scoped. @default undefined (unscoped)
   */
  scope?: ScopeFunction;
  /**
   * Whether actors the scope restricts may write at all. `false` answers their writes with a 403
   * (CRUDCrate's default); `true` lets them write rows inside their scope (a write that would move a
   * row out of it is a 403). @default false
   */
  scopedWrites?: boolean;
  /**
   * Multi-tenancy (ServiceStack's AutoFilter + AutoPopulate): the column holding the tenant. It is
   * filled from the actor's tenant on create, never writable by clients, and every operation, the
   * where-clause of every write included, is confined to the actor's tenant. Another tenant's record
   * is a 404; an actor without a tenant sees no rows and cannot create. The admin role sees every
   * tenant. @default undefined (not multi-tenant)
   * @example tenant: "tenantId"
   */
  tenant?: string;
  /** Request strictness of this resource (see {@link SecurityProfile}). @default the server's profile, `secure` */
  security?: SecurityProfile;
  /**
   * The built-in operations the resource serves (AutoCRUD's route templates; see {@link OPERATIONS} for
   * what each covers and what follows it). An operation left out does not exist: it is not routed (REST
   * answers 405 with `Allow`), not in the GraphQL schema, OpenAPI or `/api/_meta`, and the runtime
   * refuses it. Not empty; not together with `readOnly: true` when it names a write.
   * @default every operation: ["list", "get", "create", "update", "delete"]
   * @example operations: ["list", "get", "create"] // an append-only log
   */
  operations?: readonly BuiltInOperation[];
  /**
   * Serves the reads alone (CRUDCrate's `read_only_router`): the same as `operations: ["list", "get"]`,
   * or narrows `operations` to its reads. @default false
   * @example readOnly: true // countries, currencies: reference data maintained by migrations
   */
  readOnly?: boolean;
  /**
   * Drop body properties that name no field of the resource (AutoQuery's IgnoreUnknown) instead of
   * answering 400: for clients that send extra keys. Only unknown names are dropped; a known field the
   * client may not write is refused all the same. GraphQL inputs are typed, so this concerns REST and
   * the runtime's service API. @default false
   */
  ignoreUnknown?: boolean;
  /**
   * A condition every record of the resource meets, for every actor, the admin role included
   * (AutoQuery's AutoFilter): in Prisma's `where` syntax over the model's columns, like a scope's. Rows
   * outside it do not exist for the API: no read path sees them (lists, counts, aggregates, one record,
   * relations and embeds into this resource, change events), writes cannot reach them (404), and a
   * create or update that would leave a record outside it is a 422. Backups (`_dump`) are of the tables
   * and hold every row. @default undefined (no condition)
   * @example ensure: { status: { not: "archived" } }
   */
  ensure?: Readonly<Record<string, unknown>>;
  /**
   * Custom operations, keyed by name (lower camel case, e.g. `close`): see {@link ActionDefinition}.
   * @default undefined (none)
   * @example actions: { close: defineAction({ input: z.object({ resolution: z.string() }), run: async ({ id, service }) => { await service("ticket").patch(id, { status: "closed" }); } }) }
   */
  actions?: Record<string, ActionDefinition>;
}

/**
 * The services a custom action's `run` gets (see {@link ActionArgs.service}): a resource's operations,
 * bound to the action's actor and transaction, so what they write is checked, audited, revisioned,
 * announced as change events and rolled back with the action.
 */
export interface ActionService {
  get(id: unknown): Promise<Record<string, unknown>>;
  list(params?: object): Promise<{ records: Record<string, unknown>[]; total: number | undefined }>;
  create(input: unknown): Promise<Record<string, unknown>>;
  update(id: unknown, input: unknown): Promise<Record<string, unknown>>;
  patch(id: unknown, input: unknown): Promise<Record<string, unknown>>;
  delete(id: unknown): Promise<Record<string, unknown>>;
  restore(id: unknown): Promise<Record<string, unknown>>;
  purge(id: unknown): Promise<Record<string, unknown>>;
}

/** What a custom action's `run` receives. */
export interface ActionArgs<Input = unknown> {
  /** The record's id (record actions); undefined on collection actions (`record: false`). */
  readonly id: string | number | undefined;
  /** The input, as the action's `input` schema parsed it (defaults and transforms applied). */
  readonly input: Input;
  /**
   * The record as the actor sees it (record actions), read in the action's transaction after every
   * check passed (hidden fields left out); undefined on collection actions.
   */
  readonly record: Readonly<Record<string, unknown>> | undefined;
  readonly actor: AccessActor;
  /**
   * The service of a resource (this one included), bound to the action's actor and transaction: its
   * writes run their whole pipeline (access, validation, hooks, audit, revisions, change events) and
   * commit or roll back with the action.
   * @example await service("ticket").patch(id, { status: "closed" })
   */
  service(name: string): ActionService;
}

/**
 * A custom operation of a resource (rest-dialect.md §27): a named action with a zod input, served as
 * `POST /api/<resource>/:id/<name>` (or `POST /api/<resource>/<name>` with `record: false`) and as a
 * GraphQL mutation (or query) `<name><Type>`, documented in OpenAPI and the SDL from this declaration.
 * It runs through the runtime: the record is loaded inside the actor's tenant, scope and trash rules
 * (else 404), `access` is checked, the input is validated (400 with per-field messages), and `run` runs
 * in one transaction (mutations) between the resource's `before` and `after` hooks of the `action`
 * action (hooks see the name as `op.name`).
 * @example
 * close: {
 *   input: z.object({ resolution: z.string().min(3) }),
 *   run: async ({ id, input, service }) => {
 *     await service("ticket").patch(id, { status: "closed" });
 *     await service("ticketReply").create({ ticketId: id, body: input.resolution });
 *   },
 * }
 */
export interface ActionDefinition<Input extends z.ZodType = z.ZodType> {
  /** Shown in GraphQL and OpenAPI descriptions. */
  description?: string;
  /**
   * The input: a zod object schema (its JSON Schema is the REST body's and its GraphQL input type the
   * `input` argument's; GraphQL maps objects, strings, numbers, booleans, enums, arrays and optionals).
   * @default z.object({}) (no input)
   * @example input: z.object({ resolution: z.string().min(3).max(500) })
   */
  input?: Input;
  /**
   * What the action answers: `"record"`, the resource's record read back through the read compiler
   * (hidden fields apply; null when the actor can no longer see it), or a zod schema that `run`'s return
   * value must meet. @default "record"
   * @example output: z.object({ open: z.number().int(), closed: z.number().int() })
   */
  output?: "record" | z.ZodType;
  /**
   * Whether the action acts on one record (`/:id/<name>`, the record loaded and checked first) or on
   * the collection (`/<name>`). @default true
   */
  record?: boolean;
  /**
   * A GraphQL `mutation` (run in a transaction) or `query` (a read: no transaction). REST serves both as
   * POST. @default "mutation"
   */
  kind?: "mutation" | "query";
  /**
   * Who may run it (see {@link AccessRule}; a checker gets `action`, `id`, `input` and `existing`).
   * @default the resource's `update` rule (record mutations), `create` (collection mutations), `read` (queries)
   * @example access: ["agent"]
   */
  access?: AccessRule;
  /**
   * The action itself. Its writes go through `service(name)`. With output `"record"` it may return the
   * id of the record to answer (a collection action that creates one), else the action's own record is
   * answered; with a zod output it returns that value. A throw rolls every write back.
   */
  run(args: ActionArgs<z.output<Input>>): unknown;
}

/**
 * Types an action's `run` against its `input` schema (a definition's `actions` entries lose that
 * inference otherwise).
 * @example actions: { close: defineAction({ input: z.object({ resolution: z.string() }), run: ({ input }) => {} }) }
 */
export function defineAction<Input extends z.ZodType>(action: ActionDefinition<Input>): ActionDefinition {
  return action as unknown as ActionDefinition;
}

/** Field names of the models of a Prisma client, used to type definitions against the real schema. */
export type ModelShapes = Record<string, { scalars: string; relations: string }>;

/** The project-wide settings of {@link createResourceDefiner}: every definition it makes starts from them. */
export interface ResourceDefaults {
  /**
   * The naming convention of every resource's REST path; a resource's own `naming` overrides it.
   * @default "same" (the plural as it is: `/api/ticketReplies`)
   * @example createResourceDefiner<Models>({ naming: "kebab" }) // /api/ticket-replies
   */
  naming?: Naming;
}

/**
 * Returns a `defineResource` typed against a project's Prisma models, so a misspelt field is a type
 * error in the editor as well as a boot error. `defaults` are the project-wide settings
 * ({@link ResourceDefaults}); a definition's own options override them.
 * @example
 * export const defineResource = createResourceDefiner<DemoModels>({ naming: "kebab" });
 * export default defineResource("Post", { fields: { title: { sort: true } } });
 */
export function createResourceDefiner<Models extends ModelShapes>(defaults: ResourceDefaults = {}) {
  return function defineResource<M extends keyof Models & string>(
    model: M,
    definition: Omit<ResourceDefinition<Models[M]["scalars"], Models[M]["relations"]>, "model"> = {},
  ): ResourceDefinition {
    return { ...defaults, ...definition, model } as ResourceDefinition;
  };
}
