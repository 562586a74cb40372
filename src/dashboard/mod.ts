/**
 * The operators' dashboard at `/dashboard`: its pages, files and JSON API behind one handler,
 * with its own table of paths. Nothing but the sign-in form, the static files and the browser's
 * CSP reports answers without a session; a state-changing request must also carry the
 * dashboard's header. Every answer, errors included, carries the guard headers of `answer.ts`.
 */
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import type { Handler, RequestContext } from "../lifecycle/context.ts";
import { failure, redirect } from "./answer.ts";
import { assetAt, serveAsset } from "./assets.ts";
import { cspReport } from "./csp_report.ts";
import { healthReport } from "./health_report.ts";
import { keysWithSpend } from "./keys_api.ts";
import { loginPage, signIn, signOut } from "./login.ts";
import { overview } from "./overview_api.ts";
import { requestDetail } from "./request_detail.ts";
import { requestsCsv, requestsPage } from "./requests_api.ts";
import { authOf, DASHBOARD_HEADER } from "../keys/sessions.ts";
import { handlerFor } from "../http_methods.ts";

interface Route {
  /** Who may: anyone (`public`), or a signed-in page (`session`). */
  access: "public" | "session";
  methods: Record<string, Handler>;
}

/** A file of `assets.ts`, by the request's path. */
const staticFile: Handler = async (request) => {
  const file = await assetAt(new URL(request.url).pathname);
  if (!file) throw new GatewayError(404, "no such dashboard file", "not_found_error");
  return serveAsset(request, file);
};

/** The page itself (one page; its views are client-side). */
const appPage: Handler = async (request) =>
  serveAsset(request, (await assetAt("/dashboard/assets/index.html"))!);

const session = (methods: Record<string, Handler>): Route => ({ access: "session", methods });
const open = (methods: Record<string, Handler>): Route => ({ access: "public", methods });

/** Exact paths. */
const PATHS: Record<string, Route> = {
  "/dashboard": session({ GET: appPage }),
  "/dashboard/login": open({ GET: loginPage, POST: signIn }),
  "/dashboard/logout": session({ POST: signOut }),
  "/dashboard/api/overview": session({ GET: overview }),
  "/dashboard/api/requests": session({ GET: requestsPage }),
  "/dashboard/api/requests.csv": session({ GET: requestsCsv }),
  "/dashboard/api/keys": session({ GET: keysWithSpend }),
  "/dashboard/api/health": session({ GET: healthReport }),
  "/dashboard/api/csp-report": open({ POST: cspReport }),
};

/** Paths that continue past a prefix. */
const PREFIXES: [string, Route][] = [
  ["/dashboard/api/requests/", session({ GET: requestDetail })],
  ["/dashboard/assets/", open({ GET: staticFile })],
  ["/dashboard/vendor/", open({ GET: staticFile })],
];

function routeOf(path: string): Route {
  const route = PATHS[path] ??
    PREFIXES.find(([prefix]) => path.startsWith(prefix) && path.length > prefix.length)?.[1];
  if (!route) throw new GatewayError(404, `no such dashboard path: ${path}`, "not_found_error");
  return route;
}

async function dispatch(request: Request, ctx: RequestContext): Promise<Response> {
  const path = new URL(request.url).pathname;
  const route = routeOf(path);
  const handler = handlerFor(route.methods, request.method, path);
  if (route.access === "session") {
    if (!authOf(ctx.app.config).signedIn(request.headers)) {
      if (path === "/dashboard") return redirect("/dashboard/login");
      throw new GatewayError(401, "sign in to the dashboard first", "authentication_error");
    }
    if (request.method !== "GET" && request.headers.get(DASHBOARD_HEADER) !== "1") {
      throw new GatewayError(403, `a dashboard change needs the ${DASHBOARD_HEADER}: 1 header`);
    }
  }
  return await handler(request, ctx);
}

/** Every dashboard path's handler (the router sends `/dashboard` and `/dashboard/…` here). */
export const dashboard: Handler = (request, ctx) => dispatch(request, ctx).catch(failure);

/** The router's method table for the dashboard's paths. */
export const DASHBOARD_METHODS: Record<string, Handler> = Object.fromEntries(
  ["GET", "POST", "PUT", "PATCH", "DELETE"].map((method) => [method, dashboard]),
);

/** The URL of `host` and `port`, an IPv6 address in brackets. */
export function httpOrigin(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/**
 * The line squint prints when it starts listening: where the dashboard is and, when no
 * SQUINT_ADMIN_TOKEN is configured, the one-time login URL (its code works once).
 */
export function dashboardNotice(config: Config, hostname: string, port: number): string {
  // A wildcard address is no place to browse to: this machine is.
  const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
  const origin = httpOrigin(host, port);
  const code = authOf(config).oneTimeCode;
  if (code === undefined) {
    return `squint dashboard: ${origin}/dashboard (sign in with SQUINT_ADMIN_TOKEN)`;
  }
  return `squint dashboard: sign in once at ${origin}/dashboard/login?code=${code}`;
}
