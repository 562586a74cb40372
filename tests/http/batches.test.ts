/**
 * Batches are spent long after they are made: squint counts a batch's usage where it is read back
 * through it (OpenAI's finished Batch object, Anthropic's results file), once per batch, at the
 * batch prices (half the listed rates), and the client gets the upstream's answer unchanged.
 */
import assert from "node:assert/strict";
import type { RequestLogRow } from "../../src/storage/types.ts";
import { startStack } from "./_stack.ts";

/** An upstream that answers both providers' batch read-backs and one plain completion. */
function startBatchUpstream(results: string) {
  const batch = (status: string, usage: unknown) => ({
    id: "batch_abc",
    object: "batch",
    endpoint: "/v1/chat/completions",
    model: "gpt-4o-2024-08-06",
    status,
    request_counts: { total: 2, completed: status === "completed" ? 2 : 0, failed: 0 },
    usage,
  });
  const usage = {
    input_tokens: 2000,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 1000,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 3000,
  };
  let polls = 0;
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v1/completions") {
      return Response.json({
        id: "cmpl-1",
        object: "text_completion",
        model: "gpt-4o-2024-08-06",
        usage: { prompt_tokens: 2000, completion_tokens: 1000, total_tokens: 3000 },
      });
    }
    // In progress on the first poll (no usage yet), then completed with its usage.
    if (path === "/v1/batches/batch_abc") {
      return Response.json(polls++ === 0 ? batch("in_progress", null) : batch("completed", usage));
    }
    if (path === "/v1/messages/batches/msgbatch_1/results") {
      return new Response(results, { headers: { "content-type": "application/binary" } });
    }
    return new Response("{}", { status: 404 });
  });
}

const succeeded = (id: string, model: string, usage: Record<string, number>) =>
  JSON.stringify({
    custom_id: id,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${id}`,
        type: "message",
        role: "assistant",
        model,
        // A tool's input that happens to name a model and a usage is the answer's, not its figures.
        content: [{ type: "tool_use", id: "t", name: "f", input: { model: "x", usage: {} } }],
        stop_reason: "end_turn",
        usage,
      },
    },
  });

const RESULTS = [
  succeeded("a", "claude-sonnet-4-6", { input_tokens: 1000, output_tokens: 200 }),
  JSON.stringify({ custom_id: "b", result: { type: "errored", error: { type: "error" } } }),
  succeeded("c", "claude-sonnet-4-6", {
    input_tokens: 500,
    cache_read_input_tokens: 4000,
    output_tokens: 100,
  }),
  JSON.stringify({ custom_id: "d", result: { type: "expired" } }),
  succeeded("e", "claude-haiku-4-5-20251001", { input_tokens: 3000, output_tokens: 600 }),
].join("\n") + "\n";

Deno.test("an OpenAI batch is counted once, when first read back finished, at half the listed rates", async () => {
  const upstream = startBatchUpstream(RESULTS);
  await using stack = startStack({
    env: { SQUINT_OPENAI_BASE_URL: `http://127.0.0.1:${upstream.addr.port}/v1` },
  });
  const storage = stack.squint.app.parts.storage;
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${stack.squint.baseUrl}${path}`, {
      method,
      headers: { authorization: "Bearer sk-client", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal(answer.status, 200, path);
    const text = await answer.text();
    let row: RequestLogRow | undefined;
    while (!(row = await storage.request(answer.headers.get("x-request-id")!)));
    return { row, text };
  };
  const plain = await call("POST", "/completions", { model: "gpt-4o", prompt: "Hello" });
  const inProgress = await call("GET", "/batches/batch_abc");
  const finished = await call("GET", "/batches/batch_abc");
  const again = await call("GET", "/batches/batch_abc");

  assert.equal(JSON.parse(finished.text).usage.total_tokens, 3000, "the answer as it came");
  assert.equal(inProgress.row.spentUsd, 0, "nothing is known before the batch finishes");
  assert.equal(finished.row.modelCalled, "gpt-4o-2024-08-06");
  assert.equal(finished.row.upstreamInputTokens, 2000);
  assert.equal(finished.row.upstreamOutputTokens, 1000);
  assert.ok(plain.row.spentUsd! > 0);
  assert.equal(finished.row.spentUsd, plain.row.spentUsd! / 2, "the same tokens at batch prices");
  assert.equal(again.row.spentUsd, 0, "a batch is counted once");
  await storage.flush();
  assert.equal(
    (await storage.usage({})).totals.spent_usd,
    plain.row.spentUsd! + finished.row.spentUsd!,
  );
  await upstream.shutdown();
});

Deno.test("an Anthropic batch's results are counted once, per model, from succeeded results only, at half the listed rates", async () => {
  const upstream = startBatchUpstream(RESULTS);
  await using stack = startStack({
    env: { SQUINT_ANTHROPIC_BASE_URL: `http://127.0.0.1:${upstream.addr.port}` },
  });
  const { storage, registry } = stack.squint.app.parts;
  const download = async () => {
    const answer = await fetch(`${stack.squint.baseUrl}/messages/batches/msgbatch_1/results`, {
      headers: { "x-api-key": "sk-ant-client", "anthropic-version": "2023-06-01" },
    });
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), RESULTS, "the file reaches the client as it came");
    return answer.headers.get("x-request-id")!;
  };
  const first = await download();
  const second = await download();
  let sonnet, haiku, repeat;
  while (
    !(sonnet = await storage.request(first)) || !(haiku = await storage.request(`${first}.2`))
  );
  while (!(repeat = await storage.request(second)));

  const half = (model: string) => registry.resolve(model)!.prices!;
  const usd = (tokens: number, perMTok: number) => tokens * perMTok / 1e6 / 2;
  const s = half("claude-sonnet-4-6");
  assert.equal(sonnet.modelCalled, "claude-sonnet-4-6");
  assert.equal(sonnet.upstreamInputTokens, 5500, "input, cache reads included");
  assert.equal(sonnet.upstreamOutputTokens, 300);
  assert.ok(
    Math.abs(
      sonnet.spentUsd! -
        (usd(1500, s.inputPerMTok) + usd(4000, s.cachedInputPerMTok!) + usd(300, s.outputPerMTok)),
    ) < 1e-9,
    `${sonnet.spentUsd}`,
  );
  const h = half("claude-haiku-4-5");
  assert.equal(haiku.modelCalled, "claude-haiku-4-5-20251001");
  assert.ok(
    Math.abs(haiku.spentUsd! - (usd(3000, h.inputPerMTok) + usd(600, h.outputPerMTok))) < 1e-9,
    `${haiku.spentUsd}`,
  );
  assert.equal(repeat.spentUsd, 0, "the second download counts nothing");
  assert.equal(await storage.request(`${second}.2`), undefined);
  await upstream.shutdown();
});

Deno.test("a file that is not a batch's results is relayed and counts nothing", async () => {
  const upstream = startBatchUpstream("<html>not found</html>\n");
  await using stack = startStack({
    env: { SQUINT_ANTHROPIC_BASE_URL: `http://127.0.0.1:${upstream.addr.port}` },
  });
  const storage = stack.squint.app.parts.storage;
  const answer = await fetch(`${stack.squint.baseUrl}/messages/batches/msgbatch_1/results`, {
    headers: { "x-api-key": "sk-ant-client", "anthropic-version": "2023-06-01" },
  });
  assert.equal(await answer.text(), "<html>not found</html>\n");
  let row;
  while (!(row = await storage.request(answer.headers.get("x-request-id")!)));
  assert.equal(row.spentUsd, null);
  assert.equal(row.modelCalled, "");
  await upstream.shutdown();
});
