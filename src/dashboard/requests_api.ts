/**
 * The Requests page's data: `GET /dashboard/api/requests` (one page, newest first, filtered) and
 * `GET /dashboard/api/requests.csv` (every request the filters match, up to `CSV_MAX_ROWS`,
 * written as the pages are read).
 */
import type { Handler } from "../lifecycle/context.ts";
import type { RequestLogRow } from "../storage/types.ts";
import { guarded, json } from "./answer.ts";
import { csvHeader, csvLine } from "./csv.ts";
import { requestsQuery } from "./query.ts";
import { requestView } from "./request_view.ts";

/** An export stops after this many rows. */
export const CSV_MAX_ROWS = 100_000;
const CSV_PAGE = 1000;

/** `GET /dashboard/api/requests`: `{rows, next}`. */
export const requestsPage: Handler = async (request, ctx) => {
  const query = requestsQuery(new URL(request.url).searchParams);
  const page = await ctx.app.storage.requests(query);
  return json({ rows: page.rows.map(requestView), next: page.next ?? null });
};

/** `GET /dashboard/api/requests.csv`: the same filters, every page. */
export const requestsCsv: Handler = async (request, ctx) => {
  const query = requestsQuery(new URL(request.url).searchParams);
  const storage = ctx.app.storage;
  const encoder = new TextEncoder();
  const lines = (rows: RequestLogRow[]) =>
    encoder.encode(rows.map((r) => csvLine(requestView(r))).join(""));
  // The first page before the answer: a query the log refuses (a cursor it never gave) is a
  // 400 in the usual shape, not a 200 whose download breaks off after its header line.
  const first = await storage.requests({ ...query, limit: Math.min(CSV_PAGE, CSV_MAX_ROWS) });
  let written = first.rows.length;
  let cursor = written < CSV_MAX_ROWS ? first.next : undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvHeader()));
      controller.enqueue(lines(first.rows));
      if (!cursor) controller.close();
    },
    async pull(controller) {
      const limit = Math.min(CSV_PAGE, CSV_MAX_ROWS - written);
      const page = await storage.requests({ ...query, cursor, limit });
      controller.enqueue(lines(page.rows));
      written += page.rows.length;
      cursor = page.next;
      if (!cursor || written >= CSV_MAX_ROWS) controller.close();
    },
  });
  const name = `squint-requests-${new Date().toISOString().slice(0, 19).replaceAll(":", "")}.csv`;
  return new Response(body, {
    headers: guarded({
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
    }),
  });
};
