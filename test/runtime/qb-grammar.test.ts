// The `qb` grammar and its meaning (docs/reference/querying.md, "QB expressions"; rest-dialect.md §11),
// without a database: what each construct turns into in the runtime's terms, precedence, and every kind
// of error with its column. qb.test.ts runs the same constructs over HTTP against PostgreSQL.
import { describe, expect, it } from "vitest";
import { resources } from "../../demo/schema/index.ts";
import { resolveResources } from "../../src/metadata/resolve.ts";
import { isAppError } from "../../src/runtime/errors.ts";
import { parseConditionsParam } from "../../src/runtime/qb/conditions.ts";
import { tokenize } from "../../src/runtime/qb/lexer.ts";
import { parseSortsParam } from "../../src/runtime/qb/sorts.ts";
import { DEFAULT_QB_LIMITS, parseQbParam } from "../../src/runtime/qb/qb-param.ts";
import { datamodel } from "../../demo/datamodel.ts";

const schema = resolveResources(resources, datamodel);
const posts = schema.resource.get("post")!;
const lookup = (name: string) => schema.resource.get(name);
const now = new Date("2025-06-15T10:30:00.000Z");
const qb = (text: string) => parseQbParam(text, { resource: posts, lookup, now });
const filter = (text: string) => qb(text).filter;

/** The message of the 400 `text` is refused with, and the column it names. */
function refusal(text: string): { message: string; column: unknown } {
  try {
    qb(text);
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.code).toBe("BAD_REQUEST");
    return { message: error.message, column: error.details?.column };
  }
  throw new Error(`expected ${text} to be refused`);
}

const views = (op: string, value: unknown) => ({ field: "views", op, value });
const status = (op: string, value: unknown) => ({ field: "status", op, value });

describe("§11 qb: literals", () => {
  it("strings in either quote with escapes, integers, floats, exponents, negatives, booleans, None/null, lists", () => {
    expect(filter(`QB['title'] == 'it\\'s "x"'`)).toEqual({ field: "title", op: "eq", value: `it's "x"` });
    expect(filter(`QB["title"] == "a\\"b\\\\c\\n\\t\\x41\\u00e9"`)).toEqual({
      field: "title",
      op: "eq",
      value: 'a"b\\c\n\tAé',
    });
    expect(filter("QB['views'] == 42")).toEqual(views("eq", 42));
    expect(filter("QB['views'] == -7")).toEqual(views("eq", -7));
    expect(filter("QB['views'] == 2.5")).toEqual(views("eq", 2.5));
    expect(filter("QB['views'] == 1e3")).toEqual(views("eq", 1000));
    for (const [word, value] of [
      ["true", true],
      ["True", true],
      ["false", false],
      ["False", false],
      ["None", null],
      ["null", null],
    ] as const) {
      expect(filter(`QB['publishedAt'] == ${word}`)).toEqual({ field: "publishedAt", op: "eq", value });
    }
    expect(filter("QB['status'].in_(['draft', \"published\", 3, None, [1],])")).toEqual(
      status("in", ["draft", "published", 3, null, [1]]),
    );
    expect(filter("QB['status'].in_([])")).toEqual(status("in", []));
  });

  it("tokens carry 1-based columns; whitespace (spaces, tabs, newlines) is free", () => {
    expect(tokenize("QB ['a']").map((t) => t.column)).toEqual([1, 4, 5, 8, 9]);
    expect(filter("\n\tQB [ 'views' ] .gt ( 1 ) ")).toEqual(views("gt", 1));
  });
});

