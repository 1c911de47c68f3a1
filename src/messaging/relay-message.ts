/**
 * A change event as the outbox relay publishes it: the JSON body, the headers and the topic
 * (`<resource>.<action>`) every broker adapter addresses it by. The body is the event itself and, when
 * the relay has a view (docs/guides/messaging.md), the record as that view may see it.
 */
import type { VisibleChange } from "../events/change-view.ts";
import type { EventMessage } from "../storage/brokers/event-publisher.ts";
import type { ChangeEvent } from "../storage/outbox.ts";

/** The JSON body of a published change event. */
export interface RelayedEvent {
  /** The outbox event id: increasing in commit order; the dedup key. */
  readonly id: string;
  readonly resource: string;
  readonly recordId: string;
  /** `create`, `update`, `delete`, `restore`, `purge`, ... */
  readonly action: string;
  /** The record's revision number after the write (null for resources without revisions). */
  readonly revision: number | null;
  readonly actorId: string | null;
  /** The commit time (ISO 8601). */
  readonly at: string;
  /** The fields the write changed (with a view: those the view may read). */
  readonly changed: readonly string[];
  /**
   * Only when the relay has a view: the record as the write left it, as that view may see it (hidden
   * fields left out); null when it is gone (delete, purge) or the view may not see it.
   */
  readonly record?: Readonly<Record<string, unknown>> | null;
}

/** Header names every published message carries. */
export const RELAY_HEADERS = {
  eventId: "autograph-event-id",
  resource: "autograph-resource",
  action: "autograph-action",
} as const;

/**
 * The message for `event`. `view` is the change as the relay's view sees it: undefined when the relay
 * has no view (the body carries no record), null when it has one that may not see this change.
 */
export function relayMessage(event: ChangeEvent, view?: VisibleChange | null): EventMessage {
  const body: RelayedEvent = {
    id: event.id,
    resource: event.resource,
    recordId: event.recordId,
    action: event.action,
    revision: event.revisionNumber,
    actorId: event.actorId,
    at: event.at,
    changed: view === undefined ? event.changed : (view?.changed ?? []),
    ...(view === undefined ? {} : { record: view?.record ?? null }),
  };
  return {
    id: event.id,
    topic: `${event.resource}.${event.action}`,
    body: new TextEncoder().encode(
      JSON.stringify(body, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
    ),
    headers: {
      [RELAY_HEADERS.eventId]: event.id,
      [RELAY_HEADERS.resource]: event.resource,
      [RELAY_HEADERS.action]: event.action,
    },
    timestamp: Date.parse(event.at),
  };
}
