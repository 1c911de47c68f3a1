/**
 * Where API names meet storage names (docs/reference/rest-dialect.md §31). The runtime and the
 * transports key every record, condition, sort and projection by a field's API name (its `apiName`,
 * else the Prisma field's name); storage alone knows the Prisma field and its column. The SQL compilers
 * read a datamodel whose fields carry their API names (and their columns as `dbName`), so they find
 * `@map`ped columns through API names unchanged; the Prisma delegates the store hands out translate
 * their arguments to Prisma field names and their rows back.
 */
import type { Datamodel, DatamodelField, DatamodelModel } from "../metadata/datamodel.ts";
import { camelCase } from "../metadata/names.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import type { ModelDelegate } from "./model-delegate.ts";

/** Prisma's relation filter operators: their values are conditions on the related model. */
const RELATION_FILTERS = new Set(["some", "every", "none", "is", "isNot"]);

/** One model's renames, both ways. */
interface Renames {
  readonly toPrisma: ReadonlyMap<string, string>;
  readonly toApi: ReadonlyMap<string, string>;
}

/** The API names of a schema's fields, and the translation of storage names to and from them. */
export class ApiNames {
  /** The datamodel as the SQL compilers read it: fields by API name, columns as `dbName`. */
  readonly datamodel: Datamodel;
  /** Renames by model name; a model without renames is absent. */
  readonly #renames = new Map<string, Renames>();
  /** The datamodel as Prisma has it, by model name. */
  readonly #models: ReadonlyMap<string, DatamodelModel>;
  /** Model names by Prisma delegate (`post` → `Post`). */
  readonly #byDelegate: ReadonlyMap<string, string>;

