/** The doors: the route table and nothing else. */
import { createKey, listKeys, revokeKey } from "./admin_keys.ts";
import { chatCompletions } from "./chat_completions.ts";
import type { Handler } from "./context.ts";
import { GatewayError } from "./errors.ts";
import { health } from "./health.ts";
import { countTokens, messages } from "./messages.ts";
import { optimize } from "./optimize.ts";
import { passthrough } from "./passthrough.ts";
import { requestRecord } from "./requests.ts";
import { responses } from "./responses.ts";
import { usage } from "./usage.ts";

/** Exact routes: path → method → handler. */
const ROUTES: Record<string, Record<string, Handler>> = {
  "/v1/chat/completions": { POST: chatCompletions },
  "/v1/messages": { POST: messages },
  "/v1/messages/count_tokens": { POST: countTokens },
  "/v1/optimize": { POST: optimize },
  "/v1/responses": { POST: responses },
  "/v1/usage": { GET: usage },
  "/health": { GET: health },
  "/admin/keys": { GET: listKeys, POST: createKey },
};

/** Routes whose path continues past a prefix (the handler reads the rest): prefix → method → handler. */
const PARAMETER_ROUTES: Record<string, Record<string, Handler>> = {
  "/admin/keys/": { DELETE: revokeKey },
  "/v1/requests/": { GET: requestRecord },
};

/** The handler for a request, or a GatewayError (404/405). */
export function route(method: string, path: string): Handler {
  const prefix = Object.keys(PARAMETER_ROUTES).find((p) =>
    path.startsWith(p) && path.length > p.length
  );
  const methods = ROUTES[path] ?? (prefix && PARAMETER_ROUTES[prefix]);
  if (methods) {
    const handler = methods[method];
    if (handler) return handler;
    throw new GatewayError(
      405,
      `${method} is not allowed on ${path}`,
      "invalid_request_error",
      "method_not_allowed",
      null,
      {
        allow: Object.keys(methods).join(", "),
      },
    );
  }
  if (path.startsWith("/v1/")) return passthrough;
  throw new GatewayError(404, `no such door: ${method} ${path}`, "not_found_error", "unknown_url");
}
