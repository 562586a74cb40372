/**
 * Every dashboard answer carries the same guard headers: a Content-Security-Policy that lets the
 * page run only squint's own files (no inline script or style, no other origin), reports what it
 * blocks, and keeps the page out of frames; no MIME sniffing; no referrer (a login URL's code
 * never leaks). Errors are JSON `{error: {message, type, code}}`, with the same headers.
 */
import { asGatewayError } from "../errors.ts";

/** Where the browser reports what the policy blocked. */
export const CSP_REPORT_PATH = "/dashboard/api/csp-report";

/** The dashboard's Content-Security-Policy. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  `report-uri ${CSP_REPORT_PATH}`,
].join("; ");

/** The guard headers, with `extra` on top. */
export function guarded(extra: HeadersInit = {}): Headers {
  const headers = new Headers(extra);
  headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "no-referrer");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  return headers;
}

/** A JSON answer. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: guarded({ "content-type": "application/json; charset=utf-8" }),
  });
}

/** A redirect to another dashboard path (303: the browser follows with GET). */
export function redirect(location: string, extra: HeadersInit = {}): Response {
  const headers = guarded(extra);
  headers.set("location", location);
  return new Response(null, { status: 303, headers });
}

/** The JSON answer for anything thrown; an unexpected error is a 500 said once on stderr. */
export function failure(e: unknown): Response {
  const error = asGatewayError(e);
  if (error.status >= 500) console.error("squint dashboard:", e);
  const body = { error: { message: error.message, type: error.type, code: error.code } };
  const response = json(body, error.status);
  for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
  return response;
}
