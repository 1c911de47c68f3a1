/**
 * Full-text search queries in SQL. Prisma's query API cannot express `tsvector @@ websearch_to_tsquery`
 * in a form a GIN index serves, so lists with a search run here: the runtime's Prisma `where` (the
 * subset it emits) is translated to SQL over the same tables, and the ids of the page come back,
 * ranked by relevance unless the caller sorts. Rows are then read through Prisma as usual.
 */
import type { Datamodel, DatamodelField, DatamodelModel } from "../metadata/datamodel.ts";

/** The marker the runtime puts in a `where` for a full-text condition (never sent to Prisma). */
export const SEARCH_KEY = "$search";

/** A full-text condition: the text, the columns searched and the text search configuration. */
export interface SearchCondition {
  readonly text: string;
  readonly columns: readonly string[];
  readonly language: string;
}

/**
 * The tsvector expression of a model's searchable columns. GIN indexes must be built on exactly this
 * expression (see `searchIndexSql`) for PostgreSQL to use them.
 */
export function searchVectorSql(columns: readonly string[], language: string, alias?: string): string {
  const prefix = alias ? `${alias}.` : "";
  const text = columns.map((c) => `coalesce(${prefix}${ident(c)}, '')`).join(" || ' ' || ");
  return `to_tsvector(${literal(language)}::regconfig, ${text})`;
}

/** The CREATE INDEX statement a migration needs for a model's search. */
export function searchIndexSql(table: string, columns: readonly string[], language: string): string {
  return `CREATE INDEX ${ident(`${table}_search_idx`)} ON ${ident(table)} USING GIN (${searchVectorSql(columns, language)});`;
}

/** Whether a `where` holds a full-text condition anywhere. */
export function hasSearch(where: unknown): boolean {
  if (!where || typeof where !== "object") return false;
  if (Array.isArray(where)) return where.some(hasSearch);
  return Object.entries(where).some(([k, v]) => k === SEARCH_KEY || hasSearch(v));
}

