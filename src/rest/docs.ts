/**
 * The API docs page (rest-dialect.md §10): Swagger UI over the served OpenAPI document, entirely from
 * the installed swagger-ui-dist package. No CDN: the page works offline and behind strict proxies.
 * Only a fixed list of files is served, so a path can never reach outside the package.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Files served from swagger-ui-dist under `<base>/docs/`, with their media types. */
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

/** The docs page and its assets. */
export interface DocsSite {
  /** The HTML page. */
  page(): Response;
  /** A file under `<base>/docs/`, or undefined when there is no such file. */
  asset(name: string): Promise<Response | undefined>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Builds the docs site for a REST facade mounted at `basePath` (its spec at `<basePath>/openapi.json`).
 * Every URL in the page is a path on this server.
 */
export function createDocsSite(basePath: string, title: string): DocsSite {
  const folder = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const docs = `${basePath}/docs`;
  const init = [
    "window.onload = function () {",
    "  window.ui = SwaggerUIBundle({",
    `    url: ${JSON.stringify(`${basePath}/openapi.json`)},`,
    '    dom_id: "#swagger-ui",',
    "    deepLinking: true,",
    // The default validator badge calls validator.swagger.io: off, so nothing leaves the server.
    "    validatorUrl: null,",
    "    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],",
    '    layout: "StandaloneLayout",',
    "  });",
    "};",
    "",
  ].join("\n");
  const html = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" href="${docs}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${docs}/favicon-32x32.png" sizes="32x32">
    <style>body { margin: 0; }</style>
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${docs}/swagger-ui-bundle.js"></script>
    <script src="${docs}/swagger-ui-standalone-preset.js"></script>
    <script src="${docs}/init.js"></script>
  </body>
</html>
`;
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  return {
    page: () => new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } }),
    async asset(name) {
      if (name === "init.js")
        return new Response(init, { headers: { "Content-Type": "text/javascript; charset=utf-8" } });
      const type = ASSETS[name];
      if (!type) return undefined;
      let bytes = cache.get(name);
      if (!bytes) {
        bytes = new Uint8Array(await readFile(join(folder, name)));
        cache.set(name, bytes);
      }
      return new Response(bytes, { headers: { "Content-Type": type, "Cache-Control": "public, max-age=86400" } });
    },
  };
}
