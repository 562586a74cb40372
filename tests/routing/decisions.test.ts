/**
 * Routing by the numbers: `model: "auto"` decisions per task and strategy (the table printed),
 * cascades that happen only when the target can do the task and costs less in total (the
 * target's own image rule included), and both through the Chat Completions door.
 */
import assert from "node:assert/strict";
import { createRegistry } from "../../src/models/registry.ts";
import type { ImageFacts } from "../../src/optimize/plan_image.ts";
import { chooseAuto, chooseCascade, type RoutingInput } from "../../src/routing/choose.ts";
import { balanced, jpeg } from "../optimize/_plan.ts";
import { TASK_LABELS } from "../../src/routing/task/classify.ts";
import { startStack } from "../http/_stack.ts";
import { corpusDataUrl } from "../support/squint.ts";

const registry = createRegistry();
const everything = () => true;

function input(extra: Partial<RoutingInput> = {}): RoutingInput {
  return {
    task: "simple_qa",
    textTokens: 50,
    images: [],
    controls: balanced,
    outputTokens: 500,
    tools: false,
    intents: [],
    ...extra,
  };
}

/** A JPEG photo of `width`×`height` as intake finds it. */
function photo(width: number, height: number): ImageFacts {
  const info = jpeg(width, height, { bytes: width * height / 4 });
  return { info, bytes: info.bytes };
}

Deno.test("the auto decision table: balanced differs from cheapest where capability matters", () => {
  const rows: string[] = [];
  const table: Record<string, Record<string, string>> = {};
  for (const task of TASK_LABELS) {
    table[task] = {};
    for (const strategy of ["cheapest", "balanced", "best"] as const) {
      const decision = chooseAuto(input({ task }), strategy, everything, registry)!;
      table[task][strategy] = decision.model;
    }
    rows.push(
      `${task.padEnd(17)} ${table[task].cheapest.padEnd(22)} ${table[task].balanced.padEnd(22)} ${
        table[task].best
      }`,
    );
  }
  console.log(
    `task              cheapest               balanced               best\n${rows.join("\n")}`,
  );
  for (const task of ["coding", "math", "reasoning", "translation"] as const) {
    assert.notEqual(table[task].balanced, table[task].cheapest, task);
  }
  assert.equal(
    table.simple_qa.balanced,
    table.simple_qa.cheapest,
    "a simple question needs no more",
  );
  for (const task of TASK_LABELS) assert.notEqual(table[task].best, table[task].cheapest, task);
});

Deno.test("auto uses only models whose provider squint can call", () => {
  const onlyAnthropic = (model: string) => model.startsWith("claude-");
  const decision = chooseAuto(input({ task: "coding" }), "balanced", onlyAnthropic, registry)!;
  assert.match(decision.model, /^claude-/);
  assert.ok(decision.options.every((o) => o.model.startsWith("claude-")));
});

Deno.test("a gpt-4o image request is never cascaded to gpt-4o-mini when that costs more in total", () => {
  // gpt-4o-mini bills an image at ~33x gpt-4o's tokens: with a short answer, mini costs more.
  const decision = chooseCascade(
    "gpt-4o",
    input({ images: [photo(1024, 1024)], outputTokens: 50 }),
    registry,
  )!;
  assert.equal(decision.model, "gpt-4o");
  const mini = decision.options.find((o) => o.model === "gpt-4o-mini")!;
  assert.match(mini.excluded!, /costs more in total/);
  assert.ok(mini.imageTokens! > 30 * decision.options[0].imageTokens!);
  // A text question: mini is cheaper and can do it.
  assert.equal(chooseCascade("gpt-4o", input(), registry)!.model, "gpt-4o-mini");
});

Deno.test("no cascade when the task needs more than the target has, or an image needs detail", () => {
  const math = chooseCascade("gpt-4o", input({ task: "math" }), registry)!;
  assert.equal(math.model, "gpt-4o");
  assert.match(math.options[1].excluded!, /level 2 < 4/);
  const reading = chooseCascade("gpt-4o", input({ intents: ["read_text"] }), registry)!;
  assert.equal(reading.model, "gpt-4o");
  assert.match(reading.reason, /read_text/);
});

Deno.test("through the door: auto picks and reports; a cascade is on only when asked", async () => {
  await using stack = startStack({
    env: { SQUINT_API_KEYS: "sq-team", SQUINT_OPENAI_API_KEY: "sk-server" },
    apiKey: "sq-team",
  });
  const auto = await stack.client.chat.completions.create({
    model: "auto",
    messages: [{ role: "user", content: "What is the capital of France?" }],
  }) as unknown as { squint: { model: string; optimizations: string[] } };
  const sent = (stack.mock.requests[0].body as { model: string }).model;
  assert.notEqual(sent, "auto");
  assert.ok(sent.startsWith("gpt-"), sent);
  assert.ok(auto.squint.optimizations.includes("auto"));

  const named = { model: "gpt-4o", messages: [{ role: "user", content: "Say hi." }] };
  await stack.client.chat.completions.create(named as never);
  assert.equal((stack.mock.requests[1].body as { model: string }).model, "gpt-4o");
  const cascaded = await stack.post("/chat/completions", { ...named, squint: { cascade: true } }, {
    authorization: "Bearer sq-team",
  });
  const body = await cascaded.json();
  assert.equal((stack.mock.requests[2].body as { model: string }).model, "gpt-4o-mini");
  assert.ok(body.squint.optimizations.includes("cascade"));
  assert.ok(body.squint.cost_saved_usd > 0);

  const optimized = await stack.post("/optimize", {
    ...named,
    squint: { cascade: true },
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is in this image?" },
        { type: "image_url", image_url: { url: corpusDataUrl("photo_fruits_512x480.jpg") } },
      ],
    }],
  }, { authorization: "Bearer sq-team" });
  const plan = await optimized.json();
  assert.equal(plan.routing.kind, "cascade");
  assert.ok(plan.routing.options.length >= 2);
});

Deno.test("the cascade policy is the deployment's: an empty list turns a family's cascade off", () => {
  assert.equal(chooseCascade("gpt-4o", input(), registry, { "gpt-4o": [] })!.model, "gpt-4o");
  assert.equal(
    chooseCascade("gpt-4o", input(), registry, { "gpt-4o": ["gpt-4.1-nano"] })!.options[1].model,
    "gpt-4.1-nano",
  );
});
