/**
 * Shared streams: subscribers that would compute the same items — the same actor view subscribing
 * the same operation, live from now — read one stream instead of one each. Each event is then viewed,
 * executed and serialised once per group rather than once per subscriber; what is left per
 * subscriber is its queue and its socket.
 *
 * The first subscriber's stream becomes the group's source; a later one joins (its own stream is
 * closed unread) and gets the items of the events after its own start — unless the group started
 * after it, or already handed out a later event, which the newcomer would miss: it then keeps its
 * own stream. Each member has its own bounded queue, so a slow one holds up nobody and falls behind
 * alone (beyond {@link MAX_QUEUE} items it ends with UNAVAILABLE, as a hub stream does). The source
 * ends when its last member leaves. Transport-free: graphql-ws shares execution results through it.
 */
import { AppError } from "../runtime/errors.ts";

/** Where a live stream is: read by the group when an item arrives. */
export interface StreamPosition {
  /** The event id the subscriber started after (undefined: the hub had handed out nothing yet). */
  readonly start: string | undefined;
  /** The id of the event whose item the stream yields now. */
  readonly current: string | undefined;
}

/** Most items a member may have waiting. */
export const MAX_QUEUE = 10_000;

export class SharedStreams<T> {
  readonly #groups = new Map<string, Group<T>>();

  /**
   * The items of `source` (a live stream at `position`), shared with the subscribers that joined
   * under the same `key`. The key must say everything the items depend on.
   */
  join(key: string, source: AsyncIterator<T>, position: StreamPosition): AsyncIterableIterator<T> {
    const group = this.#groups.get(key);
    const start = position.start === undefined ? undefined : BigInt(position.start);
    if (group?.accepts(start)) {
      void source.return?.()?.catch(() => {});
      return group.add(start);
    }
    if (group) return single(source);
    const fresh: Group<T> = new Group(source, position, () => {
      if (this.#groups.get(key) === fresh) this.#groups.delete(key);
    });
    this.#groups.set(key, fresh);
    return fresh.add(undefined);
  }

  /** Groups running now. */
  get size(): number {
    return this.#groups.size;
  }
}

/** A stream not shared: the source itself, with the iterator protocol graphql-ws expects. */
function single<T>(source: AsyncIterator<T>): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => source.next(),
    return: async () => (source.return ? source.return() : { done: true, value: undefined }),
    throw: async (error: unknown) => (source.throw ? source.throw(error) : Promise.reject(error)),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

interface Member<T> {
  /** Takes `item` (of the event `at`) unless that event is not after the member's start. */
  push(item: T, at: bigint | undefined): void;
  end(error?: unknown): void;
}

class Group<T> {
  readonly #members = new Set<Member<T>>();
  readonly #source: AsyncIterator<T>;
  readonly #position: StreamPosition;
  readonly #closed: () => void;
  /** The group's items cover every event after this one (its first member's start)... */
  readonly #from: bigint | undefined;
  /** ...up to this one, the event of the last item handed out. */
  #last: bigint | undefined;
  #done = false;

  constructor(source: AsyncIterator<T>, position: StreamPosition, closed: () => void) {
    this.#source = source;
    this.#position = position;
    this.#closed = closed;
    this.#from = position.start === undefined ? undefined : BigInt(position.start);
    void this.#pump();
  }

  /** Whether a subscriber that started after `start` gets every item it is owed by joining now. */
  accepts(start: bigint | undefined): boolean {
    if (this.#done || start === undefined || this.#from === undefined) return false;
    return (this.#last ?? this.#from) <= start;
  }

  async #pump(): Promise<void> {
    let failure: unknown;
    try {
      for (;;) {
        const result = await this.#source.next();
        if (result.done || this.#done) break;
        const current = this.#position.current;
        const at = current === undefined ? undefined : BigInt(current);
        if (at !== undefined) this.#last = at;
        for (const member of this.#members) member.push(result.value, at);
      }
    } catch (error) {
      failure = error;
    } finally {
      this.#finish();
      for (const member of this.#members) member.end(failure);
      this.#members.clear();
    }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#closed();
  }

  add(start: bigint | undefined): AsyncIterableIterator<T> {
    const queue: T[] = [];
    let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
    let ended = false;
    let failure: unknown;
    const settle = () => {
      if (!waiting) return;
      const { resolve, reject } = waiting;
      if (queue.length > 0) {
        waiting = undefined;
        resolve({ done: false, value: queue.shift() as T });
      } else if (ended) {
        waiting = undefined;
        if (failure === undefined) resolve({ done: true, value: undefined });
        else reject(failure);
      }
    };
    const member: Member<T> = {
      push: (item, at) => {
        if (ended || (start !== undefined && at !== undefined && at <= start)) return;
        if (queue.length >= MAX_QUEUE)
          return leave(
            new AppError("UNAVAILABLE", "This subscriber fell too far behind; resume from its last event id."),
          );
        queue.push(item);
        settle();
      },
      end: (error) => {
        if (ended) return;
        ended = true;
        failure = error;
        settle();
      },
    };
    // What is queued still arrives, then the error (or the end).
    const leave = (error?: unknown) => {
      member.end(error);
      this.#members.delete(member);
      if (this.#members.size === 0 && !this.#done) {
        // The last member is gone: so is the source (its hub stream, its listener).
        this.#finish();
        void this.#source.return?.()?.catch(() => {});
      }
    };
    this.#members.add(member);
    const iterator: AsyncIterableIterator<T> = {
      next: () =>
        new Promise<IteratorResult<T>>((resolve, reject) => {
          waiting = { resolve, reject };
          settle();
        }),
      return: async () => {
        queue.length = 0;
        leave();
        settle();
        return { done: true, value: undefined };
      },
      throw: async (error: unknown) => {
        leave();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
