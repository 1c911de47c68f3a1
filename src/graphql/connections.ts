/**
 * Relay connections: keyset pages of a resource from `service.page`, as edges (cursor and node),
 * nodes, the shared PageInfo, and a total that is counted only when the query selects it.
 */
import type { ObjectRef } from "@pothos/core";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { ResolvedSchema } from "../metadata/resolved.ts";
import type { Page, ResourceRecord } from "../runtime/service-types.ts";
import type { Builder, Types } from "./builder.ts";
import type { ObjectTypes } from "./object-types.ts";

/** What a connection field resolves to: the page, and how to count when the page came without a total. */
export interface Connection {
  readonly page: Page;
  readonly count: () => Promise<number>;
}

interface Edge {
  readonly cursor: string;
  readonly node: ResourceRecord;
}

/** The connection type of each resource, by resource name. */
export type ConnectionTypes = ReadonlyMap<string, ObjectRef<Types, Connection>>;

/** Adds PageInfo and, per resource that serves `list` (keyset pages follow it), its connection and edge types. */
export function addConnectionTypes(builder: Builder, schema: ResolvedSchema, objects: ObjectTypes): ConnectionTypes {
  const paged = schema.resources.filter((r) => r.operations.has("list"));
  const out = new Map<string, ObjectRef<Types, Connection>>();
  if (paged.length === 0) return out;
  const pageInfo = builder.objectRef<Page["pageInfo"]>(SHARED_GRAPHQL_NAMES.pageInfo).implement({
    description: "Where a page of a connection sits in the whole list.",
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage", { description: "More records follow the last one of this page." }),
      hasPreviousPage: t.exposeBoolean("hasPreviousPage", {
        description: "More records precede the first one of this page.",
      }),
      startCursor: t.string({
        nullable: true,
        description: "The cursor of the first record (null on an empty page).",
        resolve: (info) => info.startCursor ?? null,
      }),
      endCursor: t.string({
        nullable: true,
        description: "The cursor of the last record (null on an empty page).",
        resolve: (info) => info.endCursor ?? null,
      }),
    }),
  });
  for (const resource of paged) {
    const node = objects.get(resource.name);
    if (!node) throw new Error(`No object type for resource "${resource.name}"`);
    const edge = builder.objectRef<Edge>(resource.names.edgeType).implement({
      description: `A ${resource.name} and its cursor.`,
      fields: (t) => ({
        cursor: t.exposeString("cursor", {
          description: `Pass as \`after\` (or \`before\`) to continue after (or before) this ${resource.name}.`,
        }),
        node: t.field({ type: node, resolve: (e) => e.node }),
      }),
    });
    const connection = builder.objectRef<Connection>(resource.names.connectionType).implement({
      description: `A page of ${resource.plural}.`,
      fields: (t) => ({
        edges: t.field({
          type: [edge],
          resolve: ({ page }) => page.records.map((record, i) => ({ cursor: page.cursors[i] as string, node: record })),
        }),
        nodes: t.field({
          type: [node],
          description: "The records of the page, without cursors.",
          resolve: ({ page }) => page.records,
        }),
        pageInfo: t.field({ type: pageInfo, resolve: ({ page }) => page.pageInfo }),
        totalCount: t.int({
          description: `How many ${resource.plural} match \`where\`, over all pages. Counted only when selected.`,
          // The page carries the total when the resolver saw it selected; otherwise count now.
          resolve: ({ page, count }) => page.totalCount ?? count(),
        }),
      }),
    });
    out.set(resource.name, connection);
  }
  return out;
}
