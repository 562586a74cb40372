/** Anthropic breakpoints squint places (SQUINT_PROMPT_CACHE=auto), and those it leaves alone. */
// deno-lint-ignore-file no-explicit-any -- request bodies edited in place, read field by field
import assert from "node:assert/strict";
import {
  hasCacheMarkers,
  minimumCacheable,
  placeBreakpoints,
  sortTools,
} from "../../src/providers/prompt_cache.ts";

const LONG = "x".repeat(8_000); // ~2,000 tokens
const marker = { type: "ephemeral" };

function conversation(): Record<string, any> {
  return {
    model: "claude-sonnet-4-6",
    max_tokens: 100,
    system: `You are helpful. ${LONG}`,
    tools: [{ name: "t", input_schema: { type: "object" } }],
    messages: [
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: [{ type: "text", text: "second question" }] },
      { role: "assistant", content: "second answer" },
      { role: "user", content: "third question" },
    ],
  };
}

Deno.test("after tools and system, and on the last two user turns", () => {
  const body = conversation();
  assert.equal(placeBreakpoints(body), 3);
  assert.deepEqual(body.system, [{
    type: "text",
    text: `You are helpful. ${LONG}`,
    cache_control: marker,
  }]);
  assert.equal(body.tools[0].cache_control, undefined, "the system block covers the tools");
  assert.equal(body.messages[0].content, "first question", "older turns untouched");
  assert.deepEqual(body.messages[2].content, [{
    type: "text",
    text: "second question",
    cache_control: marker,
  }]);
  assert.deepEqual(body.messages[4].content, [{
    type: "text",
    text: "third question",
    cache_control: marker,
  }]);
});

Deno.test("a client's own marker anywhere means nothing is added", () => {
  const body = conversation();
  body.messages[0].content = [{
    type: "text",
    text: "q",
    cache_control: { type: "ephemeral", ttl: "1h" },
  }];
  const before = JSON.stringify(body);
  assert.equal(hasCacheMarkers(body), true);
  assert.equal(placeBreakpoints(body), 0);
  assert.equal(JSON.stringify(body), before);
});

Deno.test("no breakpoint where the prefix is shorter than the model's minimum", () => {
  const body = conversation();
  body.system = "short";
  body.model = "claude-haiku-4-5";
  assert.equal(minimumCacheable("claude-haiku-4-5"), 4096);
  assert.equal(minimumCacheable("claude-sonnet-4-6"), 1024);
  assert.equal(placeBreakpoints(body), 0);
});

Deno.test("tools alone get the first breakpoint when there is no system", () => {
  const body = conversation();
  delete body.system;
  body.tools = [{ name: "t", description: LONG, input_schema: { type: "object" } }];
  assert.equal(placeBreakpoints(body), 3);
  assert.deepEqual(body.tools[0].cache_control, marker);
});

Deno.test("canonical tool ordering sorts by name, OpenAI's and Anthropic's shapes alike", () => {
  const openai = {
    tools: [
      { type: "function", function: { name: "zeta" } },
      { type: "function", function: { name: "alpha" } },
    ],
  };
  assert.equal(sortTools(openai), true);
  assert.deepEqual(openai.tools.map((t) => t.function.name), ["alpha", "zeta"]);
  assert.equal(sortTools(openai), false, "already sorted: nothing changes");
  const anthropic = { tools: [{ name: "b" }, { name: "a" }] };
  assert.equal(sortTools(anthropic), true);
  assert.deepEqual(anthropic.tools.map((t) => t.name), ["a", "b"]);
});
