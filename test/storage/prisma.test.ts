import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDemoDatabase, type DemoDatabase } from "../support/demo-database.ts";
import { DEMO_PASSWORD, isSeeded, seedDemoData, type SeedSummary } from "../../demo/seed.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let testDb: TestDatabase;
let db: DemoDatabase;
let summary: SeedSummary;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDemoDatabase(testDb.url);
  expect(await isSeeded(db.prisma)).toBe(false);
  summary = await seedDemoData(db.prisma);
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("statement counter", () => {
  test("a findMany with an include is one statement (relationJoins)", async () => {
    db.statements.reset();
    const posts = await db.prisma.post.findMany({ include: { author: true }, take: 50 });
    expect(posts).toHaveLength(50);
    expect(posts.every((p) => p.author.id === p.authorId)).toBe(true);
    expect(db.statements.count).toBe(1);
    expect(db.statements.log).toHaveLength(1);
    expect(db.statements.log[0]).toMatch(/LEFT JOIN LATERAL/);
  });

  test("nested includes stay one statement however many rows come back", async () => {
    db.statements.reset();
    const posts = await db.prisma.post.findMany({
      include: { author: true, comments: { include: { author: true } }, tags: { include: { tag: true } } },
    });
    expect(posts).toHaveLength(320);
    expect(db.statements.count).toBe(1);
  });

  test("interactive transactions count BEGIN and COMMIT on the checked-out client", async () => {
    db.statements.reset();
    await db.prisma.$transaction(async (tx) => {
      await tx.user.count();
      await tx.tag.count();
    });
    expect(db.statements.count).toBe(4);
    expect(db.statements.log[0]).toBe("BEGIN");
    expect(db.statements.log[3]).toBe("COMMIT");
  });

  test("a failed interactive transaction counts its ROLLBACK", async () => {
    db.statements.reset();
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.user.count();
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(db.statements.log).toEqual(["BEGIN", expect.stringMatching(/^SELECT COUNT/), "ROLLBACK"]);
  });

  test("batch transactions and nested writes count their BEGIN/COMMIT too", async () => {
    db.statements.reset();
    await db.prisma.$transaction([db.prisma.user.count(), db.prisma.post.count()]);
    expect(db.statements.count).toBe(4);

    db.statements.reset();
    const tag = await db.prisma.tag.create({ data: { name: "counted", posts: { create: { postId: 1 } } } });
    expect(db.statements.log.at(0)).toBe("BEGIN");
    expect(db.statements.log.at(-1)).toBe("COMMIT");
    await db.prisma.tag.delete({ where: { id: tag.id } }); // leaves the seeded data as it was
  });

  test("queries sent on the pool directly are counted", async () => {
    db.statements.reset();
    await db.pool.query("select 1");
    const client = await db.pool.connect();
    try {
      await client.query({ text: "select $1::int", values: [2] });
    } finally {
      client.release();
    }
    expect(db.statements.log).toEqual(["select 1", "select $1::int"]);
  });

  test("the log keeps only the last logSize texts while the count goes on", async () => {
    const small = createDemoDatabase(testDb.url, { logSize: 2 });
    try {
      for (const n of [1, 2, 3]) await small.pool.query(`select ${n}`);
      expect(small.statements.count).toBe(3);
      expect(small.statements.log).toEqual(["select 2", "select 3"]);
      small.statements.reset();
      expect(small.statements.count).toBe(0);
      expect(small.statements.log).toEqual([]);
    } finally {
      await small.close();
      await small.close(); // idempotent
    }
  });
});

describe("seedDemoData", () => {
  test("writes the demo data set", async () => {
    expect(summary).toMatchObject({ users: 40, posts: 320, comments: 600, tags: 25 });
    expect(await isSeeded(db.prisma)).toBe(true);
    const counts = await db.prisma.$transaction([
      db.prisma.user.count(),
      db.prisma.post.count(),
      db.prisma.comment.count(),
      db.prisma.tag.count(),
      db.prisma.postTag.count(),
    ]);
    expect(counts).toEqual([40, 320, 600, 25, summary.postTags]);
    expect(summary.postTags).toBeGreaterThan(320);
  });

  test("users have every role, unique emails and a hashed password", async () => {
    const byRole = await db.prisma.user.groupBy({ by: ["role"], _count: true, orderBy: { role: "asc" } });
    expect(byRole.map((r) => [r.role, r._count])).toEqual([
      ["admin", 2],
      ["editor", 6],
      ["author", 16],
      ["reader", 16],
    ]);
    const users = await db.prisma.user.findMany();
    expect(new Set(users.map((u) => u.email)).size).toBe(40);
    expect(users.every((u) => u.passwordHash.startsWith("scrypt$") && !u.passwordHash.includes(DEMO_PASSWORD))).toBe(
      true,
    );
    const readersWithPosts = await db.prisma.post.count({ where: { author: { role: "reader" } } });
    expect(readersWithPosts).toBe(0);
  });

  test("publishedAt is set exactly on published posts, and statuses are mixed", async () => {
    const byStatus = await db.prisma.post.groupBy({ by: ["status"], _count: true });
    expect(byStatus.map((s) => s.status).sort()).toEqual(["archived", "draft", "published"]);
    expect(await db.prisma.post.count({ where: { status: "published", publishedAt: null } })).toBe(0);
    expect(await db.prisma.post.count({ where: { status: { not: "published" }, publishedAt: { not: null } } })).toBe(0);
    expect(await db.prisma.post.count({ where: { status: "draft", views: { gt: 0 } } })).toBe(0);
    expect(await db.prisma.comment.count({ where: { post: { status: { not: "published" } } } })).toBe(0);
  });

  test("is deterministic: a second database gets identical rows", async () => {
    const other = await createTestDatabase();
    const otherDb = createDemoDatabase(other.url);
    try {
      await seedDemoData(otherDb.prisma);
      const snapshot = (d: DemoDatabase) =>
        Promise.all([
          d.prisma.user.findMany({ orderBy: { id: "asc" } }),
          d.prisma.post.findMany({ orderBy: { id: "asc" } }),
          d.prisma.comment.findMany({ orderBy: { id: "asc" } }),
          d.prisma.postTag.findMany({ orderBy: [{ postId: "asc" }, { tagId: "asc" }] }),
        ]);
      expect(await snapshot(otherDb)).toEqual(await snapshot(db));
    } finally {
      await otherDb.close();
      await other.drop();
    }
  });
});
