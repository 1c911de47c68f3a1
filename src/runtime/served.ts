/**
 * The operation set's rule (resource `operations` / `readOnly`): an operation a resource does not serve
 * does not exist, whoever asks and through whatever path. The transports leave it out of their routes
 * and schemas; this check is the runtime's own, so a hook or a script calling a service directly gets
 * the same answer. The runtime's follow-up work (a delete's cascade) is not a client asking, and passes.
 */
import { OPERATIONS, type ServedOperation } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import { isSystem } from "./access.ts";
import type { RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";

/** Throws METHOD_NOT_ALLOWED (405) unless `resource` serves `operation`. */
export function checkServed(ctx: RequestContext, resource: ResolvedResource, operation: ServedOperation): void {
  if (resource.operations.has(operation) || isSystem(ctx)) return;
  const served = OPERATIONS.filter((op) => resource.operations.has(op));
  throw new AppError(
    "METHOD_NOT_ALLOWED",
    `${resource.plural} do not serve ${operation}: their operations are ${served.join(", ")}.`,
    { details: { operations: served } },
  );
}
