/**
 * Gemini's own API as a door (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent`,
 * `:countTokens`): `@google/genai` works unchanged through squint, inline pictures are planned for
 * the model and spliced into the client's bytes, the `key` query parameter is a credential that
 * never reaches a URL or the log, and errors come in Google's shape.
 */
import assert from "node:assert/strict";
import { GoogleGenAI } from "@google/genai";
import { startMockGemini } from "../support/mock_gemini.ts";
import { corpusDataUrl, corpusDir, startSquint } from "../support/squint.ts";
import { probeImage } from "../../workers/image/probe.ts";

const PHOTO = "photo_boats_sunset_2560x1600.jpg";
const PAGE = "doc_slide_sparse_text_p2_150dpi.png";

function startAll(env: Record<string, string> = {}) {
  const gemini = startMockGemini();
  const squint = startSquint({ SQUINT_GEMINI_BASE_URL: gemini.origin, ...env });
  const client = new GoogleGenAI({ apiKey: "goog-own", httpOptions: { baseUrl: squint.origin } });
  return {
    gemini,
    squint,
    client,
    async [Symbol.asyncDispose]() {
      await squint.close();
      await gemini.close();
    },
  };
}

const base64Of = (file: string) => corpusDataUrl(file).split(",")[1];

function photoContents(question: string, file = PHOTO, mimeType = "image/jpeg") {
  return [{
    role: "user",
    parts: [{ text: question }, { inlineData: { mimeType, data: base64Of(file) } }],
  }];
}

type Recorded = { contents: { parts: { inlineData?: { data: string }; text?: string }[] }[] };

Deno.test("@google/genai's generateContent works through squint, its picture sent at the size Gemini uses", async () => {
  await using it = startAll();
  const answer = await it.client.models.generateContent({
    model: "gemini-2.5-flash",
    contents: photoContents("What animal is this? One word."),
  });
  assert.match(answer.text ?? "", /^Echo: What animal is this\?/);
  assert.ok(answer.usageMetadata?.promptTokenCount);
  const received = it.gemini.requests[0];
  assert.match(received.path, /^\/v1(beta)?\/models\/gemini-2.5-flash:generateContent$/);
  assert.equal(received.headers["x-goog-api-key"], "goog-own");
  const sent = (received.body as Recorded).contents[0].parts[1].inlineData!.data;
  const info = probeImage(Uint8Array.fromBase64(sent))!;
  assert.ok(info.width < 2560, `${info.width}×${info.height}`);
  assert.ok(sent.length < base64Of(PHOTO).length);
});

