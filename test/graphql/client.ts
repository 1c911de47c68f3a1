// Helpers of the GraphQL tests: a handler over a test runtime, and a client that posts one operation
// through handler.fetch(Request) as a browser or server would.
import { expect } from "vitest";
import { extensions } from "../../demo/schema/extensions.ts";
import { createGraphQLHandler, type GraphQLHandler, type GraphQLHandlerOptions } from "../../src/graphql/handler.ts";
import type { Actor } from "../../src/runtime/context.ts";
import type { TestRuntime } from "../support/runtime.ts";

/** A GraphQL response body. */
export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; fields?: Record<string, string>; [key: string]: unknown };
  }[];
}

export interface GraphQLTestClient {
  readonly handler: GraphQLHandler;
  /** Errors masked from clients, as handed to onUnexpectedError. */
  readonly unexpected: unknown[];
  /** Posts an operation; returns status and body. */
  post(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ status: number; body: GraphQLBody; text: string }>;
  /** Posts an operation that must succeed; returns its data. */
  data<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Posts an operation that must fail with one error; returns that error. */
  error(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<NonNullable<GraphQLBody["errors"]>[number] & { text: string }>;
}

/**
 * A client over the demo schema (with the demo extensions) served by `t.runtime`, acting as `actor`
 * (anonymous unless given; see test/support/actors.ts).
 */
export function graphqlClient(
  t: TestRuntime,
  { actor, ...options }: Partial<GraphQLHandlerOptions> & { actor?: Actor } = {},
): GraphQLTestClient {
  const unexpected: unknown[] = [];
  const handler = createGraphQLHandler({
    runtime: t.runtime,
    contextFor: () => t.runtime.context(actor ? { actor } : {}),
    extensions,
    onUnexpectedError: (error) => unexpected.push(error),
    ...options,
  });
  const post = async (query: string, variables?: Record<string, unknown>) => {
    const response = await handler.fetch(
      new Request("http://test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query, variables }),
      }),
    );
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as GraphQLBody, text };
  };
  return {
    handler,
    unexpected,
    post,
    async data<T>(query: string, variables?: Record<string, unknown>) {
      const { status, body } = await post(query, variables);
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(status).toBe(200);
      return body.data as T;
    },
    async error(query: string, variables?: Record<string, unknown>) {
      const { body, text } = await post(query, variables);
      expect(body.errors, `expected one error, got ${text.slice(0, 500)}`).toHaveLength(1);
      return { ...(body.errors?.[0] as NonNullable<GraphQLBody["errors"]>[number]), text };
    },
  };
}
