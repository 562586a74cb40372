/**
 * The Overview page's data: `GET /dashboard/api/overview?from&to&bucket&key`, read from the
 * hourly aggregate the store writes with the log (`Storage.overview`), never from the log.
 */
import type { Handler } from "../lifecycle/context.ts";
import { json } from "./answer.ts";
import { overviewQuery } from "./query.ts";

/** `GET /dashboard/api/overview`. */
export const overview: Handler = async (request, ctx) => {
  const query = overviewQuery(new URL(request.url).searchParams);
  return json(await ctx.app.storage.overview(query));
};
