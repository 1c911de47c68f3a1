/**
 * The schema-first extension point: hand-written SDL and resolvers merged into the generated schema.
 * Extension resolvers get the same context as generated ones and call the runtime's services, so
 * records they return resolve their relations through the generated types.
 */
import { mergeSchemas } from "@graphql-tools/schema";
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLSchema } from "graphql";
import type { GraphQLContext } from "./builder.ts";

/**
 * A field resolver of an extension. Parent and arguments are typed by the extension's author; they
 * are `any` here as in graphql-tools, since the SDL, not TypeScript, says what they are.
 */
// biome-ignore lint/suspicious/noExplicitAny: typed by the extension's author, as in graphql-tools
export type ExtensionFieldResolver = (parent: any, args: any, ctx: GraphQLContext, info: GraphQLResolveInfo) => unknown;

/** Resolvers of an extension: by type name, then field name (or a scalar type). */
export interface ExtensionResolvers {
  readonly [typeName: string]:
    | GraphQLScalarType
    | { readonly [fieldName: string]: ExtensionFieldResolver | { readonly resolve: ExtensionFieldResolver } };
}

/**
 * Hand-written SDL and its resolvers.
 * @example
 * const extension: GraphQLExtension = {
 *   typeDefs: "extend type Query { publishedCount: Int! }",
 *   resolvers: {
 *     Query: {
 *       publishedCount: (_root, _args, { runtime, context }) =>
 *         runtime.service("post").count(context, { field: "status", op: "eq", value: "published" }),
 *     },
 *   },
 * };
 */
export interface GraphQLExtension {
  /** SDL: new types and `extend type Query` / `extend type Mutation` fields. May refer to generated types. */
  readonly typeDefs: string;
  readonly resolvers: ExtensionResolvers;
}

/** The generated schema with the extensions merged in. Throws when an extension does not fit (bad SDL, a resolver without a field). */
export function mergeExtensions(schema: GraphQLSchema, extensions: readonly GraphQLExtension[]): GraphQLSchema {
  if (extensions.length === 0) return schema;
  return mergeSchemas({
    schemas: [schema],
    typeDefs: extensions.map((e) => e.typeDefs),
    resolvers: extensions.map((e) => e.resolvers),
  });
}