Deno.test("@google/genai's stream (alt=sse) is relayed event by event, figures in headers only", async () => {
  await using it = startAll();
  const stream = await it.client.models.generateContentStream({
    model: "gemini-2.5-flash",
    contents: photoContents("What is in this photo?"),
  });
  let text = "";
  for await (const chunk of stream) text += chunk.text ?? "";
  assert.match(text, /^Echo: What is in this photo\?/);
  assert.equal(it.gemini.requests[0].query.alt, "sse");

  const raw = await fetch(
    `${it.squint.origin}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
    {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
      body: JSON.stringify({ contents: photoContents("What is in this photo?") }),
    },
  );
  assert.ok(Number(raw.headers.get("x-squint-tokens-before")) > 0);
  const events = await raw.text();
  assert.match(events, /"finishReason"/);
  // No comment line: Gemini CLI's SDK throws on anything but data blocks.
  assert.doesNotMatch(events, /squint/);
});

Deno.test("a streamed answer is counted from its billed usage (usageMetadata), as a whole one is", async () => {
  await using it = startAll();
  const ids: Record<string, string> = {};
  for (const method of [":generateContent", ":streamGenerateContent?alt=sse"]) {
    const response = await fetch(`${it.squint.origin}/v1beta/models/gemini-2.5-flash${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
      body: JSON.stringify({ contents: photoContents("What is in this photo?") }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    const usages = [...text.matchAll(/"promptTokenCount": ?(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(usages.length > 0, method);
    ids[method] = `${response.headers.get("x-request-id")} ${usages.at(-1)}`;
  }
  const storage = it.squint.app.parts.storage;
  for (const [method, said] of Object.entries(ids)) {
    const [id, billed] = said.split(" ");
    let row;
    while (!(row = await storage.request(id)));
    assert.equal(row.upstreamInputTokens, Number(billed), method);
    assert.ok(row.upstreamOutputTokens! > 0, method);
  }
});

Deno.test("a stream without alt=sse (one JSON array) is relayed whole with figures in headers", async () => {
  await using it = startAll();
  const response = await fetch(
    `${it.squint.origin}/v1/models/gemini-2.5-flash:streamGenerateContent`,
    {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hello" }] }] }),
    },
  );
  assert.equal(response.status, 200);
  const chunks = await response.json();
  assert.ok(Array.isArray(chunks) && chunks.length > 0);
  assert.equal(it.gemini.requests[0].path, "/v1/models/gemini-2.5-flash:streamGenerateContent");
  assert.ok(response.headers.get("x-squint-tokens-after"));
});

Deno.test("@google/genai on apiVersion v1alpha goes through the door, and its other paths pass through to Gemini", async () => {
  await using it = startAll();
  const alpha = new GoogleGenAI({
    apiKey: "goog-own",
    httpOptions: { baseUrl: it.squint.origin, apiVersion: "v1alpha" },
  });
  const answer = await alpha.models.generateContent({
    model: "gemini-2.5-flash",
    contents: photoContents("What animal is this? One word."),
  });
  assert.match(answer.text ?? "", /^Echo: What animal is this\?/);
  assert.equal(it.gemini.requests[0].path, "/v1alpha/models/gemini-2.5-flash:generateContent");
  const sent = (it.gemini.requests[0].body as Recorded).contents[0].parts[1].inlineData!.data;
  assert.ok(sent.length < base64Of(PHOTO).length, "planned like v1beta's");
  // Not a door: relayed to Gemini (with the client's key), not refused as an unknown URL.
  const models = await fetch(`${it.squint.origin}/v1alpha/models`, {
    headers: { "x-goog-api-key": "goog-own" },
  });
  await models.body?.cancel();
  assert.equal(it.gemini.requests[1].path, "/v1alpha/models");
  assert.equal(it.gemini.requests[1].headers["x-goog-api-key"], "goog-own");
});

Deno.test("@google/genai's files.upload (the resumable upload) passes through to Gemini, the bytes whole", async () => {
  await using it = startAll();
  const bytes = await Deno.readFile(`${corpusDir()}/images/${PAGE}`);
  const file = await it.client.files.upload({
    file: new Blob([bytes], { type: "image/png" }),
    config: { mimeType: "image/png" },
  });
  assert.equal(file.mimeType, "image/png");
  assert.equal(file.sizeBytes, String(bytes.length));
  const stored = it.gemini.uploads.get(file.name!);
  assert.deepEqual(stored?.bytes, bytes);
  // Both steps went through squint, each with the client's key, to the upload path.
  const paths = it.gemini.requests.map((r) => r.path);
  assert.equal(paths.length, 2);
  assert.ok(paths.every((p) => /^\/upload\/v1(beta)?\/files$/.test(p)), paths.join(" "));
  assert.ok(it.gemini.requests.every((r) => r.headers["x-goog-api-key"] === "goog-own"));
});

Deno.test("countTokens counts the body squint would send", async () => {
  await using it = startAll();
  const counted = await it.client.models.countTokens({
    model: "gemini-2.5-flash",
    contents: photoContents("What animal is this? One word."),
  });
  assert.ok((counted.totalTokens ?? 0) > 0);
  const sent = (it.gemini.requests[0].body as Recorded).contents[0].parts[1].inlineData!.data;
  assert.ok(sent.length < base64Of(PHOTO).length);
  assert.match(it.gemini.requests[0].path, /^\/v1(beta)?\/models\/gemini-2.5-flash:countTokens$/);
});

Deno.test("countTokens with a whole generateContentRequest (system instruction, tools) counts the body squint would send", async () => {
  await using it = startAll();
  const request = {
    model: "models/gemini-2.5-flash",
    systemInstruction: { parts: [{ text: "Answer in one word." }] },
    contents: photoContents("What animal is this? One word."),
  };
  const response = await fetch(
    `${it.squint.origin}/v1beta/models/gemini-2.5-flash:countTokens`,
    {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
      body: JSON.stringify({ generateContentRequest: request }),
    },
  );
  const counted = await response.json();
  assert.equal(response.status, 200, JSON.stringify(counted));
  assert.ok(counted.totalTokens > 0);
  const sent = (it.gemini.requests[0].body as { generateContentRequest: Recorded })
    .generateContentRequest;
  assert.ok(sent.contents[0].parts[1].inlineData!.data.length < base64Of(PHOTO).length);
  assert.deepEqual(
    (sent as unknown as typeof request).systemInstruction,
    request.systemInstruction,
  );
});

Deno.test("the key query parameter goes upstream as x-goog-api-key, never in a URL or the log", async () => {
  await using it = startAll({ SQUINT_LOG_CONTENT: "full" });
  const response = await fetch(
    `${it.squint.origin}/v1beta/models/gemini-2.5-flash:generateContent?key=goog-secret-1234`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hello" }] }] }),
    },
  );
  assert.equal(response.status, 200);
  await response.json();
  const received = it.gemini.requests[0];
  assert.deepEqual(received.query, {});
  assert.equal(received.headers["x-goog-api-key"], "goog-secret-1234");
  await it.squint.app.parts.storage.flush();
  const row = await it.squint.app.parts.storage.request(response.headers.get("x-request-id")!);
  assert.ok(row);
  assert.equal(row.door, "gemini");
  assert.doesNotMatch(JSON.stringify(row), /goog-secret-1234/);
});

Deno.test("errors at the Gemini door come in Google's shape", async () => {
  await using it = startAll();
  const post = (path: string, body: string) =>
    fetch(`${it.squint.origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
      body,
    });
  const bad = await post("/v1beta/models/gemini-2.5-flash:generateContent", "{not json");
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys((await bad.json()).error).sort(), ["code", "message", "status"]);
  const missing = await post("/v1beta/models/gemini-2.5-flash:generateContent", "{}");
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).error.status, "INVALID_ARGUMENT");
  const upstream = await post(
    "/v1beta/models/mock-error-429:generateContent",
    JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hello" }] }] }),
  );
  assert.equal(upstream.status, 429);
  assert.equal((await upstream.json()).error.status, "RESOURCE_EXHAUSTED");
});

Deno.test("a page asked to be summarized goes to Gemini as its text", async () => {
  await using it = startAll();
  const answer = await it.client.models.generateContent({
    model: "gemini-2.5-flash",
    contents: photoContents("Summarize this page.", PAGE, "image/png"),
  });
  assert.ok(answer.text);
  const parts = (it.gemini.requests[0].body as Recorded).contents[0].parts;
  assert.equal(parts.length, 2);
  assert.equal(parts[1].inlineData, undefined);
  assert.match(parts[1].text ?? "", /General document information/);
});

Deno.test("/v1/optimize plans a Gemini body (its model named in the body) with JSON pointers", async () => {
  await using it = startAll();
  const response = await fetch(`${it.squint.origin}/v1/optimize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "gemini-2.5-flash",
      contents: photoContents("What animal is this? One word."),
    }),
  });
  assert.equal(response.status, 200);
  const planned = await response.json();
  assert.equal(planned.door, "gemini");
  assert.equal(planned.model, "gemini-2.5-flash");
  assert.equal(planned.request.model, undefined);
  assert.deepEqual(planned.images.map((i: { path: string }) => i.path), ["/contents/0/parts/1"]);
  assert.ok(planned.tokens.after < planned.tokens.before);
});

Deno.test("an http(s) fileData picture is fetched under the guard and sent inline; gs:// passes untouched", async () => {
  const bytes = Deno.readFileSync(`${corpusDir()}/images/${PHOTO}`);
  const images = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(bytes, { headers: { "content-type": "image/jpeg" } }),
  );
  try {
    await using it = startAll({ SQUINT_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${images.addr.port}` });
    const uri = `http://127.0.0.1:${images.addr.port}/photo.jpg`;
    const answer = await it.client.models.generateContent({
      model: "gemini-2.5-flash",
      contents: [{
        role: "user",
        parts: [
          { text: "What animal is this? One word." },
          { fileData: { mimeType: "image/jpeg", fileUri: uri } },
          { fileData: { mimeType: "video/mp4", fileUri: "gs://bucket/clip.mp4" } },
        ],
      }],
    });
    assert.ok(answer.text);
    type Part = { inlineData?: { mimeType: string; data: string }; fileData?: { fileUri: string } };
    const parts = (it.gemini.requests[0].body as { contents: { parts: Part[] }[] }).contents[0]
      .parts;
    const inline = parts[1].inlineData!;
    assert.equal(parts[1].fileData, undefined);
    const info = probeImage(Uint8Array.fromBase64(inline.data))!;
    assert.ok(info.width < 2560, `${info.width}×${info.height}`);
    assert.equal(parts[2].fileData!.fileUri, "gs://bucket/clip.mp4");
  } finally {
    await images.shutdown();
  }
});

Deno.test("the cache keeps generateContent, streamGenerateContent and its alt=sse form apart: each is found again in its own shape", async () => {
  await using it = startAll({ SQUINT_CACHE: "on" });
  const body = JSON.stringify({
    contents: [{ role: "user", parts: [{ text: "Hello" }] }],
    generationConfig: { temperature: 0 },
  });
  const ask = async (method: string) => {
    const response = await fetch(`${it.squint.origin}/v1beta/models/gemini-2.5-flash:${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
      body,
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const shape = text.startsWith("data:") ? "events" : text.trimStart()[0];
    return [response.headers.get("x-squint-cache-status"), shape];
  };
  const methods = ["generateContent", "streamGenerateContent", "streamGenerateContent?alt=sse"];
  for (const method of methods) {
    assert.deepEqual(await ask(method), [
      "miss",
      { generateContent: "{" }[method] ?? (
        method.endsWith("sse") ? "events" : "["
      ),
    ], method);
  }
  const again = [];
  for (const method of methods) again.push(await ask(method));
  assert.deepEqual(again, [["hit", "{"], ["hit", "["], ["hit", "events"]]);
  assert.equal(it.gemini.requests.length, 3);
});

/** Posts a Gemini body to squint's door for `model`; returns the answer's figures. */
async function generate(origin: string, model: string, body: unknown) {
  const response = await fetch(`${origin}/v1beta/models/${model}:generateContent`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
  const figure = (name: string) => Number(response.headers.get(`x-squint-tokens-${name}`));
  return { before: figure("before"), after: figure("after") };
}

type Part = { inlineData?: { data: string }; mediaResolution?: { level: string } };
const sentParts = (it: { gemini: { requests: { body: unknown }[] } }, i = 0) =>
  (it.gemini.requests[i].body as { contents: { parts: Part[] }[] }).contents[0].parts;

Deno.test("Gemini 3: a glance is sent at media_resolution LOW on its part (280 tokens, not 1,120), which is what squint counts", async () => {
  await using it = startAll();
  const question = "What animal is this? One word.";
  const text = Math.ceil(question.length / 4);
  const { before, after } = await generate(it.squint.origin, "gemini-3-flash-preview", {
    contents: photoContents(question),
  });
  const image = sentParts(it)[1];
  assert.deepEqual(image.mediaResolution, { level: "MEDIA_RESOLUTION_LOW" });
  assert.ok(before - after === 1120 - 280, `${before} → ${after} (text ~${text})`);
  // A question about the picture's detail keeps the model's default level: nothing added.
  await generate(it.squint.origin, "gemini-3-flash-preview", {
    contents: photoContents("Describe every detail of this photo."),
  });
  assert.equal(sentParts(it, 1)[1].mediaResolution, undefined);
});

Deno.test("Gemini: a level the client set is what squint counts from, and one squint has no detail for passes untouched", async () => {
  await using it = startAll();
  const question = "What animal is this? One word.";
  // The request's own LOW: already the glance's price, so nothing is claimed as saved.
  const global = await generate(it.squint.origin, "gemini-3-flash-preview", {
    contents: photoContents(question),
    generationConfig: { mediaResolution: "MEDIA_RESOLUTION_LOW" },
  });
  assert.equal(global.before, global.after);
  assert.equal(sentParts(it, 0)[1].mediaResolution, undefined, "the request's level stands");
  // A part's own HIGH overrides the request's LOW: counted at 1,120, and kept (a client that
  // asks for high detail gets it, whatever the question).
  const contents = photoContents(question);
  Object.assign(contents[0].parts[1], { mediaResolution: { level: "MEDIA_RESOLUTION_HIGH" } });
  const own = await generate(it.squint.origin, "gemini-3-flash-preview", {
    contents,
    generationConfig: { mediaResolution: "MEDIA_RESOLUTION_LOW" },
  });
  assert.equal(own.before - global.before, 1120 - 280);
  assert.equal(own.after, own.before);
  assert.deepEqual(sentParts(it, 1)[1].mediaResolution, { level: "MEDIA_RESOLUTION_HIGH" });
  // MEDIUM: the client's choice, planned by nobody — the part goes as it came, uncounted.
  const medium = photoContents(question);
  Object.assign(medium[0].parts[1], { mediaResolution: { level: "MEDIA_RESOLUTION_MEDIUM" } });
  const kept = await generate(it.squint.origin, "gemini-3-flash-preview", { contents: medium });
  assert.equal(kept.before, kept.after);
  const sent = sentParts(it, 2)[1];
  assert.deepEqual(sent.mediaResolution, { level: "MEDIA_RESOLUTION_MEDIUM" });
  assert.equal(sent.inlineData!.data, base64Of(PHOTO));
});

Deno.test("the chat door sends a glance to Gemini 3 at media_resolution LOW, and no level to Gemini 2.5 (billed by its pixels)", async () => {
  await using it = startAll();
  const chat = (model: string) =>
    fetch(`${it.squint.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer goog-own" },
      body: JSON.stringify({
        model,
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "What animal is this? One word." },
            { type: "image_url", image_url: { url: corpusDataUrl(PHOTO) } },
          ],
        }],
      }),
    });
  const three = await chat("gemini-3-flash-preview");
  assert.equal(three.status, 200);
  assert.ok(Number(three.headers.get("x-squint-tokens-saved")) >= 1120 - 280);
  await three.body?.cancel();
  assert.deepEqual(sentParts(it, 0)[1].mediaResolution, { level: "MEDIA_RESOLUTION_LOW" });
  const two = await chat("gemini-2.5-flash");
  assert.equal(two.status, 200);
  await two.body?.cancel();
  assert.equal(sentParts(it, 1)[1].mediaResolution, undefined);
});
