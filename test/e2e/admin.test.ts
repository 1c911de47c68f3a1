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
import { ADMIN_DEV_ACTOR } from "../support/actors.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const UI_TIMEOUT = 15_000;
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
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: UI_TIMEOUT });

async function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
}

function watch(p: Page): void {
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

afterEach(() => {
  const seen = problems.splice(0).filter((p) => !/status of 4\d\d/.test(p)); // refusals the test asked for
  expect(seen).toEqual([]);
});

const open = (route: string) => page.goto(`${demo.running.url}/admin/#${route}`);

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
    console.info(`[admin] dashboard with counts in ${Math.round(performance.now() - started)} ms`);
    for (const path of ["users", "comments", "tags", "tickets", "ticketReplies"])
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
    await open("/posts/1");
    const title = page.getByLabel("Title");
    await title.fill("Edited in the admin");
    await page.getByRole("button", { name: "Save" }).click();
    await poll(async () => (await demo.db.prisma.post.findUniqueOrThrow({ where: { id: 1 } })).title).toBe(
      "Edited in the admin",
    );
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
    await open("/tickets");
    const mine = await demo.db.prisma.ticket.findMany({
      where: { tenantId: "acme", reporterId: 25, deletedAt: null },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    await poll(() => page.locator("tbody tr td.column-id").allTextContents()).toEqual(mine.map((t) => String(t.id)));
    expect(await page.locator("th.column-internalNote").count()).toBe(0);
  });
});
