/**
 * The relations' rules when a record goes away or comes back: `onDelete` (restrict, cascade,
 * setNull) for a delete (soft: the live children) or a purge (hard: every child, also trashed ones),
 * the cascade undone by a restore (the children trashed at the same instant), and a restore's own
 * rule: a record whose required parent is in the trash stays there.
 */
import { asSystem } from "./access.ts";
import type { RequestContext } from "./context.ts";
import { AppError, show } from "./errors.ts";
import type { Row } from "./loaders.ts";
import { sameValue } from "./same-value.ts";
import type { ServiceCore } from "./service-core.ts";

/**
 * Applies the relations' delete rules of the record `id` for a delete, a purge or a restore. Children
 * go through their own service's pipeline (hooks, revisions, events), as the system: the parent's
 * checks cover them.
 */
export async function cascade(
  core: ServiceCore,
  actorCtx: RequestContext,
  action: "delete" | "purge" | "restore",
  id: string | number,
  at: Date,
  verb: string = action,
): Promise<void> {
  const { resource, deps } = core;
  // The parent's checks cover its children: they follow it whoever may see or write them.
  const ctx = asSystem(actorCtx);
  for (const relation of resource.relations) {
    if (relation.kind !== "hasMany" || !relation.onDelete) continue;
    const child = deps.core(relation.target);
    const childService = deps.resource(relation.target);
    const childSoft = child.resource.softDelete;
    const model = core.store(ctx).model(child.resource.delegate);
    const byParent = { [relation.foreignField]: id };
    const childId = child.resource.id.name;
    if (action === "restore") {
      if (relation.onDelete !== "cascade" || !childSoft) continue;
      const rows = await model.findMany({
        where: { ...byParent, [childSoft.field]: at },
        select: { [childId]: true },
      });
      for (const row of rows) await childService.restore(ctx, row[childId]);
      continue;
    }
    // A soft delete leaves the trash of children alone; a purge counts and removes it too.
    const where = action === "delete" ? child.scoped(ctx, byParent) : byParent;
    switch (relation.onDelete) {
      case "restrict": {
        const count = await model.count({ where });
        if (count > 0)
          throw new AppError(
            "CONFLICT",
            `Cannot ${verb} this ${resource.name}: ${count} ${count === 1 ? `${child.resource.name} still refers` : `${child.resource.plural} still refer`} to it (${relation.name}). Delete or move them first.`,
            { details: { relation: relation.name, count } },
          );
        break;
      }
      case "cascade": {
        const rows = await model.findMany({ where, select: { [childId]: true } });
        for (const row of rows)
          await (action === "delete" ? childService.delete(ctx, row[childId]) : childService.purge(ctx, row[childId]));
        break;
      }
      case "setNull":
        // A trashed parent reads as absent already; the link is cleared when it is purged.
        if (action === "purge") await clearLinks(child, actorCtx, where, relation.foreignField);
        break;
    }
  }
}

/**
 * A restore must not bring back a record whose required parent is still in the trash (it would
 * point at nothing); an optional parent in the trash just reads as absent.
 */
export async function checkParentsLive(core: ServiceCore, ctx: RequestContext, row: Row): Promise<void> {
  const { resource } = core;
  for (const relation of resource.relations) {
    if (relation.kind !== "belongsTo" || !relation.isRequired) continue;
    const parent = core.lookup(relation.target);
    const parentSoft = parent.softDelete;
    const key = row[relation.localField];
    if (!parentSoft || key === null || key === undefined) continue;
    const found = await core.run(
      ctx,
      core.countQuery({ [relation.targetField]: key, [parentSoft.field]: null }, parent.model),
    );
    if (!found.total)
      throw new AppError(
        "CONFLICT",
        `Cannot restore this ${resource.name}: its ${relation.name} (${parent.name} ${show(key)}) is in the trash. Restore that first.`,
        { details: { relation: relation.name } },
      );
  }
}

/**
 * A purge's `setNull` rule: the children's links cleared in one statement, then each child's change
 * recorded as an update by the purging actor (its revision, its outbox event), so that subscribers hear
 * of it and the log holds every committed change (docs/guides/replay.md).
 */
async function clearLinks(child: ServiceCore, actorCtx: RequestContext, where: object, field: string): Promise<void> {
  const tx = actorCtx.transaction;
  const model = child.store(actorCtx).model(child.resource.delegate);
  const childId = child.resource.id.name;
  const before = await model.findMany({ where, select: child.logSelect });
  if (before.length === 0) return;
  await model.updateMany({ where, data: { [field]: null } });
  if (!tx) return;
  const after = await model.findMany({
    where: { [childId]: { in: before.map((r) => r[childId]) } },
    select: child.logSelect,
  });
  const prior = new Map(before.map((r) => [String(r[childId]), r]));
  const actorId = String(actorCtx.actor.id ?? child.deps.defaultActor);
  for (const full of after) {
    const recordId = full[childId] as string | number;
    const row = child.shown(full);
    const revision = child.revisions
      ? await child.revisions.record(tx.store, { action: "update", recordId, row, actorId })
      : undefined;
    const was = prior.get(String(recordId)) ?? {};
    if (!child.announces) continue;
    tx.events.push({
      resource: child.resource.name,
      recordId: String(recordId),
      action: "update",
      revisionId: revision?.id ?? null,
      revisionNumber: revision?.number ?? null,
      actorId,
      changed: Object.keys(row).filter((k) => !sameValue(was[k], row[k])),
      record: full,
    });
  }
}
