/**
 * Delete by filter over GraphQL (rest-dialect.md §29.1): `deletePostsWhere(where:, limit:)` answers a
 * `DeleteWhereResult`. One call to the resource service's `deleteWhere`, which holds every rule.
 */
import type { ObjectRef } from "@pothos/core";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import type { DeleteWhereResult } from "../runtime/delete-where.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Builder, Types } from "./builder.ts";
import { toFilter } from "./arguments.ts";
import type { InputRef } from "./read-inputs.ts";

/** The shared `DeleteWhereResult` type, made once per schema. */
export function addDeleteWhereResultType(builder: Builder): ObjectRef<Types, DeleteWhereResult> {
  return builder.objectRef<DeleteWhereResult>(SHARED_GRAPHQL_NAMES.deleteWhereResult).implement({
    description: "What a delete by filter did: how many records it deleted, their ids, and whether more matched.",
    fields: (t) => ({
      count: t.exposeInt("count", {
        description: "How many records were deleted (moved to the trash where there is one).",
      }),
      ids: t.idList({ description: "Their ids, lowest first.", resolve: (r) => [...r.ids] }),
      hasMore: t.exposeBoolean("hasMore", {
        description: "More records matched than the limit let it delete: ask again for the next ones.",
      }),
    }),
  });
}

/** `delete<Plural>Where` of one resource. */
export function addDeleteWhereMutation(
  builder: Builder,
  runtime: Runtime,
  resource: ResolvedResource,
  where: InputRef,
  result: ObjectRef<Types, DeleteWhereResult>,
): void {
  const service = runtime.service(resource.name);
  const { names } = resource;
  builder.mutationFields((t) => ({
    [names.deleteWhere]: t.field({
      type: result,
      description: `Deletes the ${resource.plural} \`where\` matches${resource.softDelete ? " (moves them to the trash)" : ""}, at most \`limit\` (default and most ${resource.maxBatchSize}), lowest ids first, each as \`${names.delete}\` would, all-or-nothing in one transaction. \`where\` must hold a condition (BAD_REQUEST otherwise).`,
      args: {
        where: t.arg({ type: where, required: true }),
        limit: t.arg.int({ description: `At most this many (1 to ${resource.maxBatchSize}).` }),
      },
      resolve: (_root, args, ctx) =>
        service.deleteWhere(ctx.context, toFilter(runtime.schema, resource, args.where), {
          limit: args.limit ?? undefined,
        }),
    }),
  }));
}