describe("§11 qb: methods and shortcuts", () => {
  it.each([
    ["QB['views'].eq(5)", views("eq", 5)],
    ["QB['views'] == 5", views("eq", 5)],
    ["QB['views'].ne(5)", views("ne", 5)],
    ["QB['views'] != 5", views("ne", 5)],
    ["QB['views'].gt(5)", views("gt", 5)],
    ["QB['views'] > 5", views("gt", 5)],
    ["QB['views'].gte(5)", views("gte", 5)],
    ["QB['views'] >= 5", views("gte", 5)],
    ["QB['views'].lt(5)", views("lt", 5)],
    ["QB['views'] < 5", views("lt", 5)],
    ["QB['views'].lte(5)", views("lte", 5)],
    ["QB['views'] <= 5", views("lte", 5)],
    ["QB['status'].in_(['draft'])", status("in", ["draft"])],
    ["QB['status'] << ['draft']", status("in", ["draft"])],
    ["QB['status'].not_in(['draft'])", status("notIn", ["draft"])],
    ["QB['title'].contains('sql')", { field: "title", op: "contains", value: "sql" }],
    ["QB['title'] >> 'sql'", { field: "title", op: "contains", value: "sql" }],
    ["QB['title'].icontains('SQL')", { field: "title", op: "contains", value: "SQL" }],
    ["QB['title'].starts_with('A')", { field: "title", op: "startsWith", value: "A" }],
    ["QB['title'].ends_with('z')", { field: "title", op: "endsWith", value: "z" }],
    ["QB['views'].between(1, 9)", { and: [views("gte", 1), views("lte", 9)] }],
    ["QB['publishedAt'].is_null()", { field: "publishedAt", op: "isNull", value: true }],
    ["QB['publishedAt'].is_null(True)", { field: "publishedAt", op: "isNull", value: true }],
    ["QB['publishedAt'].is_null(false)", { field: "publishedAt", op: "isNull", value: false }],
    ["QB['flag'].is_true()", { field: "flag", op: "eq", value: true }],
    ["QB['flag'].is_false()", { field: "flag", op: "eq", value: false }],
  ])("%s", (text, expected) => {
    expect(filter(text)).toEqual(expected);
  });

  it("meta helpers name the audit fields and take the date helpers and every comparison", () => {
    // Today is one of the n days: from 00:00 UTC six days ago (AutoCRUD's rule).
    expect(filter("QB.created_time().last_n_days(7)")).toEqual({
      field: "createdAt",
      op: "gte",
      value: "2025-06-09T00:00:00.000Z",
    });
    expect(filter("QB.updated_time().today()")).toEqual({
      and: [
        { field: "updatedAt", op: "gte", value: "2025-06-15T00:00:00.000Z" },
        { field: "updatedAt", op: "lt", value: "2025-06-16T00:00:00.000Z" },
      ],
    });
    expect(filter("QB.created_time() >= '2024-01-01'")).toEqual({ field: "createdAt", op: "gte", value: "2024-01-01" });
    expect(filter("QB.created_by().eq(3)")).toEqual({ field: "createdBy", op: "eq", value: 3 });
    expect(filter("QB.updated_by() != 'guest'")).toEqual({ field: "updatedBy", op: "ne", value: "guest" });
    expect(filter("QB['publishedAt'].last_n_days(1)")).toEqual({
      field: "publishedAt",
      op: "gte",
      value: "2025-06-15T00:00:00.000Z",
    });
  });

  it("a dotted path is a relation filter: no quantifier to-one, some to-many unless a quantifier step says otherwise", () => {
    expect(filter("QB['author.name'].starts_with('Ada')")).toEqual({
      relation: "author",
      filter: { field: "name", op: "startsWith", value: "Ada" },
    });
    expect(filter("QB['comments.body'] >> 'great'")).toEqual({
      relation: "comments",
      quantifier: "some",
      filter: { field: "body", op: "contains", value: "great" },
    });
    expect(filter("QB['tags.name'] == 'postgres'")).toEqual({
      relation: "tags",
      quantifier: "some",
      filter: { field: "name", op: "eq", value: "postgres" },
    });
    expect(filter("QB['comments.every.author.role'] == 'admin'")).toEqual({
      relation: "comments",
      quantifier: "every",
      filter: { relation: "author", filter: { field: "role", op: "eq", value: "admin" } },
    });
    // Compound conditions stay inside one relation node: "some comment in the range", not two comments.
    expect(filter("QB['comments.createdAt'].between('2025-01-01', '2025-02-01')")).toEqual({
      relation: "comments",
      quantifier: "some",
      filter: {
        and: [
          { field: "createdAt", op: "gte", value: "2025-01-01" },
          { field: "createdAt", op: "lte", value: "2025-02-01" },
        ],
      },
    });
    // An unknown step is passed on for the runtime to refuse by name.
    expect(filter("QB['nope.x'] == 1")).toEqual({ relation: "nope", filter: { field: "x", op: "eq", value: 1 } });
  });
});

