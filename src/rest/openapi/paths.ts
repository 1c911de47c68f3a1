/**
 * The paths of the document: per resource its collection, aggregate, batch, member, trash, revisions,
 * files, custom actions and event stream, then the event stream of several resources.
 */
import type { SecurityProfile } from "../../metadata/definition.ts";
import type { ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { actionPaths } from "./actions.ts";
import { aggregateParameters } from "./aggregate.ts";
import { batchPaths } from "./batch.ts";
import {
  errorResponses,
  type Json,
  jsonContent,
  operation,
  parameter,
  recordResponse,
  ref,
  schemaOf,
} from "./builders.ts";
import { eventsPath, resourceEventsPath } from "./events.ts";
import { filePaths, writeBody, writeFileResponses } from "./files.ts";
import { lifecyclePaths } from "./lifecycle.ts";
import {
  asOfParameter,
  deletedParameter,
  embedParameter,
  fieldsParameter,
  idParameter,
  listParameters,
  operatorParameters,
} from "./parameters.ts";
import { schemaNames } from "./schemas.ts";

/** Every path of the document, in a fixed order. */
export function paths(schema: ResolvedSchema, profile: SecurityProfile | undefined): Json {
  const out: Json = {};
  for (const resource of schema.resources) {
    const plural = resource.plural.charAt(0).toUpperCase() + resource.plural.slice(1);
    const tags = [resource.names.path];
    out[`/${resource.names.path}`] = collectionPath(schema, resource, plural, tags);
    out[`/${resource.names.path}/aggregate`] = {
      get: operation({
        id: `aggregate${plural}`,
        tags,
        summary: `Count ${resource.plural} and aggregate their fields, optionally grouped`,
        description:
          "The filter parameters are those of the list, dot paths included. Without groupBy the answer is one group over every matching row, with an empty key.",
        parameters: aggregateParameters(schema, resource),
        responses: {
          "200": recordResponse(
            `${resource.names.type}Aggregate`,
            `The groups, in the order of sort (then the group-by fields ascending).`,
          ),
          ...errorResponses("400"),
        },
      }),
    };
    Object.assign(out, batchPaths(resource, plural, tags, profile));
    out[`/${resource.names.path}/{id}`] = memberPath(resource, tags);
    Object.assign(out, lifecyclePaths(resource, tags));
    Object.assign(out, filePaths(resource, plural, tags));
    Object.assign(out, actionPaths(resource, tags));
    out[`/${resource.names.path}/events`] = resourceEventsPath(resource, plural, tags);
  }
  out["/events"] = eventsPath(schema);
  return out;
}

/** A versioned record's answers carry its version as ETag, for If-Match (rest-dialect.md §17). */
function etagHeader(resource: ResolvedResource): Json | undefined {
  return resource.version
    ? {
        ETag: {
          description: `The ${resource.name}'s version, quoted: send it back in If-Match.`,
          schema: { type: "string" },
        },
      }
    : undefined;
}

/** The errors a write of one record may answer (415 too when it may carry files). */
const writeErrors = (resource: ResolvedResource) => ({
  ...errorResponses("400", "404", "409", "413", "422"),
  ...writeFileResponses(resource),
});

/** `/<resource>`: list and create. */
function collectionPath(schema: ResolvedSchema, resource: ResolvedResource, plural: string, tags: string[]): Json {
  const n = schemaNames(resource);
  return {
    get: operation({
      id: `list${plural}`,
      tags,
      summary: `List ${resource.plural} (react-admin getList, getMany, getManyReference)`,
      description: `Query parameters not listed here filter through relations as dot paths (author.name, comments.every.body_like); see the filter parameter.`,
      parameters: listParameters(schema, resource),
      responses: {
        "200": {
          description: `A page of ${resource.plural}.`,
          headers: {
            "Content-Range": { $ref: "#/components/headers/ContentRange" },
            "X-Total-Count": { $ref: "#/components/headers/XTotalCount" },
            Link: { $ref: "#/components/headers/Link" },
          },
          content: jsonContent({ type: "array", items: ref(n.listItem) }),
        },
        ...errorResponses("400"),
      },
    }),
    post: operation({
      id: `create${resource.names.type}`,
      tags,
      summary: `Create a ${resource.name}`,
      requestBody: writeBody(resource, n.create),
      responses: {
        "201": recordResponse(n.one, `The created ${resource.name}, id included.`, {
          Location: { description: "URL of the new record.", schema: { type: "string" } },
          ...etagHeader(resource),
        }),
        ...writeErrors(resource),
      },
    }),
    delete: operation({
      id: resource.names.deleteWhere,
      tags,
      summary: `Delete the ${resource.plural} a filter matches (rest-dialect.md §29.1)${resource.softDelete ? ": moves them to the trash" : ""}`,
      description: `A filter is required (400 without one). At most limit records, lowest ids first, each deleted as DELETE /${resource.names.path}/{id} would, all in one transaction.`,
      parameters: [
        ...listParameters(schema, resource).filter((p) => p.name === "filter" || p.name === "q"),
        ...operatorParameters(resource),
        parameter(
          "query",
          "limit",
          `Most records deleted: 1 to ${resource.maxBatchSize} (the resource's maxBatchSize), the default.`,
          {
            schema: {
              type: "integer",
              minimum: 1,
              maximum: resource.maxBatchSize,
              default: resource.maxBatchSize,
            },
          },
        ),
      ],
      responses: {
        "200": {
          description: "What was deleted.",
          content: jsonContent({
            type: "object",
            required: ["count", "ids", "hasMore"],
            properties: {
              count: { type: "integer", description: "How many records were deleted." },
              ids: {
                type: "array",
                items: schemaOf(resource.id, false),
                description: "Their ids, lowest first.",
              },
              hasMore: { type: "boolean", description: "More matched than limit: ask again for the next ones." },
            },
          }),
        },
        ...errorResponses("400", "404", "409"),
      },
    }),
  };
}

/** `/<resource>/{id}`: read, change and delete one record. */
function memberPath(resource: ResolvedResource, tags: string[]): Json {
  const n = schemaNames(resource);
  const type = resource.names.type;
  const etag = etagHeader(resource);
  const embedsOne = resource.relations.filter((r) => r.views.one).map((r) => r.name);
  return {
    parameters: [idParameter(resource)],
    get: operation({
      id: `get${type}`,
      tags,
      summary: `One ${resource.name} (react-admin getOne)`,
      parameters: [
        ...(embedsOne.length > 0 ? [embedParameter(resource, embedsOne)] : []),
        fieldsParameter(resource, "one"),
        ...(resource.softDelete ? [deletedParameter(resource, "one")] : []),
        ...(resource.revisions ? [asOfParameter(resource)] : []),
      ],
      responses: { "200": recordResponse(n.one, `The ${resource.name}.`, etag), ...errorResponses("400", "404") },
    }),
    put: operation({
      id: `update${type}`,
      tags,
      summary: `Change the fields sent of a ${resource.name} (react-admin update and updateMany)`,
      requestBody: writeBody(resource, n.update),
      responses: { "200": recordResponse(n.one, `The ${resource.name} as stored.`, etag), ...writeErrors(resource) },
    }),
    patch: operation({
      id: `patch${type}`,
      tags,
      summary: `Change the fields sent of a ${resource.name} (same as PUT)`,
      requestBody: writeBody(resource, n.update),
      responses: { "200": recordResponse(n.one, `The ${resource.name} as stored.`, etag), ...writeErrors(resource) },
    }),
    delete: operation({
      id: `delete${type}`,
      tags,
      summary: resource.softDelete
        ? `Move a ${resource.name} to the trash (react-admin delete); restore or purge it later`
        : `Delete a ${resource.name} (react-admin delete)`,
      responses: {
        "200": recordResponse(
          n.one,
          resource.softDelete
            ? `The ${resource.name}, now in the trash (${resource.softDelete.field} set).`
            : `The deleted ${resource.name}, as it was.`,
        ),
        ...errorResponses("400", "404", "409"),
      },
    }),
  };
}
