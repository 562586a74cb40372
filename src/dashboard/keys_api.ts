/**
 * The Keys page's list: `GET /dashboard/api/keys`, every stored key (no secrets) with what it has
 * spent so far in its budget period. Creating, changing and revoking keys go through the admin
 * API itself (`/admin/keys`), which accepts the dashboard's session; this list is the dashboard's
 * own so that a squint signed into with a one-time code (no SQUINT_ADMIN_TOKEN: admin API off)
 * still shows its keys.
 */
import type { Handler } from "../lifecycle/context.ts";
import { budgetWindow } from "../keys/metering.ts";
import { json } from "./answer.ts";

/** `GET /dashboard/api/keys`: `{stored, admin_api, data: [key & {spent_usd, period_start}]}`. */
export const keysWithSpend: Handler = async (_request, ctx) => {
  const { storage, config } = ctx.app;
  const adminApi = config.admin_token !== undefined;
  if (!storage.keys) return json({ stored: false, admin_api: adminApi, data: [] });
  const keys = await storage.keys.list();
  const data = await Promise.all(keys.map(async (key) => {
    const start = budgetWindow(key.id, key.budget_period).start;
    const spent = key.revoked_at === null ? await storage.keys!.spentSince(key.id, start) : null;
    return { ...key, spent_usd: spent, period_start: new Date(start).toISOString() };
  }));
  return json({ stored: true, admin_api: adminApi, data });
};
