/**
 * Which resources announce their committed writes as change events: those of the default datasource.
 * The outbox, its dispatcher and the event ids that streams resume from are one sequence in one
 * database; a resource on another datasource (docs/guides/datasources.md) appends no events, and the
 * transports offer no stream or subscription of it.
 */
import { DEFAULT_DATASOURCE } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";

/** Whether writes of `resource` append change events (and clients may subscribe to them). */
export function announcesChanges(resource: ResolvedResource): boolean {
  return resource.datasource === DEFAULT_DATASOURCE;
}

/** Why clients cannot follow the changes of `resource` (one off the default datasource), for error messages. */
export function unannouncedReason(resource: ResolvedResource): string {
  return `${resource.plural} live on datasource "${resource.datasource}": change events are published for the default datasource's resources only (docs/guides/datasources.md)`;
}
