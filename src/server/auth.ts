/**
 * Who a request acts as, the same way for every transport: HTTP requests, the
 * Request a graphql-ws subscription is made from (connection params as headers) and SSE streams.
 *
 * In order: a custom resolver (when given and it answers); `Authorization: Bearer <JWT>` verified with
 * jose (HS256 secret, RS256/ES256 public key, or a JWKS file); an API key (`X-API-Key: <key>` or
 * `Authorization: ApiKey <key>`); otherwise the development actor when one is configured, else the
 * anonymous actor. Credentials that are sent but wrong are a 401 — never a silent fall back to anonymous.
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  importSPKI,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from "jose";
import { ANONYMOUS, type Actor } from "../runtime/context.ts";
import { AppError } from "../runtime/errors.ts";

/** How bearer tokens are verified. Exactly one of `secret`, `publicKey`, `jwks`. */
export interface JwtOptions {
  /** HS256 shared secret (at least 32 characters). */
  secret?: string;
  /** A PEM public key (SPKI) for RS256 / ES256. */
  publicKey?: string;
  /** Algorithm of `publicKey`. @default "RS256" */
  publicKeyAlgorithm?: "RS256" | "RS384" | "RS512" | "ES256" | "ES384" | "PS256";
  /** A JSON Web Key Set (the content of a JWKS file). */
  jwks?: JSONWebKeySet;
  /** Required `iss`, when set. */
  issuer?: string;
  /** Required `aud`, when set. */
  audience?: string;
  /** Claim holding the roles (an array of strings, or one string). @default "roles" */
  rolesClaim?: string;
  /** Claim holding the actor's tenant (a string or a number), for multi-tenant resources. @default "tenant" */
  tenantClaim?: string;
  /** Refuse tokens without an expiry (`exp`): a leaked one would work forever. @default false (the server's config: true when NODE_ENV=production) */
  requireExpiry?: boolean;
}

/** How far a token's `iat` may lie in the future (clock skew between its issuer and this server), in seconds. */
const CLOCK_SKEW = 60;

/** Options of {@link createActorResolver}. */
export interface AuthOptions {
  jwt?: JwtOptions | undefined;
  /** API keys and the actor each one acts as. */
  apiKeys?: Readonly<Record<string, Actor>> | undefined;
  /** Runs first; an actor answers the request, undefined hands it to the built-in ways. */
  resolve?: ((request: Request) => Actor | undefined | Promise<Actor | undefined>) | undefined;
  /** Who an unauthenticated request acts as in development (AutoCRUD's default_user). @default anonymous */
  devActor?: Actor | undefined;
}

/** Resolves the actor of a request; throws UNAUTHENTICATED (401) for credentials that do not verify. */
export type ActorResolver = (request: Request) => Promise<Actor>;

const MAX_TOKEN = 8 * 1024;

/** Builds the resolver. Throws at once (a boot error) for a bad key or JWKS. */
export async function createActorResolver(options: AuthOptions = {}): Promise<ActorResolver> {
  const verifier = options.jwt ? await jwtVerifier(options.jwt) : undefined;
  const keys = new Map(Object.entries(options.apiKeys ?? {}));
  const fallback = options.devActor ?? ANONYMOUS;
  return async (request) => {
    const custom = await options.resolve?.(request);
    if (custom) return custom;
    const authorization = request.headers.get("authorization")?.trim();
    const apiKey =
      request.headers.get("x-api-key")?.trim() ||
      (/^apikey\s+/i.test(authorization ?? "") ? authorization?.replace(/^apikey\s+/i, "") : undefined);
    if (apiKey) {
      const actor = keys.get(apiKey);
      if (!actor) throw unauthenticated("The API key is not valid.");
      return actor;
    }
    if (authorization) {
      const match = /^bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw unauthenticated("Send `Authorization: Bearer <token>` (or `X-API-Key: <key>`).");
      if (!verifier) throw unauthenticated("This server accepts no bearer tokens (no JWT key is configured).");
      return verifier(match[1] as string);
    }
    return fallback;
  };
}

