/**
 * Partial responses (rest-dialect.md §16): `fields=title,author.name` keeps only the fields named, and
 * always the id. A path through a relation embeds it (through {@link attachEmbeds}, so it stays
 * batched) and keeps only the fields named inside it; a path ending at a relation embeds it whole.
 * A record level is narrowed only when `fields` names something inside it: with `embed=comments` and
 * `fields=title`, the comments stay whole. Names are checked against the view each record is shown
 * in; hidden and unknown fields are a 400 naming every one of them.
 */
import type { ResolvedRelation, ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import { AppError } from "../runtime/errors.ts";
import type { OutputView, Projection as ReadProjection, ResourceRecord, Selection } from "../runtime/service-types.ts";
import { parsePathList } from "./path-list.ts";

/** Most paths one `fields` may name. */
export const MAX_FIELD_PATHS = 100;

/** Parses `fields`: a comma list of dot paths (`title,author.name`) or a JSON array of them. Returns the distinct paths. */
export function parseFieldsParam(raw: string): string[] {
  const paths = parsePathList(raw, {
    name: "fields",
    example: "title,author.name",
    what: "paths",
    max: MAX_FIELD_PATHS,
  });
  if (paths.length === 0)
    throw new AppError(
      "BAD_REQUEST",
      `Query parameter "fields" must name at least one field, e.g. fields=title,author.name.`,
    );
  return paths;
}

/** One record level of the response: which fields it keeps and which relations hang below it. */
interface Level {
  readonly resource: ResolvedResource;
  /** Only `fields` (plus the id and the relations below) are kept; otherwise the whole record. */
  narrowed: boolean;
  readonly fields: Set<string>;
  readonly relations: Map<string, Level>;
}

/** What a request embeds and how its records are cut down. */
export interface Projection {
  /** Relation paths to load: those of `embed` and those `fields` goes through. */
  readonly embeds: readonly string[];
  /** What the read loads: the fields named (every visible one at a level `fields` does not narrow) and the embedded relations, in its one statement. */
  readonly load: ReadProjection;
  /** The same as the exact JSON of each record (what {@link Projection.apply} would leave), for reads that send PostgreSQL's JSON as it is. */
  readonly selection: Selection;
  /** Removes, in place, every property the request did not ask for. */
  apply(records: readonly ResourceRecord[]): void;
}

/**
 * The projection of a request on `resource`, whose records are shown in `view`. Without `fields` it
 * only embeds. Throws 400 naming every unknown or hidden path in `fields`, and when `embed` and the
 * relations `fields` goes through make more than `maxEmbeds` paths.
 */
export function projection(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  view: OutputView,
  fields: readonly string[] | undefined,
  embed: readonly string[],
  maxEmbeds: number,
): Projection {
  if (fields === undefined) {
    const root: Level = { resource, narrowed: false, fields: new Set(), relations: new Map() };
    addEmbedLevels(schema, root, embed);
    return { embeds: embed, load: loadOf(root), selection: selectionOf(root), apply: () => {} };
  }
  const root: Level = { resource, narrowed: true, fields: new Set(), relations: new Map() };
  const bad: string[] = [];
  const embeds = new Set(embed);
  for (const path of fields) {
    const segments = path.split(".");
    let level: Level = root;
    let levelView = view;
    const through: string[] = [];
    for (const [i, name] of segments.entries()) {
      const last = i === segments.length - 1;
      const relation: ResolvedRelation | undefined = level.resource.relation.get(name);
      const field = level.resource.field.get(name);
      if (last && field) {
        if (field.hidden[levelView]) bad.push(path);
        else level.fields.add(name);
        break;
      }
      const target: ResolvedResource | undefined = relation && schema.resource.get(relation.target);
      if (!relation || !target) {
        bad.push(path);
        break;
      }
      through.push(name);
      let next = level.relations.get(name);
      if (!next) {
        next = { resource: target, narrowed: false, fields: new Set(), relations: new Map() };
        level.relations.set(name, next);
      }
      // A path inside a relation narrows it, unless the relation itself is named too (whole).
      if (!last && !fields.includes(through.join("."))) next.narrowed = true;
      level = next;
      levelView = relation.kind === "belongsTo" ? "one" : "list";
    }
    if (through.length > 0) embeds.add(through.join("."));
  }
  if (bad.length > 0) {
    const available = resource.fields.filter((f) => !f.hidden[view]).map((f) => f.name);
    const relations = resource.relations.map((r) => r.name);
    throw new AppError(
      "BAD_REQUEST",
      `Unknown or hidden field${bad.length > 1 ? "s" : ""} in "fields": ${bad.map((p) => `"${p}"`).join(", ")}. Fields of ${resource.plural}: ${available.join(", ")}${relations.length ? `; relations: ${relations.join(", ")} (name a related field as relation.field)` : ""}.`,
      { details: { fields: bad } },
    );
  }
  // Embedding "comments.author" also embeds "comments": count the paths as attachEmbeds walks them.
  const distinct = [...embeds].filter((p) => ![...embeds].some((q) => q !== p && q.startsWith(`${p}.`)));
  if (distinct.length > maxEmbeds)
    throw new AppError(
      "BAD_REQUEST",
      `Too many embed paths: ${distinct.length} (from embed and the relations in fields), at most ${maxEmbeds}.`,
    );
  addEmbedLevels(schema, root, embed);
  return {
    embeds: [...embeds],
    load: loadOf(root),
    selection: selectionOf(root),
    apply: (records) => cut(root, records),
  };
}

/** The exact record JSON of a level: its fields (all, or the id and those named), then its relations. */
function selectionOf(level: Level): Selection {
  const fields = level.resource.fields.filter((f) => !level.narrowed || f.isId || level.fields.has(f.name));
  return [
    ...fields.map((f) => ({ key: f.name, field: f.name })),
    ...[...level.relations].map(([name, below]) => ({ key: name, relation: name, selection: selectionOf(below) })),
  ];
}

/** The read projection of a level and the levels below it. */
function loadOf(level: Level): ReadProjection {
  return {
    fields: level.narrowed ? level.fields : undefined,
    relations: new Map([...level.relations].map(([name, below]) => [name, loadOf(below)])),
  };
}

/** Relations from `embed` hang below their level (kept whole unless `fields` narrows them). */
function addEmbedLevels(schema: ResolvedSchema, root: Level, embed: readonly string[]): void {
  for (const path of embed) {
    let level = root;
    for (const name of path.split(".")) {
      const relation = level.resource.relation.get(name);
      const target = relation && schema.resource.get(relation.target);
      if (!target) break; // attachEmbeds refuses unknown names
      let next = level.relations.get(name);
      if (!next) {
        next = { resource: target, narrowed: false, fields: new Set(), relations: new Map() };
        level.relations.set(name, next);
      }
      level = next;
    }
  }
}

function cut(level: Level, records: readonly ResourceRecord[]): void {
  const id = level.resource.id.name;
  for (const record of records) {
    if (level.narrowed) {
      for (const key of Object.keys(record))
        if (key !== id && !level.fields.has(key) && !level.relations.has(key)) delete record[key];
    }
    for (const [name, below] of level.relations) {
      const value = record[name];
      if (Array.isArray(value)) cut(below, value as ResourceRecord[]);
      else if (value && typeof value === "object") cut(below, [value as ResourceRecord]);
    }
  }
}
