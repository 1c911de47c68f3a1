/**
 * The request timeout (`REQUEST_TIMEOUT_MS`): a request whose handler has not answered in time gets
 * 503 TIMEOUT, and its deadline expires.
 *
 * The handler is not stopped: JavaScript cannot stop a promise, and PostgreSQL cannot be told which of
 * a pool's statements belong to the request. Its database work is left to the statement timeout
 * (`DB_STATEMENT_TIMEOUT_MS`), which bounds each statement, and to the interactive transaction's own
 * timeout; a write that has not reached its commit sees the expired deadline (`RequestContext.deadline`)
 * and rolls back, so a client told TIMEOUT was not also written for, unless the commit was already
 * under way. What the handler answers late is dropped (a streamed body is cancelled).
 *
 * Only the handler's answer is timed, not the streaming of its body: GraphQL subscriptions over SSE
 * and downloads answer as soon as their stream starts. Transfers whose length is the client's are
 * exempt: the REST event streams (`…/events`, `/graphql/stream`), uploads (a body that is not a JSON,
 * GraphQL or form document: files, multipart), `/api/_dump` and `/api/_load`. WebSockets are not HTTP requests: they have
 * their idle timeout (`WS_IDLE_TIMEOUT_MS`).
 */

import { errorResponse, TIMEOUT_RETRY_AFTER_SECONDS } from "../rest/errors.ts";
import type { Deadline } from "../runtime/context.ts";
import { AppError } from "../runtime/errors.ts";

/** One request's deadline: it expires when the time is up, unless the answer came first. */
interface Timed extends Deadline {
  expired: boolean;
  timer: NodeJS.Timeout | undefined;
  /** The race waiting on it: a plain callback, as an AbortSignal and its listener cost about 40 µs a request in Node 20. */
  onExpiry: (() => void) | undefined;
}

/** Deadlines of requests in flight, keyed by request (a request and its copies share one). */
export class RequestDeadlines {
  private readonly deadlines = new WeakMap<Request, Timed>();

  /** `ms` 0 turns the timeout off: no request gets a deadline. `onTimeout` hears of each request that ran out of time. */
  constructor(
    readonly ms: number,
    private readonly onTimeout: (request: Request) => void = () => {},
  ) {
    if (!Number.isInteger(ms) || ms < 0)
      throw new TypeError(`requestTimeoutMs must be a whole number of milliseconds (0 for none), got ${ms}.`);
  }

  /**
   * Starts the clock of `request` unless it is exempt (or has one already). Call it before anything
   * makes the request's context, so that the context carries the deadline.
   */
  start(request: Request): void {
    if (this.ms === 0 || this.deadlines.has(request) || exempt(request)) return;
    const deadline: Timed = { expired: false, timer: undefined, onExpiry: undefined };
    deadline.timer = setTimeout(() => {
      deadline.expired = true;
      deadline.onExpiry?.();
    }, this.ms);
    // A process with nothing else to do need not wait for a request it no longer serves.
    deadline.timer.unref();
    this.deadlines.set(request, deadline);
  }

  /** The deadline of `request`: what its request context carries. */
  of(request: Request): Deadline | undefined {
    return this.deadlines.get(request);
  }

  /** Gives `to` (a copy of the same HTTP request) the deadline of `from`. */
  share(from: Request, to: Request): void {
    const deadline = this.deadlines.get(from);
    if (deadline) this.deadlines.set(to, deadline);
  }

  /** Stops the clock of `request` (answered, or refused before its handler ran). */
  finish(request: Request): void {
    const deadline = this.deadlines.get(request);
    if (deadline) clearTimeout(deadline.timer);
  }

  /**
   * The answer of `work`, or `timedOut()` when the deadline of `request` passes first (or passed
   * already). Without a deadline, just `work`'s answer.
   */
  async race<T>(request: Request, work: () => Promise<T>, timedOut: () => T, dispose?: (late: T) => void): Promise<T> {
    const deadline = this.deadlines.get(request);
    if (!deadline) return work();
    if (deadline.expired) {
      this.onTimeout(request);
      return timedOut();
    }
    const answer = work();
    try {
      return await new Promise<T>((resolve, reject) => {
        deadline.onExpiry = () => {
          // What the handler answers late nobody reads: release it, and keep its failure from going unhandled.
          answer.then((late) => dispose?.(late)).catch(() => {});
          this.onTimeout(request);
          resolve(timedOut());
        };
        answer.then(
          (value) => {
            deadline.onExpiry = undefined;
            resolve(value);
          },
          (error: unknown) => {
            deadline.onExpiry = undefined;
            reject(error);
          },
        );
      });
    } finally {
      this.finish(request);
    }
  }
}

/** What an answer that ran out of time is replaced with, where a handler's answer is not a Response. */
export const TIMED_OUT = Symbol("timed out");

/** The message of a request that ran out of time. */
function requestTimeoutMessage(ms: number): string {
  return `The request took longer than the ${ms} ms the server allows and was stopped; try again later, or ask for less.`;
}

/** REST's answer to a request out of time: 503 TIMEOUT with Retry-After (rest-dialect.md §7). */
export function restTimeoutResponse(ms: number): Response {
  return errorResponse(new AppError("TIMEOUT", requestTimeoutMessage(ms)), () => {});
}

/** GraphQL's answer to a request out of time: one error with code TIMEOUT, 503 with Retry-After as REST's. */
export function graphqlTimeoutResponse(ms: number): Response {
  return Response.json(
    { errors: [{ message: requestTimeoutMessage(ms), extensions: { code: "TIMEOUT" } }] },
    { status: 503, headers: { "Retry-After": String(TIMEOUT_RETRY_AFTER_SECONDS) } },
  );
}

/** Drops a Response answered too late: its body (a file, a stream) is never read. */
export function disposeResponse(late: Response): void {
  late.body?.cancel().catch(() => {});
}

/** Streams and transfers, whose length is the client's doing (see the file's comment). */
function exempt(request: Request): boolean {
  // The path of an absolute URL, without the cost of parsing one.
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const end = url.slice(start).search(/[?#]/);
  const path = end === -1 ? url.slice(start) : url.slice(start, start + end);
  if (path.endsWith("/_dump") || path.endsWith("/_load") || path.endsWith("/events") || path === "/graphql/stream")
    return true;
  // An upload: a body of bytes or a multipart form rather than a document (JSON, GraphQL, a form).
  if (request.method === "GET" || request.method === "HEAD") return false;
  const type = request.headers.get("content-type")?.toLowerCase().trim();
  return Boolean(type) && !DOCUMENT_TYPE.test(type ?? "");
}

/** Media types of request bodies that are documents, read whole before the handler runs. */
const DOCUMENT_TYPE = /^application\/((.+\+)?json|graphql|x-www-form-urlencoded)\s*(;|$)/;
