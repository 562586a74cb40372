/** Dashboard sessions: what signs in, for how long, and what a request must carry to count. */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.ts";
import {
  authOf,
  cookieValue,
  DashboardAuth,
  isDashboardAdmin,
  SESSION_COOKIE,
  SESSION_MS,
  sessionCookie,
} from "../../src/keys/sessions.ts";

Deno.test("the admin token signs in as often as asked, anything else never", () => {
  const auth = new DashboardAuth("the-token");
  assert.equal(auth.oneTimeCode, undefined, "no one-time code beside a configured token");
  const first = auth.signIn("the-token")!, second = auth.signIn("the-token")!;
  assert.notEqual(first, second);
  assert.ok(auth.valid(first) && auth.valid(second));
  assert.equal(auth.signIn("the-token "), undefined);
  assert.equal(auth.signIn(""), undefined);
  assert.equal(auth.redeem("the-token"), undefined, "the token is no one-time code");
});

Deno.test("without an admin token the one-time code signs in once, by link or by form", () => {
  const byLink = new DashboardAuth(undefined);
  const code = byLink.oneTimeCode!;
  assert.match(code, /^[\w-]{43}$/);
  assert.equal(byLink.redeem("not-it"), undefined);
  const session = byLink.redeem(code);
  assert.ok(session && byLink.valid(session));
  assert.equal(byLink.redeem(code), undefined);
  assert.equal(byLink.signIn(code), undefined);
  assert.equal(byLink.oneTimeCode, undefined);

  const byForm = new DashboardAuth(undefined);
  const formCode = byForm.oneTimeCode!;
  assert.ok(byForm.signIn(formCode));
  assert.equal(byForm.signIn(formCode), undefined);
});

Deno.test("a session ends after SESSION_MS, or when signed out", () => {
  let now = 1_000_000;
  const auth = new DashboardAuth("t", () => now);
  const id = auth.signIn("t")!;
  now += SESSION_MS - 1;
  assert.ok(auth.valid(id));
  now += 1;
  assert.equal(auth.valid(id), false);
  const other = auth.signIn("t")!;
  auth.signOut(new Headers({ cookie: `a=b; ${SESSION_COOKIE}=${other}` }));
  assert.equal(auth.valid(other), false);
});

Deno.test("the cookie is HttpOnly, SameSite=Strict, Path=/, and Secure only over https", () => {
  assert.equal(
    sessionCookie("abc", false),
    `${SESSION_COOKIE}=abc; Max-Age=604800; Path=/; HttpOnly; SameSite=Strict`,
  );
  assert.match(sessionCookie("abc", true), /; Secure$/);
  assert.equal(
    cookieValue(new Headers({ cookie: `x=1; ${SESSION_COOKIE}=v=w` }), SESSION_COOKIE),
    "v=w",
  );
  assert.equal(
    cookieValue(new Headers({ cookie: `x${SESSION_COOKIE}=v` }), SESSION_COOKIE),
    undefined,
  );
});

Deno.test("a request counts as the dashboard's admin only with its session and the dashboard header", () => {
  const config = loadConfig({ SQUINT_ADMIN_TOKEN: "t", SQUINT_DATA_DIR: ":memory:" });
  const id = authOf(config).signIn("t")!;
  const cookie = `${SESSION_COOKIE}=${id}`;
  assert.ok(isDashboardAdmin(new Headers({ cookie, "x-squint-dashboard": "1" }), config));
  assert.equal(isDashboardAdmin(new Headers({ cookie }), config), false);
  assert.equal(isDashboardAdmin(new Headers({ "x-squint-dashboard": "1" }), config), false);
  const another = loadConfig({ SQUINT_ADMIN_TOKEN: "t", SQUINT_DATA_DIR: ":memory:" });
  assert.equal(
    isDashboardAdmin(new Headers({ cookie, "x-squint-dashboard": "1" }), another),
    false,
    "a session is its own squint's",
  );
});
