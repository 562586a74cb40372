/**
 * A route's handlers by HTTP method, as the router and the dashboard look them up: a method the
 * route has (its own handler, never one `Object.prototype` lends), HEAD wherever GET is (RFC 9110
 * §9.3.2: the GET answer's status and headers; the server sends no body), else 405 with `Allow`.
 *
 * @module
 */
import { GatewayError } from "./errors.ts";
import { own } from "./own.ts";

/** The handler for `method` on a route with `methods`; 405 naming the ones it has. */
export function handlerFor<H>(
  methods: Readonly<Record<string, H>>,
  method: string,
  path: string,
): H {
  const handler = own(methods, method) ?? (method === "HEAD" ? own(methods, "GET") : undefined);
  if (handler) return handler;
  const names = Object.keys(methods);
  const allow = names.includes("GET") ? [...names, "HEAD"] : names;
  throw new GatewayError(
    405,
    `${method} is not allowed on ${path}`,
    "invalid_request_error",
    "method_not_allowed",
    null,
    { allow: allow.join(", ") },
  );
}
