/**
 * The write compiler: one write of one row (an INSERT, an UPDATE or a DELETE) together with its
 * revision and its outbox event becomes ONE PostgreSQL statement of data-modifying CTEs, which the store
 * runs between BEGIN and COMMIT (docs/design/write-path.md):
 *
 * ```sql
 * WITH "written" AS (UPDATE "Post" AS t SET "title" = $1::text, "version" = t."version" + 1
 *                     WHERE t."id" = $2::int AND t."version" = $3::int RETURNING t.*),
 *      "prior"   AS (SELECT * FROM "Post" p WHERE p."id" = $2::int),
 *      "shaped"  AS (SELECT w."id" AS "$id", json_build_object('id', w."id", …) AS "$row",
 *                           TRUE AS "$inside", array_remove(ARRAY[CASE WHEN w."title" IS DISTINCT FROM p."title" THEN 'title' END, …], NULL) AS "$changed"
 *                      FROM "written" w LEFT JOIN "prior" p ON TRUE),
 *      "revision" AS (INSERT INTO "Revision" (…) SELECT $4::uuid, …, coalesce(l.n, 0) + 1, l.n, …, s."$row"::jsonb
 *                       FROM "shaped" s LEFT JOIN LATERAL (SELECT max(r."number") AS n FROM "Revision" r WHERE …) l ON TRUE
 *                     RETURNING "id", "number"),
 *      "outbox_lock" AS (SELECT pg_advisory_xact_lock($9::bigint) FROM "revision"),
 *      "event"   AS (INSERT INTO "Event" (…) SELECT …, v."id", v."number", …, s."$changed" FROM "shaped" s, "outbox_lock", "revision" v RETURNING 1)
 * SELECT s."$row"::text AS "row", s."$inside" AS "inside" FROM "shaped" s
 * ```
 *
 * The statement's answer is the written row as JSON (the fields asked for, in the runtime's encoding)
 * and whether it meets the `inside` condition; no answer row means the write matched no row (gone, out
 * of scope, or a version that moved on). Every sub-statement reads the snapshot the statement started
 * with: `prior` is the row before the write, and the revision's number is the last one committed when
 * the statement began (see {@link CompiledWrite.lock} for the race that leaves).
 *
 * Identifiers come from the datamodel, quoted; values are always bound, cast to their column's type.
 * Defaults Prisma fills in itself rather than the database (`now()`, `uuid()`, `@updatedAt`) are filled
 * here with the write's clock; every other default is the column's.
 */
import { randomUUID } from "node:crypto";
import type { DatamodelField, DatamodelModel } from "../../metadata/datamodel.ts";
import { rowDecoder, rowObjectSql } from "./row-json.ts";
import { literal, Params, type SqlModels, WhereSql } from "./where-sql.ts";

/** One write, as the runtime has checked and shaped it. */
export interface WriteQuery {
  readonly model: string;
  readonly kind: "insert" | "update" | "delete";
  /** insert: the row's values; update: the values to set. By field name; undefined values are left out. */
  readonly values: Readonly<Record<string, unknown>>;
  /** update: fields set to their current value plus one (the version). */
  readonly increment?: readonly string[] | undefined;
  /** update, delete: the row's id (to read the row as it was, and to lock it). */
  readonly id?: unknown;
  /** update, delete: the condition the row must meet to be written (its id, the expected version, the tenant and scope). */
  readonly where?: object | undefined;
  /** The fields of the row the statement answers with and the revision keeps. */
  readonly fields: readonly string[];
  /**
   * The fields the outbox event's record keeps: every column, hidden ones too, so that the outbox can
   * rebuild the table (docs/guides/replay.md). @default {@link WriteQuery.fields}
   */
  readonly eventFields?: readonly string[] | undefined;
  /** A condition the written row must meet (a scoped actor's rows); the answer says whether it does. */
  readonly inside?: object | undefined;
  /** The write's clock: the value of the defaults Prisma fills in itself (`now()`, `@updatedAt`) and the revision's time. */
  readonly now: Date;
  readonly revision?: WriteRevision | undefined;
  readonly event?: WriteEvent | undefined;
}

