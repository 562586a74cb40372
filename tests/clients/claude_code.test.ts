/**
 * The real Claude Code CLI (pinned in npm/package.json) through squint: `claude -p` reads a
 * screenshot with its Read tool, the picture travels inside a `tool_result` block of
 * `POST /v1/messages?beta=true`, and squint sends Anthropic fewer pixels than the model would
 * look at.
 */
import assert from "node:assert/strict";
import { corpusDir } from "../support/squint.ts";
import { claudeEnv, describeRun, runClient, tempDir } from "./_clients.ts";
import { pinnedClients } from "./_install.ts";
import { modelView, pictureOf, pixels, startRecordedSquint } from "./_recorded_squint.ts";
import { type Script, startScriptedAnthropic } from "./_scripted_upstreams.ts";

const clients = await pinnedClients();

const SCREENSHOT = "web_debian_reference_gui_1920x1080.png";
const PROMPT = "Describe the image in ./shot.png";
const FINAL = "A Debian Reference manual open in a desktop browser window.";

type Json = Record<string, unknown>;
type Block = Json & { type: string };

function blocksOf(message: unknown): Block[] {
  const content = (message as { content?: unknown }).content;
  return Array.isArray(content) ? content : [];
}

/** The `tool_result` blocks of a Messages body's last turn. */
function toolResults(body: Json): Block[] {
  const messages = body.messages as unknown[];
  return blocksOf(messages.at(-1)).filter((block) => block.type === "tool_result");
}

/** The base64 image blocks inside a `tool_result`. */
function imagesIn(result: Block): { media_type: string; data: string }[] {
  return blocksOf(result).filter((block) => block.type === "image")
    .map((block) => block.source as { media_type: string; data: string });
}

/** Calls Claude Code's Read tool on `file` first, then answers once a tool result comes back. */
function readThenAnswer(file: string): Script {
  return (body) => {
    if (toolResults(body).length > 0) return { text: FINAL };
    const tools = (body.tools ?? []) as { name: string; input_schema: Json }[];
    const read = tools.find((tool) => tool.name === "Read");
    if (!read) return { text: `no Read tool among ${tools.map((tool) => tool.name)}` };
    return { call: { name: "Read", input: { file_path: file } } };
  };
}

/** One `claude -p` run over a corpus screenshot copied as ./shot.png, and what each hop saw. */
async function claudeReadsScreenshot() {
  await using stack = new AsyncDisposableStack();
  const work = stack.use(await tempDir("squint-claude-work-"));
  const home = stack.use(await tempDir("squint-claude-home-"));
  const shot = `${work.path}/shot.png`;
  await Deno.copyFile(`${corpusDir()}/images/${SCREENSHOT}`, shot);
  const upstream = stack.use(startScriptedAnthropic(readThenAnswer(shot)));
  const squint = stack.use(startRecordedSquint({ SQUINT_ANTHROPIC_BASE_URL: upstream.origin }));
  const run = await runClient([...clients.claude, "-p", PROMPT, "--output-format", "json"], {
    cwd: work.path,
    env: claudeEnv(squint.origin, home.path),
  });
  const file = pictureOf(Deno.readFileSync(shot).toBase64());
  const resources = stack.move();
  return { run, file, upstream, squint, [Symbol.asyncDispose]: () => resources.disposeAsync() };
}

Deno.test({
  name:
    "Claude Code's Read of a screenshot reaches Anthropic inside a tool_result with no more pixels than the model would see, and Claude Code prints the answer",
  ignore: clients.ignore,
  async fn() {
    await using session = await claudeReadsScreenshot();
    const { run, file, upstream, squint } = session;
    assert.equal(run.code, 0, describeRun(run));
    const printed = JSON.parse(run.stdout);
    assert.equal(printed.is_error, false, run.stdout);
    assert.equal(printed.result, FINAL);

    const tools = upstream.requests[0].body!.tools as { name: string; input_schema: Json }[];
    const read = tools.find((tool) => tool.name === "Read");
    assert.ok(read, "Claude Code offers its Read tool");
    assert.deepEqual(read.input_schema.required, ["file_path"]);

    // The turn that carries the picture back, at squint's door and at Anthropic.
    const carries = (body: Json | null) => body !== null && toolResults(body).length > 0;
    const sent = squint.exchanges.find((exchange) => carries(exchange.body));
    const received = upstream.requests.find((request) => carries(request.body));
    assert.ok(sent && received, "a tool_result came back through squint");
    const [sentImage] = imagesIn(toolResults(sent.body!)[0]);
    const [receivedImage] = imagesIn(toolResults(received.body!)[0]);
    assert.ok(receivedImage, "the upstream received the image inside the tool_result block");
    const client = pictureOf(sentImage.data);
    const upstreamPicture = pictureOf(receivedImage.data);
    assert.deepEqual(client, file, "Claude Code sends the file as it is");

    const model = String(received.body!.model);
    const seen = modelView(model, client);
    // A screenshot's text is small: the legibility floor keeps it at the model's own view.
    assert.ok(
      pixels(upstreamPicture) <= pixels(seen),
      `${model} sees ${seen.width}×${seen.height} of the ${file.width}×${file.height} file; ` +
        `squint sent ${upstreamPicture.width}×${upstreamPicture.height}`,
    );
    assert.ok(modelView(model, upstreamPicture).tokens <= seen.tokens);
    const before = Number(sent.answerHeaders["x-squint-tokens-before"]);
    const after = Number(sent.answerHeaders["x-squint-tokens-after"]);
    assert.ok(before >= after, `x-squint-tokens-before ${before}, after ${after}`);
  },
});

Deno.test({
  name: "Claude Code's query string (POST /v1/messages?beta=true) reaches Anthropic as sent",
  ignore: clients.ignore,
  async fn() {
    await using session = await claudeReadsScreenshot();
    const { run, upstream, squint } = session;
    assert.equal(run.code, 0, describeRun(run));
    const messageCalls = (paths: string[]) => paths.filter((p) => p.startsWith("/v1/messages"));
    const sent = messageCalls(squint.exchanges.map((exchange) => exchange.path));
    assert.ok(sent.length >= 2);
    assert.deepEqual(sent, sent.map(() => "/v1/messages?beta=true"), "what Claude Code sends");
    assert.deepEqual(messageCalls(upstream.requests.map((request) => request.path)), sent);
  },
});
