/**
 * `squint usage` on the request log of a data folder: an empty log, a seeded one (totals and
 * groups as the store sums them, `--since` counting back), `--json` as `GET /v1/usage` answers,
 * and a folder with no log.
 */
import assert from "node:assert/strict";
import { EmbeddedStorage } from "../../src/storage/embedded.ts";
import { logRow } from "../support/log_row.ts";
import type { RequestLogRow } from "../../src/storage/types.ts";
import { squint, tableRow } from "./_cli.ts";

const HOUR = 3_600_000;

const row = (over: Partial<RequestLogRow>) => logRow({ ts: Date.now() - HOUR, ...over });

/** A data folder whose log holds three requests: two an hour ago, one ten days ago. */
async function seededFolder(): Promise<string> {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-cli-usage-" });
  const store = new EmbeddedStorage({ dataDir, retentionDays: 30 });
  store.log(row({}));
  store.log(row({ modelCalled: "claude-sonnet-4-6", tokensBefore: 2000, tokensAfter: 500 }));
  store.log(row({ ts: Date.now() - 240 * HOUR }));
  await store.flush();
  await store.close();
  return dataDir;
}

Deno.test("usage of an empty data folder: zero totals, exit 0", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-cli-usage-" });
  try {
    const run = await squint(["usage"], { SQUINT_DATA_DIR: dataDir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout.split("\n")[0],
      `usage from the start of the log to now (${dataDir})`,
    );
    assert.deepEqual(tableRow(run.stdout, "total"), [
      "total",
      ...["0", "0", "0", "0", "0", "$0.000000", "$0.000000", "$0.000000", "$0.000000"],
    ]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("usage sums the log: totals, --since 7d leaves out older requests, --group-by model gives a row each", async () => {
  const dataDir = await seededFolder();
  try {
    const all = await squint(["usage"], { SQUINT_DATA_DIR: dataDir });
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(tableRow(all.stdout, "total"), [
      "total",
      // Spent (input and output) first; rows logged without it count their input's cost.
      ...[
        "3",
        "0",
        "4,000",
        "1,300",
        "2,700",
        "$0.003000",
        "$0.007500",
        "$0.003000",
        "$0.004500",
        "60%",
      ],
    ]);
    const week = await squint(["usage", "--since", "7d", "--group-by", "model"], {
      SQUINT_DATA_DIR: dataDir,
    });
    assert.equal(week.code, 0, week.stderr);
    assert.deepEqual(tableRow(week.stdout, "total").slice(0, 6), [
      "total",
      ...["2", "0", "3,000", "900", "2,100"],
    ]);
    assert.deepEqual(tableRow(week.stdout, "gpt-4o").slice(0, 4), ["gpt-4o", "1", "0", "1,000"]);
    assert.deepEqual(
      tableRow(week.stdout, "claude-sonnet-4-6").slice(0, 4),
      ["claude-sonnet-4-6", "1", "0", "2,000"],
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("usage --json prints what GET /v1/usage answers", async () => {
  const dataDir = await seededFolder();
  try {
    const run = await squint(["usage", "--json", "--since", "2026-01-01", "--group-by", "key"], {
      SQUINT_DATA_DIR: dataDir,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(report), ["from", "to", "totals", "group_by", "groups"]);
    assert.equal(report.from, "2026-01-01T00:00:00.000Z");
    assert.equal(report.to, null);
    assert.equal(report.totals.requests, 3);
    assert.equal(report.totals.tokens_saved, 2700);
    assert.deepEqual(report.groups.map((g: { key: string }) => g.key), ["k1"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("usage of a folder with no log says so and exits 1; a bad --since or --group-by exits 2", async () => {
  const missing = await squint(["usage"], { SQUINT_DATA_DIR: "/nonexistent/squint-data" });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^squint usage: no request log in \/nonexistent\/squint-data: /);
  const since = await squint(["usage", "--since", "yesterday"], { SQUINT_DATA_DIR: ":memory:" });
  assert.equal(since.code, 2);
  assert.match(since.stderr, /--since: expected an ISO 8601 date \(2026-12-01\), or 7d or 24h/);
  const group = await squint(["usage", "--group-by", "colour"], { SQUINT_DATA_DIR: ":memory:" });
  assert.equal(group.code, 2);
  assert.match(group.stderr, /--group-by: expected model, optimization, channel, key; got colour/);
});