/** The revision a write records (a stable one: draft mode is not compiled). */
export interface WriteRevision {
  /** Its id (a UUID). */
  readonly id: string;
  readonly resource: string;
  readonly action: string;
  readonly actorId: string;
  readonly schemaVersion: number;
  /** The record was just named by the database or a UUID: it is number 1, with no earlier one to look up. */
  readonly first: boolean;
}

/** The outbox event a write appends. Its `changed` fields are computed by the statement. */
export interface WriteEvent {
  readonly resource: string;
  readonly action: string;
  readonly actorId: string;
}

/** A parameterised statement. */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/** A compiled write. */
export interface CompiledWrite extends Statement {
  /** The answer's `row` JSON (parsed) as a runtime row: Dates and bigints revived. */
  readonly decode: (row: Record<string, unknown>) => Record<string, unknown>;
  /**
   * update, delete with a revision: `SELECT … FOR UPDATE` of the row. The statement's revision number
   * comes from its snapshot, taken before it waited for the row's lock; when a concurrent writer of the
   * same record committed in between, the number is taken (a unique violation on the revision table).
   * Run again after this lock, the statement's snapshot sees every revision of the record.
   */
  readonly lock: Statement | undefined;
}

/** The model of the revision log and of the outbox (the models docs/guides tell users to copy). */
const REVISION_MODEL = "Revision";
const EVENT_MODEL = "Event";

/** Whether writes to `model` can be compiled: no default Prisma computes itself that SQL cannot (cuid, nanoid, ulid, uuid v7). */
export function compilableWrites(models: SqlModels, model: string): boolean {
  return models.model(model).fields.every((f) => clientDefault(f) !== "unsupported");
}

/** What fills `field` when a create leaves it out and Prisma, not the column, has its default. */
function clientDefault(field: DatamodelField): "now" | "uuid" | "unsupported" | undefined {
  if (field.isUpdatedAt) return "now";
  const d = field.default as { name?: unknown; args?: unknown[] } | null | undefined;
  if (!d || typeof d !== "object" || Array.isArray(d) || typeof d.name !== "string") return undefined;
  if (d.name === "now") return "now";
  if (d.name === "uuid") return d.args?.length && d.args[0] !== 4 ? "unsupported" : "uuid";
  if (d.name === "cuid" || d.name === "nanoid" || d.name === "ulid") return "unsupported";
  return undefined;
}

/** The cast of a written value: the column's type (a timestamptz column takes the instant as one). */
function castOf(models: SqlModels, field: DatamodelField): string | undefined {
  if (field.type === "DateTime" && field.nativeType?.[0] === "Timestamptz")
    return field.isList ? "timestamptz[]" : "timestamptz";
  const cast = models.cast(field);
  return cast && field.isList ? `${cast}[]` : cast;
}

/** A value as `pg` should send it for `field`'s column. */
function wire(field: DatamodelField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  // pg would send a JS array as a PostgreSQL array, not as JSON.
  if (field.type === "Json") return JSON.stringify(value);
  const one = (v: unknown) =>
    v instanceof Date
      ? v.toISOString()
      : typeof v === "bigint"
        ? v.toString()
        : field.type === "Decimal" && v !== null
          ? String(v)
          : v;
  return Array.isArray(value) ? value.map(one) : one(value);
}

