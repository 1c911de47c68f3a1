// Longer than 400 lines: it is the one read compiler (docs/design/read-compiler.md); the statement, projections,
// relations and pages build on each other.
/**
 * The read compiler's SQL half: one read request (rows of one model matching a condition, in an order,
 * a page of them, a projection with nested relations, and the total) becomes ONE parameterised
 * PostgreSQL statement whose result is the finished JSON, as Hasura and PostGraphile do it.
 *
 * Shape of the statement (see docs/design/read-compiler.md):
 *
 * ```sql
 * SELECT coalesce(json_agg(v3 ORDER BY p."views" DESC, p."id" DESC), '[]'::json)::text AS rows,
 *        count(*)::int AS n, (SELECT count(*) FROM "Post" t WHERE <condition>)::int AS total
 *   FROM (SELECT t."id", t."title", t."authorId", t."views" FROM "Post" t WHERE <condition>
 *          ORDER BY t."views" DESC, t."id" DESC LIMIT $1::int OFFSET $2::int) p
 *   LEFT JOIN LATERAL (SELECT row_to_json(v2) AS j
 *                        FROM "User" r1 CROSS JOIN LATERAL (SELECT r1."name" AS "name") v2
 *                       WHERE r1."id" = p."authorId" AND <visible> LIMIT 1) j1 ON TRUE
 *   CROSS JOIN LATERAL (SELECT p."id"::text AS "id", p."title" AS "title", j1.j AS "author") v3
 * ```
 *
 * The page is chosen first (the inner query, which an index on the sort keys serves), and only its rows
 * are projected: relations are LATERAL subqueries over those rows, to-one as an object, to-many and
 * many-to-many as an array ordered by the target's id. Each row's object is a record whose columns are
 * named by its keys (`v3`), and json_agg sorts the page's rows again by the page's own order. What the
 * runtime decides (which fields an actor may see, which related rows exist for them) arrives here as
 * plain field lists and conditions.
 */
import type { DatamodelField, DatamodelModel } from "../../metadata/datamodel.ts";
import type { SearchCondition } from "./search.ts";
import { type Entry, jsonValueSql, objectSql, reviveValues } from "./row-json.ts";
import { ident, literal, Params, type SqlModels, WhereSql } from "./where-sql.ts";

/** One level of a projection: the scalar fields of a model's rows, and relations below them. */
export interface ReadLevel {
  readonly model: string;
  /** Field names; each is the key of its value in the row's JSON object (unless `outputs` says otherwise). */
  readonly fields: readonly string[];
  readonly relations: readonly ReadRelation[];
  /**
   * The exact JSON object of each row, key by key in this order, when the JSON goes to a client as it
   * is (instead of `fields` and then the relations under their keys).
   */
  readonly outputs?: readonly ReadOutput[] | undefined;
}

/**
 * One key of a row's JSON as a client gets it: a field's value (as text or as a number where the
 * client's format says so), the relation loaded under `relation`, a constant type name, or null.
 */
export interface ReadOutput {
  readonly key: string;
  readonly field?: string | undefined;
  /** `text`: the value as a JSON string (GraphQL IDs); `number`: as a JSON number (GraphQL BigInt, Float of decimals). */
  readonly as?: "text" | "number" | undefined;
  /** The {@link ReadRelation.key} of a relation of this level. */
  readonly relation?: string | undefined;
  /** A constant string (GraphQL `__typename`). */
  readonly constant?: string | undefined;
  /**
   * A file field (a JSON column): the object gains `url`, `prefix` + the row's `idField` + `suffix`
   * (null stays null).
   */
  readonly url?: { readonly prefix: string; readonly idField: string; readonly suffix: string } | undefined;
}

/** A relation loaded with its parent rows. */
export interface ReadRelation {
  /** Its key in the parent's JSON object. */
  readonly key: string;
  /** The Prisma relation field of the parent model (for many-to-many: the one to the join model). */
  readonly field: string;
  /** Many-to-many: the join model's relation field pointing at the target. */
  readonly through?: string | undefined;
  /** An array (to-many, many-to-many) or one object or null (to-one). */
  readonly many: boolean;
  /** The condition the related rows must meet to appear (trash, tenant, scope, a nested list's filter). */
  readonly where: object | undefined;
  readonly level: ReadLevel;
  /**
   * To-many: the related rows in this order (ending with the id), `offset` of them skipped, at most `limit`
   * (null: all). Without, every related row, by id.
   */
  readonly page?:
    | { readonly orderBy: readonly OrderKey[]; readonly offset: number; readonly limit: number | null }
    | undefined;
}

