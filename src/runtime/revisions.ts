/**
 * The revision log: one immutable snapshot per write of a resource declaring `revisions`, in the
 * `Revision` model, numbered 1, 2, 3… per record and written in the write's own transaction (after the
 * row write, which holds the row's lock, so two writers of one record can never take the same number).
 * Snapshots are stored JSON-safe and upgraded on read when written under an older schemaVersion.
 * A write compiled to one statement records its revision in that statement ({@link RevisionLog.compiled}).
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { ReadQuery } from "../storage/sql/read-sql.ts";
import type { WriteRevision } from "../storage/sql/write-sql.ts";
import type { Store } from "../storage/store.ts";
import { randomUUID } from "node:crypto";
import { AppError } from "./errors.ts";
import type { Row } from "./loaders.ts";

/** The Prisma delegate of the revision model (its writes outside compiled statements). */
const DELEGATE = "revision";
/** The revision model, for reads (storage/sql/read-sql.ts). */
const MODEL = "Revision";
/** What a read of a revision loads: every field of {@link Revision}. */
const REVISION_FIELDS = [
  "id",
  "number",
  "parentNumber",
  "action",
  "status",
  "actorId",
  "createdAt",
  "schemaVersion",
  "data",
] as const;

/** One revision of a record, as the runtime hands it out (its `data` upgraded, not yet presented). */
export interface Revision {
  /** The revision's own id (a UUID). */
  readonly id: string;
  /** 1, 2, 3… per record. */
  readonly number: number;
  /** The revision this one follows; null for the first. */
  readonly parentNumber: number | null;
  /** The write that made it: create, update, patch, delete, restore, revert or purge. */
  readonly action: string;
  /** `stable`, or `draft` (draft mode: changed in place until published). */
  readonly status: "stable" | "draft";
  /** Who wrote it (the actor's id, or the default actor). */
  readonly actorId: string | null;
  readonly createdAt: Date;
  /** The schemaVersion the snapshot was written under (its data is upgraded to the current one). */
  readonly schemaVersion: number;
  /** The record's fields after the write. */
  readonly data: Row;
}

/** What one write records. */
export interface RevisionEntry {
  readonly action: string;
  readonly recordId: string | number;
  readonly row: Row;
  readonly actorId: string;
}

/** Writes and reads the revisions of one resource. */
export class RevisionLog {
  readonly #resource: ResolvedResource;
  readonly #settings: NonNullable<ResolvedResource["revisions"]>;

  constructor(resource: ResolvedResource) {
    if (!resource.revisions) throw new Error(`${resource.name} keeps no revisions`);
    this.#resource = resource;
    this.#settings = resource.revisions;
  }

  /**
   * Records a write. In draft mode a write on top of a draft changes that draft in place; `publish`
   * turns the latest draft into a stable revision.
   */
  async record(tx: Store, entry: RevisionEntry): Promise<Revision> {
    const model = tx.model(DELEGATE);
    const recordId = String(entry.recordId);
    const last = this.#fresh(entry.action)
      ? null
      : ((await model.findFirst({
          where: { resource: this.#resource.name, recordId },
          orderBy: { number: "desc" },
          select: { id: true, number: true, status: true },
        })) as { id: string; number: number; status: string } | null);
    const data = toJson(entry.row);
    const common = {
      action: entry.action,
      actorId: entry.actorId,
      createdAt: new Date(),
      schemaVersion: this.#settings.schemaVersion,
      data,
    };
    if (entry.action === "publish") {
      if (last?.status !== "draft")
        throw new AppError("CONFLICT", `This ${this.#resource.name} has no draft to publish.`);
      return this.#read(await model.update({ where: { id: last.id }, data: { ...common, status: "stable" } }));
    }
    const status =
      this.#settings.draft && entry.action !== "delete" && entry.action !== "purge" && entry.action !== "restore"
        ? "draft"
        : "stable";
    if (status === "draft" && last?.status === "draft")
      return this.#read(await model.update({ where: { id: last.id }, data: common }));
    const number = (last?.number ?? 0) + 1;
    return this.#read(
      await model.create({
        data: {
          id: randomUUID(),
          resource: this.#resource.name,
          recordId,
          number,
          parentNumber: last?.number ?? null,
          status,
          ...common,
        },
      }),
    );
  }

