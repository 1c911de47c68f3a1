// Robustness of `qb` (rest-dialect.md §11.6): 2,000 generated inputs, random text, grammar-shaped
// expressions over real and unknown fields, and mutations of those, each sent over HTTP to the real
// database. Every answer is a 200 list or a 400 with a message; never a 5xx, never an unexpected error.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRestFixture, type RestFixture } from "./harness.ts";

let t: RestFixture;
beforeAll(async () => {
  t = await createRestFixture();
});
afterAll(() => t?.close());

/** Sends `text` as qb and checks the answer's shape; returns the status. */
async function send(text: string): Promise<number> {
  // A lone surrogate cannot travel in a URL (it has no UTF-8); the server would see U+FFFD anyway.
  const response = await t.get(`/api/posts?qb=${encodeURIComponent(text.toWellFormed())}`);
  const body = (await response.json()) as unknown;
  if (response.status === 200) expect(Array.isArray(body)).toBe(true);
  else expect(body).toMatchObject({ code: "BAD_REQUEST", message: expect.any(String) });
  expect([200, 400], `${response.status} for ${JSON.stringify(text)}: ${JSON.stringify(body)}`).toContain(
    response.status,
  );
  return response.status;
}

// Valid names weigh more, so that many inputs reach the database.
const FIELDS = [
  "views",
  "views",
  "views",
  "title",
  "title",
  "status",
  "publishedAt",
  "createdAt",
  "authorId",
  "body",
  "author.name",
  "comments.body",
  "tags.name",
  "comments.every.author.role",
  "colour",
  "a..b",
  "every.x",
  "",
];
const PROTOTYPE = ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__", "__defineGetter__"];
const METHODS = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in_",
  "not_in",
  "contains",
  "icontains",
  "starts_with",
  "ends_with",
  "regex",
  "between",
  "is_null",
  "is_true",
  "is_false",
  "match",
  "like",
  "one_of",
  "in_range",
  "has_value",
  "is_empty",
  "not_contains",
  "is_truthy",
  "is_falsy",
  "last_n_days",
  "today",
  "yesterday",
  "this_week",
  "this_month",
  "this_year",
  "nope",
  ...PROTOTYPE,
];
const MODIFIERS = ["sort", "order_by", "limit", "offset", "page", "first", "bogus", ...PROTOTYPE];

const quote = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const scalar = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 2000 }).map(String) },
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((n) => String(n)),
  fc.constantFrom("1e400", "-0", "99999999999999999999", "True", "false", "None", "null"),
  fc.string({ maxLength: 8 }).map(quote),
  fc.constantFrom(
    "'draft'",
    "'published'",
    "'2025-03-01T00:00:00Z'",
    "'2020-02-31'",
    "'\\u0000'",
    "'\\ud800'",
    "'%'",
    "'_'",
    // Patterns for regex and like: valid, malformed, back-references, a lone escape.
    "'^[A-Z]'",
    "'(a'",
    "'[z-a]'",
    "'(a)\\\\1'",
    "'a{1,99999}'",
    "'x\\\\'",
    "'(?i)Q'",
  ),
  fc.constantFrom(
    "datetime(2024, 1, 31)",
    "datetime(2024, 2, 30)",
    "datetime(0, 1, 1)",
    "datetime('2024-01-31T12:00:00+08:00')",
    "dt.datetime(2024, 1, 1, 25)",
    "datetime()",
    "datetime.now()",
  ),
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }).map((items) => `[${items.join(", ")}]`) },
);
const field = fc.oneof(
  fc.constantFrom(...FIELDS).map((f) => `QB[${quote(f)}]`),
  fc
    .constantFrom("created_time", "updated_time", "created_by", "updated_by", "resource_id", "is_deleted", ...PROTOTYPE)
    .map((h) => `QB.${h}()`),
);
const condition = fc.oneof(
  fc
    .tuple(field, fc.constantFrom("==", "!=", ">", ">=", "<", "<=", "<<", ">>", "%"), value)
    .map(([f, op, v]) => `${f} ${op} ${v}`),
  fc
    .tuple(field, fc.constantFrom(...METHODS), fc.array(value, { maxLength: 2 }))
    .map(([f, m, args]) => `${f}.${m}(${args.join(", ")})`),
  // A field alone is its truthiness; ~field its falsiness.
  field,
);
const { expression } = fc.letrec<{ expression: string }>((tie) => ({
  expression: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    condition,
    fc.tuple(tie("expression"), fc.constantFrom(" & ", " | "), tie("expression")).map(([a, op, b]) => `${a}${op}${b}`),
    tie("expression").map((e) => `~${e}`),
    tie("expression").map((e) => `(${e})`),
    fc
      .tuple(fc.constantFrom("all", "any"), fc.array(tie("expression"), { maxLength: 3 }))
      .map(([h, es]) => `QB.${h}(${es.join(", ")})`),
  ),
}));
const modifier = fc.tuple(
  fc.constantFrom(...MODIFIERS),
  fc.array(
    fc.oneof(
      fc.integer({ min: -2, max: 1200 }).map(String),
      fc.constantFrom("'-views'", "'title'", "'author.name'", "'body'", "'-'"),
    ),
    { maxLength: 2 },
  ),
);
const query = fc
  .tuple(fc.oneof(expression, fc.constant("QB.all()")), fc.array(modifier, { maxLength: 3 }))
  .map(([e, mods]) =>
    mods.length === 0 ? e : `(${e})${mods.map(([m, args]) => `.${m}(${args.join(", ")})`).join("")}`,
  );

/** Deletes, inserts, replaces or duplicates a slice: near-misses of a valid expression. */
const mutated = fc
  .tuple(
    query,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 3 }),
        fc.constantFrom(
          "(",
          ")",
          "[",
          "]",
          "'",
          '"',
          ",",
          ".",
          "~",
          "&",
          "|",
          "=",
          "<",
          ">",
          "!",
          "-",
          "\\",
          "QB",
          "x",
          "0",
          " ",
          "\u0000",
        ),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, kind, piece] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 0) out = out.slice(0, i) + out.slice(i + 1);
      else if (kind === 1) out = out.slice(0, i) + piece + out.slice(i);
      else if (kind === 2) out = out.slice(0, i) + piece + out.slice(i + 1);
      else out = out.slice(0, i) + out.slice(i, i + 8) + out.slice(i);
    }
    return out;
  });

describe("§11.6 qb: robustness (property-based)", () => {
  it("2,000 inputs: every answer is 200 or 400, and nothing unexpected is reported", { timeout: 180_000 }, async () => {
    const seen = { 200: 0, 400: 0 } as Record<number, number>;
    const count = async (text: string) => {
      const status = await send(text);
      seen[status] = (seen[status] ?? 0) + 1;
    };
    await fc.assert(fc.asyncProperty(fc.string({ unit: "binary", maxLength: 60 }), count), { numRuns: 500 });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(..."QB[]().,'\"~&|=!<>-0123456789 abceilnqrstuvwxyz_\\"), maxLength: 80 }),
        count,
      ),
      { numRuns: 300 },
    );
    await fc.assert(fc.asyncProperty(query, count), { numRuns: 600 });
    await fc.assert(fc.asyncProperty(mutated, count), { numRuns: 600 });
    expect(t.unexpected).toEqual([]);
    // The generators must reach both outcomes, or the property proves little.
    expect(seen[200]).toBeGreaterThan(50);
    expect(seen[400]).toBeGreaterThan(500);
  });
});
