// Longer than 400 lines: the document walk and the JSON shapes it asks the read compiler for are one algorithm, read
// top to bottom.
/**
 * Queries answered with PostgreSQL's JSON, spliced into the response without graphql-js executing a
 * resolver (the way Hasura serves queries). A query qualifies when every root field is a resource's
 * list, single record or count, and everything below them is that resource's fields, relations and
 * `__typename` (aliases, fragments on the type itself, `@skip`, `@include` and nested lists' arguments
 * are fine): the read compiler then builds each root field's exact response JSON, keys and all, in one
 * statement.
 *
 * Anything else runs as usual: other root fields (`postAsOf` too), fragments on other types, directives
 * it does not know, hooks or transforms on the resource (they need records), and every error (the
 * ordinary execution reports it with its path). Access, tenants, scopes, soft delete and hidden fields
 * are the runtime's rules either way: the service applies them to the compiled statement.
 */
import type { Plugin } from "graphql-yoga";
import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getOperationAST,
  type GraphQLObjectType,
  type GraphQLSchema,
  getVariableValues,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { RequestContext } from "../runtime/context.ts";
import { isAppError } from "../runtime/errors.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { PageText, Selection, SelectionEntry } from "../runtime/service-types.ts";
import type { EdgePart } from "../storage/sql/read-sql.ts";
import { SHARED_GRAPHQL_NAMES } from "../metadata/names.ts";
import type { GraphQLContext } from "./builder.ts";
import { connectionQuery, countFilter, listQuery } from "./read-args.ts";
import { toRelatedList } from "./arguments.ts";
import { deletedOf } from "./lifecycle.ts";

type Root = { readonly resource: ResolvedResource; readonly kind: "list" | "one" | "count" | "connection" };

/** A query's parameters as a GraphQL-over-HTTP request carries them. */
export interface QueryParams {
  readonly query: string;
  readonly operationName?: string | null | undefined;
  readonly variables?: Record<string, unknown> | null | undefined;
}

/** Spliced reads: the yoga plugin, and the same answers for queries yoga already served spliced. */
export interface SplicedReads {
  readonly plugin: Plugin<GraphQLContext>;
  /**
   * For a query that yoga parsed, validated and answered spliced before (the same text and operation
   * name): what answers it again, for these variables and the context of this request — the whole
   * response text (`{"data":…}`), or undefined when these variables or the data need the ordinary
   * execution (which then reports any error). Undefined for any other query.
   */
  answerer(params: QueryParams): SplicedAnswerer | undefined;
}

/** Answers one remembered query again (see {@link SplicedReads.answerer}); `operationName` is the operation's own name, if it has one. */
export type SplicedAnswerer = ((context: () => Promise<RequestContext>) => Promise<string | undefined>) & {
  readonly operationName: string | undefined;
};

/** Queries remembered for {@link SplicedReads.answerer}: the most recently spliced ones. */
const REMEMBERED = 500;

/** The plugin and the answers; `runtime` is the one `schema` was built from. */
export function splicedReads(
  runtime: Runtime,
  schema: GraphQLSchema,
  within: <T>(contextValue: object, run: () => T) => T = (_, run) => run(),
): SplicedReads {
  const roots = new Map<string, Root>();
  for (const resource of runtime.schema.resources) {
    roots.set(resource.names.list, { resource, kind: "list" });
    roots.set(resource.names.one, { resource, kind: "one" });
    roots.set(resource.names.count, { resource, kind: "count" });
    roots.set(resource.names.connection, { resource, kind: "connection" });
  }
  const operations = new WeakMap<DocumentNode, Map<string, Operation | null>>();
  const operationOf = (document: DocumentNode, name: string | null | undefined): Operation | undefined => {
    let byName = operations.get(document);
    if (!byName) {
      byName = new Map();
      operations.set(document, byName);
    }
    let operation = byName.get(name ?? "");
    if (operation === undefined) {
      operation = prepare(document, name);
      byName.set(name ?? "", operation);
    }
    return operation ?? undefined;
  };
  // By operation name and text: documents yoga validated (with every rule of the request's plugins) and spliced.
  const remembered = new Map<string, DocumentNode>();
  const keyOf = (query: string, name: string | null | undefined) => `${name ?? ""}\u0000${query}`;
  const answer = (
    operation: Operation,
    rawVariables: Record<string, unknown> | null | undefined,
    context: RequestContext,
  ) => {
    const coerced = getVariableValues(schema, operation.node.variableDefinitions ?? [], rawVariables ?? {});
    return coerced.errors ? undefined : spliceText(runtime, roots, schema, operation, coerced.coerced, context);
  };
  return {
    plugin: {
      async onExecute({ args, setResultAndStopExecution }) {
        const operation = operationOf(args.document, args.operationName);
        if (!operation) return;
        const { context, params } = args.contextValue as GraphQLContext & { params?: { query?: unknown } };
        // Inside the operation's span (observed-operations.ts), which opened in an earlier plugin's onExecute.
        const text = await within(args.contextValue, () =>
          answer(operation, args.variableValues as Record<string, unknown> | undefined, context),
        );
        if (text === undefined) return;
        if (typeof params?.query === "string") {
          const key = keyOf(params.query, args.operationName);
          remembered.delete(key);
          remembered.set(key, args.document);
          if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value as string);
        }
        setResultAndStopExecution({
          // Plugins that read the result get it parsed; the response is the text as it is.
          get data() {
            return (JSON.parse(text) as { data: Record<string, unknown> }).data;
          },
          stringify: () => text,
        } as never);
      },
    },
    answerer: (params) => {
      const document = remembered.get(keyOf(params.query, params.operationName));
      const operation = document && operationOf(document, params.operationName);
      return (
        operation &&
        Object.assign(
          async (context: () => Promise<RequestContext>) => answer(operation, params.variables, await context()),
          {
            operationName: operation.node.name?.value,
          },
        )
      );
    },
  };
}