/** Compiles `query`; `outboxLock` is the key of the transaction lock event ids are drawn under (store.ts). */
export function compileWrite(models: SqlModels, query: WriteQuery, outboxLock: number): CompiledWrite {
  const params = new Params();
  const where = new WhereSql(models, params);
  const model = models.model(query.model);
  const table = models.table(model);
  const idField = models.idField(model);
  const bind = (field: DatamodelField, value: unknown) => params.bind(wire(field, value), castOf(models, field));
  const now = query.now;

  const given = Object.entries(query.values).filter(([, v]) => v !== undefined);
  let written: string;
  switch (query.kind) {
    case "insert": {
      const columns: string[] = [];
      const values: string[] = [];
      const named = new Set(given.map(([name]) => name));
      for (const [name, value] of given) {
        const field = models.field(model, name);
        columns.push(models.column(field));
        values.push(bind(field, value));
      }
      for (const field of model.fields) {
        if (field.kind !== "scalar" && field.kind !== "enum") continue;
        if (named.has(field.name)) continue;
        const fill = clientDefault(field);
        if (fill === "unsupported")
          throw new Error(`sql: ${model.name}.${field.name}'s default is computed by Prisma; write it through Prisma`);
        if (!fill) continue;
        columns.push(models.column(field));
        values.push(bind(field, fill === "now" ? now : randomUUID()));
      }
      written =
        columns.length === 0
          ? `INSERT INTO ${table} AS t DEFAULT VALUES RETURNING *`
          : `INSERT INTO ${table} AS t (${columns.join(", ")}) VALUES (${values.join(", ")}) RETURNING *`;
      break;
    }
    case "update": {
      const sets: string[] = [];
      const named = new Set(given.map(([name]) => name));
      for (const [name, value] of given) {
        const field = models.field(model, name);
        sets.push(`${models.column(field)} = ${bind(field, value)}`);
      }
      for (const name of query.increment ?? []) {
        const column = models.column(models.field(model, name));
        named.add(name);
        sets.push(`${column} = t.${column} + 1`);
      }
      // Prisma stamps @updatedAt on every update it sends; so does this one.
      for (const field of model.fields)
        if (field.isUpdatedAt && !named.has(field.name)) sets.push(`${models.column(field)} = ${bind(field, now)}`);
      if (sets.length === 0) sets.push(`${models.column(idField)} = t.${models.column(idField)}`);
      written = `UPDATE ${table} AS t SET ${sets.join(", ")} WHERE ${where.where(model, "t", query.where)} RETURNING t.*`;
      break;
    }
    case "delete":
      written = `DELETE FROM ${table} AS t WHERE ${where.where(model, "t", query.where)} RETURNING t.*`;
      break;
  }

  // Without an Event model in the schema there is no outbox to append to.
  const event = models.datamodel.models.some((m) => m.name === EVENT_MODEL) ? query.event : undefined;
  const ctes = [`"written" AS (${written})`];
  // The row before the write, for the event's changed fields (a parameter is bound only where it is used).
  const id = query.kind !== "insert" && event ? bind(idField, query.id) : undefined;
  if (id !== undefined) ctes.push(`"prior" AS (SELECT * FROM ${table} p WHERE p.${models.column(idField)} = ${id})`);
  const shaped = [
    `w.${models.column(idField)} AS "$id"`,
    `${rowObjectSql(models, model, "w", query.fields)} AS "$row"`,
    `${query.inside ? `(${where.where(model, "w", query.inside)})` : "TRUE"} AS "$inside"`,
  ];
  if (event) shaped.push(`${changedSql(models, model, query.fields, id !== undefined)} AS "$changed"`);
  const logged = event && query.eventFields && query.eventFields.length > query.fields.length;
  if (logged) shaped.push(`${rowObjectSql(models, model, "w", query.eventFields ?? [])} AS "$log"`);
  ctes.push(
    `"shaped" AS (SELECT ${shaped.join(", ")} FROM "written" w${id !== undefined ? ` LEFT JOIN "prior" p ON TRUE` : ""})`,
  );

  const recordId = `s."$id"::text`;
  if (query.revision) ctes.push(`"revision" AS (${revisionSql(models, params, query.revision, recordId, now)})`);
  if (event) {
    const ev = models.model(EVENT_MODEL);
    const col = (name: string) => models.column(models.field(ev, name));
    // The outbox lock is taken once the row is written (the lock CTE reads the rows after it), so a
    // writer holding it never waits for a row: every writer takes the row's lock first, then this one,
    // which it holds until COMMIT. Event ids are drawn after it (the insert reads the lock's row).
    ctes.push(
      `"outbox_lock" AS (SELECT pg_advisory_xact_lock(${params.bind(outboxLock, "bigint")}) FROM ${query.revision ? `"revision"` : `"shaped"`})`,
    );
    const revisionColumns = query.revision ? `v."id", v."number"` : "NULL::uuid, NULL::int";
    // The record as this write left it: change events are checked against it.
    const columns = ["resource", "recordId", "action", "revisionId", "revisionNumber", "actorId", "changed", "record"];
    ctes.push(
      `"event" AS (INSERT INTO ${models.table(ev)} (${columns.map(col).join(", ")}) ` +
        `SELECT ${params.bind(event.resource, "text")}, ${recordId}, ${params.bind(event.action, "text")}, ${revisionColumns}, ${params.bind(event.actorId, "text")}, s."$changed", s."${logged ? "$log" : "$row"}"::jsonb ` +
        `FROM "shaped" s, "outbox_lock"${query.revision ? `, "revision" v` : ""} RETURNING 1)`,
    );
  }
  const text = `WITH ${ctes.join(", ")} SELECT s."$row"::text AS "row", s."$inside" AS "inside" FROM "shaped" s`;
  const lock = query.kind !== "insert" && query.revision ? lockSql(models, model, idField, query.id) : undefined;
  return { text, values: params.values, decode: rowDecoder(models, model, query.fields), lock };
}

