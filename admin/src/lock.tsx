/**
 * The edit page's record lock (docs/guides/locks.md): taken when the page opens, renewed while it stays
 * open, released when it closes. When someone else holds it the page says who and until when, and
 * Save is off; it tries again every few seconds, so the page unlocks itself once they are done.
 */
import { useEffect, useState } from "react";
import { type Identifier, useDataProvider } from "react-admin";
import Alert from "@mui/material/Alert";

/** Who else holds the record, when someone does. */
export interface LockState {
  heldBy?: { ownerId: string; expiresAt: string };
}

const TTL_SECONDS = 60;

/** Holds the lock of `resource`/`id` while the calling page is open (when `enabled`). */
export function useRecordLock(resource: string, id: Identifier | undefined, enabled: boolean): LockState {
  const dataProvider = useDataProvider();
  const [state, setState] = useState<LockState>({});
  useEffect(() => {
    if (!enabled || id === undefined) return;
    let held = false;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const take = async () => {
      try {
        await dataProvider.lock(resource, { id, meta: { ttlSeconds: TTL_SECONDS } });
        held = true;
        if (!stopped) setState({});
      } catch (error) {
        held = false;
        const details = (error as { body?: { details?: { ownerId?: unknown; expiresAt?: unknown } } }).body?.details;
        if (!stopped && details?.ownerId !== undefined)
          setState({ heldBy: { ownerId: String(details.ownerId), expiresAt: String(details.expiresAt) } });
      }
      // Renewed at a third of its lifetime while held; tried again every 5 s while someone else holds it.
      if (!stopped) timer = setTimeout(() => void take(), (held ? TTL_SECONDS / 3 : 5) * 1000);
    };
    void take();
    return () => {
      stopped = true;
      clearTimeout(timer);
      if (held) void dataProvider.unlock(resource, { id }).catch(() => {});
    };
  }, [dataProvider, resource, id, enabled]);
  return state;
}

/** The notice of a lock someone else holds. */
export function LockNotice({ state }: { state: LockState }) {
  if (!state.heldBy) return null;
  const until = new Date(state.heldBy.expiresAt).toLocaleTimeString();
  return (
    <Alert severity="warning" sx={{ mt: 1 }} data-testid="locked">
      User {state.heldBy.ownerId} is editing this record (locked until {until}). You can read it; saving waits until
      they are done.
    </Alert>
  );
}
