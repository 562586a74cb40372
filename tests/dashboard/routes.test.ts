/**
 * The dashboard's paths over HTTP (no browser): the guard headers on every answer, what opens
 * without a session, its files, and a request's page with the media store off.
 */
import assert from "node:assert/strict";
import { CONTENT_SECURITY_POLICY } from "../../src/dashboard/answer.ts";
import { startStack } from "../http/_stack.ts";
import { corpusDataUrl } from "../support/squint.ts";

const ADMIN = "routes-admin-token";

async function signIn(origin: string): Promise<string> {
  const answer = await fetch(`${origin}/dashboard/login`, {
    method: "POST",
    body: new URLSearchParams({ token: ADMIN }),
    redirect: "manual",
  });
  assert.equal(answer.status, 303);
  assert.equal(answer.headers.get("location"), "/dashboard");
  return answer.headers.get("set-cookie")!.split(";")[0];
}

async function status(response: Response): Promise<number> {
  await response.body?.cancel();
  assert.equal(response.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  return response.status;
}

Deno.test("every dashboard answer carries the CSP, redirects and errors included", async () => {
  await using stack = startStack({ env: { SQUINT_ADMIN_TOKEN: ADMIN } });
  const origin = stack.squint.origin;
  const get = (path: string, init: RequestInit = {}) =>
    fetch(`${origin}${path}`, { redirect: "manual", ...init });
  assert.equal(await status(await get("/dashboard")), 303);
  assert.equal(await status(await get("/dashboard/login")), 200);
  assert.equal(await status(await get("/dashboard/assets/app.js")), 200);
  assert.equal(await status(await get("/dashboard/api/overview")), 401);
  assert.equal(await status(await get("/dashboard/api/requests/sq-x/images/0/sent")), 401);
  assert.equal(await status(await get("/dashboard/no-such-page")), 404);
  assert.equal(await status(await get("/dashboard/assets/..%2f..%2fdeno.json")), 404);
  assert.equal(await status(await get("/dashboard/login", { method: "DELETE" })), 405);
  const cookie = await signIn(origin);
  assert.equal(await status(await get("/dashboard", { headers: { cookie } })), 200);
  assert.equal(
    await status(await get("/dashboard/api/requests?status=abc", { headers: { cookie } })),
    400,
  );
  // A change needs the dashboard's header beside the cookie (a form from elsewhere has none).
  assert.equal(
    await status(await get("/dashboard/logout", { method: "POST", headers: { cookie } })),
    403,
  );
});

Deno.test("a CSV export the log refuses (a cursor it never gave, a bad filter) is a 400, not a download broken off", async () => {
  await using stack = startStack({ env: { SQUINT_ADMIN_TOKEN: ADMIN } });
  const cookie = await signIn(stack.squint.origin);
  for (const query of ["cursor=zzz", "status=abc"]) {
    const response = await fetch(
      `${stack.squint.origin}/dashboard/api/requests.csv?${query}`,
      { headers: { cookie } },
    );
    assert.equal(response.status, 400, query);
    assert.equal((await response.json()).error.type, "invalid_request_error", query);
  }
  // And a good one is whole: its header line, then each row.
  const chat = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hello." }],
  });
  await chat.body?.cancel();
  await stack.squint.app.parts.storage.flush();
  const csv = await fetch(`${stack.squint.origin}/dashboard/api/requests.csv`, {
    headers: { cookie },
  });
  assert.equal(csv.status, 200);
  const lines = (await csv.text()).trimEnd().split("\r\n");
  assert.equal(lines.length, 2);
  assert.match(lines[1], new RegExp(`^${chat.headers.get("x-request-id")},`));
});

Deno.test("a sign-in form posted from another site is refused", async () => {
  await using stack = startStack({ env: { SQUINT_ADMIN_TOKEN: ADMIN } });
  const answer = await fetch(`${stack.squint.origin}/dashboard/login`, {
    method: "POST",
    headers: { "sec-fetch-site": "cross-site" },
    body: new URLSearchParams({ token: ADMIN }),
    redirect: "manual",
  });
  assert.equal(await status(answer), 403);
  assert.equal(answer.headers.get("set-cookie"), null);
});

Deno.test("uPlot is served from its npm package, byte for byte, with its licence", async () => {
  await using stack = startStack();
  const root = new URL("../", import.meta.resolve("uplot"));
  for (
    const [served, file] of [["uPlot.esm.js", "dist/uPlot.esm.js"], [
      "uPlot.LICENSE.txt",
      "LICENSE",
    ]]
  ) {
    const answer = await fetch(`${stack.squint.origin}/dashboard/vendor/${served}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.bytes(), await Deno.readFile(new URL(file, root)));
    const again = await fetch(`${stack.squint.origin}/dashboard/vendor/${served}`, {
      headers: { "if-none-match": answer.headers.get("etag")! },
    });
    assert.equal(await status(again), 304);
  }
});

Deno.test("with the media store off a request's page says so and has no pictures", async () => {
  await using stack = startStack({
    env: { SQUINT_ADMIN_TOKEN: ADMIN, SQUINT_REQUIRE_KEY: "off" },
  });
  const sent = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [{
      role: "user",
      content: [{
        type: "image_url",
        image_url: { url: corpusDataUrl("photo_fruits_512x480.jpg") },
      }],
    }],
  });
  assert.equal(sent.status, 200);
  await sent.body?.cancel();
  const id = sent.headers.get("x-request-id")!;
  await stack.squint.app.parts.storage.flush();
  const cookie = await signIn(stack.squint.origin);
  const page = await fetch(`${stack.squint.origin}/dashboard/api/requests/${id}`, {
    headers: { cookie },
  });
  const detail = await page.json();
  assert.equal(detail.media, "off");
  assert.equal(detail.images.length, 1);
  assert.equal(detail.images[0].original, null);
  assert.equal(detail.images[0].sent, null);
  const picture = await fetch(
    `${stack.squint.origin}/dashboard/api/requests/${id}/images/0/original`,
    {
      headers: { cookie },
    },
  );
  assert.equal(await status(picture), 404);
});