/** One sort key: a field of the model, or of a row reached through to-one relations (and, last, a to-many one). */
export interface OrderKey {
  /** Prisma relation fields to follow (to-one; the last one to-many when `many` is set), from the root model. */
  readonly path: readonly string[];
  readonly field: string;
  readonly direction: "asc" | "desc";
  /** Where NULLs go; undefined for required fields (PostgreSQL's default then is never needed). */
  readonly nulls?: "first" | "last" | undefined;
  /**
   * The last step of `path` is to-many: the key is `fn` of the field over the related rows that meet
   * `where` (a correlated subquery in the same statement).
   */
  readonly many?: { readonly fn: "min" | "max"; readonly where: object | undefined } | undefined;
}

/** A read request, as the runtime has checked and shaped it. */
export interface ReadQuery {
  readonly level: ReadLevel;
  /** The condition on root rows (filter, trash, tenant, scope, keyset bound). */
  readonly where: object;
  /** The condition the total counts (without a keyset bound); defaults to `where`. */
  readonly countWhere?: object | undefined;
  /** Sort keys; after them the rows are ranked by `rank` (when given) and then by id. */
  readonly orderBy: readonly OrderKey[];
  /** Rank by relevance to this search after the sort keys. */
  readonly rank?: SearchCondition | undefined;
  readonly offset: number;
  /** Most rows; 0 reads none (a count alone), null every one. */
  readonly limit: number | null;
  /** Also count every row `countWhere` matches. */
  readonly total: boolean;
  /** Put the values of these keys in each row's JSON, under `$k` (keyset cursors); with `page`, in `keys` instead. */
  readonly cursorKeys?: readonly OrderKey[] | undefined;
  /**
   * A keyset page read with one row more than it shows (`limit` is `size + 1`; `n` says whether it came):
   * `rows` holds the first `size` rows, in the opposite order when `reverse` (a backward page, read
   * towards the start), `keys` their cursor keys in the same order, and with `edge`, `edges` each of
   * them as an edge object (its cursor left as {@link EDGE_CURSOR} for the caller to fill in).
   */
  readonly page?:
    | { readonly size: number; readonly reverse: boolean; readonly edge?: readonly EdgePart[] | undefined }
    | undefined;
}

/** One key of an edge object: the row's cursor, the row itself, or a constant string. */
export interface EdgePart {
  readonly key: string;
  readonly value: "cursor" | "node" | { readonly constant: string };
}

/** What stands for a row's cursor in `edges`: a character PostgreSQL's JSON never holds unescaped. */
export const EDGE_CURSOR = "\u0001";

/** A compiled statement: its text, its parameters, and how to turn its JSON into rows. */
export interface CompiledRead {
  readonly text: string;
  readonly values: unknown[];
  /** Revives the values JSON cannot carry in the rows of {@link CompiledRead.text}'s `rows` column: Dates and bigints. */
  readonly decode: Decoder;
}

/** Turns parsed JSON rows into runtime rows in place (Date and bigint values); returns them. */
export type Decoder = (rows: Record<string, unknown>[]) => Record<string, unknown>[];

/** The key of the keyset cursor values in a row's JSON object. */
export const CURSOR_KEY = "$k";

/**
 * Compiles `query` to one statement returning `rows` (the JSON array as text, or NULL when no rows were
 * asked for), `n` (how many rows) and `total`.
 */
