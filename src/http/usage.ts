/** `GET /v1/usage`: totals and savings over a time window, optionally grouped. */
import { keyId } from "../accounting/key_id.ts";
import { requiresSquintKey } from "../config.ts";
import type { UsageQuery } from "../storage/types.ts";
import { authenticate, isAdmin } from "../keys/identity.ts";
import type { Handler } from "../lifecycle/context.ts";
import { GatewayError } from "../errors.ts";

const GROUPS = new Set(["model", "optimization", "channel", "key"]);

function date(params: URLSearchParams, name: "from" | "to"): Date | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) {
    throw new GatewayError(
      400,
      `${name}: expected an ISO 8601 date or time, got ${JSON.stringify(text)}`,
      "invalid_request_error",
      null,
      name,
    );
  }
  return value;
}

/**
 * The usage door. Where squint keys are required, a caller sees its own key's usage; the admin
 * token (when configured) sees everyone's.
 */
export const usage: Handler = async (request, ctx) => {
  const { config, storage } = ctx.app;
  const params = new URL(request.url).searchParams;
  const groupBy = params.get("group_by");
  if (groupBy !== null && !GROUPS.has(groupBy)) {
    throw new GatewayError(
      400,
      `group_by: expected model, optimization, channel or key, got ${JSON.stringify(groupBy)}`,
      "invalid_request_error",
      null,
      "group_by",
    );
  }
  const query: UsageQuery = {
    from: date(params, "from"),
    to: date(params, "to"),
    groupBy: (groupBy ?? undefined) as UsageQuery["groupBy"],
  };
  if (query.from && query.to && query.to < query.from) {
    throw new GatewayError(
      400,
      `to: ${query.to.toISOString()} is before from (${query.from.toISOString()})`,
      "invalid_request_error",
      null,
      "to",
    );
  }
  const admin = isAdmin(request.headers, config);
  if (!admin && requiresSquintKey(config)) {
    const { identity } = await authenticate(
      request.headers,
      config,
      config.openai_api_key,
      storage.keys,
    );
    query.keyId = (identity.key?.id ?? await keyId(identity.squintKey)) ?? undefined;
  }
  const report = await storage.usage(query);
  return Response.json(report, { headers: { "x-request-id": ctx.id } });
};
