/**
 * A command message (docs/guides/messaging.md#commands): its shape, checked once on arrival, and its
 * reply. A message that is not a command is answered BAD_REQUEST, like a malformed REST request.
 */
import { z } from "zod";
import { AppError, type ErrorCode, isAppError, show } from "../runtime/errors.ts";

/** The actions a command may name: the REST operations of one resource. */
export const COMMAND_ACTIONS = ["get", "list", "create", "update", "patch", "delete", "restore", "purge"] as const;

/** One command action. */
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

/** The actions that read: they run without a receipt (running one again is harmless). */
export const READ_ACTIONS: ReadonlySet<CommandAction> = new Set(["get", "list"]);

/** The actions that name one record by `id`. */
const MEMBER_ACTIONS: ReadonlySet<CommandAction> = new Set(["get", "update", "patch", "delete", "restore", "purge"]);

/** The actions that send record fields in `data`. */
const DATA_ACTIONS: ReadonlySet<CommandAction> = new Set(["create", "update", "patch"]);

/**
 * A command: one resource operation, as a REST call would make it.
 * @example { resource: "post", action: "patch", id: 7, data: { title: "Hello" }, expectedVersion: 3 }
 */
export interface Command {
  /** The resource, by its name (`post`) or its REST path (`posts`). */
  readonly resource: string;
  readonly action: CommandAction;
  /** The record of `get`, `update`, `patch`, `delete`, `restore` and `purge`. */
  readonly id?: string | number | undefined;
  /**
   * The fields of `create`, `update` and `patch`; the list parameters of `list`
   * (`{ filter?, sort?, offset?, limit?, deleted? }`).
   */
  readonly data?: unknown;
  /** The version the sender read: the write is refused with CONFLICT (409) when the record moved on. */
  readonly expectedVersion?: number | undefined;
  /** A batch of the action instead of one record (all or nothing): the items of REST's `<collection>/batch`. */
  readonly items?: readonly unknown[] | undefined;
}

const commandSchema = z.strictObject({
  resource: z.string().min(1).max(200),
  action: z.enum(COMMAND_ACTIONS),
  id: z.union([z.string().min(1).max(200), z.number()]).optional(),
  data: z.unknown().optional(),
  expectedVersion: z.number().int().nonnegative().optional(),
  items: z.array(z.unknown()).max(1000).optional(),
});

/** Parses a message body into a {@link Command}; BAD_REQUEST, saying what is wrong, for anything else. */
export function parseCommand(body: Uint8Array): Command {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    throw new AppError(
      "BAD_REQUEST",
      `A command is a JSON object like {"resource":"post","action":"create","data":{...}}; the message body is not JSON (${show(Buffer.from(body.subarray(0, 60)).toString("utf8"))}).`,
    );
  }
  const parsed = commandSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join(".") : "(the message)"}: ${i.message}`,
    );
    throw new AppError("BAD_REQUEST", `The command is not valid: ${issues.join("; ")}.`, {
      fields: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join(".") || "_", i.message])),
    });
  }
  const command = parsed.data as Command;
  const { action } = command;
  if (command.items !== undefined) {
    if (READ_ACTIONS.has(action))
      throw new AppError("BAD_REQUEST", `"items" makes a batch of a write; ${action} takes none.`);
    if (command.id !== undefined || command.data !== undefined || command.expectedVersion !== undefined)
      throw new AppError(
        "BAD_REQUEST",
        `A batch ("items") names its records and versions in its items; drop "id", "data" and "expectedVersion".`,
      );
    return command;
  }
  if (MEMBER_ACTIONS.has(action) && command.id === undefined)
    throw new AppError("BAD_REQUEST", `The ${action} command needs the record's "id".`);
  if (!MEMBER_ACTIONS.has(action) && command.id !== undefined)
    throw new AppError("BAD_REQUEST", `The ${action} command takes no "id", got ${show(command.id)}.`);
  if (
    DATA_ACTIONS.has(action) &&
    (typeof command.data !== "object" || command.data === null || Array.isArray(command.data))
  )
    throw new AppError(
      "BAD_REQUEST",
      `The ${action} command needs the record's fields as an object in "data", got ${show(command.data)}.`,
    );
  return command;
}

/** The reply to a command, as sent to its reply address (JSON). */
export type CommandReply =
  | { readonly ok: true; readonly result: unknown }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: ErrorCode;
        /** The HTTP status REST answers the same error with. */
        readonly status: number;
        readonly message: string;
        /** Per-field messages (validation), keyed by field name. */
        readonly errors?: Record<string, string>;
        readonly details?: Record<string, unknown>;
      };
    };

/** The reply of an {@link AppError}: its code, REST's status, its message and field messages. */
export function errorReply(error: AppError): CommandReply {
  return {
    ok: false,
    error: {
      code: error.code,
      status: error.status,
      message: error.message,
      ...(error.fields && Object.keys(error.fields).length > 0 ? { errors: { ...error.fields } } : {}),
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

/**
 * Whether `error` is an answer that another delivery would only repeat: the sender's (a 4xx) or what
 * this server does not do (501, e.g. a command on a resource of another datasource, whose write cannot
 * join the receipt's transaction). Answered, never retried; the rest is the server's and retried.
 */
export function isRefusal(error: unknown): error is AppError {
  return isAppError(error) && (error.status < 500 || error.code === "NOT_IMPLEMENTED");
}

/** A reply as the bytes sent: BigInt columns as decimal strings, as REST sends them. */
export function encodeReply(reply: CommandReply): Uint8Array {
  return Buffer.from(JSON.stringify(reply, (_key, value) => (typeof value === "bigint" ? value.toString() : value)));
}
