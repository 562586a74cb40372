/**
 * The real Codex CLI (pinned in npm/package.json) through squint, over HTTP Responses calls to a
 * `config.toml` provider (`wire_api = "responses"`): a picture Codex looks at with its
 * `view_image` tool comes back in a `function_call_output`, one attached with `-i` in the user
 * message, and either way squint sends OpenAI no more pixels than gpt-4o would see.
 */
import assert from "node:assert/strict";
import { corpusDir } from "../support/squint.ts";
import { codexEnv, describeRun, runClient, tempDir, writeCodexConfig } from "./_clients.ts";
import { pinnedClients } from "./_install.ts";
import { modelView, pictureOf, pixels, startRecordedSquint } from "./_recorded_squint.ts";
import { type Script, startScriptedResponses } from "./_scripted_upstreams.ts";
import type { Detail } from "../../src/models/types.ts";

const clients = await pinnedClients();

const PHOTO = "photo_boats_sunset_2560x1600.jpg";
const MODEL = "gpt-4o";
const FINAL = "Sailing boats on calm water under an orange sunset sky.";

type Json = Record<string, unknown>;
type Item = Json & { type?: string; role?: string };
/** An `input_image` part as the Responses API takes it. */
type InputImage = { type: "input_image"; image_url: string; detail?: Detail };

function inputOf(body: Json | null): Item[] {
  return Array.isArray(body?.input) ? body.input : [];
}

function functionOutputs(body: Json | null): Item[] {
  return inputOf(body).filter((item) => item.type === "function_call_output");
}

/** Every `input_image` part of the user messages of a Responses body. */
function userImages(body: Json | null): InputImage[] {
  return inputOf(body).filter((item) => item.role === "user")
    .flatMap((item) => (Array.isArray(item.content) ? item.content : []))
    .filter((part) => part.type === "input_image");
}

/** The `input_image` parts a `function_call_output` carries. */
function outputImages(item: Item): InputImage[] {
  return Array.isArray(item.output)
    ? item.output.filter((part) => part.type === "input_image")
    : [];
}

/** Calls Codex's view_image tool on `file` first (when asked to), then answers. */
function viewThenAnswer(file: string | null): Script {
  return (body) => {
    if (file === null || functionOutputs(body).length > 0) return { text: FINAL };
    const tools = (body.tools ?? []) as { name?: string }[];
    if (!tools.some((tool) => tool.name === "view_image")) {
      return { text: `no view_image tool among ${tools.map((tool) => tool.name)}` };
    }
    return { call: { name: "view_image", input: { path: file } } };
  };
}

/** One `codex exec` run in a folder holding the corpus photo as ./photo.jpg. */
async function codexRun(options: { prompt: string; viewImage: boolean; attach: boolean }) {
  await using stack = new AsyncDisposableStack();
  const work = stack.use(await tempDir("squint-codex-work-"));
  const home = stack.use(await tempDir("squint-codex-home-"));
  const photo = `${work.path}/photo.jpg`;
  await Deno.copyFile(`${corpusDir()}/images/${PHOTO}`, photo);
  const script = viewThenAnswer(options.viewImage ? photo : null);
  const upstream = stack.use(startScriptedResponses(script));
  const squint = stack.use(
    startRecordedSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` }),
  );
  const codexHome = `${home.path}/.codex`;
  await Deno.mkdir(codexHome);
  await writeCodexConfig(codexHome, squint.baseUrl, MODEL);
  const attach = options.attach ? ["-i", "photo.jpg"] : [];
  const args = ["exec", "--skip-git-repo-check", "--ephemeral", options.prompt, ...attach];
  const run = await runClient([...clients.codex, ...args], {
    cwd: work.path,
    env: codexEnv(codexHome, home.path),
  });
  const resources = stack.move();
  return { run, upstream, squint, [Symbol.asyncDispose]: () => resources.disposeAsync() };
}

const viewImageRun = () =>
  codexRun({
    prompt: "Look at ./photo.jpg with your view_image tool and describe it.",
    viewImage: true,
    attach: false,
  });

/** Asserts OpenAI got fewer pixels and bytes than Codex sent, and no more than gpt-4o sees. */
function assertShrunkForModel(sent: InputImage, received: InputImage) {
  const client = pictureOf(sent.image_url);
  const upstream = pictureOf(received.image_url);
  const seen = modelView(MODEL, client, received.detail);
  const sizes = `Codex sent ${client.width}×${client.height} (${client.bytes} B) at detail ` +
    `${sent.detail}; ${MODEL} sees ${seen.width}×${seen.height} at detail ${received.detail}; ` +
    `squint sent ${upstream.width}×${upstream.height} (${upstream.bytes} B)`;
  assert.ok(pixels(upstream) <= pixels(seen), sizes);
  assert.ok(pixels(upstream) < pixels(client), sizes);
  assert.ok(upstream.bytes < client.bytes, sizes);
}

Deno.test({
  name:
    "Codex's view_image call returns the picture in a function_call_output through squint, and Codex prints the answer",
  ignore: clients.ignore,
  async fn() {
    await using session = await viewImageRun();
    const { run, upstream, squint } = session;
    assert.equal(run.code, 0, describeRun(run));
    assert.match(run.stdout, new RegExp(FINAL));
    assert.deepEqual(upstream.requests.map((request) => request.path), [
      "/v1/responses",
      "/v1/responses",
    ]);
    // The item exactly as Codex 0.171.0 sends it (id and picture aside).
    const [output] = functionOutputs(squint.exchanges[1].body);
    const [image] = outputImages(output);
    assert.match(image.image_url, /^data:image\/jpeg;base64,/);
    assert.deepEqual({ ...output, id: "<id>", output: [{ ...image, image_url: "<data URL>" }] }, {
      type: "function_call_output",
      id: "<id>",
      call_id: "call_000000000000000000000000",
      output: [{ type: "input_image", image_url: "<data URL>", detail: "high" }],
    });
    assert.equal(userImages(squint.exchanges[1].body).length, 0, "and not in a user message");
    const received = functionOutputs(upstream.requests[1].body).flatMap(outputImages);
    assert.equal(received.length, 1, "the upstream received the picture");
  },
});

Deno.test({
  name: "squint sends no more of the picture in Codex's function_call_output than gpt-4o would see",
  ignore: clients.ignore,
  async fn() {
    await using session = await viewImageRun();
    const { run, upstream, squint } = session;
    assert.equal(run.code, 0, describeRun(run));
    const sent = squint.exchanges.flatMap((exchange) => functionOutputs(exchange.body))
      .flatMap(outputImages);
    const received = upstream.requests.flatMap((request) => functionOutputs(request.body))
      .flatMap(outputImages);
    assert.equal(sent.length, 1);
    assert.equal(received.length, 1);
    assertShrunkForModel(sent[0], received[0]);
  },
});

Deno.test({
  name:
    "an image attached with codex exec -i reaches OpenAI as an input_image no larger than gpt-4o would see",
  ignore: clients.ignore,
  async fn() {
    await using session = await codexRun({
      prompt: "Describe this photo in detail.",
      viewImage: false,
      attach: true,
    });
    const { run, upstream, squint } = session;
    assert.equal(run.code, 0, describeRun(run));
    assert.match(run.stdout, new RegExp(FINAL));
    assert.equal(upstream.requests.length, 1);
    const [sent] = userImages(squint.exchanges[0].body);
    const [received] = userImages(upstream.requests[0].body);
    assert.ok(sent && received, "the photo travels as an input_image of the user message");
    assertShrunkForModel(sent, received);
  },
});
