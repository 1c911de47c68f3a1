/**
 * Nested writes (docs/reference/rest-dialect.md §28): a create, update or patch that also writes the
 * records its relations point at, through relations declared with `nestedWrites`. A to-one relation
 * takes `{ connect: { id } }`, `{ create: {...} }` or `{ disconnect: true }` and is settled before the
 * parent's row (it gives the foreign key); a to-many relation takes `connect`, `create`, `disconnect`,
 * `set` and `update` lists, written after the parent's row and before its `after` hooks.
 *
 * Everything runs in the parent's transaction. Each related record is written through its own
 * service (access, scope, validation, hooks, audit, revision, event); a link of a many-to-many is a
 * row of the join model and a change of the parent: its event's `changed` names the relation. A
 * connected record must exist for the actor (live, inside their tenant and scope). An error names
 * its path (`tags.create[1].name`) in its fields and `details.path`.
 */
import type { HasManyRelation, ManyToManyRelation } from "../metadata/resolved.ts";
import type { RequestContext, Transaction } from "./context.ts";
import { AppError, isAppError, show } from "./errors.ts";
import { readWriteInput, type WriteInputOptions, type WriteMode } from "./input.ts";
import { checkNestedLimits, type SplitInput, shapeError, type ToManyWrite, type ToOneWrite } from "./nested-input.ts";
import type { Row } from "./loaders.ts";
import { rowsWhereIn } from "./read.ts";
import type { ServiceCore } from "./service-core.ts";
import type { ResourceRecord, WriteOptions } from "./service-types.ts";
import { inTransaction } from "./transaction.ts";
import { write } from "./write.ts";

/**
 * A create, update or patch with nested writes, in one transaction (the one of `ctx`, or a new one):
 * the to-one writes, then the parent through the write pipeline, whose to-many writes run after its
 * row (see the module's comment).
 */
export async function writeNested(
  parent: ServiceCore,
  action: WriteMode,
  ctx: RequestContext,
  id: string | number | undefined,
  split: SplitInput,
  options: WriteOptions & WriteInputOptions,
): Promise<ResourceRecord> {
  const { resource } = parent;
  checkNestedLimits((name) => parent.lookup(name), resource, split);
  return inTransaction(
    parent,
    ctx,
    async (tx) => {
      const flat = { ...split.flat };
      for (const w of split.toOne) flat[w.relation.localField] = await toOne(parent, tx, w);
      const { data, errors, echoes } = readWriteInput(resource, flat, action, options);
      const children = async (c: RequestContext, parentId: string | number): Promise<string[]> => {
        const changed: string[] = [];
        for (const w of split.toMany) if (await toMany(parent, c, parentId, w)) changed.push(w.relation.name);
        return changed;
      };
      return write(parent, action, tx, id, data, errors, { ...options, echoes }, undefined, children);
    },
    action,
  );
}

/** A to-one write: the foreign key it gives the parent. */
async function toOne(parent: ServiceCore, tx: RequestContext, w: ToOneWrite): Promise<unknown> {
  const { relation } = w;
  const target = parent.deps.core(relation.target);
  if (w.disconnect) return null;
  if (w.create !== undefined) {
    const path = `${relation.name}.create`;
    const record = await at(path, () => target.service.create(tx, w.create));
    return record[relation.targetField];
  }
  const path = `${relation.name}.connect.id`;
  const key = relation.targetField === target.resource.id.name ? parseAt(path, target, w.connect) : w.connect;
  await visible(target, tx, relation.targetField, [key], () => path);
  return key;
}

/** A to-many write after the parent's row; whether it changed the parent's links (many-to-many). */
async function toMany(
  parent: ServiceCore,
  tx: RequestContext,
  parentId: string | number,
  w: ToManyWrite,
): Promise<boolean> {
  const { relation } = w;
  const target = parent.deps.core(relation.target);
  const idName = target.resource.id.name;
  const path = relation.name;
  const parse = (key: string, raw: readonly unknown[]) =>
    raw.map((value, i) => parseAt(`${path}.${key}[${i}]`, target, value));
  return relation.kind === "hasMany"
    ? hasMany(parent, tx, parentId, w as ToManyWrite & { relation: HasManyRelation }, target, parse, idName)
    : manyToMany(tx, parentId, w as ToManyWrite & { relation: ManyToManyRelation }, target, parse, idName);
}

type Parse = (key: string, raw: readonly unknown[]) => (string | number)[];