export function compileRead(models: SqlModels, query: ReadQuery): CompiledRead {
  const params = new Params();
  const w = new WhereSql(models, params);
  const model = models.model(query.level.model);
  const table = models.table(model);
  const condition = w.where(model, "t", query.where);
  // Compiled only when used: a bound parameter the text never references is a protocol error.
  const countCondition =
    !query.total || query.countWhere === undefined ? condition : w.where(model, "t", query.countWhere);
  const total = query.total ? `(SELECT count(*) FROM ${table} t WHERE ${countCondition})::int` : "NULL::int";
  if (query.limit === 0)
    return {
      text: `SELECT NULL::text AS rows, 0 AS n, ${total} AS total`,
      values: params.values,
      decode: (rows) => rows,
    };

  const { joins, column: keyColumn } = sortJoins(models, w, model, "t");
  // Each term of the order; `field` when it is a column of the root model itself.
  const terms: { sql: string; direction: string; field?: DatamodelField | undefined }[] = query.orderBy.map((key) => ({
    sql: keyColumn(key).sql,
    direction: direction(key),
    field: key.path.length === 0 ? models.field(model, key.field) : undefined,
  }));
  if (query.rank)
    terms.push({
      sql: `ts_rank(${w.vector(model, "t", query.rank)}, websearch_to_tsquery(${literal(query.rank.language)}::regconfig, ${params.bind(query.rank.text)}))`,
      direction: "DESC",
    });
  // The id breaks ties (models without a one-column id, such as join models, are sorted by their keys).
  const id = model.fields.find((f) => f.isId);
  if (id && !terms.some((term) => term.field === id))
    terms.push({ sql: `t.${models.column(id)}`, direction: "ASC", field: id });
  const orderSql = terms.map((term) => `${term.sql} ${term.direction}`).join(", ");
  const cursorColumns = (query.cursorKeys ?? []).map((key, i) => {
    const { sql, field } = keyColumn(key);
    return { select: `${sql} AS "$k${i}"`, value: valueSql(`p."$k${i}"`, field) };
  });

  // Rows reach json_agg in no promised order, so it sorts them again. An order that holds the id is
  // total: json_agg sorts by the same terms, read from the page's columns (a term that is not a column
  // of the root model is carried as "$o<i>"). Without an id, by the row's rank in the page's order: a
  // row_number() window, which sits between the page's Limit and its Sort and so costs PostgreSQL its
  // bounded top-N sort (an order no index serves then sorts every matching row).
  const used = usedFields(models, model, query.level);
  const carried: string[] = [];
  const page = query.page;
  let aggOrder: string;
  if (id && !page) {
    aggOrder = terms
      .map((term, i) => {
        if (term.field) {
          used.add(term.field.name);
          return `p.${models.column(term.field)} ${term.direction}`;
        }
        carried.push(`${term.sql} AS "$o${i}"`);
        return `p."$o${i}" ${term.direction}`;
      })
      .join(", ");
  } else {
    // A keyset page also needs each row's place, to leave out the one row more it reads.
    carried.push(`row_number() OVER (ORDER BY ${orderSql}) AS "$n"`);
    aggOrder = `p."$n"${page?.reverse ? " DESC" : ""}`;
  }
  // The page is chosen first, carrying only the columns its projection reads (and its order needs).
  const columns = [
    ...[...used].map((name) => `t.${models.column(models.field(model, name))}`),
    ...carried,
    ...cursorColumns.map((c) => c.select),
  ];
  const inner =
    `SELECT ${columns.join(", ")} ` +
    `FROM ${table} t ${joins.join(" ")} WHERE ${condition} ORDER BY ${orderSql} ` +
    `LIMIT ${params.bind(query.limit, "int")} OFFSET ${params.bind(query.offset, "int")}`;
  const projected = project(models, w, query.level, "p");
  const keys = `json_build_array(${cursorColumns.map((c) => c.value).join(", ")})`;
  const entries: Entry[] =
    cursorColumns.length > 0 && !page ? [...projected.entries, [CURSOR_KEY, keys]] : projected.entries;
  const record = recordSql(entries, w);
  const laterals = record ? [...projected.laterals, record.join] : projected.laterals;
  const object = record ? record.value : objectSql(entries);
  // A page shows its first `size` rows (the one more only tells whether more follow).
  const shown = page ? ` FILTER (WHERE p."$n" <= ${params.bind(page.size, "int")})` : "";
  const output = [
    `coalesce(json_agg(${object} ORDER BY ${aggOrder})${shown}, '[]'::json)::text AS rows`,
    "count(*)::int AS n",
    `${total} AS total`,
  ];
  if (page) {
    output.push(`coalesce(json_agg(${keys} ORDER BY ${aggOrder})${shown}, '[]'::json)::text AS keys`);
    if (page.edge) {
      const objectText = record ? `row_to_json(${record.value})::text` : `${object}::text`;
      const parts = page.edge.map(({ key, value }) => {
        const name = literal(`${JSON.stringify(key)}:`);
        if (value === "cursor") return `${name} || '"' || chr(1) || '"'`;
        if (value === "node") return `${name} || ${objectText}`;
        return `${name} || ${literal(JSON.stringify(value.constant))}`;
      });
      // Separated as json_agg separates objects (`, \n `).
      output.push(
        `'[' || coalesce(string_agg('{' || ${parts.join(" || ',' || ")} || '}', ', ' || chr(10) || ' ' ORDER BY ${aggOrder})${shown}, '') || ']' AS edges`,
      );
    }
  }
  // One aggregate row: the JSON array, how many rows it holds, and the total (and for a page its keys and edges).
  const text = `SELECT ${output.join(", ")} FROM (${inner}) p ${laterals.join(" ")}`;
  return { text, values: params.values, decode: projected.decode };
}