async function jwtVerifier(o: JwtOptions): Promise<(token: string) => Promise<Actor>> {
  const given = [o.secret, o.publicKey, o.jwks].filter((x) => x !== undefined).length;
  if (given !== 1) throw new Error("JWT: configure exactly one of a secret (HS256), a public key or a JWKS");
  let key: Uint8Array | CryptoKey | JWTVerifyGetKey;
  let algorithms: string[];
  if (o.secret !== undefined) {
    if (o.secret.length < 32) throw new Error("JWT: the HS256 secret must be at least 32 characters");
    key = new TextEncoder().encode(o.secret);
    algorithms = ["HS256"];
  } else if (o.publicKey !== undefined) {
    const alg = o.publicKeyAlgorithm ?? "RS256";
    key = await importSPKI(o.publicKey, alg);
    algorithms = [alg];
  } else {
    key = createLocalJWKSet(o.jwks as JSONWebKeySet);
    algorithms = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"];
  }
  const rolesClaim = o.rolesClaim ?? "roles";
  const tenantClaim = o.tenantClaim ?? "tenant";
  return async (token) => {
    if (token.length > MAX_TOKEN) throw unauthenticated("The bearer token is too long.");
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        clockTolerance: CLOCK_SKEW,
        ...(o.requireExpiry ? { requiredClaims: ["exp"] } : {}),
        ...(o.issuer ? { issuer: o.issuer } : {}),
        ...(o.audience ? { audience: o.audience } : {}),
      }));
    } catch (error) {
      const { code, claim, reason } = error as { code?: string; claim?: string; reason?: string };
      if (code === "ERR_JWT_EXPIRED") throw unauthenticated("The bearer token has expired.");
      if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && claim === "exp" && reason === "missing")
        throw unauthenticated("The bearer token has no expiry (`exp`): this server requires one.");
      throw unauthenticated(
        code === "ERR_JWT_CLAIM_VALIDATION_FAILED"
          ? `The bearer token's ${claim ?? "claims"} claim is not accepted.`
          : "The bearer token is not valid.",
      );
    }
    // A token issued in the future was made with a wrong clock, or to outlive its expiry: refused.
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + CLOCK_SKEW)
      throw unauthenticated("The bearer token's iat claim is not accepted: it lies in the future.");
    if (typeof payload.sub !== "string" || payload.sub === "")
      throw unauthenticated("The bearer token names no subject (`sub`).");
    const raw = payload[rolesClaim];
    const roles = Array.isArray(raw)
      ? raw.filter((r): r is string => typeof r === "string")
      : typeof raw === "string"
        ? [raw]
        : [];
    const tenant = payload[tenantClaim];
    if (
      tenant !== undefined &&
      !((typeof tenant === "string" && tenant !== "") || (typeof tenant === "number" && Number.isSafeInteger(tenant)))
    ) {
      throw unauthenticated(`The bearer token's ${tenantClaim} claim must be a non-empty string or a whole number.`);
    }
    return Object.freeze({
      id: payload.sub,
      roles: Object.freeze(roles),
      ...(tenant !== undefined ? { tenantId: tenant as string | number } : {}),
      claims: Object.freeze({ ...payload }),
    });
  };
}

function unauthenticated(message: string): AppError {
  return new AppError("UNAUTHENTICATED", message);
}

/**
 * Parses `DEV_ACTOR` / API key actors written as `<id>`, `<id>:<role>,<role>`, and either followed by
 * `@<tenant>` for a multi-tenant actor.
 * @example parseActor("7:admin,editor") // { id: "7", roles: ["admin", "editor"] }
 * @example parseActor("12:agent@acme") // { id: "12", roles: ["agent"], tenantId: "acme" }
 */
export function parseActor(text: string): Actor {
  const at = text.lastIndexOf("@");
  const [who, tenant] = at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1).trim()];
  const [id, roles = ""] = who.split(":", 2) as [string, string | undefined];
  if (!id.trim() || tenant === "")
    throw new Error(`An actor is "<id>", "<id>:<role>,<role>" or either followed by "@<tenant>", got "${text}"`);
  return Object.freeze({
    id: id.trim(),
    roles: Object.freeze(
      roles
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean),
    ),
    ...(tenant ? { tenantId: tenant } : {}),
  });
}
