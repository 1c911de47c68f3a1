/**
 * Per-request DataLoaders: every relation read in one request is batched into one query per
 * (resource, key column) and cached for the rest of that request only. Created by
 * `runtime.context()`; never module-level, so one user's rows never answer another's request.
 */
import DataLoader from "dataloader";

/** Raw rows as read by the runtime (only readable fields are selected). */
export type Row = Record<string, unknown>;

/** What the loaders fetch through: implemented by the runtime, which applies the resources' rules. */
export interface LoaderSource {
  /** Rows of `resource` whose `field` is one of `values`, ordered by id. */
  rowsWhereIn(resource: string, field: string, values: readonly unknown[]): Promise<Row[]>;
  /** `[localKey, targetKey]` pairs of a join model (by Prisma model name), for the given local keys. */
  joinPairs(
    joinModel: string,
    localField: string,
    targetField: string,
    keys: readonly unknown[],
  ): Promise<[unknown, unknown][]>;
  /** Name of the id field of a resource. */
  idField(resource: string): string;
}

/** A Map key for a key value: a bigint becomes text, so equal bigints meet as one key. */
export const cacheKey = (key: unknown) => (typeof key === "bigint" ? `${key}n` : key);

/** The loaders of one request. */
export class Loaders {
  readonly #source: LoaderSource;
  readonly #loaders = new Map<string, DataLoader<unknown, unknown>>();

  constructor(source: LoaderSource) {
    this.#source = source;
  }

  #get<V>(key: string, batch: (keys: readonly unknown[]) => Promise<V[]>): DataLoader<unknown, V> {
    let loader = this.#loaders.get(key) as DataLoader<unknown, V> | undefined;
    if (!loader) {
      loader = new DataLoader<unknown, V, unknown>(batch, { cacheKeyFn: cacheKey, maxBatchSize: 1000 });
      this.#loaders.set(key, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  /**
   * Values loaded in batches under `key`, by a loader the caller describes: for reads the other loaders do
   * not cover (a relation's page with a nested list's arguments, for many parents at once).
   */
  batch<V>(key: string, load: (keys: readonly unknown[]) => Promise<V[]>): DataLoader<unknown, V> {
    return this.#get(`batch:${key}`, load);
  }

  /** One row of `resource` by id (null when there is none). */
  byId(resource: string): DataLoader<unknown, Row | null> {
    return this.#get(`id:${resource}`, async (ids) => {
      const idField = this.#source.idField(resource);
      const rows = await this.#source.rowsWhereIn(resource, idField, ids);
      const found = new Map(rows.map((r) => [cacheKey(r[idField]), r]));
      return ids.map((id) => found.get(cacheKey(id)) ?? null);
    });
  }

  /** All rows of `resource` whose `field` equals the key (has-many children). */
  byField(resource: string, field: string): DataLoader<unknown, Row[]> {
    return this.#get(`field:${resource}.${field}`, async (keys) => {
      const rows = await this.#source.rowsWhereIn(resource, field, keys);
      const groups = new Map<unknown, Row[]>();
      for (const row of rows) {
        const k = cacheKey(row[field]);
        const group = groups.get(k);
        if (group) group.push(row);
        else groups.set(k, [row]);
      }
      return keys.map((k) => groups.get(cacheKey(k)) ?? []);
    });
  }

  /** Rows of `target` linked to the key through a join model (many-to-many). */
  through(joinModel: string, localField: string, targetField: string, target: string): DataLoader<unknown, Row[]> {
    return this.#get(`join:${joinModel}.${localField}>${target}`, async (keys) => {
      const pairs = await this.#source.joinPairs(joinModel, localField, targetField, keys);
      const targets = await this.byId(target).loadMany([...new Set(pairs.map(([, t]) => t))]);
      const byTarget = new Map<unknown, Row>();
      for (const row of targets)
        if (row && !(row instanceof Error)) byTarget.set(cacheKey(row[this.#source.idField(target)]), row);
      const groups = new Map<unknown, Row[]>();
      for (const [local, t] of pairs) {
        const row = byTarget.get(cacheKey(t));
        if (!row) continue;
        const k = cacheKey(local);
        const group = groups.get(k);
        if (group) group.push(row);
        else groups.set(k, [row]);
      }
      return keys.map((k) => groups.get(cacheKey(k)) ?? []);
    });
  }
}
