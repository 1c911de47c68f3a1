/**
 * Builds the example admin with esbuild (one ES module bundle plus an index.html that tells the app
 * where the API is) and serves a built folder over plain node:http. Used by test/e2e/ and, run
 * directly, by a person who wants to click around:
 *
 * ```sh
 * npm start                                # the API on http://localhost:4000
 * npx tsx test/e2e/stock-admin/build.ts          # the admin on http://localhost:5173
 * ```
 *
 * `AUTOGRAPH_API` (default `http://localhost:4000/api`) and `ADMIN_PORT` (default 5173) change either end.
 */
import { createReadStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** Options of {@link buildAdmin}. */
export interface BuildOptions {
  /** Folder to write `index.html` and `main.js` into (created if missing). */
  outDir: string;
  /** The REST base URL the app's data provider uses, e.g. `http://localhost:4000/api`. */
  apiUrl: string;
}

/** Bundles `src/main.tsx` for browsers and writes the page; resolves once both files are written. */
export async function buildAdmin({ outDir, apiUrl }: BuildOptions): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(HERE, "src/main.tsx")],
    outfile: join(outDir, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    // React and MUI pick their production builds from this; development React is slower and noisier.
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  // The API URL is data, not code: JSON.stringify plus escaping "<" keeps it from closing the script.
  const api = JSON.stringify(apiUrl).replaceAll("<", "\\u003c");
  await writeFile(
    join(outDir, "index.html"),
    `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Autograph admin</title>
    <link rel="icon" href="data:," />
    <script>window.AUTOGRAPH_API = ${api};</script>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="./main.js"></script>
  </body>
</html>
`,
  );
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
};

/** A static file server on 127.0.0.1. */
export interface StaticServer {
  /** Its origin, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the files of `dir` (`/` is `index.html`); anything outside `dir` or missing is a 404. */
export async function serveStatic(dir: string, port = 0): Promise<StaticServer> {
  const root = resolve(dir);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const file = resolve(root, `.${path === "/" ? "/index.html" : path}`);
    const found = file.startsWith(root + sep) && (await stat(file).catch(() => undefined))?.isFile();
    if (!found) {
      response.writeHead(404, { "content-type": "text/plain" }).end(`Not found: ${path}`);
      return;
    }
    response.writeHead(200, {
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => done());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = join(HERE, "dist");
  const apiUrl = process.env.AUTOGRAPH_API ?? "http://localhost:4000/api";
  await buildAdmin({ outDir, apiUrl });
  const site = await serveStatic(outDir, Number(process.env.ADMIN_PORT ?? 5173));
  console.log(`Admin on ${site.url} (API ${apiUrl}); Ctrl+C stops it.`);
}