describe("§11 qb: precedence and grouping (~ then & then |; comparisons bind tighter than all three)", () => {
  const a = views("eq", 1);
  const b = views("eq", 2);
  const c = views("eq", 3);
  it.each([
    ["QB['views'] == 1 | QB['views'] == 2 & QB['views'] == 3", { or: [a, { and: [b, c] }] }],
    ["QB['views'] == 1 & QB['views'] == 2 | QB['views'] == 3", { or: [{ and: [a, b] }, c] }],
    ["(QB['views'] == 1 | QB['views'] == 2) & QB['views'] == 3", { and: [{ or: [a, b] }, c] }],
    ["~QB['views'] == 1 & QB['views'] == 2", { and: [{ not: a }, b] }],
    ["~(QB['views'] == 1 & QB['views'] == 2)", { not: { and: [a, b] } }],
    ["~~QB['views'] == 1", { not: { not: a } }],
    ["QB['views'] == 1 & QB['views'] == 2 & QB['views'] == 3", { and: [a, b, c] }],
    ["QB['views'] == 1 & (QB['views'] == 2 & QB['views'] == 3)", { and: [a, b, c] }],
    ["QB.all(QB['views'] == 1, QB['views'] == 2)", { and: [a, b] }],
    ["QB.any(QB['views'] == 1, QB.any(QB['views'] == 2, QB['views'] == 3))", { or: [a, b, c] }],
    ["QB.any(QB['views'] == 1)", a],
    ["QB.all(QB['views'] == 1 | QB['views'] == 2, ~QB['views'] == 3)", { and: [{ or: [a, b] }, { not: c }] }],
    ["(QB['views'] == 1) & (QB['views'] == 2)", { and: [a, b] }],
  ])("%s", (text, expected) => {
    expect(filter(text)).toEqual(expected);
  });

  it("QB.all() is every record: the identity of &, absorbing in |; ~QB.all() is none", () => {
    expect(qb("QB.all()")).toEqual({});
    expect(filter("QB.all() & QB['views'] == 1")).toEqual(a);
    expect(filter("QB.all() | QB['views'] == 1")).toBeUndefined();
    expect(filter("~QB.all()")).toEqual({ or: [] });
  });
});

describe("§11 qb: result modifiers", () => {
  it("chain after the whole expression, or on QB / QB.all() for no filter", () => {
    expect(qb("(QB['views'] > 10).sort('-views').limit(5)")).toEqual({
      filter: views("gt", 10),
      sort: [{ field: "views", direction: "desc" }],
      limit: 5,
    });
    expect(qb("QB['views'].gt(10).order_by('title', '-createdAt').offset(20).limit(10)")).toEqual({
      filter: views("gt", 10),
      sort: [
        { field: "title", direction: "asc" },
        { field: "createdAt", direction: "desc" },
      ],
      offset: 20,
      limit: 10,
    });
    expect(qb("QB.all().limit(5)")).toEqual({ limit: 5 });
    expect(qb("QB.limit(5)")).toEqual({ limit: 5 });
    expect(qb("QB.sort('author.name')")).toEqual({ sort: [{ field: "author.name", direction: "asc" }] });
    expect(qb("QB.all().page(3, 10)")).toEqual({ offset: 20, limit: 10 });
    expect(qb("QB.page(2)")).toEqual({ offset: posts.defaultPageSize, limit: posts.defaultPageSize });
    expect(qb("(QB['views'] > 1 & QB['views'] < 9).first()")).toEqual({
      filter: { and: [views("gt", 1), views("lt", 9)] },
      limit: 1,
    });
    // After a comparison's value a "." would apply to the value: the expression needs its parentheses.
    expect(refusal("QB['views'] > 1 .first()").message).toContain(
      'found "." (to apply a modifier to the whole expression, wrap it in parentheses',
    );
  });

  it("inside &, |, ~, QB.all or QB.any a modifier is an error naming its column", () => {
    expect(refusal("QB['views'] == 1 & QB['views'].eq(2).limit(3)")).toEqual({
      message: expect.stringContaining(".limit() at column 38 must come last"),
      column: 38,
    });
    expect(refusal("~QB['views'].eq(2).first()").column).toBe(20);
    expect(refusal("QB.all(QB.all().sort('views'))").column).toBe(17);
  });

  it("each part is set once", () => {
    expect(refusal("QB.all().limit(5).limit(6)")).toEqual({
      message: expect.stringContaining(".limit() at column 19 sets the limit, which .limit() at column 10 already set"),
      column: 19,
    });
    expect(refusal("QB.page(2, 10).first()").message).toContain(
      ".first() at column 16 sets the limit, which QB.page() at column 1 already set",
    );
    expect(refusal("QB.offset(1).page(2, 3)").message).toContain("which QB.offset() at column 1 already set");
    expect(refusal("QB.sort('a').order_by('b')").message).toContain(
      "sets the sort, which QB.sort() at column 1 already set",
    );
  });

  it("arguments are whole numbers in range and field names", () => {
    expect(refusal("QB.limit(-1)")).toEqual({
      message: expect.stringContaining(
        "expected a whole number ≥ 0 as argument 1 of QB.limit() at column 10, found -1",
      ),
      column: 10,
    });
    expect(refusal("QB.limit(2.5)").column).toBe(10);
    expect(refusal("QB.limit('5')").column).toBe(10);
    expect(refusal("QB.offset(99999999999999999999)").message).toContain("whole number");
    expect(refusal("QB.page(0, 10)").message).toContain("whole number ≥ 1 as argument 1 of QB.page()");
    expect(refusal("QB.page(1, 2, 3)").message).toContain("QB.page() at column 1 takes 1 to 2 arguments, found 3");
    expect(refusal("QB.first(1)").message).toContain("takes 0 arguments, found 1");
    expect(refusal("QB.sort()").message).toContain("QB.sort() at column 1 needs at least one field");
    expect(refusal("QB.sort('-')").message).toContain(
      'expected a field name as argument 1 of QB.sort() at column 9, found "-"',
    );
    expect(refusal("QB.sort(1)").column).toBe(9);
    expect(refusal("QB['views'].limit(1)").message).toContain(
      ".limit() at column 13 applies to a condition or to QB.all(), not to the field",
    );
  });
});