/** A query operation of a document, with the document's fragments. */
interface Operation {
  readonly node: OperationDefinitionNode;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

/** The query operation `name` of `document`; null for a mutation or subscription, or no such operation. */
function prepare(document: DocumentNode, name: string | null | undefined): Operation | null {
  const node = getOperationAST(document, name);
  if (node?.operation !== "query") return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return { node, fragments };
}

/**
 * The response text of `operation` answered with PostgreSQL's JSON, or undefined when anything in it
 * needs the ordinary execution: another root field, a selection the compiler does not build,
 * a resource whose hooks need records, or an error (which the ordinary execution reports with its path).
 */
async function spliceText(
  runtime: Runtime,
  roots: ReadonlyMap<string, Root>,
  schema: GraphQLSchema,
  operation: Operation,
  variables: Record<string, unknown>,
  context: RequestContext,
): Promise<string | undefined> {
  const { fragments } = operation;
  const queryType = schema.getQueryType() as GraphQLObjectType;
  const resolved = runtime.schema;
  const work: [string, () => Promise<string | undefined>][] = [];
  for (const node of operation.node.selectionSet.selections) {
    if (node.kind !== Kind.FIELD) return undefined;
    const included = inclusion(node, variables);
    if (included === undefined) return undefined;
    if (!included) continue;
    const key = node.alias?.value ?? node.name.value;
    if (work.some(([k]) => k === key)) return undefined;
    if (node.name.value === "__typename") {
      work.push([key, async () => JSON.stringify(queryType.name)]);
      continue;
    }
    const root = roots.get(node.name.value);
    const definition = queryType.getFields()[node.name.value];
    if (!root || !definition) return undefined;
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(definition, node, variables);
    } catch {
      return undefined;
    }
    const service = runtime.service(root.resource.name);
    if (root.kind === "count") {
      work.push([
        key,
        async () =>
          String(
            await service.count(
              context,
              countFilter(resolved, root.resource, values, node.name.value),
              deletedOf(values),
            ),
          ),
      ]);
      continue;
    }
    if (root.kind === "connection") {
      const shape = connectionOf(resolved, root.resource, node.selectionSet, fragments, variables, schema);
      if (!shape) return undefined;
      work.push([
        key,
        async () => {
          const params = {
            ...connectionQuery(resolved, root.resource, values, node.name.value),
            first: (values.first as number | null | undefined) ?? undefined,
            after: (values.after as string | null | undefined) ?? undefined,
            last: (values.last as number | null | undefined) ?? undefined,
            before: (values.before as string | null | undefined) ?? undefined,
            withTotal: shape.entries.some((e) => e.kind === "totalCount"),
            deleted: deletedOf(values),
          };
          const page = await service.pageText(context, params, shape.node, "graphql", shape.edge);
          return page && connectionText(shape, page, root.resource.names.connectionType);
        },
      ]);
      continue;
    }
    const selection = selectionOf(resolved, root.resource, node.selectionSet, fragments, variables, schema);
    if (!selection) return undefined;
    work.push([
      key,
      async () => {
        if (root.kind === "one") return service.getText(context, values.id, deletedOf(values), selection, "graphql");
        const params = {
          ...listQuery(resolved, root.resource, values, node.name.value),
          deleted: deletedOf(values),
        };
        return (await service.listText(context, params, selection, "graphql"))?.json;
      },
    ]);
  }
  let parts: (string | undefined)[];
  try {
    parts = await Promise.all(work.map(([, run]) => run()));
  } catch (error) {
    // Running it again the ordinary way would take as long again: the timeout is the answer.
    if (isAppError(error) && error.code === "TIMEOUT")
      return JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }], data: null });
    return undefined;
  }
  if (parts.some((p) => p === undefined)) return undefined;
  return `{"data":{${work.map(([key], i) => `${JSON.stringify(key)}:${parts[i]}`).join(",")}}}`;
}

