/**
 * Live lists: a resource's change events (`GET /api/<path>/events`, Server-Sent Events) refresh the page.
 * Read with fetch rather than EventSource, which cannot send the Authorization header.
 */
import { useEffect } from "react";
import { useRefresh } from "react-admin";
import { authHeaders } from "./api.ts";

/** Refreshes the page's data shortly after each change event of the stream at `url` (when given). */
export function useLiveRefresh(url: string | undefined): void {
  const refresh = useRefresh();
  useEffect(() => {
    if (!url) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 150); // a burst of events is one refresh
    };
    void (async () => {
      for (let attempt = 0; !abort.signal.aborted; attempt++) {
        try {
          const response = await fetch(url, {
            headers: { Accept: "text/event-stream", ...authHeaders() },
            signal: abort.signal,
          });
          if (!response.ok || !response.body) return; // no stream for this actor: nothing to follow
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            const frames = buffer.split("\n\n");
            buffer = frames.pop() ?? "";
            if (frames.some((f) => /^event: (?!ready)/m.test(f))) changed();
          }
        } catch {
          if (abort.signal.aborted) return;
        }
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** attempt)));
      }
    })();
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [url, refresh]);
}