describe("§11 qb: errors name the column and what was expected", () => {
  it.each([
    // [expression, column, part of the message]
    ["(QB['views'] == 1", 18, 'expected ")" at column 18, found end of input (the "(" at column 1 is not closed)'],
    ["QB['views'] == 'abc", 20, "expected ' at column 20, found end of input (the string at column 16 is not closed)"],
    ["QB['views'] = 1", 13, 'unexpected "=" at column 13; compare with "=="'],
    ["!QB['views'] == 1", 1, 'unexpected "!" at column 1; negate with "~"'],
    ["QB['views'] == - 1", 16, 'unexpected "-" at column 16'],
    ["QB['views'] == .5", 16, 'unexpected "." at column 16'],
    ["QB['views'] == 1 @", 18, 'unexpected character "@" at column 18'],
    ["QB['views'] == 1\u0001", 17, "unexpected character U+0001 at column 17"],
    ["QB['views'] == 12abc", 18, 'expected a digit or the end of the number at column 18, found "a"'],
    ["QB['title'] == 'a\\q'", 18, 'unknown escape "\\q" in a string at column 18'],
    ["QB['title'] == '\\x4'", 17, 'expected 2 hex digits after "\\x" at column 17, found "4\'"'],
    ["QB[views] == 1", 4, "expected a quoted field name at column 4, found name views"],
    ["QB['views' == 1", 12, 'expected "]" at column 12, found "=="'],
    ["QB == 1", 4, 'expected "[" or "." at column 4, found "=="'],
    ["QB.", 4, "expected a helper name at column 4, found end of input"],
    ["QB['views'].", 13, "expected a method name at column 13, found end of input"],
    ["QB['views'].eq", 15, 'expected "(" at column 15, found end of input after eq'],
    [
      "QB['views'].eq(1",
      17,
      'expected "," or ")" at column 17, found end of input (in the arguments of eq(), which open at column 15)',
    ],
    ["QB['views'].in_([1, 2)", 22, 'expected "," or "]" at column 22, found ")" (in the list that opens at column 17)'],
    [
      "QB['views'] == QB['x']",
      16,
      "expected a value (a quoted string, a number, true, false, None, datetime(...) or a list) at column 16, found name QB",
    ],
    ["QB['views'] == 1 QB['x'] == 2", 18, 'expected "&", "|" or end of input at column 18, found name QB'],
    ["QB['views'] == 1 )", 18, 'expected "&", "|" or end of input at column 18, found ")"'],
    ["QB['views'] == 1 &", 19, "expected a condition or a value"],
    ["QB['views'] < 1 < 2", 17, '"<" at column 17 would chain a second comparison after "<"'],
    ["QB['views'] == 1 & foo", 20, "expected a condition or a value: QB['field'], QB.<helper>(...)"],
    ["", 1, "expected an expression at column 1, found end of input"],
    ["10 & QB['views'] == 1", 1, "expected a condition at column 1, found the value 10"],
    ["1 == 2", 1, 'expected a field at column 1, found the value 1 (the left of "==" is a field'],
    ["QB['status'] << 'draft'", 17, 'expected a list at column 17, found "draft"'],
    ["QB['status'].in_('draft')", 18, 'expected a list as the argument of .in_() at column 18, found "draft"'],
    ["QB['views'].eq(QB['x'])", 16, 'expected a value as argument 1 of .eq() at column 16, found the field QB["x"]'],
    ["QB['views'].eq(1, 2)", 13, ".eq() at column 13 takes 1 argument, found 2"],
    ["QB['views'].between(1)", 13, ".between() at column 13 takes 2 arguments, found 1"],
    ["QB['views'].is_null('yes')", 21, "expected true or false as the argument of .is_null() at column 21"],
    ["QB['views'].eq(1).eq(2)", 19, ".eq() at column 19 applies to a field, not to a condition"],
    ["QB['views'].approx(1)", 13, "unknown method .approx() at column 13; a field has .eq()"],
    ["QB.nothing()", 1, "unknown helper QB.nothing() at column 1; QB has QB.all(), QB.any()"],
    ["QB.any()", 1, "QB.any() at column 1 needs at least one condition"],
    ["QB.is_deleted() > 1", 1, "QB.is_deleted() at column 1 is true or false: compare it with == or !="],
    ["QB.is_deleted().gt(1)", 17, ".gt() at column 17 applies to a field, not to QB.is_deleted()"],
    ["QB['views'].last_n_days(0)", 25, "expected a whole number from 1 to 1000000 as argument 1 of .last_n_days()"],
    ["QB['views'].today(15)", 19, "expected a UTC offset in whole hours from -12 to 14"],
    ["QB['views'].this_week(0, 7)", 26, "expected a whole number from 0 to 6 as argument 2 of .this_week()"],
    ["QB['views'] > datetime(2024, 13, 1)", 30, "expected the month as a whole number from 1 to 12 in datetime()"],
    ["QB['views'] > datetime(2023, 2, 29)", 33, "day 29 at column 33 does not exist in 2023-02"],
    ["QB['views'] > datetime(2024)", 15, "datetime() at column 15 needs at least a year, a month and a day"],
    ["QB['views'] > datetime('yesterday')", 24, "expected an ISO 8601 date or date-time in datetime()"],
    ["QB['views'] > dt.now()", 18, 'expected "datetime" at column 18, found name now'],
    ["QB['views'] > datetime(1, 2, 3, 4, 5, 6, 7, 8)", 45, 'expected ")" at column 45'],
    ["QB.created_time(1) > 1", 1, "QB.created_time() at column 1 takes 0 arguments, found 1"],
    [
      "QB.created_time().last_n_days(1000001)",
      31,
      "expected a whole number from 1 to 1000000 as argument 1 of .last_n_days() at column 31",
    ],
    ["QB['author..name'] == 1", 1, 'the field path "author..name" at column 1 has an empty step'],
    // Names of Object.prototype are names like any other: unknown.
    ["QB['views'].constructor(1)", 13, "unknown method .constructor() at column 13"],
    ["QB['views'].eq(1).toString()", 19, "unknown method .toString() at column 19"],
    ["QB['views'].__proto__()", 13, "unknown method .__proto__() at column 13"],
    ["QB.constructor().limit(1)", 1, "unknown helper QB.constructor() at column 1"],
    ["QB.hasOwnProperty() == 1", 1, "unknown helper QB.hasOwnProperty() at column 1"],
    ["QB.valueOf()", 1, "unknown helper QB.valueOf() at column 1"],
    ["QB['every.body'] == 1", 1, 'the field path "every.body" at column 1 puts "every" where a relation belongs'],
  ])("%s → column %i", (text, column, message) => {
    const refused = refusal(text);
    expect(refused.column).toBe(column);
    expect(refused.message).toContain(`qb: ${message}`);
  });
});

