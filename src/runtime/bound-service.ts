/**
 * A resource service with its request context bound: what hooks get from `op.service(name)`. Inside a
 * write the context carries the write's transaction, so everything done through it commits or rolls
 * back with that write, and runs through the same pipeline (validation, audit, revisions, hooks).
 */
import type { RequestContext } from "./context.ts";
import type { ListParams, ResourceOperations, ResourceRecord } from "./service-types.ts";

/** The operations of one resource, in a fixed context. */
export interface BoundService {
  get(id: unknown): Promise<ResourceRecord>;
  list(params?: ListParams): Promise<{ records: ResourceRecord[]; total: number | undefined }>;
  create(input: unknown): Promise<ResourceRecord>;
  update(id: unknown, input: unknown): Promise<ResourceRecord>;
  patch(id: unknown, input: unknown): Promise<ResourceRecord>;
  delete(id: unknown): Promise<ResourceRecord>;
  restore(id: unknown): Promise<ResourceRecord>;
  purge(id: unknown): Promise<ResourceRecord>;
}

/** Binds `service` to `ctx`. */
export function bindService(service: ResourceOperations, ctx: RequestContext): BoundService {
  return {
    get: (id) => service.get(ctx, id),
    list: (params) => service.list(ctx, params),
    create: (input) => service.create(ctx, input),
    update: (id, input) => service.update(ctx, id, input),
    patch: (id, input) => service.patch(ctx, id, input),
    delete: (id) => service.delete(ctx, id),
    restore: (id) => service.restore(ctx, id),
    purge: (id) => service.purge(ctx, id),
  };
}
