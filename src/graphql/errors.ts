/**
 * How errors reach GraphQL clients: a runtime {@link AppError} keeps its message and gains
 * `extensions.code` (and `fields` / `details` when it has them, and `index` when a batch item failed); GraphQL's own errors (parse,
 * validation) pass through with the code yoga gives them, and a variable of the wrong type (which graphql-js reports without
 * one) gains BAD_REQUEST, the code of every other bad input; anything else is reported to the server and replaced by
 * "Unexpected error." with code INTERNAL, so no stack or internal message leaves.
 */
import { GraphQLError } from "graphql";
import { type AppError, isAppError } from "../runtime/errors.ts";
import { unavailableError } from "../runtime/service-errors.ts";

/** The message clients see instead of an unexpected error's. */
export const UNEXPECTED_ERROR_MESSAGE = "Unexpected error.";

/**
 * The error a client may see for `error`, as thrown by a resolver (wrapped by graphql-js in a
 * GraphQLError with `originalError`) or by the request pipeline. Calls `onUnexpected` with the
 * original of any error it masks.
 */
export function toGraphQLError(error: unknown, onUnexpected: (error: unknown) => void): GraphQLError {
  const located = error instanceof GraphQLError ? error : undefined;
  const original = located ? located.originalError : error;
  // No original: GraphQL's own error. An original GraphQLError: one thrown on purpose (e.g. by a scalar).
  if (located && (original === undefined || original === null || isOwnGraphQLError(original)))
    return isVariableError(located) ? withCode(located, "BAD_REQUEST") : located;
  const location = located
    ? { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path }
    : {};
  const known = isAppError(original) ? original : unavailableError(original);
  // A database outage is reported too (logged as a warning by the server), and answered UNAVAILABLE.
  if (known?.code === "UNAVAILABLE" && known.cause !== undefined) onUnexpected(known);
  if (known) return new GraphQLError(known.message, { ...location, extensions: extensionsOf(known) });
  onUnexpected(original);
  return new GraphQLError(UNEXPECTED_ERROR_MESSAGE, { ...location, extensions: { code: "INTERNAL" } });
}

/**
 * graphql-js's request errors for variables ("Variable "$x" got invalid value …", "… was not provided"):
 * yoga answers them 400 without a code, so clients could not tell them from other failures.
 */
function isVariableError(error: GraphQLError): boolean {
  return error.extensions.code === undefined && error.message.startsWith('Variable "$');
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  const { nodes, source, positions, path } = error;
  return new GraphQLError(error.message, { nodes, source, positions, path, extensions: { ...error.extensions, code } });
}

function isOwnGraphQLError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError === undefined || error.originalError === null || isOwnGraphQLError(error.originalError);
}

function extensionsOf(error: AppError): Record<string, unknown> {
  const index = error.details?.index;
  return {
    code: error.code,
    // An all-or-nothing batch failed at one item: say which, next to the code, as clients look there first.
    ...(typeof index === "number" ? { index } : {}),
    ...(error.fields ? { fields: error.fields } : {}),
    ...(error.details ? { details: error.details } : {}),
  };
}
