/**
 * Builds the GraphQL schema of a runtime: generated from the resolved resources, plus any
 * schema-first extensions, in a stable (sorted) order.
 */
import { type GraphQLSchema, lexicographicSortSchema } from "graphql";
import type { Runtime } from "../runtime/runtime.ts";
import { addActions } from "./actions.ts";
import { addAggregateTypes } from "./aggregates.ts";
import { createBuilder } from "./builder.ts";
import { addConnectionTypes } from "./connections.ts";
import { type GraphQLExtension, mergeExtensions } from "./extensions.ts";
import { addInputs } from "./inputs.ts";
import { addLifecycleTypes } from "./lifecycle.ts";
import { addLockType } from "./locks.ts";
import { addObjectTypes } from "./object-types.ts";
import { addOperations } from "./operations.ts";
import { addLeafTypes } from "./scalars.ts";
import { addSubscriptions, type SubscriptionSource } from "./subscriptions.ts";

/**
 * The schema served at /graphql (the demo's is printed to demo/schema/schema.graphql by `npm run generate:graphql`).
 * Resolvers call the runtime's services; their context is a {@link GraphQLContext}. Errors thrown by
 * resolvers are runtime errors: serve the schema through {@link createGraphQLHandler}, or map them
 * with `toGraphQLError`. Subscriptions are always in the schema; they run only with `options.events`
 * (without, subscribing fails with UNAVAILABLE).
 * @example const schema = buildGraphQLSchema(runtime, [reportsExtension], { events });
 */
export function buildGraphQLSchema(
  runtime: Runtime,
  extensions: readonly GraphQLExtension[] = [],
  options: SubscriptionSource = {},
): GraphQLSchema {
  const builder = createBuilder();
  const leaves = addLeafTypes(builder, runtime.schema);
  const inputs = addInputs(builder, runtime.schema, leaves);
  const objects = addObjectTypes(builder, runtime, leaves, inputs);
  const connections = addConnectionTypes(builder, runtime.schema, objects);
  const aggregates = addAggregateTypes(builder, runtime.schema, leaves);
  const lifecycle = addLifecycleTypes(builder, runtime.schema, objects, leaves);
  // Locks follow `update` (§26): without a resource that serves it, there is no RecordLock type.
  const lock = runtime.schema.resources.some((r) => r.operations.has("update"))
    ? addLockType(builder, leaves)
    : undefined;
  addOperations(builder, runtime, { objects, inputs, connections, aggregates, lifecycle, lock });
  addActions(builder, runtime, objects);
  addSubscriptions(builder, runtime, { objects, inputs, leaves }, options);
  return lexicographicSortSchema(mergeExtensions(builder.toSchema(), extensions));
}
