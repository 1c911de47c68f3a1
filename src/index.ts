/**
 * Autograph's public API. Describe resources with {@link createResourceDefiner}; serve them with
 * {@link startServer}, or compose the pieces yourself: {@link resolveResources} → {@link createRuntime}
 * → {@link createApp} (or the transports {@link createGraphQLHandler} and {@link createRestHandler}).
 * @packageDocumentation
 */

// Describe
export {
  createResourceDefiner,
  OPERATORS,
  VIEWS,
  type FieldOptions,
  type FieldValidation,
  ACCESS_OPERATIONS,
  SECURITY_PROFILES,
  type AccessActor,
  type AccessCheck,
  type AccessOperation,
  type AccessOptions,
  type AccessRule,
  type AccessSource,
  type AuditOptions,
  type DeleteRule,
  type FieldAccessRule,
  type ScopeFunction,
  type SecurityProfile,
  type FieldValidator,
  type RevisionOptions,
  type SoftDeleteOptions,
  type IdGenerator,
  type ModelShapes,
  type Operator,
  type RelationOptions,
  type RelationView,
  type ResourceDefinition,
  type ResourceValidator,
  type Rule,
  type ValidationAction,
  type ValidationContext,
  type ValueContext,
  type ValueSource,
  type View,
} from "./metadata/definition.ts";
export { MetadataError, type MetadataIssue } from "./metadata/errors.ts";
export { resolveResources, OPERATORS_BY_KIND, type ResolveOptions } from "./metadata/resolve.ts";
export type {
  ResolvedField,
  ResolvedRelation,
  ResolvedResource,
  ResolvedRule,
  ResolvedSchema,
  ResolvedValidation,
  ResourceNames,
  ScalarKind,
} from "./metadata/resolved.ts";

// Run
export { ANONYMOUS, type Actor, type RequestContext, type Transaction } from "./runtime/context.ts";
export { AppError, ERROR_STATUS, isAppError, type AppErrorOptions, type ErrorCode } from "./runtime/errors.ts";
export {
  ACTIONS,
  HOOK_KINDS,
  WRITE_ACTIONS,
  type Action,
  type Body,
  type Hook,
  type HookKind,
  type Operation,
  type ResourceHooks,
  type Transform,
  type WriteAction,
} from "./runtime/hooks.ts";
export type { BoundService } from "./runtime/bound-service.ts";
export type { WriteInputOptions, WriteMode } from "./runtime/input.ts";
export { DEFAULT_QUERY_LIMITS, type Filter, type QueryLimits, type Sort } from "./runtime/query.ts";
export { createRuntime, type Runtime, type RuntimeOptions } from "./runtime/runtime.ts";
export {
  BATCH_ACTIONS,
  type BatchAction,
  type BatchFailure,
  type BatchOptions,
  type BatchResult,
  type DeletedMode,
  type ErrorReporter,
  type GetOptions,
  type ListParams,
  type OutputView,
  type Page,
  type PageParams,
  type ResourceRecord,
  type ResourceService,
  type RevisionDiff,
  type RevisionRecord,
  type VersionOptions,
} from "./runtime/service.ts";
export type { Revision } from "./runtime/revisions.ts";

// Events
export {
  createEventBus,
  createEvents,
  type EventBusOptions,
  type Events,
  type EventsOptions,
} from "./events/events.ts";
export { EventHub, type StreamOptions } from "./events/hub.ts";
export type { EventHandler, HandlerOptions } from "./events/handlers.ts";
export { ChangeViewer, type VisibleChange } from "./events/change-view.ts";
export { type BusKind, type BusReceiver, type EventBus, MemoryBus } from "./storage/event-bus.ts";
export { type ChangeEvent, type EventFilter, Outbox } from "./storage/outbox.ts";
export { PostgresBus } from "./storage/postgres-bus.ts";
export { RedisBus } from "./storage/redis-bus.ts";

// Store
export { createDatabase, type Database, type StatementCounter } from "./storage/prisma.ts";
export { createStore, type Store } from "./storage/store.ts";
export { datamodel } from "./storage/datamodel.ts";

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
export { SECURITY_PROFILE_RULES, type SecurityProfileRules } from "./rest/security-profile.ts";
export { createApp, type App, type AppOptions } from "./server/app.ts";
export { loadConfig, ConfigError, type Config } from "./server/config.ts";
export { startServer, type RunningServer, type StartOptions } from "./server/server.ts";
