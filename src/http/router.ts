/**
 * The doors: which path is which door, and the error shape each answers in. Every door that
 * carries a model runs the one lifecycle (`lifecycle/lifecycle.ts`); a handler is a table entry.
 */
import { DOORS } from "../doors/table.ts";
import {
  keyOutOfUrl,
  passThrough,
  PASSTHROUGH_PREFIXES,
  providerOf,
} from "../doors/passthrough.ts";
import { GEMINI, GEMINI_COUNT_TOKENS, GEMINI_PATH } from "../doors/native.ts";
import { isWebSocketUpgrade, serveResponsesSocket } from "../doors/responses_socket.ts";
import { type ErrorShape, GatewayError } from "../errors.ts";
import type { Handler } from "../lifecycle/context.ts";
import type { Door } from "../lifecycle/door.ts";
import { serveDoor } from "../lifecycle/lifecycle.ts";
import { DASHBOARD_METHODS } from "../dashboard/mod.ts";
import { passthroughDoor } from "../storage/door_group.ts";
import { handlerFor } from "../http_methods.ts";
import { createKey, listKeys, revokeKey, updateKey } from "./admin_keys.ts";
import { requireJson } from "./content_type.ts";
import { health } from "./health.ts";
import { metrics } from "./metrics.ts";
import { optimize } from "./optimize.ts";
import { requestRecord } from "./requests.ts";
import { usage } from "./usage.ts";

// deno-lint-ignore no-explicit-any
const serve = (door: Door<any>): Handler => (request, ctx) => {
  requireJson(request);
  return serveDoor(door, request, ctx);
};

/** `GET /v1/responses`: the Responses API's WebSocket mode (anything else there is 405). */
const responsesSocket: Handler = (request, ctx) => {
  if (isWebSocketUpgrade(request)) return serveResponsesSocket(request, ctx);
  throw new GatewayError(
    405,
    "GET /v1/responses is the WebSocket mode: send an upgrade, or POST a response",
    "invalid_request_error",
    "method_not_allowed",
    null,
    { allow: "GET, POST" },
  );
};

/** Exact routes: path → method → handler. */
const ROUTES: Record<string, Record<string, Handler>> = {
  ...Object.fromEntries(
    Object.entries(DOORS).map(([path, door]) => [path, { POST: serve(door) }]),
  ),
  "/v1/responses": { POST: serve(DOORS["/v1/responses"]), GET: responsesSocket },
  "/v1/optimize": { POST: optimize },
  "/v1/usage": { GET: usage },
  "/health": { GET: health },
  "/metrics": { GET: metrics },
  "/admin/keys": { GET: listKeys, POST: createKey },
  // The operators' dashboard: its own table of paths inside (src/dashboard/mod.ts).
  "/dashboard": DASHBOARD_METHODS,
};

/** Routes whose path continues past a prefix (the handler reads the rest): prefix → method → handler. */
const PARAMETER_ROUTES: Record<string, Record<string, Handler>> = {
  "/admin/keys/": { DELETE: revokeKey, PATCH: updateKey },
  "/v1/requests/": { GET: requestRecord },
  "/dashboard/": DASHBOARD_METHODS,
};

/** Gemini's doors: the model and method are in the path, a credential may be in the query. */
const GEMINI_DOORS = {
  generateContent: GEMINI,
  streamGenerateContent: GEMINI,
  countTokens: GEMINI_COUNT_TOKENS,
} as const;

function geminiDoor(path: string) {
  const method = GEMINI_PATH.exec(path)?.[3] as keyof typeof GEMINI_DOORS | undefined;
  return method && GEMINI_DOORS[method];
}

const serveGemini = (door: typeof GEMINI): Handler => (request, ctx) => {
  requireJson(request);
  const keyless = keyOutOfUrl(request);
  // The door reads the URL without the key (its query string goes upstream and into the scope).
  return serveDoor(
    door,
    keyless,
    keyless === request ? ctx : { ...ctx, url: new URL(keyless.url) },
  );
};

/** The handler for a request, or a GatewayError (404/405). */
export function route(method: string, path: string): Handler {
  const gemini = geminiDoor(path);
  const prefix = Object.keys(PARAMETER_ROUTES).find((p) =>
    path.startsWith(p) && path.length > p.length
  );
  const methods = gemini
    ? { POST: serveGemini(gemini) }
    : ROUTES[path] ?? (prefix && PARAMETER_ROUTES[prefix]);
  if (methods) return handlerFor(methods, method, path);
  if (PASSTHROUGH_PREFIXES.some((p) => path.startsWith(p))) return passThrough;
  throw new GatewayError(404, `no such door: ${method} ${path}`, "not_found_error", "unknown_url");
}

/**
 * Where a request squint answers with its own error came in: the door its log row names (the
 * name a served request's row has: a model door's name, squint's own route, its prefix where the
 * path carries an id, `passthrough <provider> <path>`, or `unknown`; never a client's path as it
 * came, since the metrics label their series with it) and the error shape of the answer (its
 * door's; on passthrough, its provider's; on squint's own paths and unknown ones, OpenAI's).
 */
export function errorPlace(url: URL, headers: Headers): { door: string; shape: ErrorShape } {
  const path = url.pathname;
  const door = DOORS[path] ?? geminiDoor(path);
  if (door) return { door: door.name, shape: door.errors };
  const route = ROUTES[path] ? path : Object.keys(PARAMETER_ROUTES).find((p) => path.startsWith(p));
  if (route) return { door: route, shape: "openai" };
  if (!PASSTHROUGH_PREFIXES.some((p) => path.startsWith(p))) {
    return { door: "unknown", shape: "openai" };
  }
  const provider = providerOf(path, headers, url.searchParams);
  const shape = provider === "google" || provider === "anthropic" ? provider : "openai";
  return { door: passthroughDoor(provider, path), shape };
}
