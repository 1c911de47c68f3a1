/**
 * The actor resolver the configuration describes (JWT keys, API keys, the development actor), with the
 * key files read at boot.
 */
import { readFileSync } from "node:fs";
import { type ActorResolver, type AuthOptions, createActorResolver, parseActor } from "./auth.ts";
import type { Config } from "./config.ts";

/** The actor resolver the configuration describes: key files are read now, and a bad one fails the boot with its name. */
export async function actorResolverOf(config: Config, resolve: AuthOptions["resolve"]): Promise<ActorResolver> {
  const read = (path: string, what: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      throw new Error(`${what}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  const json = (path: string, what: string): unknown => {
    const text = read(path, what);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`${what}: ${path} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const jwt = config.jwt;
  const apiKeys =
    config.apiKeysFile === undefined
      ? undefined
      : (json(config.apiKeysFile, "API_KEYS_FILE") as Record<string, unknown>);
  return createActorResolver({
    resolve,
    jwt: jwt && {
      ...(jwt.secret !== undefined ? { secret: jwt.secret } : {}),
      ...(jwt.publicKeyFile !== undefined ? { publicKey: read(jwt.publicKeyFile, "JWT_PUBLIC_KEY_FILE") } : {}),
      ...(jwt.jwksFile !== undefined ? { jwks: json(jwt.jwksFile, "JWT_JWKS_FILE") as never } : {}),
      ...(jwt.issuer !== undefined ? { issuer: jwt.issuer } : {}),
      ...(jwt.audience !== undefined ? { audience: jwt.audience } : {}),
      ...(jwt.rolesClaim !== undefined ? { rolesClaim: jwt.rolesClaim } : {}),
      ...(jwt.tenantClaim !== undefined ? { tenantClaim: jwt.tenantClaim } : {}),
      ...(jwt.requireExpiry !== undefined ? { requireExpiry: jwt.requireExpiry } : {}),
    },
    apiKeys:
      apiKeys && Object.fromEntries(Object.entries(apiKeys).map(([key, actor]) => [key, parseActor(String(actor))])),
    devActor: config.devActor === undefined ? undefined : parseActor(config.devActor),
  });
}
