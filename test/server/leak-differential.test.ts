// The differential leak test. The demo help desk (schema/ticket.ts,
// schema/ticket-reply.ts) is asked the same battery of questions — GraphQL, REST, oracles on withheld and
// scoped fields, batch writes, event streams — as four actors that authenticate with real HS256 JWTs:
// anonymous, an acme customer, an acme agent and the admin. The database is the ground truth of what
// each may see. A leak is an answer that reveals a row outside the actor's set (its id or any of its
// values), a withheld field (internalNote for the customer and anonymous, passwordHash for everyone), or
// a count, total or aggregate that differs from the number of rows the actor may see. An answer about a
// row the actor may not see must be the answer about a row that does not exist.
//
// Every row carries a marker, so a value is recognised wherever it turns up (a title, an error message,
// a revision, an event): ticket titles end in `#T<id>#`, internal notes start with `NOTE<id>`, reply
// bodies end in `#R<first 8 characters of the id>#`. The admin's answers must show the other tenant's
// rows, the notes and the internal replies: proof that the battery detects rows at all.
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Client, createClient } from "graphql-ws";
import { SignJWT } from "jose";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { extensions } from "../../demo/schema/extensions.ts";
import { createEvents, type Events } from "../../src/events/events.ts";
import type { WebSocketService } from "../../src/graphql/handler.ts";
import type { Actor } from "../../src/runtime/context.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { createActorResolver } from "../../src/server/auth.ts";
import { MemoryBus } from "../../src/storage/event-bus.ts";
import type { Prisma } from "../../demo/generated/client.ts";
import { Outbox } from "../../src/storage/outbox.ts";
import { demoPasswordHash } from "../../demo/seed.ts";
import { createTestRuntime, type TestRuntime } from "../support/runtime.ts";
import { readSseBlocks } from "../support/sse-blocks.ts";

const ACTORS = ["anonymous", "customer", "agent", "admin"] as const;
type ActorName = (typeof ACTORS)[number];
type Area = "graphql" | "rest" | "oracles" | "mutations" | "events";
const AREAS: Area[] = ["graphql", "rest", "oracles", "mutations", "events"];

const SECRET = "leak-differential-secret-of-32-characters-or-more";
/** A ticket id and a reply id that do not exist: what an invisible row must look like. */
const MISSING = 999_999;
const MISSING_REPLY = "00000000-0000-4000-8000-000000000000";

let t: TestRuntime;
let app: App;
let events: Events;
let server: Server;
let sockets: WebSocketService;
let baseUrl: string;
const tokens = new Map<string, string>();

/** The people and tickets the battery is about (picked from the seed in beforeAll). */
const who = {
  customer: 0, // an acme reader: the customer actor
  otherAcme: 0, // another acme reader
  globexCustomer: 0, // a globex reader
  readers: [] as number[],
};
/** C: the customer's tickets, X: another acme customer's, G: globex's; [1] and [2] live, [3] trashed in setup. */
const tk = { C1: 0, C2: 0, C3: 0, X1: 0, X2: 0, X3: 0, G1: 0, G2: 0, G3: 0 };

// ---------------------------------------------------------------------------------------------------
// Ground truth: what each actor may see, from the database.

function ticketScope(actor: ActorName): Prisma.TicketWhereInput {
  switch (actor) {
    case "admin":
      return {};
    case "agent":
      return { tenantId: "acme" };
    case "customer":
      return { tenantId: "acme", reporterId: who.customer };
    case "anonymous":
      return { id: { in: [] } };
  }
}

function replyScope(actor: ActorName): Prisma.TicketReplyWhereInput {
  switch (actor) {
    case "admin":
      return {};
    case "agent":
      return { tenantId: "acme" };
    case "customer":
      return { tenantId: "acme", internal: false, ticket: { reporterId: who.customer, deletedAt: null } };
    case "anonymous":
      return { id: { in: [] } };
  }
}

type Deleted = "exclude" | "include" | "only";
const trash = (deleted: Deleted) =>
  deleted === "exclude" ? { deletedAt: null } : deleted === "only" ? { deletedAt: { not: null } } : {};

