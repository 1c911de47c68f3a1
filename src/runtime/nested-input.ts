/**
 * Reading nested writes (docs/reference/rest-dialect.md §28) out of a write's input: which keys are
 * nested writes, their shape (a 400 at its path otherwise), and the limits on their number and depth.
 * nested.ts runs them.
 */
import type { BelongsToRelation, HasManyRelation, ManyToManyRelation, ResolvedResource } from "../metadata/resolved.ts";
import { AppError, show } from "./errors.ts";
import type { WriteInputOptions } from "./input.ts";

const TO_ONE_KEYS: ReadonlySet<string> = new Set(["connect", "create", "disconnect"]);
const TO_MANY_KEYS: ReadonlySet<string> = new Set(["connect", "create", "disconnect", "set", "update"]);

/** A to-one write: settled before the parent's row, it gives the foreign key. */
export interface ToOneWrite {
  readonly relation: BelongsToRelation;
  readonly connect?: unknown;
  readonly create?: unknown;
  readonly disconnect?: true;
}

/** One `update` item of a to-many write. */
export interface NestedUpdate {
  readonly id: unknown;
  readonly version: number | undefined;
  readonly data: unknown;
}

/** A to-many write: run after the parent's row. */
export interface ToManyWrite {
  readonly relation: HasManyRelation | ManyToManyRelation;
  readonly connect: readonly unknown[];
  readonly create: readonly unknown[];
  readonly disconnect: readonly unknown[];
  readonly set: readonly unknown[] | undefined;
  readonly update: readonly NestedUpdate[];
}

/** The nested writes of one input, and the rest of it (the parent's own fields). */
export interface SplitInput {
  readonly flat: Record<string, unknown>;
  readonly toOne: readonly ToOneWrite[];
  readonly toMany: readonly ToManyWrite[];
}

/**
 * The input's nested writes, or undefined when it has none (the plain write path then). A key of a
 * relation that accepts nested writes must carry its shape; under `ignoreReadOnly` (react-admin sends
 * embedded records back) anything else is left to the input check, which ignores it.
 */
export function splitNested(
  resource: ResolvedResource,
  input: unknown,
  options: WriteInputOptions = {},
): SplitInput | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined;
  const flat: Record<string, unknown> = {};
  const toOne: ToOneWrite[] = [];
  const toMany: ToManyWrite[] = [];
  for (const [key, value] of Object.entries(input)) {
    const relation = resource.relation.get(key);
    if (!relation || resource.field.has(key) || value === undefined) {
      flat[key] = value;
      continue;
    }
    const keys = relation.kind === "belongsTo" ? TO_ONE_KEYS : TO_MANY_KEYS;
    const shaped = isObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => keys.has(k));
    if (!relation.nestedWrites) {
      // Only operations, never an embedded record sent back: refused, not dropped, whatever the transport.
      if (shaped)
        throw new AppError(
          "BAD_REQUEST",
          `The relation "${key}" of ${resource.name} takes no nested writes (its definition does not set nestedWrites).`,
          { fields: { [key]: "takes no nested writes" } },
        );
      flat[key] = value;
      continue;
    }
    if (!shaped) {
      if (options.ignoreReadOnly) {
        flat[key] = value;
        continue;
      }
      throw shapeError(key, `expected an object with ${[...keys].join(", ")}, got ${show(value)}`);
    }
    const body = value as Record<string, unknown>;
    if (relation.kind === "belongsTo") toOne.push(readToOne(resource, relation, body));
    else toMany.push(readToMany(relation, body));
  }
  if (toOne.length === 0 && toMany.length === 0) return undefined;
  for (const w of toOne) {
    if (w.relation.localField in input)
      throw shapeError(
        w.relation.name,
        `send ${w.relation.name} or ${w.relation.localField}, not both (they set the same foreign key)`,
      );
  }
  return { flat, toOne, toMany };
}

function readToOne(resource: ResolvedResource, relation: BelongsToRelation, body: Record<string, unknown>): ToOneWrite {
  const path = relation.name;
  const given = Object.keys(body).filter((k) => body[k] !== undefined && body[k] !== null);
  if (given.length !== 1)
    throw shapeError(path, `give exactly one of connect, create, disconnect (got ${given.join(", ") || "none"})`);
  if (body.connect !== undefined && body.connect !== null) {
    if (!isObject(body.connect) || body.connect.id === undefined || body.connect.id === null)
      throw shapeError(`${path}.connect`, `expected { id }, got ${show(body.connect)}`);
    return { relation, connect: body.connect.id };
  }
  if (body.create !== undefined && body.create !== null) {
    if (!isObject(body.create)) throw shapeError(`${path}.create`, `expected an object, got ${show(body.create)}`);
    return { relation, create: body.create };
  }
  if (body.disconnect !== true) throw shapeError(`${path}.disconnect`, "expected true");
  if (relation.isRequired)
    throw shapeError(
      `${path}.disconnect`,
      `${resource.name}.${relation.localField} is required: connect another ${relation.target} instead`,
    );
  return { relation, disconnect: true };
}