/**
 * The column of each sort key over rows of `model` aliased `alias`, and the joins the keys through
 * relations need (by the relation alone: a sort is no filter), each relation path joined once.
 */
function sortJoins(
  models: SqlModels,
  w: WhereSql,
  model: DatamodelModel,
  alias: string,
): { joins: string[]; column: (key: OrderKey) => { sql: string; field: DatamodelField } } {
  const joins: string[] = [];
  const joined = new Map<string, string>();
  const column = (key: OrderKey): { sql: string; field: DatamodelField } => {
    let current = model;
    let at = alias;
    // A to-many key (CRUDCrate's sort by a has-many field) is the least or greatest related value,
    // read by a subquery; the path before its relation joins as any other.
    const many = key.many;
    const joinedPath = many ? key.path.slice(0, -1) : key.path;
    for (const [i, step] of joinedPath.entries()) {
      const path = key.path.slice(0, i + 1).join(".");
      const relation = models.field(current, step);
      let next = joined.get(path);
      if (!next) {
        next = w.alias("o");
        const { target, on } = w.link(current, at, relation, next);
        joins.push(`LEFT JOIN ${models.table(target)} ${next} ON ${on}`);
        joined.set(path, next);
      }
      at = next;
      current = models.model(relation.type);
    }
    if (many) {
      const relation = models.field(current, key.path.at(-1) as string);
      const r = w.alias("o");
      const { target, on } = w.link(current, at, relation, r);
      const field = models.field(target, key.field);
      const where = many.where ? ` AND ${w.where(target, r, many.where)}` : "";
      const fn = many.fn === "min" ? "min" : "max";
      return {
        sql: `(SELECT ${fn}(${r}.${models.column(field)}) FROM ${models.table(target)} ${r} WHERE ${on}${where})`,
        field,
      };
    }
    const field = models.field(current, key.field);
    return { sql: `${at}.${models.column(field)}`, field };
  };
  return { joins, column };
}

/** A sort key's direction, with where NULLs go when it says. */
function direction(key: OrderKey): string {
  return `${key.direction === "desc" ? "DESC" : "ASC"}${key.nulls ? ` NULLS ${key.nulls.toUpperCase()}` : ""}`;
}

/** The fields of `model` a level reads from its rows: its fields and outputs, and the keys its relations follow. */
function usedFields(models: SqlModels, model: DatamodelModel, level: ReadLevel): Set<string> {
  const used = new Set<string>(level.fields);
  for (const out of level.outputs ?? []) if (out.field !== undefined) used.add(out.field);
  for (const relation of level.relations) {
    const field = models.field(model, relation.field);
    if (field.relationFromFields?.length) {
      used.add(field.relationFromFields[0] as string);
      continue;
    }
    used.add(models.backRelation(field)?.relationToFields?.[0] ?? models.idField(model).name);
  }
  if (used.size === 0)
    used.add((model.fields.find((f) => f.isId) ?? model.fields.find((f) => f.kind === "scalar"))?.name as string);
  return used;
}