describe("§11 qb: hostile input is bounded", () => {
  it("length: 4096 characters pass the length check, 4097 are refused before parsing", () => {
    const padded = (n: number) => `QB['views'] == 1${" ".repeat(n - 16)}`;
    expect(filter(padded(DEFAULT_QB_LIMITS.maxLength))).toEqual(views("eq", 1));
    expect(refusal(padded(DEFAULT_QB_LIMITS.maxLength + 1)).message).toContain(
      "the expression is too long: 4097 characters, at most 4096",
    );
  });

  it("nesting: 32 levels pass, 33 are refused (parentheses, ~, arguments and lists all count)", () => {
    const parens = (n: number) => `${"(".repeat(n)}QB['views'] == 1${")".repeat(n)}`;
    expect(filter(parens(32))).toEqual(views("eq", 1));
    expect(refusal(parens(33))).toEqual({
      message: expect.stringContaining("nesting at column 33 goes deeper than 32 levels"),
      column: 33,
    });
    expect(refusal(`${"~".repeat(33)}QB['views'] == 1`).column).toBe(33);
    expect(refusal(`QB['views'].in_(${"[".repeat(32)}${"]".repeat(32)})`).column).toBe(48);
    expect(refusal(`${"QB.all(".repeat(33)}${")".repeat(33)}`).message).toContain("goes deeper than 32 levels");
  });

  it("lists: 1000 items pass, 1001 are refused", () => {
    const list = (n: number) => `QB['views'].in_([${Array.from({ length: n }, (_, i) => i).join(",")}])`;
    expect((filter(list(1000)) as { value: unknown[] }).value).toHaveLength(1000);
    expect(refusal(list(1001)).message).toContain("item 1001 at column");
  });

  it("long flat chains stay flat: one OR node, not 240 levels of nesting", () => {
    const chain = Array.from({ length: 240 }, (_, i) => `QB['views']==${i}`).join("|");
    expect(chain.length).toBeLessThanOrEqual(4096);
    expect((filter(chain) as { or: unknown[] }).or).toHaveLength(240);
  });
});

