/**
 * The real Gemini CLI (pinned in npm/package.json) through squint's Gemini door, headless with an
 * API key: a photo named `@shot.jpg` in the prompt travels as `inlineData` in the user turn, first
 * in a `:countTokens` call (the CLI counts any prompt holding media), then in a streamed
 * `:streamGenerateContent?alt=sse` call, and the CLI prints the streamed answer.
 */
import assert from "node:assert/strict";
import { startMockGemini } from "../support/mock_gemini.ts";
import { corpusDir } from "../support/squint.ts";
import { describeRun, geminiEnv, runClient, tempDir, writeGeminiSettings } from "./_clients.ts";
import { PINNED, pinnedClients } from "./_install.ts";
import { pictureOf, pixels, startRecordedSquint } from "./_recorded_squint.ts";

const clients = await pinnedClients();

const PHOTO = "photo_boats_sunset_2560x1600.jpg";
const MODEL = "gemini-2.5-flash";
const PROMPT = "Describe @shot.jpg in one sentence";
const CLIENT_KEY = geminiEnv("", "").GEMINI_API_KEY;
const VERSION = PINNED["@google/gemini-cli"];
const COUNT = `/v1beta/models/${MODEL}:countTokens`;
const STREAM = `/v1beta/models/${MODEL}:streamGenerateContent`;

type Json = Record<string, unknown>;
type Part = { text?: string; inlineData?: { mimeType: string; data: string } };
type Content = { role?: string; parts: Part[] };

function contentsOf(body: unknown): Content[] {
  const contents = (body as Json | null)?.contents;
  return Array.isArray(contents) ? contents : [];
}

function inlineImages(body: unknown): { mimeType: string; data: string }[] {
  return contentsOf(body).flatMap((content) => content.parts)
    .flatMap((part) => (part.inlineData ? [part.inlineData] : []));
}

/** A part as its kind and, for text, how it begins: the body's shape without the bytes. */
function shapeOf(part: Part): string {
  if (part.inlineData) return `inlineData ${part.inlineData.mimeType}`;
  return `text ${JSON.stringify(part.text?.split("\n").find((line) => line !== ""))}`;
}

/** The mock's answer (see mock_gemini.ts): the last user turn's text, cut, and its images. */
function mockAnswer(body: unknown): string {
  const turn = contentsOf(body).findLast((content) => content.role === "user")!;
  const text = turn.parts.flatMap((part) => part.text ?? []).join(" ");
  return `Echo: ${text.slice(0, 60)} [images: ${inlineImages(body).length}]`;
}

/** One headless `gemini -p` run in a folder holding the corpus photo as ./shot.jpg. */
async function geminiRun() {
  await using stack = new AsyncDisposableStack();
  const work = stack.use(await tempDir("squint-gemini-work-"));
  const home = stack.use(await tempDir("squint-gemini-home-"));
  await Deno.copyFile(`${corpusDir()}/images/${PHOTO}`, `${work.path}/shot.jpg`);
  const upstream = stack.use(startMockGemini({ apiKeys: [CLIENT_KEY] }));
  const squint = stack.use(startRecordedSquint({ SQUINT_GEMINI_BASE_URL: upstream.origin }));
  await writeGeminiSettings(home.path);
  const run = await runClient([...clients.gemini, "-p", PROMPT, "-m", MODEL], {
    cwd: work.path,
    env: geminiEnv(squint.origin, home.path),
  });
  const resources = stack.move();
  return { run, upstream, squint, [Symbol.asyncDispose]: () => resources.disposeAsync() };
}

Deno.test({
  name:
    "Gemini CLI asks about @shot.jpg through squint's streamed generateContent and prints the answer",
  ignore: clients.ignore,
  async fn() {
    await using session = await geminiRun();
    const { run, upstream, squint } = session;
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(
      squint.exchanges.map(({ method, path, status }) => `${method} ${path} ${status}`),
      [`POST ${COUNT} 200`, `POST ${STREAM}?alt=sse 200`],
      describeRun(run),
    );
    assert.deepEqual(upstream.requests.map(({ path, query }) => ({ path, query })), [
      { path: COUNT, query: {} },
      { path: STREAM, query: { alt: "sse" } },
    ]);
    assert.equal(run.stdout.trim(), mockAnswer(upstream.requests[1].body));
  },
});

Deno.test({
  name:
    "Gemini CLI's calls reach Gemini with its key in x-goog-api-key and the photo as inlineData in the user turn",
  ignore: clients.ignore,
  async fn() {
    await using session = await geminiRun();
    const { run, upstream, squint } = session;
    assert.ok(squint.exchanges.length >= 2, describeRun(run));
    for (const { path, headers } of [...squint.exchanges, ...upstream.requests]) {
      assert.equal(headers["x-goog-api-key"], CLIENT_KEY, path);
      assert.ok(headers["user-agent"].startsWith(`GeminiCLI-tui/${VERSION}/${MODEL} `), path);
    }
    // The prompt's turn exactly as Gemini CLI 0.61.0 sends it (text and bytes aside).
    const asked = [
      'text "Describe @shot.jpg in one sentence"',
      'text "--- Content from referenced files ---"',
      "inlineData image/jpeg",
      'text "--- End of content ---"',
    ];
    const [counted, streamed] = squint.exchanges.map((exchange) => contentsOf(exchange.body));
    assert.deepEqual(counted.map((c) => [c.role, c.parts.map(shapeOf)]), [["user", asked]]);
    assert.deepEqual(streamed.map((c) => [c.role, c.parts.map(shapeOf)]), [
      ["user", ['text "<session_context>"', ...asked]],
    ]);
    assert.ok(Object.hasOwn(squint.exchanges[1].body!, "systemInstruction"));
    for (const request of upstream.requests) {
      assert.equal(inlineImages(request.body).length, 1, `${request.path}: the photo arrived`);
    }
  },
});

Deno.test({
  name:
    "squint sends Gemini the CLI's photo intact or smaller and puts its figures in x-squint-* headers",
  ignore: clients.ignore,
  async fn() {
    await using session = await geminiRun();
    const { run, upstream, squint } = session;
    const original = await Deno.readFile(`${corpusDir()}/images/${PHOTO}`);
    const stream = squint.exchanges.find((exchange) => exchange.path.startsWith(STREAM));
    assert.ok(stream, describeRun(run));
    const [sent] = inlineImages(stream.body);
    assert.deepEqual(Uint8Array.fromBase64(sent.data), original, "the CLI sends the file as is");
    const [received] = inlineImages(upstream.requests.find((r) => r.path === STREAM)!.body);
    const client = pictureOf(sent.data);
    const gemini = pictureOf(received.data);
    const sizes = `Gemini CLI sent ${client.width}×${client.height} (${client.bytes} B); ` +
      `squint sent ${gemini.width}×${gemini.height} (${gemini.bytes} B)`;
    assert.ok(pixels(gemini) <= pixels(client), sizes);
    assert.ok(gemini.bytes <= client.bytes, sizes);
    if (gemini.bytes === client.bytes) assert.equal(received.data, sent.data, sizes);
    const figures = stream.answerHeaders;
    assert.equal(figures["x-squint-model"], MODEL);
    const before = Number(figures["x-squint-tokens-before"]);
    const after = Number(figures["x-squint-tokens-after"]);
    assert.ok(before > 0 && after > 0 && after <= before, JSON.stringify(figures));
    assert.equal(Number(figures["x-squint-tokens-saved"]), before - after);
  },
});