/** The JSON value of a column: text for what JSON cannot hold exactly (bigints, decimals), ISO 8601 for times. */
function valueSql(column: string, field: DatamodelField, as?: ReadOutput["as"]): string {
  if (as === "text") return field.isList ? `${column}::text[]` : `${column}::text`;
  if (as === "number") return field.type === "Decimal" ? `${column}::float8${field.isList ? "[]" : ""}` : column;
  return jsonValueSql(column, field);
}

/** PostgreSQL's longest identifier, in bytes (NAMEDATALEN - 1): longer column names are cut. */
const MAX_NAME = 63;
/** The most columns a record may have (MaxHeapAttributeNumber). */
const MAX_COLUMNS = 1600;

/**
 * A row's JSON object as one record whose columns are named by its keys: `join`, a LATERAL subquery
 * without FROM (the planner folds it into a ROW expression), and `value`, the record, which json_agg
 * and row_to_json write as an object with the same keys and values json_build_object would give, for
 * less: json_build_object looks up the type and output function of every key (a text argument) and
 * every value on every row (50 posts with their author: 36% fewer instructions for the statement).
 * Undefined when a key cannot be a column name (empty, or longer than PostgreSQL's identifiers):
 * json_build_object then.
 */
function recordSql(entries: readonly Entry[], w: WhereSql): { join: string; value: string } | undefined {
  if (
    entries.length === 0 ||
    entries.length > MAX_COLUMNS ||
    entries.some(([key]) => key.length === 0 || Buffer.byteLength(key) > MAX_NAME)
  )
    return undefined;
  const v = w.alias("v");
  return {
    join: `CROSS JOIN LATERAL (SELECT ${entries.map(([key, value]) => `${value} AS ${ident(key)}`).join(", ")}) ${v}`,
    value: v,
  };
}

interface Projected {
  readonly entries: Entry[];
  readonly laterals: string[];
  readonly decode: Decoder;
}

/** The keys and values of a level's JSON object over rows aliased `alias`, and the LATERAL joins they need. */
function project(models: SqlModels, w: WhereSql, level: ReadLevel, alias: string): Projected {
  const model = models.model(level.model);
  const entries: Entry[] = [];
  const laterals: string[] = [];
  const dates: string[] = [];
  const bigints: string[] = [];
  for (const name of level.fields) {
    const field = models.field(model, name);
    entries.push([name, valueSql(`${alias}.${models.column(field)}`, field)]);
    if (field.type === "DateTime") dates.push(name);
    else if (field.type === "BigInt") bigints.push(name);
  }
  const children: [string, boolean, Decoder][] = [];
  const loaded = new Map<string, string>();
  for (const relation of level.relations) {
    const j = w.alias("j");
    const sub = relationSql(models, w, model, alias, relation);
    laterals.push(`LEFT JOIN LATERAL (${sub.sql}) ${j} ON TRUE`);
    loaded.set(relation.key, `${j}.j`);
    if (!level.outputs) entries.push([relation.key, `${j}.j`]);
    children.push([relation.key, relation.many, sub.decode]);
  }
  for (const out of level.outputs ?? []) {
    const value =
      out.relation !== undefined
        ? loaded.get(out.relation)
        : out.field !== undefined && out.url !== undefined
          ? urlSql(
              `${alias}.${models.column(models.field(model, out.field))}`,
              `${alias}.${models.column(models.field(model, out.url.idField))}`,
              out.url,
            )
          : out.field !== undefined
            ? valueSql(
                `${alias}.${models.column(models.field(model, out.field))}`,
                models.field(model, out.field),
                out.as,
              )
            : out.constant !== undefined
              ? literal(out.constant)
              : "NULL";
    if (value === undefined) throw new Error(`sql: output ${out.key} names no relation of this level`);
    entries.push([out.key, value]);
  }
  const decode: Decoder = (rows) => {
    for (const row of rows) {
      reviveValues(row, dates, bigints);
      for (const [key, many, child] of children) {
        const v = row[key];
        if (many && Array.isArray(v)) child(v as Record<string, unknown>[]);
        else if (v && typeof v === "object") child([v as Record<string, unknown>]);
      }
    }
    return rows;
  };
  return { entries, laterals, decode };
}

