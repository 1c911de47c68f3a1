/**
 * AutoCRUD's date helpers on a field (querying.md, "QB expressions"): `.today()`, `.yesterday()`,
 * `.this_week()`, `.this_month()`, `.this_year()` and `.last_n_days(n)`. Each is a half-open range
 * `[start, end)` of instants, counted from the request's time in UTC, or in the fixed UTC offset of an
 * optional first argument `tz` (whole hours: `8`, `"+8"`, `-4`). A server has no meaningful local time
 * zone, so UTC, not the server's zone, is the default; a client that means another zone says so.
 */
import { show } from "../errors.ts";
import type { Filter } from "../query.ts";
import { argument, type Call, type FieldMethod, wholeArgument } from "./call.ts";
import { QbError } from "./errors.ts";
import { type SyntaxNode, startOf } from "./syntax.ts";

const HOUR = 3_600_000;
/** Far enough back for any date a database holds, near enough that the arithmetic stays exact. */
const MAX_DAYS = 1_000_000;

/** The instants a helper covers: `[from, to)`, or from `from` on when `to` is undefined. */
type Range = { readonly from: number; readonly to?: number };

/** The request's calendar in one UTC offset: the local date's parts, and the instant a local date starts. */
class Calendar {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 for Monday … 6 for Sunday, as Python's `weekday()`. */
  readonly weekday: number;
  constructor(
    now: Date,
    private readonly offset: number,
  ) {
    const local = new Date(now.getTime() + offset);
    this.year = local.getUTCFullYear();
    this.month = local.getUTCMonth();
    this.day = local.getUTCDate();
    this.weekday = (local.getUTCDay() + 6) % 7;
  }
  /** The instant local midnight of year-month-day starts (out-of-range parts roll over, as Date.UTC does). */
  start(year: number, month: number, day: number): number {
    return Date.UTC(year, month, day) - this.offset;
  }
  /** The instant local midnight `days` days from today starts. */
  dayStart(days: number): number {
    return this.start(this.year, this.month, this.day + days);
  }
}

/** The UTC offset, in milliseconds, argument `index` names (absent: UTC). */
function offsetArgument(call: Call, index: number, max: number): number {
  if (call.args.length <= index) return 0;
  const value = argument(call, 0, max, index);
  const hours =
    typeof value === "number" ? value : typeof value === "string" && /^[+-]?\d{1,2}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(hours) || hours < -12 || hours > 14)
    throw new QbError(
      startOf(call.args[index] as SyntaxNode),
      `expected a UTC offset in whole hours from -12 to 14 (8, "+8", -4) as argument ${index + 1} of ${call.label}()`,
      `, found ${show(value)}`,
    );
  return hours * HOUR;
}

const range =
  (max: number, compute: (calendar: Calendar, call: Call) => Range): FieldMethod =>
  (call, ctx) => {
    argument(call, 0, max, -1);
    const r = compute(new Calendar(ctx.now, offsetArgument(call, 0, max)), call);
    const from = new Date(r.from).toISOString();
    if (r.to === undefined) return (field) => ({ field, op: "gte", value: from });
    const to = new Date(r.to).toISOString();
    return (field): Filter => ({
      and: [
        { field, op: "gte", value: from },
        { field, op: "lt", value: to },
      ],
    });
  };

/** The date helpers by name. */
export const DATE_METHODS: ReadonlyMap<string, FieldMethod> = new Map<string, FieldMethod>([
  ["today", range(1, (c) => ({ from: c.dayStart(0), to: c.dayStart(1) }))],
  ["yesterday", range(1, (c) => ({ from: c.dayStart(-1), to: c.dayStart(0) }))],
  [
    "this_week",
    range(2, (c, call) => {
      // week_start: 0 Monday (the default, ISO 8601) … 6 Sunday, as AutoCRUD counts.
      const weekStart = call.args.length > 1 ? wholeArgument(call, 1, 0, 6, 2) : 0;
      const since = (c.weekday - weekStart + 7) % 7;
      return { from: c.dayStart(-since), to: c.dayStart(7 - since) };
    }),
  ],
  ["this_month", range(1, (c) => ({ from: c.start(c.year, c.month, 1), to: c.start(c.year, c.month + 1, 1) }))],
  ["this_year", range(1, (c) => ({ from: c.start(c.year, 0, 1), to: c.start(c.year + 1, 0, 1) }))],
  [
    "last_n_days",
    (call, ctx) => {
      // Today counts as one of the n days: from local midnight n − 1 days ago on.
      const days = wholeArgument(call, 0, 1, MAX_DAYS, 2);
      const from = new Date(new Calendar(ctx.now, offsetArgument(call, 1, 2)).dayStart(1 - days)).toISOString();
      return (field) => ({ field, op: "gte", value: from });
    },
  ],
]);
