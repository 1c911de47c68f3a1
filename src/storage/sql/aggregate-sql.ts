/**
 * Aggregates in SQL: count, sum, avg, min and max over the rows a condition matches, optionally grouped,
 * with HAVING, ORDER BY and a page of groups, from the arguments the runtime's compileAggregate makes
 * (Prisma's `groupBy` / `aggregate` argument shape). The condition goes through where-sql.ts like every
 * read's, so a full-text search, a scope or a relation filter holds here as it does on lists.
 */
import { ident, type SqlModels, WhereSql, Params } from "./where-sql.ts";

/** An aggregate over the rows a `where` matches, in Prisma's `groupBy` / `aggregate` argument shape. */
export interface AggregateQuery {
  model: string;
  where: object;
  /** Group-by fields (none: one row over all matches). */
  by: readonly string[];
  /** `_count`, `_sum`, `_avg`, `_min`, `_max`, `having`, `orderBy`, `take`, `skip`, as compileAggregate makes them. */
  args: Record<string, unknown>;
}

const OPS: Record<string, string> = { equals: "=", not: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" };

/**
 * SQL computing the groups Prisma's `groupBy` would (one row without groups). Result rows have Prisma's shape: `{ <by fields>, _count: { _all },
 * _sum: { field }, ... }` once {@link shapeAggregateRow} has run.
 */
export function compileAggregate(models: SqlModels, query: AggregateQuery): { text: string; values: unknown[] } {
  const params = new Params();
  const compiler = new WhereSql(models, params);
  const model = models.model(query.model);
  const col = (name: string) => {
    return `t.${models.column(models.field(model, name))}`;
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
  let sql = `SELECT ${select.join(", ")} FROM ${models.table(model)} t WHERE ${condition}`;
  if (query.by.length > 0) {
    sql += ` GROUP BY ${query.by.map(col).join(", ")}`;
    const having = (
      (query.args.having as { AND?: Record<string, Record<string, Record<string, unknown>>>[] } | undefined)?.AND ?? []
    ).map((h) => {
      const [name, byFn] = Object.entries(h)[0] as [string, Record<string, Record<string, unknown>>];
      const [fn, comparison] = Object.entries(byFn)[0] as [string, Record<string, unknown>];
      const [op, value] = Object.entries(comparison)[0] as [string, unknown];
      const target = fn === "_count" ? "count(*)" : `${fn.slice(1)}(${col(name)})`;
      return `${target} ${OPS[op] ?? "="} ${params.bind(value)}`;
    });
    if (having.length > 0) sql += ` HAVING ${having.join(" AND ")}`;
    const order = ((query.args.orderBy as Record<string, unknown>[] | undefined) ?? []).map((entry) => {
      const [key, value] = Object.entries(entry)[0] as [string, unknown];
      if (typeof value === "string") return `${col(key)} ${value === "desc" ? "DESC" : "ASC"}`;
      const direction = Object.values(value as Record<string, string>)[0] === "desc" ? "DESC" : "ASC";
      return `${metric({ [key]: value })} ${direction}`;
    });
    if (order.length > 0) sql += ` ORDER BY ${order.join(", ")}`;
    sql += ` LIMIT ${params.bind(query.args.take ?? 1000, "int")} OFFSET ${params.bind(query.args.skip ?? 0, "int")}`;
  }
  return { text: sql, values: params.values };
}

/** Turns a row of {@link compileAggregate} into Prisma's aggregate shape (`_sum: { views }`, ...). */
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
