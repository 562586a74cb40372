/**
 * The line per request on stdout: its fields in both formats, the level filter, and — from a
 * real squint process serving real requests — that it never carries a key or content, and that
 * nothing else (tesseract's notes) is printed while a page is read.
 */
import assert from "node:assert/strict";
import { formatLogLine, LogLines } from "../../src/observe/log_line.ts";
import type { RequestLogRow } from "../../src/storage/types.ts";
import { corpusDataUrl, imageMessage } from "../http/_images.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";

const ROW: RequestLogRow = {
  id: "sq-0123",
  ts: Date.UTC(2026, 11, 5, 20, 30, 0, 123),
  door: "chat_completions",
  keyId: "ab12cd34ef56ab78",
  modelRequested: "gpt-4o",
  modelCalled: "gpt-4o-mini",
  provider: "openai",
  status: 200,
  stream: true,
  tokensBefore: 1105,
  tokensAfter: 85,
  upstreamInputTokens: 90,
  upstreamOutputTokens: 3,
  costBeforeUsd: 0.0028,
  costAfterUsd: 0.0000135,
  costSavedUsd: 0.0027865,
  optimizations: ["detail_low", "cascade"],
  cache: "miss",
  estimated: false,
  latencyMs: 123.456,
  outcome: "complete",
  error: null,
  upstreamRequestId: "req_1",
  content: "the secret word is ZEBRA",
  upstreamMs: 120.04,
};

Deno.test("the text line: time, level, id, door, models, provider, status, ms, upstream, tokens, saved, cache", () => {
  assert.equal(
    formatLogLine(ROW, "text"),
    "2026-12-05T20:30:00.123Z INFO  sq-0123 chat_completions gpt-4o->gpt-4o-mini openai 200 123.5ms upstream=120ms tokens=1105->85 saved=$0.002787 cache=miss",
  );
  assert.equal(
    formatLogLine({
      ...ROW,
      status: 502,
      outcome: "upstream_error",
      upstreamMs: null,
      costSavedUsd: null,
      modelCalled: "gpt-4o",
    }, "text"),
    "2026-12-05T20:30:00.123Z ERROR sq-0123 chat_completions gpt-4o openai 502 123.5ms upstream=- tokens=1105->85 saved=unknown cache=miss error=upstream_error",
  );
  assert.match(
    formatLogLine({ ...ROW, passthroughReason: "unknown_model" }, "text"),
    / passthrough=unknown_model$/,
  );
  assert.match(
    formatLogLine({ ...ROW, status: 429, errorCode: "budget_exceeded" }, "text"),
    /^\S+ WARN {2}.* error=budget_exceeded$/,
  );
});

Deno.test("the json line: one object, no nulls, never the key id or content", () => {
  const line = formatLogLine(ROW, "json");
  assert.deepEqual(JSON.parse(line), {
    time: "2026-12-05T20:30:00.123Z",
    level: "info",
    id: "sq-0123",
    door: "chat_completions",
    model: "gpt-4o",
    model_called: "gpt-4o-mini",
    provider: "openai",
    status: 200,
    ms: 123.5,
    upstream_ms: 120,
    tokens_before: 1105,
    tokens_after: 85,
    saved_usd: 0.002787,
    cache: "miss",
  });
  assert.ok(!line.includes(ROW.keyId!) && !line.includes("ZEBRA"));
});

Deno.test("SQUINT_LOG_LEVEL: warn prints refusals and failures, error only failures, off nothing", async () => {
  const rows = [ROW, { ...ROW, status: 429 }, { ...ROW, status: 502 }];
  for (
    const [level, printed] of [["debug", 3], ["info", 3], ["warn", 2], ["error", 1], [
      "off",
      0,
    ]] as const
  ) {
    const chunks: Uint8Array[] = [];
    const out = { write: (p: Uint8Array) => (chunks.push(p.slice()), Promise.resolve(p.length)) };
    const lines = new LogLines({ log_format: "text", log_level: level }, out);
    for (const row of rows) lines.write(row);
    await lines.flush();
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    assert.equal(text.split("\n").filter(Boolean).length, printed, level);
  }
});

