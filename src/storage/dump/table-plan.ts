/**
 * Which tables a dump or a load covers, and in what order: every model of the datamodel (Autograph's own
 * Revision, Event, EventCursor and EventDeadLetter included), parents before children, so rows load in
 * an order their foreign keys accept.
 */
import type { Datamodel, DatamodelModel } from "../../metadata/datamodel.ts";
import { DEFAULT_DATASOURCE } from "../../metadata/definition.ts";
import type { ResolvedSchema } from "../../metadata/resolved.ts";
import { DumpError } from "./dump-error.ts";

/** A table to dump or load; `resources` keeps only the rows of those resources (Revision and Event). */
export interface TableSelection {
  /** The model name, e.g. `Post`. */
  readonly name: string;
  /** Only rows whose `resource` column is one of these (singular resource names, e.g. `post`). */
  readonly resources?: readonly string[];
}

/** A table as the dump and the load handle it. */
export interface PlannedTable extends TableSelection {
  /** The SQL table name (the model's `@@map`, else its name). */
  readonly table: string;
  /** Primary key columns (as PostgreSQL names them: `@map` applies): the dump's order and its keyset pages. */
  readonly primaryKey: readonly string[];
  /** A foreign key to itself (a comment's parent): its rows must load in one statement. */
  readonly selfReferencing: boolean;
}

function parentsOf(model: DatamodelModel): string[] {
  return model.fields.filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0).map((f) => f.type);
}

function primaryKey(model: DatamodelModel): string[] {
  const column = (name: string) => {
    const field = model.fields.find((f) => f.name === name);
    return field?.dbName ?? name;
  };
  if (model.primaryKey) return model.primaryKey.fields.map(column);
  const id = model.fields.find((f) => f.isId);
  if (!id) throw new DumpError(`model ${model.name} has no primary key, so it cannot be dumped in a stable order`);
  return [id.dbName ?? id.name];
}

/**
 * The tables of `selection` (every model when absent), parents before children.
 * @example
 * planTables(datamodel).map((t) => t.name); // ["User", "Post", "Comment", "Tag", "PostTag", ...]
 */
export function planTables(datamodel: Datamodel, selection?: readonly TableSelection[]): PlannedTable[] {
  const byName = new Map(datamodel.models.map((m) => [m.name, m]));
  for (const s of selection ?? []) {
    if (!byName.has(s.name)) {
      throw new DumpError(
        `unknown table ${JSON.stringify(s.name)}; the datamodel has ${[...byName.keys()].join(", ")}`,
      );
    }
  }
  const ordered: DatamodelModel[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (model: DatamodelModel, path: string[]): void => {
    if (done.has(model.name)) return;
    if (visiting.has(model.name)) {
      throw new DumpError(`the relations form a cycle (${[...path, model.name].join(" → ")}): no load order exists`);
    }
    visiting.add(model.name);
    for (const parent of parentsOf(model)) {
      const p = byName.get(parent);
      if (p && p.name !== model.name) visit(p, [...path, model.name]);
    }
    visiting.delete(model.name);
    done.add(model.name);
    ordered.push(model);
  };
  for (const model of datamodel.models) visit(model, []);
  const wanted = selection ? new Map(selection.map((s) => [s.name, s])) : undefined;
  return ordered
    .filter((m) => !wanted || wanted.has(m.name))
    .map((m) => {
      const resources = wanted?.get(m.name)?.resources;
      return {
        name: m.name,
        table: m.dbName ?? m.name,
        primaryKey: primaryKey(m),
        selfReferencing: parentsOf(m).includes(m.name),
        ...(resources ? { resources } : {}),
      };
    });
}

/**
 * The tables of some resources, by singular name or REST path (`post` or `posts`, `ticketReply` or
 * `ticket-replies`): each one's model, plus
 * their rows of Revision and Event. EventCursor and EventDeadLetter belong to no resource and are left out.
 * @example
 * tablesOfResources(schema, ["posts"]); // [{ name: "Post" }, { name: "Revision", resources: ["post"] }, ...]
 */
export function tablesOfResources(schema: ResolvedSchema, names: readonly string[]): TableSelection[] {
  const resources = names.map((n) => {
    const r = schema.resource.get(n) ?? schema.byPath.get(n);
    if (!r) {
      const known = schema.resources.map((x) => x.names.path).join(", ");
      throw new DumpError(`unknown resource ${JSON.stringify(n)}; the resources are ${known}`);
    }
    // A backup reads the default database: the rows of this resource are in another one.
    if (r.datasource !== DEFAULT_DATASOURCE)
      throw new DumpError(
        `${r.plural} live on datasource "${r.datasource}": a backup holds the default database; back that one up with pg_dump of its DATASOURCE_${r.datasource.toUpperCase()}_URL (docs/guides/datasources.md)`,
      );
    return r;
  });
  const singular = [...new Set(resources.map((r) => r.name))];
  return [
    ...[...new Set(resources.map((r) => r.model))].map((name) => ({ name })),
    { name: "Revision", resources: singular },
    { name: "Event", resources: singular },
  ];
}