describe("§11 conditions: shapes (the runtime checks fields and values)", () => {
  const conditions = (raw: unknown) =>
    parseConditionsParam(typeof raw === "string" ? raw : JSON.stringify(raw), posts, lookup);
  const refused = (raw: unknown) => {
    try {
      conditions(raw);
    } catch (error) {
      if (isAppError(error) && error.code === "BAD_REQUEST") return error.message;
      throw error;
    }
    throw new Error("expected a refusal");
  };

  it("AND of all; dotted paths are relation filters; [] is no filter", () => {
    expect(conditions([])).toBeUndefined();
    expect(conditions([{ field_path: "views", operator: "greater_than", value: 5 }])).toEqual(views("gt", 5));
    expect(
      conditions([
        { field_path: "views", operator: "less_than_or_equal", value: 5 },
        { field_path: "author.name", operator: "starts_with", value: "Ada" },
        { field_path: "comments.body", operator: "contains", value: "great" },
      ]),
    ).toEqual({
      and: [
        views("lte", 5),
        { relation: "author", filter: { field: "name", op: "startsWith", value: "Ada" } },
        { relation: "comments", quantifier: "some", filter: { field: "body", op: "contains", value: "great" } },
      ],
    });
  });

  it("malformed input is a 400 naming the index and the problem", () => {
    expect(refused("[{")).toContain('Query parameter "conditions" is not valid JSON');
    expect(refused({ field_path: "views" })).toContain('"conditions" must be a JSON array');
    expect(refused([{ field_path: "views", operator: "equals", value: 1 }, 5])).toContain(
      "conditions[1] must be an object",
    );
    expect(refused([{ field_path: "views", operator: "equals", value: 1, extra: 1 }])).toContain(
      'conditions[0] has unknown key "extra"',
    );
    expect(refused([{ field_path: "", operator: "equals", value: 1 }])).toContain(
      "conditions[0].field_path must be a non-empty string",
    );
    expect(refused([{ field_path: 3, operator: "equals", value: 1 }])).toContain(
      "conditions[0].field_path must be a non-empty string",
    );
    expect(refused([{ field_path: "views", operator: "greater", value: 1 }])).toContain(
      'conditions[0].operator must be one of equals, not_equals, greater_than, greater_than_or_equal, less_than, less_than_or_equal, contains, starts_with, ends_with, in_list, not_in_list, is_null, regex, eq, ne, gt, gte, lt, lte, in, not_in; got "greater"',
    );
    expect(refused([{ field_path: "views", operator: "toString", value: 1 }])).toContain(
      "conditions[0].operator must be one of",
    );
    expect(refused([{ field_path: "views", operator: "equals" }])).toContain('conditions[0] has no "value"');
    expect(refused([{ field_path: "views", operator: "in_list", value: 1 }])).toContain(
      "conditions[0].value must be a JSON array for in_list, got 1",
    );
    expect(refused([{ field_path: "a..b", operator: "equals", value: 1 }])).toContain(
      'conditions[0].field_path "a..b" has an empty step',
    );
  });
});

