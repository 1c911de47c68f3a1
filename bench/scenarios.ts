/**
 * What the peer benchmark asks each server, and how each answer is read back into one shape so that
 * the servers can be checked to return the same thing.
 *
 * Three scenarios, each asked of four servers: the raw `pg` endpoint (bench/baseline.ts), PostGraphile
 * (bench/postgraphile.ts), and Autograph's GraphQL and REST (one `npm start` process).
 */

/** The servers measured, in the order the table lists them. */
export const SERVERS = ["raw", "postgraphile", "graphql", "rest"] as const;
export type ServerName = (typeof SERVERS)[number];

/** The processes that serve them: Autograph serves both `graphql` and `rest`. */
export type ProcessName = "raw" | "postgraphile" | "autograph";
export const processOf: Record<ServerName, ProcessName> = {
  raw: "raw",
  postgraphile: "postgraphile",
  graphql: "autograph",
  rest: "autograph",
};

/** One HTTP request, sent over and over. */
export interface Request {
  readonly method: "GET" | "POST";
  /** Path and query, already URL-encoded. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** An answer in the shape every server's answer is brought to. */
export interface Answer {
  posts: { id: string; title: string; author: string; comments?: { id: string; body: string; author: string }[] }[];
  /** The number of posts over all pages, when the scenario asks for it. */
  totalCount?: number;
}

/** A server's way of asking a scenario and of reading its answer (throws, saying why, when the answer is not what was asked). */
interface Asked {
  readonly request: Request;
  read(body: unknown, headers: Headers): Answer;
}

export interface Scenario {
  readonly name: "list" | "nested" | "page";
  readonly description: string;
  /** Posts every server must return. */
  readonly size: number;
  readonly withComments: boolean;
  readonly withTotal: boolean;
  readonly servers: Record<ServerName, Asked>;
}

const graphqlPost = (query: string): Request => ({
  method: "POST",
  path: "/graphql",
  headers: { "content-type": "application/json", accept: "application/json" },
  body: JSON.stringify({ query }),
});

const rest = (size: number, fields: string): Request => ({
  method: "GET",
  path: `/api/posts?${new URLSearchParams({ range: JSON.stringify([0, size - 1]), sort: JSON.stringify(["id", "ASC"]), fields })}`,
  headers: { accept: "application/json" },
});

const get = (path: string): Request => ({ method: "GET", path, headers: { accept: "application/json" } });

type Json = Record<string, any>;

/** Throws unless `value` is an array. */
function list(value: unknown, what: string): Json[] {
  if (!Array.isArray(value))
    throw new Error(`expected ${what} to be an array, got ${JSON.stringify(value)?.slice(0, 200)}`);
  return value as Json[];
}

function data(body: unknown): Json {
  const b = body as { data?: Json; errors?: unknown } | null;
  if (b?.errors) throw new Error(`GraphQL errors: ${JSON.stringify(b.errors).slice(0, 500)}`);
  if (!b?.data) throw new Error("expected a GraphQL `data` object");
  return b.data;
}

/** A post as raw, Autograph GraphQL and REST write it (`id`), or PostGraphile (`rowId`, comments as a connection). */
function post(p: Json, withComments: boolean, postgraphile = false): Answer["posts"][number] {
  const id = postgraphile ? p.rowId : p.id;
  if (id == null || typeof p.title !== "string" || typeof p.author?.name !== "string")
    throw new Error(`expected a post with an id, a title and an author's name, got ${JSON.stringify(p).slice(0, 300)}`);
  const out: Answer["posts"][number] = { id: String(id), title: p.title, author: p.author.name };
  if (withComments) {
    out.comments = list(postgraphile ? p.comments?.nodes : p.comments, "a post's comments").map((c) => {
      const cid = postgraphile ? c.rowId : c.id;
      if (cid == null || typeof c.body !== "string" || typeof c.author?.name !== "string")
        throw new Error(
          `expected a comment with an id, a body and an author's name, got ${JSON.stringify(c).slice(0, 300)}`,
        );
      return { id: String(cid), body: c.body, author: c.author.name };
    });
  }
  return out;
}

/** `Content-Range: posts 0-19/320` → 320. */
function contentRangeTotal(headers: Headers): number {
  const range = headers.get("content-range") ?? "";
  const total = Number(/\/(\d+)$/.exec(range)?.[1]);
  if (!Number.isInteger(total)) throw new Error(`expected a Content-Range header with a total, got "${range}"`);
  return total;
}

const LIST = 50;
const PAGE = 20;

export const scenarios: readonly Scenario[] = [
  {
    name: "list",
    description: `the first ${LIST} posts by id, each with its author's name`,
    size: LIST,
    withComments: false,
    withTotal: false,
    servers: {
      raw: { request: get("/list"), read: (body) => ({ posts: list(body, "the body").map((p) => post(p, false)) }) },
      postgraphile: {
        request: graphqlPost(
          `{ posts(first: ${LIST}, orderBy: PRIMARY_KEY_ASC) { nodes { rowId title author { name } } } }`,
        ),
        read: (body) => ({ posts: list(data(body).posts?.nodes, "posts.nodes").map((p) => post(p, false, true)) }),
      },
      graphql: {
        request: graphqlPost(`{ posts(take: ${LIST}, orderBy: [{ id: asc }]) { id title author { name } } }`),
        read: (body) => ({ posts: list(data(body).posts, "posts").map((p) => post(p, false)) }),
      },
      rest: {
        request: rest(LIST, "id,title,author.name"),
        read: (body) => ({ posts: list(body, "the body").map((p) => post(p, false)) }),
      },
    },
  },
  {
    name: "nested",
    description: `the first ${LIST} posts by id, each with its author's name and its comments, each comment with its author's name`,
    size: LIST,
    withComments: true,
    withTotal: false,
    servers: {
      raw: { request: get("/nested"), read: (body) => ({ posts: list(body, "the body").map((p) => post(p, true)) }) },
      postgraphile: {
        request: graphqlPost(
          `{ posts(first: ${LIST}, orderBy: PRIMARY_KEY_ASC) { nodes { rowId title author { name } comments { nodes { rowId body author { name } } } } } }`,
        ),
        read: (body) => ({ posts: list(data(body).posts?.nodes, "posts.nodes").map((p) => post(p, true, true)) }),
      },
      graphql: {
        request: graphqlPost(
          `{ posts(take: ${LIST}, orderBy: [{ id: asc }]) { id title author { name } comments { id body author { name } } } }`,
        ),
        read: (body) => ({ posts: list(data(body).posts, "posts").map((p) => post(p, true)) }),
      },
      rest: {
        request: rest(LIST, "id,title,author.name,comments.id,comments.body,comments.author.name"),
        read: (body) => ({ posts: list(body, "the body").map((p) => post(p, true)) }),
      },
    },
  },
  {
    name: "page",
    description: `a page of the first ${PAGE} posts by id, each with its author's name, and the number of posts over all pages`,
    size: PAGE,
    withComments: false,
    withTotal: true,
    servers: {
      raw: {
        request: get("/page"),
        read: (body) => ({
          posts: list((body as Json | null)?.nodes, "nodes").map((p) => post(p, false)),
          totalCount: (body as Json).totalCount,
        }),
      },
      postgraphile: {
        request: graphqlPost(
          `{ posts(first: ${PAGE}, orderBy: PRIMARY_KEY_ASC) { nodes { rowId title author { name } } totalCount } }`,
        ),
        read: (body) => {
          const posts = data(body).posts;
          return {
            posts: list(posts?.nodes, "posts.nodes").map((p) => post(p, false, true)),
            totalCount: posts.totalCount,
          };
        },
      },
      graphql: {
        request: graphqlPost(
          `{ postsConnection(first: ${PAGE}, orderBy: [{ id: asc }]) { nodes { id title author { name } } totalCount } }`,
        ),
        read: (body) => {
          const page = data(body).postsConnection;
          return {
            posts: list(page?.nodes, "postsConnection.nodes").map((p) => post(p, false)),
            totalCount: page.totalCount,
          };
        },
      },
      rest: {
        request: rest(PAGE, "id,title,author.name"),
        read: (body, headers) => ({
          posts: list(body, "the body").map((p) => post(p, false)),
          totalCount: contentRangeTotal(headers),
        }),
      },
    },
  },
];

/**
 * The answer of `server` to `scenario` from a response, checked: status 200, JSON, the expected number
 * of posts with their authors (and comments, and total). Throws with the server, scenario and response
 * otherwise.
 */
export function readAnswer(
  scenario: Scenario,
  server: ServerName,
  status: number,
  headers: Headers,
  text: string,
): Answer {
  const { request } = scenario.servers[server];
  const fail = (why: string): never => {
    throw new Error(
      `${server} / ${scenario.name} (${request.method} ${request.path}): ${why}. Response ${status}: ${text.slice(0, 500)}`,
    );
  };
  if (status !== 200) fail(`expected status 200, got ${status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail("expected a JSON body");
  }
  let answer: Answer;
  try {
    answer = scenario.servers[server].read(body, headers);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (answer.posts.length !== scenario.size) fail(`expected ${scenario.size} posts, got ${answer.posts.length}`);
  if (scenario.withTotal && !Number.isInteger(answer.totalCount))
    fail(`expected a whole totalCount, got ${String(answer.totalCount)}`);
  return answer;
}

/**
 * A text that is equal for two answers exactly when they hold the same posts in the same order, with
 * the same titles and authors, the same comments (in any order: the servers order comments
 * differently, none of the requests asks for an order) and the same total.
 */
export function fingerprint(answer: Answer): string {
  return JSON.stringify({
    posts: answer.posts.map((p) => ({
      ...p,
      ...(p.comments ? { comments: [...p.comments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) } : {}),
    })),
    totalCount: answer.totalCount ?? null,
  });
}
