/** Which upstream serves a model name: prefixes, lists, families, Ollama tags, no guessing. */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.ts";
import { routeModel } from "../../src/providers/route.ts";

const withOllama = loadConfig({ SQUINT_OLLAMA_BASE_URL: "http://127.0.0.1:11434" });
const withoutOllama = loadConfig({});

function where(name: string, config = withOllama) {
  const r = routeModel(name, config);
  return `${r.custom ?? r.provider} ${r.model} ${r.registryName}`;
}

Deno.test("hosted families by their documented prefixes, dated snapshots included", () => {
  assert.equal(where("claude-sonnet-4-6"), "anthropic claude-sonnet-4-6 claude-sonnet-4-6");
  assert.equal(
    where("claude-3-5-haiku-20241022"),
    "anthropic claude-3-5-haiku-20241022 claude-3-5-haiku-20241022",
  );
  assert.equal(where("gemini-2.5-flash"), "google gemini-2.5-flash gemini-2.5-flash");
  assert.equal(where("gpt-4o-mini"), "openai gpt-4o-mini gpt-4o-mini");
});

Deno.test("explicit prefixes win and are stripped before the upstream sees the name", () => {
  assert.equal(where("ollama/llava:7b"), "ollama llava:7b ollama/llava:7b");
  assert.equal(where("openai/gpt-4o"), "openai gpt-4o gpt-4o");
  assert.equal(where("anthropic/claude-opus-4-1"), "anthropic claude-opus-4-1 claude-opus-4-1");
  assert.equal(where("google/gemini-2.5-pro"), "google gemini-2.5-pro gemini-2.5-pro");
  assert.equal(where("gemini/gemini-2.5-pro"), "google gemini-2.5-pro gemini-2.5-pro");
  // An unknown prefix is part of the name: the default provider gets it whole.
  assert.equal(
    where("meta-llama/Llama-3.3-70B", withoutOllama),
    "openai meta-llama/Llama-3.3-70B meta-llama/Llama-3.3-70B",
  );
});

Deno.test("bare Ollama tags and local families go to Ollama only when it is configured", () => {
  for (
    const name of [
      "llava:7b",
      "qwen2.5vl:7b",
      "mistral-small3.1",
      "mistral-small3.1:24b",
      "anything:latest",
      "llama3.2-vision",
    ]
  ) {
    assert.equal(routeModel(name, withOllama).provider, "ollama", name);
    assert.equal(routeModel(name, withoutOllama).provider, "openai", name);
  }
  // No substring guessing: names that merely contain a local family's name stay where they are.
  assert.equal(routeModel("gpt-4o-llava-edition", withOllama).provider, "openai");
  assert.equal(routeModel("ft:gpt-4o-mini:org::abc123", withOllama).provider, "openai");
});

Deno.test("configured lists and custom OpenAI-compatible providers", () => {
  const path = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      providers: {
        deepseek: {
          base_url: "https://api.deepseek.com/v1",
          api_key: "sk-ds",
          models: ["deepseek-chat"],
        },
      },
      anthropic_models: ["my-claude-alias"],
    }),
  );
  const config = loadConfig({ SQUINT_CONFIG: path });
  assert.equal(
    where("deepseek/deepseek-reasoner", config),
    "deepseek deepseek-reasoner deepseek-reasoner",
  );
  const listed = routeModel("deepseek-chat", config);
  assert.deepEqual([listed.custom, listed.baseUrl, listed.serverKey], [
    "deepseek",
    "https://api.deepseek.com/v1",
    "sk-ds",
  ]);
  assert.equal(routeModel("my-claude-alias", config).provider, "anthropic");
  Deno.removeSync(path);
});
