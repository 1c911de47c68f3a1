/**
 * The records a write points at must exist for the actor: a foreign key into a resource limited by
 * tenant or scope is checked inside that tenant and scope (and a tenant row may only point at a row of
 * its own tenant, whoever writes). A miss gets the database's own "does not exist" answer, so the write
 * tells nothing about rows the actor cannot see — and cannot attach anything to them.
 */
import type { RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import type { Row } from "./loaders.ts";
import { both } from "./query.ts";
import type { ServiceCore } from "./service-core.ts";

/** Throws VALIDATION_FAILED when a foreign key of `input` points at no record the actor may see. */
export async function checkReferences(
  core: ServiceCore,
  ctx: RequestContext,
  input: Record<string, unknown>,
  existing: Row | undefined,
): Promise<void> {
  const { resource } = core;
  const view = core.view(ctx);
  const tenant = resource.tenant ? (input[resource.tenant] ?? existing?.[resource.tenant]) : undefined;
  for (const relation of resource.relations) {
    if (relation.kind !== "belongsTo" || !(relation.localField in input)) continue;
    const key = input[relation.localField];
    if (key === null || key === undefined) continue;
    const target = core.lookup(relation.target);
    const sameTenant = target.tenant && tenant !== undefined ? { [target.tenant]: tenant } : undefined;
    const guard = view.guard(target);
    const condition = guard ? both(guard, sameTenant) : sameTenant;
    if (!condition) continue;
    const found = await core.run(ctx, core.countQuery(both({ [relation.targetField]: key }, condition), target.model));
    if (!found.total) {
      throw new AppError(
        "VALIDATION_FAILED",
        `Invalid ${resource.name}: ${relation.localField} refers to a ${target.name} that does not exist.`,
        { fields: { [relation.localField]: `no ${target.name} with this id` } },
      );
    }
  }
}