async function ticketIds(
  actor: ActorName,
  where: Prisma.TicketWhereInput = {},
  deleted: Deleted = "exclude",
): Promise<number[]> {
  const rows = await t.db.prisma.ticket.findMany({
    where: { AND: [ticketScope(actor), trash(deleted), where] },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => r.id);
}

async function replyIds(
  actor: ActorName,
  where: Prisma.TicketReplyWhereInput = {},
  deleted: Deleted = "exclude",
): Promise<string[]> {
  const rows = await t.db.prisma.ticketReply.findMany({
    where: { AND: [replyScope(actor), trash(deleted), where] },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => r.id);
}

/** Users with at least one live ticket the actor may see that matches `where`. */
async function usersWithTickets(actor: ActorName, where: Prisma.TicketWhereInput = {}): Promise<number[]> {
  const rows = await t.db.prisma.user.findMany({
    where: { tickets: { some: { AND: [ticketScope(actor), { deletedAt: null }, where] } } },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => r.id);
}

interface Group {
  count: number;
  sum: number;
}
/** Count and sum of priority of the actor's live tickets matching `where`, per group (`""` without groupBy). */
async function ticketGroups(
  actor: ActorName,
  by: ("tenantId" | "status")[],
  where: Prisma.TicketWhereInput = {},
): Promise<Map<string, Group>> {
  const filter = { AND: [ticketScope(actor), { deletedAt: null }, where] };
  if (by.length === 0) {
    const all = await t.db.prisma.ticket.aggregate({ where: filter, _count: { _all: true }, _sum: { priority: true } });
    return new Map([["", { count: all._count._all, sum: all._sum.priority ?? 0 }]]);
  }
  const rows = await t.db.prisma.ticket.groupBy({
    by,
    where: filter,
    _count: { _all: true },
    _sum: { priority: true },
  });
  return new Map(
    rows.map((r) => [groupKey(r as Record<string, unknown>, by), { count: r._count._all, sum: r._sum.priority ?? 0 }]),
  );
}

const groupKey = (key: Record<string, unknown> | null | undefined, by: readonly string[]) =>
  by.map((f) => `${f}=${String(key?.[f])}`).join(",");

interface Visible {
  /** Live tickets. */
  tickets: Set<number>;
  /** Live and trashed tickets in the actor's tenant and scope. */
  ticketsAny: Set<number>;
  replies: Set<string>;
  repliesAny: Set<string>;
  /** May read internalNote. */
  notes: boolean;
}
let truth: Record<ActorName, Visible>;
/** Every reply id, and each reply's marker prefix. */
const allReplies = new Set<string>();
const replyByMarker = new Map<string, string>();

async function computeTruth(): Promise<void> {
  const entries = await Promise.all(
    ACTORS.map(
      async (actor): Promise<[ActorName, Visible]> => [
        actor,
        {
          tickets: new Set(await ticketIds(actor)),
          ticketsAny: new Set(await ticketIds(actor, {}, "include")),
          replies: new Set(await replyIds(actor)),
          repliesAny: new Set(await replyIds(actor, {}, "include")),
          notes: actor === "agent" || actor === "admin",
        },
      ],
    ),
  );
  truth = Object.fromEntries(entries) as Record<ActorName, Visible>;
  for (const { id } of await t.db.prisma.ticketReply.findMany({ select: { id: true } })) {
    allReplies.add(id);
    replyByMarker.set(id.slice(0, 8), id);
  }
}

// ---------------------------------------------------------------------------------------------------
// The ledger: every request, its verdict, every leak.

interface Answer {
  status: number;
  text: string;
  json: any;
  headers: Headers;
  /** A 4xx, or a GraphQL answer with errors. */
  refused: boolean;
  code: string | undefined;
}

const lines: string[] = [];
/** Each leak and each wrong answer, as `[actor] request → status: what`, by area. */
const leaks: { area: Area; text: string }[] = [];
const wrongs: { area: Area; text: string }[] = [];
/** Errors the app masked as 500s (its onUnexpectedError, through the logger). */
const unexpected: string[] = [];
const counted = new Map<string, number>();
/** What the admin's answers showed of the rows others may not see: the battery's sanity check. */
const detected = { otherTenantRows: 0, notes: 0, hiddenReplies: 0 };

function tally(actor: ActorName, area: Area): void {
  counted.set(`${area}|${actor}`, (counted.get(`${area}|${actor}`) ?? 0) + 1);
}

function record(actor: ActorName, area: Area, request: string, status: string, found: string[], wrong: string[]): void {
  tally(actor, area);
  const verdict = found.length ? `LEAK: ${found.join("; ")}` : wrong.length ? `WRONG: ${wrong.join("; ")}` : "ok";
  lines.push(
    `${actor.padEnd(9)} ${area.padEnd(9)} ${status.padEnd(4)} ${request.replace(/\s+/g, " ").slice(0, 300)} → ${verdict}`,
  );
  if (found.length)
    leaks.push({ area, text: `[${actor}] ${request.replace(/\s+/g, " ")} → ${status}: ${found.join("; ")}` });
  if (wrong.length)
    wrongs.push({ area, text: `[${actor}] ${request.replace(/\s+/g, " ")} → ${status}: ${wrong.join("; ")}` });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const PASSWORD_HASH = demoPasswordHash();

/** Everything an answer reveals that the actor may not see, whatever the request (markers the request itself sent excepted). */
function scan(actor: ActorName, sent: string, text: string): string[] {
  const v = truth[actor];
  const found = new Set<string>();
  for (const [marker, id] of text.matchAll(/#T(\d+)#/g)) {
    if (sent.includes(marker)) continue;
    if (!v.ticketsAny.has(Number(id))) found.add(`shows ticket ${id} (its title)`);
    else if (actor === "admin" && !truth.agent.ticketsAny.has(Number(id))) detected.otherTenantRows++;
  }
  for (const [marker, id] of text.matchAll(/NOTE(\d+)/g)) {
    if (sent.includes(marker)) continue;
    if (!v.notes) found.add(`shows the internalNote of ticket ${id}`);
    else if (!v.ticketsAny.has(Number(id))) found.add(`shows ticket ${id} (its internalNote)`);
    else if (actor === "admin") detected.notes++;
  }
  for (const [marker, prefix] of text.matchAll(/#R([0-9a-f]{8})#/g)) {
    if (sent.includes(marker)) continue;
    const id = replyByMarker.get(prefix as string);
    if (id && !v.repliesAny.has(id)) found.add(`shows reply ${id} (its body)`);
    else if (id && actor === "admin" && !truth.customer.repliesAny.has(id)) detected.hiddenReplies++;
  }
  for (const [id] of text.matchAll(UUID))
    if (allReplies.has(id) && !v.repliesAny.has(id) && !sent.includes(id)) found.add(`shows reply ${id} (its id)`);
  for (const tenant of actor === "anonymous" ? ["acme", "globex"] : actor === "admin" ? [] : ["globex"]) {
    if (!sent.toLowerCase().includes(tenant) && text.toLowerCase().includes(tenant))
      found.add(`names tenant "${tenant}"`);
  }
  if (text.includes(PASSWORD_HASH) || text.includes("scrypt$") || /"passwordHash"\s*:/.test(text))
    found.add("shows a passwordHash");
  if (!v.notes) {
    walk(safeJson(text), (key, value) => {
      if (key === "internalNote" && value !== null && value !== undefined)
        found.add(`shows an internalNote value ${JSON.stringify(value).slice(0, 60)}`);
    });
  }
  return [...found];
}

function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a probe's answer must be, beyond the scan every answer gets. */
interface Expect {
  /** The ticket ids the answer lists, and exactly the ones it must list. */
  tickets?: [listed: (a: Answer) => unknown[], want: readonly number[]];
  replies?: [listed: (a: Answer) => unknown[], want: readonly string[]];
  /** Users the answer lists, and the ones it must. */
  users?: [listed: (a: Answer) => unknown[], want: readonly number[]];
  /** Counts and totals the answer states, and the number of rows the actor may see. */
  counts?: [what: string, got: (a: Answer) => unknown, want: number][];
  /** Aggregate groups the answer states, and the actor's groups from the database. */
  groups?: [
    got: (a: Answer) => { key: Record<string, unknown> | null; count: number; sum: Record<string, number | null> }[],
    by: ("tenantId" | "status")[],
    want: Map<string, Group>,
  ];
  /** A refusal (4xx) is a fine answer for anyone, not only anonymous: an oracle may be refused. */
  refusable?: boolean;
  /** Not a refusal, whoever asks (a request about public rows, e.g. users). */
  answered?: boolean;
  /** The answer must be this one (the same request without a condition the actor may not use). */
  noEffect?: Answer | undefined;
}

function compareSets<T>(
  what: string,
  listed: unknown[],
  want: readonly T[],
  norm: (x: unknown) => T,
  visibleAny: (x: T) => boolean,
  found: string[],
  wrong: string[],
): void {
  const got = listed.map(norm);
  const wanted = new Set(want);
  const extra = [...new Set(got)].filter((x) => !wanted.has(x));
  const missing = want.filter((x) => !got.includes(x));
  const leaked = extra.filter((x) => !visibleAny(x));
  if (leaked.length) found.push(`lists ${what} ${leaked.join(", ")} outside the actor's set`);
  if (extra.length > leaked.length)
    wrong.push(`lists ${what} ${extra.filter(visibleAny).join(", ")} (in scope, but not expected here)`);
  if (missing.length) wrong.push(`misses ${what} ${missing.join(", ")}`);
}

/** Checks one answer as `actor`'s and records it. */
function judge(actor: ActorName, area: Area, request: string, answer: Answer, expected: Expect = {}): void {
  const found = scan(actor, request, answer.text);
  const wrong: string[] = [];
  const v = truth[actor];
  if (answer.status >= 500) wrong.push(`answered ${answer.status}: ${answer.text.slice(0, 120)}`);
  if (answer.refused) {
    if (expected.answered || (actor !== "anonymous" && !expected.refusable))
      wrong.push(`refused (${answer.code}): ${answer.text.slice(0, 200)}`);
  } else {
    if (expected.tickets)
      compareSets(
        "tickets",
        expected.tickets[0](answer),
        expected.tickets[1],
        Number,
        (x) => v.ticketsAny.has(x),
        found,
        wrong,
      );
    if (expected.replies)
      compareSets(
        "replies",
        expected.replies[0](answer),
        expected.replies[1],
        String,
        (x) => v.repliesAny.has(x),
        found,
        wrong,
      );
    if (expected.users)
      compareSets("users", expected.users[0](answer), expected.users[1], Number, () => false, found, wrong);
    for (const [what, got, want] of expected.counts ?? []) {
      const value = got(answer);
      if (Number(value) !== want) found.push(`${what} is ${String(value)}, the actor may see ${want}`);
    }
    if (expected.noEffect) {
      const shown = (a: Answer) => `${a.status} ${a.headers.get("content-range") ?? ""} ${a.text}`;
      const [got, want] = [shown(answer), shown(expected.noEffect)];
      if (got !== want)
        found.push(
          `a condition on a field the actor may not read changed the answer: ${got.slice(0, 200)} vs ${want.slice(0, 200)}`,
        );
    }
    if (expected.groups) {
      const [got, by, want] = expected.groups;
      const seen = new Set<string>();
      for (const group of got(answer)) {
        const key = groupKey(group.key, by);
        seen.add(key);
        const w = want.get(key);
        if (!w) found.push(`aggregate group {${key}} (count ${group.count}) outside the actor's rows`);
        else if (group.count !== w.count || (group.sum?.priority !== undefined && (group.sum.priority ?? 0) !== w.sum))
          found.push(
            `aggregate group {${key}} is count ${group.count}, sum ${group.sum?.priority}; the actor's rows give ${w.count}, ${w.sum}`,
          );
      }
      for (const [key, w] of want) if (!seen.has(key) && w.count > 0) wrong.push(`misses aggregate group {${key}}`);
    }
  }
  record(actor, area, request, String(answer.status), found, wrong);
}

/**
 * The answer about a row the actor may not see, against the answer about one that does not exist: they
 * must be the same once the ids are swapped (else the answer tells that the row exists).
 */
function judgeSameAsMissing(
  actor: ActorName,
  area: Area,
  request: string,
  answer: Answer,
  missing: Answer,
  swap: [hidden: string | number, missing: string | number][],
  changed: string[] = [],
): void {
  const found = [...scan(actor, request, answer.text), ...changed];
  const got = normalized(
    answer,
    swap.map((pair) => pair[0]),
  );
  const nonexistent = normalized(
    missing,
    swap.map((pair) => pair[1]),
  );
  if (got !== nonexistent)
    found.push(
      `differs from the answer about a row that does not exist: ${got.slice(0, 300)} vs ${nonexistent.slice(0, 300)}`,
    );
  record(actor, area, request, String(answer.status), found, []);
}

/** An answer with the ids it is about replaced by placeholders, and without GraphQL's source locations. */
function normalized(answer: Answer, about: (string | number)[]): string {
  const placeholder = (value: unknown) => about.findIndex((id) => String(id) === String(value));
  const rewrite = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => rewrite(v, key));
    if (value && typeof value === "object")
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => k !== "locations")
          .map(([k, v]) => [k, rewrite(v, k)]),
      );
    if (typeof value === "string")
      return about.reduce<string>(
        (text, id, i) => text.replace(new RegExp(`\\b${String(id)}\\b`, "g"), `<id${i}>`),
        value,
      );
    if (typeof value === "number" && /^(id|ticketId|recordId)$/.test(key) && placeholder(value) !== -1)
      return `<id${placeholder(value)}>`;
    return value;
  };
  const json = safeJson(answer.text);
  return `${answer.status} ${json === undefined ? answer.text : JSON.stringify(rewrite(json, ""))}`;
}

/** Every ticket and reply row, by id: what a write changed. */
async function dbState(): Promise<Map<string, string>> {
  const [tickets, replies] = [await t.db.prisma.ticket.findMany(), await t.db.prisma.ticketReply.findMany()];
  return new Map([
    ...tickets.map((r) => [`ticket ${r.id}`, JSON.stringify(r)] as const),
    ...replies.map((r) => [`reply ${r.id}`, JSON.stringify(r)] as const),
  ]);
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [key, row] of after) {
    if (!before.has(key)) out.push(`wrote a new row: ${key} ${row.slice(0, 160)}`);
    else if (before.get(key) !== row) out.push(`changed ${key}: ${row.slice(0, 160)}`);
  }
  for (const key of before.keys()) if (!after.has(key)) out.push(`removed ${key}`);
  return out;
}

/** Fails with every leak of `area`, one a line. */
function expectNoLeaks(area: Area): void {
  const found = leaks.filter((l) => l.area === area).map((l) => l.text);
  expect(found, `${found.length} leaks in ${area}:\n${found.join("\n")}`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------
// Transports, as each actor.

const bearer = (actor: string): Record<string, string> =>
  tokens.has(actor) ? { authorization: `Bearer ${tokens.get(actor)}` } : {};

async function answerOf(response: Response, graphql: boolean): Promise<Answer> {
  const text = await response.text();
  const json = safeJson(text) as Answer["json"];
  if (graphql) {
    const errors = (json?.errors ?? []) as { extensions?: { code?: string } }[];
    return {
      status: response.status,
      text,
      json,
      headers: response.headers,
      refused: errors.length > 0 || response.status >= 400,
      code: errors[0]?.extensions?.code,
    };
  }
  return {
    status: response.status,
    text,
    json,
    headers: response.headers,
    refused: response.status >= 400,
    code: json?.code,
  };
}

async function rest(actor: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {
    ...bearer(actor),
    ...(init.body === undefined ? {} : { "content-type": "application/json" }),
  };
  const request = new Request(`http://test${path}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return answerOf(await app.fetch(request), false);
}

async function gql(actor: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const request = new Request("http://test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...bearer(actor) },
    body: JSON.stringify({ query, variables }),
  });
  return answerOf(await app.fetch(request), true);
}

const gqlText = (query: string, variables: Record<string, unknown> = {}) =>
  `POST /graphql ${query}${Object.keys(variables).length ? ` variables ${JSON.stringify(variables)}` : ""}`;
const total = (a: Answer) => /\/(\d+)$/.exec(a.headers.get("content-range") ?? "")?.[1];
const ids = (rows: unknown): unknown[] => (Array.isArray(rows) ? rows.map((r) => (r as { id: unknown }).id) : []);
const nested = (rows: unknown, key: string): unknown[] =>
  Array.isArray(rows) ? rows.flatMap((r) => ids((r as Record<string, unknown>)[key])) : [];
const q = (value: unknown) => encodeURIComponent(JSON.stringify(value));

// ---------------------------------------------------------------------------------------------------
// Setup: the seeded help desk, marked; a few revisions and a trashed ticket per scope.

beforeAll(async () => {
  t = await createTestRuntime({ seed: true });
  const prisma = t.db.prisma;
  const reporters = async (tenantId: string) =>
    (await prisma.ticket.groupBy({ by: ["reporterId"], where: { tenantId }, orderBy: { reporterId: "asc" } })).map(
      (r) => r.reporterId as number,
    );
  const [acme, globex] = [await reporters("acme"), await reporters("globex")];
  who.customer = acme[0] as number;
  who.otherAcme = acme[1] as number;
  who.globexCustomer = globex[0] as number;
  who.readers = [...acme, ...globex];
  const ticketsOf = async (reporterId: number) =>
    (await prisma.ticket.findMany({ where: { reporterId }, orderBy: { id: "asc" }, take: 3 })).map((r) => r.id);
  [tk.C1, tk.C2, tk.C3] = (await ticketsOf(who.customer)) as [number, number, number];
  [tk.X1, tk.X2, tk.X3] = (await ticketsOf(who.otherAcme)) as [number, number, number];
  [tk.G1, tk.G2, tk.G3] = (await ticketsOf(who.globexCustomer)) as [number, number, number];
  // An internal reply on a live ticket of the customer, whatever the seed drew.
  const agent = t.runtime.context({ actor: { id: "agent-acme", roles: ["agent"], tenantId: "acme" } satisfies Actor });
  await t.runtime
    .service("ticketReply")
    .create(agent, { ticketId: tk.C2, body: "Customer keeps reopening this.", internal: true });

  await prisma.$executeRaw`update "Ticket" set title = title || ' #T' || id || '#', "internalNote" = 'NOTE' || id || ' ' || "internalNote"`;
  await prisma.$executeRaw`update "TicketReply" set body = body || ' #R' || left(id::text, 8) || '#'`;

  // Revisions (two writes each) and one trashed ticket per scope, written as the admin.
  const admin = t.runtime.context({ actor: { id: "root", roles: ["admin"] } satisfies Actor });
  const tickets = t.runtime.service("ticket");
  for (const id of [tk.C1, tk.X1, tk.G1]) {
    await tickets.patch(admin, id, { priority: 5 });
    await tickets.patch(admin, id, { internalNote: `NOTE${id} revised by an agent` });
  }
  for (const id of [tk.C3, tk.X3, tk.G3]) await tickets.delete(admin, id);

  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));
  tokens.set("customer", await sign({ sub: String(who.customer), roles: ["customer"], tenant: "acme" }));
  tokens.set("agent", await sign({ sub: "agent-acme", roles: ["agent"], tenant: "acme" }));
  tokens.set("admin", await sign({ sub: "root", roles: ["admin"] }));
  // The admin writing into one tenant (creates take the tenant from the actor).
  tokens.set("admin@acme", await sign({ sub: "root", roles: ["admin"], tenant: "acme" }));
  tokens.set("admin@globex", await sign({ sub: "root", roles: ["admin"], tenant: "globex" }));

  events = createEvents({
    runtime: t.runtime,
    outbox: new Outbox(prisma, t.testDb.url),
    bus: new MemoryBus(),
    pollMs: 20,
    onError: () => {},
  });
  await events.start();
  // Errors the app masks as 500s reach the report through the logger.
  const logger = pino(
    { level: "error" },
    {
      write: (line: string) =>
        void unexpected.push(
          String((JSON.parse(line) as { err?: { stack?: string } }).err?.stack ?? line).slice(0, 600),
        ),
    },
  );
  app = createApp({
    runtime: t.runtime,
    logger,
    resolveActor: await createActorResolver({ jwt: { secret: SECRET } }),
    events,
    graphqlExtensions: extensions,
  });
  // GraphQL over WebSocket and the SSE streams need a socket (the server's own listener, as startServer
  // serves it); everything else is app.fetch in process.
  server = createServer(app.requestListener);
  sockets = app.serveWebSockets(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await computeTruth();
});

afterAll(async () => {
  app?.endSubscriptions();
  events?.hub.end();
  await sockets?.close(1000);
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await events?.close();
  await t?.close();
});

const allTicketIds = async () =>
  (await t.db.prisma.ticket.findMany({ select: { id: true }, orderBy: { id: "asc" } })).map((r) => r.id);

// ---------------------------------------------------------------------------------------------------
// The battery.

describe("the battery, as anonymous, an acme customer, an acme agent and the admin", () => {
  it("preconditions: the markers are in place and the scopes differ", async () => {
    expect(replyByMarker.size).toBe(allReplies.size);
    expect(truth.customer.tickets).toEqual(new Set([tk.C1, tk.C2]));
    expect(truth.agent.tickets.size).toBeGreaterThan(truth.customer.tickets.size);
    expect(truth.admin.tickets.size).toBeGreaterThan(truth.agent.tickets.size);
    expect(truth.anonymous.tickets.size).toBe(0);
    // The search oracles below need words found only in internal notes.
    const inText = await t.db.prisma.ticket.count({
      where: {
        OR: [
          { title: { contains: "escalat", mode: "insensitive" } },
          { body: { contains: "escalat", mode: "insensitive" } },
        ],
      },
    });
    expect(inText).toBe(0);
    expect(await t.db.prisma.ticket.count({ where: { internalNote: { contains: "Escalated" } } })).toBeGreaterThan(0);
    expect(
      await t.db.prisma.ticketReply.count({
        where: { internal: true, deletedAt: null, ticket: { reporterId: who.customer, deletedAt: null } },
      }),
    ).toBeGreaterThan(0);
  });

  it("GraphQL: lists, counts, connections, aggregates, one record, nested, revisions, trash", async () => {
    const all = await allTicketIds();
    const replyList = [...allReplies];
    for (const actor of ACTORS) {
      const v = truth[actor];
      const live = [...v.tickets];
      const ask = async (query: string, variables: Record<string, unknown>, expected: Expect) =>
        judge(actor, "graphql", gqlText(query, variables), await gql(actor, query, variables), expected);

      const list =
        "{ tickets(take: 100) { id title internalNote tenantId reporterId replies { id internal body } reporter { id name } } }";
      await ask(
        list,
        {},
        {
          tickets: [(a) => ids(a.json.data?.tickets), live],
          replies: [(a) => nested(a.json.data?.tickets, "replies"), [...v.replies]],
        },
      );

      const counts =
        "{ ticketsCount ticketRepliesCount ticketsConnection(first: 100) { totalCount edges { node { id title } } } ticketRepliesConnection(first: 100) { totalCount nodes { id } } }";
      await ask(
        counts,
        {},
        {
          tickets: [
            (a) => (a.json.data?.ticketsConnection?.edges ?? []).map((e: { node: { id: string } }) => e.node.id),
            live,
          ],
          replies: [(a) => ids(a.json.data?.ticketRepliesConnection?.nodes), [...v.replies]],
          counts: [
            ["ticketsCount", (a) => a.json.data?.ticketsCount, v.tickets.size],
            ["ticketRepliesCount", (a) => a.json.data?.ticketRepliesCount, v.replies.size],
            ["ticketsConnection.totalCount", (a) => a.json.data?.ticketsConnection?.totalCount, v.tickets.size],
            [
              "ticketRepliesConnection.totalCount",
              (a) => a.json.data?.ticketRepliesConnection?.totalCount,
              v.replies.size,
            ],
          ],
        },
      );

      for (const by of [[], ["tenantId"], ["status"]] as ("tenantId" | "status")[][]) {
        const query = `{ ticketsAggregate${by.length ? `(groupBy: [${by.join(", ")}])` : ""} { count key { tenantId status } sum { priority } } }`;
        await ask(
          query,
          {},
          { groups: [(a) => a.json.data?.ticketsAggregate ?? [], by, await ticketGroups(actor, by)] },
        );
      }

      const replies =
        "{ ticketReplies(take: 100) { id internal body ticket { id title internalNote tenantId replies { id internal } reporter { id } } } }";
      await ask(replies, {}, { replies: [(a) => ids(a.json.data?.ticketReplies), [...v.replies]] });

      const getMany = "query ($ids: [ID!]) { tickets(where: { id: { in: $ids } }, take: 100) { id title } }";
      await ask(getMany, { ids: [...all, MISSING].map(String) }, { tickets: [(a) => ids(a.json.data?.tickets), live] });

      for (const [deleted, rows] of [
        ["ONLY", await ticketIds(actor, {}, "only")],
        ["INCLUDE", await ticketIds(actor, {}, "include")],
      ] as const) {
        await ask(
          `{ tickets(deleted: ${deleted}, take: 100) { id title internalNote } ticketsCount(deleted: ${deleted}) }`,
          {},
          {
            tickets: [(a) => ids(a.json.data?.tickets), rows],
            counts: [["ticketsCount", (a) => a.json.data?.ticketsCount, rows.length]],
            refusable: true,
          },
        );
      }

      // One record: every ticket of both tenants, and one that does not exist.
      const one =
        "query ($id: ID!) { ticket(id: $id) { id title internalNote tenantId replies { id internal body } reporter { id name } } }";
      const missing = await gql(actor, one, { id: String(MISSING) });
      judge(actor, "graphql", gqlText(one, { id: String(MISSING) }), missing, {
        counts: [["ticket", (a) => (a.json.data?.ticket ? 1 : 0), 0]],
      });
      for (const id of all) {
        const answer = await gql(actor, one, { id: String(id) });
        if (v.tickets.has(id)) {
          judge(actor, "graphql", gqlText(one, { id: String(id) }), answer, {
            tickets: [(a) => ids([a.json.data?.ticket]), [id]],
            replies: [(a) => ids(a.json.data?.ticket?.replies), await replyIds(actor, { ticketId: id })],
          });
        } else {
          judgeSameAsMissing(actor, "graphql", gqlText(one, { id: String(id) }), answer, missing, [[id, MISSING]]);
        }
      }
      const reply = "query ($id: ID!) { ticketReply(id: $id) { id body internal ticket { id title internalNote } } }";
      const missingReply = await gql(actor, reply, { id: MISSING_REPLY });
      record(
        actor,
        "graphql",
        gqlText(reply, { id: MISSING_REPLY }),
        String(missingReply.status),
        scan(actor, "", missingReply.text),
        [],
      );
      for (const id of replyList) {
        const answer = await gql(actor, reply, { id });
        if (v.replies.has(id))
          judge(actor, "graphql", gqlText(reply, { id }), answer, {
            replies: [(a) => ids([a.json.data?.ticketReply]), [id]],
          });
        else judgeSameAsMissing(actor, "graphql", gqlText(reply, { id }), answer, missingReply, [[id, MISSING_REPLY]]);
      }

      // Nested: each reader's tickets, with their replies (a user's tickets are served on one user only).
      const users = "{ users(take: 200) { id tickets { id title internalNote replies { id internal } } } }";
      await ask(users, {}, { tickets: [(a) => nested(a.json.data?.users, "tickets"), live], refusable: true });
      const user =
        "query ($id: ID!) { user(id: $id) { id name tickets { id title internalNote tenantId replies { id internal body } } } }";
      for (const reader of who.readers) {
        await ask(
          user,
          { id: String(reader) },
          {
            tickets: [(a) => ids(a.json.data?.user?.tickets), await ticketIds(actor, { reporterId: reader })],
            replies: [
              (a) => nested(a.json.data?.user?.tickets, "replies"),
              await replyIds(actor, { ticket: { reporterId: reader, deletedAt: null } }),
            ],
          },
        );
      }

      // Revisions: of every ticket (visible ones, also trashed, answer; the rest must look missing).
      const revisions =
        "query ($id: ID!) { ticketRevisions(id: $id) { number action actorId data { recordId title internalNote tenantId } } }";
      const missingRevisions = await gql(actor, revisions, { id: String(MISSING) });
      record(
        actor,
        "graphql",
        gqlText(revisions, { id: String(MISSING) }),
        String(missingRevisions.status),
        scan(actor, "", missingRevisions.text),
        [],
      );
      for (const id of all) {
        const answer = await gql(actor, revisions, { id: String(id) });
        if (v.ticketsAny.has(id)) {
          const kept = await t.db.prisma.revision.count({ where: { resource: "ticket", recordId: String(id) } });
          judge(actor, "graphql", gqlText(revisions, { id: String(id) }), answer, {
            counts: [["revisions", (a) => a.json.data?.ticketRevisions?.length, kept]],
          });
        } else {
          judgeSameAsMissing(actor, "graphql", gqlText(revisions, { id: String(id) }), answer, missingRevisions, [
            [id, MISSING],
          ]);
        }
      }
      for (const id of [tk.C1, tk.X1, tk.G1]) {
        for (const query of [
          "query ($id: ID!) { ticketRevision(id: $id, revision: 2) { number data { recordId title internalNote } } }",
          "query ($id: ID!) { ticketRevisionDiff(id: $id, revision: 2) { from to changes { field from to } } }",
          "query ($id: ID!) { ticketAsOf(id: $id, asOf: { revision: 1 }) { recordId title internalNote } }",
        ]) {
          const answer = await gql(actor, query, { id: String(id) });
          if (v.tickets.has(id)) judge(actor, "graphql", gqlText(query, { id: String(id) }), answer);
          else
            judgeSameAsMissing(
              actor,
              "graphql",
              gqlText(query, { id: String(id) }),
              answer,
              await gql(actor, query, { id: String(MISSING) }),
              [[id, MISSING]],
            );
        }
      }
    }
    expectNoLeaks("graphql");
  });

  it("REST: lists, Content-Range, cursor pages, getMany, one record, embeds, replies, users, aggregates, revisions, trash", async () => {
    const all = await allTicketIds();
    for (const actor of ACTORS) {
      const v = truth[actor];
      const live = [...v.tickets];
      const ask = async (path: string, expected: Expect) =>
        judge(actor, "rest", `GET ${path}`, await rest(actor, path), expected);
      const listed = (a: Answer) => ids(a.json);
      const contentRange = (what: string, n: number): Expect["counts"] => [[`${what} Content-Range total`, total, n]];

      await ask("/api/tickets?range=[0,99]", { tickets: [listed, live], counts: contentRange("tickets", live.length) });
      await ask("/api/tickets?range=[0,99]&embed=replies,reporter", {
        tickets: [listed, live],
        replies: [(a) => nested(a.json, "replies"), [...v.replies]],
        counts: contentRange("tickets", live.length),
      });
      await ask("/api/tickets?cursor=&per_page=100&embed=replies", {
        tickets: [listed, live],
        replies: [(a) => nested(a.json, "replies"), [...v.replies]],
        counts: [["X-Total-Count", (a) => a.headers.get("x-total-count"), live.length]],
      });
      await ask(`/api/tickets?filter=${q({ id: [...all, MISSING] })}`, {
        tickets: [listed, live],
        counts: contentRange("getMany", live.length),
      });
      await ask("/api/ticket-replies?range=[0,99]&embed=ticket", {
        replies: [listed, [...v.replies]],
        counts: contentRange("ticket-replies", v.replies.size),
      });
      for (const [deleted, rows] of [
        ["only", await ticketIds(actor, {}, "only")],
        ["include", await ticketIds(actor, {}, "include")],
      ] as const) {
        await ask(`/api/tickets?deleted=${deleted}&range=[0,99]`, {
          tickets: [listed, rows],
          counts: contentRange(`deleted=${deleted}`, rows.length),
          refusable: true,
        });
      }

      await ask("/api/tickets/aggregate", { groups: [(a) => a.json.groups ?? [], [], await ticketGroups(actor, [])] });
      await ask("/api/tickets/aggregate?groupBy=tenantId&sum=priority", {
        groups: [(a) => a.json.groups ?? [], ["tenantId"], await ticketGroups(actor, ["tenantId"])],
      });
      await ask("/api/tickets/aggregate?groupBy=status&sum=priority", {
        groups: [(a) => a.json.groups ?? [], ["status"], await ticketGroups(actor, ["status"])],
      });
      await ask("/api/ticket-replies/aggregate", {
        counts: [["ticket-replies count", (a) => a.json.groups?.[0]?.count, v.replies.size]],
      });

      // One record with its replies and reporter: every ticket, and one that does not exist.
      const missing = await rest(actor, `/api/tickets/${MISSING}?embed=replies,reporter`);
      record(
        actor,
        "rest",
        `GET /api/tickets/${MISSING}?embed=replies,reporter`,
        String(missing.status),
        scan(actor, "", missing.text),
        [],
      );
      for (const id of all) {
        const path = `/api/tickets/${id}?embed=replies,reporter`;
        const answer = await rest(actor, path);
        if (v.tickets.has(id))
          judge(actor, "rest", `GET ${path}`, answer, {
            tickets: [(a) => ids([a.json]), [id]],
            replies: [(a) => ids(a.json.replies), await replyIds(actor, { ticketId: id })],
          });
        else judgeSameAsMissing(actor, "rest", `GET ${path}`, answer, missing, [[id, MISSING]]);
      }
      const missingReply = await rest(actor, `/api/ticket-replies/${MISSING_REPLY}?embed=ticket`);
      record(
        actor,
        "rest",
        `GET /api/ticket-replies/${MISSING_REPLY}?embed=ticket`,
        String(missingReply.status),
        scan(actor, "", missingReply.text),
        [],
      );
      for (const id of allReplies) {
        const path = `/api/ticket-replies/${id}?embed=ticket`;
        const answer = await rest(actor, path);
        if (v.replies.has(id)) judge(actor, "rest", `GET ${path}`, answer, { replies: [(a) => ids([a.json]), [id]] });
        else judgeSameAsMissing(actor, "rest", `GET ${path}`, answer, missingReply, [[id, MISSING_REPLY]]);
      }

      // Users are public; their tickets are not.
      await ask("/api/users?range=[0,99]", {
        answered: true,
        counts: contentRange("users", await t.db.prisma.user.count()),
      });
      for (const reader of who.readers) {
        await ask(`/api/users/${reader}?embed=tickets,tickets.replies`, {
          tickets: [(a) => ids(a.json.tickets), await ticketIds(actor, { reporterId: reader })],
          replies: [
            (a) => nested(a.json.tickets, "replies"),
            await replyIds(actor, { ticket: { reporterId: reader, deletedAt: null } }),
          ],
        });
      }

      // Revisions of every ticket; one revision, a diff and asOf of the revised ones.
      const missingRevisions = await rest(actor, `/api/tickets/${MISSING}/revisions`);
      record(
        actor,
        "rest",
        `GET /api/tickets/${MISSING}/revisions`,
        String(missingRevisions.status),
        scan(actor, "", missingRevisions.text),
        [],
      );
      for (const id of all) {
        const path = `/api/tickets/${id}/revisions`;
        const answer = await rest(actor, path);
        if (v.ticketsAny.has(id)) {
          const kept = await t.db.prisma.revision.count({ where: { resource: "ticket", recordId: String(id) } });
          judge(actor, "rest", `GET ${path}`, answer, {
            counts: [["revisions", (a) => (a.json as unknown[]).length, kept]],
          });
        } else {
          judgeSameAsMissing(actor, "rest", `GET ${path}`, answer, missingRevisions, [[id, MISSING]]);
        }
      }
      for (const id of [tk.C1, tk.X1, tk.G1]) {
        for (const suffix of ["/revisions/2", "/revisions/2/diff", "?asOf=1"]) {
          const answer = await rest(actor, `/api/tickets/${id}${suffix}`);
          if (v.tickets.has(id)) judge(actor, "rest", `GET /api/tickets/${id}${suffix}`, answer);
          else
            judgeSameAsMissing(
              actor,
              "rest",
              `GET /api/tickets/${id}${suffix}`,
              answer,
              await rest(actor, `/api/tickets/${MISSING}${suffix}`),
              [[id, MISSING]],
            );
        }
      }
    }
    expectNoLeaks("rest");
  });

  it("oracles: filters, sorts, search and relation filters on withheld and scoped fields", async () => {
    for (const actor of ACTORS) {
      const v = truth[actor];
      const listed = (a: Answer) => ids(a.json);
      const gqlTickets = (a: Answer) => ids(a.json.data?.tickets);
      const restAsk = async (path: string, expected: Expect) =>
        judge(actor, "oracles", `GET ${path}`, await rest(actor, path), expected);
      const gqlAsk = async (query: string, variables: Record<string, unknown>, expected: Expect) =>
        judge(actor, "oracles", gqlText(query, variables), await gql(actor, query, variables), expected);
      /**
       * A condition on a field the actor may not read (`hidden`): refused, or no effect at all — the answer
       * to `baseline`, the same request without it. Those who may read the field get `readers`.
       */
      const withheld = async (path: string, baseline: string, hidden: boolean, readers: Expect) => {
        const answer = await rest(actor, path);
        if (!hidden) return judge(actor, "oracles", `GET ${path}`, answer, readers);
        return judge(actor, "oracles", `GET ${path}`, answer, {
          refusable: true,
          noEffect: answer.refused ? undefined : await rest(actor, baseline),
        });
      };
      const withheldGql = async (query: string, where: unknown, hidden: boolean, readers: Expect) => {
        const answer = await gql(actor, query, { where });
        if (!hidden) return judge(actor, "oracles", gqlText(query, { where }), answer, readers);
        return judge(actor, "oracles", gqlText(query, { where }), answer, {
          refusable: true,
          noEffect: answer.refused ? undefined : await gql(actor, query, { where: {} }),
        });
      };
      const hidesNotes = !v.notes;
      const repliesInScope = (where: Prisma.TicketReplyWhereInput): Prisma.TicketWhereInput => ({
        replies: { some: { AND: [replyScope(actor), { deletedAt: null }, where] } },
      });

      // Scoped fields: the answer is the actor's rows that meet the condition, never more.
      for (const [param, where] of [
        ["tenantId=globex", { tenantId: "globex" }],
        [`filter=${q({ tenantId: "globex" })}`, { tenantId: "globex" }],
        [`filter=${q({ tenantId: ["acme", "globex"] })}`, { tenantId: { in: ["acme", "globex"] } }],
        [`reporterId=${who.otherAcme}`, { reporterId: who.otherAcme }],
        [`reporterId=${who.globexCustomer}`, { reporterId: who.globexCustomer }],
        [
          `filter=${q({ reporterId: [who.customer, who.otherAcme, who.globexCustomer] })}`,
          { reporterId: { in: [who.customer, who.otherAcme, who.globexCustomer] } },
        ],
        ["reporter.name_like=a", { reporter: { name: { contains: "a", mode: "insensitive" } } }],
        // Through replies: only the replies the actor may see count (the customer's own tickets do have internal ones).
        ["replies.internal=true", repliesInScope({ internal: true })],
        [
          `filter=${q({ "replies.body_like": "refund" })}`,
          repliesInScope({ body: { contains: "refund", mode: "insensitive" } }),
        ],
        [`replies.body_like=${encodeURIComponent("#R")}`, repliesInScope({})],
      ] as [string, Prisma.TicketWhereInput][]) {
        const want = await ticketIds(actor, where);
        await restAsk(`/api/tickets?${param}&range=[0,99]`, {
          tickets: [listed, want],
          counts: [["Content-Range total", total, want.length]],
        });
        await restAsk(`/api/tickets/aggregate?${param}&groupBy=tenantId&sum=priority`, {
          groups: [(a) => a.json.groups ?? [], ["tenantId"], await ticketGroups(actor, ["tenantId"], where)],
        });
      }
      for (const sort of [
        q(["reporter.name", "ASC"]),
        "reporter.email,-id",
        q([
          ["reporter.name", "DESC"],
          ["tenantId", "ASC"],
        ]),
      ]) {
        await restAsk(`/api/tickets?sort=${sort}&range=[0,99]`, {
          tickets: [listed, [...v.tickets]],
          counts: [["Content-Range total", total, v.tickets.size]],
        });
      }
      for (const [param, where] of [
        ["internal=true", { internal: true }],
        [`ticketId=${tk.X1}`, { ticketId: tk.X1 }],
        [`ticket.reporterId=${who.otherAcme}`, { ticket: { reporterId: who.otherAcme } }],
        ["ticket.tenantId=globex", { ticket: { tenantId: "globex" } }],
      ] as [string, Prisma.TicketReplyWhereInput][]) {
        const want = await replyIds(actor, where);
        await restAsk(`/api/ticket-replies?${param}&range=[0,99]`, {
          replies: [listed, want],
          counts: [["Content-Range total", total, want.length]],
        });
      }
      await restAsk("/api/users?tickets.tenantId=globex&range=[0,99]", {
        users: [listed, await usersWithTickets(actor, { tenantId: "globex" })],
      });
      await restAsk(`/api/users?filter=${q({ "tickets.priority_gte": 1 })}&range=[0,99]`, {
        users: [listed, await usersWithTickets(actor)],
      });
      await restAsk(`/api/users?filter=${q({ "tickets.replies.internal": true })}&range=[0,99]`, {
        users: [listed, await usersWithTickets(actor, repliesInScope({ internal: true }))],
      });

      // internalNote: refused or no effect for the customer and anonymous; the database's answer for agents and the admin.
      const noteContains = (text: string): Prisma.TicketWhereInput => ({
        internalNote: { contains: text, mode: "insensitive" },
      });
      for (const [param, baseline, where] of [
        ["internalNote_like=billing&range=[0,99]", "range=[0,99]", noteContains("billing")],
        [`filter=${q({ internalNote_like: "billing" })}&range=[0,99]`, "range=[0,99]", noteContains("billing")],
        [
          `filter=${q({ internalNote_contains: `NOTE${tk.C1} ` })}&range=[0,99]`,
          "range=[0,99]",
          noteContains(`NOTE${tk.C1} `),
        ],
        [
          `conditions=${q([{ field_path: "internalNote", operator: "contains", value: "legacy" }])}&range=[0,99]`,
          `conditions=${q([])}&range=[0,99]`,
          noteContains("legacy"),
        ],
      ] as [string, string, Prisma.TicketWhereInput][]) {
        const want = await ticketIds(actor, where);
        await withheld(`/api/tickets?${param}`, `/api/tickets?${baseline}`, hidesNotes, {
          tickets: [listed, want],
          counts: [["Content-Range total", total, want.length]],
        });
      }
      await withheld(
        `/api/tickets?qb=${encodeURIComponent("QB['internalNote'].contains('legacy').limit(100)")}`,
        `/api/tickets?qb=${encodeURIComponent("QB.all().limit(100)")}`,
        hidesNotes,
        {
          tickets: [listed, await ticketIds(actor, noteContains("legacy"))],
        },
      );
      // Not an operator internalNote allows (contains only): refused for everyone.
      await withheld(
        `/api/tickets?filter=${q({ internalNote: `NOTE${tk.C1}` })}`,
        "/api/tickets?range=[0,99]",
        hidesNotes,
        { refusable: true, tickets: [listed, []] },
      );
      await withheld(
        "/api/tickets/aggregate?internalNote_like=billing&groupBy=tenantId&sum=priority",
        "/api/tickets/aggregate?groupBy=tenantId&sum=priority",
        hidesNotes,
        {
          groups: [
            (a) => a.json.groups ?? [],
            ["tenantId"],
            await ticketGroups(actor, ["tenantId"], noteContains("billing")),
          ],
        },
      );
      // internalNote is not sortable: refused for everyone; an honoured sort would order by the notes.
      for (const sort of ["internalNote", "-internalNote", q(["internalNote", "ASC"])]) {
        await withheld(`/api/tickets?sort=${sort}&range=[0,99]`, "/api/tickets?range=[0,99]", hidesNotes, {
          refusable: true,
          tickets: [listed, [...v.tickets]],
        });
      }
      await withheld(
        "/api/tickets?fields=id,internalNote&range=[0,99]",
        "/api/tickets?fields=id&range=[0,99]",
        hidesNotes,
        { tickets: [listed, [...v.tickets]] },
      );
      await withheld(`/api/tickets/${tk.C1}?fields=id,internalNote`, `/api/tickets/${tk.C1}?fields=id`, hidesNotes, {
        tickets: [(a) => ids([a.json]), v.tickets.has(tk.C1) ? [tk.C1] : []],
      });
      await withheld(
        `/api/users?filter=${q({ "tickets.internalNote_like": "billing" })}&range=[0,99]`,
        "/api/users?range=[0,99]",
        hidesNotes,
        {
          users: [listed, await usersWithTickets(actor, noteContains("billing"))],
        },
      );
      // Search skips what the actor may not read: these words are only in internal notes.
      for (const word of ["escalated", "legacy", `NOTE${tk.C1}`, `NOTE${tk.G1}`]) {
        const inNotes: Prisma.TicketWhereInput = word.startsWith("NOTE")
          ? { internalNote: { startsWith: `${word} ` } }
          : noteContains(word);
        const want = hidesNotes ? [] : await ticketIds(actor, inNotes);
        await restAsk(`/api/tickets?q=${word}&range=[0,99]`, {
          tickets: [listed, want],
          counts: [["Content-Range total", total, want.length]],
        });
        await restAsk(`/api/tickets/aggregate?q=${word}`, {
          counts: [["aggregate count", (a) => a.json.groups?.[0]?.count, want.length]],
        });
        await restAsk(`/api/users?filter=${q({ "tickets.q": word })}&range=[0,99]`, {
          users: [listed, hidesNotes ? [] : await usersWithTickets(actor, inNotes)],
        });
      }

      // passwordHash, which no one may read: refused, or no effect.
      const qb = (expression: string) => `qb=${encodeURIComponent(expression)}`;
      for (const [path, baseline] of [
        ["/api/users?passwordHash_like=scrypt&range=[0,99]", "/api/users?range=[0,99]"],
        [`/api/users?filter=${q({ passwordHash_startswith: "scrypt" })}&range=[0,99]`, "/api/users?range=[0,99]"],
        [`/api/users?filter=${q({ passwordHash: PASSWORD_HASH })}&range=[0,99]`, "/api/users?range=[0,99]"],
        ["/api/users?sort=passwordHash&range=[0,99]", "/api/users?range=[0,99]"],
        ["/api/users?fields=id,passwordHash&range=[0,99]", "/api/users?fields=id&range=[0,99]"],
        [
          `/api/users?${qb("QB['passwordHash'].starts_with('scrypt').limit(100)")}`,
          `/api/users?${qb("QB.all().limit(100)")}`,
        ],
        ["/api/users/aggregate?min=passwordHash", "/api/users/aggregate"],
        ["/api/users/aggregate?groupBy=passwordHash", "/api/users/aggregate"],
        [
          `/api/tickets?filter=${q({ "reporter.passwordHash_like": "scrypt" })}&range=[0,99]`,
          "/api/tickets?range=[0,99]",
        ],
        ["/api/tickets?sort=reporter.passwordHash&range=[0,99]", "/api/tickets?range=[0,99]"],
      ]) {
        await withheld(path as string, baseline as string, true, {});
      }
      await restAsk("/api/users?q=scrypt&range=[0,99]", { users: [listed, []], answered: true });

      // The same questions in GraphQL.
      const gqlList =
        "query ($where: TicketWhereInput) { tickets(where: $where, take: 100) { id title } ticketsCount(where: $where) }";
      const gqlAggregate =
        "query ($where: TicketWhereInput) { ticketsAggregate(where: $where, groupBy: [tenantId]) { count key { tenantId } sum { priority } } }";
      for (const [where, db] of [
        [{ tenantId: { eq: "globex" } }, { tenantId: "globex" }],
        [
          { reporterId: { in: [who.otherAcme, who.globexCustomer] } },
          { reporterId: { in: [who.otherAcme, who.globexCustomer] } },
        ],
        [{ reporter: { id: { eq: String(who.otherAcme) } } }, { reporterId: who.otherAcme }],
        [{ replies: { some: { internal: { eq: true } } } }, repliesInScope({ internal: true })],
        [{ search: "escalated" }, hidesNotes ? { id: -1 } : noteContains("escalated")],
        [{ search: `NOTE${tk.C1}` }, hidesNotes ? { id: -1 } : { internalNote: { startsWith: `NOTE${tk.C1} ` } }],
        [{ internalNote: { contains: "billing" } }, noteContains("billing")],
        [{ NOT: { internalNote: { contains: "zzz" } } }, {}],
        [{ OR: [{ internalNote: { contains: "legacy" } }, { id: { eq: "0" } }] }, noteContains("legacy")],
      ] as [Record<string, unknown>, Prisma.TicketWhereInput][]) {
        const want = await ticketIds(actor, db);
        const hidden = hidesNotes && JSON.stringify(where).includes("internalNote");
        await withheldGql(gqlList, where, hidden, {
          tickets: [gqlTickets, want],
          counts: [["ticketsCount", (a) => a.json.data?.ticketsCount, want.length]],
        });
        await withheldGql(gqlAggregate, where, hidden, {
          groups: [
            (a) => a.json.data?.ticketsAggregate ?? [],
            ["tenantId"],
            await ticketGroups(actor, ["tenantId"], db),
          ],
        });
      }
      await gqlAsk(
        "{ tickets(orderBy: [{ reporter: { name: asc } }], take: 100) { id reporter { id } } }",
        {},
        { tickets: [gqlTickets, [...v.tickets]] },
      );
      const gqlUsers = "query ($where: UserWhereInput) { users(where: $where, take: 200) { id } }";
      for (const [where, db] of [
        [{ tickets: { some: { tenantId: { eq: "globex" } } } }, { tenantId: "globex" }],
        [{ tickets: { some: { priority: { gte: 1 } } } }, {}],
        [{ tickets: { some: { replies: { some: { internal: { eq: true } } } } } }, repliesInScope({ internal: true })],
        [{ tickets: { some: { internalNote: { contains: "billing" } } } }, noteContains("billing")],
      ] as [Record<string, unknown>, Prisma.TicketWhereInput][]) {
        const hidden = hidesNotes && JSON.stringify(where).includes("internalNote");
        await withheldGql(gqlUsers, where, hidden, {
          users: [(a) => ids(a.json.data?.users), await usersWithTickets(actor, db)],
        });
      }
      const byTenant = { ticket: { tenantId: { eq: "globex" } } };
      const wantReplies = await replyIds(actor, { ticket: { tenantId: "globex" } });
      await gqlAsk(
        "query ($where: TicketReplyWhereInput) { ticketReplies(where: $where, take: 100) { id } ticketRepliesCount(where: $where) }",
        { where: byTenant },
        {
          replies: [(a) => ids(a.json.data?.ticketReplies), wantReplies],
          counts: [["ticketRepliesCount", (a) => a.json.data?.ticketRepliesCount, wantReplies.length]],
        },
      );
      for (const query of [
        '{ users(where: { passwordHash: { startsWith: "scrypt" } }) { id } }',
        "{ users(orderBy: [{ passwordHash: asc }]) { id } }",
        "{ users(take: 1) { id passwordHash } }",
      ]) {
        await gqlAsk(query, {}, { refusable: true });
      }
    }
    expectNoLeaks("oracles");
  });

  it("mutations as oracles: writes on rows the actor may not see answer as for missing rows, and change nothing", async () => {
    type Id = number | string;
    interface Write {
      label: (id: Id) => string;
      send: (actor: ActorName, id: Id) => Promise<Answer>;
    }
    const viaGql = (query: string, variables: (id: Id) => Record<string, unknown>): Write => ({
      label: (id) => gqlText(query, variables(id)),
      send: (actor, id) => gql(actor, query, variables(id)),
    });
    const viaRest = (method: string, path: (id: Id) => string, body?: (id: Id) => unknown): Write => ({
      label: (id) => `${method} ${path(id)}${body ? ` ${JSON.stringify(body(id))}` : ""}`,
      send: (actor, id) => rest(actor, path(id), { method, ...(body ? { body: body(id) } : {}) }),
    });
    const batchResult = "{ succeeded { index record { id } } failed { index code message } }";
    const ticketWrites: Write[] = [
      viaGql(`mutation ($ids: [ID!]!) { deleteTickets(ids: $ids, partial: true) ${batchResult} }`, (id) => ({
        ids: [String(id)],
      })),
      viaGql(
        `mutation ($id: ID!) { updateTickets(data: [{ id: $id, title: "hijacked" }], partial: true) ${batchResult} }`,
        (id) => ({ id: String(id) }),
      ),
      viaGql('mutation ($id: ID!) { updateTicket(id: $id, data: { title: "hijacked" }) { id } }', (id) => ({
        id: String(id),
      })),
      viaGql("mutation ($id: ID!) { deleteTicket(id: $id) { id } }", (id) => ({ id: String(id) })),
      viaGql("mutation ($id: ID!) { revertTicket(id: $id, toRevision: 1) { id } }", (id) => ({ id: String(id) })),
      viaGql('mutation ($id: Int!) { createTicketReply(data: { ticketId: $id, body: "psst" }) { id } }', (id) => ({
        id,
      })),
      // Custom actions (§27): the record is loaded inside the actor's tenant and scope, like any write's.
      viaGql('mutation ($id: ID!) { closeTicket(id: $id, input: { resolution: "hijacked" }) { id status } }', (id) => ({
        id: String(id),
      })),
      viaRest(
        "DELETE",
        () => "/api/tickets/batch?partial=true",
        (id) => [id],
      ),
      viaRest(
        "PATCH",
        () => "/api/tickets/batch?partial=true",
        (id) => [{ id, title: "hijacked" }],
      ),
      viaRest(
        "PATCH",
        (id) => `/api/tickets/${id}`,
        () => ({ title: "hijacked" }),
      ),
      viaRest(
        "PUT",
        (id) => `/api/tickets/${id}`,
        () => ({ title: "hijacked" }),
      ),
      viaRest("DELETE", (id) => `/api/tickets/${id}`),
      viaRest("POST", (id) => `/api/tickets/${id}/revert/1`),
      viaRest(
        "POST",
        (id) => `/api/tickets/${id}/close`,
        () => ({ resolution: "hijacked" }),
      ),
      viaRest(
        "POST",
        () => "/api/ticket-replies",
        (id) => ({ ticketId: id, body: "psst" }),
      ),
      viaRest(
        "POST",
        () => "/api/ticket-replies/batch?partial=true",
        (id) => [{ ticketId: id, body: "psst" }],
      ),
      // Nested writes (rest-dialect.md §28): connecting a ticket the actor may not see is connecting a missing one.
      viaGql(
        'mutation ($id: ID!) { createTicketReply(data: { ticket: { connect: { id: $id } }, body: "psst" }) { id } }',
        (id) => ({ id: String(id) }),
      ),
      viaRest(
        "POST",
        () => "/api/ticketReplies",
        (id) => ({ ticket: { connect: { id } }, body: "psst" }),
      ),
    ];
    const restoreWrites: Write[] = [
      viaRest("POST", (id) => `/api/tickets/${id}/restore`),
      viaRest(
        "POST",
        () => "/api/tickets/batch/restore?partial=true",
        (id) => [id],
      ),
      viaGql("mutation ($id: ID!) { restoreTicket(id: $id) { id } }", (id) => ({ id: String(id) })),
    ];
    const replyWrites: Write[] = [
      viaRest("DELETE", (id) => `/api/ticket-replies/${id}`),
      viaRest(
        "DELETE",
        () => "/api/ticket-replies/batch?partial=true",
        (id) => [id],
      ),
      viaGql("mutation ($id: ID!) { deleteTicketReply(id: $id) { id } }", (id) => ({ id: String(id) })),
      // Nested writes (§28) from a ticket the actor may write: a hidden reply is a missing one.
      viaRest(
        "PATCH",
        () => `/api/tickets/${tk.C1}`,
        (id) => ({ replies: { connect: [{ id }] } }),
      ),
      viaRest(
        "PATCH",
        () => `/api/tickets/${tk.C1}`,
        (id) => ({ replies: { update: [{ id, data: { body: "hijacked" } }] } }),
      ),
      viaGql(
        "mutation ($t: ID!, $id: ID!) { updateTicket(id: $t, data: { replies: { set: [{ id: $id }] } }) { id } }",
        (id) => ({
          t: String(tk.C1),
          id: String(id),
        }),
      ),
    ];
    // Replies the customer or the agent may not see: a globex one, and an internal one on the customer's own ticket.
    const hiddenReplies = [
      (
        await t.db.prisma.ticketReply.findFirstOrThrow({
          where: { tenantId: "globex", deletedAt: null },
          orderBy: { id: "asc" },
        })
      ).id,
      (
        await t.db.prisma.ticketReply.findFirstOrThrow({
          where: { ticketId: tk.C2, internal: true, deletedAt: null },
          orderBy: { id: "asc" },
        })
      ).id,
    ];

    /** Sends `write` about a hidden row and about a missing one: the same answer, and the database unchanged. */
    const differential = async (actor: ActorName, write: Write, hidden: Id, missing: Id) => {
      const before = await dbState();
      const answer = await write.send(actor, hidden);
      const changed = changes(before, await dbState());
      judgeSameAsMissing(
        actor,
        "mutations",
        write.label(hidden),
        answer,
        await write.send(actor, missing),
        [[hidden, missing]],
        changed,
      );
    };

    for (const actor of ACTORS) {
      // All or nothing, for everyone: the missing id fails the batch, so nothing is written (the admin included).
      const allOrNothing = viaGql(`mutation ($ids: [ID!]!) { deleteTickets(ids: $ids) ${batchResult} }`, (id) => ({
        ids: [String(id), String(MISSING)],
      }));
      const restAllOrNothing = viaRest(
        "DELETE",
        () => "/api/tickets/batch",
        (id) => [id, MISSING],
      );
      if (actor === "admin") {
        // The admin may see G1: its batches fail at the missing id (index 1), which shows that the index 0 of the others is a real difference.
        for (const write of [allOrNothing, restAllOrNothing]) {
          const answer = await write.send(actor, tk.G1);
          const index = answer.json?.errors?.[0]?.extensions?.index ?? answer.json?.failed?.[0]?.index;
          record(
            actor,
            "mutations",
            write.label(tk.G1),
            String(answer.status),
            scan(actor, "", answer.text),
            index === 1 ? [] : [`expected the batch to fail at index 1, got ${answer.text.slice(0, 200)}`],
          );
        }
        continue; // every other write would succeed for the admin
      }
      for (const write of [allOrNothing, restAllOrNothing]) await differential(actor, write, tk.G1, MISSING - 1);
      for (const id of [tk.X1, tk.G1].filter((x) => !truth[actor].tickets.has(x)))
        for (const write of ticketWrites) await differential(actor, write, id, MISSING);
      for (const id of [tk.X3, tk.G3].filter((x) => !truth[actor].ticketsAny.has(x)))
        for (const write of restoreWrites) await differential(actor, write, id, MISSING);
      for (const id of hiddenReplies.filter((x) => !truth[actor].repliesAny.has(x)))
        for (const write of replyWrites) await differential(actor, write, id, MISSING_REPLY);
    }
    // A write that got through anyway: what does its writer see of it now?
    const slipped = await t.db.prisma.ticketReply.findMany({ where: { body: "psst" }, orderBy: { id: "asc" } });
    for (const reply of slipped) {
      const actor =
        ACTORS.find(
          (a) =>
            (a === "customer" ? String(who.customer) : a === "agent" ? "agent-acme" : undefined) === reply.createdBy,
        ) ?? "admin";
      const read =
        "query ($id: ID!) { ticketReply(id: $id) { id ticketId ticket { id title internalNote tenantId } } }";
      judge(actor, "mutations", gqlText(read, { id: reply.id }), await gql(actor, read, { id: reply.id }), {
        refusable: true,
      });
      judge(
        actor,
        "mutations",
        `GET /api/ticket-replies/${reply.id}?embed=ticket`,
        await rest(actor, `/api/ticket-replies/${reply.id}?embed=ticket`),
        { refusable: true },
      );
      judge(
        actor,
        "mutations",
        `GET /api/ticket-replies?ticketId=${reply.ticketId}&embed=ticket`,
        await rest(actor, `/api/ticket-replies?ticketId=${reply.ticketId}&embed=ticket`),
        { refusable: true },
      );
    }
    expectNoLeaks("mutations");
  });

  it("events: SSE streams and GraphQL subscriptions deliver each actor only the changes of its rows", async () => {
    interface Written {
      resource: "tickets" | "ticket-replies" | "users";
      id: number | string;
      action: string;
      /** The ticket's note says VIP once this write is done. */
      vip?: boolean;
    }
    interface Feed {
      actor: ActorName;
      request: string;
      /** Which writes the feed is about, before the actor's visibility. */
      about: (w: Written) => boolean;
      /** A condition on a field the actor may not read: refused, or no effect (then `about` is the feed without it). */
      withheld?: boolean;
      /** `resource:id:action` of each change received, and its text. */
      received: () => { key: string; text: string }[];
      refused: () => string | undefined;
      waitFor: (key: string) => Promise<void>;
    }
    const key = (resource: string, id: unknown, action: string) =>
      `${resource}:${String(id)}:${String(action).toLowerCase()}`;
    const tickets = (w: Written) => w.resource === "tickets";
    const replies = (w: Written) => w.resource === "ticket-replies";
    const both = () => true;
    const g1 = (w: Written) => tickets(w) && w.id === tk.G1;

    await events.settled();
    const after = await events.hub.latestId();
    const feeds: Feed[] = [];
    const streams: Stream[] = [];
    const clients: Client[] = [];
    try {
      for (const actor of ACTORS) {
        for (const [path, about] of [
          ["/api/tickets/events", tickets],
          ["/api/ticket-replies/events", replies],
          // Users are public: a change of one is the fence of anonymous's stream.
          ["/api/events?resources=tickets,ticket-replies,users", both],
          [`/api/tickets/events?id=${tk.G1}`, g1],
        ] as [string, (w: Written) => boolean][]) {
          const url = `${path}${path.includes("?") ? "&" : "?"}after=${after}`;
          const stream = await openSse(`${baseUrl}${url}`, tokens.get(actor));
          streams.push(stream);
          feeds.push({
            actor,
            request: `GET ${url} (SSE)`,
            about,
            received: () =>
              stream.frames.map((f) => ({ key: key(f.data?.resource, f.data?.id, f.event), text: f.raw })),
            refused: () => (stream.status === 200 ? undefined : `${stream.status} ${stream.error}`),
            waitFor: (k) => stream.waitFor((f) => key(f.data?.resource, f.data?.id, f.event) === k),
          });
        }
        const client = createClient({
          url: `${baseUrl.replace("http", "ws")}/graphql`,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: true,
          ...(tokens.has(actor) ? { connectionParams: bearer(actor) } : {}),
        });
        clients.push(client);
        for (const [query, about, resource, withheld] of [
          [
            "subscription ($after: ID) { ticketChanged(after: $after) { eventId action id record { id title internalNote tenantId reporterId } changed } }",
            tickets,
            "tickets",
          ],
          [
            "subscription ($after: ID) { ticketReplyChanged(after: $after) { eventId action id record { id body internal ticketId } changed } }",
            replies,
            "ticket-replies",
          ],
          [
            'subscription ($after: ID) { resourceChanged(after: $after, resources: ["ticket", "ticketReply", "user"]) { eventId resource action id record changed } }',
            both,
            undefined,
          ],
          [
            `subscription ($after: ID) { ticketChanged(after: $after, id: ${tk.G1}) { eventId action id record { id title internalNote } } }`,
            g1,
            "tickets",
          ],
          // Filtered on the note: for agents and the admin, the changes of tickets whose note says VIP (and every delete, which has no record to test).
          [
            'subscription ($after: ID) { ticketChanged(after: $after, where: { internalNote: { contains: "VIP" } }) { eventId action id record { id title } } }',
            truth[actor].notes ? (w: Written) => tickets(w) && (w.vip === true || w.action === "delete") : tickets,
            "tickets",
            !truth[actor].notes,
          ],
        ] as [string, (w: Written) => boolean, string | undefined, boolean?][]) {
          const sub = subscribe(client, query, { after });
          const keyOf = (item: { resource?: string; id: unknown; action: string }) =>
            key(
              resource ??
                { ticket: "tickets", ticketReply: "ticket-replies", user: "users" }[item.resource ?? ""] ??
                "?",
              item.id,
              item.action,
            );
          feeds.push({
            actor,
            request: gqlText(query, { after }),
            about,
            withheld: withheld ?? false,
            received: () => sub.items.map((item) => ({ key: keyOf(item), text: JSON.stringify(item) })),
            refused: () => (sub.errors.length ? JSON.stringify(sub.errors) : undefined),
            waitFor: (k) => sub.waitFor((item) => keyOf(item) === k),
          });
        }
      }

      // The writes: the admin in both tenants; the last two are seen by everyone but anonymous.
      const writes: Written[] = [];
      const write = async (as: string, method: string, path: string, body?: unknown, vip?: boolean) => {
        const answer = await rest(as, path, { method, ...(body === undefined ? {} : { body }) });
        tally("admin", "events");
        lines.push(
          `admin     events    ${String(answer.status).padEnd(4)} ${method} ${path} ${JSON.stringify(body) ?? ""} (as ${as}, a write the feeds report)`,
        );
        if (answer.status >= 300)
          throw new Error(`${method} ${path} as ${as} answered ${answer.status}: ${answer.text}`);
        writes.push({
          resource: path.split("/")[2] as Written["resource"],
          id: answer.json.id,
          action: method === "POST" ? "create" : method === "DELETE" ? "delete" : "patch",
          ...(vip ? { vip } : {}),
        });
      };
      await write("admin", "PATCH", `/api/tickets/${tk.G1}`, { priority: 1 });
      await write("admin", "PATCH", `/api/tickets/${tk.X1}`, { priority: 1 });
      await write("admin@acme", "POST", "/api/ticket-replies", {
        ticketId: tk.C1,
        body: "internal: refund approved",
        internal: true,
      });
      await write("admin@globex", "POST", "/api/ticket-replies", { ticketId: tk.G1, body: "globex public reply" });
      await write("admin@globex", "POST", "/api/tickets", {
        title: "globex printer on fire",
        reporterId: who.globexCustomer,
        internalNote: "globex secret",
      });
      await write("admin", "DELETE", `/api/tickets/${tk.G2}`);
      await write("admin", "DELETE", `/api/tickets/${tk.X2}`);
      await write("admin", "PATCH", `/api/tickets/${tk.C1}`, { internalNote: `NOTE${tk.C1} VIP customer` }, true);
      await write("admin@acme", "POST", "/api/tickets", {
        title: "a new ticket for the customer",
        reporterId: who.customer,
      });
      await write("admin", "PATCH", `/api/tickets/${tk.C1}`, { title: `Fence #T${tk.C1}#` }, true);
      await write("admin@acme", "POST", "/api/ticket-replies", { ticketId: tk.C1, body: "fence: a public reply" });
      await write("admin", "PATCH", `/api/users/${who.globexCustomer}`, { name: "Fence Public" });
      await events.settled();
      await computeTruth();

      const visibleTo = (actor: ActorName, w: Written) =>
        w.resource === "users"
          ? true
          : w.resource === "tickets"
            ? truth[actor].ticketsAny.has(Number(w.id))
            : truth[actor].repliesAny.has(String(w.id));
      const expectedOf = (feed: Feed) =>
        writes.filter((w) => feed.about(w) && visibleTo(feed.actor, w)).map((w) => key(w.resource, w.id, w.action));
      // Changes arrive in commit order: once a feed's last expected change is in, anything else it would
      // deliver is in too. Feeds that expect nothing are read after the same actor's other feeds got theirs.
      for (const feed of feeds) {
        const last = expectedOf(feed).at(-1);
        if (last && !feed.refused()) await feed.waitFor(last);
      }
      for (const feed of feeds) {
        const refused = feed.refused();
        if (refused) {
          const wrong = feed.actor === "anonymous" || feed.withheld ? [] : [`refused: ${refused.slice(0, 200)}`];
          record(
            feed.actor,
            "events",
            `${feed.request} (refused: ${refused.slice(0, 120)})`,
            "err",
            scan(feed.actor, feed.request, refused),
            wrong,
          );
          continue;
        }
        const received = feed.received();
        const want = expectedOf(feed);
        const got = received.map((r) => r.key);
        const found = new Set(received.flatMap((r) => scan(feed.actor, "", r.text)));
        const extra = got.filter((k) => !want.includes(k));
        const missing = want.filter((k) => !got.includes(k));
        if (extra.length) found.add(`delivers ${extra.join(", ")}, outside the actor's rows`);
        // A filter on a withheld field that removed changes is an oracle too.
        if (feed.withheld && missing.length)
          found.add(`a filter on a field the actor may not read held back ${missing.join(", ")}`);
        record(
          feed.actor,
          "events",
          `${feed.request} (${received.length} changes: ${got.join(" ") || "none"})`,
          "200",
          [...found],
          missing.length && !feed.withheld ? [`misses ${missing.join(", ")}`] : [],
        );
      }
    } finally {
      for (const stream of streams) stream.close();
      await Promise.all(clients.map((c) => c.dispose()));
    }
    expectNoLeaks("events");
  });

  it("the report: every request of every actor, and 0 leaks", () => {
    const of = (area: Area | undefined, actor: ActorName) =>
      area
        ? (counted.get(`${area}|${actor}`) ?? 0)
        : AREAS.reduce((n, a) => n + (counted.get(`${a}|${actor}`) ?? 0), 0);
    const requests = ACTORS.reduce((n, actor) => n + of(undefined, actor), 0);
    const report = [
      `[leak test] ${requests} requests: ${ACTORS.map((actor) => `${actor} ${of(undefined, actor)}`).join(", ")} — ${leaks.length} leaks, ${wrongs.length} wrong answers`,
      ...AREAS.map((area) => `  ${area.padEnd(9)} ${ACTORS.map((actor) => `${actor} ${of(area, actor)}`).join(", ")}`),
      `  the admin's answers showed ${detected.otherTenantRows} rows of the other tenant, ${detected.notes} internal notes, ${detected.hiddenReplies} replies the customer may not see: the battery detects rows`,
      ...leaks.map((l) => `  LEAK ${l.text}`),
      ...wrongs.map((w) => `  WRONG ${w.text}`),
      ...unexpected.map((u) => `  500 ${u}`),
    ].join("\n");
    console.log(report);
    // LEAK_REPORT=<file> keeps the line of every request.
    if (process.env.LEAK_REPORT) writeFileSync(process.env.LEAK_REPORT, `${report}\n\n${lines.join("\n")}\n`);
    expect(detected.otherTenantRows).toBeGreaterThan(0);
    expect(detected.notes).toBeGreaterThan(0);
    expect(detected.hiddenReplies).toBeGreaterThan(0);
    expect(
      wrongs.map((w) => w.text),
      `${wrongs.length} wrong answers`,
    ).toEqual([]);
    expect(leaks.length, `${leaks.length} leaks:\n${leaks.map((l) => l.text).join("\n")}`).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Event clients: a minimal SSE reader (fetch with the actor's bearer token) and graphql-ws subscriptions.

interface Frame {
  id: string;
  event: string;
  data: any;
  raw: string;
}

interface Stream {
  status: number;
  error: string;
  frames: Frame[];
  /** Resolves once a frame matching `test` has arrived; rejects if the stream ends first. */
  waitFor(test: (frame: Frame) => boolean): Promise<void>;
  close(): void;
}

async function openSse(url: string, token: string | undefined): Promise<Stream> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: abort.signal,
  });
  const frames: Frame[] = [];
  let ended = false;
  let wake: () => void = () => {};
  if (response.status !== 200) {
    return {
      status: response.status,
      error: await response.text(),
      frames,
      waitFor: () => Promise.reject(new Error("not streaming")),
      close: () => {},
    };
  }
  void (async () => {
    try {
      await readSseBlocks(response, (block) => {
        const field = (name: string) =>
          block
            .split("\n")
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        const event = field("event");
        if (event && event !== "ready")
          frames.push({ id: field("id") ?? "", event, data: safeJson(field("data") ?? ""), raw: block });
        wake();
      });
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      wake();
    }
  })();
  return {
    status: 200,
    error: "",
    frames,
    async waitFor(test) {
      while (!frames.some(test)) {
        if (ended) throw new Error(`${url}: the stream ended after ${frames.length} events`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    close: () => abort.abort(),
  };
}

interface Sub {
  items: any[];
  errors: unknown[];
  waitFor(test: (item: any) => boolean): Promise<void>;
}

function subscribe(client: Client, query: string, variables: Record<string, unknown>): Sub {
  const items: unknown[] = [];
  const errors: unknown[] = [];
  let done = false;
  let wake: () => void = () => {};
  client.subscribe<Record<string, unknown>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) items.push(Object.values(result.data)[0]);
        wake();
      },
      error: (error) => {
        errors.push(Array.isArray(error) ? error : { message: String((error as { reason?: string }).reason ?? error) });
        done = true;
        wake();
      },
      complete: () => {
        done = true;
        wake();
      },
    },
  );
  return {
    items,
    errors,
    async waitFor(test) {
      while (!items.some(test)) {
        if (errors.length > 0 || done) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
