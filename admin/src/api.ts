/**
 * Talking to the API as the signed-in actor: the stored credential (a JWT or an API key, or none: the
 * server's development actor or anonymous), the HTTP client every request goes through, and the schema
 * description of `GET /api/_meta`.
 */
import { fetchUtils } from "react-admin";
import type { SchemaDescription } from "./meta.ts";

/** A credential as the sign-in page takes it. */
export interface Credential {
  readonly kind: "bearer" | "apiKey";
  readonly value: string;
}

const KEY = "autograph.credential";

declare global {
  interface Window {
    /** The REST base path, set by index.html. */
    AUTOGRAPH_API?: string;
  }
}

/** The REST base URL: `/api` on the server that serves the app. */
export const API = window.AUTOGRAPH_API ?? "/api";

/** The stored credential, if any. */
export function credential(): Credential | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Credential) : undefined;
  } catch {
    return undefined;
  }
}

/** Stores (or, with undefined, forgets) the credential. */
export function remember(value: Credential | undefined): void {
  if (value) localStorage.setItem(KEY, JSON.stringify(value));
  else localStorage.removeItem(KEY);
}

/** The headers that carry a credential. */
export function authHeaders(c: Credential | undefined = credential()): Record<string, string> {
  if (!c) return {};
  return c.kind === "bearer" ? { Authorization: `Bearer ${c.value}` } : { "X-API-Key": c.value };
}

/** react-admin's JSON client, with the credential on every request. */
export const httpClient: typeof fetchUtils.fetchJson = (url, options = {}) => {
  const headers = new Headers(options.headers ?? { Accept: "application/json" });
  for (const [name, value] of Object.entries(authHeaders())) headers.set(name, value);
  return fetchUtils.fetchJson(url, { ...options, headers });
};

/** The schema description for `c` (the stored credential by default). */
export async function fetchMeta(c: Credential | undefined = credential()): Promise<SchemaDescription> {
  const response = await fetch(`${API}/_meta`, { headers: { Accept: "application/json", ...authHeaders(c) } });
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok)
    throw Object.assign(new Error(body.message ?? `GET ${API}/_meta: ${response.status}`), { status: response.status });
  return body as SchemaDescription;
}
