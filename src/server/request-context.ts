/**
 * The request context of each request, whatever its transport: made once per request (actor, loaders,
 * request id), however many layers ask for it.
 */
import type { Deadline, RequestContext } from "../runtime/context.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ActorResolver } from "./auth.ts";
import { currentRequest, requestIdOf } from "./request-scope.ts";

/**
 * The request context of a request, whatever its transport: HTTP requests, and the Request a
 * WebSocket subscription is made from (its connection params as headers). `deadlineOf` gives the
 * request's deadline (request-timeout.ts), which its context carries.
 */
export function requestContextFor(
  runtime: Runtime,
  resolveActor?: ActorResolver,
  deadlineOf?: (request: Request) => Deadline | undefined,
): RequestContextFor {
  // One context per request, however many layers ask (the rate limiter, then the transport): the
  // credentials are verified once and the request's loaders are shared.
  const made = new WeakMap<Request, Promise<RequestContext>>();
  const contextFor = (request: Request) => {
    let context = made.get(request);
    if (!context) {
      context = (async () =>
        runtime.context({
          // The id the HTTP entry echoes as X-Request-Id; a WebSocket subscription's Request has none.
          requestId: currentRequest()?.requestId ?? requestIdOf(request.headers.get("x-request-id")),
          deadline: deadlineOf?.(request),
          ...(resolveActor ? { actor: await resolveActor(request) } : {}),
        }))();
      made.set(request, context);
    }
    return context;
  };
  return Object.assign(contextFor, {
    share(from: Request, to: Request) {
      const context = made.get(from);
      if (context) made.set(to, context);
    },
  });
}

/** The request context of each request, made once however many layers ask. */
export interface RequestContextFor {
  (request: Request): Promise<RequestContext>;
  /** Gives `to` (a copy of the same HTTP request) the context made for `from`, if one was. */
  share(from: Request, to: Request): void;
}
