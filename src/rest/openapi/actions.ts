/** Custom actions (§27) in the document: one POST path each, its body and answer from the action's schemas. */
import type { ResolvedAction, ResolvedResource } from "../../metadata/resolved.ts";
import { errorResponses, type Json, jsonContent, operation, ref, withNull } from "./builders.ts";
import { idParameter } from "./parameters.ts";
import { schemaNames } from "./schemas.ts";

/** The paths of a resource's actions: `/<plural>/{id}/<name>` and `/<plural>/<name>`. */
export function actionPaths(resource: ResolvedResource, tags: readonly string[]): Json {
  const out: Json = {};
  for (const action of resource.actions) {
    const path = action.record
      ? `/${resource.names.path}/{id}/${action.name}`
      : `/${resource.names.path}/${action.name}`;
    out[path] = {
      ...(action.record ? { parameters: [idParameter(resource)] } : {}),
      post: operation({
        id: action.names.field,
        tags,
        summary:
          action.description ??
          `Run the ${action.name} action on ${action.record ? `a ${resource.name}` : `the ${resource.plural}`}`,
        description: `A custom action (rest-dialect.md §27)${action.kind === "query" ? ", a read (a GraphQL query)" : ", run in one transaction"}. The body is its input${bodyRequired(action) ? "" : " and may be left out"}; an invalid one is a 400 with a message per field.`,
        requestBody: { required: bodyRequired(action), content: jsonContent(action.input.json) },
        responses: {
          "200": {
            description:
              action.output === "record"
                ? `The ${resource.name} as it is afterwards (null when you can no longer see it).`
                : "The action's answer.",
            content: jsonContent(
              action.output === "record" ? withNull(ref(schemaNames(resource).one)) : action.output.json,
            ),
          },
          ...errorResponses(...(action.record ? (["400", "404", "409"] as const) : (["400", "409"] as const))),
        },
      }),
    };
  }
  return out;
}

/** A body is needed when the input has a required field. */
function bodyRequired(action: ResolvedAction): boolean {
  const shape = action.input.shape;
  return shape.kind === "object" && shape.fields.some((f) => !f.shape.optional);
}
