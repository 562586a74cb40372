/**
 * With no SQUINT_ADMIN_TOKEN, squint (started as `src/main.ts`, as a user starts it) prints a
 * one-time login URL: opened in a browser it signs in once; the second time it is refused. The
 * admin API stays off for the bearer, and the Keys page says how to turn key changes on.
 */
import assert from "node:assert/strict";
import { waitForLine } from "../support/child_output.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import {
  assertNoConsoleErrors,
  openView,
  screenshot,
  startBrowser,
  watchedPage,
} from "./_browser.ts";

Deno.test("the one-time login URL squint prints without an admin token signs in once, not twice", async () => {
  await using mock = startMockOpenAI();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/main.ts"],
    env: {
      SQUINT_PORT: "0",
      SQUINT_OPENAI_BASE_URL: mock.baseUrl,
      SQUINT_DATA_DIR: ":memory:",
      SQUINT_WORKERS: "1",
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const [url, origin, code] = await waitForLine(
      stdout,
      /(http:\/\/127\.0\.0\.1:\d+)\/dashboard\/login\?code=([\w-]{43})\b/,
    );
    await using browser = await startBrowser();

    const first = await watchedPage(browser);
    await first.page.goto(url);
    await first.page.waitForSelector('main[data-view="overview"]:not([aria-busy])');
    assert.equal(new URL(first.page.url()).pathname, "/dashboard");
    assert.equal((await first.page.cookies()).length, 1);

    await openView(first, origin, "#/keys");
    const notice = await first.page.$eval("main .notice", (p) => p.textContent ?? "");
    assert.match(notice, /takes the admin API: set SQUINT_ADMIN_TOKEN/);
    assert.equal(await first.page.$("#create-key"), null);
    await screenshot(first.page, "keys-without-admin-token");
    assertNoConsoleErrors(first, "the dashboard signed into by the login URL");

    const second = await watchedPage(browser);
    await second.page.goto(url);
    assert.equal(new URL(second.page.url()).pathname, "/dashboard/login");
    assert.equal(new URL(second.page.url()).search, "?failed=code");
    assert.match(await second.page.$eval("#failed", (p) => p.textContent ?? ""), /used already/);
    assert.deepEqual(await second.page.cookies(), []);
    assertNoConsoleErrors(second, "the login URL's second use");

    // The printed code is no bearer: the admin API stays off without SQUINT_ADMIN_TOKEN.
    const admin = await fetch(`${origin}/admin/keys`, {
      headers: { authorization: `Bearer ${code}` },
    });
    assert.equal(admin.status, 404);
    await admin.body?.cancel();
  } finally {
    child.kill("SIGTERM");
    await stdout.cancel();
    await child.status;
  }
});
