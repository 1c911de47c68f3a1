/**
 * Runs a command message through the runtime, exactly as REST runs the same operation: the same service
 * methods (access, scope, validation, hooks, revisions, audit, outbox events), the same error codes.
 *
 * A write is idempotent by its `idempotencyKey` header: it claims the key in its own transaction
 * (storage/command-receipts.ts) and stores its reply there before the commit, so the write and its
 * receipt commit together: in the transaction of the write's one statement when it compiles to one
 * (runtime/alongside.ts), else in a transaction of the runtime's. A redelivery finds the receipt and
 * gets the same reply; it never applies twice, even when the process died between the commit and the
 * broker's ack. A refusal (4xx) writes nothing and is recorded after its rollback, so its redeliveries
 * get the same answer too.
 */
import { DEFAULT_DATASOURCE } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import { TransactionRequired, WriteDeclined } from "../runtime/alongside.ts";
import type { Actor, RequestContext } from "../runtime/context.ts";
import { AppError, show } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { ResourceService } from "../runtime/service.ts";
import type { ReceiptTable } from "../storage/command-receipts.ts";
import { type Command, type CommandReply, errorReply, isRefusal, parseCommand, READ_ACTIONS } from "./command.ts";

/** The header carrying a command's idempotency key (any letter case). */
export const IDEMPOTENCY_KEY_HEADER = "idempotencykey";

/** Longest idempotency key, in characters. */
const MAX_KEY = 200;

/** Options of {@link createCommandHandler}. */
export interface CommandHandlerOptions {
  runtime: Runtime;
  /** Who a message acts as, from its headers as a Request's: the server's ActorResolver (server/auth.ts). */
  resolveActor: (request: Request) => Promise<Actor>;
  /** How long a receipt answers redeliveries of its key, in seconds. */
  retentionSeconds: number;
}

/** What handling a message came to. */
export type CommandOutcome =
  /** Answered (a result, or a refusal): acknowledge it. `replayed`: from the receipt of an earlier delivery. */
  | { readonly answered: true; readonly reply: CommandReply; readonly replayed: boolean }
  /** Failed for a reason of the server's (the database unavailable, a bug): deliver it again later. */
  | { readonly answered: false; readonly error: unknown };

/** Runs one message: its body and its headers (names lowercased). Never throws. */
export type CommandHandler = (body: Uint8Array, headers: ReadonlyMap<string, string>) => Promise<CommandOutcome>;

/**
 * Builds the handler of command messages over `runtime`. Throws (a boot error) when the schema has no
 * `CommandReceipt` model: without it a redelivered write would apply twice.
 */