// AutoCRUD's remaining QB (issue 17 item 8; rest-dialect.md §11.1, §11.3, §30). `now` is Sunday 2025-06-15 10:30 UTC.
describe("§11 qb: AutoCRUD's regex, like, truthiness, date helpers, datetime(), resource_id() and is_deleted()", () => {
  it.each([
    ["QB['title'] % '^[A-Z]'", { field: "title", op: "regex", value: "^[A-Z]" }],
    ["QB['title'].regex('a+b')", { field: "title", op: "regex", value: "a+b" }],
    ["QB['title'].match('(?i)draft')", { field: "title", op: "regex", value: "(?i)draft" }],
    ["QB['title'].like('Al_ce%')", { field: "title", op: "like", value: "Al_ce%" }],
    ["QB['status'].one_of(['a', 'b'])", { field: "status", op: "in", value: ["a", "b"] }],
    ["QB['title'].not_contains('x')", { not: { field: "title", op: "contains", value: "x" } }],
    ["QB['title'].istarts_with('x')", { field: "title", op: "startsWith", value: "x" }],
    [
      "QB['views'].in_range(1, 2)",
      {
        and: [
          { field: "views", op: "gte", value: 1 },
          { field: "views", op: "lte", value: 2 },
        ],
      },
    ],
    ["QB['publishedAt'].has_value()", { field: "publishedAt", op: "isNull", value: false }],
    // views is a required Int: no null test, not 0. title is a required String: not "". publishedAt may be null.
    ["QB['views'].is_truthy()", { field: "views", op: "ne", value: 0 }],
    ["QB['title']", { field: "title", op: "ne", value: "" }],
    ["~QB['views']", { not: { field: "views", op: "ne", value: 0 } }],
    ["QB['views'].is_falsy()", { not: { field: "views", op: "ne", value: 0 } }],
    ["QB['publishedAt'].is_truthy()", { field: "publishedAt", op: "isNull", value: false }],
    ["QB['author.name']", { relation: "author", filter: { field: "name", op: "ne", value: "" } }],
    ["QB.resource_id() << [1, 2]", { field: "id", op: "in", value: [1, 2] }],
    ["QB.is_deleted()", { deleted: true }],
    ["~QB.is_deleted()", { not: { deleted: true } }],
    ["QB.is_deleted().is_false()", { deleted: false }],
    ["QB.is_deleted() == False", { deleted: false }],
    ["QB.is_deleted().ne(false)", { deleted: true }],
    [
      "QB['publishedAt'] >= datetime(2024, 1, 31)",
      { field: "publishedAt", op: "gte", value: "2024-01-31T00:00:00.000Z" },
    ],
    [
      "QB['publishedAt'] < dt.datetime(2024, 1, 31, 12, 30, 15, 250000)",
      { field: "publishedAt", op: "lt", value: "2024-01-31T12:30:15.250Z" },
    ],
    [
      "QB['publishedAt'] < datetime.datetime('2024-01-31T12:30:00+08:00')",
      { field: "publishedAt", op: "lt", value: "2024-01-31T04:30:00.000Z" },
    ],
    [
      "QB['publishedAt'].in_([datetime('2024-01-31')])",
      { field: "publishedAt", op: "in", value: ["2024-01-31T00:00:00.000Z"] },
    ],
  ])("%s", (text, expected) => {
    expect(filter(text)).toEqual(expected);
  });

  const range = (from: string, to: string) => ({
    and: [
      { field: "createdAt", op: "gte", value: from },
      { field: "createdAt", op: "lt", value: to },
    ],
  });
  it.each([
    ["today()", range("2025-06-15T00:00:00.000Z", "2025-06-16T00:00:00.000Z")],
    ["yesterday()", range("2025-06-14T00:00:00.000Z", "2025-06-15T00:00:00.000Z")],
    // Weeks start on Monday (week_start 0) unless the second argument says otherwise (6: Sunday).
    ["this_week()", range("2025-06-09T00:00:00.000Z", "2025-06-16T00:00:00.000Z")],
    ["this_week(0, 6)", range("2025-06-15T00:00:00.000Z", "2025-06-22T00:00:00.000Z")],
    ["this_month()", range("2025-06-01T00:00:00.000Z", "2025-07-01T00:00:00.000Z")],
    ["this_year()", range("2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")],
    // In UTC+8 it is already 18:30 on the 15th; in UTC-12 it is 22:30 on the 14th.
    ["today(8)", range("2025-06-14T16:00:00.000Z", "2025-06-15T16:00:00.000Z")],
    ["today('-12')", range("2025-06-14T12:00:00.000Z", "2025-06-15T12:00:00.000Z")],
  ])("QB.created_time().%s is a half-open range in UTC or the given offset", (call, expected) => {
    expect(filter(`QB.created_time().${call}`)).toEqual(expected);
  });

  it("sorts take + and -, and the meta names stand for their fields", () => {
    expect(qb("QB.sort('+title', '-created_time', 'resource_id')").sort).toEqual([
      { field: "title", direction: "asc" },
      { field: "createdAt", direction: "desc" },
      { field: "id", direction: "asc" },
    ]);
  });
});

