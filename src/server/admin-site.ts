/**
 * The generated admin app at `/admin` (docs/guides/admin.md): the bundle `npm run build` writes to
 * dist/admin (scripts/build-admin.mjs), served as static files. `main.js` goes gzipped to clients that
 * accept it, every file with an ETag to revalidate, and the page under a Content-Security-Policy that
 * lets it load nothing from elsewhere but images (a file field's bytes may be redirected to S3).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";

/** The admin page's policy: its own scripts and requests only; MUI's emotion styles are inline. */
export const ADMIN_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https: http:; " +
  "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Where the built admin is: dist/admin, seen from this module in src/ (tests), dist/src/ (`npm start`)
 * or dist/lib/ (the package).
 */
export function defaultAdminDir(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const root = resolve(here, "../..");
  return (
    [join(root, "admin"), join(root, "dist", "admin")].find((d) => existsSync(join(d, "main.js"))) ??
    join(root, "dist", "admin")
  );
}

interface Asset {
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "main.js": "text/javascript; charset=utf-8",
};

/** Mounts `/admin` on `app`, serving the bundle in `dir`; without one, `/admin` says how to build it (503). */
export function mountAdminSite(app: Hono, dir: string): void {
  const cache = new Map<string, Asset | undefined>();
  const asset = (name: string): Asset | undefined => {
    if (!cache.has(name)) {
      const path = join(dir, name);
      if (!existsSync(path)) return undefined; // not cached: a build may still come
      const body = readFileSync(path);
      const gz = `${path}.gz`;
      cache.set(name, {
        body,
        gzipped: existsSync(gz) ? readFileSync(gz) : undefined,
        type: TYPES[name] ?? "application/octet-stream",
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      });
    }
    return cache.get(name);
  };
  const serve = (name: string, request: Request): Response => {
    const found = asset(name);
    if (!found)
      return new Response(
        "The admin app is not built. Run `npm run build` (npm start does), which bundles it into dist/admin.",
        { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } },
      );
    const headers: Record<string, string> = {
      "Content-Type": found.type,
      ETag: found.etag,
      "Cache-Control": "no-cache",
      Vary: "Accept-Encoding",
      "Content-Security-Policy": ADMIN_CSP,
    };
    if (request.headers.get("if-none-match") === found.etag) return new Response(null, { status: 304, headers });
    const gzip = found.gzipped && /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
    if (gzip) headers["Content-Encoding"] = "gzip";
    const body = gzip ? (found.gzipped as Buffer) : found.body;
    return new Response(request.method === "HEAD" ? null : new Uint8Array(body), { status: 200, headers });
  };
  app.get("/admin", (c) => c.redirect("/admin/", 308));
  app.get("/admin/", (c) => serve("index.html", c.req.raw));
  app.get("/admin/main.js", (c) => serve("main.js", c.req.raw));
}
