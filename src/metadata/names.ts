/**
 * Every public name of a resource is computed here, once: GraphQL types and fields, REST paths and
 * react-admin resource names. Collisions are found by resolve.ts.
 */
import type { AggregateFunction } from "./definition.ts";
import type { ResourceNames } from "./resolved.ts";

/** `BlogPost` → `blogPost`. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `blogPost` → `BlogPost`. */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A plain English plural, good for most model names; set `plural` in the definition otherwise. */
export function pluralize(name: string): string {
  if (/[^aeiou]y$/i.test(name)) return `${name.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(name)) return `${name}es`;
  return `${name}s`;
}

/** Valid in GraphQL and as a URL path segment without escaping. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;

/** All names of a resource from its singular and plural names. */
export function resourceNames(name: string, plural: string): ResourceNames {
  const type = pascalCase(name);
  return {
    type,
    one: name,
    list: plural,
    count: `${plural}Count`,
    connection: `${plural}Connection`,
    aggregate: `${plural}Aggregate`,
    create: `create${type}`,
    update: `update${type}`,
    delete: `delete${type}`,
    restore: `restore${type}`,
    purge: `purge${type}`,
    revert: `revert${type}`,
    publish: `publish${type}`,
    revisions: `${name}Revisions`,
    revision: `${name}Revision`,
    revisionDiff: `${name}RevisionDiff`,
    asOf: `${name}AsOf`,
    lock: `lock${type}`,
    unlock: `unlock${type}`,
    recordLock: `${name}Lock`,
    recordLocks: `${name}Locks`,
    createMany: `create${pascalCase(plural)}`,
    updateMany: `update${pascalCase(plural)}`,
    deleteMany: `delete${pascalCase(plural)}`,
    restoreMany: `restore${pascalCase(plural)}`,
    purgeMany: `purge${pascalCase(plural)}`,
    whereInput: `${type}WhereInput`,
    orderByInput: `${type}OrderByInput`,
    createInput: `${type}CreateInput`,
    updateInput: `${type}UpdateInput`,
    connectionType: `${type}Connection`,
    edgeType: `${type}Edge`,
    revisionType: `${type}Revision`,
    snapshotType: `${type}Snapshot`,
    batchUpdateInput: `${type}BatchUpdateInput`,
    batchResultType: `${type}BatchResult`,
    batchItemType: `${type}BatchItem`,
    changed: `${name}Changed`,
    changeType: `${type}Change`,
    path: plural,
  };
}

/**
 * GraphQL type names every schema has besides the per-resource ones: root types, the shared sort
 * direction enum, the connections' page info, the enums of aggregate `having` conditions, the shared
 * types of the record lifecycle (trash, revisions, batches, record locks) and the scalars. A resource, enum or filter
 * input named like one of them is a boot error, whether or not a resource uses it.
 */
export const SHARED_GRAPHQL_NAMES = Object.freeze({
  query: "Query",
  mutation: "Mutation",
  subscription: "Subscription",
  sortDirection: "SortDirection",
  file: "File",
  fileInfo: "FileInfo",
  pageInfo: "PageInfo",
  aggregateFunction: "AggregateFunction",
  comparisonOperator: "ComparisonOperator",
  deletedRecords: "DeletedRecords",
  asOf: "AsOf",
  revisionStatus: "RevisionStatus",
  revisionDiff: "RevisionDiff",
  fieldChange: "FieldChange",
  batchFailure: "BatchFailure",
  recordLock: "RecordLock",
  changeAction: "ChangeAction",
  resourceChange: "ResourceChange",
  dateTime: "DateTime",
  json: "JSON",
  uuid: "UUID",
  bigInt: "BigInt",
});

/**
 * The field of a snapshot type (`PostSnapshot`) holding the record's id: not `id`, so that normalised
 * caches (Apollo Client, urql's graphcache) never store a past version as the live record.
 */
export const SNAPSHOT_ID_FIELD = "recordId";

/** Keys of a GraphQL where input that are not field names; a filterable field may not be called so. */
export const WHERE_INPUT_KEYS = Object.freeze(["AND", "OR", "NOT", "search"] as const);

/**
 * The GraphQL input type holding the filter operators of one field.
 * @example fieldFilterInputName(post.names, "title") // "PostTitleFilter"
 */
export function fieldFilterInputName(names: ResourceNames, field: string): string {
  return `${names.type}${pascalCase(field)}Filter`;
}

/**
 * The GraphQL input type of the `some` / `every` / `none` conditions on a to-many relation.
 * @example relationFilterInputName(post.names, "comments") // "PostCommentsRelationFilter"
 */
export function relationFilterInputName(names: ResourceNames, relation: string): string {
  return `${names.type}${pascalCase(relation)}RelationFilter`;
}

/** The GraphQL types of a resource's aggregate query (see {@link aggregateTypeNames}). */
export interface AggregateTypeNames {
  /** One group: key, count and one object per aggregate function. */
  readonly group: string;
  /** The group-by values of a group. */
  readonly key: string;
  /** Enum of the fields a client may group by. */
  readonly groupByField: string;
  /** Enum of the fields with any aggregate function (`having` conditions name them). */
  readonly aggregateField: string;
  /** One `having` condition. */
  readonly having: string;
  /** One sort key of the groups. */
  readonly orderBy: string;
  /** Sorting groups by a group-by field. */
  readonly keyOrderBy: string;
  /** Per function: the object of its values, and sorting groups by one of them. */
  readonly functions: Readonly<Record<AggregateFunction, { readonly type: string; readonly orderBy: string }>>;
}

/**
 * Names of the types of a resource's aggregate query. Which of them exist depends on what the
 * resource declares (`groupBy`, `aggregate`); resolve.ts checks those that do for collisions.
 * @example aggregateTypeNames(post.names).functions.sum.type // "PostSumAggregates"
 */
export function aggregateTypeNames(names: ResourceNames): AggregateTypeNames {
  const { type } = names;
  const fn = (name: AggregateFunction) => ({
    type: `${type}${pascalCase(name)}Aggregates`,
    orderBy: `${type}${pascalCase(name)}AggregatesOrderByInput`,
  });
  return {
    group: `${type}AggregateGroup`,
    key: `${type}AggregateKey`,
    groupByField: `${type}GroupByField`,
    aggregateField: `${type}AggregateField`,
    having: `${type}HavingInput`,
    orderBy: `${type}AggregateOrderByInput`,
    keyOrderBy: `${type}AggregateKeyOrderByInput`,
    functions: { sum: fn("sum"), avg: fn("avg"), min: fn("min"), max: fn("max") },
  };
}
