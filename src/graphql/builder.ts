/**
 * The Pothos builder the generated schema is made with: its context type and the scalars it knows.
 * Core Pothos only (no Prisma plugin): every resolver calls the runtime, never the database.
 */
import SchemaBuilder from "@pothos/core";
import type { RequestContext } from "../runtime/context.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { BlobStore } from "../storage/blobs/blob-store.ts";

/** What every resolver receives as its context, generated or hand-written (see {@link GraphQLExtension}). */
export interface GraphQLContext {
  /** The runtime the schema was built for. */
  readonly runtime: Runtime;
  /** The request context to pass to every service call (actor, per-request loaders). */
  readonly context: RequestContext;
  /** Where uploaded files go (file fields); absent when the server has no blob store. */
  readonly blobStore?: BlobStore | undefined;
}

/** The builder's type parameters. Scalar names match `SHARED_GRAPHQL_NAMES` in metadata/names.ts. */
export type Types = PothosSchemaTypes.ExtendDefaultTypes<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    UUID: { Input: string; Output: string };
    BigInt: { Input: bigint | number; Output: bigint | number | string };
    File: { Input: File; Output: never };
  };
}>;

/** The builder type the other modules of graphql/ add their types to. */
export type Builder = PothosSchemaTypes.SchemaBuilder<Types>;

/** A fresh builder: output fields are non-null unless a field says otherwise. */
export function createBuilder(): Builder {
  return new SchemaBuilder<Types>({ defaultFieldNullability: false });
}
