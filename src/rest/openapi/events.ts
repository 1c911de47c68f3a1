/** The event streams (§21) in the document: the stream of one resource, of several, and the ChangeEvent. */
import type { ResolvedResource, ResolvedSchema } from "../../metadata/resolved.ts";
import { errorResponses, type Json, operation, parameter, ref } from "./builders.ts";

const eventStreamText =
  "Each committed change is an SSE event: `id` the event id, `event` the action, `data` a ChangeEvent (JSON). The first event, `ready`, carries the stream's starting point as its id. Comment lines (`: ping`) keep the connection alive. Resume with the Last-Event-ID header (which an EventSource sends when it reconnects) or `after`: the events since then come first, then the live ones, each once and in order. Bad parameters answer 400 before the stream starts.";
const actionsParameter = parameter(
  "query",
  "actions",
  "A comma list of actions to keep: create, update, patch, delete, restore, revert, purge, publish. All when absent.",
  { schema: { type: "string" } },
);
const resumeParameters: Json[] = [
  parameter("query", "after", "Start after this event id (Last-Event-ID wins when both are given).", {
    schema: { type: "string", pattern: "^\\d{1,19}$" },
  }),
  parameter("header", "Last-Event-ID", "Start after this event id.", {
    schema: { type: "string", pattern: "^\\d{1,19}$" },
  }),
];
const eventStreamResponses: Json = {
  "200": {
    description: "A text/event-stream of ChangeEvent data, open until the client disconnects.",
    // Each event's `data` line is a ChangeEvent as JSON: JSON Schema's contentSchema says so.
    content: {
      "text/event-stream": {
        schema: { type: "string", contentMediaType: "application/json", contentSchema: ref("ChangeEvent") },
        example:
          'id: 42\nevent: create\ndata: {"eventId":"42","resource":"posts","action":"create","id":12,"record":{"id":12},"revisionId":null,"revisionNumber":null,"actorId":"system","at":"2026-01-01T00:00:00.000Z","changed":["title"]}\n\n',
      },
    },
  },
  ...errorResponses("400", "404"),
};

/** The path item of `GET /<resource>/events`. */
export function resourceEventsPath(resource: ResolvedResource, plural: string, tags: readonly string[]): Json {
  return {
    get: operation({
      id: `stream${plural}Events`,
      tags,
      summary: `The committed changes of ${resource.plural}, as a Server-Sent Events stream (EventSource)`,
      description: eventStreamText,
      parameters: [
        actionsParameter,
        parameter("query", "id", `Only the changes of this ${resource.name}.`, { schema: { type: "string" } }),
        ...resumeParameters,
      ],
      responses: eventStreamResponses,
    }),
  };
}

/** The path item of `GET /events`, over several resources. */
export function eventsPath(schema: ResolvedSchema): Json {
  return {
    get: operation({
      id: "streamEvents",
      tags: ["events"],
      summary: "The committed changes of several resources, as one Server-Sent Events stream (EventSource)",
      description: eventStreamText,
      parameters: [
        parameter(
          "query",
          "resources",
          `A comma list of resources (${schema.resources.map((r) => r.names.path).join(", ")}); all when absent.`,
          { schema: { type: "string" } },
        ),
        actionsParameter,
        ...resumeParameters,
      ],
      responses: eventStreamResponses,
    }),
  };
}

/** One committed change, the data of an event-stream event. */
export function changeEventSchema(): Json {
  return {
    type: "object",
    description: "One committed change, the data of an event-stream event (§21).",
    required: [
      "eventId",
      "resource",
      "action",
      "id",
      "record",
      "revisionId",
      "revisionNumber",
      "actorId",
      "at",
      "changed",
    ],
    properties: {
      eventId: { type: "string", description: "The event id (also the SSE id): increasing in commit order." },
      resource: { type: "string", description: "The resource's REST name, e.g. posts." },
      action: {
        type: "string",
        enum: ["create", "update", "patch", "delete", "restore", "revert", "purge", "publish"],
      },
      id: { oneOf: [{ type: "integer" }, { type: "string" }], description: "The record's id." },
      record: {
        type: ["object", "null"],
        description: "The record as the requester may see it after the write; null after delete and purge.",
      },
      revisionId: { type: ["string", "null"] },
      revisionNumber: { type: ["integer", "null"] },
      actorId: { type: ["string", "null"] },
      at: { type: "string", format: "date-time" },
      changed: { type: "array", items: { type: "string" }, description: "The fields the write changed." },
    },
  };
}
