// A stock react-admin 5 app (test/e2e/stock-admin: ra-data-simple-rest, no glue) in a real Chromium against
// the real server, cross-origin: the page is served from one port, the API from another, so every
// list request goes through a real CORS preflight (its Range header) and reads Content-Range through
// Access-Control-Expose-Headers (docs/reference/rest-dialect.md §2.6, §8.1, §8.3). No request is
// intercepted. Each step acts in the browser, waits for the UI, then checks the database.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page, type Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAdmin, type StaticServer, serveStatic } from "./stock-admin/build.ts";
import type { RunningServer } from "../../src/server/server.ts";
import type { Prisma } from "../../demo/generated/client.ts";
import type { DemoDatabase } from "../support/demo-database.ts";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { searchIds } from "../support/search.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = join(import.meta.dirname, "__screenshots__");
/** react-admin's default page size and sort for a <List> without props. */
const PER_PAGE = 10;
/** UI states that follow a request; an undoable mutation waits for its notification to close (4 s). */
const UI_TIMEOUT = 15_000;

let demo: TestServer;
let running: RunningServer;
let db: DemoDatabase;
let site: StaticServer;
let buildDir: string;
let profileDir: string;
let context: BrowserContext;
let page: Page;
let api: string;
/** Every request the page sent to the API, and anything that went wrong in the page. */
const apiRequests: Request[] = [];
const problems: string[] = [];

const MISSING_CHROMIUM =
  `Chromium is not installed at ${CHROMIUM}; the react-admin browser tests need it. Install it with ` +
  "`apt-get update && apt-get install -y --no-install-recommends chromium` (.ci/run does this), " +
  "or set CHROMIUM_PATH to another Chromium binary.";
// On a developer's machine without Chromium the browser tests are skipped, saying why, so `npm test`
// passes on a fresh machine; in CI (CI=true), where .ci/run installs Chromium, its absence is a failure.
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  if (process.env.CI) throw new Error(MISSING_CHROMIUM);
  console.warn(`[e2e] skipped: ${MISSING_CHROMIUM}`);
}

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  // The admin app's user is the demo's admin (requests without credentials act as user 1).
  demo = await startTestServer({ env: { DEV_ACTOR: ADMIN_DEV_ACTOR } });
  ({ running, db } = demo);
  api = `${running.url}/api`;

  buildDir = await mkdtemp(join(tmpdir(), "autograph-admin-"));
  profileDir = await mkdtemp(join(tmpdir(), "autograph-chromium-"));
  await buildAdmin({ outDir: buildDir, apiUrl: api });
  site = await serveStatic(buildDir);
  // Different host name and port: the browser treats every API call as cross-origin.
  expect(new URL(site.url).origin).not.toBe(new URL(api).origin);

  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("request", (request) => {
    if (request.url().startsWith(api)) apiRequests.push(request);
  });
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on("response", (response) => {
    if (response.status() >= 400)
      problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await site?.close();
  await demo?.close();
  for (const dir of [buildDir, profileDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  // A CORS failure shows in the page only as a failed fetch and a console error: fail on any.
  const seen = problems.splice(0);
  expect(seen).toEqual([]);
});

/** Goes to a react-admin route (hash router), e.g. `/posts?sort=id&order=ASC`. */
async function open(route: string): Promise<void> {
  await page.goto(`${site.url}/#${route}`);
}

/** A list route with explicit params, so what an earlier step left in react-admin's store cannot leak in. */
function listRoute(resource: string, params: { sort: string; order: "ASC" | "DESC"; filter?: object }): string {
  const query = new URLSearchParams({
    filter: JSON.stringify(params.filter ?? {}),
    sort: params.sort,
    order: params.order,
    page: "1",
    perPage: String(PER_PAGE),
  });
  return `/${resource}?${query}`;
}

const column = (source: string) => page.locator(`tbody tr td.column-${source}`).allTextContents();
const paginationText = () => page.locator(".MuiTablePagination-displayedRows").textContent();
const rangeText = (total: number) => (total === 0 ? "" : `1-${Math.min(PER_PAGE, total)} of ${total}`);
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: UI_TIMEOUT });

async function expectPostRows(
  orderBy: Prisma.PostOrderByWithRelationInput[],
  where: Prisma.PostWhereInput = {},
): Promise<void> {
  const expected = await db.prisma.post.findMany({ where, orderBy, take: PER_PAGE, select: { id: true, title: true } });
  await poll(() => column("id")).toEqual(expected.map((p) => String(p.id)));
  expect(await column("title")).toEqual(expected.map((p) => p.title));
}

