/** The Requests export's CSV: its columns, quoting, and no formulas from client-chosen text. */
import assert from "node:assert/strict";
import { CSV_COLUMNS, csvHeader, csvLine } from "../../src/dashboard/csv.ts";
import type { RequestView } from "../../src/dashboard/request_view.ts";

const ROW: RequestView = {
  id: "sq-1",
  ts: Date.UTC(2026, 11, 5, 14, 3, 7),
  door: "chat_completions",
  keyId: null,
  modelRequested: '=HYPERLINK("http://x","y")',
  modelCalled: "gpt-4o",
  provider: "openai",
  status: 502,
  stream: true,
  tokensBefore: 1200,
  tokensAfter: 300,
  upstreamInputTokens: null,
  upstreamOutputTokens: null,
  costBeforeUsd: 0.0036,
  costAfterUsd: -0.5,
  costSavedUsd: 0.0027,
  spentUsd: 0.0041,
  optimizations: ["resize", "detail_low"],
  cache: "miss",
  estimated: true,
  latencyMs: 12.5,
  outcome: "upstream_error",
  error: 'bad "gateway",\nretry',
  upstreamRequestId: null,
  images: [],
};

Deno.test("the CSV header names every column once, in order", () => {
  const names = CSV_COLUMNS.map(([name]) => name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(csvHeader(), names.join(",") + "\r\n");
});

Deno.test("a CSV line quotes what needs it, keeps numbers (negative too), and defuses formulas", () => {
  const line = csvLine(ROW);
  assert.ok(line.endsWith("\r\n"));
  assert.equal(
    line,
    [
      "sq-1",
      "2026-12-05T14:03:07.000Z",
      "chat_completions",
      "",
      `"'=HYPERLINK(""http://x"",""y"")"`,
      "gpt-4o",
      "openai",
      "502",
      "upstream_error",
      "true",
      "miss",
      "resize detail_low",
      "0",
      "1200",
      "300",
      "",
      "",
      "0.0036",
      "-0.5",
      "0.0027",
      "0.0041",
      "12.5",
      "",
      `"bad ""gateway"",\nretry"`,
    ].join(",") + "\r\n",
  );
});

Deno.test("a row logged before spent_usd was kept exports its input's cost as what it spent", () => {
  const { spentUsd: _spent, ...older } = ROW;
  const at = CSV_COLUMNS.findIndex(([name]) => name === "spent_usd");
  assert.equal(csvLine(older).split(",")[at + 1], "-0.5"); // +1: the model cell holds a comma
});
