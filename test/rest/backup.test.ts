/**
 * Backups over HTTP (docs/guides/backup.md): `GET /api/_dump` from a seeded demo server and
 * `POST /api/_load` into a second one on an empty database, as the admin role only; then both answer
 * the same queries, and refusals leave the target as it was.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

const SECRET = "backup-over-http-test-secret-0123456789";
const token = (sub: string, roles: string[]) =>
  new SignJWT({ sub, roles })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

let source: TestServer;
let target: TestServer;
let admin: string;
let reader: string;
let archive: Buffer;

const env = () => ({ JWT_SECRET: SECRET, BLOB_DIR: mkdtempSync(join(tmpdir(), "autograph-backup-")) });
const call = (server: TestServer, path: string, init: RequestInit & { as?: string } = {}) => {
  const headers = new Headers(init.headers);
  if (init.as) headers.set("authorization", `Bearer ${init.as}`);
  return fetch(`${server.running.url}${path}`, { ...init, headers });
};
const load = (body: Uint8Array, as = admin, path = "/api/_load") =>
  call(target, path, {
    method: "POST",
    as,
    body: body as Uint8Array<ArrayBuffer>,
    headers: { "Content-Type": "application/gzip" },
  });
const counts = async (server: TestServer) => ({
  posts: await server.db.prisma.post.count(),
  users: await server.db.prisma.user.count(),
  revisions: await server.db.prisma.revision.count(),
});

beforeAll(async () => {
  [source, target] = await Promise.all([
    startTestServer({ env: env() }),
    startTestServer({ env: { ...env(), SEED: "false" } }),
  ]);
  admin = await token("1", ["admin"]);
  reader = await token("25", ["reader"]);
  const put = await call(source, "/api/posts/1/cover", {
    method: "PUT",
    as: admin,
    body: PNG,
    headers: { "Content-Type": "image/png", "Content-Disposition": 'attachment; filename="cover.png"' },
  });
  expect(put.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.close(), target?.close()]);
});

describe("only the admin role", () => {
  it("anonymous requests get 401 and a reader gets 403, on both routes; nothing is loaded", async () => {
    expect((await call(source, "/api/_dump")).status).toBe(401);
    const dumped = await call(source, "/api/_dump", { as: reader });
    expect(dumped.status).toBe(403);
    expect(((await dumped.json()) as { message: string }).message).toMatch(/admin role/);
    expect((await load(gzipSync("x"), "")).status).toBe(401);
    expect((await load(gzipSync("x"), reader)).status).toBe(403);
    expect(await counts(target)).toEqual({ posts: 0, users: 0, revisions: 0 });
  });
});

describe("GET /api/_dump", () => {
  it("streams the whole installation as a gzip tar archive with its manifest first", async () => {
    const response = await call(source, "/api/_dump", { as: admin });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/gzip");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="autograph-.*\.tar\.gz"$/);
    archive = Buffer.from(await response.arrayBuffer());
    const tar = gunzipSync(archive);
    expect(tar.subarray(0, 13).toString()).toBe("manifest.json");
    const manifest = JSON.parse(tar.subarray(512, tar.indexOf(0, 512)).toString()) as {
      tables: { name: string; rows: number }[];
      blobs: { id: string }[];
    };
    expect(manifest.tables.find((t) => t.name === "Post")?.rows).toBe(await source.db.prisma.post.count());
    expect(manifest.blobs).toHaveLength(1);
  });

  it("a client that hangs up mid-dump leaves no transaction open", async () => {
    const response = await call(source, "/api/_dump", { as: admin });
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    const open = async () =>
      (
        await source.db.pool.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and state like 'idle in transaction%'`,
        )
      ).rows[0]?.n;
    await expect.poll(open, { timeout: 5_000 }).toBe(0);
  });

  it("?resources= narrows it to those resources' tables; an unknown one or another parameter is a 400", async () => {
    const tags = await call(source, "/api/_dump?resources=tags", { as: admin });
    expect(tags.status, await tags.clone().text()).toBe(200);
    const text = gunzipSync(Buffer.from(await tags.arrayBuffer())).toString("latin1");
    expect(text).toContain("tables/Tag.ndjson");
    expect(text).not.toContain("tables/Post.ndjson");
    const unknown = await call(source, "/api/_dump?resources=nope", { as: admin });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/Unknown resource "nope"/);
    expect((await call(source, "/api/_dump?format=zip", { as: admin })).status).toBe(400);
  });
});

describe("POST /api/_load", () => {
  it("refuses a flipped byte (400), a wrong media type (415) and an empty body, loading nothing", async () => {
    const flipped = Buffer.from(archive);
    const at = Math.floor(flipped.length / 2);
    flipped[at] = (flipped[at] ?? 0) ^ 0xff;
    const damaged = await load(flipped);
    expect(damaged.status).toBe(400);
    expect(((await damaged.json()) as { message: string }).message).toMatch(/corrupt|truncated|does not match/);
    const json = await call(target, "/api/_load", {
      method: "POST",
      as: admin,
      body: "{}",
      headers: { "Content-Type": "application/json" },
    });
    expect(json.status).toBe(415);
    expect((await load(new Uint8Array())).status).toBe(400);
    expect(await counts(target)).toEqual({ posts: 0, users: 0, revisions: 0 });
  });

  it("loads the archive into the empty database: the same rows, revisions and files, answered alike", async () => {
    const response = await load(archive);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tables: { name: string; rows: number }[]; files: number };
    expect(body.files).toBe(1);
    expect(await counts(target)).toEqual(await counts(source));

    for (const path of [
      "/api/posts?sort=[%22id%22,%22ASC%22]&range=[0,49]",
      "/api/users?range=[0,9]",
      "/api/posts/1/revisions",
    ]) {
      const [a, b] = await Promise.all([call(source, path, { as: admin }), call(target, path, { as: admin })]);
      expect(b.status, `${path}: ${await b.clone().text()}`).toBe(200);
      expect(b.headers.get("content-range")).toBe(a.headers.get("content-range"));
      expect(await b.json()).toEqual(await a.json());
    }
    const cover = await call(target, "/api/posts/1/cover", { as: admin });
    expect(cover.status).toBe(200);
    expect(Buffer.from(await cover.arrayBuffer())).toEqual(PNG);
  });

  it("refuses a second load into what is no longer empty (409), changing nothing", async () => {
    const before = await counts(target);
    const again = await load(archive);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toMatch(/not empty/);
    expect(await counts(target)).toEqual(before);
  });

  it("moves the sequences past the loaded ids: the next post gets max + 1", async () => {
    const max = (await target.db.prisma.post.aggregate({ _max: { id: true } }))._max.id ?? 0;
    const created = await call(target, "/api/posts", {
      method: "POST",
      as: admin,
      body: JSON.stringify({ title: "After the load", authorId: 1 }),
      headers: { "Content-Type": "application/json" },
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { id: number }).id).toBe(max + 1);
  });
});
