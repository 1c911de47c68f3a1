/**
 * The strict form of a resource, resolved once at boot and frozen. GraphQL, REST, OpenAPI and the
 * runtime all read this and nothing else.
 */
import type { z } from "zod";
import type {
  AccessOperation,
  ActionDefinition,
  AccessRule,
  AccessSource,
  AggregateFunction,
  FieldAccessRule,
  ScopeFunction,
  SecurityProfile,
  DeleteRule,
  FieldValidator,
  IdGenerator,
  Operator,
  RelationView,
  ResourceValidator,
  RevisionOptions,
  ServedOperation,
  ValueSource,
  View,
} from "./definition.ts";

/** Scalar kinds a field can have, after mapping Prisma types. */
export type ScalarKind =
  | "String"
  | "Int"
  | "Float"
  | "Boolean"
  | "DateTime"
  | "Json"
  | "BigInt"
  | "Decimal"
  | "Uuid"
  | "Enum";

/** A field of a resolved resource: its Prisma type, and what clients may do with it (filter, sort, see, write). */
export interface ResolvedField {
  /** The name clients use: the definition's `apiName`, else the Prisma field's. Every record, filter and event is keyed by it. */
  readonly name: string;
  /** The Prisma field (storage's name, and the key of the definition's `fields`). */
  readonly prismaName: string;
  /** The database column (the field's `@map`, else the Prisma field's name). */
  readonly column: string;
  readonly kind: ScalarKind;
  /** Allowed values when `kind` is "Enum". */
  readonly enum?: { readonly name: string; readonly values: readonly string[] };
  readonly isList: boolean;
  /** The column is NOT NULL. */
  readonly isRequired: boolean;
  readonly isId: boolean;
  readonly isUnique: boolean;
  /** The database fills it in (default or @updatedAt) when it is not sent. */
  readonly hasDatabaseDefault: boolean;
  readonly filter: ReadonlySet<Operator>;
  readonly sortable: boolean;
  readonly searchable: boolean;
  /** Aggregate functions clients may compute over it (count needs none). */
  readonly aggregates: ReadonlySet<AggregateFunction>;
  /** Clients may group aggregates by it. */
  readonly groupable: boolean;
  /** Hidden per view. */
  readonly hidden: Readonly<Record<View, boolean>>;
  readonly readOnly: boolean;
  readonly onCreate?: ValueSource;
  readonly onUpdate?: ValueSource;
  readonly default?: unknown;
  readonly description?: string;
  /** Whether a client must send it on create (required, no default of any kind, writable). */
  readonly requiredOnCreate: boolean;
  /** Field permissions; absent when the field declares none. */
  readonly access?: { readonly read?: FieldAccessRule; readonly write?: FieldAccessRule };
  /** Withheld from actors the resource's scope restricts. */
  readonly hiddenWhenScoped: boolean;
  /** Some actors may not see it (field read access or hiddenWhenScoped): transports must not promise it. */
  readonly conditional: boolean;
  /** The field's declared rules, checked at boot to fit its kind; absent when it declares none. */
  readonly validation?: ResolvedValidation;
  /** A file field's limits (its column holds the blob's metadata); absent on ordinary fields. */
  readonly blob?: { readonly maxBytes: number; readonly contentTypes: readonly string[] };
}

/** One rule: its value and the author's message, if one was given. */
export interface ResolvedRule<T> {
  readonly value: T;
  readonly message: string | undefined;
}

/**
 * A field's rules in strict form: `pattern` compiled, `min`/`max` as a number (numeric fields) or a
 * Date (date-time fields); rules switched off (`false`) are absent.
 */
export interface ResolvedValidation {
  readonly required?: ResolvedRule<true>;
  readonly minLength?: ResolvedRule<number>;
  readonly maxLength?: ResolvedRule<number>;
  readonly pattern?: ResolvedRule<RegExp>;
  readonly min?: ResolvedRule<number | Date>;
  readonly max?: ResolvedRule<number | Date>;
  readonly email?: ResolvedRule<true>;
  readonly url?: ResolvedRule<true>;
  readonly oneOf?: ResolvedRule<readonly unknown[]>;
  readonly custom?: FieldValidator;
}

