/**
 * Every public name of a resource is computed here, once: GraphQL types and fields, REST paths and
 * react-admin resource names (the path, by the resource's naming convention). Collisions are found by
 * resolve/names.ts.
 */
import type { AggregateFunction, NamingConvention } from "./definition.ts";
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

/**
 * What a REST path may be: a URL path segment needing no escaping, and a react-admin resource name.
 * Letters, digits, `-` and `_`, starting with a letter.
 */
export const PATH_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * The words of a name, split at case changes, `_` and `-`; an acronym stays one word.
 * @example wordsOf("ticketReplies") // ["Ticket", "Replies"]
 * @example wordsOf("user_profiles") // ["User", "profiles"]
 * @example wordsOf("hTMLPages") // ["HTML", "Pages"] (the name of model HTMLPage)
 */
export function wordsOf(name: string): string[] {
  // The first letter is capitalised first: a default name lowercases only it (HTMLPage → hTMLPage).
  return pascalCase(name)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_-]+/)
    .filter((w) => w !== "");
}

/**
 * A resource's REST path under a built-in naming convention, from its plural.
 * @example conventionalPath("kebab", "ticketReplies") // "ticket-replies"
 */
export function conventionalPath(convention: NamingConvention, plural: string): string {
  if (convention === "same") return plural;
  const words = wordsOf(plural);
  switch (convention) {
    case "pascal":
      return words.map(pascalCase).join("");
    case "camel":
      return [words[0]?.toLowerCase() ?? "", ...words.slice(1).map(pascalCase)].join("");
    case "snake":
      return words.map((w) => w.toLowerCase()).join("_");
    case "kebab":
      return words.map((w) => w.toLowerCase()).join("-");
  }
}

/** All names of a resource from its singular and plural names and its REST path. */
export function resourceNames(name: string, plural: string, path: string): ResourceNames {
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
    deleteWhere: `delete${pascalCase(plural)}Where`,
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
    path,
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
  deleteWhereResult: "DeleteWhereResult",
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
