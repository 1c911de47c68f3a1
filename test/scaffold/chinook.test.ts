// `npm run scaffold` on a database nobody wrote for Autograph: Chinook, the music-store sample
// (test/fixtures/chinook.sql, PascalCase quoted names, ids without defaults, a composite key). The
// scaffolded project is generated and started as its own app, then served over REST and GraphQL: list,
// get, filter on an indexed column, relations, a hidden secret; its migrations leave the user's tables
// alone; a second scaffold keeps hand-edited files unless --force. docs/guides/scaffold.md.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Instance, startInstance } from "../support/instance.ts";
import { databaseUrl, quoteIdent, TEST_DATABASE_PREFIX } from "../support/names.ts";
import { linkSourcePackage } from "../support/source-package.ts";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
const PRISMA_CLI = join(REPO, "node_modules/prisma/build/index.js");
/** Pulling, two diffs, `prisma generate` and the app's first boot: about a minute on a busy machine. */
const SLOW = 300_000;

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function scaffold(url: string, out: string, ...flags: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "scripts/scaffold.ts", "--from", url, "--out", out, ...flags],
    { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

let url: string;
let dropDatabase: () => Promise<unknown>;
let work: string;
let app: string;
let firstRun: string;
let server: Instance | undefined;

const api = async (path: string, init?: RequestInit) => fetch(`${server?.url}/api${path}`, init);
const graphql = async (query: string) => {
  const response = await fetch(`${server?.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
};

beforeAll(async () => {
  const admin = inject("adminDatabaseUrl");
  const template = inject("templateDatabase");
  // Named like test/support/database.ts's databases, so a killed run's leftover is dropped by the next.
  const name = `${TEST_DATABASE_PREFIX}${template.slice(template.lastIndexOf("_") + 1)}_chinook_${randomBytes(4).toString("hex")}`;
  await sql(admin, `create database ${quoteIdent(name)}`);
  dropDatabase = () => sql(admin, `drop database if exists ${quoteIdent(name)} with (force)`);
  url = databaseUrl(admin, name);
  await sql(url, readFileSync(join(REPO, "test/fixtures/chinook.sql"), "utf8"));

  work = mkdtempSync(join(tmpdir(), "autograph-scaffold-test-"));
  chmodSync(work, 0o755);
  app = join(work, "chinook");
  firstRun = await scaffold(url, app);
  linkSourcePackage(app);
  await run(process.execPath, [PRISMA_CLI, "generate"], { cwd: app, env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  server = await startInstance("chinook", { DATABASE_URL: url }, { cwd: app, entry: "src/main.ts" });
}, SLOW);

afterAll(async () => {
  await server?.stop();
  await dropDatabase?.();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm run scaffold, on Chinook", () => {
  it("prints what it chose and why, and what it skipped", () => {
    expect(firstRun).toContain("Album → schema/album.ts");
    expect(firstRun).toContain("filter, sort: ArtistId (IFK_AlbumArtistId): an index leads with it");
    expect(firstRun).toContain("search: Name, Composer: text columns");
    expect(firstRun).toContain("relation Artist → Artist: foreign key ArtistId");
    expect(firstRun).toContain("PasswordHash: hidden, its name says secret");
    expect(firstRun).toContain("create left out: AlbumId has no database default");
    expect(firstRun).toMatch(/^PlaylistTrack: skipped, composite primary key \(PlaylistId, TrackId\)/m);
    expect(firstRun).toContain("relation PlaylistTrack: not served, PlaylistTrack: its model is skipped");
    expect(readdirSync(join(app, "schema")).sort()).toEqual(
      [
        "album.ts",
        "artist.ts",
        "customer.ts",
        "define.ts",
        "employee.ts",
        "genre.ts",
        "index.ts",
        "invoice-line.ts",
        "invoice.ts",
        "media-type.ts",
        "playlist.ts",
        "track.ts",
      ].sort(),
    );
    expect(readFileSync(join(app, "schema/album.ts"), "utf8")).toContain(`export default defineResource("Album", {
  // The id column has no default, so clients cannot create: add a sequence, or an \`id\` function.
  operations: ["list", "get", "update", "delete"],
  fields: {
    AlbumId: { apiName: "id" },
    Title: { search: true },
    ArtistId: { filter: true, sort: true },
  },
  relations: { Artist: true, Track: true },
});`);
  });

  it("adds Autograph's tables by migration and leaves the user's tables as they were", async () => {
    const history = await sql<{ migration_name: string; finished: boolean }>(
      url,
      'select migration_name, finished_at is not null as finished from "_prisma_migrations" order by migration_name',
    );
    expect(history).toEqual([
      { migration_name: expect.stringMatching(/^\d{14}_baseline$/), finished: true },
      { migration_name: expect.stringMatching(/^\d{14}_autograph$/), finished: true },
    ]);
    const migration = readFileSync(
      join(app, "prisma/migrations", history[1]?.migration_name ?? "", "migration.sql"),
      "utf8",
    );
    expect(migration).not.toMatch(/\b(DROP|ALTER)\b/i);
    const tables = await sql<{ table_name: string }>(
      url,
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["Album", "PlaylistTrack", "Revision", "Event", "EventCursor", "EventDeadLetter"]),
    );
    const [counts] = await sql<{ albums: number; tracks: number; links: number }>(
      url,
      `select (select count(*)::int from "Album") as albums, (select count(*)::int from "Track") as tracks,
              (select count(*)::int from "PlaylistTrack") as links`,
    );
    expect(counts).toEqual({ albums: 7, tracks: 16, links: 11 });
  });

  it("serves it over REST: list, get, filter on an indexed column, relations, search", async () => {
    const list = await api("/albums?sort=%5B%22id%22%2C%22ASC%22%5D");
    expect(list.headers.get("content-range")).toBe("albums 0-6/7");
    expect(((await list.json()) as { id: number }[]).map((a) => a.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    expect(await (await api("/albums/2")).json()).toEqual({ id: 2, Title: "Balls to the Wall", ArtistId: 2 });

    const byArtist = await api(`/albums?filter=${encodeURIComponent('{"ArtistId":2}')}`);
    expect(((await byArtist.json()) as { Title: string }[]).map((a) => a.Title).sort()).toEqual([
      "Balls to the Wall",
      "Restless and Wild",
    ]);
    // Composer has no index: not filterable.
    expect((await api(`/tracks?filter=${encodeURIComponent('{"Composer":"AC/DC"}')}`)).status).toBe(400);

    const album = (await (await api("/albums/3?embed=Artist,Track")).json()) as {
      Artist: { Name: string };
      Track: { Name: string }[];
    };
    expect(album.Artist.Name).toBe("Accept");
    expect(album.Track.map((t) => t.Name).sort()).toEqual([
      "Fast As a Shark",
      "Princess of the Dawn",
      "Restless and Wild",
    ]);
    const track = (await (await api("/tracks/52?embed=Album.Artist")).json()) as {
      Album: { Title: string; Artist: { Name: string } };
    };
    expect(track.Album).toMatchObject({ Title: "Jagged Little Pill", Artist: { Name: "Alanis Morissette" } });

    const found = (await (await api("/tracks?q=shark")).json()) as { id: number }[];
    expect(found.map((t) => t.id)).toEqual([3]);
    // Ids have no database default: no create.
    const create = await api("/artists", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ Name: "Anthrax" }),
    });
    expect(create.status).toBe(405);
  });

  it("serves it over GraphQL: list, get, filter on an indexed column, relations both ways", async () => {
    const { data, errors } = await graphql(`{
      tracks(where: { AlbumId: { eq: 3 } }, orderBy: [{ id: asc }]) { id Name Album { Title Artist { Name } } }
      album(id: 6) { Title Track { Name } }
      employee(id: 3) { FirstName Employee { FirstName Employee { FirstName } } }
    }`);
    expect(errors).toBeUndefined();
    expect(data?.tracks).toEqual([
      { id: "3", Name: "Fast As a Shark", Album: { Title: "Restless and Wild", Artist: { Name: "Accept" } } },
      { id: "4", Name: "Restless and Wild", Album: { Title: "Restless and Wild", Artist: { Name: "Accept" } } },
      { id: "5", Name: "Princess of the Dawn", Album: { Title: "Restless and Wild", Artist: { Name: "Accept" } } },
    ]);
    expect(data?.album).toEqual({
      Title: "Jagged Little Pill",
      Track: expect.arrayContaining([{ Name: "All I Really Want" }, { Name: "You Oughta Know" }]),
    });
    expect(data?.employee).toEqual({
      FirstName: "Jane",
      Employee: { FirstName: "Nancy", Employee: { FirstName: "Andrew" } },
    });
  });

  it("never serves a secret column, while clients may still write it", async () => {
    const one = (await (await api("/employees/1")).json()) as Record<string, unknown>;
    expect(one.FirstName).toBe("Andrew");
    expect(one).not.toHaveProperty("PasswordHash");
    const all = (await (await api("/employees")).json()) as Record<string, unknown>[];
    expect(all.length).toBe(4);
    for (const employee of all) expect(employee).not.toHaveProperty("PasswordHash");
    const { errors } = await graphql("{ employee(id: 1) { PasswordHash } }");
    expect(errors?.[0]?.message).toContain('Cannot query field "PasswordHash"');

    const patched = await api("/employees/4", {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ PasswordHash: "scrypt$bmV3$c2VjcmV0", City: "Edmonton" }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).not.toHaveProperty("PasswordHash");
    const [row] = await sql<{ PasswordHash: string; City: string }>(
      url,
      'select "PasswordHash", "City" from "Employee" where "EmployeeId" = 4',
    );
    expect(row).toEqual({ PasswordHash: "scrypt$bmV3$c2VjcmV0", City: "Edmonton" });
  });

  it("writes through the runtime: the change lands in the table and in the outbox", async () => {
    const response = await api("/artists/5", {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ Name: "Alice in Chains" }),
    });
    expect(response.status).toBe(200);
    const [artist] = await sql<{ Name: string }>(url, 'select "Name" from "Artist" where "ArtistId" = 5');
    expect(artist?.Name).toBe("Alice in Chains");
    const events = await sql<{ action: string }>(
      url,
      `select action from "Event" where resource = 'artist' and "recordId" = '5'`,
    );
    expect(events).toEqual([{ action: "patch" }]);
  });

  it(
    "keeps hand-edited files on a second run, and rewrites them with --force",
    async () => {
      const album = join(app, "schema/album.ts");
      const scaffolded = readFileSync(album, "utf8");
      const edited = scaffolded.replace("Title: { search: true }", "Title: { search: true, sort: true }");
      writeFileSync(album, edited);
      const migrations = readdirSync(join(app, "prisma/migrations")).sort();

      // The database now has Autograph's tables too (the app ran): they are recognised, not scaffolded.
      const again = await scaffold(url, app);
      expect(again).toMatch(/^Kept \(they exist; --force rewrites them\): .*schema\/album\.ts/m);
      expect(again).not.toContain("Revision →");
      expect(readFileSync(album, "utf8")).toBe(edited);

      const forced = await scaffold(url, app, "--force");
      expect(forced).toMatch(/^Rewritten \(--force\): .*schema\/album\.ts/m);
      expect(readFileSync(album, "utf8")).toBe(scaffolded);
      // Migrations are history: never rewritten, not even with --force.
      expect(forced).toContain("Migrations: kept the 2 in prisma/migrations");
      expect(readdirSync(join(app, "prisma/migrations")).sort()).toEqual(migrations);
    },
    SLOW,
  );
});
