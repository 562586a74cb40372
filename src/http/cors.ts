/**
 * Cross-origin requests (CORS) for pages and browser extensions that call the API from the
 * browser, as they would call the providers': `SQUINT_CORS_ORIGINS` lists the origins allowed
 * (or `*`), none by default. Only the API's paths (`/v1…`) take them — the operators' pages and
 * API (`/dashboard`, `/admin`, `/metrics`, `/health`) stay same-origin — and never with
 * credentials: the caller's key travels in a header its page sets.
 *
 * A preflight is answered here, before any door; a refused one is a 403 naming why, so the
 * operator sees it in the log. Every answer to an allowed origin carries the allow headers and
 * exposes squint's own (`X-Squint-*`, `X-Request-Id`) to the page.
 *
 * @module
 */
import { GatewayError } from "../errors.ts";

/** How long a browser may keep a preflight's answer, in seconds. */
const MAX_AGE_S = 600;
/** The API's paths; everything else is the operators'. */
const API_PATH = /^\/v1[a-z0-9]*\//;

/** Whether `request` is a CORS preflight. */
export function isPreflight(request: Request): boolean {
  return request.method === "OPTIONS" && request.headers.has("origin") &&
    request.headers.has("access-control-request-method");
}

/** Whether a page of `origin` may call `path`. */
function allowed(origin: string, path: string, origins: readonly string[]): boolean {
  return API_PATH.test(path) && (origins.includes("*") || origins.includes(origin));
}

/** 403 for a page of `origin` calling `path`, saying why. */
function refused(origin: string, path: string, origins: readonly string[]): GatewayError {
  const why = !API_PATH.test(path)
    ? `${path} takes no cross-origin requests (only the API's /v1 paths do)`
    : origins.length === 0
    ? "cross-origin requests are off; list the page's origin in SQUINT_CORS_ORIGINS"
    : `the origin ${origin} is not in SQUINT_CORS_ORIGINS`;
  return new GatewayError(403, why, "permission_error", "cors_origin_not_allowed");
}

/** The answer to a preflight: 204 with what the request may send, or a 403 saying why not. */
export function answerPreflight(request: Request, path: string, origins: readonly string[]) {
  const origin = request.headers.get("origin")!;
  if (!allowed(origin, path, origins)) throw refused(origin, path, origins);
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-methods": "GET, POST, DELETE",
      "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "",
      "access-control-max-age": String(MAX_AGE_S),
    },
  });
}

/**
 * Throws 403 when a page of an origin not allowed calls the API in a way that needs no preflight
 * (a POST with no content type or credential, a WebSocket, which CORS does not cover at all): it
 * could not read the answer, but the call would be made, on squint's own key where it holds one
 * and asks callers for none. Requests without `Origin` (SDKs, agents) and pages of squint's own
 * origin are not cross-origin.
 */
export function checkOrigin(request: Request, url: URL, origins: readonly string[]): void {
  const origin = request.headers.get("origin");
  if (origin === null || !API_PATH.test(url.pathname) || allowed(origin, url.pathname, origins)) {
    return;
  }
  if (URL.parse(origin)?.host === url.host) return;
  throw refused(origin, url.pathname, origins);
}

/** `response` with the headers that let a page of an allowed origin read it. */
export function withCors(
  response: Response,
  request: Request,
  path: string,
  origins: readonly string[],
): Response {
  const origin = request.headers.get("origin");
  if (origin === null || response.status === 101 || !allowed(origin, path, origins)) {
    return response;
  }
  const any = origins.includes("*");
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", any ? "*" : origin);
  headers.set("access-control-expose-headers", "*");
  if (!any) headers.append("vary", "Origin");
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
