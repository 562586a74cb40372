/** Reading the dashboard API's query parameters into the storage interface's queries. */
import { GatewayError } from "../errors.ts";
import type { OverviewQuery, RequestsQuery } from "../storage/types.ts";

const HOUR_MS = 3_600_000;
/** Ranges up to this long are charted by the hour, longer ones by the day. */
const HOURLY_UP_TO_MS = 72 * HOUR_MS;

function invalid(param: string, message: string): GatewayError {
  return new GatewayError(400, `${param}: ${message}`, "invalid_request_error", null, param);
}

/** An ISO 8601 time parameter, if present. */
export function time(params: URLSearchParams, name: string): Date | undefined {
  const text = params.get(name);
  if (text === null || text === "") return undefined;
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) {
    throw invalid(name, `expected an ISO 8601 date or time, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A text filter, if present and not empty. */
function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value ? value : undefined;
}

/** `from`, `to` (default: the last 24 hours), `bucket` (default by the range's length), `key`. */
export function overviewQuery(params: URLSearchParams, now = Date.now()): OverviewQuery {
  const to = time(params, "to") ?? new Date(now);
  const from = time(params, "from") ?? new Date(to.getTime() - 24 * HOUR_MS);
  if (from >= to) throw invalid("from", "the range must start before it ends");
  const bucket = params.get("bucket") ??
    (to.getTime() - from.getTime() <= HOURLY_UP_TO_MS ? "hour" : "day");
  if (bucket !== "hour" && bucket !== "day") {
    throw invalid("bucket", `expected hour or day, got ${JSON.stringify(bucket)}`);
  }
  return { from, to, bucket, keyId: text(params, "key") };
}

/** The Requests page's filters and page: `from`, `to`, `door`, `model`, `key`, `status`, `cache`. */
export function requestsQuery(params: URLSearchParams): RequestsQuery {
  const status = text(params, "status");
  if (status !== undefined && !/^([1-5]xx|[1-5]\d\d)$/.test(status)) {
    throw invalid("status", `expected a class like 4xx or a status like 429, got ${status}`);
  }
  const limitText = text(params, "limit");
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
    throw invalid("limit", `expected a whole number from 1 to 1000, got ${limitText}`);
  }
  return {
    from: time(params, "from"),
    to: time(params, "to"),
    door: text(params, "door"),
    model: text(params, "model"),
    keyId: text(params, "key"),
    status,
    cache: text(params, "cache"),
    limit,
    cursor: text(params, "cursor"),
  };
}
