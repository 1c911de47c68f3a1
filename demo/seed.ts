// Longer than 400 lines: most of it is the demo's word lists (names, topics, sentences): data, not logic.
/**
 * Demo data for the demo schema: users, posts, comments and tags that look like a small blog, and a
 * help desk's tickets. Deterministic: a seeded PRNG and a fixed clock, so every seed of an empty
 * database yields the same rows (same ids too, as long as the sequences are fresh), which keeps docs,
 * screenshots and benchmarks comparable. Every record of a resource keeping revisions gets its first
 * revision (a `create`), as if it had been written through the API.
 */
import { scryptSync } from "node:crypto";
import { type ResolvedResource, resolveResources, type Seed } from "../src/index.ts";
import { datamodel } from "./datamodel.ts";
import type { Prisma, PrismaClient } from "./generated/client.ts";
import { resources } from "./schema/index.ts";

/** Rows written by {@link seedDemoData}, per table. */
export interface SeedSummary {
  users: number;
  /** First revisions of the posts, tags and tickets (the resources keeping revisions). */
  revisions: number;
  posts: number;
  comments: number;
  tags: number;
  postTags: number;
  tickets: number;
  ticketReplies: number;
}

/** Options of {@link seedDemoData}. */
export interface SeedOptions {
  /** PRNG seed: another value gives another (equally deterministic) data set. @default 20250101 */
  seed?: number;
}

/** The password of every demo user. Demo data only: never seed a real deployment with it. */
export const DEMO_PASSWORD = "autograph-demo";

/** Every row's timestamps are derived from this instant, not from the clock. */
const EPOCH = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

const COUNTS = { users: 40, posts: 320, comments: 600, ticketsPerTenant: 24 } as const;
/** The help desk's tenants (multi-tenant part of the demo, docs/guides/security.md). */
export const DEMO_TENANTS = ["acme", "globex"] as const;
const ISSUES = [
  "Cannot log in",
  "Invoice is wrong",
  "Export times out",
  "Password reset mail never arrives",
  "Dashboard is blank",
  "Need more seats",
  "API returns 429",
  "Webhook not firing",
];
const NOTES = [
  "Customer is on the legacy plan.",
  "Escalated to billing.",
  "Known bug, fix scheduled.",
  "Refund approved by finance.",
  "",
];
const REPLIES = [
  "Thanks, we are looking into it.",
  "Could you send a screenshot?",
  "This should be fixed now.",
  "Any update on this?",
  "Works for me now, thanks!",
];
const ROLES = [
  ...Array<"admin">(2).fill("admin"),
  ...Array<"editor">(6).fill("editor"),
  ...Array<"author">(16).fill("author"),
  ...Array<"reader">(16).fill("reader"),
] as const;

