/**
 * The event stream routes (§21): `GET <base>/events` over several resources and `GET <collection>/events`
 * over one. Without change events there is nothing to stream: a 404 that says why.
 */
import type { Events } from "../../events/events.ts";
import type { SecurityProfile } from "../../metadata/definition.ts";
import type { ResolvedResource } from "../../metadata/resolved.ts";
import { announcesChanges, unannouncedReason } from "../../runtime/announced.ts";
import { AppError } from "../../runtime/errors.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import { EVENT_STREAM_PARAMS, type EventStreamOptions, eventStream, parseEventStreamQuery } from "../events.ts";
import { routeParams, rulesFor } from "../security-profile.ts";
import { type Api, methodNotAllowed, type Route } from "./route.ts";

/** What the event stream routes need. */
export interface EventStreamRoutes {
  api: Api;
  runtime: Runtime;
  route: Route;
  /** The server's security profile; a resource's own wins on its stream. */
  serverProfile: SecurityProfile;
  events: Events | undefined;
  eventStream: EventStreamOptions | undefined;
}

/**
 * Mounts the stream of `resource` at `<collection>/events` (before its member routes), or, without one,
 * the stream of several resources at `/events`.
 */
export function mountEventStreamRoute(s: EventStreamRoutes, resource?: ResolvedResource): void {
  const { runtime } = s;
  const path = resource ? `/${resource.names.path}/events` : "/events";
  // Change events follow `list` (§26).
  if (resource && !resource.operations.has("list")) {
    s.api.all(path, (c) => methodNotAllowed(c, ["OPTIONS"]));
    return;
  }
  s.api.get(
    path,
    s.route(async (c, ctx, params) => {
      if (resource && !announcesChanges(resource)) throw new AppError("NOT_FOUND", `${unannouncedReason(resource)}.`);
      if (!s.events)
        throw new AppError(
          "NOT_FOUND",
          "Event streams are off: this server runs without change events (createRestHandler was given no `events`).",
        );
      const allowed = routeParams(
        params,
        EVENT_STREAM_PARAMS[resource ? "one" : "all"],
        rulesFor(resource, s.serverProfile),
      );
      const query = parseEventStreamQuery(runtime.schema, runtime, resource, allowed, c.req.raw.headers);
      return eventStream(s.events, runtime, ctx, c.req.raw, query, s.eventStream);
    }),
  );
  s.api.all(path, (c) => methodNotAllowed(c, ["GET", "OPTIONS"]));
}
