/**
 * Autograph's public API. Describe your resources with {@link createResourceDefiner}; serve them with
 * {@link startServer}, passing your generated Prisma client, its datamodel and the resources. Or compose
 * the pieces yourself: {@link resolveResources} → {@link createRuntime} (over {@link createDatabase}) →
 * {@link createApp} (or one transport: {@link createGraphQLHandler}, {@link createRestHandler}).
 *
 * Your Prisma schema declares Autograph's own models besides yours: `Revision`, `Event`, `EventCursor`
 * and `EventDeadLetter` (copy them from Autograph's templates/init/prisma/schema.prisma (in the package: node_modules/autograph/templates/init/prisma/schema.prisma)); {@link startServer} refuses
 * to boot without them. `RecordLock` (record locks, docs/guides/locks.md) is optional.
 * @packageDocumentation
 */

// Describe
export type {
  AccessActor,
  AccessCheck,
  AccessOperation,
  AccessOptions,
  AccessRule,
  AccessSource,
  ActionArgs,
  ActionDefinition,
  ActionService,
  AuditOptions,
  BuiltInOperation,
  DeleteRule,
  FieldAccessRule,
  FieldOptions,
  FieldValidation,
  FieldValidator,
  IdGenerator,
  LifecycleOperation,
  ModelShapes,
  Naming,
  NamingConvention,
  NamingInput,
  Operator,
  RelationOptions,
  RelationView,
  ResourceDefaults,
  ResourceDefinition,
  ResourceValidator,
  RevisionOptions,
  Rule,
  ScopeFunction,
  SecurityProfile,
  ServedOperation,
  SoftDeleteOptions,
  ValidationAction,
  ValidationContext,
  ValueContext,
  ValueSource,
  View,
} from "./metadata/definition.ts";
export { createResourceDefiner, defineAction, LIFECYCLE_PARENT, OPERATIONS } from "./metadata/definition.ts";
export type { Datamodel } from "./metadata/datamodel.ts";
export { MetadataError, type MetadataIssue } from "./metadata/errors.ts";
export { resolveResources, type ResolveOptions } from "./metadata/resolve.ts";
export type { ResolvedField, ResolvedRelation, ResolvedResource, ResolvedSchema } from "./metadata/resolved.ts";

// Run
export type { Actor, RequestContext } from "./runtime/context.ts";
export { ReadRouting } from "./runtime/read-routing.ts";
export { AppError, ERROR_STATUS, isAppError, type AppErrorOptions, type ErrorCode } from "./runtime/errors.ts";
export type {
  Action,
  Body,
  Hook,
  HookKind,
  Operation,
  ResourceHooks,
  Transform,
  WriteAction,
} from "./runtime/hooks.ts";
export type { Filter, QueryLimits, Sort } from "./runtime/query.ts";
export { createRuntime, type Runtime, type RuntimeOptions, type RuntimeSettings } from "./runtime/runtime.ts";
export type { RevisionRecord } from "./runtime/history.ts";
export type { LockOptions, RecordLock } from "./runtime/locks.ts";
export type { ErrorReporter } from "./runtime/service-core.ts";
export type { ListParams, Page, ResourceRecord } from "./runtime/service-types.ts";
export type { ResourceService } from "./runtime/service.ts";
export type { Revision } from "./runtime/revisions.ts";

// Events
export type { Events } from "./events/events.ts";
export type { BatchHandler, BatchHandlerOptions, EventHandler, HandlerOptions } from "./events/handlers.ts";
export type { BusKind } from "./storage/event-bus.ts";
export type { ChangeEvent, EventFilter } from "./storage/outbox.ts";

// Store
export {
  createDatabase,
  type CreateDatabaseOptions,
  type Database,
  type PrismaClientClass,
  type PrismaClientLike,
  type ReadReplicaSettings,
  type StatementCounter,
} from "./storage/prisma.ts";
export type { ReadReplica, ReplicaState } from "./storage/read-replica.ts";

// Serve
export {
  buildGraphQLSchema,
  createGraphQLHandler,
  type GraphQLExtension,
  type GraphQLHandler,
  type GraphQLHandlerOptions,
} from "./graphql/handler.ts";
export { createRestHandler, type RestHandler, type RestHandlerOptions } from "./rest/handler.ts";
export { buildOpenApi, type OpenApiOptions } from "./rest/openapi.ts";
export { createApp, type App, type AppOptions } from "./server/app.ts";
export { loadConfig, ConfigError, type Config } from "./server/config.ts";
export type { Seed } from "./server/database.ts";
export { startServer, type RunningServer, type StartOptions } from "./server/server.ts";
export { createMetrics, type GaugeCollect, type Metrics } from "./server/metrics.ts";
export { logCorrelation } from "./server/request-scope.ts";
export type { Instrumentation } from "./storage/instrumentation.ts";
