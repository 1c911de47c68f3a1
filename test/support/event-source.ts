/**
 * A client of the REST event streams (rest-dialect.md §21) for tests: the `eventsource` package (the
 * WHATWG EventSource over fetch, as a browser has it) collecting what arrives, with promises to await
 * a number of events instead of sleeping.
 */
import { EventSource } from "eventsource";

/** One SSE event as the client received it. */
export interface Received {
  /** The SSE id (the outbox event id). */
  readonly id: string;
  /** The SSE event type: `ready`, `error` or the write's action. */
  readonly type: string;
  readonly data: any;
}

/** An open event stream. */
export interface StreamClient {
  /** Every change received so far (not `ready`), in order. */
  readonly changes: Received[];
  /** The id of the first `ready` event (the stream's starting point). */
  readonly ready: Promise<string>;
  /** Resolves once `count` changes have arrived; rejects when the stream reports an error event. */
  waitFor(count: number): Promise<Received[]>;
  /** The EventSource's own last event id (what it would send as Last-Event-ID). */
  readonly lastEventId: string | undefined;
  close(): void;
}

const CHANGE_TYPES = ["create", "update", "patch", "delete", "restore", "revert", "purge", "publish"];

/**
 * Opens `url` with an EventSource. `lastEventId` is sent as the `Last-Event-ID` header of the first
 * connection (a browser sends it on reconnects only; the server treats both alike).
 */
export function openStream(url: string, options: { lastEventId?: string } = {}): StreamClient {
  const changes: Received[] = [];
  let waiters: { count: number; resolve: (r: Received[]) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | undefined;
  let lastEventId: string | undefined;
  let resolveReady!: (id: string) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<string>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  let first = true;
  const source = new EventSource(url, {
    fetch: (input, init) => {
      const headers = { ...(init?.headers as Record<string, string>) };
      if (first && options.lastEventId !== undefined) headers["Last-Event-ID"] = options.lastEventId;
      first = false;
      return fetch(input, { ...init, headers });
    },
  });
  const settle = () => {
    waiters = waiters.filter((w) => {
      if (failure) w.reject(failure);
      else if (changes.length >= w.count) w.resolve(changes.slice(0, w.count));
      else return true;
      return false;
    });
  };
  source.addEventListener("ready", (e) => {
    lastEventId = e.lastEventId;
    resolveReady(e.lastEventId);
  });
  for (const type of CHANGE_TYPES) {
    source.addEventListener(type, (e) => {
      lastEventId = e.lastEventId;
      changes.push({ id: e.lastEventId, type, data: JSON.parse(e.data) });
      settle();
    });
  }
  source.addEventListener("error", (e) => {
    // A server `event: error` carries data; a connection error does not (the EventSource retries).
    const data = (e as unknown as { data?: string }).data;
    if (data) {
      failure = new Error(`event stream error: ${data}`);
      settle();
    } else if (source.readyState === EventSource.CLOSED) {
      const error = new Error(
        `event stream closed: ${(e as unknown as { message?: string }).message ?? "connection failed"}`,
      );
      rejectReady(error);
      failure = error;
      settle();
    }
  });
  return {
    changes,
    ready,
    waitFor(count) {
      return new Promise((resolve, reject) => {
        waiters.push({ count, resolve, reject });
        settle();
      });
    },
    get lastEventId() {
      return lastEventId;
    },
    close: () => source.close(),
  };
}
