/**
 * Each native dialect's usage in OpenAI's terms, as billed: every input count the provider bills
 * (Gemini's tool-use prompt, Anthropic's cache reads and writes) and every output count (Gemini's
 * thoughts), so the native doors and passthrough count what the chat door's translators count.
 */
import assert from "node:assert/strict";
import {
  ANTHROPIC_DIALECT,
  GEMINI_DIALECT,
  RESPONSES_DIALECT,
} from "../../src/relay/native_response.ts";

Deno.test("Gemini: the tool-use prompt is input, thoughts are output, cached content is a cache read, audio apart", () => {
  assert.deepEqual(
    GEMINI_DIALECT.openAIUsage({
      promptTokenCount: 1310,
      candidatesTokenCount: 9,
      totalTokenCount: 1431,
      cachedContentTokenCount: 1024,
      toolUsePromptTokenCount: 12,
      thoughtsTokenCount: 100,
      promptTokensDetails: [
        { modality: "TEXT", tokenCount: 1010 },
        { modality: "AUDIO", tokenCount: 300 },
      ],
    }),
    {
      prompt_tokens: 1322,
      completion_tokens: 109,
      prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 300 },
    },
  );
});

Deno.test("Anthropic and Responses: cache reads and writes inside the input, one-hour writes apart", () => {
  assert.deepEqual(
    ANTHROPIC_DIALECT.openAIUsage({
      input_tokens: 10,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 50,
      cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 },
      output_tokens: 7,
    }),
    {
      prompt_tokens: 160,
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: 100 },
      cache_creation_input_tokens: 50,
      cache_creation_1h_input_tokens: 30,
      web_search_requests: 0,
    },
  );
  assert.deepEqual(
    RESPONSES_DIALECT.openAIUsage({
      input_tokens: 30,
      output_tokens: 4,
      input_tokens_details: { cached_tokens: 20 },
    }),
    {
      prompt_tokens: 30,
      completion_tokens: 4,
      prompt_tokens_details: { cached_tokens: 20 },
      web_search_requests: 0,
      file_search_requests: 0,
    },
  );
  // Hosted searches are billed per call: counted from the answer's output items.
  const answer = {
    object: "response",
    output: [
      { type: "web_search_call", status: "completed", action: { type: "search" } },
      { type: "web_search_call", status: "completed", action: { type: "open_page" } },
      { type: "file_search_call", status: "completed", queries: ["bookworm"] },
      { type: "message", role: "assistant", content: [] },
    ],
    usage: { input_tokens: 30, output_tokens: 4 },
  };
  const usage = RESPONSES_DIALECT.openAIUsage(RESPONSES_DIALECT.answerUsage(answer)!);
  assert.equal(usage.web_search_requests, 2);
  assert.equal(usage.file_search_requests, 1);
  const event = { type: "response.completed", response: answer };
  assert.deepEqual(RESPONSES_DIALECT.eventUsage(event), RESPONSES_DIALECT.answerUsage(answer));
});

Deno.test("Anthropic and Responses: the tier the answer says it was served at rides on the usage", () => {
  const anthropic = ANTHROPIC_DIALECT.openAIUsage({
    input_tokens: 10,
    output_tokens: 2,
    service_tier: "priority",
  });
  assert.equal(anthropic.service_tier, "priority");
  const response = {
    object: "response",
    output: [],
    usage: { input_tokens: 10, output_tokens: 2 },
    service_tier: "flex",
  };
  const usage = RESPONSES_DIALECT.answerUsage(response)!;
  assert.equal(RESPONSES_DIALECT.openAIUsage(usage).service_tier, "flex");
  // No tier said, none read (not even an undefined field).
  assert.equal("service_tier" in ANTHROPIC_DIALECT.openAIUsage({ input_tokens: 1 }), false);
  assert.equal(
    "service_tier" in RESPONSES_DIALECT.openAIUsage({ input_tokens: 1, service_tier: 3 }),
    false,
  );
});
