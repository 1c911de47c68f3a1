/**
 * The shapes resource services take and give, shared by the runtime's modules and the transports:
 * what a read loads (projection, selection), its parameters (lists, pages, trash), and the records it
 * returns. Types only; it imports nothing that imports it back.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { RequestContext } from "./context.ts";
import type { WriteInputOptions } from "./input.ts";
import type { Filter, Sort } from "./query.ts";

/**
 * What a read loads of each record: the fields wanted (undefined: every field the actor may see) and
 * the relations to load with them, each with its own projection. A read compiles it, with the filter,
 * sort, page and the actor's view, into one SQL statement (see docs/design/read-compiler.md).
 * Relations it cannot load (not in the view's relations, nested too deep) are left out: asking for them
 * through `ResourceService.related` then gives the reason.
 * @example { fields: new Set(["title"]), relations: new Map([["author", { fields: new Set(["name"]) }]]) }
 */
export interface Projection {
  readonly fields?: ReadonlySet<string> | undefined;
  readonly relations?: ReadonlyMap<string, Projection> | undefined;
  /** On the projection of a to-many relation: which of its records are loaded, in which order (all, by id, without). */
  readonly list?: RelatedList | undefined;
}

/**
 * Which records of a to-many relation a read loads, in which order: a nested list's `where`, `orderBy`,
 * `skip` and `take`. They are checked against the related resource's own rules (its filterable and sortable
 * fields, its `maxPageSize`) and compiled into the read's one statement. Without one, every related record
 * the actor may see, by id.
 * @example { filter: { field: "status", op: "eq", value: "published" }, sort: [{ field: "views", direction: "desc" }], limit: 3 }
 */
export interface RelatedList {
  readonly filter?: Filter | undefined;
  readonly sort?: readonly Sort[] | undefined;
  /** Related records to skip. @default 0 */
  readonly offset?: number | undefined;
  /** Most related records, at most the related resource's `maxPageSize`. @default every one */
  readonly limit?: number | undefined;
}

/**
 * The exact JSON a client gets of each record, key by key: a field, a relation (with its own
 * selection), or a constant type name. Reads given one return PostgreSQL's JSON text as it is.
 * @example [{ key: "id", field: "id" }, { key: "writer", relation: "author", selection: [{ key: "name", field: "name" }] }]
 */
export type Selection = readonly SelectionEntry[];

/** One key of a {@link Selection}. */
export type SelectionEntry =
  | { readonly key: string; readonly field: string }
  | {
      readonly key: string;
      readonly relation: string;
      readonly selection: Selection;
      /** To-many relations: which of their records, in which order. */
      readonly list?: RelatedList | undefined;
    }
  | { readonly key: string; readonly typename: true };

/**
 * How values are written in a {@link Selection}'s JSON: `rest` as REST sends records (fields the actor
 * may not see left out, bigints and decimals as strings), `graphql` as GraphQL serialises them (fields
 * the actor may not see as null, IDs as strings, bigints and decimals as numbers).
 */
export type SelectionFormat = "rest" | "graphql";

/** A list as JSON text: the array, how many records it holds, and the total when asked for. */
export interface ListText {
  readonly json: string;
  readonly count: number;
  readonly total: number | undefined;
}

/** A keyset page as JSON text (`ResourceService.pageText`), with what a connection shows beside its rows. */
export interface PageText extends Pick<Page, "cursors" | "pageInfo" | "totalCount"> {
  /** The page's rows: a JSON array. */
  readonly nodes: string;
  /** The page's rows as edges: a JSON array; only when asked for. */
  readonly edges: string | undefined;
}

/** Where a record is shown: a single record or an item of a list. Decides which fields it carries. */
export type OutputView = "one" | "list";

/** A record as it leaves the runtime: only the fields visible in its view. */
export type ResourceRecord = Record<string, unknown>;

/**
 * Which records a read sees on a soft-deleted resource: the live ones (default), live and trashed
 * (`include`), or the trash alone (`only`).
 */
export type DeletedMode = "exclude" | "include" | "only";

/** Parameters of `ResourceService.list`. */
export interface ListParams {
  filter?: Filter | undefined;
  sort?: readonly Sort[] | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
  /** Also count all matching rows (for Content-Range / totals). @default false */
  withTotal?: boolean | undefined;
  /** Soft-deleted resources: whether the trash is seen. @default "exclude" */
  deleted?: DeletedMode | undefined;
}

/** Options of update, patch and delete on a resource with optimistic concurrency. */
export interface VersionOptions {
  /** The version the client read; the write fails when the row has moved on. */
  expectedVersion?: number | undefined;
  /** The code of a version mismatch: CONFLICT (a version in the body, GraphQL) or PRECONDITION_FAILED (HTTP If-Match). @default "CONFLICT" */
  mismatch?: "CONFLICT" | "PRECONDITION_FAILED";
}

/** Options of a write: a version, and input leniency. */
export type WriteOptions = WriteInputOptions &
  VersionOptions & {
    /** Read-only fields the body sent, for the check that they only echo the stored values. */
    echoes?: Record<string, unknown>;
  };

/** Options of `ResourceService.get`. */
export interface GetOptions {
  /** Soft-deleted resources: `include` or `only` also finds a record in the trash. @default "exclude" */
  deleted?: DeletedMode | undefined;
  /**
   * The record as it was: at a revision number, or at a time (a Date or an ISO 8601 string); needs
   * `revisions`. Gives the revision's snapshot.
   */
  asOf?: number | string | Date | undefined;
}

/** Parameters of `ResourceService.page` (Relay-style keyset pagination). */
export interface PageParams {
  filter?: Filter | undefined;
  sort?: readonly Sort[] | undefined;
  /** Page size going forward (after `after`). */
  first?: number | undefined;
  after?: string | undefined;
  /** Page size going backward (before `before`). */
  last?: number | undefined;
  before?: string | undefined;
  /** Also count all matching rows. @default false */
  withTotal?: boolean | undefined;
  /** Soft-deleted resources: whether the trash is seen. @default "exclude" */
  deleted?: DeletedMode | undefined;
}

/** One page of a keyset-paginated list. */
export interface Page {
  readonly records: ResourceRecord[];
  /** The cursor of each record, in the same order. */
  readonly cursors: string[];
  readonly pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | undefined;
    endCursor: string | undefined;
  };
  readonly totalCount: number | undefined;
}

/**
 * What the runtime's modules call on a resource's service, its own or another's, when the whole
 * pipeline must run (cascades, batches, hooks' `op.service`). `ResourceService` implements it; the
 * modules know this interface, never the class, so none of them imports the service back.
 */
export interface ResourceOperations {
  readonly resource: ResolvedResource;
  get(ctx: RequestContext, rawId: unknown, options?: GetOptions, projection?: Projection): Promise<ResourceRecord>;
  list(
    ctx: RequestContext,
    params?: ListParams,
    projection?: Projection,
  ): Promise<{ records: ResourceRecord[]; total: number | undefined }>;
  create(ctx: RequestContext, input: unknown, options?: WriteInputOptions): Promise<ResourceRecord>;
  update(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteOptions): Promise<ResourceRecord>;
  patch(ctx: RequestContext, rawId: unknown, input: unknown, options?: WriteOptions): Promise<ResourceRecord>;
  delete(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord>;
  restore(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord>;
  purge(ctx: RequestContext, rawId: unknown, options?: VersionOptions): Promise<ResourceRecord>;
}