interface RelationBase {
  readonly name: string;
  /** Name of the resource on the other side. */
  readonly target: string;
  readonly views: Readonly<Record<RelationView, boolean>>;
  /** Clients may filter through it (on the target's filterable fields). */
  readonly filterable: boolean;
  /** Clients may sort by the target's sortable fields (to-one only). */
  readonly sortable: boolean;
  /** Clients may write related records through it in the parent's writes (the definition's `nestedWrites`). */
  readonly nestedWrites: boolean;
  readonly description?: string;
}
/** This record holds the foreign key (`post.authorId` → `user.id`). */
export interface BelongsToRelation extends RelationBase {
  readonly kind: "belongsTo";
  readonly localField: string;
  readonly targetField: string;
  readonly isRequired: boolean;
}
/** The other side holds the foreign key (`comment.postId` → `post.id`). */
export interface HasManyRelation extends RelationBase {
  readonly kind: "hasMany";
  readonly foreignField: string;
  /** What deleting the parent does to these records (undefined: the database's rule alone). */
  readonly onDelete: DeleteRule | undefined;
}
/** Through an explicit join model (`PostTag(postId, tagId)`). */
export interface ManyToManyRelation extends RelationBase {
  readonly kind: "manyToMany";
  readonly joinModel: string;
  /** Prisma client delegate of the join model, e.g. `postTag`. */
  readonly joinDelegate: string;
  /** Join-model column pointing at this resource. */
  readonly joinLocalField: string;
  /** Join-model column pointing at the target. */
  readonly joinTargetField: string;
  /** Join-model relation field pointing at the target (the definition's `through`). */
  readonly joinTargetRelation: string;
}

/** A relation of a resolved resource: belongs-to, has-many, or many-to-many through a join model. */
export type ResolvedRelation = BelongsToRelation | HasManyRelation | ManyToManyRelation;

/** Every public name of a resource, computed once (see names.ts). */
export interface ResourceNames {
  /** GraphQL object type, e.g. `Post`. */
  readonly type: string;
  /** GraphQL query fields. */
  readonly one: string;
  readonly list: string;
  readonly count: string;
  /** Keyset pages (Relay connection), e.g. `postsConnection`. */
  readonly connection: string;
  /** Aggregates and groups, e.g. `postsAggregate` (served when the resource declares `aggregate` or `groupBy`). */
  readonly aggregate: string;
  /** GraphQL mutation fields. */
  readonly create: string;
  readonly update: string;
  readonly delete: string;
  /** Lifecycle mutations, e.g. `restorePost` (soft delete), `purgePost`, `revertPost` (revisions), `publishPost` (draft mode). */
  readonly restore: string;
  readonly purge: string;
  readonly revert: string;
  readonly publish: string;
  /** Revision queries (resources with revisions), e.g. `postRevisions`, `postRevision`, `postRevisionDiff`. */
  readonly revisions: string;
  readonly revision: string;
  readonly revisionDiff: string;
  /** The record as it was at a revision or a time (resources with revisions), e.g. `postAsOf`. */
  readonly asOf: string;
  /** Record lock mutations and queries (docs/guides/locks.md), e.g. `lockPost`, `unlockPost`, `postLock`, `postLocks`. */
  readonly lock: string;
  readonly unlock: string;
  readonly recordLock: string;
  readonly recordLocks: string;
  /** Batch mutations, e.g. `createPosts`, `updatePosts`, `deletePosts`, `restorePosts`, `purgePosts`. */
  readonly createMany: string;
  readonly updateMany: string;
  readonly deleteMany: string;
  readonly restoreMany: string;
  readonly purgeMany: string;
  /** Delete by filter, e.g. `deletePostsWhere(where:, limit:)`, answering a `DeleteWhereResult`. */
  readonly deleteWhere: string;
  /** GraphQL input types. */
  readonly whereInput: string;
  readonly orderByInput: string;
  readonly createInput: string;
  readonly updateInput: string;
  /** GraphQL connection and edge types, e.g. `PostConnection`, `PostEdge`. */
  readonly connectionType: string;
  readonly edgeType: string;
  /** A revision of a record, e.g. `PostRevision`. */
  readonly revisionType: string;
  /**
   * A record as a revision left it, e.g. `PostSnapshot`: its fields, its id as `recordId`, so that
   * normalised client caches never take it for the live record.
   */
  readonly snapshotType: string;
  /** One item of a batch update (`updatePosts`), e.g. `PostBatchUpdateInput`. */
  readonly batchUpdateInput: string;
  /** The outcome of a batch mutation and one succeeded item, e.g. `PostBatchResult`, `PostBatchItem`. */
  readonly batchResultType: string;
  readonly batchItemType: string;
  /** GraphQL subscription field and the type of its items, e.g. `postChanged`, `PostChange`. */
  readonly changed: string;
  readonly changeType: string;
  /**
   * REST path segment under /api and react-admin resource name: the plural by the resource's `naming`
   * (rest-dialect.md §25), e.g. `posts`, `ticket-replies`.
   */
  readonly path: string;
}