export function createCommandHandler(options: CommandHandlerOptions): CommandHandler {
  const { runtime, resolveActor, retentionSeconds } = options;
  const receipts = runtime.store.receipts;
  if (!receipts)
    throw new Error(
      "Broker commands need the CommandReceipt model (the receipts that make a redelivered command harmless): copy it from Autograph's templates/init/prisma/schema.prisma into your schema.prisma, then run `prisma generate` and `prisma migrate dev` (docs/guides/messaging.md).",
    );
  const byName = new Map<string, ResolvedResource>();
  for (const resource of runtime.schema.resources) {
    byName.set(resource.names.path, resource);
    byName.set(resource.name, resource);
  }
  const serviceOf = (name: string): ResourceService => {
    const resource = byName.get(name);
    if (!resource) throw new AppError("NOT_FOUND", `No resource ${show(name)}: name one by its name or REST path.`);
    return runtime.service(resource.name);
  };

  type Named = { key: string; resource: string; action: string };
  /**
   * The write in one statement, its receipt claimed before it and completed after it in the statement's
   * transaction; undefined (nothing written) when the write does not compile to one statement.
   */
  const inOneStatement = async (ctx: RequestContext, key: string, named: Named, command: Command) => {
    let done: CommandReply | undefined;
    let result: unknown;
    try {
      result = await run(
        serviceOf(command.resource),
        {
          ...ctx,
          alongside: {
            datasource: DEFAULT_DATASOURCE,
            async before(tables) {
              const claim = await (tables.receipts as ReceiptTable).claim(key, named, retentionSeconds);
              if (!claim.claimed) throw new WriteDeclined(sameCommand(claim.receipt, named));
            },
            async after(tables, record) {
              done = { ok: true, result: record };
              await (tables.receipts as ReceiptTable).complete(key, done);
            },
          },
        },
        command,
      );
    } catch (error) {
      if (error instanceof TransactionRequired) return undefined;
      throw error;
    }
    if (done) return done;
    // Every write on this path stores its reply in `after`; should one ever answer without writing,
    // its receipt is recorded on its own rather than not at all.
    const kept = await receipts.record({ ...named, reply: { ok: true, result } }, retentionSeconds);
    return kept.reply as CommandReply;
  };
  /** The write in a transaction of the runtime's, with its receipt claimed and completed in it. */
  const inTransaction = (ctx: RequestContext, key: string, named: Named, command: Command) =>
    runtime.transaction(ctx, async (tx) => {
      const table = tx.transaction?.store.receipts as ReceiptTable;
      const claim = await table.claim(key, named, retentionSeconds);
      if (!claim.claimed) throw new WriteDeclined(sameCommand(claim.receipt, named));
      const done: CommandReply = { ok: true, result: await run(serviceOf(command.resource), tx, command) };
      await table.complete(key, done);
      return done;
    });

  return async (body, headers) => {
    const answered = (reply: CommandReply, replayed = false): CommandOutcome => ({ answered: true, reply, replayed });
    let key: string;
    let command: Command;
    let ctx: RequestContext;
    try {
      key = idempotencyKey(headers);
      command = parseCommand(body);
      ctx = runtime.context({ actor: await resolveActor(credentials(headers)) });
    } catch (error) {
      return isRefusal(error) ? answered(errorReply(error)) : { answered: false, error };
    }
    const service = () => serviceOf(command.resource);
    if (READ_ACTIONS.has(command.action)) {
      try {
        return answered({ ok: true, result: await run(service(), ctx, command) });
      } catch (error) {
        return isRefusal(error) ? answered(errorReply(error)) : { answered: false, error };
      }
    }
    const named = { key, resource: command.resource, action: command.action };
    try {
      // Most deliveries are first deliveries: one read outside a transaction answers a redelivery early.
      const earlier = await receipts.find(key);
      if (earlier) return answered(sameCommand(earlier, named), true);
      const reply =
        (command.items === undefined ? await inOneStatement(ctx, key, named, command) : undefined) ??
        (await inTransaction(ctx, key, named, command));
      return answered(reply);
    } catch (error) {
      // A receipt of the key turned up in the write's transaction (a concurrent delivery's): its reply.
      if (error instanceof WriteDeclined) return answered(error.answer as CommandReply, true);
      if (!isRefusal(error)) return { answered: false, error };
      try {
        // Nothing was written: record the refusal, or answer the receipt a concurrent delivery left.
        const kept = await receipts.record({ ...named, reply: errorReply(error) }, retentionSeconds);
        return answered(kept.reply as CommandReply, kept.reply !== undefined && !isSameRefusal(kept.reply, error));
      } catch (failure) {
        return { answered: false, error: failure };
      }
    }
  };
}

/** The receipt's reply, when it was stored for the same resource and action; else CONFLICT: a key names one command. */
function sameCommand(
  receipt: { resource: string; action: string; reply: unknown },
  named: { key: string; resource: string; action: string },
): CommandReply {
  if (receipt.resource === named.resource && receipt.action === named.action) return receipt.reply as CommandReply;
  return errorReply(
    new AppError(
      "CONFLICT",
      `The idempotency key ${show(named.key)} was used by a ${receipt.action} of ${show(receipt.resource)}; this ${named.action} of ${show(named.resource)} needs a key of its own.`,
    ),
  );
}

function isSameRefusal(reply: unknown, error: AppError): boolean {
  const r = reply as CommandReply;
  return !r.ok && r.error.code === error.code && r.error.message === error.message;
}

