/**
 * The real Codex CLI (pinned in npm/package.json) with its built-in OpenAI provider pointed at
 * squint (`-c openai_base_url=…`), which speaks the Responses API's WebSocket mode: squint relays
 * the socket to the upstream's with each `response.create` optimized, and where the upstream has
 * no WebSocket mode it answers the upgrade 426, on which Codex goes over HTTPS at once (a 404
 * makes it reconnect five times first, ~6 s).
 */
import assert from "node:assert/strict";
import { sentKept, type SentRecord } from "../../src/accounting/sent_record.ts";
import { FileMediaStore } from "../../src/storage/media_store.ts";
import { startMockResponsesWs } from "../support/mock_responses_ws.ts";
import { answerText } from "../support/mock_model.ts";
import { corpusDir } from "../support/squint.ts";
import {
  codexBuiltInEnv,
  describeRun,
  runClient,
  tempDir,
  writeCodexOfflineConfig,
} from "./_clients.ts";
import { pinnedClients } from "./_install.ts";
import {
  modelView,
  pictureOf,
  pixels,
  type RecordedSquint,
  startRecordedSquint,
} from "./_recorded_squint.ts";
import { startScriptedResponses } from "./_scripted_upstreams.ts";

const clients = await pinnedClients();

const PHOTO = "photo_boats_sunset_2560x1600.jpg";
const MODEL = "gpt-4o";
const QUESTION = "What animal is this? One word.";
const FINAL = "Sailing boats, no animal.";
/** Codex reconnects five times (~6 s) after a 404 to the upgrade; after a 426 it does not. */
const FALLBACK_WITHIN_MS = 5_000;
/** What Codex 0.171.0 prints when a WebSocket fails, is retried or given up for HTTPS. */
const SOCKET_TROUBLE = /responses_websocket|Reconnecting|Falling back/;

type Json = Record<string, unknown>;
type Part = Json & { type?: string; text?: string; image_url?: string; detail?: string };
type Item = Json & { role?: string; content?: Part[] };

function lastUserMessage(body: Json): Item | undefined {
  const input = Array.isArray(body.input) ? body.input as Item[] : [];
  return input.findLast((item) => item.role === "user");
}

function userImages(body: Json): Part[] {
  return (lastUserMessage(body)?.content ?? []).filter((part) => part.type === "input_image");
}

/** The mock's echo of a Responses body: its answer to the last user message's text. */
function echoOf(body: Json): string {
  const text = (lastUserMessage(body)?.content ?? []).filter((part) => part.type === "input_text")
    .map((part) => part.text).join("\n");
  return answerText({ model: MODEL, messages: [{ role: "user", content: text }] });
}

/**
 * The `response.create` messages squint received on Codex's socket, oldest first, as its media
 * store kept them.
 */
async function keptClientMessages(dataDir: string): Promise<Json[]> {
  await sentKept();
  const store = new FileMediaStore(`${dataDir}/media`);
  const records: SentRecord[] = [];
  for await (const file of Deno.readDir(`${dataDir}/media/requests`)) {
    const record = await store.getRecord(file.name.replace(/\.json$/, "")) as SentRecord;
    if (record.door === "/v1/responses (websocket)") records.push(record);
  }
  records.sort((a, b) => a.ts - b.ts);
  const texts = await Promise.all(records.map((record) => store.getMedia(record.original)));
  return texts.map((kept) => JSON.parse(new TextDecoder().decode(kept!.bytes)));
}

/** The door's exchanges as `METHOD /path STATUS`. */
function exchangeLines(squint: RecordedSquint): string[] {
  return squint.exchanges.map((exchange) =>
    `${exchange.method} ${exchange.path} ${exchange.status}`
  );
}

/**
 * One `codex exec` with the built-in provider at `baseUrl`, in a folder holding the corpus photo
 * as ./photo.jpg; how long it took.
 */
async function codexExec(baseUrl: string, prompt: string, attach: boolean) {
  await using work = await tempDir("squint-codex-work-");
  await using home = await tempDir("squint-codex-home-");
  await Deno.copyFile(`${corpusDir()}/images/${PHOTO}`, `${work.path}/photo.jpg`);
  const codexHome = `${home.path}/.codex`;
  await Deno.mkdir(codexHome);
  await writeCodexOfflineConfig(codexHome);
  const args = [
    "exec",
    "--skip-git-repo-check",
    "--ephemeral",
    "-m",
    MODEL,
    "-c",
    `openai_base_url=${baseUrl}`,
    prompt,
    ...(attach ? ["-i", "photo.jpg"] : []),
  ];
  const started = performance.now();
  const run = await runClient([...clients.codex, ...args], {
    cwd: work.path,
    env: codexBuiltInEnv(codexHome, home.path),
  });
  return { run, ms: Math.round(performance.now() - started) };
}