/**
 * A resource as the runtime and the transports read it: its definition checked against the datamodel,
 * defaults filled in, names computed, and frozen. `runtime.service(name).resource` gives it to hooks.
 */
export interface ResolvedResource {
  /** Singular name, e.g. `post`. */
  readonly name: string;
  readonly plural: string;
  readonly model: string;
  /** Prisma client delegate property, e.g. `post`. */
  readonly delegate: string;
  readonly description?: string;
  readonly names: ResourceNames;
  readonly id: ResolvedField;
  readonly idGenerator: IdGenerator;
  /** Exposed scalar fields, in model order. */
  readonly fields: readonly ResolvedField[];
  readonly field: ReadonlyMap<string, ResolvedField>;
  readonly relations: readonly ResolvedRelation[];
  readonly relation: ReadonlyMap<string, ResolvedRelation>;
  /** The database its records live in (the definition's `datasource`; `"default"`: DATABASE_URL). */
  readonly datasource: string;
  /** Text search configuration of full-text search (see the definition's `searchLanguage`). */
  readonly searchLanguage: string;
  /** Optimistic concurrency: the version column and whether writes must name the version they read. */
  readonly version: { readonly field: string; readonly required: boolean } | undefined;
  /** Audit columns the runtime fills in (each absent when not used). */
  readonly audit: {
    readonly createdAt?: string;
    readonly createdBy?: string;
    readonly updatedAt?: string;
    readonly updatedBy?: string;
  };
  /** Soft delete: the trash column and who deleted; undefined when delete removes rows. */
  readonly softDelete: { readonly field: string; readonly by: string | undefined } | undefined;
  /** Revision history; undefined when off. */
  readonly revisions:
    | { readonly schemaVersion: number; readonly migrate: RevisionOptions["migrate"]; readonly draft: boolean }
    | undefined;
  /** Most items in one batch write. */
  readonly maxBatchSize: number;
  readonly maxPageSize: number;
  readonly defaultPageSize: number;
  readonly maxDepth: number;
  /**
   * The effective operation rules, every operation filled in (lifecycle ones from their parent);
   * undefined when open to every actor. A resource declaring no rules gets the production lock-down
   * here (see {@link ResolvedResource.accessSource}), so every reader of the metadata sees the same fact.
   */
  readonly access: Readonly<Record<AccessOperation, AccessRule | undefined>> | undefined;
  /** Where `access` comes from: declared rules, `access: "public"`, or the default (open, or locked in production). */
  readonly accessSource: AccessSource;
  readonly scope: ScopeFunction | undefined;
  readonly scopedWrites: boolean;
  /** The tenant column; undefined when not multi-tenant. */
  readonly tenant: string | undefined;
  /** Request strictness; undefined follows the server's profile. */
  readonly security: SecurityProfile | undefined;
  /** Body properties that name no field are dropped instead of refused (the definition's `ignoreUnknown`). */
  readonly ignoreUnknown: boolean;
  /** The condition every row meets for every actor (the definition's `ensure`); undefined: none. */
  readonly ensure: object | undefined;
  /** The resource's cross-field rule (definition `validate`). */
  readonly validate?: ResourceValidator;
  /**
   * The operations the resource serves (definition `operations` and `readOnly`), lifecycle ones
   * included, each present only with its parent (see `LIFECYCLE_PARENT`). A feature's own switch still
   * applies (`restore` needs soft delete). What the others follow is on `OPERATIONS`; every transport,
   * OpenAPI, `/api/_meta` and the runtime's services read this set and nothing else.
   */
  readonly operations: ReadonlySet<ServedOperation>;
  /** Custom operations (definition `actions`), in declaration order. */
  readonly actions: readonly ResolvedAction[];
  readonly action: ReadonlyMap<string, ResolvedAction>;
}

