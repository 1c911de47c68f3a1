/**
 * Queries answered with PostgreSQL's JSON, spliced into the response without graphql-js executing a
 * resolver (the way Hasura serves queries). A query qualifies when every root field is a resource's
 * list, single record or count, and everything below them is that resource's fields, relations and
 * `__typename` (aliases, fragments on the type itself, `@skip` and `@include` are fine): the read
 * compiler then builds each root field's exact response JSON, keys and all, in one statement.
 *
 * Anything else runs as usual: other root fields, fragments on other types, directives it does not
 * know, an `asOf`, hooks or transforms on the resource (they need records), and every error (the
 * ordinary execution reports it with its path). Access, tenants, scopes, soft delete and hidden fields
 * are the runtime's rules either way: the service applies them to the compiled statement.
 */
import type { Plugin } from "graphql-yoga";
import {
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getOperationAST,
  type GraphQLObjectType,
  Kind,
  type SelectionSetNode,
} from "graphql";
import type { ResolvedResource, ResolvedSchema } from "../metadata/resolved.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Selection, SelectionEntry } from "../runtime/service.ts";
import type { GraphQLContext } from "./builder.ts";
import { toFilter, toSort } from "./inputs.ts";
import { deletedOf } from "./lifecycle.ts";

type Root = { readonly resource: ResolvedResource; readonly kind: "list" | "one" | "count" };

/** The plugin; `runtime` is the one the schema was built from. */
export function useSplicedReads(runtime: Runtime): Plugin<GraphQLContext> {
  const { schema } = runtime;
  const roots = new Map<string, Root>();
  for (const resource of schema.resources) {
    roots.set(resource.names.list, { resource, kind: "list" });
    roots.set(resource.names.one, { resource, kind: "one" });
    roots.set(resource.names.count, { resource, kind: "count" });
  }
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== "query") return;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const d of args.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
      const queryType = args.schema.getQueryType() as GraphQLObjectType;
      const context = (args.contextValue as GraphQLContext).context;
      const work: [string, () => Promise<string | undefined>][] = [];
      for (const node of operation.selectionSet.selections) {
        if (node.kind !== Kind.FIELD) return;
        const included = inclusion(node, variables);
        if (included === undefined) return;
        if (!included) continue;
        const key = node.alias?.value ?? node.name.value;
        if (work.some(([k]) => k === key)) return;
        if (node.name.value === "__typename") {
          work.push([key, async () => JSON.stringify(queryType.name)]);
          continue;
        }
        const root = roots.get(node.name.value);
        const definition = queryType.getFields()[node.name.value];
        if (!root || !definition) return;
        let values: Record<string, unknown>;
        try {
          values = getArgumentValues(definition, node, variables);
        } catch {
          return;
        }
        const service = runtime.service(root.resource.name);
        if (root.kind === "count") {
          work.push([key, async () => String(await service.count(context, toFilter(schema, root.resource, values.where as never), deletedOf(values)))]);
          continue;
        }
        const selection = selectionOf(schema, root.resource, node.selectionSet, fragments, variables);
        if (!selection || (root.kind === "one" && values.asOf !== undefined && values.asOf !== null)) return;
        work.push([
          key,
          async () => {
            if (root.kind === "one") return service.getText(context, values.id, deletedOf(values), selection, "graphql");
            const params = {
              filter: toFilter(schema, root.resource, values.where as never),
              sort: toSort(schema, root.resource, values.orderBy as never),
              offset: (values.skip as number | null | undefined) ?? undefined,
              limit: (values.take as number | null | undefined) ?? undefined,
              deleted: deletedOf(values),
            };
            return (await service.listText(context, params, selection, "graphql"))?.json;
          },
        ]);
      }
      let parts: (string | undefined)[];
      try {
        parts = await Promise.all(work.map(([, run]) => run()));
      } catch {
        return; // the ordinary execution reports the error, with its path
      }
      if (parts.some((p) => p === undefined)) return;
      const text = `{"data":{${work.map(([key], i) => `${JSON.stringify(key)}:${parts[i]}`).join(",")}}}`;
      setResultAndStopExecution({
        // Plugins that read the result get it parsed; the response is the text as it is.
        get data() {
          return (JSON.parse(text) as { data: Record<string, unknown> }).data;
        },
        stringify: () => text,
      } as never);
    },
  };
}

/** Whether `@skip` / `@include` keep the node; undefined for any other directive (not spliced). */
function inclusion(node: { readonly directives?: readonly DirectiveNode[] | undefined }, variables: Record<string, unknown>): boolean | undefined {
  let keep = true;
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") return undefined;
    const arg = directive.arguments?.find((a) => a.name.value === "if")?.value;
    const value = arg?.kind === Kind.BOOLEAN ? arg.value : arg?.kind === Kind.VARIABLE ? variables[arg.name.value] : undefined;
    if (typeof value !== "boolean") return undefined;
    if (name === "skip" ? value : !value) keep = false;
  }
  return keep;
}

/** The exact selection of `resource` records below a field; undefined when anything in it is not plain fields, relations and `__typename`. */
function selectionOf(schema: ResolvedSchema, resource: ResolvedResource, set: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Record<string, unknown>): Selection | undefined {
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
        if (!fragment || fragment.typeCondition.name.value !== resource.names.type || seen.has(fragment.name.value)) return false;
        if (!walk(fragment.selectionSet, new Set([...seen, fragment.name.value]))) return false;
        continue;
      }
      const entry = entryOf(schema, resource, node, fragments, variables);
      // A key twice (field merging) is left to graphql-js.
      if (!entry || entries.some((e) => e.key === entry.key)) return false;
      entries.push(entry);
    }
    return true;
  };
  return walk(set, new Set()) ? entries : undefined;
}

function entryOf(schema: ResolvedSchema, resource: ResolvedResource, node: FieldNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Record<string, unknown>): SelectionEntry | undefined {
  const name = node.name.value;
  const key = node.alias?.value ?? name;
  if (node.arguments?.length) return undefined;
  if (name === "__typename") return { key, typename: true };
  if (resource.field.has(name)) return node.selectionSet ? undefined : { key, field: name };
  const relation = resource.relation.get(name);
  const target = relation && schema.resource.get(relation.target);
  if (!relation || !target) return undefined;
  const selection = selectionOf(schema, target, node.selectionSet, fragments, variables);
  return selection ? { key, relation: name, selection } : undefined;
}