/** squint as a process on `env`; its stdout and stderr lines as they come. */
async function squintProcess(env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../src/main.ts", import.meta.url).pathname],
    env: { SQUINT_PORT: "0", SQUINT_DATA_DIR: ":memory:", SQUINT_WORKERS: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    let rest = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      into.push(...parts);
      waiters.forEach((w) => w());
    }
  };
  const waiters = new Set<() => void>();
  /** Resolves once stdout holds a line matching `pattern`. */
  const line = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const look = () => {
        const found = stdout.find((l) => pattern.test(l));
        if (found) {
          waiters.delete(look);
          resolve(found);
        }
      };
      waiters.add(look);
      look();
    });
  const stderr: string[] = [];
  const reading = Promise.all([collect(child.stdout, stdout), collect(child.stderr, stderr)]);
  const listening = await line(/^squint listening on (http:\S+)/);
  const origin = /(http:\/\/\S+?:\d+)/.exec(listening)![1];
  return {
    origin,
    stdout,
    stderr,
    line,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await reading;
    },
  };
}

Deno.test("a squint process prints one json line per request, with no key and no content, and nothing of tesseract's", async () => {
  await using mock = startMockOpenAI();
  const key = "sq-log-line-secret-key-0042";
  await using squint = await squintProcess({
    SQUINT_OPENAI_BASE_URL: mock.baseUrl,
    SQUINT_OPENAI_API_KEY: "sk-server-secret-0042",
    SQUINT_API_KEYS: key,
    SQUINT_LOG_FORMAT: "json",
    SQUINT_LOG_CONTENT: "full",
    // The page is read whatever this machine's speed: its OCR is what must print nothing.
    SQUINT_OCR_BUDGET_MS: "600000",
  });
  const post = (body: unknown) =>
    fetch(`${squint.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const plain = await post({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "the secret word is ZEBRA" }],
  });
  const plainId = plain.headers.get("x-request-id")!;
  await plain.body?.cancel();
  const page = await post({
    model: "gpt-4o",
    messages: [
      imageMessage("Summarize this.", [corpusDataUrl("doc_crop_book_paragraph_556x257.png")]),
    ],
  });
  const pageId = page.headers.get("x-request-id")!;
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const refused = await fetch(`${squint.origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer not-a-key", "content-type": "application/json" },
    body: "{}",
  });
  const refusedId = refused.headers.get("x-request-id")!;
  await refused.body?.cancel();

  const lines = await Promise.all(
    [plainId, pageId, refusedId].map((id) => squint.line(new RegExp(id))),
  );
  const [first, second, third] = lines.map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(first), [
    "time",
    "level",
    "id",
    "door",
    "model",
    "model_called",
    "provider",
    "status",
    "ms",
    "upstream_ms",
    "tokens_before",
    "tokens_after",
    "saved_usd",
    "cache",
  ]);
  assert.equal(first.door, "chat_completions");
  assert.equal(first.model, "gpt-4o-mini");
  assert.equal(first.status, 200);
  assert.ok(first.upstream_ms > 0 && first.upstream_ms <= first.ms);
  assert.ok(second.tokens_after < second.tokens_before);
  assert.equal(third.level, "warn");
  assert.equal(third.status, 401);
  assert.equal(third.error, "missing_squint_key");
  const all = squint.stdout.join("\n") + squint.stderr.join("\n");
  for (const secret of [key, "sk-server-secret-0042", "ZEBRA", "small implementation projects"]) {
    assert.ok(!all.includes(secret), `printed: ${secret}`);
  }
  // Every stdout line is squint's: its own notes (listening, the dashboard's sign-in) or a request's.
  assert.deepEqual(
    squint.stdout.filter((l) => !l.startsWith("squint ") && !l.startsWith("{")),
    [],
  );
  assert.deepEqual(squint.stderr.filter((l) => /Estimating resolution|progress/i.test(l)), []);
});
