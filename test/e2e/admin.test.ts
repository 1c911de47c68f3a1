// The generated admin at /admin (docs/guides/admin.md) in a real Chromium against the demo server: its
// screens come from GET /api/_meta, nothing per resource. Each step acts in the browser, waits for the
// UI, then checks the database. Signed in as the demo's admin (DEV_ACTOR), then as an acme customer.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ResourceDescription, SchemaDescription } from "../../src/runtime/describe.ts";
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";
import { searchIds } from "../support/search.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const UI_TIMEOUT = 15_000;
/** Steps that walk every demo resource (or take four pictures) wait on the UI many times: a budget per wait. */
const WALK_TIMEOUT = 6 * 2 * UI_TIMEOUT;
const SECRET = "admin-e2e-test-secret-0123456789abcdef";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const MISSING = `Chromium is not installed at ${CHROMIUM}; the admin browser tests need it (.ci/run installs it).`;
if (!HAVE_CHROMIUM) {
  if (process.env.CI) throw new Error(MISSING);
  console.warn(`[e2e] skipped: ${MISSING}`);
}

let demo: TestServer;
let profileDir: string;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
/** The page's latest API exchanges (method, path, status): printed when a step fails, to say what the UI did. */
const traffic: string[] = [];
const poll = <T>(read: () => Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(read, { timeout: options.timeout ?? UI_TIMEOUT });

async function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
}

function watch(p: Page): void {
  p.on("response", (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith("/api/")) return;
    traffic.push(`${response.request().method()} ${url.pathname}${url.search} → ${response.status()}`);
    traffic.splice(0, traffic.length - 30);
  });
  p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  p.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
}

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  // The bundle /admin serves (cached: rebuilt only when its sources changed).
  execFileSync(process.execPath, [join(import.meta.dirname, "../../scripts/build-admin.mjs")], { stdio: "inherit" });
  demo = await startTestServer({ env: { DEV_ACTOR: ADMIN_DEV_ACTOR, JWT_SECRET: SECRET } });
  profileDir = await mkdtemp(join(tmpdir(), "autograph-admin-chromium-"));
  context = await launch();
  page = context.pages()[0] ?? (await context.newPage());
  watch(page);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await demo?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

afterEach(async (ctx) => {
  // A failed step leaves a picture of the page behind (git-ignored), to see what the test saw, and says
  // what the page last asked of the API.
  if (ctx.task.result?.state === "fail" && page) {
    await page.screenshot({
      path: join(import.meta.dirname, "__screenshots__", `admin-${ctx.task.name.slice(0, 40)}.png`),
    });
    console.error(`[admin] the page's last API requests:\n${traffic.join("\n")}`);
  }
  traffic.length = 0;
  const seen = problems.splice(0).filter((p) => !/status of 4\d\d/.test(p)); // refusals the test asked for
  expect(seen).toEqual([]);
});

const open = (route: string, p: Page = page) => p.goto(`${demo.running.url}/admin/#${route}`);
/** A list route with explicit parameters, so what an earlier step left in react-admin's store cannot leak in. */
const listRoute = (path: string, sort = "id", order = "ASC", filter: object = {}) =>
  `/${path}?${new URLSearchParams({ filter: JSON.stringify(filter), sort, order, page: "1", perPage: "25" })}`;