/**
 * The names of the fields a write changed, as the outbox records them: on a create every field with a
 * value, otherwise every field whose value differs from the row before (`prior`).
 */
function changedSql(models: SqlModels, model: DatamodelModel, fields: readonly string[], hasPrior: boolean): string {
  const cases = fields.map((name) => {
    const field = models.field(model, name);
    const column = models.column(field);
    // `json` has no equality; jsonb, like every other column type here, compares by value.
    const value = (alias: string) =>
      field.nativeType?.[0] === "Json" ? `${alias}.${column}::jsonb` : `${alias}.${column}`;
    const differs = hasPrior ? `${value("w")} IS DISTINCT FROM ${value("p")}` : `w.${column} IS NOT NULL`;
    return `CASE WHEN ${differs} THEN ${literal(name)} END`;
  });
  return `array_remove(ARRAY[${cases.join(", ")}]::text[], NULL)`;
}

/** The INSERT of the revision, numbered after the record's last one (or 1 for a new record). */
function revisionSql(models: SqlModels, params: Params, r: WriteRevision, recordId: string, now: Date): string {
  const rev = models.model(REVISION_MODEL);
  const col = (name: string) => models.column(models.field(rev, name));
  const resource = params.bind(r.resource, "text");
  const columns = [
    "id",
    "resource",
    "recordId",
    "number",
    "parentNumber",
    "status",
    "action",
    "actorId",
    "createdAt",
    "schemaVersion",
    "data",
  ].map(col);
  const [number, parent, last] = r.first
    ? ["1", "NULL::int", ""]
    : [
        "coalesce(l.n, 0) + 1",
        "l.n",
        ` LEFT JOIN LATERAL (SELECT max(r.${col("number")}) AS n FROM ${models.table(rev)} r WHERE r.${col("resource")} = ${resource} AND r.${col("recordId")} = ${recordId}) l ON TRUE`,
      ];
  const values = [
    params.bind(r.id, "uuid"),
    resource,
    recordId,
    number,
    parent,
    params.bind("stable", "text"),
    params.bind(r.action, "text"),
    params.bind(r.actorId, "text"),
    params.bind(now, castOf(models, models.field(rev, "createdAt"))),
    params.bind(r.schemaVersion, "int"),
    `s."$row"::jsonb`,
  ];
  return `INSERT INTO ${models.table(rev)} (${columns.join(", ")}) SELECT ${values.join(", ")} FROM "shaped" s${last} RETURNING ${col("id")} AS "id", ${col("number")} AS "number"`;
}

/** `SELECT … FOR UPDATE` of the row with this id. */
function lockSql(models: SqlModels, model: DatamodelModel, idField: DatamodelField, id: unknown): Statement {
  const params = new Params();
  const column = models.column(idField);
  return {
    text: `SELECT 1 FROM ${models.table(model)} t WHERE t.${column} = ${params.bind(wire(idField, id), castOf(models, idField))} FOR UPDATE`,
    values: params.values,
  };
}

/** The table name (unquoted) of the revision log, as a `pg` error names it. */
export function revisionTable(models: SqlModels): string | undefined {
  const rev = models.datamodel.models.find((m) => m.name === REVISION_MODEL);
  return rev ? (rev.dbName ?? rev.name) : undefined;
}