/** Whether `@skip` / `@include` keep the node; undefined for any other directive (not spliced). */
function inclusion(
  node: { readonly directives?: readonly DirectiveNode[] | undefined },
  variables: Record<string, unknown>,
): boolean | undefined {
  let keep = true;
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") return undefined;
    const arg = directive.arguments?.find((a) => a.name.value === "if")?.value;
    const value =
      arg?.kind === Kind.BOOLEAN ? arg.value : arg?.kind === Kind.VARIABLE ? variables[arg.name.value] : undefined;
    if (typeof value !== "boolean") return undefined;
    if (name === "skip" ? value : !value) keep = false;
  }
  return keep;
}

/** The exact selection of `resource` records below a field; undefined when anything in it is not plain fields, relations and `__typename`. */
function selectionOf(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  set: SelectionSetNode | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  graphql: GraphQLSchema,
): Selection | undefined {
  if (!set) return undefined;
  const entries: SelectionEntry[] = [];
  const walk = (s: SelectionSetNode, seen: ReadonlySet<string>): boolean => {
    for (const node of s.selections) {
      const included = inclusion(node, variables);
      if (included === undefined) return false;
      if (!included) continue;
      if (node.kind === Kind.INLINE_FRAGMENT) {
        if (node.typeCondition && node.typeCondition.name.value !== resource.names.type) return false;
        if (!walk(node.selectionSet, seen)) return false;
        continue;
      }
      if (node.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(node.name.value);
        if (!fragment || fragment.typeCondition.name.value !== resource.names.type || seen.has(fragment.name.value))
          return false;
        if (!walk(fragment.selectionSet, new Set([...seen, fragment.name.value]))) return false;
        continue;
      }
      const entry = entryOf(schema, resource, node, fragments, variables, graphql);
      // A key twice (field merging) is left to graphql-js.
      if (!entry || entries.some((e) => e.key === entry.key)) return false;
      entries.push(entry);
    }
    return true;
  };
  return walk(set, new Set()) ? entries : undefined;
}

function entryOf(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  node: FieldNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  graphql: GraphQLSchema,
): SelectionEntry | undefined {
  const name = node.name.value;
  const key = node.alias?.value ?? name;
  if (name === "__typename") return node.arguments?.length ? undefined : { key, typename: true };
  if (resource.field.has(name)) return node.selectionSet || node.arguments?.length ? undefined : { key, field: name };
  const relation = resource.relation.get(name);
  const target = relation && schema.resource.get(relation.target);
  if (!relation || !target) return undefined;
  const selection = selectionOf(schema, target, node.selectionSet, fragments, variables, graphql);
  if (!selection) return undefined;
  if (!node.arguments?.length) return { key, relation: name, selection };
  // A nested list's arguments become part of the statement; any error in them goes to the ordinary execution.
  const type = graphql.getType(resource.names.type);
  const definition = isObjectType(type) ? type.getFields()[name] : undefined;
  if (!definition) return undefined;
  try {
    const list = toRelatedList(schema, target, getArgumentValues(definition, node, variables));
    return { key, relation: name, selection, list };
  } catch {
    return undefined;
  }
}

/** What a connection field selects: its keys in order, the one selection of its records, and the edge object's keys. */
interface ConnectionShape {
  readonly entries: readonly {
    readonly key: string;
    readonly kind: "typename" | "totalCount" | "nodes" | "edges" | "pageInfo";
    readonly pageInfo?: readonly PageInfoPart[];
  }[];
  readonly node: Selection;
  readonly edge: readonly EdgePart[] | undefined;
}