async function hasMany(
  parent: ServiceCore,
  tx: RequestContext,
  parentId: string | number,
  w: ToManyWrite & { relation: HasManyRelation },
  target: ServiceCore,
  parse: Parse,
  idName: string,
): Promise<boolean> {
  const { relation } = w;
  const path = relation.name;
  const fk = relation.foreignField;
  const service = target.service;
  const optional = !target.resource.field.get(fk)?.isRequired;
  const unlinkable = (key: string) => {
    if (!optional)
      throw shapeError(
        `${path}.${key}`,
        `${target.resource.name}.${fk} is required: a ${target.resource.name} cannot be left without a ${parent.resource.name} (delete it instead)`,
      );
  };
  for (const [i, input] of w.create.entries())
    await at(`${path}.create[${i}]`, () => service.create(tx, { ...(input as object), [fk]: parentId }));
  const connect = parse("connect", w.connect);
  for (const [i, id] of connect.entries())
    await at(`${path}.connect[${i}]`, () => service.patch(tx, id, { [fk]: parentId }), "id");
  const disconnect = parse("disconnect", w.disconnect);
  if (disconnect.length > 0) unlinkable("disconnect");
  const linked = await visible(target, tx, idName, disconnect, (i) => `${path}.disconnect[${i}].id`);
  for (const [i, id] of disconnect.entries()) {
    if (!sameKey(linked[i]?.[fk], parentId)) throw notLinked(`${path}.disconnect[${i}]`, target, id);
    await at(`${path}.disconnect[${i}]`, () => service.patch(tx, id, { [fk]: null }));
  }
  if (w.set) {
    const set = parse("set", w.set);
    await visible(target, tx, idName, set, (i) => `${path}.set[${i}].id`);
    const current = await rowsWhereIn(target, tx, fk, [parentId], target.store(tx));
    const keep = new Set(set.map(String));
    const drop = current.filter((row) => !keep.has(String(row[idName])));
    if (drop.length > 0) unlinkable("set");
    for (const row of drop) await at(`${path}.set`, () => service.patch(tx, row[idName], { [fk]: null }));
    const have = new Set(current.map((row) => String(row[idName])));
    for (const [i, id] of set.entries())
      if (!have.has(String(id))) await at(`${path}.set[${i}]`, () => service.patch(tx, id, { [fk]: parentId }));
  }
  const updates = parse(
    "update",
    w.update.map((u) => u.id),
  );
  const rows = await visible(target, tx, idName, updates, (i) => `${path}.update[${i}].id`);
  for (const [i, u] of w.update.entries()) {
    const id = updates[i] as string | number;
    if (!sameKey(rows[i]?.[fk], parentId)) throw notLinked(`${path}.update[${i}]`, target, id);
    await at(`${path}.update[${i}].data`, () =>
      service.patch(tx, id, u.data, u.version === undefined ? {} : { expectedVersion: u.version }),
    );
  }
  // Has-many children carry the key: their own writes record the change, the parent's row is unchanged.
  return false;
}

