/** `GET /metrics`: this instance's series in Prometheus text format, behind an optional bearer. */
import { GatewayError } from "../errors.ts";
import { bearer, safeEqual } from "../keys/identity.ts";
import type { Handler } from "../lifecycle/context.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../observe/prometheus.ts";

/** The metrics door. */
export const metrics: Handler = (request, ctx) => {
  const series = ctx.app.observer.metrics;
  if (!series) {
    throw new GatewayError(
      404,
      "/metrics is off (SQUINT_METRICS=off)",
      "not_found_error",
      "unknown_url",
    );
  }
  const token = ctx.app.config.metrics_token;
  const presented = bearer(request.headers);
  if (token !== undefined && (presented === undefined || !safeEqual(presented, token))) {
    throw new GatewayError(
      401,
      "/metrics needs Authorization: Bearer <SQUINT_METRICS_TOKEN>",
      "authentication_error",
      "invalid_metrics_token",
    );
  }
  return Promise.resolve(
    new Response(series.expose(), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "x-request-id": ctx.id },
    }),
  );
};
