/**
 * The measured requests. All three read the same thing — the first 50 posts by id, each with its author
 * (id, name, email, role) — so their numbers can be divided by each other.
 */

/** Number of posts every scenario must return. */
export const PAGE = 50;

/** Which server a scenario targets. */
export type Target = "app" | "baseline";

/** One measured request, sent over and over. */
export interface Scenario {
  readonly name: string;
  readonly target: Target;
  readonly method: "GET" | "POST";
  /** Path and query, already URL-encoded. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The posts in a response body, or a description of why the body is not what was expected. */
  posts(body: unknown): unknown;
}

const GRAPHQL_QUERY = `{ posts(take: ${PAGE}) { id title status views author { id name email role } } }`;

export const scenarios: readonly Scenario[] = [
  {
    name: "baseline",
    target: "baseline",
    method: "GET",
    path: "/",
    headers: {},
    posts: (body) => body,
  },
  {
    name: "graphql",
    target: "app",
    method: "POST",
    path: "/graphql",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query: GRAPHQL_QUERY }),
    posts: (body) => (body as { data?: { posts?: unknown } } | null)?.data?.posts,
  },
  {
    name: "rest",
    target: "app",
    method: "GET",
    path: `/api/posts?${new URLSearchParams({ range: JSON.stringify([0, PAGE - 1]), embed: "author" })}`,
    headers: { accept: "application/json" },
    posts: (body) => body,
  },
];

/** A post as every scenario must return it. */
export interface CheckedPost {
  /** A number, or a string where the transport types ids as GraphQL `ID`. */
  id: number | string;
  author: { id: number | string; name: string; email: string; role: string };
}

const isId = (value: unknown): boolean => typeof value === "number" || (typeof value === "string" && value !== "");

/**
 * The posts of a response, checked: exactly {@link PAGE} of them, each with an id and an author with
 * id, name, email and role. Throws with the scenario name and what arrived otherwise.
 */
export function checkPosts(scenario: Scenario, status: number, text: string): CheckedPost[] {
  const fail = (why: string): never => {
    throw new Error(`Scenario "${scenario.name}" (${scenario.method} ${scenario.path}): ${why}. Response ${status}: ${text.slice(0, 500)}`);
  };
  if (status !== 200) fail(`expected status 200, got ${status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail("expected a JSON body");
  }
  const posts = scenario.posts(body);
  if (!Array.isArray(posts)) return fail("expected an array of posts");
  if (posts.length !== PAGE) fail(`expected ${PAGE} posts, got ${posts.length}`);
  for (const [i, post] of posts.entries()) {
    const p = post as { id?: unknown; author?: Record<string, unknown> | null } | null;
    const a = p?.author;
    const ok =
      isId(p?.id) &&
      a != null &&
      isId(a.id) &&
      typeof a.name === "string" &&
      typeof a.email === "string" &&
      typeof a.role === "string";
    if (!ok) fail(`post [${i}] must have an id and an author with id, name, email and role, got ${JSON.stringify(post)}`);
  }
  return posts as CheckedPost[];
}