  /**
   * The revision a compiled write records in its own statement (storage/sql/write-sql.ts): a stable
   * one, numbered after the record's last. Draft mode changes a draft in place, which is not compiled:
   * its writes take {@link RevisionLog.record}.
   */
  compiled(action: string, actorId: string): WriteRevision {
    if (this.#settings.draft)
      throw new Error(`${this.#resource.name} keeps draft revisions: write them through record()`);
    return {
      id: randomUUID(),
      resource: this.#resource.name,
      action,
      actorId,
      schemaVersion: this.#settings.schemaVersion,
      first: this.#fresh(action),
    };
  }

  /** A record the database or a UUID just named has no history: no lookup of its last revision. */
  #fresh(action: string): boolean {
    return action === "create" && (this.#resource.idGenerator === "database" || this.#resource.idGenerator === "uuid");
  }

  /** Every revision of a record, oldest first. */
  async list(store: Store, recordId: string | number): Promise<Revision[]> {
    const { rows } = await store.read(this.#query({ recordId: String(recordId) }, "asc", null));
    return rows.map((r) => this.#read(r));
  }

  /** One revision by number; 404 when there is none. */
  async find(store: Store, recordId: string | number, number: number): Promise<Revision> {
    const [row] = (await store.read(this.#query({ recordId: String(recordId), number }, "asc", 1))).rows;
    if (!row) throw new AppError("NOT_FOUND", `${this.#resource.name} ${String(recordId)} has no revision ${number}.`);
    return this.#read(row);
  }

  /** The revision in force at `time` (the last one written at or before it); 404 when the record did not exist yet. */
  async at(store: Store, recordId: string | number, time: Date): Promise<Revision> {
    const [row] = (await store.read(this.#query({ recordId: String(recordId), createdAt: { lte: time } }, "desc", 1)))
      .rows;
    if (!row)
      throw new AppError(
        "NOT_FOUND",
        `${this.#resource.name} ${String(recordId)} has no revision at or before ${time.toISOString()}.`,
      );
    return this.#read(row);
  }

  /** A read of this resource's revisions matching `where` (the read compiler's, one statement), by number. */
  #query(where: Record<string, unknown>, direction: "asc" | "desc", limit: number | null): ReadQuery {
    return {
      level: { model: MODEL, fields: REVISION_FIELDS, relations: [] },
      where: { resource: this.#resource.name, ...where },
      orderBy: [{ path: [], field: "number", direction }],
      offset: 0,
      limit,
      total: false,
    };
  }

  /** A stored revision row, its snapshot upgraded to the current schemaVersion and its values revived. */
  #read(row: Row): Revision {
    const stored = row as unknown as Omit<Revision, "data"> & { data: Record<string, unknown> };
    let data = stored.data;
    const { schemaVersion, migrate } = this.#settings;
    if (stored.schemaVersion < schemaVersion) {
      if (!migrate)
        throw new AppError(
          "INTERNAL",
          `Revision ${stored.number} of ${this.#resource.name} was written under schemaVersion ${stored.schemaVersion}, and the resource has no \`migrate\` to upgrade it to ${schemaVersion}.`,
        );
      data = migrate(structuredClone(data), stored.schemaVersion);
    }
    return Object.freeze({
      id: stored.id,
      number: stored.number,
      parentNumber: stored.parentNumber,
      action: stored.action,
      status: stored.status,
      actorId: stored.actorId,
      createdAt: stored.createdAt,
      schemaVersion: stored.schemaVersion,
      data: revive(this.#resource, data),
    });
  }
}

/** A row as JSON: dates as ISO strings, big integers and decimals as text. */
function toJson(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] =
      value instanceof Date
        ? value.toISOString()
        : typeof value === "bigint"
          ? value.toString()
          : value !== null && typeof value === "object" && "toFixed" in value
            ? String(value)
            : value;
  }
  return out;
}

/** Turns a snapshot's JSON values back into the field types (dates, big integers). */
function revive(resource: ResolvedResource, data: Record<string, unknown>): Row {
  const out: Row = { ...data };
  for (const field of resource.fields) {
    const value = out[field.name];
    if (typeof value !== "string") continue;
    if (field.kind === "DateTime" && !field.isList) out[field.name] = new Date(value);
    else if (field.kind === "BigInt" && !field.isList && /^-?\d+$/.test(value)) out[field.name] = BigInt(value);
  }
  return out;
}