describe.skipIf(!HAVE_CHROMIUM)("/admin as the admin", () => {
  it("serves the page and its bundle gzipped, under a policy that loads nothing from elsewhere", async () => {
    const html = await fetch(`${demo.running.url}/admin/`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-security-policy")).toContain("script-src 'self'");
    const js = await fetch(`${demo.running.url}/admin/main.js`, { headers: { "Accept-Encoding": "gzip" } });
    expect(js.status).toBe(200);
    const gzipped = Number(js.headers.get("content-length") ?? (await js.arrayBuffer()).byteLength);
    console.info(`[admin] main.js: ${(gzipped / 1024 / 1024).toFixed(2)} MB gzipped`);
    expect(gzipped).toBeLessThan(1.5 * 1024 * 1024);
    const again = await fetch(`${demo.running.url}/admin/main.js`, {
      headers: { "If-None-Match": js.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
  });

  it("shows a dashboard with a count per resource, as the database has them", async () => {
    const started = performance.now();
    await open("/");
    await poll(() => page.getByTestId("count-posts").textContent()).toBe(
      String(await demo.db.prisma.post.count({ where: { deletedAt: null } })),
    );
    const paint = await page.evaluate(
      () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
    );
    // Printed, not asserted (machines are noisy): docs/guides/admin.md quotes them.
    console.info(
      `[admin] first contentful paint ${Math.round(paint)} ms; dashboard with counts in ${Math.round(performance.now() - started)} ms`,
    );
    for (const path of ["users", "comments", "tags", "tickets", "ticket-replies"])
      await poll(() => page.getByTestId(`count-${path}`).count()).toBe(1);
  });

  it("lists posts sorted as the column asks, and filters them by a searched word", async () => {
    await open("/posts");
    const ids = () => page.locator("tbody tr td.column-id").allTextContents();
    await poll(ids).toHaveLength(25);
    await page.getByRole("button", { name: "Title" }).first().click();
    const sorted = await demo.db.prisma.post.findMany({
      where: { deletedAt: null },
      orderBy: [{ title: "asc" }, { id: "asc" }],
      take: 25,
      select: { id: true },
    });
    await poll(ids).toEqual(sorted.map((p) => String(p.id)));
  });

  it("edits a post; the database has the new title", async () => {
    await editPost(1);
    const title = page.getByLabel("Title");
    await title.fill("Edited in the admin");
    await page.getByRole("button", { name: "Save" }).click();
    await poll(async () => (await demo.db.prisma.post.findUniqueOrThrow({ where: { id: 1 } })).title).toBe(
      "Edited in the admin",
    );
    await landed(POSTS_LIST);
  });
});

/** A PNG of 1×1 pixel. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const ids = (p: Page = page) => p.locator("tbody tr td.column-id").allTextContents();
const post = (id: number) => demo.db.prisma.post.findUniqueOrThrow({ where: { id } });
/** The posts list's route, where react-admin goes after a saved edit or a delete. */
const POSTS_LIST = /^#\/posts(\?|$)/;

/**
 * Waits until the page is at `route`. After a save or a delete react-admin goes elsewhere (the list, or
 * the new record's page), once the response is in: that can be after the database already shows the
 * write, so a step that moved on at once would be taken away from where it went by the late redirect.
 */
async function landed(route: RegExp, p: Page = page): Promise<void> {
  await poll(async () => new URL(p.url()).hash).toMatch(route);
}

/**
 * Opens a post's edit page and waits until its form holds the stored title. `open` only changes the hash, so
 * until the record has loaded the page may still show the previous screen (a click lands there), and a load
 * that finishes after a fill resets the form to the stored values.
 */
async function editPost(id: number, p: Page = page): Promise<void> {
  const { title } = await post(id);
  await open(`/posts/${id}`, p);
  await poll(async () => new URL(p.url()).hash).toBe(`#/posts/${id}`);
  await poll(() => p.getByLabel("Title").inputValue()).toBe(title);
}
const notification = () => page.locator(".MuiSnackbarContent-message").first().textContent();

describe.skipIf(!HAVE_CHROMIUM)("/admin looks", () => {
  it("follows the system's dark mode", async () => {
    const background = async (scheme: "light" | "dark") => {
      const p = await context.newPage();
      await p.emulateMedia({ colorScheme: scheme });
      await open("/", p);
      await poll(() => p.getByTestId("count-posts").count()).toBe(1);
      const rgb = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await p.close();
      const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (r + g + b) / 3;
    };
    expect(await background("dark")).toBeLessThan(80);
    expect(await background("light")).toBeGreaterThan(200);
  });
});

/** The resources the admin's description lists (GET /api/_meta as the admin). */
async function describedResources(): Promise<ResourceDescription[]> {
  return ((await (await fetch(`${demo.running.url}/api/_meta`)).json()) as SchemaDescription).resources;
}

/** The ids of the first `take` live rows of `r` in the database, ordered by `field` then id. */
async function firstIds(r: ResourceDescription, field: string, order: "asc" | "desc", take = 25): Promise<string[]> {
  const delegate = r.graphqlType.charAt(0).toLowerCase() + r.graphqlType.slice(1);
  const model = (demo.db.prisma as unknown as Record<string, { findMany(q: object): Promise<{ id: unknown }[]> }>)[
    delegate
  ];
  const rows = await model?.findMany({
    where: r.features.softDelete?.field ? { [r.features.softDelete.field]: null } : {},
    orderBy: [{ [field]: order }, { id: "asc" }],
    take,
    select: { id: true },
  });
  return (rows ?? []).map((x) => String(x.id));
}

describe.skipIf(!HAVE_CHROMIUM)("/admin, every demo resource", { timeout: WALK_TIMEOUT }, () => {
  it("lists each resource as its description says: default sort, first page, as the database has them", async () => {
    const resources = await describedResources();
    expect(resources.map((r) => r.path).sort()).toEqual(
      ["comments", "posts", "tags", "ticket-replies", "tickets", "users"].sort(),
    );
    for (const r of resources) {
      await open(listRoute(r.path, r.defaultSort.field, r.defaultSort.order));
      const expected = await firstIds(
        r,
        r.defaultSort.field,
        r.defaultSort.order === "ASC" ? "asc" : "desc",
        Math.min(25, r.pageSize.default),
      );
      await poll(() => ids()).toEqual(expected);
    }
  });

  it("sorts each resource by a column header, as the database orders it", async () => {
    const sorted: string[] = [];
    for (const r of await describedResources()) {
      const field = r.fields.find(
        (f) => f.sortable && f.readable.list && f.name !== r.id.field && ["string", "integer", "enum"].includes(f.type),
      );
      if (!field) continue;
      await open(listRoute(r.path));
      await poll(() => ids().then((x) => x.length)).toBeGreaterThan(0);
      const header = page.locator(`th.column-${field.name}`).getByRole("button");
      if ((await header.count()) === 0) continue; // not among the list's columns
      await header.click();
      const expected = await firstIds(r, field.name, "asc");
      await poll(() => ids()).toEqual(expected);
      // react-admin writes the new sort into the URL a moment after the list shows it: wait for that,
      // or it lands after the next step's navigation and takes the page back here.
      await poll(async () => decodeURIComponent(page.url())).toContain(`sort=${field.name}`);
      sorted.push(`${r.path}.${field.name}`);
    }
    console.info(`[admin] sorted by a header: ${sorted.join(", ")}`);
    expect(sorted.length).toBeGreaterThanOrEqual(5);
  });
});

describe.skipIf(!HAVE_CHROMIUM)("/admin lists: filter, search, paginate", () => {
  it("filters posts by status from the filter menu", async () => {
    await open(listRoute("posts"));
    await poll(() => ids()).toHaveLength(25);
    await page.getByRole("button", { name: "Add filter" }).click();
    await page.getByRole("menu").getByText("Status", { exact: true }).click();
    await page.getByRole("combobox", { name: "Status" }).click();
    await page.getByRole("option", { name: "draft" }).click();
    const drafts = await demo.db.prisma.post.findMany({
      where: { status: "draft", deletedAt: null },
      orderBy: { id: "asc" },
      take: 25,
      select: { id: true },
    });
    await poll(() => ids()).toEqual(drafts.map((p) => String(p.id)));
  });

  it("searches posts with the search box, and pages through them", async () => {
    await open(listRoute("posts"));
    await poll(() => ids()).toHaveLength(25);
    await page.getByPlaceholder("Search").fill("database");
    const found = await searchIds(demo.db, "post", "database", `"deletedAt" is null`);
    expect(found.length).toBeGreaterThan(25);
    const allFound = async () => {
      const shown = (await ids()).map(Number);
      return shown.length === 25 && shown.every((id) => found.includes(id));
    };
    await poll(allFound).toBe(true);
    const first = (await ids()).map(Number);
    await page.getByRole("button", { name: "Go to next page" }).click();
    await poll(async () => (await ids()).map(Number).some((id) => !first.includes(id))).toBe(true);
    expect((await ids()).map(Number).every((id) => found.includes(id) && !first.includes(id))).toBe(true);
  });
});

/** A record step opens, saves and checks a few times: a budget per UI wait, as the walks have. */
describe.skipIf(!HAVE_CHROMIUM)("/admin records", { timeout: 6 * UI_TIMEOUT }, () => {
  it("creates a post with its author picked in the reference input", async () => {
    const author = await demo.db.prisma.user.findUniqueOrThrow({ where: { id: 7 } });
    await open("/posts/create");
    await page.getByLabel("Title").fill("Made in the admin");
    await page.getByLabel("Author").fill(author.name.split(" ")[0] ?? author.name);
    await page.getByRole("option", { name: author.name }).click();
    await page.getByRole("button", { name: "Save" }).click();
    await poll(() => demo.db.prisma.post.count({ where: { title: "Made in the admin" } })).toBe(1);
    const made = await demo.db.prisma.post.findFirstOrThrow({ where: { title: "Made in the admin" } });
    expect(made.authorId).toBe(7);
    await landed(new RegExp(`^#/posts/${made.id}$`)); // the new record's edit page
  });

  it("deletes a post to the trash, restores it, deletes and purges it", async () => {
    const { id } = await demo.db.prisma.post.create({ data: { title: "Short-lived", authorId: 3 } });
    await editPost(id);
    await page.getByRole("button", { name: "Delete" }).first().click();
    await page.getByRole("button", { name: "Confirm" }).click();
    // The page answers a delete by going back to the list (its request failing would keep it here).
    await landed(POSTS_LIST);
    await poll(async () => (await post(id)).deletedAt !== null).toBe(true);

    await open("/posts/trash");
    const row = page.locator("tr.trashed", { hasText: "Short-lived" });
    await row.getByRole("button", { name: "Restore" }).click();
    await poll(async () => (await post(id)).deletedAt).toBe(null);

    await editPost(id);
    await page.getByRole("button", { name: "Delete" }).first().click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await landed(POSTS_LIST);
    await poll(async () => (await post(id)).deletedAt !== null).toBe(true);
    await open("/posts/trash");
    await page.locator("tr.trashed", { hasText: "Short-lived" }).getByRole("button", { name: "Purge" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await poll(() => demo.db.prisma.post.count({ where: { id } })).toBe(0);
  });

  it("shows a post's history with each revision's diff, and reverts to an older one", async () => {
    const { id } = await demo.db.prisma.post.findFirstOrThrow({ where: { deletedAt: null }, orderBy: { id: "desc" } });
    await editPost(id);
    await page.getByLabel("Title").fill("First title");
    await page.getByRole("button", { name: "Save" }).click();
    await poll(async () => (await post(id)).title).toBe("First title");
    await landed(POSTS_LIST);
    await editPost(id);
    await page.getByLabel("Title").fill("Second title");
    await page.getByRole("button", { name: "Save" }).click();
    await poll(async () => (await post(id)).title).toBe("Second title");
    await landed(POSTS_LIST);

    await open(`/posts/${id}/show`);
    const revisions = page.locator("tr.revision");
    const count = await demo.db.prisma.revision.count({ where: { resource: "post", recordId: String(id) } });
    await poll(() => revisions.count()).toBe(count);
    await revisions.first().getByRole("button", { name: "Diff" }).click();
    await poll(() => page.locator("tr.diff").first().textContent()).toBe('title"First title" → "Second title"');
    await revisions.nth(1).getByRole("button", { name: "Revert" }).click();
    await poll(async () => (await post(id)).title).toBe("First title");
  });

  it("shows a post's tags (many-to-many) on its page, as the join table links them", async () => {
    const links = await demo.db.prisma.postTag.findMany({ where: { postId: 5 }, include: { tag: true } });
    expect(links.length).toBeGreaterThan(0);
    await open("/posts/5/show");
    const chips = page.locator("#linked-tags .MuiChip-label");
    await poll(async () => (await chips.allTextContents()).sort()).toEqual(links.map((l) => l.tag.name).sort());
  });

  it("shows the server's validation error under its field, and saves nothing", async () => {
    const draft = await demo.db.prisma.post.findFirstOrThrow({
      where: { status: "draft", publishedAt: null, deletedAt: null },
      orderBy: { id: "asc" },
    });
    await editPost(draft.id);
    // A rule only the server knows (the resource's validate function): a draft has no publication date.
    await page.getByLabel("Published at").fill("2026-01-02T10:00");
    await page.getByRole("button", { name: "Save" }).click();
    const fieldError = page.locator(".MuiFormHelperText-root.Mui-error");
    await poll(() => fieldError.first().textContent()).toMatch(/must be empty while the post is a draft/);
    expect((await post(draft.id)).publishedAt).toBe(null);
  });

  it("uploads a cover in the edit form; the database and the file route have it", async () => {
    await editPost(2);
    await page.locator('input[type="file"]').setInputFiles({ name: "cover.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("button", { name: "Save" }).click();
    await poll(async () => ((await post(2)).cover as { filename?: string } | null)?.filename).toBe("cover.png");
    await landed(POSTS_LIST);
    const bytes = await fetch(`${demo.running.url}/api/posts/2/cover`);
    expect(Buffer.from(await bytes.arrayBuffer())).toEqual(PNG);
  });

  it("a second page sees the first page's edit arrive live", async () => {
    const other = await context.newPage();
    watch(other);
    await open(listRoute("posts"), other);
    await poll(() => ids(other)).toHaveLength(25);
    await editPost(1);
    await page.getByLabel("Title").fill("Seen live elsewhere");
    await page.getByRole("button", { name: "Save" }).click();
    await poll(() => other.locator("tbody tr", { hasText: "Seen live elsewhere" }).count()).toBe(1);
    await landed(POSTS_LIST);
    await other.close();
  });

  it("a stale edit shows the conflict and changes nothing", async () => {
    await editPost(3);
    const title = page.getByLabel("Title");
    // Meanwhile someone else changes the post: the form's version is now stale.
    const { version } = await post(3);
    const changed = await fetch(`${demo.running.url}/api/posts/3`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Changed elsewhere", version }),
    });
    expect(changed.status).toBe(200);
    await title.fill("My stale edit");
    await page.getByRole("button", { name: "Save" }).click();
    // The notice names the conflict and what changed: the title, from the form's value to the one now stored.
    await poll(notification).toMatch(
      /changed by someone else.*Changed since you opened it: .*title: ".*" → "Changed elsewhere"/,
    );
    expect((await post(3)).title).toBe("Changed elsewhere");
  });
});

describe.skipIf(!HAVE_CHROMIUM)("/admin record locks", () => {
  it("the edit page locks its record: another user's page says who holds it, cannot save, and takes it once released", async () => {
    const held = () =>
      demo.db.prisma.recordLock.findFirst({
        where: { resource: "post", recordId: "4", expiresAt: { gt: new Date() } },
        select: { ownerId: true },
      });
    await open("/posts/4");
    await poll(async () => (await held())?.ownerId).toBe("1");

    // An editor, in a browser of their own (no shared storage), signed in with a JWT.
    const editorDir = await mkdtemp(join(tmpdir(), "autograph-admin-editor-"));
    const editorContext = await chromium.launchPersistentContext(editorDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu"],
    });
    try {
      const editor = editorContext.pages()[0] ?? (await editorContext.newPage());
      watch(editor);
      const token = await new SignJWT({ sub: "3", roles: ["editor"] })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(SECRET));
      await open("/login", editor);
      await editor.getByLabel("JWT").fill(token);
      await editor.getByRole("button", { name: "Sign in" }).click();
      await poll(() => editor.getByText("User 3 (editor)").count()).toBe(1);
      await editPost(4, editor);
      await poll(() => editor.getByTestId("locked").textContent()).toMatch(/User 1 is editing this record/);
      await editor.getByLabel("Title").fill("The editor's turn");
      expect(await editor.getByRole("button", { name: "Save" }).isDisabled()).toBe(true); // dirty, but locked
      expect((await held())?.ownerId).toBe("1");

      // The admin leaves the page: the lock goes, and the editor's page takes it.
      await open(listRoute("posts"));
      await poll(async () => (await held())?.ownerId, { timeout: 20_000 }).toBe("3");
      await poll(() => editor.getByTestId("locked").count()).toBe(0);
      await editor.getByRole("button", { name: "Save" }).click();
      await poll(async () => (await post(4)).title).toBe("The editor's turn");
    } finally {
      await editorContext.close();
      await rm(editorDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!HAVE_CHROMIUM)("/admin as an acme customer", () => {
  it("signs in with a JWT and sees only the customer's resources and tickets, without internal notes", async () => {
    const token = await new SignJWT({ sub: "25", roles: ["customer"], tenant: "acme" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));
    // DEV_ACTOR makes anonymous requests the admin: sign in explicitly, then the token wins.
    await open("/login");
    await page.getByLabel("JWT").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await poll(() => page.getByText("User 25 (customer) @ acme").count()).toBe(1);
    await open(listRoute("tickets"));
    const mine = await demo.db.prisma.ticket.findMany({
      where: { tenantId: "acme", reporterId: 25, deletedAt: null },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    await poll(() => page.locator("tbody tr td.column-id").allTextContents()).toEqual(mine.map((t) => String(t.id)));
    expect(await page.locator("th.column-internalNote").count()).toBe(0);
    // The menu is the resources the API describes for this actor, and their ticket has no internal note input.
    const meta = (await (
      await fetch(`${demo.running.url}/api/_meta`, { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as { resources: { label: { plural: string } }[] };
    const menu = await page.locator(".RaMenu-open a, .RaSidebar-fixed a").allTextContents();
    expect(menu.filter((m) => m !== "Dashboard")).toEqual(meta.resources.map((r) => r.label.plural));
    await open(`/tickets/${mine[0]?.id}`);
    await poll(() => page.getByLabel("Title").inputValue()).not.toBe("");
    expect(await page.getByLabel("Internal note").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Delete" }).count()).toBe(0);
  });
});

// The pictures docs/images/ holds (README, docs/guides/admin.md): taken on every run into the git-ignored
// __screenshots__, and written to docs/images with UPDATE_SCREENSHOTS=1.
describe.skipIf(!HAVE_CHROMIUM)("/admin screenshots", { timeout: WALK_TIMEOUT }, () => {
  it("takes the list, edit, history and trash pictures", async () => {
    const p = await context.newPage();
    await p.setViewportSize({ width: 1280, height: 760 });
    // As the admin again (the customer's sign-in is in the browser's storage): forget it and start over.
    await p.goto(`${demo.running.url}/admin/#/`);
    await p.evaluate(() => localStorage.clear());
    await p.reload();
    await poll(() => p.getByText("User 1 (admin)").count()).toBe(1);
    const { id } = await demo.db.prisma.post.create({ data: { title: "In the trash", authorId: 5 } });
    await fetch(`${demo.running.url}/api/posts/${id}`, { method: "DELETE" });
    const dir = process.env.UPDATE_SCREENSHOTS
      ? join(import.meta.dirname, "../../docs/images")
      : join(import.meta.dirname, "__screenshots__");
    const shots: [string, string, () => Promise<unknown>][] = [
      ["admin-list", listRoute("posts"), () => poll(() => ids(p)).toHaveLength(25)],
      ["admin-edit", "/posts/2", () => poll(() => p.getByLabel("Title").inputValue()).not.toBe("")],
      ["admin-history", "/posts/1/show", () => poll(() => p.locator("tr.revision").count()).toBeGreaterThan(1)],
      ["admin-trash", "/posts/trash", () => poll(() => p.locator("tr.trashed").count()).toBeGreaterThan(0)],
    ];
    for (const [name, route, ready] of shots) {
      await open(route, p);
      await ready();
      if (name === "admin-history") {
        await p.locator("tr.revision").first().getByRole("button", { name: "Diff" }).click();
        await p.locator("tr.diff").first().scrollIntoViewIfNeeded();
      }
      await p.screenshot({ path: join(dir, `${name}.png`) });
    }
    await p.close();
  });
});
