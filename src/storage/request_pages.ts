/**
 * The dashboard's Requests page over the log: newest first (ts, then id, descending), filtered,
 * a page at a time. Pages are keyset-paginated: the opaque cursor carries the (ts, id) of the
 * page's last row and the next page starts below it, so a page costs the same however deep it is
 * and rows arriving meanwhile never shift one into the next page twice. Every value is a bound
 * parameter; the SQL is the same text for both databases but for the placeholders.
 */
import { GatewayError } from "../errors.ts";
import type { RequestLogRow, RequestsPage, RequestsQuery } from "./types.ts";

/** Rows in a page unless the query says. */
export const DEFAULT_PAGE = 50;
/** Rows in a page at most. */
export const MAX_PAGE = 1000;

/** A Requests query checked and reduced to what the SQL binds. */
export interface RequestsFilter {
  from?: number;
  to?: number;
  door?: string;
  model?: string;
  keyId?: string;
  /** Status range [low, high). */
  status?: [number, number];
  cache?: string;
  limit: number;
  /** (ts, id) of the last row of the page before. */
  after?: [number, string];
}

function bad(param: string, why: string): GatewayError {
  return new GatewayError(400, `requests: ${why}`, "invalid_request_error", null, param);
}

/** `2xx` or `429` as a status range. */
function statusRange(status: string): [number, number] {
  const kind = /^([1-5])xx$/i.exec(status);
  if (kind) return [Number(kind[1]) * 100, Number(kind[1]) * 100 + 100];
  if (/^[1-5][0-9]{2}$/.test(status)) return [Number(status), Number(status) + 1];
  throw bad("status", `status is a class (2xx, 4xx, 5xx) or a number (429), not ${status}`);
}

/** The cursor of the page after `row`. */
export function cursorAfter(row: RequestLogRow): string {
  const bytes = new TextEncoder().encode(JSON.stringify([row.ts, row.id]));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function readCursor(cursor: string): [number, string] {
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const text = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const [ts, id] = JSON.parse(text);
    if (Number.isFinite(ts) && typeof id === "string") return [ts, id];
  } catch {
    // said below
  }
  throw bad("cursor", "cursor is not one this log gave");
}

function time(param: string, date: Date | undefined): number | undefined {
  if (date === undefined) return undefined;
  const ms = date?.getTime?.();
  if (ms === undefined || !Number.isFinite(ms)) throw bad(param, `${param} is not a time`);
  return ms;
}

/** A query checked; throws a 400 naming the bad parameter. Empty strings filter nothing. */
export function requestsFilter(query: RequestsQuery): RequestsFilter {
  const limit = query.limit === undefined || !Number.isFinite(query.limit)
    ? DEFAULT_PAGE
    : Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit)));
  return {
    from: time("from", query.from),
    to: time("to", query.to),
    door: query.door || undefined,
    model: query.model || undefined,
    keyId: query.keyId || undefined,
    status: query.status ? statusRange(query.status) : undefined,
    cache: query.cache || undefined,
    limit,
    after: query.cursor ? readCursor(query.cursor) : undefined,
  };
}

/**
 * The page's SELECT (one row more than the page, to tell whether another follows);
 * `placeholder(n)` writes the n-th (1-based) parameter, which may appear more than once.
 */
export function requestsSql(
  filter: RequestsFilter,
  placeholder: (n: number) => string,
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const p = (value: string | number) => placeholder(params.push(value));
  const where: string[] = [];
  if (filter.from !== undefined) where.push(`r.ts >= ${p(filter.from)}`);
  if (filter.to !== undefined) where.push(`r.ts < ${p(filter.to)}`);
  if (filter.door !== undefined) where.push(`r.door = ${p(filter.door)}`);
  if (filter.model !== undefined) {
    const model = p(filter.model);
    where.push(`(r.model_requested = ${model} OR r.model_called = ${model})`);
  }
  if (filter.keyId !== undefined) where.push(`r.key_id = ${p(filter.keyId)}`);
  if (filter.status) {
    where.push(`r.status >= ${p(filter.status[0])} AND r.status < ${p(filter.status[1])}`);
  }
  if (filter.cache !== undefined) where.push(`r.cache = ${p(filter.cache)}`);
  if (filter.after) where.push(`(r.ts, r.id) < (${p(filter.after[0])}, ${p(filter.after[1])})`);
  return {
    sql: `SELECT * FROM requests r ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY r.ts DESC, r.id DESC LIMIT ${p(filter.limit + 1)}`,
    params,
  };
}

/** The page from the rows `requestsSql` selected. */
export function requestsPage(rows: RequestLogRow[], limit: number): RequestsPage {
  if (rows.length <= limit) return { rows };
  const page = rows.slice(0, limit);
  return { rows: page, next: cursorAfter(page[page.length - 1]) };
}