  /** `schema` undefined: every field keeps its Prisma name (a store for tools that know no resources). */
  constructor(datamodel: Datamodel, schema?: ResolvedSchema) {
    for (const resource of schema?.resources ?? []) {
      const renamed = resource.fields.filter((f) => f.name !== f.prismaName);
      if (renamed.length === 0) continue;
      this.#renames.set(resource.model, {
        toPrisma: new Map(renamed.map((f) => [f.name, f.prismaName])),
        toApi: new Map(renamed.map((f) => [f.prismaName, f.name])),
      });
    }
    this.#models = new Map(datamodel.models.map((m) => [m.name, m]));
    this.#byDelegate = new Map(datamodel.models.map((m) => [camelCase(m.name), m.name]));
    this.datamodel =
      this.#renames.size === 0 ? datamodel : { ...datamodel, models: datamodel.models.map((m) => this.#apiModel(m)) };
  }

  /** `raw` (the Prisma delegate `name`), speaking API names; `raw` itself when the schema renames nothing. */
  delegate(name: string, raw: ModelDelegate): ModelDelegate {
    const model = this.#byDelegate.get(name);
    if (this.#renames.size === 0 || model === undefined) return raw;
    const args = (a: object) => this.#args(model, a);
    const row = (r: Record<string, unknown> | null) => (r ? this.#row(model, r) : r);
    return {
      findMany: async (a) => (await raw.findMany(args(a))).map((r) => this.#row(model, r)),
      findUnique: async (a) => row(await raw.findUnique(args(a))),
      findFirst: async (a) => row(await raw.findFirst(args(a))),
      count: (a) => raw.count(args(a)),
      create: async (a) => this.#row(model, await raw.create(args(a))),
      update: async (a) => this.#row(model, await raw.update(args(a))),
      delete: async (a) => this.#row(model, await raw.delete(args(a))),
      updateMany: (a) => raw.updateMany(args(a)),
      createMany: (a) => raw.createMany(args(a)),
      deleteMany: (a) => raw.deleteMany(args(a)),
    };
  }

  #prisma(model: string, name: string): string {
    return this.#renames.get(model)?.toPrisma.get(name) ?? name;
  }

  #relation(model: string, name: string): DatamodelField | undefined {
    return this.#models.get(model)?.fields.find((f) => f.kind === "object" && f.name === name);
  }

  /** A model with its fields renamed, and the keys its relations name (on either side) too. */
  #apiModel(model: DatamodelModel): DatamodelModel {
    const own = (name: string) => this.#renames.get(model.name)?.toApi.get(name) ?? name;
    const fields = model.fields.map((f): DatamodelField => {
      if (f.kind !== "object")
        return own(f.name) === f.name ? f : { ...f, name: own(f.name), dbName: f.dbName ?? f.name };
      const target = (name: string) => this.#renames.get(f.type)?.toApi.get(name) ?? name;
      return {
        ...f,
        ...(f.relationFromFields ? { relationFromFields: f.relationFromFields.map(own) } : {}),
        ...(f.relationToFields ? { relationToFields: f.relationToFields.map(target) } : {}),
      };
    });
    return {
      ...model,
      fields,
      primaryKey: model.primaryKey ? { ...model.primaryKey, fields: model.primaryKey.fields.map(own) } : null,
      uniqueFields: model.uniqueFields.map((u) => u.map(own)),
    };
  }

  /** Delegate arguments with Prisma names: `where`, `data`, `select` and `orderBy`. */
  #args(model: string, args: object): object {
    const a = args as Record<string, unknown>;
    return {
      ...a,
      ...(a.where !== undefined ? { where: this.#where(model, a.where) } : {}),
      ...(a.data !== undefined ? { data: this.#data(model, a.data) } : {}),
      ...(a.select !== undefined ? { select: this.#select(model, a.select) } : {}),
      ...(a.orderBy !== undefined ? { orderBy: this.#orderBy(model, a.orderBy) } : {}),
    };
  }

  /** A condition in Prisma's `where` syntax, its fields renamed at every level (AND/OR/NOT, relations). */
  #where(model: string, where: unknown): unknown {
    if (!where || typeof where !== "object" || Array.isArray(where)) return where;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(where)) {
      const relation = this.#relation(model, key);
      if (key === "AND" || key === "OR" || key === "NOT")
        out[key] = Array.isArray(value) ? value.map((v) => this.#where(model, v)) : this.#where(model, value);
      else if (relation) out[key] = this.#relationWhere(relation.type, value);
      else out[this.#prisma(model, key)] = value;
    }
    return out;
  }

  #relationWhere(target: string, condition: unknown): unknown {
    if (!condition || typeof condition !== "object") return condition;
    const entries = Object.entries(condition);
    if (!entries.every(([op]) => RELATION_FILTERS.has(op))) return this.#where(target, condition);
    return Object.fromEntries(entries.map(([op, v]) => [op, this.#where(target, v)]));
  }

  /** A write's `data`: scalar keys renamed, and a relation's nested writes in the related model's names. */
  #data(model: string, data: unknown): unknown {
    if (Array.isArray(data)) return data.map((d) => this.#data(model, d));
    if (!isObject(data)) return data;
    return Object.fromEntries(
      Object.entries(data).map(([key, value]) => {
        const relation = this.#relation(model, key);
        return relation ? [key, this.#nested(relation.type, value)] : [this.#prisma(model, key), value];
      }),
    );
  }

  /** Prisma's nested writes on a relation (create, connect, update, upsert…), in the names of `target`. */
  #nested(target: string, operations: unknown): unknown {
    if (!isObject(operations)) return operations;
    const where = (v: unknown) => this.#where(target, v);
    const data = (v: unknown) => this.#data(target, v);
    const each = (v: unknown, map: (item: Record<string, unknown>) => unknown) =>
      Array.isArray(v) ? v.map((x) => (isObject(x) ? map(x) : x)) : isObject(v) ? map(v) : v;
    // `{ where?, data }` (to-many, or a to-one update with a condition), else the data itself.
    const whereData = (v: Record<string, unknown>) =>
      "data" in v && Object.keys(v).every((k) => k === "where" || k === "data")
        ? { ...v, ...(v.where !== undefined ? { where: where(v.where) } : {}), data: data(v.data) }
        : data(v);
    const out: Record<string, unknown> = {};
    for (const [op, v] of Object.entries(operations)) {
      if (op === "create") out[op] = data(v);
      else if (op === "createMany") out[op] = each(v, (m) => ({ ...m, data: data(m.data) }));
      else if (op === "connectOrCreate")
        out[op] = each(v, (m) => ({ ...m, where: where(m.where), create: data(m.create) }));
      else if (op === "update" || op === "updateMany") out[op] = each(v, whereData);
      else if (op === "upsert")
        out[op] = each(v, (m) => ({
          ...m,
          ...(m.where !== undefined ? { where: where(m.where) } : {}),
          create: data(m.create),
          update: data(m.update),
        }));
      else out[op] = each(v, (m) => where(m)); // connect, disconnect, set, delete, deleteMany: conditions
    }
    return out;
  }

  /** A `select`: scalar keys renamed; a relation's own `select` (and condition) in the related model's names. */
  #select(model: string, select: unknown): unknown {
    if (!isObject(select)) return select;
    return Object.fromEntries(
      Object.entries(select).map(([key, value]) => {
        const relation = this.#relation(model, key);
        if (!relation) return [this.#prisma(model, key), value];
        if (!isObject(value)) return [key, value];
        return [key, { ...value, ...this.#args(relation.type, value) }];
      }),
    );
  }

  /** An `orderBy` (an object or a list of them): scalar keys renamed, relation orders in the related model's names. */
  #orderBy(model: string, orderBy: unknown): unknown {
    if (Array.isArray(orderBy)) return orderBy.map((o) => this.#orderBy(model, o));
    if (!isObject(orderBy)) return orderBy;
    return Object.fromEntries(
      Object.entries(orderBy).map(([key, value]) => {
        const relation = this.#relation(model, key);
        return relation ? [key, this.#orderBy(relation.type, value)] : [this.#prisma(model, key), value];
      }),
    );
  }

  /** A row Prisma returned, keyed by API names, with the related rows it selected. */
  #row(model: string, row: Record<string, unknown>): Record<string, unknown> {
    const toApi = this.#renames.get(model)?.toApi;
    return Object.fromEntries(
      Object.entries(row).map(([key, value]) => {
        const relation = isObject(value) || Array.isArray(value) ? this.#relation(model, key) : undefined;
        if (!relation) return [toApi?.get(key) ?? key, value];
        const related = (r: unknown) => (isObject(r) ? this.#row(relation.type, r) : r);
        return [key, Array.isArray(value) ? value.map(related) : related(value)];
      }),
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
