/**
 * Read your writes: where a request's reads go when the database has a read replica
 * (docs/guides/read-replicas.md). A replica may not have replayed a commit yet, so once a request
 * writes, the rest of its reads go to the primary; so do the re-reads of change events, whose commit
 * the replica may not have replayed either.
 */

/**
 * One request's read routing, shared by every copy of its context (a write's transaction, a batch's
 * items, a GraphQL mutation's selection): a write anywhere in the request turns it to the primary.
 * @example
 * ```ts
 * const ctx = runtime.context();
 * await runtime.service("post").create(ctx, { title: "Hi" }); // marks ctx.reads as wrote
 * ctx.reads?.primary; // true: this request's next reads see its write
 * ```
 */
export class ReadRouting {
  #primary: boolean;

  /** @param primary Every read on the primary from the start (subscriptions' re-reads). @default false */
  constructor(primary = false) {
    this.#primary = primary;
  }

  /** Whether this request's reads go to the primary: it wrote, or was made to read there. */
  get primary(): boolean {
    return this.#primary;
  }

  /** Records that the request writes (called before each write begins): its reads go to the primary from now on. */
  wrote(): void {
    this.#primary = true;
  }
}
