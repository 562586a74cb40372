/**
 * One OpenAI-format conversation (two system messages, an image by URL and one inline, a tool
 * call and its result, a follow-up) through squint's Chat Completions door to each of the four
 * upstreams, streamed and not, with the official OpenAI SDK as the client: the request each
 * mock upstream received, asserted field by field, and the answer back in OpenAI's shape.
 */
import assert from "node:assert/strict";
import { OpenAI } from "openai";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockGemini } from "../support/mock_gemini.ts";
import { startMockOllama } from "../support/mock_ollama.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { WEATHER_TOOL } from "../support/openai_wire.ts";
import { corpusDataUrl, corpusDir, startSquint } from "../support/squint.ts";

const URL_IMAGE = "photo_fruits_512x480.jpg";
const INLINE_IMAGE = "photo_coffee_cup_600x400.png";

/** A loopback server for the image sent by URL. */
function startImageServer() {
  const bytes = Deno.readFileSync(`${corpusDir()}/images/${URL_IMAGE}`);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(bytes, { headers: { "content-type": "image/jpeg" } }),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/${URL_IMAGE}`,
    close: () => server.shutdown(),
  };
}

/** Every upstream's mock, and squint in front of them. */
function startAll(env: Record<string, string> = {}) {
  const images = startImageServer();
  const openai = startMockOpenAI();
  const anthropic = startMockAnthropic();
  const gemini = startMockGemini();
  const ollama = startMockOllama();
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: openai.baseUrl,
    SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl,
    SQUINT_GEMINI_BASE_URL: gemini.baseUrl,
    SQUINT_OLLAMA_BASE_URL: ollama.origin,
    SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1",
    ...env,
  });
  const client = new OpenAI({ baseURL: squint.baseUrl, apiKey: "sk-client", maxRetries: 0 });
  return {
    images,
    mocks: { openai, anthropic, gemini, ollama },
    squint,
    client,
    async [Symbol.asyncDispose]() {
      await Promise.all([openai.close(), anthropic.close(), gemini.close(), ollama.close()]);
      await squint.close();
      await images.close();
    },
  };
}

function conversation(imageUrl: string, model: string) {
  return {
    model,
    temperature: 0.2,
    max_tokens: 200,
    stop: ["END"],
    tools: [WEATHER_TOOL],
    messages: [
      { role: "system", content: "You help travellers." },
      { role: "system", content: [{ type: "text", text: "Answer in one sentence." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these two pictures? Then check the weather in Oslo." },
          { type: "image_url", image_url: { url: imageUrl } },
          { type: "image_url", image_url: { url: corpusDataUrl(INLINE_IMAGE) } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Oslo","unit":"c"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"temp":3}' },
      { role: "user", content: "So what should I wear?" },
    ],
  };
}

// deno-lint-ignore no-explicit-any -- four providers' wire bodies, read field by field
type Json = Record<string, any>;

/** The base64 payload and type of a data URL. */
function isBase64Image(data: string, mime: string): void {
  assert.match(mime, /^image\/(jpeg|png|webp)$/);
  assert.ok(data.length > 100 && /^[A-Za-z0-9+/]+=*$/.test(data), "base64 image bytes");
}

/** What each upstream must have received, field by field. */
const EXPECTED: Record<
  string,
  {
    model: string;
    check: (body: Json, path: string, url: string, stream: boolean, query?: string) => void;
  }
> = {
  openai: {
    model: "gpt-4o-mini",
    check(body, path, url, stream) {
      assert.equal(path, "/v1/chat/completions");
      assert.equal(body.model, "gpt-4o-mini");
      assert.equal(body.messages.length, 6);
      assert.equal(body.messages[0].content, "You help travellers.");
      const parts = body.messages[2].content;
      assert.match(parts[1].image_url.url, new RegExp(`^(${url}|data:image/)`));
      assert.match(parts[2].image_url.url, /^data:image\//);
      assert.deepEqual(body.messages[3].tool_calls[0].function.name, "get_weather");
      assert.equal(body.messages[4].tool_call_id, "call_1");
      assert.equal(body.stream ?? false, stream);
    },
  },
  anthropic: {
    model: "claude-sonnet-4-6",
    check(body, path, url, stream) {
      assert.equal(path, "/v1/messages");
      assert.equal(body.model, "claude-sonnet-4-6");
      assert.deepEqual(body.system, [
        { type: "text", text: "You help travellers." },
        { type: "text", text: "Answer in one sentence." },
      ]);
      assert.equal(body.max_tokens, 200);
      assert.deepEqual(body.stop_sequences, ["END"]);
      assert.equal(body.temperature, 0.2);
      assert.deepEqual(body.messages.map((m: Json) => m.role), ["user", "assistant", "user"]);
      const [text, byUrl, inline] = body.messages[0].content;
      assert.equal(text.type, "text");
      assert.equal(byUrl.type, "image");
      if (byUrl.source.type === "url") assert.equal(byUrl.source.url, url);
      else isBase64Image(byUrl.source.data, byUrl.source.media_type);
      assert.equal(inline.source.type, "base64");
      isBase64Image(inline.source.data, inline.source.media_type);
      assert.deepEqual(body.messages[1].content, [{
        type: "tool_use",
        id: "call_1",
        name: "get_weather",
        input: { city: "Oslo", unit: "c" },
      }]);
      const [result, followUp] = body.messages[2].content;
      assert.equal(result.type, "tool_result");
      assert.equal(result.tool_use_id, "call_1");
      assert.equal(followUp.type, "text");
      assert.equal(followUp.text, "So what should I wear?");
      assert.equal(body.tools[0].name, "get_weather");
      assert.deepEqual(body.tools[0].input_schema, WEATHER_TOOL.function.parameters);
      assert.equal(body.stream ?? false, stream);
    },
  },
  gemini: {
    model: "gemini-2.5-flash",
    check(body, path, _url, stream, query) {
      assert.equal(
        path,
        `/v1beta/models/gemini-2.5-flash:${stream ? "streamGenerateContent" : "generateContent"}`,
      );
      if (stream) assert.equal(query, "alt=sse");
      assert.deepEqual(body.systemInstruction.parts.map((p: Json) => p.text), [
        "You help travellers.",
        "Answer in one sentence.",
      ]);
      assert.deepEqual(body.contents.map((c: Json) => c.role), ["user", "model", "user"]);
      const [text, byUrl, inline] = body.contents[0].parts;
      assert.ok(text.text.startsWith("What is in"));
      // Gemini takes no URLs: both images arrive as bytes.
      isBase64Image(byUrl.inlineData.data, byUrl.inlineData.mimeType);
      isBase64Image(inline.inlineData.data, inline.inlineData.mimeType);
      assert.deepEqual(body.contents[1].parts[0].functionCall, {
        name: "get_weather",
        args: { city: "Oslo", unit: "c" },
      });
      const [result, followUp] = body.contents[2].parts;
      assert.equal(result.functionResponse.name, "get_weather");
      assert.equal(followUp.text, "So what should I wear?");
      assert.equal(body.generationConfig.maxOutputTokens, 200);
      assert.equal(body.generationConfig.temperature, 0.2);
      assert.deepEqual(body.generationConfig.stopSequences, ["END"]);
      assert.equal(body.tools[0].functionDeclarations[0].name, "get_weather");
    },
  },
  ollama: {
    model: "llava:7b",
    check(body, path, _url, stream) {
      assert.equal(path, "/api/chat");
      assert.equal(body.model, "llava:7b");
      assert.equal(body.stream, stream);
      assert.deepEqual(body.messages.map((m: Json) => m.role), [
        "system",
        "system",
        "user",
        "assistant",
        "tool",
        "user",
      ]);
      const user = body.messages[2];
      assert.ok(user.content.startsWith("What is in"));
      // Ollama takes base64 only, without the data: prefix: the URL image is inlined too.
      assert.equal(user.images.length, 2);
      for (const image of user.images) {
        assert.ok(/^[A-Za-z0-9+/]+=*$/.test(image) && image.length > 100);
      }
      assert.deepEqual(body.messages[3].tool_calls[0].function, {
        name: "get_weather",
        arguments: { city: "Oslo", unit: "c" },
      });
      assert.equal(body.messages[4].content, '{"temp":3}');
      assert.equal(body.options.num_predict, 200);
      assert.equal(body.options.temperature, 0.2);
      assert.deepEqual(body.options.stop, ["END"]);
    },
  },
};

for (const [provider, expected] of Object.entries(EXPECTED)) {
  for (const stream of [false, true]) {
    Deno.test(`the conversation reaches ${provider} translated field by field, and its ${stream ? "stream" : "answer"} comes back in OpenAI's shape`, async () => {
      await using all = startAll();
      const request = conversation(all.images.url, expected.model);
      let content = "";
      let toolCalls = 0;
      let usage: Json | undefined;
      let squint: Json | undefined;
      if (stream) {
        const chunks = await all.client.chat.completions.create({
          ...request,
          stream: true,
          stream_options: { include_usage: true },
        } as never) as unknown as AsyncIterable<Json>;
        for await (const chunk of chunks) {
          content += chunk.choices?.[0]?.delta?.content ?? "";
          toolCalls += chunk.choices?.[0]?.delta?.tool_calls?.length ?? 0;
          if (chunk.usage) usage = chunk.usage;
          if (chunk.squint) squint = chunk.squint;
        }
      } else {
        const answer = await all.client.chat.completions.create(
          request as never,
        ) as unknown as Json;
        assert.equal(answer.object, "chat.completion");
        assert.equal(answer.choices[0].message.role, "assistant");
        content = answer.choices[0].message.content ?? "";
        toolCalls = answer.choices[0].message.tool_calls?.length ?? 0;
        usage = answer.usage;
        squint = answer.squint;
      }
      const mock = all.mocks[provider as keyof typeof all.mocks];
      assert.equal(mock.requests.length, 1, `${provider} called once`);
      const received = mock.requests[0];
      const query = new URLSearchParams((received as { query?: Record<string, string> }).query)
        .toString();
      expected.check(received.body as Json, received.path, all.images.url, stream, query);
      assert.ok(content.length > 0 || toolCalls > 0, "an answer: text or a tool call");
      assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0, "usage");
      assert.equal(squint?.upstream_input_tokens, usage!.prompt_tokens);
      // No other upstream was called.
      for (const [name, other] of Object.entries(all.mocks)) {
        if (name !== provider) assert.equal(other.requests.length, 0, name);
      }
    });
  }
}

for (const prefix of ["anthropic", "google", "ollama"]) {
  Deno.test(`a ${prefix} error keeps its status and message, in OpenAI's shape`, async () => {
    await using all = startAll({ SQUINT_RETRIES: "0" });
    const error = await all.client.chat.completions.create({
      model: `${prefix}/mock-error-429`,
      messages: [{ role: "user", content: "hi" }],
    }).catch((e) => e);
    assert.equal(error.status, 429);
    assert.equal(typeof error.error?.message, "string");
    assert.ok(error.error.message.length > 0);
    const mock = all.mocks[prefix === "google" ? "gemini" : prefix as "anthropic" | "ollama"];
    assert.equal(mock.requests.length, 1);
    assert.match(mock.requests[0].path, /mock-error-429|\/v1\/messages|\/api\/chat/);
  });

  Deno.test(`a ${prefix} stream broken off mid-answer ends with an error event, not a hang`, async () => {
    await using all = startAll();
    const response = await fetch(`${all.squint.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
      body: JSON.stringify({
        model: `${prefix}/mock-reset`,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /"error"/);
  });
}
