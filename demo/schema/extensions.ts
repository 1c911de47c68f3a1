// Schema-first GraphQL extensions of the demo: SDL in demo/schema/*.graphql, resolvers here. Resolvers call
// the runtime's services only (never Prisma), so access rules, hidden fields and limits still apply.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AppError, type GraphQLExtension } from "../../src/index.ts";

/** topAuthors reads every post; beyond this many it refuses rather than answer slowly or wrongly. */
const MAX_POSTS_SCANNED = 10_000;
const MAX_LIMIT = 100;

interface AuthorTotals {
  posts: number;
  totalViews: number;
}

/** `topAuthors`: per-author post counts and view totals, computed from the posts the runtime lists. */
export const reportsExtension: GraphQLExtension = {
  typeDefs: readFileSync(resolve(import.meta.dirname, "reports.graphql"), "utf8"),
  resolvers: {
    Query: {
      topAuthors: async (_root: unknown, args: { limit: number }, { runtime, context }) => {
        const { limit } = args;
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
          throw new AppError("BAD_REQUEST", `topAuthors(limit) must be between 1 and ${MAX_LIMIT}, got ${limit}.`);
        }
        const posts = runtime.service("post");
        const total = await posts.count(context);
        if (total > MAX_POSTS_SCANNED) {
          throw new AppError(
            "BAD_REQUEST",
            `topAuthors reads every post and serves at most ${MAX_POSTS_SCANNED} posts; there are ${total}.`,
          );
        }
        const byAuthor = new Map<number, AuthorTotals>();
        const pageSize = posts.resource.maxPageSize;
        // Sorted by id, so pages neither skip nor repeat a post.
        for (let offset = 0; offset < total; offset += pageSize) {
          const { records } = await posts.list(context, {
            sort: [{ field: "id", direction: "asc" }],
            offset,
            limit: pageSize,
          });
          for (const post of records) {
            const authorId = post.authorId as number;
            const totals = byAuthor.get(authorId) ?? { posts: 0, totalViews: 0 };
            totals.posts += 1;
            totals.totalViews += post.views as number;
            byAuthor.set(authorId, totals);
          }
          if (records.length < pageSize) break;
        }
        const ranked = [...byAuthor]
          .sort(([idA, a], [idB, b]) => b.totalViews - a.totalViews || b.posts - a.posts || idA - idB)
          .slice(0, limit);
        // Records presented by the runtime, so `author { ... }` resolves through the generated User type.
        const authors = await runtime.service("user").getMany(
          context,
          ranked.map(([id]) => id),
        );
        const byId = new Map(authors.map((a) => [a.id, a]));
        return ranked.flatMap(([id, totals]) => {
          const author = byId.get(id);
          return author ? [{ author, ...totals }] : [];
        });
      },
    },
  },
};

/** Every extension of the demo schema. */
export const extensions: GraphQLExtension[] = [reportsExtension];
