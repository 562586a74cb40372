/**
 * The dashboard's sign-in and sign-out. `GET /dashboard/login` is the form (or, with `?code=`,
 * the one-time login URL squint printed at start); `POST /dashboard/login` takes the admin token
 * from the form. Either way the answer sets the session cookie and sends the browser to the
 * dashboard; a refusal sends it back to the form with the reason in the query.
 */
import { readBody } from "../intake/body.ts";
import type { Handler } from "../lifecycle/context.ts";
import { GatewayError } from "../errors.ts";
import { redirect } from "./answer.ts";
import { assetAt, serveAsset } from "./assets.ts";
import { authOf, clearedCookie, sessionCookie } from "../keys/sessions.ts";

const HOME = "/dashboard";
const FORM = "/dashboard/login";

/** Whether the browser reached squint over https (directly or through a proxy that says so). */
function secure(request: Request): boolean {
  return new URL(request.url).protocol === "https:" ||
    request.headers.get("x-forwarded-proto") === "https";
}

/** Refuses a form posted from another site (browsers say where a request came from). */
function sameOrigin(request: Request): void {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    throw new GatewayError(403, "sign-in is only accepted from squint's own page");
  }
}

function signedIn(request: Request, session: string): Response {
  return redirect(HOME, { "set-cookie": sessionCookie(session, secure(request)) });
}

/** `GET /dashboard/login`: the form, or the one-time login URL's code redeemed. */
export const loginPage: Handler = async (request, ctx) => {
  const code = new URL(request.url).searchParams.get("code");
  if (code !== null) {
    const session = authOf(ctx.app.config).redeem(code);
    return session ? signedIn(request, session) : redirect(`${FORM}?failed=code`);
  }
  return serveAsset(request, (await assetAt("/dashboard/assets/login.html"))!);
};

/** `POST /dashboard/login`: the admin token from the form (`token=…`). */
export const signIn: Handler = async (request, ctx) => {
  sameOrigin(request);
  const form = new URLSearchParams(new TextDecoder().decode(await readBody(request, 16_384)));
  const session = authOf(ctx.app.config).signIn(form.get("token") ?? "");
  return session ? signedIn(request, session) : redirect(`${FORM}?failed=token`);
};

/** `POST /dashboard/logout`: ends the session and clears the cookie. */
export const signOut: Handler = (request, ctx) => {
  authOf(ctx.app.config).signOut(request.headers);
  return Promise.resolve(redirect(FORM, { "set-cookie": clearedCookie() }));
};