/** A file field's JSON with its `url` added (see {@link ReadOutput.url}). */
function urlSql(column: string, id: string, url: NonNullable<ReadOutput["url"]>): string {
  const key = (name: string) => `'${name}', (${column})::jsonb -> '${name}'`;
  const link = `${literal(url.prefix)} || (${id})::text || ${literal(url.suffix)}`;
  return (
    `CASE WHEN ${column} IS NULL THEN NULL ELSE json_build_object(${key("id")}, ${key("size")}, ` +
    `${key("contentType")}, ${key("filename")}, 'url', ${link}) END`
  );
}

/** The subquery of one relation, correlated to the parent row `alias` of `model`. */
function relationSql(
  models: SqlModels,
  w: WhereSql,
  model: DatamodelModel,
  alias: string,
  relation: ReadRelation,
): { sql: string; decode: Decoder } {
  const field = models.field(model, relation.field);
  const r = w.alias();
  let from: string;
  let target: DatamodelModel;
  if (relation.through) {
    // Parent → join rows → target rows.
    const jn = w.alias("x");
    const toJoin = w.link(model, alias, field, jn);
    const toTarget = w.link(toJoin.target, jn, models.field(toJoin.target, relation.through), r);
    target = toTarget.target;
    from = `FROM ${models.table(toJoin.target)} ${jn} JOIN ${models.table(target)} ${r} ON ${toTarget.on}`;
    from += ` %LATERALS% WHERE ${toJoin.on}`;
  } else {
    const link = w.link(model, alias, field, r);
    target = link.target;
    from = `FROM ${models.table(target)} ${r} %LATERALS% WHERE ${link.on}`;
  }
  const condition = w.where(target, r, relation.where);
  const where = condition === "TRUE" ? "" : ` AND ${condition}`;
  if (relation.many && relation.page) return pageSql(models, w, target, r, from, where, relation.level, relation.page);
  const inner = project(models, w, relation.level, r);
  const record = recordSql(inner.entries, w);
  const joins = record ? [...inner.laterals, record.join] : inner.laterals;
  const body = from.replace("%LATERALS%", () => joins.join(" ")) + where;
  if (!relation.many)
    return {
      sql: `SELECT ${record ? `row_to_json(${record.value})` : objectSql(inner.entries)} AS j ${body} LIMIT 1`,
      decode: inner.decode,
    };
  const id = `${r}.${models.column(models.idField(target))}`;
  return {
    sql: `SELECT coalesce(json_agg(${record ? record.value : objectSql(inner.entries)} ORDER BY ${id}), '[]'::json) AS j ${body}`,
    decode: inner.decode,
  };
}

/**
 * A to-many relation with a page (a nested list's `orderBy`, `skip`, `take`): its page of related rows
 * is chosen first, as a root read's is, each row numbered in its order; only those rows are projected,
 * and json_agg keeps their order.
 */
function pageSql(
  models: SqlModels,
  w: WhereSql,
  target: DatamodelModel,
  r: string,
  from: string,
  where: string,
  level: ReadLevel,
  { orderBy, offset, limit }: NonNullable<ReadRelation["page"]>,
): { sql: string; decode: Decoder } {
  const sorting = sortJoins(models, w, target, r);
  const order = orderBy.map((key) => `${sorting.column(key).sql} ${direction(key)}`).join(", ");
  const rows =
    `SELECT ${r}.*, row_number() OVER (ORDER BY ${order}) AS "$n" ` +
    `${from.replace("%LATERALS%", () => sorting.joins.join(" "))}${where} ORDER BY ${order} ` +
    `LIMIT ${w.params.bind(limit, "int")} OFFSET ${w.params.bind(offset, "int")}`;
  const q = w.alias("q");
  const inner = project(models, w, level, q);
  const record = recordSql(inner.entries, w);
  const joins = record ? [...inner.laterals, record.join] : inner.laterals;
  const object = record ? record.value : objectSql(inner.entries);
  return {
    sql: `SELECT coalesce(json_agg(${object} ORDER BY ${q}."$n"), '[]'::json) AS j FROM (${rows}) ${q} ${joins.join(" ")}`,
    decode: inner.decode,
  };
}
