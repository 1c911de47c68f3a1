/**
 * What replay needs to know of each served resource to write its snapshots back: the table, the
 * column of each field (API names in snapshots, columns in the table), the primary key, whether a
 * `delete` leaves the row (soft delete) or removes it, and the join tables of its many-to-many
 * relations. Built once from the datamodel and the resolved resources.
 */
import type { Datamodel, DatamodelModel } from "../../metadata/datamodel.ts";
import type { ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { DumpError } from "../dump/dump-error.ts";
import { planTables } from "../dump/table-plan.ts";
import { ReplayError } from "./replay-error.ts";

/** A many-to-many relation's join table, as replay rebuilds it from a snapshot's links. */
export interface ReplayJoin {
  /** The SQL table of the join model. */
  readonly table: string;
  /** Its column pointing at the resource (the snapshot's record). */
  readonly local: string;
  /** Its column pointing at the relation's target (the ids a snapshot's links list). */
  readonly far: string;
  /** The target's table and id column: a link to a record gone since is left out, as the database dropped it. */
  readonly target: string;
  readonly targetId: string;
}

/** One served resource, as replay writes its rows. */
export interface ReplayResource {
  readonly name: string;
  /** The SQL table (the model's `@@map`, else its name). */
  readonly table: string;
  /** Column by the snapshot's key (the field's API name). */
  readonly columns: ReadonlyMap<string, string>;
  /** The snapshot key of the id, and its column. */
  readonly idKey: string;
  readonly idColumn: string;
  /** A `delete` event leaves the row in the trash (soft delete) rather than removing it. */
  readonly softDelete: boolean;
  /** Join tables by relation name. */
  readonly joins: ReadonlyMap<string, ReplayJoin>;
  /** Position in the load order: parents before children. */
  readonly order: number;
}

/** The resources replay writes, by resource name, and the tables it resets sequences of. */
export interface ReplayPlan {
  readonly resources: ReadonlyMap<string, ReplayResource>;
  /** Every table of the datamodel, parents before children (the dump's plan). */
  readonly tables: ReturnType<typeof planTables>;
}

function columnOf(model: DatamodelModel, prismaName: string): string {
  const field = model.fields.find((f) => f.name === prismaName);
  return field?.dbName ?? prismaName;
}

function resourcePlan(
  resource: ResolvedResource,
  schema: ResolvedSchema,
  models: Map<string, DatamodelModel>,
  order: number,
): ReplayResource {
  const model = models.get(resource.model);
  if (!model) throw new ReplayError(`resource ${resource.name}: the datamodel has no model ${resource.model}`);
  const columns = new Map(resource.fields.map((f) => [f.name, columnOf(model, f.prismaName)]));
  const joins = new Map<string, ReplayJoin>();
  for (const relation of resource.relations) {
    if (relation.kind !== "manyToMany") continue;
    const join = models.get(relation.joinModel);
    const target = models.get(schema.resource.get(relation.target)?.model ?? "");
    const targetId = target?.fields.find((f) => f.isId);
    if (!join || !target || !targetId) continue;
    joins.set(relation.name, {
      table: join.dbName ?? join.name,
      local: columnOf(join, relation.joinLocalField),
      far: columnOf(join, relation.joinTargetField),
      target: target.dbName ?? target.name,
      targetId: targetId.dbName ?? targetId.name,
    });
  }
  return {
    name: resource.name,
    table: model.dbName ?? model.name,
    columns,
    idKey: resource.id.name,
    idColumn: columnOf(model, resource.id.prismaName),
    softDelete: resource.softDelete !== undefined,
    joins,
    order,
  };
}

/** The plan of `schema`'s resources over `datamodel`; a cycle of relations between tables is refused. */
export function replayPlan(datamodel: Datamodel, schema: ResolvedSchema): ReplayPlan {
  let tables: ReturnType<typeof planTables>;
  try {
    tables = planTables(datamodel);
  } catch (error) {
    // A cycle across tables has no order in which every snapshot's parents come first.
    if (error instanceof DumpError) throw new ReplayError(`cannot replay: ${error.message}`);
    throw error;
  }
  const order = new Map(tables.map((t, i) => [t.name, i]));
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const resources = new Map(
    schema.resources.map((r) => [r.name, resourcePlan(r, schema, models, order.get(r.model) ?? 0)] as const),
  );
  return { resources, tables };
}
