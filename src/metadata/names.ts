/**
 * Every public name of a resource is computed here, once: GraphQL types and fields, REST paths and
 * react-admin resource names. Collisions are found by resolve.ts.
 */
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
    create: `create${type}`,
    update: `update${type}`,
    delete: `delete${type}`,
    whereInput: `${type}WhereInput`,
    orderByInput: `${type}OrderByInput`,
    createInput: `${type}CreateInput`,
    updateInput: `${type}UpdateInput`,
    path: plural,
  };
}

/**
 * GraphQL type names every schema has besides the per-resource ones: root types, the shared sort
 * direction enum and the scalars. A resource, enum or filter input named like one of them is a boot error.
 */
export const SHARED_GRAPHQL_NAMES = Object.freeze({
  query: "Query",
  mutation: "Mutation",
  sortDirection: "SortDirection",
  dateTime: "DateTime",
  json: "JSON",
  uuid: "UUID",
  bigInt: "BigInt",
});

/** Keys of a GraphQL where input that are not field names; a filterable field may not be called so. */
export const WHERE_INPUT_KEYS = Object.freeze(["AND", "OR", "NOT", "search"] as const);

/**
 * The GraphQL input type holding the filter operators of one field.
 * @example fieldFilterInputName(post.names, "title") // "PostTitleFilter"
 */
export function fieldFilterInputName(names: ResourceNames, field: string): string {
  return `${names.type}${pascalCase(field)}Filter`;
}