/** The message's idempotency key; BAD_REQUEST when it has none. */
function idempotencyKey(headers: ReadonlyMap<string, string>): string {
  const key = headers.get(IDEMPOTENCY_KEY_HEADER)?.trim();
  if (!key)
    throw new AppError(
      "BAD_REQUEST",
      "A command needs an idempotencyKey header (a unique string per command, the same on every resend): it makes a redelivery harmless.",
    );
  if (key.length > MAX_KEY)
    throw new AppError("BAD_REQUEST", `The idempotencyKey header is at most ${MAX_KEY} characters, got ${key.length}.`);
  return key;
}

/** The message's credentials as the Request the server's actor resolver reads: `authorization` and `x-api-key`. */
function credentials(headers: ReadonlyMap<string, string>): Request {
  const sent = new Headers();
  for (const name of ["authorization", "x-api-key"]) {
    const value = headers.get(name);
    if (value !== undefined) sent.set(name, value);
  }
  return new Request("http://messaging.invalid/", { headers: sent });
}

/** Runs `command` through the service's methods, as the REST route of the same operation does. */
async function run(service: ResourceService, ctx: RequestContext, command: Command): Promise<unknown> {
  const { action, id, data, items } = command;
  // A version sent with the command is REST's version in the body: a stale one is a CONFLICT (409).
  const version = command.expectedVersion === undefined ? {} : { expectedVersion: command.expectedVersion };
  if (items !== undefined) {
    if (action === "get" || action === "list") throw new AppError("BAD_REQUEST", `${action} takes no "items".`);
    return service.batch(ctx, action, items, { ignoreReadOnly: true });
  }
  switch (action) {
    case "get":
      return service.get(ctx, id);
    case "list": {
      const params = listParams(data);
      return (await service.list(ctx, { ...params, withTotal: true })).records;
    }
    case "create":
      return service.create(ctx, data, { ignoreReadOnly: true });
    // As REST's PUT and PATCH: the fields sent change, the others stay (rest-dialect.md §6.3).
    case "update":
    case "patch":
      return service.patch(ctx, id, data, { ignoreReadOnly: true, ...version });
    case "delete":
      return service.delete(ctx, id, version);
    case "restore":
      return service.restore(ctx, id, version);
    case "purge":
      return service.purge(ctx, id, version);
  }
}

/** The list parameters of a `list` command's `data`: `{ filter?, sort?, offset?, limit?, deleted? }`. */
function listParams(data: unknown): Parameters<ResourceService["list"]>[1] {
  if (data === undefined) return {};
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new AppError("BAD_REQUEST", `The list command's "data" is an object of list parameters, got ${show(data)}.`);
  const { filter, sort, offset, limit, deleted, ...others } = data as Record<string, unknown>;
  const unknown = Object.keys(others);
  if (unknown.length > 0)
    throw new AppError(
      "BAD_REQUEST",
      `The list command takes filter, sort, offset, limit and deleted in "data", not ${unknown.map((k) => `"${k}"`).join(", ")}.`,
    );
  const whole = (name: string, value: unknown) => {
    if (value === undefined) return undefined;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    throw new AppError("BAD_REQUEST", `"${name}" must be a whole number, at least 0, got ${show(value)}.`);
  };
  if (sort !== undefined && !Array.isArray(sort))
    throw new AppError(
      "BAD_REQUEST",
      `"sort" is a list like [{"field":"title","direction":"asc"}], got ${show(sort)}.`,
    );
  if (deleted !== undefined && deleted !== "exclude" && deleted !== "include" && deleted !== "only")
    throw new AppError("BAD_REQUEST", `"deleted" is exclude, include or only, got ${show(deleted)}.`);
  if (filter !== undefined && (typeof filter !== "object" || filter === null || Array.isArray(filter)))
    throw new AppError(
      "BAD_REQUEST",
      `"filter" is a filter tree like {"field":"title","op":"eq","value":"x"}, got ${show(filter)}.`,
    );
  return {
    filter: filter as never,
    sort: sort as never,
    offset: whole("offset", offset),
    limit: whole("limit", limit),
    deleted,
  };
}