/**
 * The shape of an action's input or output, as GraphQL maps it (resolve/actions.ts derives it from the
 * zod schema's JSON Schema at boot): the common subset of objects, strings, numbers, booleans, enums
 * and lists. `optional`: the value may be absent or null.
 */
export type ActionShape =
  | { readonly kind: "scalar"; readonly scalar: "String" | "Int" | "Float" | "Boolean"; readonly optional: boolean }
  | { readonly kind: "enum"; readonly values: readonly string[]; readonly optional: boolean }
  | { readonly kind: "list"; readonly of: ActionShape; readonly optional: boolean }
  | {
      readonly kind: "object";
      readonly fields: readonly { readonly name: string; readonly shape: ActionShape }[];
      readonly optional: boolean;
    };

/** An action's input or output schema: the zod schema that checks it, its JSON Schema, its GraphQL shape. */
export interface ActionSchema {
  readonly zod: z.ZodType;
  /** JSON Schema (draft 2020-12, as OpenAPI 3.1 takes it), without `$schema`. */
  readonly json: Readonly<Record<string, unknown>>;
  readonly shape: ActionShape;
}

/** A custom operation of a resource (the definition's `actions`), resolved: see `ActionDefinition`. */
export interface ResolvedAction {
  /** e.g. `close`. */
  readonly name: string;
  readonly description: string | undefined;
  /** Acts on one record (`/:id/<name>`) or on the collection (`/<name>`). */
  readonly record: boolean;
  readonly kind: "mutation" | "query";
  /** The operation it counts as: its default rule's, and what a checker function is told. */
  readonly operation: AccessOperation;
  /** Its effective rule: declared, else the resource's rule of `operation` (`false` when that is undeclared); undefined when open to every actor. */
  readonly access: AccessRule | undefined;
  /** The input: an object schema (fields with no input: an object without fields). */
  readonly input: ActionSchema;
  /** `"record"`, or the schema of what `run` returns. */
  readonly output: "record" | ActionSchema;
  readonly run: ActionDefinition["run"];
  /** Its public names: the GraphQL field (`closeTicket`; `statsTickets` on the collection), input and output types (`CloseTicketInput`, `StatsTicketsResult`). */
  readonly names: { readonly field: string; readonly input: string; readonly output: string };
}

/** Every resolved resource, by name and by REST path: what `resolveResources` returns and `createRuntime` serves. */
export interface ResolvedSchema {
  readonly resources: readonly ResolvedResource[];
  /** By singular name. */
  readonly resource: ReadonlyMap<string, ResolvedResource>;
  /** By REST path (plural). */
  readonly byPath: ReadonlyMap<string, ResolvedResource>;
  /** Enums used by exposed fields. */
  readonly enums: readonly { readonly name: string; readonly values: readonly string[] }[];
}
