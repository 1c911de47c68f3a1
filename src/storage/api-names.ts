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
      ...(a.data !== undefined ? { data: this.#keys(model, a.data) } : {}),
      ...(a.select !== undefined ? { select: this.#keys(model, a.select) } : {}),
      ...(a.orderBy !== undefined ? { orderBy: this.#keys(model, a.orderBy) } : {}),
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

  /** `data`, `select` or `orderBy`: scalar keys renamed; a relation's own arguments are left as they are. */
  #keys(model: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.#keys(model, v));
    if (!value || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.#prisma(model, k), v]));
  }

  /** A row Prisma returned, keyed by API names. */
  #row(model: string, row: Record<string, unknown>): Record<string, unknown> {
    const toApi = this.#renames.get(model)?.toApi;
    if (!toApi) return row;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [toApi.get(k) ?? k, v]));
  }
}
