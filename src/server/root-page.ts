/**
 * The answer at `/` (and the JSON index at `/api`): where each part of the API lives. JSON for programs;
 * for a browser, which prefers HTML, a small page of links to the same places. The page is
 * self-contained (no script, no style, no external asset), so it works without JavaScript and under
 * the strictest Content-Security-Policy.
 */
import type { ResolvedSchema } from "../metadata/resolved.ts";

/** The JSON index: the API's entry points and every resource's REST path. */
export interface RootIndex {
  name: string;
  graphql: string;
  rest: string;
  openapi: string;
  docs: string;
  /** The schema description of the requesting actor (docs/reference/meta.md). */
  meta: string;
  /** The admin app. */
  admin: string;
  resources: string[];
}

/** The index of a server with GraphQL at `graphql` and REST at `/api`. */
export function rootIndex(schema: ResolvedSchema, graphql: string): RootIndex {
  return {
    name: "Autograph",
    graphql,
    rest: "/api",
    openapi: "/api/openapi.json",
    docs: "/api/docs",
    meta: "/api/_meta",
    admin: "/admin",
    resources: schema.resources.map((r) => `/api/${r.names.path}`),
  };
}

/** The quality an `Accept` header gives a media type: its own entry, else `type/*`, else `*\/*`, else 0. */
function quality(accept: string, type: string): number {
  let best = { specificity: -1, q: 0 };
  for (const part of accept.split(",")) {
    const [range = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const specificity = range === type ? 2 : range === `${type.split("/")[0]}/*` ? 1 : range === "*/*" ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const q = params.find((p) => p.startsWith("q="));
    const value = q === undefined ? 1 : Number(q.slice(2));
    best = { specificity, q: Number.isFinite(value) ? value : 0 };
  }
  return best.q;
}

/** Whether a request's `Accept` prefers HTML to JSON (a browser's navigation); a tie answers JSON. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return quality(accept, "text/html") > quality(accept, "application/json");
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/**
 * The HTML page of the index: links to the admin app, GraphQL (GraphiQL when `graphiql` is served), the
 * REST docs and documents, and each resource.
 */
export function rootPage(index: RootIndex, graphiql: boolean): string {
  const link = (href: string, text: string, note: string) =>
    `<li><a href="${escapeHtml(href)}">${escapeHtml(text)}</a> — ${escapeHtml(note)}</li>`;
  const resources = index.resources.map((path) => link(path, path.replace(/^\/api\//, ""), `GET ${path}`));
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(index.name)}</title>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(index.name)}</h1>`,
    "<ul>",
    link(index.admin, "Admin", "the back office, built from the API's description"),
    link(index.graphql, "GraphQL", graphiql ? "GraphiQL, to explore and run queries" : "the endpoint (POST)"),
    link(index.docs, "REST API docs", "every route, with its parameters"),
    link(index.openapi, "OpenAPI document", "the REST API as OpenAPI 3.1 JSON"),
    link(index.meta, "Schema description", "what you may do with each resource, as JSON"),
    "</ul>",
    "<h2>Resources</h2>",
    "<ul>",
    ...resources,
    "</ul>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