async function manyToMany(
  tx: RequestContext,
  parentId: string | number,
  w: ToManyWrite & { relation: ManyToManyRelation },
  target: ServiceCore,
  parse: Parse,
  idName: string,
): Promise<boolean> {
  const { relation } = w;
  const path = relation.name;
  const service = target.service;
  const store = (tx.transaction as Transaction).store;
  const join = store.model(relation.joinDelegate);
  const local = relation.joinLocalField;
  const far = relation.joinTargetField;
  let changed = false;
  const link = async (ids: readonly (string | number)[]) => {
    if (ids.length === 0) return;
    const made = await join.createMany({
      data: ids.map((id) => ({ [local]: parentId, [far]: id })),
      skipDuplicates: true,
    });
    if (made.count > 0) changed = true;
  };
  const unlink = async (where: object) => {
    const gone = await join.deleteMany({ where: { [local]: parentId, ...where } });
    if (gone.count > 0) changed = true;
  };
  const created: (string | number)[] = [];
  for (const [i, input] of w.create.entries()) {
    const record = await at(`${path}.create[${i}]`, () => service.create(tx, input));
    created.push(record[idName] as string | number);
  }
  const connect = parse("connect", w.connect);
  await visible(target, tx, idName, connect, (i) => `${path}.connect[${i}].id`);
  await link([...created, ...connect]);
  const disconnect = parse("disconnect", w.disconnect);
  await visible(target, tx, idName, disconnect, (i) => `${path}.disconnect[${i}].id`);
  if (disconnect.length > 0) await unlink({ [far]: { in: disconnect } });
  if (w.set) {
    const set = parse("set", w.set);
    await visible(target, tx, idName, set, (i) => `${path}.set[${i}].id`);
    // Links to records the actor cannot see stay: they may not learn of them, let alone unlink them.
    const current = (await join.findMany({ where: { [local]: parentId }, select: { [far]: true } })).map((r) => r[far]);
    const seen = current.length > 0 ? await rowsWhereIn(target, tx, idName, current, store) : [];
    const keep = new Set([...set, ...created].map(String));
    const drop = seen.map((row) => row[idName]).filter((id) => !keep.has(String(id)));
    if (drop.length > 0) await unlink({ [far]: { in: drop } });
    await link(set);
  }
  const updates = parse(
    "update",
    w.update.map((u) => u.id),
  );
  if (updates.length > 0) {
    const links = await join.findMany({
      where: { [local]: parentId, [far]: { in: updates } },
      select: { [far]: true },
    });
    const have = new Set(links.map((r) => String(r[far])));
    for (const [i, u] of w.update.entries()) {
      const id = updates[i] as string | number;
      if (!have.has(String(id))) throw notLinked(`${path}.update[${i}]`, target, id);
      await at(`${path}.update[${i}].data`, () =>
        service.patch(tx, id, u.data, u.version === undefined ? {} : { expectedVersion: u.version }),
      );
    }
  }
  return changed;
}

/**
 * The rows with these keys that exist for the actor (live, inside their tenant and scope), in the
 * order asked, read in one statement; a key with none is an error at its path, as if it did not exist.
 */
async function visible(
  target: ServiceCore,
  tx: RequestContext,
  field: string,
  keys: readonly unknown[],
  pathOf: (index: number) => string,
): Promise<Row[]> {
  if (keys.length === 0) return [];
  const rows = await rowsWhereIn(target, tx, field, keys, target.store(tx));
  const byKey = new Map(rows.map((row) => [String(row[field]), row]));
  return keys.map((key, i) => {
    const row = byKey.get(String(key));
    if (!row) throw missing(pathOf(i), target, key);
    return row;
  });
}

function parseAt(path: string, target: ServiceCore, raw: unknown): string | number {
  try {
    return target.parseId(raw);
  } catch (error) {
    throw prefixed(path, error);
  }
}

/** Runs a related write, its errors named by `path`. */
async function at<T>(path: string, work: () => T | Promise<T>, missingAt?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw prefixed(path, error, missingAt);
  }
}

/**
 * `error` of a related write, named by its path: each field under it (`tags.create[1].name`), the
 * path in the message and in `details.path`. With `missingAt`, a record that does not exist for the
 * actor (NOT_FOUND) is a 422 at `path.missingAt`, as a dangling foreign key is.
 */
function prefixed(path: string, error: unknown, missingAt?: string): unknown {
  if (!isAppError(error)) return error;
  if (error.code === "NOT_FOUND" && missingAt) {
    const where = `${path}.${missingAt}`;
    return new AppError("VALIDATION_FAILED", `${where}: ${error.message}`, {
      fields: { [where]: error.message },
      details: { path: where },
      cause: error,
    });
  }
  const inner = typeof error.details?.path === "string" ? `${path}.${error.details.path}` : path;
  const fields = error.fields
    ? Object.fromEntries(Object.entries(error.fields).map(([k, m]) => [`${path}.${k}`, m]))
    : { [path]: error.message };
  return new AppError(error.code, `${path}: ${error.message}`, {
    fields,
    details: { ...error.details, path: inner },
    cause: error,
  });
}

function missing(path: string, target: ServiceCore, key: unknown): AppError {
  return new AppError("VALIDATION_FAILED", `${path}: no ${target.resource.name} with id ${show(key)}.`, {
    fields: { [path]: `no ${target.resource.name} with this id` },
    details: { path },
  });
}

function notLinked(path: string, target: ServiceCore, key: unknown): AppError {
  return new AppError(
    "VALIDATION_FAILED",
    `${path}: the ${target.resource.name} ${show(key)} is not linked to this record (connect it first).`,
    { fields: { [path]: `not linked to this record` }, details: { path } },
  );
}

function sameKey(a: unknown, b: unknown): boolean {
  return a !== null && a !== undefined && String(a) === String(b);
}