type PageInfoPart = {
  readonly key: string;
  readonly field: "hasNextPage" | "hasPreviousPage" | "startCursor" | "endCursor" | "__typename";
};

const PAGE_INFO_FIELDS = new Set(["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]);

/**
 * The shape of a connection's selection: `nodes`, `edges { cursor node __typename }`, `pageInfo`,
 * `totalCount` and `__typename`, with aliases, `@skip` and `@include`; undefined for anything else
 * (fragments on these types, a key twice, `nodes` beside `edges { node }` selecting differently).
 */
function connectionOf(
  schema: ResolvedSchema,
  resource: ResolvedResource,
  set: SelectionSetNode | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  graphql: GraphQLSchema,
): ConnectionShape | undefined {
  const fields = (s: SelectionSetNode | undefined): FieldNode[] | undefined => {
    if (!s) return undefined;
    const out: FieldNode[] = [];
    for (const node of s.selections) {
      const included = inclusion(node, variables);
      if (included === undefined || node.kind !== Kind.FIELD || node.arguments?.length) return undefined;
      if (!included) continue;
      if (out.some((f) => (f.alias?.value ?? f.name.value) === (node.alias?.value ?? node.name.value)))
        return undefined;
      out.push(node);
    }
    return out;
  };
  const top = fields(set);
  if (!top) return undefined;
  const entries: ConnectionShape["entries"][number][] = [];
  let node: Selection | undefined;
  let edge: EdgePart[] | undefined;
  // `nodes` and `edges { node }` share the rows' one selection: the same one, or none of this.
  const nodeSelection = (n: FieldNode): boolean => {
    const selection = selectionOf(schema, resource, n.selectionSet, fragments, variables, graphql);
    if (!selection || (node && JSON.stringify(node) !== JSON.stringify(selection))) return false;
    node = selection;
    return true;
  };
  for (const f of top) {
    const key = f.alias?.value ?? f.name.value;
    switch (f.name.value) {
      case "__typename":
      case "totalCount":
        if (f.selectionSet) return undefined;
        entries.push({ key, kind: f.name.value === "__typename" ? "typename" : "totalCount" });
        break;
      case "nodes":
        if (!nodeSelection(f)) return undefined;
        entries.push({ key, kind: "nodes" });
        break;
      case "edges": {
        const parts = fields(f.selectionSet);
        if (!parts || edge) return undefined;
        edge = [];
        for (const p of parts) {
          const partKey = p.alias?.value ?? p.name.value;
          if (p.name.value === "cursor" && !p.selectionSet) edge.push({ key: partKey, value: "cursor" });
          else if (p.name.value === "__typename" && !p.selectionSet)
            edge.push({ key: partKey, value: { constant: resource.names.edgeType } });
          else if (p.name.value === "node" && nodeSelection(p)) edge.push({ key: partKey, value: "node" });
          else return undefined;
        }
        entries.push({ key, kind: "edges" });
        break;
      }
      case "pageInfo": {
        const parts = fields(f.selectionSet);
        if (!parts || parts.some((p) => !PAGE_INFO_FIELDS.has(p.name.value) || p.selectionSet)) return undefined;
        entries.push({
          key,
          kind: "pageInfo",
          pageInfo: parts.map((p) => ({
            key: p.alias?.value ?? p.name.value,
            field: p.name.value as PageInfoPart["field"],
          })),
        });
        break;
      }
      default:
        return undefined;
    }
  }
  // Without `nodes` or `edges { node }`, the page's rows still decide its cursors: their ids suffice.
  return { entries, node: node ?? [{ key: "id", field: resource.id.name }], edge };
}

/** The connection's JSON text from its page. */
function connectionText(shape: ConnectionShape, page: PageText, typename: string): string {
  const info = page.pageInfo;
  const value = (entry: ConnectionShape["entries"][number]): string => {
    switch (entry.kind) {
      case "typename":
        return JSON.stringify(typename);
      case "totalCount":
        return String(page.totalCount ?? 0);
      case "nodes":
        return page.nodes;
      case "edges":
        return page.edges ?? "[]";
      case "pageInfo":
        return `{${(entry.pageInfo ?? []).map((p) => `${JSON.stringify(p.key)}:${JSON.stringify(p.field === "__typename" ? SHARED_GRAPHQL_NAMES.pageInfo : (info[p.field] ?? null))}`).join(",")}}`;
    }
  };
  return `{${shape.entries.map((e) => `${JSON.stringify(e.key)}:${value(e)}`).join(",")}}`;
}
