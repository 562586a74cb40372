/**
 * The Health page's data: `GET /dashboard/api/health`: the store and the media store answering,
 * the image worker pool's counters, every upstream circuit that has failed since it last answered,
 * and the newest requests answered with an error.
 */
import type { Handler } from "../lifecycle/context.ts";
import { json } from "./answer.ts";
import { requestView } from "./request_view.ts";

const RECENT_ERRORS = 20;

/** `GET /dashboard/api/health`. */
export const healthReport: Handler = async (_request, ctx) => {
  const { storage, pool, circuits, config } = ctx.app;
  const [store, media, clientErrors, serverErrors] = await Promise.all([
    storage.health(),
    storage.media?.health() ?? null,
    storage.requests({ status: "4xx", limit: RECENT_ERRORS }),
    storage.requests({ status: "5xx", limit: RECENT_ERRORS }),
  ]);
  const errors = [...clientErrors.rows, ...serverErrors.rows]
    .sort((a, b) => b.ts - a.ts)
    .slice(0, RECENT_ERRORS)
    .map(requestView);
  const stats = pool.stats();
  return json({
    status: store.ok && stats.size > 0 ? "ok" : "unavailable",
    storage: { mode: config.storage, ...store },
    media: media && { ...media },
    pool: stats,
    circuits: circuits.snapshot(),
    recent_errors: errors,
  });
};
