/**
 * The Requests page's data: `GET /dashboard/api/requests` (one page, newest first, filtered) and
 * `GET /dashboard/api/requests.csv` (every request the filters match, up to `CSV_MAX_ROWS`,
 * written as the pages are read).
 */
import type { Handler } from "../lifecycle/context.ts";
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
export const requestsCsv: Handler = (request, ctx) => {
  const query = requestsQuery(new URL(request.url).searchParams);
  const storage = ctx.app.storage;
  const encoder = new TextEncoder();
  let cursor = query.cursor;
  let written = 0;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvHeader()));
        return;
      }
      const limit = Math.min(CSV_PAGE, CSV_MAX_ROWS - written);
      const page = await storage.requests({ ...query, cursor, limit });
      controller.enqueue(encoder.encode(page.rows.map((r) => csvLine(requestView(r))).join("")));
      written += page.rows.length;
      cursor = page.next;
      if (!cursor || written >= CSV_MAX_ROWS) controller.close();
    },
  });
  const name = `squint-requests-${new Date().toISOString().slice(0, 19).replaceAll(":", "")}.csv`;
  return Promise.resolve(
    new Response(body, {
      headers: guarded({
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name}"`,
      }),
    }),
  );
};