const FIRST = [
  "Ada",
  "Alan",
  "Grace",
  "Linus",
  "Barbara",
  "Ken",
  "Margaret",
  "Dennis",
  "Frances",
  "Edsger",
  "Radia",
  "Guido",
  "Hedy",
  "Donald",
  "Sophie",
  "Tim",
  "Katherine",
  "Brian",
  "Anita",
  "John",
  "Lena",
  "Niklaus",
  "Mary",
  "Bjarne",
  "Jean",
  "Yukihiro",
  "Carol",
  "Rob",
  "Shafi",
  "Leslie",
];
const LAST = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Torvalds",
  "Liskov",
  "Thompson",
  "Hamilton",
  "Ritchie",
  "Allen",
  "Dijkstra",
  "Perlman",
  "van Rossum",
  "Lamarr",
  "Knuth",
  "Wilson",
  "Berners-Lee",
  "Johnson",
  "Kernighan",
  "Borg",
  "McCarthy",
  "Meyer",
  "Wirth",
  "Keller",
  "Stroustrup",
  "Sammet",
  "Matsumoto",
  "Shaw",
  "Pike",
  "Goldwasser",
  "Lamport",
];
const TAGS = [
  "postgres",
  "graphql",
  "rest",
  "typescript",
  "node",
  "prisma",
  "performance",
  "security",
  "testing",
  "devops",
  "design",
  "api",
  "react",
  "caching",
  "observability",
  "migrations",
  "tutorial",
  "release-notes",
  "architecture",
  "accessibility",
  "databases",
  "open-source",
  "career",
  "tooling",
  "opinion",
];
const TOPICS = [
  "pagination",
  "soft deletes",
  "connection pools",
  "cursor pagination",
  "schema migrations",
  "rate limiting",
  "N+1 queries",
  "full-text search",
  "optimistic locking",
  "audit logs",
  "access control",
  "DataLoader",
  "JSON columns",
  "indexes",
  "transactions",
  "webhooks",
  "file uploads",
  "subscriptions",
  "error handling",
  "feature flags",
];
const TITLE_FORMS = [
  (t: string) => `A practical guide to ${t}`,
  (t: string) => `What we learned about ${t}`,
  (t: string) => `${cap(t)} in production`,
  (t: string) => `Rethinking ${t}`,
  (t: string) => `${cap(t)}: common pitfalls`,
  (t: string) => `Notes on ${t}`,
  (t: string) => `Why ${t} matter more than you think`,
  (t: string) => `${cap(t)}, step by step`,
];
const SENTENCES = [
  "We started with the simplest thing that could possibly work.",
  "The first version was slow, and the profiler told us why.",
  "Measuring before optimizing saved us a week.",
  "Most of the complexity came from edge cases nobody had written down.",
  "The database was never the bottleneck; the number of round trips was.",
  "A small test suite against a real database caught the regression.",
  "We kept the public API tiny and let the runtime enforce the rules.",
  "Rolling it out behind a flag let us compare both paths in production.",
  "Reading the PostgreSQL documentation twice paid off.",
  "In hindsight, the migration should have been split into two steps.",
  "Clients only need a stable contract; everything else can change.",
  "The fix was three lines; finding it took two days.",
];
const COMMENTS = [
  "Great write-up, thanks!",
  "Did you try this with a larger data set?",
  "We hit the same issue last year.",
  "Could you share the benchmark code?",
  "This matches my experience exactly.",
  "I disagree with the conclusion, but the analysis is solid.",
  "Bookmarked for the next time this comes up.",
  "How does this interact with transactions?",
  "Typo in the second paragraph, otherwise excellent.",
  "Would love a follow-up on the rollout.",
  "Clear and to the point.",
  "Is there a version of this for MySQL?",
];

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** mulberry32: a tiny, fast, seedable PRNG; plenty for demo data (not for anything secret). */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  /** `n` distinct items (partial Fisher-Yates). */
  const sample = <T>(items: readonly T[], n: number): T[] => {
    const copy = [...items];
    for (let i = 0; i < n; i++) {
      const j = int(i, copy.length - 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  };
  /** A version-4 UUID from the PRNG's bytes (deterministic, unlike crypto.randomUUID). */
  const uuid = () => {
    const bytes = Array.from({ length: 16 }, () => int(0, 255));
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return { next, int, pick, sample, uuid };
}

/**
 * The scrypt hash of {@link DEMO_PASSWORD} with a fixed salt, as
 * `scrypt$<N>$<r>$<p>$<salt base64>$<key base64>` (N=16384, r=8, p=1, 32-byte key).
 */
export function demoPasswordHash(): string {
  const salt = Buffer.from("autograph-demo-salt");
  const key = scryptSync(DEMO_PASSWORD, salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString("base64")}$${key.toString("base64")}`;
}

/**
 * Whether the database already holds data (any user), in which case the demo seed must not run.
 * @example
 * ```ts
 * if (!(await isSeeded(prisma))) await seedDemoData(prisma);
 * ```
 */
export async function isSeeded(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.user.findFirst({ select: { id: true } })) !== null;
}

/**
 * Writes the demo data set in one transaction (all or nothing): 40 users (2 admins, 6 editors,
 * 16 authors, 16 readers; password {@link DEMO_PASSWORD}), 320 posts by the non-readers (about 65%
 * published with `publishedAt` set, 25% draft, 10% archived; only published posts have `publishedAt`),
 * 600 comments on published posts, 25 tags and 0-4 tags per post.
 * Meant for an empty database (see {@link isSeeded}); on a non-empty one it adds rows and may
 * conflict on unique emails or tag names.
 */
export async function seedDemoData(prisma: PrismaClient, options: SeedOptions = {}): Promise<SeedSummary> {
  const rng = prng(options.seed ?? 20250101);
  const at = (days: number) => new Date(EPOCH + Math.round(days * DAY));
  const passwordHash = demoPasswordHash();

  const emails = new Set<string>();
  const users: Prisma.UserCreateManyInput[] = ROLES.map((role, i) => {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "");
    let email = `${local}@example.com`;
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@example.com`;
    emails.add(email);
    const createdAt = at(i * 2 + rng.next());
    return { email, name: `${first} ${last}`, role, passwordHash, createdAt, updatedAt: createdAt };
  });

  return prisma.$transaction(
    async (tx) => {
      // createManyAndReturn is one INSERT ... RETURNING, whose rows come back in VALUES order.
      const userIds = (await tx.user.createManyAndReturn({ data: users, select: { id: true } })).map((u) => u.id);
      const writerIds = userIds.filter((_, i) => ROLES[i] !== "reader");
      const tagRows = await tx.tag.createManyAndReturn({
        data: TAGS.map((name, i) => ({ name, createdAt: at(i / 4), updatedAt: at(i / 4) })),
      });
      const tagIds = tagRows.map((t) => t.id);

      const posts: Prisma.PostCreateManyInput[] = [];
      for (let i = 0; i < COUNTS.posts; i++) {
        const roll = rng.next();
        const status = roll < 0.65 ? "published" : roll < 0.9 ? "draft" : "archived";
        const createdDay = 90 + (i * 270) / COUNTS.posts + rng.next();
        const publishedAt = status === "published" ? at(createdDay + rng.int(0, 5) + rng.next()) : null;
        const paragraphs = Array.from({ length: rng.int(2, 4) }, () => rng.sample(SENTENCES, rng.int(2, 4)).join(" "));
        posts.push({
          title: rng.pick(TITLE_FORMS)(rng.pick(TOPICS)),
          body: paragraphs.join("\n\n"),
          status,
          // Long-tailed, like real traffic: most posts get little, a few get a lot.
          views: status === "draft" ? 0 : Math.floor(Math.exp(rng.next() * 9)),
          publishedAt,
          authorId: rng.pick(writerIds),
          createdAt: at(createdDay),
          updatedAt: publishedAt ?? at(createdDay),
        });
      }
      const postRows = await tx.post.createManyAndReturn({ data: posts });
      const postIds = postRows.map((p) => p.id);
      const published = posts.flatMap((post, i) =>
        post.publishedAt ? [{ id: postIds[i] as number, publishedAt: post.publishedAt as Date }] : [],
      );

      const comments: Prisma.CommentCreateManyInput[] = Array.from({ length: COUNTS.comments }, () => {
        const post = rng.pick(published);
        const createdAt = new Date(post.publishedAt.getTime() + rng.next() * 20 * DAY);
        return {
          id: rng.uuid(),
          body: rng.pick(COMMENTS),
          postId: post.id,
          authorId: rng.pick(userIds),
          createdAt,
          updatedAt: createdAt,
        };
      });
      await tx.comment.createMany({ data: comments });

      const postTags: Prisma.PostTagCreateManyInput[] = postIds.flatMap((postId) =>
        rng.sample(tagIds, rng.int(0, 4)).map((tagId) => ({ postId, tagId })),
      );
      await tx.postTag.createMany({ data: postTags });

      // The help desk: each tenant's tickets, reported by readers (its customers), and their replies.
      const customers = userIds.filter((_, i) => ROLES[i] === "reader");
      const tickets: Prisma.TicketCreateManyInput[] = DEMO_TENANTS.flatMap((tenantId, t) =>
        Array.from({ length: COUNTS.ticketsPerTenant }, (_, i) => {
          const createdAt = at(200 + i * 3 + rng.next());
          return {
            tenantId,
            title: rng.pick(ISSUES),
            body: rng.sample(SENTENCES, 2).join(" "),
            status: rng.pick(["open", "pending", "closed"] as const),
            priority: rng.int(1, 5),
            internalNote: rng.pick(NOTES),
            // Customers belong to one tenant each: the first half to the first tenant.
            reporterId: customers[(t * customers.length) / 2 + (i % (customers.length / 2))] as number,
            createdAt,
            updatedAt: createdAt,
          };
        }),
      );
      const ticketRows = await tx.ticket.createManyAndReturn({ data: tickets });
      const ticketIds = ticketRows.map((t) => t.id);
      const ticketReplies: Prisma.TicketReplyCreateManyInput[] = ticketIds.flatMap((ticketId, i) =>
        Array.from({ length: rng.int(0, 3) }, (_, n) => {
          const ticket = tickets[i] as Prisma.TicketCreateManyInput;
          const createdAt = new Date((ticket.createdAt as Date).getTime() + (n + 1) * 3_600_000);
          return {
            id: rng.uuid(),
            tenantId: ticket.tenantId,
            ticketId,
            body: rng.pick(REPLIES),
            internal: rng.next() < 0.3,
            createdAt,
          };
        }),
      );
      await tx.ticketReply.createMany({ data: ticketReplies });

      const byModel = new Map(resolveResources(resources, datamodel).resources.map((r) => [r.model, r]));
      const revisions = [
        ...firstRevisions(byModel.get("Post"), postRows, rng.uuid),
        ...firstRevisions(byModel.get("Tag"), tagRows, rng.uuid),
        ...firstRevisions(byModel.get("Ticket"), ticketRows, rng.uuid),
      ];
      // One statement with one parameter: Prisma's createMany would serialise every snapshot through its
      // query compiler, several times slower for the posts' bodies (boot waits for the seed).
      await tx.$executeRawUnsafe(
        `insert into "Revision" select * from jsonb_populate_recordset(null::"Revision", $1::jsonb)`,
        JSON.stringify(revisions),
      );

      return {
        users: userIds.length,
        revisions: revisions.length,
        posts: postIds.length,
        comments: comments.length,
        tags: tagIds.length,
        postTags: postTags.length,
        tickets: ticketIds.length,
        ticketReplies: ticketReplies.length,
      };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/**
 * The boot seed of the demo (`startServer`'s `seed`): writes the demo data into a database that holds
 * no users yet, and says what it wrote.
 */
export const seedDemo: Seed<PrismaClient> = async (prisma) => {
  if (await isSeeded(prisma)) return undefined;
  const s = await seedDemoData(prisma);
  return `demo data seeded: ${s.users} users, ${s.posts} posts, ${s.comments} comments, ${s.tags} tags, ${s.revisions} revisions`;
};

/**
 * Revision 1 (a `create`) of each seeded record of `resource`, its snapshot holding the fields the
 * runtime's own snapshots hold (every field ever shown, the keys relations follow, the trash column);
 * none when the resource keeps no revisions.
 */
function firstRevisions(
  resource: ResolvedResource | undefined,
  rows: readonly Record<string, unknown>[],
  uuid: () => string,
): Prisma.RevisionCreateManyInput[] {
  if (!resource?.revisions) return [];
  const fields = new Set(resource.fields.filter((f) => !(f.hidden.one && f.hidden.list) || f.isId).map((f) => f.name));
  for (const r of resource.relations) if (r.kind === "belongsTo") fields.add(r.localField);
  if (resource.softDelete) fields.add(resource.softDelete.field);
  return rows.map((row) => ({
    id: uuid(),
    resource: resource.name,
    recordId: String(row[resource.id.name]),
    number: 1,
    parentNumber: null,
    action: "create",
    status: resource.revisions?.draft ? "draft" : "stable",
    actorId: null,
    createdAt: row.createdAt as Date,
    schemaVersion: resource.revisions?.schemaVersion ?? 1,
    data: Object.fromEntries(
      [...fields].map((f) => [f, row[f] instanceof Date ? (row[f] as Date).toISOString() : (row[f] ?? null)]),
    ) as Prisma.InputJsonObject,
  }));
}
