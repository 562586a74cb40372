/**
 * The OpenAI-compatible upstream: URL, headers and the call itself. Any endpoint that speaks
 * OpenAI's API (DeepSeek, vLLM, a corporate proxy) works by base URL.
 */
import { GatewayError } from "../errors.ts";
import { onDeadline } from "./deadlines.ts";

/** Client headers never forwarded: hop-by-hop, squint's own, credentials (re-added per caller). */
const DROPPED_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "accept-encoding",
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "cookie",
  // squint answers a page's CORS itself; upstream the call is a server's (Anthropic refuses a
  // request with an Origin unless it opts into browser access).
  "origin",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
]);

/** Upstream headers never relayed: framing is squint's, and fetch has already decoded the body. */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "upgrade",
  "set-cookie",
  // squint's own CORS policy is the only one (SQUINT_CORS_ORIGINS).
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-expose-headers",
  "alt-svc",
  "x-request-id",
]);

/** A header list as plain pairs: built once, handed to fetch or Response without Headers calls. */
export type HeaderPairs = [string, string][];

/** Headers to send upstream: the client's, filtered, plus the provider key and `extra`. */
export function upstreamHeaders(
  client: Headers,
  providerKey: string | undefined,
  extra: HeaderPairs = [],
): HeaderPairs {
  const out: HeaderPairs = [];
  // forEach, not for…of: Deno's Headers iterator costs several times as much per header.
  client.forEach((value, name) => {
    if (!DROPPED_REQUEST_HEADERS.has(name) && !name.startsWith("x-squint-")) {
      out.push([name, value]);
    }
  });
  if (providerKey) out.push(["authorization", `Bearer ${providerKey}`]);
  for (const pair of extra) {
    const at = out.findIndex(([name]) => name === pair[0]);
    if (at >= 0) out[at] = pair;
    else out.push(pair);
  }
  return out;
}

/**
 * Headers to relay to the client from the upstream response, with squint's request id; the
 * upstream's own id moves to `x-upstream-request-id`.
 */
export function relayedHeaders(upstream: Headers, requestId: string): HeaderPairs {
  const out: HeaderPairs = [];
  upstream.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) out.push([name, value]);
    else if (name === "x-request-id") out.push(["x-upstream-request-id", value]);
  });
  out.push(["x-request-id", requestId]);
  return out;
}

/** Options of one upstream call. */
export interface UpstreamCall {
  url: string;
  method: string;
  headers: HeaderPairs;
  body?: BodyInit | null;
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
  /** Time allowed until the response headers arrive. */
  timeoutMs: number;
  /** The fetch that reaches the upstream (the global one, or the one a library user wraps). */
  fetch: typeof fetch;
}

/**
 * Calls the upstream. Network failures become 502 and a missing answer within the timeout 504,
 * in the door's error shape, and a status HTTP does not define (600 and up) 502
 * `bad_upstream_response`; the client's disconnect aborts the call (and the tokens with it).
 */
export async function callUpstream(call: UpstreamCall): Promise<Response> {
  const controller = new AbortController();
  const onClientGone = () =>
    controller.abort(new DOMException("client disconnected", "AbortError"));
  if (call.clientSignal.aborted) onClientGone();
  call.clientSignal.addEventListener("abort", onClientGone, { once: true });
  const cancelDeadline = onDeadline(
    call.timeoutMs,
    () => controller.abort(new DOMException("timeout", "TimeoutError")),
  );
  let response: Response;
  try {
    response = await call.fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: controller.signal,
      redirect: "manual",
    });
  } catch (e) {
    const reason = controller.signal.reason as DOMException | undefined;
    if (reason?.name === "TimeoutError") {
      throw new GatewayError(
        504,
        `upstream did not answer within ${call.timeoutMs / 1000} s`,
        "timeout_error",
        "upstream_timeout",
      );
    }
    if (call.clientSignal.aborted) {
      throw new GatewayError(499, "client disconnected", "api_error", "client_closed");
    }
    throw new GatewayError(
      502,
      `upstream unreachable: ${(e as Error).message}`,
      "api_error",
      "upstream_unreachable",
    );
  } finally {
    cancelDeadline();
  }
  // fetch takes any three digits an HTTP/1.1 peer sends; a Response carries 200–599 only.
  if (response.status > 599) {
    await response.body?.cancel().catch(() => {});
    throw new GatewayError(
      502,
      `the upstream answered ${response.status}, a status HTTP does not define`,
      "api_error",
      "bad_upstream_response",
    );
  }
  return response;
}
