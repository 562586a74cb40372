/** `GET /health`: `{status, storage, pool}`; 200 when serving, 503 when not. */
import type { Handler } from "../lifecycle/context.ts";

/** The health door. */
export const health: Handler = async (_request, ctx) => {
  const storage = await ctx.app.storage.health();
  const pool = ctx.app.pool.stats();
  const ok = storage.ok && pool.size > 0;
  return Response.json(
    { status: ok ? "ok" : "unavailable", storage, pool },
    { status: ok ? 200 : 503, headers: { "x-request-id": ctx.id } },
  );
};
