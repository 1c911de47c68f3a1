/**
 * The one compiler of the runtime's where-subset to SQL. The runtime checks every client filter against
 * the resolved metadata and emits conditions in Prisma's `where` syntax (the syntax row scopes are
 * written in too); this module turns that subset into a PostgreSQL condition over the model's table.
 * Identifiers come from the datamodel, always quoted; values are always bound as parameters.
 *
 * The subset: `{ field: value }` and `{ field: { equals, not, in, notIn, lt, lte, gt, gte, contains,
 * startsWith, endsWith, mode } }` plus two keys Prisma lacks, `like` (a LIKE pattern as given) and `regex`
 * (PostgreSQL's `~`), `AND` / `OR` / `NOT`, to-one relations (`is`, `isNot`, or the
 * condition itself), to-many relations (`some`, `every`, `none`) and the full-text marker
 * {@link SEARCH_KEY}. Anything else is a programming error, not a client's: it throws.
 */
import type { Datamodel, DatamodelField, DatamodelModel } from "../../metadata/datamodel.ts";
import { SEARCH_KEY, type SearchCondition, searchVectorSql } from "./search.ts";

/** Quotes an identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a text literal (only for values from metadata, never from clients). */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The parameters of one statement: each value bound once, referenced as `$n`. */
export class Params {
  readonly values: unknown[] = [];

  /** Binds `value` (Dates as ISO text, bigints as text) and returns its placeholder, with an optional cast. */
  bind(value: unknown, cast?: string): string {
    const v = value instanceof Date ? value.toISOString() : typeof value === "bigint" ? value.toString() : value;
    this.values.push(v);
    return `$${this.values.length}${cast ? `::${cast}` : ""}`;
  }
}

/** The datamodel as SQL needs it: tables, columns and the cast of each field's values. */
export class SqlModels {
  readonly #models = new Map<string, DatamodelModel>();
  readonly #enums: Map<string, string>;

  constructor(readonly datamodel: Datamodel) {
    for (const model of datamodel.models) this.#models.set(model.name, model);
    this.#enums = new Map(datamodel.enums.map((e) => [e.name, (e as { dbName?: string | null }).dbName ?? e.name]));
  }

  model(name: string): DatamodelModel {
    const model = this.#models.get(name);
    if (!model) throw new Error(`sql: no model ${name}`);
    return model;
  }

  field(model: DatamodelModel, name: string): DatamodelField {
    const field = model.fields.find((f) => f.name === name);
    if (!field) throw new Error(`sql: no field ${model.name}.${name}`);
    return field;
  }

  table(model: DatamodelModel): string {
    return ident(model.dbName ?? model.name);
  }

  column(field: DatamodelField): string {
    return ident(field.dbName ?? field.name);
  }

  /** The id field of a model (its single-column primary key). */
  idField(model: DatamodelModel): DatamodelField {
    const id =
      model.fields.find((f) => f.isId) ??
      (model.primaryKey?.fields.length === 1 ? this.field(model, model.primaryKey.fields[0] as string) : undefined);
    if (!id) throw new Error(`sql: model ${model.name} has no single-column id`);
    return id;
  }

  /** The other side of a to-many relation field: the target's relation field holding the foreign key. */
  backRelation(field: DatamodelField): DatamodelField | undefined {
    return this.model(field.type).fields.find(
      (f) =>
        f.kind === "object" && f.relationName === field.relationName && f.relationFromFields?.length && f !== field,
    );
  }

  /** The SQL type a parameter compared with `field` is cast to. */
  cast(field: DatamodelField): string | undefined {
    if (field.kind === "enum") return ident(this.#enums.get(field.type) ?? field.type);
    if (field.nativeType?.[0] === "Uuid") return "uuid";
    switch (field.type) {
      case "DateTime":
        return "timestamp";
      case "Int":
        return "int";
      case "BigInt":
        return "bigint";
      case "Float":
        return "float8";
      case "Decimal":
        return "numeric";
      case "Boolean":
        return "boolean";
      case "String":
        return "text";
      case "Json":
        return "jsonb";
    }
    return undefined;
  }
}

const COMPARE: Record<string, string> = { gt: ">", gte: ">=", lt: "<", lte: "<=" };

/** Compiles where conditions of one statement; aliases are unique across the statement. */
export class WhereSql {
  #aliases = 0;

  constructor(
    readonly models: SqlModels,
    readonly params: Params,
  ) {}

  /** A fresh table alias. */
  alias(prefix = "r"): string {
    return `${prefix}${++this.#aliases}`;
  }