describe.skipIf(!HAVE_CHROMIUM)(
  "react-admin 5 + ra-data-simple-rest in Chromium, cross-origin",
  { timeout: 60_000 },
  () => {
    it("lists posts: total from Content-Range, first page in id order, author names through getMany", async () => {
      await open("/posts");
      const total = await db.prisma.post.count();
      expect(total).toBe(320);
      await poll(paginationText).toBe(`1-${PER_PAGE} of 320`);
      await expectPostRows([{ id: "asc" }]);

      const list = apiRequests.find((r) => new URL(r.url()).pathname === "/api/posts");
      expect(list?.headers().range).toBe(`posts=0-${PER_PAGE - 1}`);

      // ReferenceField: one getMany for the page's authors, as filter={"id":[...]}.
      const rows = await db.prisma.post.findMany({
        orderBy: { id: "asc" },
        take: PER_PAGE,
        select: { author: { select: { id: true, name: true } } },
      });
      await poll(() => column("authorId")).toEqual(rows.map((r) => r.author.name));
      const getMany = apiRequests
        .map((r) => new URL(r.url()))
        .find((u) => u.pathname === "/api/users" && u.searchParams.has("filter"));
      const ids = (JSON.parse(getMany?.searchParams.get("filter") ?? "{}") as { id?: unknown[] }).id?.map(Number);
      expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.author.id)));

      await page.screenshot({ path: join(SCREENSHOTS, "posts-list.png"), fullPage: true });
    });

    it("sorts by title when its column header is clicked, then descending on a second click", async () => {
      await open(listRoute("posts", { sort: "id", order: "ASC" }));
      await expectPostRows([{ id: "asc" }]);
      await page.locator('thead [data-field="title"]').click();
      await expectPostRows([{ title: "asc" }, { id: "asc" }]);
      await page.locator('thead [data-field="title"]').click();
      // The id tie-breaker runs the way the last sort key does (§2.1).
      await expectPostRows([{ title: "desc" }, { id: "desc" }]);
    });

    it("narrows the list with the search box (q) and counts as the database does", async () => {
      await open(listRoute("posts", { sort: "id", order: "ASC" }));
      await poll(paginationText).toBe(`1-${PER_PAGE} of 320`);
      await page.getByPlaceholder("Search").fill("guide");
      // q is a full-text search (websearch syntax) over the searchable fields.
      const where: Prisma.PostWhereInput = { id: { in: (await searchIds(db, "post", "guide")) as number[] } };
      const total = await db.prisma.post.count({ where });
      expect(total).toBeGreaterThan(PER_PAGE);
      expect(total).toBeLessThan(320);
      await poll(paginationText).toBe(rangeText(total));
      await expectPostRows([{ id: "asc" }], where);
    });

    it("edits a post's title: the database row changes and the list shows it", async () => {
      const post = await db.prisma.post.findFirstOrThrow({ orderBy: { id: "asc" } });
      const title = `Edited in the browser ${Date.now()}`;
      await open(`/posts/${post.id}`);
      const input = page.getByLabel("Title");
      await poll(() => input.inputValue()).toBe(post.title);
      // Edit is undoable by default: the PUT goes out when the "Element updated" notification closes.
      const put = page.waitForResponse((r) => r.request().method() === "PUT" && r.url() === `${api}/posts/${post.id}`, {
        timeout: UI_TIMEOUT,
      });
      await input.fill(title);
      await page.getByRole("button", { name: "Save" }).click();
      expect((await put).status()).toBe(200);

      const after = await db.prisma.post.findUniqueOrThrow({ where: { id: post.id } });
      // The audit columns name who changed it: the admin, user 1 (DEV_ACTOR).
      expect(after).toEqual({
        ...post,
        title,
        updatedAt: after.updatedAt,
        updatedBy: "1",
        version: post.version + 1,
      });
      expect(after.updatedAt.getTime()).toBeGreaterThan(post.updatedAt.getTime());
      await open(listRoute("posts", { sort: "id", order: "ASC" }));
      await poll(() =>
        page
          .locator("tbody tr")
          .filter({ has: page.locator("td.column-id", { hasText: new RegExp(`^${post.id}$`) }) })
          .locator("td.column-title")
          .textContent(),
      ).toBe(title);
    });

    it("creates a tag: POST answers 201 and the row is in the database", async () => {
      const name = `browser-made-${Date.now()}`;
      await open("/tags/create");
      const post = page.waitForResponse((r) => r.request().method() === "POST" && r.url() === `${api}/tags`, {
        timeout: UI_TIMEOUT,
      });
      await page.getByLabel("Name").fill(name);
      await page.getByRole("button", { name: "Save" }).click();
      const response = await post;
      expect(response.status()).toBe(201);
      const tag = await db.prisma.tag.findUniqueOrThrow({ where: { name } });
      expect(await response.json()).toMatchObject({ id: tag.id, name });
      // react-admin goes on to the new record's edit page, which reads it back with getOne.
      await page.waitForURL(`${site.url}/#/tags/${tag.id}`, { timeout: UI_TIMEOUT });
      await poll(() => page.getByLabel("Name").inputValue()).toBe(name);
    });

    it("publishes two selected drafts with one updateMany: PUT {status} each, nothing else changes", async () => {
      const draft: Prisma.PostWhereInput = { status: "draft" };
      const drafts = await db.prisma.post.count({ where: draft });
      const [first, second] = await db.prisma.post.findMany({ where: draft, orderBy: { id: "asc" }, take: 2 });
      if (!first || !second) throw new Error("the seed has fewer than two drafts");
      await open(listRoute("posts", { sort: "id", order: "ASC", filter: { status: "draft" } }));
      await poll(paginationText).toBe(rangeText(drafts));
      await expectPostRows([{ id: "asc" }], draft);

      const rows = page.locator("tbody tr");
      await rows.nth(0).getByRole("checkbox").check();
      await rows.nth(1).getByRole("checkbox").check();
      const puts = [first, second].map((p) =>
        page.waitForResponse((r) => r.request().method() === "PUT" && r.url() === `${api}/posts/${p.id}`, {
          timeout: UI_TIMEOUT,
        }),
      );
      await page.getByRole("button", { name: "Publish" }).click();
      for (const response of await Promise.all(puts)) {
        expect(response.status()).toBe(200);
        expect(response.request().postDataJSON()).toEqual({ status: "published" });
      }
      await poll(() => page.getByText("2 posts published").isVisible()).toBe(true);
      // react-admin patches the cached rows in place (the UI says "published" at once) without refetching.
      await poll(() => column("status")).toEqual([
        "published",
        "published",
        ...Array<string>(Math.min(PER_PAGE, drafts) - 2).fill("draft"),
      ]);

      for (const before of [first, second]) {
        const after = await db.prisma.post.findUniqueOrThrow({ where: { id: before.id } });
        expect(after).toEqual({
          ...before,
          status: "published",
          updatedAt: after.updatedAt,
          updatedBy: "1",
          version: before.version + 1,
        });
        expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
      }
      // The app bar's refresh button refetches: both have left the "draft" filter.
      await page.getByRole("button", { name: "Refresh" }).click();
      await poll(paginationText).toBe(rangeText(drafts - 2));
      await expectPostRows([{ id: "asc" }], draft);
    });

    it("deletes two selected comments with the default bulk delete: both move to the trash, out of the list", async () => {
      const orderBy: Prisma.CommentOrderByWithRelationInput[] = [{ createdAt: "desc" }, { id: "asc" }];
      const live = { deletedAt: null };
      const expected = await db.prisma.comment.findMany({
        where: live,
        orderBy,
        take: PER_PAGE,
        include: { post: { select: { title: true } } },
      });
      const total = await db.prisma.comment.count({ where: live });
      await open("/comments");
      await poll(paginationText).toBe(rangeText(total));
      await poll(() => column("body")).toEqual(expected.map((c) => c.body));
      // ReferenceField to posts renders each comment's post by its recordRepresentation (title).
      await poll(() => column("postId")).toEqual(expected.map((c) => c.post.title));

      const doomed = expected.slice(0, 2).map((c) => c.id);
      const rows = page.locator("tbody tr");
      await rows.nth(0).getByRole("checkbox").check();
      await rows.nth(1).getByRole("checkbox").check();
      // Undoable by default: the DELETEs go out when the "2 elements deleted" notification closes.
      const deletes = doomed.map((id) =>
        page.waitForResponse((r) => r.request().method() === "DELETE" && r.url() === `${api}/comments/${id}`, {
          timeout: UI_TIMEOUT,
        }),
      );
      await page.getByRole("button", { name: "Delete" }).click();
      for (const response of await Promise.all(deletes)) {
        expect(response.status()).toBe(200);
        // deleteMany reads the ids from the deleted records the API answers with (§6.5).
        expect(doomed).toContain(((await response.json()) as { id: string }).id);
      }
      // Comments are soft-deleted: the rows stay, in the trash.
      expect(await db.prisma.comment.count({ where: { id: { in: doomed }, deletedAt: { not: null } } })).toBe(2);
      expect(await db.prisma.comment.count({ where: live })).toBe(total - 2);
      await poll(paginationText).toBe(rangeText(total - 2));
    });
  },
);
