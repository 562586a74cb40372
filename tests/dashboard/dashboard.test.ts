/**
 * The operators' dashboard in a real browser (headless chromium): signed into with the admin
 * token, over traffic sent through squint's doors, each page checked against squint's API and
 * screenshotted to `.squint/screenshots/`.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { SECRET_PREFIX } from "../../src/keys/secrets.ts";
import {
  assertNoConsoleErrors,
  openView,
  screenshot,
  SCREENSHOTS,
  startBrowser,
  watchedPage,
} from "./_browser.ts";
import { ADMIN, adminGet, PHOTO, seededSquint } from "./_seeded.ts";
import { corpusDir } from "../support/squint.ts";
import { decodeDataUrl, imageUrlsOf } from "../http/_images.ts";

// In-page functions run in the browser; this stands for its global there (no DOM types here).
// deno-lint-ignore no-explicit-any
declare const document: any;

const HOSTILE_NAME = "<img src=x onerror=alert(1)>";

/** The text of the element `selector` matches. */
function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? "");
}

/** Parses CSV (RFC 4180, as the export writes it) into records by header. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [], cell = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') cell += text[i++];
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), cell = "";
    else if (c === "\r" && text[i + 1] === "\n") {
      rows.push([...row, cell]), row = [], cell = "";
      i++;
    } else cell += c;
  }
  const [header, ...records] = rows;
  return records.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i]])));
}

Deno.test("the dashboard in a real browser: sign-in, pages checked against the API, keys, CSP", async (t) => {
  await using seeded = await seededSquint();
  await using browser = await startBrowser();
  const { origin, ids, stack } = seeded;
  const watched = await watchedPage(browser);
  const { page } = watched;
  // No page may open a dialog (an alert would be a script run from data).
  page.on("dialog", (dialog) => {
    watched.errors.push(`dialog opened: ${dialog.message()}`);
    dialog.dismiss();
  });
  const shots: string[] = [];

  await t.step(
    "without a session the dashboard and its API refuse, and a wrong token is refused",
    async () => {
      await page.goto(`${origin}/dashboard`);
      assert.equal(new URL(page.url()).pathname, "/dashboard/login");
      const api = await fetch(`${origin}/dashboard/api/overview`);
      assert.equal(api.status, 401);
      assert.match(api.headers.get("content-security-policy")!, /default-src 'self'/);
      await api.body?.cancel();
      await page.type("#token", "not-the-token");
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(new URL(page.url()).search, "?failed=token");
      assert.equal(await textOf(page, "#failed"), "That is not the admin token.");
      assert.deepEqual(await page.cookies(), []);
      shots.push(await screenshot(page, "login"));
      assertNoConsoleErrors(watched, "the sign-in form");
    },
  );

  await t.step(
    "the admin token signs in: an HttpOnly, SameSite=Strict cookie that is not the token",
    async () => {
      await page.type("#token", ADMIN);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(new URL(page.url()).pathname, "/dashboard");
      const [cookie] = await page.cookies();
      assert.equal(cookie.name, "squint_dashboard");
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, "Strict");
      assert.equal(cookie.path, "/");
      assert.ok(!cookie.value.includes(ADMIN) && cookie.value.length >= 40);
      assert.equal(await page.evaluate(() => document.cookie), "", "scripts cannot read it");
    },
  );

  await t.step("Overview's figures equal /v1/usage over the same range", async () => {
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().includes("/dashboard/api/overview")),
      openView(watched, origin, "#/overview"),
    ]);
    const range = new URL(answer.url()).searchParams;
    const usage = await adminGet(
      origin,
      `/v1/usage?from=${range.get("from")}&to=${range.get("to")}`,
    ) as { totals: Record<string, number> };
    const totals = usage.totals;
    assert.equal(totals.requests, 4);
    assert.equal(totals.errors, 1);
    assert.ok(totals.cost_saved_usd > 0);
    const shown = await page.$$eval(
      "#totals .stat",
      (stats) =>
        Object.fromEntries(stats.map((s) => [
          s.getAttribute("data-stat"),
          {
            value: Number(s.getAttribute("data-value")),
            text: s.querySelector(".stat-value")!.textContent,
          },
        ])),
    );
    for (
      const name of ["requests", "spent_usd", "cost_after_usd", "cost_before_usd", "cost_saved_usd"]
    ) {
      assert.equal(shown[name].value, totals[name], name);
    }
    const savedPct = totals.cost_saved_usd / totals.cost_before_usd * 100;
    assert.equal(shown.saved_pct.value, Math.round(savedPct * 100) / 100, "saved %, to 2 places");
    // The text shown is the page's own format of those same numbers.
    const expected = await page.evaluate(async (t) => {
      const f = await import("/dashboard/assets/format.js");
      return {
        requests: f.count(t.requests),
        spent_usd: f.usd(t.spent_usd),
        cost_after_usd: f.usd(t.cost_after_usd),
        cost_before_usd: f.usd(t.cost_before_usd),
        cost_saved_usd: f.usd(t.cost_saved_usd),
        saved_pct: f.percent(t.cost_saved_usd / t.cost_before_usd * 100),
      };
    }, totals);
    for (const [name, text] of Object.entries(expected)) assert.equal(shown[name].text, text, name);
    assert.equal(await page.$$eval("#chart-saved canvas, #chart-spend canvas", (c) => c.length), 2);
    const legend = await page.$$eval(
      "#chart-saved .u-legend th",
      (c) => c.map((e) => e.textContent),
    );
    assert.ok(
      legend.some((l) => l?.includes("images")) && legend.some((l) => l?.includes("cache")),
    );
    assert.equal(await textOf(page, "#top-models tbody td"), "gpt-4o");
    shots.push(await screenshot(page, "overview"));
    assertNoConsoleErrors(watched, "Overview");
  });

  await t.step("the range picker asks for the last 7 days", async () => {
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().includes("/dashboard/api/overview")),
      page.click('button[data-range="7d"]'),
    ]);
    const range = new URL(answer.url()).searchParams;
    const span = Date.parse(range.get("to")!) - Date.parse(range.get("from")!);
    assert.equal(span, 7 * 86_400_000);
    await page.waitForSelector(
      'main[data-view="overview"]:not([aria-busy]) button[data-range="7d"].active',
    );
    assertNoConsoleErrors(watched, "Overview, 7 days");
  });

  await t.step("Requests lists newest first; its CSV export equals the API's rows", async () => {
    await openView(watched, origin, "#/requests");
    const listed = await page.$$eval(
      "#requests tbody tr",
      (rows) => rows.map((r) => r.getAttribute("data-id")),
    );
    assert.deepEqual(listed, [ids.error, ids.hit, ids.low, ids.resized]);
    const href = await page.$eval("#export-csv", (a) => (a as unknown as { href: string }).href);
    const [csv, api] = await page.evaluate(async (href) => {
      const text = await fetch(href).then((r) => r.text());
      const json = await fetch("/dashboard/api/requests?limit=1000").then((r) => r.json());
      return [text, json];
    }, href);
    const records = parseCsv(csv);
    const rows = api.rows as Record<string, unknown>[];
    assert.equal(records.length, rows.length);
    const cell = (v: unknown) => v === null || v === undefined ? "" : String(v);
    records.forEach((record, i) => {
      const row = rows[i];
      assert.deepEqual(record, {
        id: row.id,
        time: new Date(row.ts as number).toISOString(),
        door: row.door,
        key_id: cell(row.keyId),
        model_requested: cell(row.modelRequested),
        model_called: cell(row.modelCalled),
        provider: row.provider,
        status: cell(row.status),
        outcome: row.outcome,
        stream: cell(row.stream),
        cache: row.cache,
        optimizations: (row.optimizations as string[]).join(" "),
        images: cell((row.images as unknown[] | null)?.length ?? 0),
        tokens_before: cell(row.tokensBefore),
        tokens_after: cell(row.tokensAfter),
        upstream_input_tokens: cell(row.upstreamInputTokens),
        upstream_output_tokens: cell(row.upstreamOutputTokens),
        cost_before_usd: cell(row.costBeforeUsd),
        cost_after_usd: cell(row.costAfterUsd),
        cost_saved_usd: cell(row.costSavedUsd),
        spent_usd: cell(row.spentUsd),
        latency_ms: cell(row.latencyMs),
        upstream_ms: cell(row.upstreamMs),
        error: cell(row.error),
      }, `CSV row ${i}`);
    });
    shots.push(await screenshot(page, "requests"));
    assertNoConsoleErrors(watched, "Requests");
  });

  await t.step("the Requests filters narrow the list (status 5xx: the error alone)", async () => {
    await page.select("#filters select[name=status]", "5xx");
    await Promise.all([
      page.waitForResponse((r) =>
        r.url().includes("/dashboard/api/requests?") && r.url().includes("status=5xx")
      ),
      page.click("#filters button[type=submit]"),
    ]);
    await page.waitForFunction(() => document.querySelectorAll("#requests tbody tr").length === 1);
    const listed = await page.$$eval(
      "#requests tbody tr",
      (rows) => rows.map((r) => r.getAttribute("data-id")),
    );
    assert.deepEqual(listed, [ids.error]);
    assert.match(
      await page.$eval("#export-csv", (a) => (a as unknown as { href: string }).href),
      /status=5xx/,
    );
    assertNoConsoleErrors(watched, "Requests, filtered");
  });

  await t.step(
    "a request shows its image decisions and the original and sent pictures, as stored",
    async () => {
      const pictures = Promise.all(
        ["original", "sent"].map((side) =>
          page.waitForResponse((r) => r.url().endsWith(`/images/0/${side}`))
        ),
      );
      await openView(watched, origin, `#/request/${ids.resized}`);
      const [original, sent] = await pictures;
      assert.equal(original.status(), 200);
      assert.equal(sent.status(), 200);
      const clientSent = await Deno.readFile(`${corpusDir()}/images/${PHOTO}`);
      assert.deepEqual(new Uint8Array(await original.buffer()), clientSent);
      const upstreamGot = decodeDataUrl(imageUrlsOf(stack.mock.requests[0].body)[0].url);
      assert.deepEqual(new Uint8Array(await sent.buffer()), upstreamGot.bytes);
      assert.equal(sent.headers()["content-type"], upstreamGot.mime);
      // Both drawn, side by side, at their own sizes.
      await page.waitForFunction(() =>
        [...document.querySelectorAll(".side-by-side img")].every((i: { complete: boolean }) =>
          i.complete
        )
      );
      const drawn = await page.$$eval(".side-by-side img", (imgs) =>
        imgs.map((i) => {
          const { naturalWidth, naturalHeight } = i as unknown as Record<string, number>;
          return [naturalWidth, naturalHeight];
        }));
      const row = await adminGet(origin, `/v1/requests/${ids.resized}`) as {
        request: { images: string };
      };
      const [image] = JSON.parse(row.request.images) as {
        action: string;
        after: { width: number; height: number };
      }[];
      assert.deepEqual(drawn, [[1920, 1280], [image.after.width, image.after.height]]);
      assert.equal(await textOf(page, ".image .badge.action"), image.action);
      const reasons = await page.$$eval(".image .reasons li", (li) => li.map((l) => l.textContent));
      assert.ok(reasons.length > 0);
      // What it cost in all (input and output), in the page's own format of the row's figure.
      const spent = (row.request as unknown as { spentUsd: number }).spentUsd;
      assert.ok(spent > 0);
      const facts = await page.$$eval(
        ".facts dt",
        (dts) =>
          Object.fromEntries(dts.map((d) => [d.textContent, d.nextElementSibling?.textContent])),
      );
      const usd = await page.evaluate(
        async (x) => (await import("/dashboard/assets/format.js")).usd(x),
        spent,
      );
      assert.equal(facts["Spent"], `${usd} (input and output)`);
      shots.push(await screenshot(page, "request"));
      assertNoConsoleErrors(watched, "a request");
    },
  );

  await t.step(
    "Keys: a key created (secret shown once), its limits changed, revoked; its HTML name is text",
    async () => {
      await openView(watched, origin, "#/keys");
      await page.type("#create-key input[name=name]", HOSTILE_NAME);
      await page.type("#create-key input[name=budget_usd]", "5");
      await Promise.all([
        page.waitForResponse((r) =>
          r.url().endsWith("/admin/keys") && r.request().method() === "POST"
        ),
        page.click("#create-key button[type=submit]"),
      ]);
      await page.waitForSelector('main[data-view="keys"]:not([aria-busy]) #new-secret');
      const secret = await textOf(page, "#new-secret");
      assert.ok(secret.startsWith(SECRET_PREFIX), secret);
      const listed = await adminGet(origin, "/admin/keys") as {
        data: { id: string; name: string }[];
      };
      const key = listed.data.find((k) => k.name === HOSTILE_NAME)!;
      assert.ok(key, "the admin API lists the new key");
      const row = `#keys tr[data-key="${key.id}"]`;
      assert.equal(await textOf(page, `${row} .key-name`), HOSTILE_NAME);
      assert.equal(await page.$$eval("#keys img, #key-messages img", (imgs) => imgs.length), 0);
      shots.push(await screenshot(page, "keys"));

      await page.click(`${row} button.quiet`);
      await page.type(`${row} + tr.editor input[name=rpm]`, "60");
      await Promise.all([
        page.waitForResponse((r) =>
          r.url().endsWith(`/admin/keys/${key.id}`) && r.request().method() === "PATCH"
        ),
        page.click(`${row} + tr.editor button[type=submit]`),
      ]);
      await page.waitForFunction(
        (cell) => document.querySelector(cell)?.textContent === "60 req/min",
        {},
        `${row} td:nth-child(4)`,
      );
      assert.equal(await page.$("#new-secret"), null, "the secret is not shown again");

      await page.click(`${row} button.danger`);
      await Promise.all([
        page.waitForResponse((r) =>
          r.url().endsWith(`/admin/keys/${key.id}`) && r.request().method() === "DELETE"
        ),
        page.click(`${row} button.danger`),
      ]);
      await page.waitForSelector(`main[data-view="keys"]:not([aria-busy]) ${row}.revoked`);
      const after = await adminGet(origin, "/admin/keys") as {
        data: { id: string; rpm: number | null; revoked_at: string | null }[];
      };
      const revoked = after.data.find((k) => k.id === key.id)!;
      assert.equal(revoked.rpm, 60);
      assert.notEqual(revoked.revoked_at, null);
      assertNoConsoleErrors(watched, "Keys");
    },
  );

  await t.step(
    "Health shows the store, the pool, and the upstream error among recent errors",
    async () => {
      await openView(watched, origin, "#/health");
      assert.equal(await textOf(page, "#status"), "ok");
      assert.equal(
        await page.$eval('#pool [data-stat="workers"] .stat-value', (e) => e.textContent),
        "1",
      );
      const errors = await page.$$eval(
        "#recent-errors tbody td:nth-child(4)",
        (td) => td.map((e) => e.textContent),
      );
      assert.deepEqual(errors, ["500"]);
      shots.push(await screenshot(page, "health"));
      assertNoConsoleErrors(watched, "Health");
    },
  );

  await t.step(
    "a state change with the cookie but without the dashboard's header is refused",
    async () => {
      const status = await page.evaluate(() =>
        fetch("/admin/keys", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "forged" }),
        }).then((r) => r.status)
      );
      assert.equal(status, 401);
      watched.errors.splice(0); // the refused fetch is logged as a failed resource load
    },
  );

  await t.step(
    "the Content-Security-Policy blocks an injected inline script and it is reported",
    async () => {
      await openView(watched, origin, "#/overview");
      const reported = page.waitForRequest((r) => r.url().endsWith("/dashboard/api/csp-report"));
      reported.catch(() => {}); // awaited below, once the page has said what happened
      // An inline script runs as it is inserted: had it run, its event would settle this first.
      const outcome = await page.evaluate(() =>
        new Promise((resolve) => {
          document.addEventListener(
            "securitypolicyviolation",
            (e: { effectiveDirective: string; blockedURI: string }) =>
              resolve({ directive: e.effectiveDirective, blocked: e.blockedURI }),
            { once: true },
          );
          document.addEventListener("injected-ran", () => resolve({ ran: true }), { once: true });
          const script = document.createElement("script");
          script.textContent =
            "window.injected = true; document.dispatchEvent(new Event('injected-ran'))";
          document.body.append(script);
        })
      );
      assert.deepEqual(outcome, { directive: "script-src-elem", blocked: "inline" });
      assert.equal(
        await page.evaluate(() => (window as { injected?: boolean }).injected),
        undefined,
      );
      const report = await reported;
      assert.equal(report.method(), "POST");
      assert.match(report.postData() ?? "", /script-src-elem/);
      assert.ok(watched.errors.splice(0).every((e) => /Content Security Policy/.test(e)));
    },
  );

  await t.step("signing out ends the session", async () => {
    await Promise.all([page.waitForNavigation(), page.click("#sign-out")]);
    assert.equal(new URL(page.url()).pathname, "/dashboard/login");
    await page.goto(`${origin}/dashboard`);
    assert.equal(new URL(page.url()).pathname, "/dashboard/login");
    assertNoConsoleErrors(watched, "sign-out");
  });

  console.log(`screenshots in ${SCREENSHOTS}: ${shots.map((s) => s.split("/").pop()).join(", ")}`);
});
