/**
 * The models of a Prisma schema as `prisma db pull` writes it: fields, keys, indexes and relations.
 * The pulled file is in Prisma's canonical format (one field per line, block attributes after the
 * fields), so a line reader is enough; anything it does not recognise is kept out of the decisions, not
 * guessed at.
 */

/** The scalar types Prisma maps columns to. */
const SCALARS = new Set(["String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"]);

/** A field of a pulled model. */
export interface PulledField {
  readonly name: string;
  /** The Prisma type: a scalar, an enum, a model, or `Unsupported("...")`. */
  readonly type: string;
  readonly kind: "scalar" | "enum" | "relation" | "unsupported";
  readonly optional: boolean;
  readonly list: boolean;
  /** `@id` on the field. */
  readonly id: boolean;
  /** `@unique` on the field. */
  readonly unique: boolean;
  /** `@default(...)` or `@updatedAt`: the database (or Prisma) fills it in. */
  readonly hasDefault: boolean;
  /** The native type, e.g. `Uuid` for `@db.Uuid`. */
  readonly nativeType?: string;
  /** On the side of a relation holding the foreign key: its columns. */
  readonly foreignKey?: readonly string[];
  /** The relation's name (`@relation("EmployeeToEmployee", ...)`), telling two relations apart. */
  readonly relationName?: string;
}

/** An index or key of a pulled model: its columns in order, and its name in the database. */
export interface PulledIndex {
  readonly kind: "id" | "unique" | "index";
  readonly columns: readonly string[];
  readonly name?: string;
}

/** A model of the pulled schema. */
export interface PulledModel {
  readonly name: string;
  readonly fields: readonly PulledField[];
  readonly indexes: readonly PulledIndex[];
  /** `@@ignore`: Prisma itself cannot serve the table (e.g. no unique column). */
  readonly ignored: boolean;
  /** The `///` and `//` comments `db pull` wrote above the model (warnings, mostly). */
  readonly comments: readonly string[];
  /** The model's text, from `model` to its closing brace. */
  readonly text: string;
}

/** A pulled schema: its models, its enums' names, and the text outside the models (datasource, enums). */
export interface PulledSchema {
  readonly models: readonly PulledModel[];
  readonly enums: ReadonlySet<string>;
  /** The datasource block, as pulled. */
  readonly datasource: string;
  /** Enum and other non-model blocks, as pulled. */
  readonly otherBlocks: readonly string[];
}

const BLOCK = /^(model|enum|view|type|datasource|generator)\s+(\w+)\s*\{/;
const FIELD = /^(\w+)\s+(Unsupported\("(?:[^"\\]|\\.)*"\)|\w+)(\[\])?(\?)?\s*(.*)$/;

/** The columns of `[a, b(sort: Desc), c]` at the start of an attribute's arguments. */
function columnList(text: string): string[] {
  const inner = /\[([^\]]*)\]/.exec(text)?.[1] ?? "";
  return inner
    .split(",")
    .map((c) => c.trim().replace(/\(.*$/, ""))
    .filter(Boolean);
}

function mapName(text: string): string | undefined {
  return /map:\s*"([^"]*)"/.exec(text)?.[1];
}

function parseField(line: string, enums: ReadonlySet<string>, models: ReadonlySet<string>): PulledField | undefined {
  const m = FIELD.exec(line);
  if (!m) return undefined;
  const [, name = "", type = "", list, optional, rest = ""] = m;
  const kind: PulledField["kind"] = type.startsWith("Unsupported(")
    ? "unsupported"
    : SCALARS.has(type)
      ? "scalar"
      : enums.has(type)
        ? "enum"
        : models.has(type)
          ? "relation"
          : "unsupported";
  const relation = /@relation\(([^)]*)\)/.exec(rest)?.[1];
  const nativeType = /@db\.(\w+)/.exec(rest)?.[1];
  const relationName = relation ? /^\s*(?:name:\s*)?"([^"]*)"/.exec(relation)?.[1] : undefined;
  const foreignKey =
    relation && /fields:/.test(relation) ? columnList(relation.slice(relation.indexOf("fields:"))) : [];
  return {
    name,
    type,
    kind,
    optional: optional === "?",
    list: list === "[]",
    id: /@id\b/.test(rest),
    unique: /@unique\b/.test(rest),
    hasDefault: /@default\(|@updatedAt\b/.test(rest),
    ...(nativeType ? { nativeType } : {}),
    ...(foreignKey.length > 0 ? { foreignKey } : {}),
    ...(relationName ? { relationName } : {}),
  };
}

/** Reads the models, enums and datasource of a schema written by `prisma db pull`. */
export function parsePulledSchema(text: string): PulledSchema {
  const lines = text.split("\n");
  // First pass: block names, so a field's type can be told apart (enum, model or unknown).
  const enums = new Set<string>();
  const modelNames = new Set<string>();
  for (const line of lines) {
    const m = BLOCK.exec(line.trim());
    if (m?.[1] === "enum") enums.add(m[2] ?? "");
    if (m?.[1] === "model") modelNames.add(m[2] ?? "");
  }

  const models: PulledModel[] = [];
  const otherBlocks: string[] = [];
  let datasource = "";
  let comments: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line.startsWith("//")) {
      comments.push(line);
      continue;
    }
    const block = BLOCK.exec(line);
    if (!block) {
      if (line === "") comments = [];
      continue;
    }
    const start = i;
    while (i < lines.length && (lines[i] ?? "").trim() !== "}") i++;
    const body = lines.slice(start + 1, i).map((l) => l.trim());
    const blockText = [...comments, ...lines.slice(start, i + 1)].join("\n");
    const [, keyword, name = ""] = block;
    if (keyword === "datasource") datasource = blockText;
    else if (keyword !== "model") {
      if (keyword !== "generator") otherBlocks.push(blockText);
    } else models.push(parseModel(name, body, comments, blockText, enums, modelNames));
    comments = [];
  }
  return { models, enums, datasource, otherBlocks };
}

function parseModel(
  name: string,
  body: string[],
  comments: string[],
  text: string,
  enums: ReadonlySet<string>,
  models: ReadonlySet<string>,
): PulledModel {
  const fields: PulledField[] = [];
  const indexes: PulledIndex[] = [];
  let ignored = false;
  for (const line of body) {
    if (line === "" || line.startsWith("//")) continue;
    if (line.startsWith("@@")) {
      const kind = /^@@(id|unique|index)\(/.exec(line)?.[1];
      if (kind) {
        const index = { kind: kind as PulledIndex["kind"], columns: columnList(line), name: mapName(line) };
        indexes.push(index.name === undefined ? { kind: index.kind, columns: index.columns } : index);
      }
      if (line.startsWith("@@ignore")) ignored = true;
      continue;
    }
    const field = parseField(line, enums, models);
    if (!field) continue;
    fields.push(field);
    // The name is in the attribute's own arguments: `@id(map: "PK_Album")`.
    const args = (attribute: string) => new RegExp(`${attribute}\\(([^)]*)\\)`).exec(line)?.[1] ?? "";
    if (field.id) indexes.push(withName({ kind: "id", columns: [field.name] }, mapName(args("@id"))));
    if (field.unique) indexes.push(withName({ kind: "unique", columns: [field.name] }, mapName(args("@unique"))));
  }
  return { name, fields, indexes, ignored, comments, text };
}

function withName(index: PulledIndex, name: string | undefined): PulledIndex {
  return name === undefined ? index : { ...index, name };
}