Deno.test({
  name:
    "Codex's built-in provider talks WebSocket mode through squint: one socket, the photo it attached shrunk on the way, the answer printed",
  ignore: clients.ignore,
  async fn() {
    await using stack = new AsyncDisposableStack();
    const data = stack.use(await tempDir("squint-codex-data-"));
    const upstream = stack.use(startMockResponsesWs());
    const squint = stack.use(startRecordedSquint({
      SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1`,
      SQUINT_DATA_DIR: data.path,
      SQUINT_MEDIA_STORE: "on",
    }));
    const { run } = await codexExec(squint.baseUrl, QUESTION, true);

    assert.equal(run.code, 0, describeRun(run));
    assert.doesNotMatch(run.stderr, SOCKET_TROUBLE, describeRun(run));
    assert.deepEqual(exchangeLines(squint), ["GET /v1/responses 101"], "one socket, no HTTPS");
    const upgrade = squint.exchanges[0].headers;
    assert.equal(upgrade.authorization, "Bearer sk-client-key");
    assert.equal(upgrade["openai-beta"], "responses_websockets=2026-02-06");

    assert.deepEqual(upstream.connections.map((connection) => connection.status), [101]);
    const forwarded = upstream.connections[0].headers;
    assert.equal(forwarded.authorization, "Bearer sk-client-key", "the client's key, forwarded");
    assert.equal(forwarded["openai-beta"], "responses_websockets=2026-02-06");
    // Codex 0.171.0 warms the socket up (`generate: false`), then sends the turn.
    const received = upstream.requests.map((request) => request.json as Json);
    assert.deepEqual(received.map(({ type, model, generate }) => ({ type, model, generate })), [
      { type: "response.create", model: MODEL, generate: false },
      { type: "response.create", model: MODEL, generate: undefined },
    ]);
    const turn = received[1];
    assert.deepEqual(Object.keys(turn).sort(), [
      "client_metadata",
      "include",
      "input",
      "model",
      "parallel_tool_calls",
      "prompt_cache_key",
      "reasoning",
      "store",
      "stream",
      "tool_choice",
      "tools",
      "type",
    ]);
    const texts = lastUserMessage(turn)?.content?.filter((part) => part.type === "input_text");
    assert.equal(texts?.at(-1)?.text, QUESTION);
    assert.equal(run.stdout.trim(), echoOf(turn).trim());

    const [sentTurn] = (await keptClientMessages(data.path)).filter((m) => userImages(m).length);
    const [sent] = userImages(sentTurn);
    const [image] = userImages(turn);
    assert.match(sent.image_url!, /^data:image\/jpeg;base64,/);
    const client = pictureOf(sent.image_url!);
    const forwardedPicture = pictureOf(image.image_url!);
    const seen = modelView(MODEL, client, image.detail as "high");
    const sizes = `Codex sent ${client.width}×${client.height} (${client.bytes} B) at detail ` +
      `${sent.detail}; ${MODEL} sees ${seen.width}×${seen.height}; the upstream received ` +
      `${forwardedPicture.width}×${forwardedPicture.height} (${forwardedPicture.bytes} B) ` +
      `at detail ${image.detail}`;
    assert.deepEqual(upstream.requests[1].images.map(({ width, height }) => ({ width, height })), [
      { width: forwardedPicture.width, height: forwardedPicture.height },
    ]);
    assert.ok(pixels(forwardedPicture) < pixels(client), sizes);
    assert.ok(pixels(forwardedPicture) <= pixels(seen), sizes);
    assert.ok(forwardedPicture.bytes < client.bytes, sizes);
  },
});

Deno.test({
  name:
    "where the upstream has no WebSocket mode squint answers Codex's upgrade 426 and Codex goes over HTTPS at once",
  ignore: clients.ignore,
  async fn() {
    await using stack = new AsyncDisposableStack();
    // Refuses the upgrade with 404, as an upstream without WebSocket mode; streams POST answers.
    const upstream = stack.use(startScriptedResponses(() => ({ text: FINAL })));
    const squint = stack.use(
      startRecordedSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` }),
    );
    const { run, ms } = await codexExec(squint.baseUrl, "Say hello.", false);

    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.stdout.trim(), FINAL);
    assert.deepEqual(exchangeLines(squint), ["GET /v1/responses 426", "POST /v1/responses 200"]);
    assert.equal(squint.exchanges[0].answerHeaders.upgrade, "websocket");
    assert.deepEqual(
      upstream.requests.map((request) => `${request.method} ${request.headers.upgrade ?? "-"}`),
      ["GET websocket", "POST -"],
      "squint tried the upstream's socket once, then relayed the POST",
    );
    assert.doesNotMatch(run.stderr, /Reconnecting|Falling back/, describeRun(run));
    assert.ok(ms < FALLBACK_WITHIN_MS, `Codex took ${ms} ms\n${describeRun(run)}`);
  },
});
