/**
 * Signing in: with a JWT or an API key checked against `GET /api/_meta`, or without one when the server
 * already knows who requests are (its development actor). The schema description is the actor's
 * permissions: react-admin hands it to the resource list, so menus and buttons follow it.
 */
import type { AuthProvider } from "react-admin";
import { type Credential, credential, fetchMeta, remember } from "./api.ts";
import type { SchemaDescription } from "./meta.ts";

let cached: Promise<SchemaDescription> | undefined;
/** The description for the stored credential, fetched once per sign-in. */
export const meta = (): Promise<SchemaDescription> => {
  cached ??= fetchMeta().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
};

export const authProvider: AuthProvider = {
  async login(params: { token?: string; apiKey?: string }) {
    const token = params.token?.trim();
    const apiKey = params.apiKey?.trim();
    const c: Credential | undefined = token
      ? { kind: "bearer", value: token.replace(/^Bearer\s+/i, "") }
      : apiKey
        ? { kind: "apiKey", value: apiKey }
        : undefined;
    const description = await fetchMeta(c);
    if (!description.actor.authenticated)
      throw new Error("The server does not know who that is: sign in with a token or key.");
    remember(c);
    cached = Promise.resolve(description);
  },
  async logout() {
    remember(undefined);
    cached = undefined;
  },
  async checkAuth() {
    const description = await meta();
    if (!description.actor.authenticated) throw new Error("Sign in");
  },
  async checkError(error: { status?: number }) {
    if (error?.status === 401) {
      remember(undefined);
      cached = undefined;
      throw new Error("Signed out");
    }
  },
  async getIdentity() {
    const { actor } = await meta();
    const who = actor.id === null ? "anonymous" : `User ${actor.id}`;
    const tenant = actor.tenant === null ? "" : ` @ ${actor.tenant}`;
    return { id: actor.id ?? "anonymous", fullName: `${who} (${actor.roles.join(", ") || "no role"})${tenant}` };
  },
  getPermissions: () => meta(),
};

/** Whether a credential is stored (sign-out shows only then: the development actor cannot sign out). */
export const signedInWithCredential = (): boolean => credential() !== undefined;
