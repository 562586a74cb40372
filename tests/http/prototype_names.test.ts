/**
 * Names a client chooses (a model, a custom provider's prefix, an image's media type, an HTTP
 * method) that are also the names of `Object.prototype`'s members (`constructor`, `toString`,
 * `__proto__`, …) are names like any other: squint looks them up as its own settings and tables
 * hold them, never as what every JavaScript object inherits. Through every door, none is a 500.
 */
import assert from "node:assert/strict";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockGemini } from "../support/mock_gemini.ts";
import { startMockOllama } from "../support/mock_ollama.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { corpusDataUrl, startSquint } from "../support/squint.ts";

const INHERITED = Object.getOwnPropertyNames(Object.prototype);

/** Each door's request for `model`, with a picture whose data URL says `mediaType`. */
function requests(model: string, mediaType: string): [string, unknown][] {
  const picture = corpusDataUrl("chart_octave_histogram_750x525.png").replace(
    /^data:[^;]+/,
    `data:${mediaType}`,
  );
  const data = picture.split(",")[1];
  const chat = {
    model,
    messages: [{
      role: "user",
      content: [{ type: "text", text: "What is this?" }, {
        type: "image_url",
        image_url: { url: picture },
      }],
    }],
  };
  const anthropic = {
    model,
    max_tokens: 16,
    messages: [{
      role: "user",
      content: [{ type: "text", text: "What is this?" }, {
        type: "image",
        source: { type: "base64", media_type: mediaType, data },
      }],
    }],
  };
  const gemini = {
    contents: [{
      role: "user",
      parts: [{ text: "What is this?" }, { inlineData: { mimeType: mediaType, data } }],
    }],
  };
  const segment = encodeURIComponent(model);
  return [
    ["/v1/chat/completions", chat],
    ["/v1/optimize", chat],
    ["/v1/messages", anthropic],
    ["/v1/messages/count_tokens", anthropic],
    ["/v1/responses", { model, input: "What is this?" }],
    [`/v1beta/models/${segment}:generateContent`, gemini],
    [`/v1beta/models/${segment}:countTokens`, gemini],
    ["/v1/embeddings", { model, input: "hello" }],
  ];
}

/** Every mock upstream, squint in front of them with settings keyed by model and provider. */
async function startAll() {
  const openai = startMockOpenAI({ record: false });
  const anthropic = startMockAnthropic({ record: false });
  const gemini = startMockGemini({ record: false });
  const ollama = startMockOllama({ record: false });
  const config = await Deno.makeTempFile({ suffix: ".json" });
  // Settings keyed by model and provider, so each lookup has a table to look in.
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      fallbacks: { "gpt-4o": ["gpt-4o-mini"] },
      providers: { deepseek: { base_url: openai.baseUrl, models: ["deepseek-chat"] } },
    }),
  );
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: openai.baseUrl,
    SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl,
    SQUINT_GEMINI_BASE_URL: gemini.origin,
    SQUINT_OLLAMA_BASE_URL: ollama.origin,
    SQUINT_CONFIG: config,
  });
  return {
    squint,
    post: (path: string, body: unknown, method = "POST") =>
      fetch(`${squint.origin}${path}`, {
        method,
        headers: { "content-type": "application/json", authorization: "Bearer sk-own" },
        body: JSON.stringify(body),
      }),
    async [Symbol.asyncDispose]() {
      await squint.close();
      await Promise.all([openai.close(), anthropic.close(), gemini.close(), ollama.close()]);
      await Deno.remove(config);
    },
  };
}

Deno.test("model names, provider prefixes and media types named like Object.prototype's members are never a 500", async () => {
  await using it = await startAll();
  const failures: string[] = [];
  for (const name of INHERITED) {
    for (const model of [name, `${name}/gpt-4o`]) {
      for (const [path, body] of requests(model, name)) {
        const response = await it.post(path, body);
        const text = await response.text();
        if (response.status === 500) failures.push(`${path} model ${model}: ${text.slice(0, 160)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
});

Deno.test("HTTP methods named like Object.prototype's members are 405 on squint's routes", async () => {
  const squint = startSquint();
  try {
    const answers: string[] = [];
    for (const method of INHERITED.filter((name) => name !== "__proto__")) {
      const paths = ["/v1/chat/completions", "/health", "/admin/keys", "/v1/requests/x"];
      for (const path of [...paths, "/dashboard/api/requests/x"]) {
        const response = await fetch(`${squint.origin}${path}`, { method });
        const body = await response.json();
        answers.push(`${method} ${path}: ${response.status} ${body.error?.code}`);
      }
    }
    assert.deepEqual(answers.filter((a) => !a.endsWith(": 405 method_not_allowed")), []);
  } finally {
    await squint.close();
  }
});

/** Chat bodies whose one field is a name each translator looks up in a table of its own. */
const NAMED_FIELDS: [string, (name: string, model: string) => unknown][] = [
  ["role", (name, model) => ({ model, messages: [{ role: name, content: "hi" }] })],
  ["part type", (name, model) => ({
    model,
    messages: [{ role: "user", content: [{ type: name, text: "hi" }] }],
  })],
  ["response_format", (name, model) => ({
    model,
    messages: [{ role: "user", content: "hi" }],
    response_format: { type: name },
  })],
  ["tool_choice", (name, model) => ({
    model,
    messages: [{ role: "user", content: "hi" }],
    tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    tool_choice: name,
  })],
];

Deno.test("a role, part type, response format, tool choice or dry-run door named like Object.prototype's members is answered as any unknown name is", async () => {
  await using it = await startAll();
  const answer = async (path: string, body: unknown) => {
    const response = await it.post(path, body);
    const { error } = await response.json();
    return `${response.status} ${error?.param}`;
  };
  const differences: string[] = [];
  const compare = async (what: string, path: string, body: (name: string) => unknown) => {
    const unknown = await answer(path, body("no-such-name"));
    assert.match(unknown, /^400 /, `${what}: an unknown name is refused`);
    for (const name of INHERITED) {
      const got = await answer(path, body(name));
      if (got !== unknown) differences.push(`${what} ${name}: ${got}, not ${unknown}`);
    }
  };
  for (const model of ["claude-sonnet-4-6", "gemini-2.5-flash", "llava:7b"]) {
    for (const [field, body] of NAMED_FIELDS) {
      // Ollama takes any tool_choice (it has none): nothing to refuse.
      if (model === "llava:7b" && field === "tool_choice") continue;
      await compare(`${model} ${field}`, "/v1/chat/completions", (name) => body(name, model));
    }
  }
  await compare("/v1/optimize door", "/v1/optimize", (name) => ({
    door: name,
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
  }));
  assert.deepEqual(differences, []);
});