/** The top-level full-text condition of a `where` (ranking uses it), if any. */
function topSearch(where: unknown): SearchCondition | undefined {
  if (!where || typeof where !== "object" || Array.isArray(where)) return undefined;
  const w = where as Record<string, unknown>;
  if (w[SEARCH_KEY]) return w[SEARCH_KEY] as SearchCondition;
  for (const item of Array.isArray(w.AND) ? w.AND : []) {
    const found = topSearch(item);
    if (found) return found;
  }
  return undefined;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Translates the runtime's `where` subset to SQL, collecting parameters. */
class WhereCompiler {
  readonly params: unknown[] = [];
  #aliases = 0;
  constructor(private readonly datamodel: Datamodel) {}

  model(name: string): DatamodelModel {
    const model = this.datamodel.models.find((m) => m.name === name);
    if (!model) throw new Error(`search-sql: no model ${name}`);
    return model;
  }

  table(model: DatamodelModel): string {
    return ident(model.dbName ?? model.name);
  }

  column(field: DatamodelField): string {
    return ident((field as DatamodelField & { dbName?: string }).dbName ?? field.name);
  }

  param(value: unknown, cast?: string): string {
    const v = value instanceof Date ? value.toISOString() : typeof value === "bigint" ? value.toString() : value;
    this.params.push(v);
    return `$${this.params.length}${cast ? `::${cast}` : ""}`;
  }

  /** Database column names of fields, by field name. */
  columns(model: DatamodelModel, names: readonly string[]): string[] {
    return names.map((name) => {
      const field = model.fields.find((f) => f.name === name);
      return (field as (DatamodelField & { dbName?: string }) | undefined)?.dbName ?? name;
    });
  }

  alias(): string {
    return `r${++this.#aliases}`;
  }

  where(model: DatamodelModel, alias: string, where: unknown): string {
    if (!where || typeof where !== "object") return "TRUE";
    const parts: string[] = [];
    for (const [key, value] of Object.entries(where as Record<string, unknown>)) {
      if (key === "AND") parts.push(this.all(model, alias, value, "AND", "TRUE"));
      else if (key === "OR") parts.push(this.all(model, alias, value, "OR", "FALSE"));
      else if (key === "NOT") parts.push(`NOT (${this.all(model, alias, value, "AND", "TRUE")})`);
      else if (key === SEARCH_KEY) {
        const s = value as SearchCondition;
        parts.push(`${searchVectorSql(this.columns(model, s.columns), s.language, alias)} @@ websearch_to_tsquery(${literal(s.language)}::regconfig, ${this.param(s.text)})`);
      } else {
        const field = model.fields.find((f) => f.name === key);
        if (!field) throw new Error(`search-sql: no field ${model.name}.${key}`);
        parts.push(field.kind === "object" ? this.relation(model, alias, field, value) : this.scalar(alias, field, value));
      }
    }
    return parts.length === 0 ? "TRUE" : parts.map((p) => `(${p})`).join(" AND ");
  }

  all(model: DatamodelModel, alias: string, value: unknown, op: "AND" | "OR", empty: string): string {
    const items = Array.isArray(value) ? value : [value];
    if (items.length === 0) return empty;
    return items.map((item) => `(${this.where(model, alias, item)})`).join(` ${op} `);
  }

  scalar(alias: string, field: DatamodelField, condition: unknown): string {
    const isEnum = field.kind === "enum";
    const col = `${alias}.${this.column(field)}${isEnum ? "::text" : ""}`;
    const cast = field.type === "DateTime" ? "timestamp" : field.nativeType?.[0] === "Uuid" ? "uuid" : undefined;
    if (condition === null) return `${col} IS NULL`;
    if (typeof condition !== "object" || condition instanceof Date) return `${col} = ${this.param(condition, cast)}`;
    const parts: string[] = [];
    const c = condition as Record<string, unknown>;
    const insensitive = c.mode === "insensitive";
    for (const [op, v] of Object.entries(c)) {
      switch (op) {
        case "equals":
          parts.push(v === null ? `${col} IS NULL` : `${col} = ${this.param(v, cast)}`);
          break;
        case "not":
          parts.push(v === null ? `${col} IS NOT NULL` : `${col} <> ${this.param(v, cast)}`);
          break;
        case "gt":
        case "gte":
        case "lt":
        case "lte":
          parts.push(`${col} ${{ gt: ">", gte: ">=", lt: "<", lte: "<=" }[op]} ${this.param(v, cast)}`);
          break;
        case "in":
        case "notIn": {
          const list = v as unknown[];
          // An empty list binds no parameter: a bound but unused one is a protocol error in PostgreSQL.
          if (list.length === 0) {
            parts.push(op === "in" ? "FALSE" : "TRUE");
            break;
          }
          const arrayCast = isEnum ? "text[]" : cast ? `${cast}[]` : field.type === "Int" ? "int[]" : field.type === "String" ? "text[]" : undefined;
          const any = `${col} = ANY(${this.param(list.map((x) => (x instanceof Date ? x.toISOString() : x)), arrayCast)})`;
          parts.push(op === "in" ? any : `NOT (${any})`);
          break;
        }
        case "contains":
        case "startsWith":
        case "endsWith": {
          // The runtime has escaped % and _ already; backslash is PostgreSQL's default LIKE escape.
          const pattern = op === "contains" ? `%${v}%` : op === "startsWith" ? `${v}%` : `%${v}`;
          parts.push(`${col} ${insensitive ? "ILIKE" : "LIKE"} ${this.param(pattern)}`);
          break;
        }
        case "mode":
          break;
        default:
          throw new Error(`search-sql: unsupported operator ${op}`);
      }
    }
    return parts.length === 0 ? "TRUE" : parts.join(" AND ");
  }

  relation(model: DatamodelModel, alias: string, field: DatamodelField, condition: unknown): string {
    const target = this.model(field.type);
    const r = this.alias();
    let link: string;
    if (field.relationFromFields?.length) {
      // This model holds the foreign key (to-one).
      const from = model.fields.find((f) => f.name === field.relationFromFields?.[0]) as DatamodelField;
      const to = target.fields.find((f) => f.name === (field.relationToFields?.[0] ?? "id")) as DatamodelField;
      link = `${r}.${this.column(to)} = ${alias}.${this.column(from)}`;
    } else {
      const back = target.fields.find((f) => f.kind === "object" && f.relationName === field.relationName && f.relationFromFields?.length);
      if (!back) throw new Error(`search-sql: relation ${model.name}.${field.name} has no foreign key`);
      const fk = target.fields.find((f) => f.name === back.relationFromFields?.[0]) as DatamodelField;
      const pk = model.fields.find((f) => f.name === (back.relationToFields?.[0] ?? "id")) as DatamodelField;
      link = `${r}.${this.column(fk)} = ${alias}.${this.column(pk)}`;
    }
    const exists = (w: unknown) => `EXISTS (SELECT 1 FROM ${this.table(target)} ${r} WHERE ${link} AND ${this.where(target, r, w)})`;
    const c = (condition ?? {}) as Record<string, unknown>;
    if ("some" in c) return exists(c.some);
    if ("none" in c) return `NOT ${exists(c.none)}`;
    if ("every" in c) return `NOT EXISTS (SELECT 1 FROM ${this.table(target)} ${r} WHERE ${link} AND NOT (${this.where(target, r, c.every)}))`;
    return exists("is" in c ? c.is : c);
  }
}

/** A search page: ids in order, and the total when asked for. */
export interface SearchQuery {
  model: string;
  where: object;
  /** Prisma-style orderBy on own fields; none → by relevance of the top-level search. */
  orderBy: readonly object[] | undefined;
  idField: string;
  offset: number;
  limit: number;
}

/** SQL returning the ids of one page (`id` column) and SQL counting every match (`count` column). */
export function compileSearch(datamodel: Datamodel, query: SearchQuery): { page: { sql: string; params: unknown[] }; count: { sql: string; params: unknown[] } } {
  const build = (forCount: boolean) => {
    const compiler = new WhereCompiler(datamodel);
    const model = compiler.model(query.model);
    const idField = model.fields.find((f) => f.name === query.idField) as DatamodelField;
    const condition = compiler.where(model, "t", query.where);
    if (forCount) return { sql: `SELECT count(*)::int AS count FROM ${compiler.table(model)} t WHERE ${condition}`, params: compiler.params };
    const order: string[] = [];
    if (query.orderBy?.length) {
      for (const entry of query.orderBy) {
        const [name, spec] = Object.entries(entry)[0] as [string, unknown];
        const field = model.fields.find((f) => f.name === name && f.kind !== "object");
        if (!field) throw new Error(`search-sql: cannot order by ${name}`);
        const direction = typeof spec === "string" ? spec : (spec as { sort: string }).sort;
        const nulls = typeof spec === "object" ? ` NULLS ${(spec as { nulls: string }).nulls.toUpperCase()}` : "";
        order.push(`t.${compiler.column(field)} ${direction === "desc" ? "DESC" : "ASC"}${nulls}`);
      }
    } else {
      const search = topSearch(query.where);
      if (search) order.push(`ts_rank(${searchVectorSql(compiler.columns(model, search.columns), search.language, "t")}, websearch_to_tsquery(${literal(search.language)}::regconfig, ${compiler.param(search.text)})) DESC`);
      order.push(`t.${compiler.column(idField)} ASC`);
    }
    const sql = `SELECT t.${compiler.column(idField)} AS id FROM ${compiler.table(model)} t WHERE ${condition} ORDER BY ${order.join(", ")} LIMIT ${compiler.param(query.limit, "int")} OFFSET ${compiler.param(query.offset, "int")}`;
    return { sql, params: compiler.params };
  };
  return { page: build(false), count: build(true) };
}

/** An aggregate over the rows a `where` with a search matches, in Prisma's `groupBy` / `aggregate` argument shape. */
export interface SearchAggregateQuery {
  model: string;
  where: object;
  /** Group-by fields (none: one row over all matches). */
  by: readonly string[];
  /** `_count`, `_sum`, `_avg`, `_min`, `_max`, `having`, `orderBy`, `take`, `skip`, as compileAggregate makes them. */
  args: Record<string, unknown>;
}

const OPS: Record<string, string> = { equals: "=", not: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" };

/**
 * SQL computing the same groups Prisma's `groupBy` would, over rows matched with a full-text search
 * (which Prisma cannot express). Result rows have Prisma's shape: `{ <by fields>, _count: { _all },
 * _sum: { field }, ... }` once {@link shapeAggregateRow} has run.
 */
export function compileSearchAggregate(datamodel: Datamodel, query: SearchAggregateQuery): { sql: string; params: unknown[] } {
  const compiler = new WhereCompiler(datamodel);
  const model = compiler.model(query.model);
  const col = (name: string) => {
    const field = model.fields.find((f) => f.name === name);
    if (!field) throw new Error(`search-sql: no field ${model.name}.${name}`);
    return `t.${compiler.column(field)}`;
  };
  const condition = compiler.where(model, "t", query.where);
  // Enums come back as text (the driver adapter cannot read enum types in raw results).
  const isEnum = (name: string) => model.fields.find((f) => f.name === name)?.kind === "enum";
  const select: string[] = query.by.map((name) => `${col(name)}${isEnum(name) ? "::text" : ""} AS ${ident(name)}`);
  select.push(`count(*)::int AS ${ident("_count._all")}`);
  for (const fn of ["sum", "avg", "min", "max"] as const) {
    for (const name of Object.keys((query.args[`_${fn}`] as Record<string, true> | undefined) ?? {})) {
      const expression = fn === "sum" || fn === "avg" ? `${fn}(${col(name)})::float8` : `${fn}(${col(name)})`;
      select.push(`${expression} AS ${ident(`_${fn}.${name}`)}`);
    }
  }
  const metric = (spec: Record<string, unknown>): string => {
    const [key, inner] = Object.entries(spec)[0] as [string, Record<string, unknown>];
    if (key === "_count") return "count(*)";
    const [name] = Object.keys(inner);
    return `${key.slice(1)}(${col(name as string)})`;
  };
  let sql = `SELECT ${select.join(", ")} FROM ${compiler.table(model)} t WHERE ${condition}`;
  if (query.by.length > 0) {
    sql += ` GROUP BY ${query.by.map(col).join(", ")}`;
    const having = ((query.args.having as { AND?: Record<string, Record<string, Record<string, unknown>>>[] } | undefined)?.AND ?? []).map((h) => {
      const [name, byFn] = Object.entries(h)[0] as [string, Record<string, Record<string, unknown>>];
      const [fn, comparison] = Object.entries(byFn)[0] as [string, Record<string, unknown>];
      const [op, value] = Object.entries(comparison)[0] as [string, unknown];
      const target = fn === "_count" ? "count(*)" : `${fn.slice(1)}(${col(name)})`;
      return `${target} ${OPS[op] ?? "="} ${compiler.param(value)}`;
    });
    if (having.length > 0) sql += ` HAVING ${having.join(" AND ")}`;
    const order = ((query.args.orderBy as Record<string, unknown>[] | undefined) ?? []).map((entry) => {
      const [key, value] = Object.entries(entry)[0] as [string, unknown];
      if (typeof value === "string") return `${col(key)} ${value === "desc" ? "DESC" : "ASC"}`;
      const direction = Object.values(value as Record<string, string>)[0] === "desc" ? "DESC" : "ASC";
      return `${metric({ [key]: value })} ${direction}`;
    });
    if (order.length > 0) sql += ` ORDER BY ${order.join(", ")}`;
    sql += ` LIMIT ${compiler.param(query.args.take ?? 1000, "int")} OFFSET ${compiler.param(query.args.skip ?? 0, "int")}`;
  }
  return { sql, params: compiler.params };
}

/** Turns a row of {@link compileSearchAggregate} into Prisma's aggregate shape (`_sum: { views }`, ...). */
export function shapeAggregateRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const dot = key.indexOf(".");
    if (dot < 0 || !key.startsWith("_")) {
      out[key] = value;
      continue;
    }
    const group = key.slice(0, dot);
    const part = (out[group] ?? {}) as Record<string, unknown>;
    part[key.slice(dot + 1)] = value;
    out[group] = part;
  }
  return out;
}