  /** The condition `where` puts on rows of `model` read as `alias`; TRUE when it is empty. */
  where(model: DatamodelModel, alias: string, where: unknown): string {
    if (!where || typeof where !== "object") return "TRUE";
    const parts: string[] = [];
    for (const [key, value] of Object.entries(where as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (key === "AND") parts.push(this.#all(model, alias, value, "AND", "TRUE"));
      else if (key === "OR") parts.push(this.#all(model, alias, value, "OR", "FALSE"));
      else if (key === "NOT") parts.push(`NOT (${this.#all(model, alias, value, "OR", "FALSE")})`);
      else if (key === SEARCH_KEY) parts.push(this.search(model, alias, value as SearchCondition));
      else {
        const field = this.models.field(model, key);
        parts.push(
          field.kind === "object" ? this.#relation(model, alias, field, value) : this.#scalar(alias, field, value),
        );
      }
    }
    if (parts.length === 0) return "TRUE";
    return parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(" AND ");
  }

  /** `tsvector @@ websearch_to_tsquery(...)` over the condition's columns. */
  search(model: DatamodelModel, alias: string, s: SearchCondition): string {
    return `${this.vector(model, alias, s)} @@ websearch_to_tsquery(${literal(s.language)}::regconfig, ${this.params.bind(s.text)})`;
  }

  /** The tsvector expression of a search's columns (a GIN index on the same expression serves it). */
  vector(model: DatamodelModel, alias: string, s: SearchCondition): string {
    return searchVectorSql(
      s.columns.map((c) => this.models.field(model, c).dbName ?? c),
      s.language,
      alias,
    );
  }

  #all(model: DatamodelModel, alias: string, value: unknown, op: "AND" | "OR", empty: string): string {
    const items = Array.isArray(value) ? value : [value];
    if (items.length === 0) return empty;
    return items.map((item) => `(${this.where(model, alias, item)})`).join(` ${op} `);
  }

  #scalar(alias: string, field: DatamodelField, condition: unknown): string {
    const col = `${alias}.${this.models.column(field)}`;
    const cast = this.models.cast(field);
    if (condition === null) return `${col} IS NULL`;
    if (typeof condition !== "object" || condition instanceof Date || Array.isArray(condition))
      return `${col} = ${this.params.bind(condition, cast)}`;
    const c = condition as Record<string, unknown>;
    const insensitive = c.mode === "insensitive";
    const parts: string[] = [];
    for (const [op, v] of Object.entries(c)) {
      if (v === undefined) continue;
      switch (op) {
        case "equals":
          parts.push(v === null ? `${col} IS NULL` : `${col} = ${this.params.bind(v, cast)}`);
          break;
        case "not":
          if (v === null) parts.push(`${col} IS NOT NULL`);
          else if (typeof v === "object" && !(v instanceof Date)) parts.push(`NOT (${this.#scalar(alias, field, v)})`);
          else parts.push(`${col} <> ${this.params.bind(v, cast)}`);
          break;
        case "gt":
        case "gte":
        case "lt":
        case "lte":
          parts.push(`${col} ${COMPARE[op]} ${this.params.bind(v, cast)}`);
          break;
        case "in":
        case "notIn": {
          const list = v as unknown[];
          // An empty list binds no parameter (a bound but unused one is a protocol error in PostgreSQL).
          if (list.length === 0) {
            parts.push(op === "in" ? "FALSE" : "TRUE");
            break;
          }
          const any = `${col} = ANY(${this.params.bind(
            list.map((x) => (x instanceof Date ? x.toISOString() : typeof x === "bigint" ? x.toString() : x)),
            cast ? `${cast}[]` : undefined,
          )})`;
          parts.push(op === "in" ? any : `NOT (${any})`);
          break;
        }
        case "contains":
        case "startsWith":
        case "endsWith": {
          // The runtime escaped % and _ already; backslash is PostgreSQL's default LIKE escape.
          const pattern = op === "contains" ? `%${v}%` : op === "startsWith" ? `${v}%` : `%${v}`;
          parts.push(`${col} ${insensitive ? "ILIKE" : "LIKE"} ${this.params.bind(pattern)}`);
          break;
        }
        case "like":
          // A pattern as the client wrote it: % and _ are wildcards, backslash escapes them.
          parts.push(`${col} ${insensitive ? "ILIKE" : "LIKE"} ${this.params.bind(v)}`);
          break;
        case "regex":
          parts.push(`${col} ~ ${this.params.bind(v)}`);
          break;
        case "mode":
          break;
        default:
          throw new Error(`sql: unsupported operator ${op}`);
      }
    }
    return parts.length === 0 ? "TRUE" : parts.join(" AND ");
  }

  /** How rows of the related model `r` link to the row `alias` of `model` through `field`. */
  link(model: DatamodelModel, alias: string, field: DatamodelField, r: string): { target: DatamodelModel; on: string } {
    const target = this.models.model(field.type);
    if (field.relationFromFields?.length) {
      // This model holds the foreign key (to-one).
      const from = this.models.field(model, field.relationFromFields[0] as string);
      const to = this.models.field(target, field.relationToFields?.[0] ?? this.models.idField(target).name);
      return { target, on: `${r}.${this.models.column(to)} = ${alias}.${this.models.column(from)}` };
    }
    const back = this.models.backRelation(field);
    if (!back) throw new Error(`sql: relation ${model.name}.${field.name} has no foreign key`);
    const fk = this.models.field(target, back.relationFromFields?.[0] as string);
    const pk = this.models.field(model, back.relationToFields?.[0] ?? this.models.idField(model).name);
    return { target, on: `${r}.${this.models.column(fk)} = ${alias}.${this.models.column(pk)}` };
  }

  #relation(model: DatamodelModel, alias: string, field: DatamodelField, condition: unknown): string {
    const r = this.alias();
    const { target, on } = this.link(model, alias, field, r);
    const from = `FROM ${this.models.table(target)} ${r} WHERE ${on}`;
    const exists = (w: unknown) => `EXISTS (SELECT 1 ${from} AND ${this.where(target, r, w)})`;
    if (condition === null) return `NOT EXISTS (SELECT 1 ${from})`;
    const c = condition as Record<string, unknown>;
    if ("some" in c) return exists(c.some);
    if ("none" in c) return `NOT ${exists(c.none)}`;
    if ("every" in c) return `NOT EXISTS (SELECT 1 ${from} AND NOT (${this.where(target, r, c.every)}))`;
    if ("isNot" in c) return c.isNot === null ? `EXISTS (SELECT 1 ${from})` : `NOT ${exists(c.isNot)}`;
    if ("is" in c) return c.is === null ? `NOT EXISTS (SELECT 1 ${from})` : exists(c.is);
    return exists(c);
  }
}