function readToMany(relation: HasManyRelation | ManyToManyRelation, body: Record<string, unknown>): ToManyWrite {
  const path = relation.name;
  const list = (key: string): unknown[] => {
    const value = body[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw shapeError(`${path}.${key}`, `expected a list, got ${show(value)}`);
    return value;
  };
  const ids = (key: string): unknown[] =>
    list(key).map((item, i) => {
      if (!isObject(item) || item.id === undefined || item.id === null)
        throw shapeError(`${path}.${key}[${i}]`, `expected { id }, got ${show(item)}`);
      return item.id;
    });
  const create = list("create").map((item, i) => {
    if (!isObject(item)) throw shapeError(`${path}.create[${i}]`, `expected an object, got ${show(item)}`);
    if (relation.kind === "hasMany" && relation.foreignField in item)
      throw shapeError(`${path}.create[${i}].${relation.foreignField}`, `is set by the relation: leave it out`);
    return item;
  });
  const update = list("update").map((item, i): NestedUpdate => {
    const at = `${path}.update[${i}]`;
    if (!isObject(item) || item.id === undefined || item.id === null || !isObject(item.data))
      throw shapeError(at, `expected { id, data }, got ${show(item)}`);
    const extra = Object.keys(item).filter((k) => k !== "id" && k !== "data" && k !== "version");
    if (extra.length > 0) throw shapeError(at, `unexpected ${extra.join(", ")}: send id, data and version`);
    const version = item.version ?? undefined;
    if (version !== undefined && (typeof version !== "number" || !Number.isSafeInteger(version)))
      throw shapeError(`${at}.version`, `must be a whole number, got ${show(version)}`);
    return { id: item.id, version: version as number | undefined, data: item.data };
  });
  const hasSet = body.set !== undefined && body.set !== null;
  const write: ToManyWrite = {
    relation,
    connect: ids("connect"),
    create,
    disconnect: ids("disconnect"),
    set: hasSet ? ids("set") : undefined,
    update,
  };
  if (hasSet && (write.connect.length > 0 || write.disconnect.length > 0))
    throw shapeError(path, "set replaces the links: send it without connect and disconnect");
  return write;
}

/** The size of a nested write and how deep it goes, for the limits (maxBatchSize, maxDepth). */
export function checkNestedLimits(
  schema: (name: string) => ResolvedResource,
  resource: ResolvedResource,
  split: SplitInput,
): void {
  let items = 0;
  let deepest = 0;
  const walk = (s: SplitInput, depth: number): void => {
    deepest = Math.max(deepest, depth);
    const children: [ResolvedResource, unknown][] = [];
    for (const w of s.toOne) {
      items += 1;
      if (w.create !== undefined) children.push([schema(w.relation.target), w.create]);
    }
    for (const w of s.toMany) {
      items += w.connect.length + w.create.length + w.disconnect.length + (w.set?.length ?? 0) + w.update.length;
      const target = schema(w.relation.target);
      for (const c of w.create) children.push([target, c]);
      for (const u of w.update) children.push([target, u.data]);
    }
    for (const [target, input] of children) {
      const inner = splitNested(target, input);
      if (inner) walk(inner, depth + 1);
    }
  };
  walk(split, 1);
  if (items > resource.maxBatchSize)
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `Too many nested writes: ${items}, at most ${resource.maxBatchSize} in one write of a ${resource.name}.`,
      { details: { maxBatchSize: resource.maxBatchSize } },
    );
  if (deepest > resource.maxDepth)
    throw new AppError(
      "BAD_REQUEST",
      `Nested writes go ${deepest} levels deep, at most ${resource.maxDepth} in one write of a ${resource.name}.`,
      { details: { maxDepth: resource.maxDepth } },
    );
}

export function shapeError(path: string, message: string): AppError {
  return new AppError("BAD_REQUEST", `${path}: ${message}.`, { fields: { [path]: message }, details: { path } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