describe("§30 sorts and AutoCRUD's operator values in conditions", () => {
  it("sorts: meta keys stand for their fields, data keys name fields, + ascending (the default) and - descending", () => {
    expect(
      parseSortsParam(
        JSON.stringify([
          { type: "meta", key: "created_time", direction: "-" },
          { type: "data", field_path: "author.name" },
          { type: "meta", key: "resource_id", direction: "+" },
        ]),
        posts,
      ),
    ).toEqual([
      { field: "createdAt", direction: "desc" },
      { field: "author.name", direction: "asc" },
      { field: "id", direction: "asc" },
    ]);
  });

  it.each([
    ["[", 'Query parameter "sorts" is not valid JSON'],
    ["[]", "must be a non-empty JSON array"],
    ['[{"type":"meta","key":"is_deleted"}]', 'sorts[0].key "is_deleted" is not a meta field'],
    ['[{"type":"data","field_path":"title","direction":"desc"}]', 'sorts[0].direction must be "+"'],
    ['[{"type":"other","field_path":"title"}]', 'sorts[0].type must be "meta" or "data"'],
    ['[{"type":"data","key":"title"}]', 'sorts[0] has unknown key "key"'],
  ])("sorts=%s is a 400", (raw, message) => {
    expect(() => parseSortsParam(raw, posts)).toThrow(message);
  });

  it("conditions accept the operator values AutoCRUD sends (gt, not_in, is_null, regex) besides their names", () => {
    const parsed = parseConditionsParam(
      JSON.stringify([
        { field_path: "views", operator: "gt", value: 1 },
        { field_path: "status", operator: "not_in", value: ["draft"] },
        { field_path: "publishedAt", operator: "is_null", value: false },
        { field_path: "title", operator: "regex", value: "^A" },
      ]),
      posts,
      lookup,
      "data_conditions",
    );
    expect(parsed).toEqual({
      and: [
        { field: "views", op: "gt", value: 1 },
        { field: "status", op: "notIn", value: ["draft"] },
        { field: "publishedAt", op: "isNull", value: false },
        { field: "title", op: "regex", value: "^A" },
      ],
    });
    expect(() => parseConditionsParam("{}", posts, lookup, "data_conditions")).toThrow(
      'Query parameter "data_conditions" must be a JSON array',
    );
  });
});
