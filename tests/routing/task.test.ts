import assert from "node:assert/strict";
import { classifyTask, TASK_LABELS, taskInput } from "../../src/routing/task/classify.ts";
import { evaluateTask, isHeldOutTask, readTaskPrompts } from "../../src/routing/task/train.ts";
import stored from "../../src/routing/task/weights.json" with { type: "json" };

/** What `deno task train-task` printed for the committed weights. */
const HELD_OUT_ACCURACY = 0.943;

const label = (text: string, system?: string) => classifyTask({ text, system }).label;

Deno.test("the committed weights score on the held-out fifth what train.ts printed, at least 0.80", () => {
  const heldOut = readTaskPrompts().filter(isHeldOutTask);
  const result = evaluateTask(heldOut, classifyTask);
  assert.ok(result.n >= 200, `${result.n} held-out prompts`);
  assert.ok(
    Math.abs(result.accuracy - HELD_OUT_ACCURACY) <= 0.001,
    `accuracy ${result.accuracy}, printed ${HELD_OUT_ACCURACY}`,
  );
  assert.ok(result.accuracy >= 0.8, `accuracy ${result.accuracy}`);
});

Deno.test("the committed weights have the eight labels in TASK_LABELS order", () => {
  assert.deepEqual(stored.labels, [...TASK_LABELS]);
});

Deno.test("the label guide's tie-breaks hold", () => {
  assert.equal(
    label("translate this code comment to English: # 计算总价并加上运费"),
    "translation",
  );
  assert.equal(label("write a poem about sorting algorithms"), "creative_writing");
  assert.equal(
    label(
      "Summarize this email and extract the dates as JSON:\n\nHi all, the kickoff is on May 2. Design review will be May 16, and we plan to launch on June 1.",
    ),
    "extraction",
  );
  assert.equal(label("what is 2+2"), "simple_qa");
  assert.equal(label("Prove that there are infinitely many primes."), "math");
});

Deno.test("clear requests get their task in several languages", () => {
  const cases: [string, string][] = [
    ["Write a Python function that removes duplicates from a list and keeps the order.", "coding"],
    ["Solve for x: 5x - 7 = 3x + 9", "math"],
    ["Translate into German: The office is closed on Monday.", "translation"],
    ["Can you summarize this article in three bullet points?", "summarization"],
    ["Write a short poem about the sea at night.", "creative_writing"],
    ["Should I lease or buy my next car? Weigh the pros and cons.", "reasoning"],
    [
      "Extract all email addresses from this text: write to ana@shop.com or bob@shop.com",
      "extraction",
    ],
    ["What's the capital of Italy?", "simple_qa"],
    ["Escribe una función en JavaScript que invierta una cadena.", "coding"],
    ["Résous l'équation 3x + 2 = 11", "math"],
    ["Übersetze ins Englische: Wir sehen uns morgen.", "translation"],
    ["请帮我总结一下这篇文章的主要内容", "summarization"],
    ["夏の海をテーマにした詩を書いてください", "creative_writing"],
    ["이 문장을 영어로 번역해줘: 오늘 날씨가 좋네요.", "translation"],
    ["Напиши стихотворение про осень", "creative_writing"],
    ["Какая самая длинная река в мире?", "simple_qa"],
  ];
  for (const [text, expected] of cases) assert.equal(label(text), expected, text);
});

Deno.test("a bare turn takes its task from the system prompt; an explicit request does not", () => {
  assert.equal(
    label(
      "Buenas tardes, ¿la tienda abre el domingo?",
      "Translate every user message into English. Output only the translation.",
    ),
    "translation",
  );
  assert.equal(
    label("thanks! unrelated, but what's the capital of Peru?", "You are a coding assistant."),
    "simple_qa",
  );
});

Deno.test("an empty request is simple_qa", () => {
  assert.deepEqual(classifyTask({ text: "  " }), { label: "simple_qa", confidence: 1 });
});

Deno.test("taskInput reads the latest user turn's text parts and the system and developer turns", () => {
  const messages = [
    { role: "system", content: "You are a careful assistant." },
    { role: "developer", content: [{ type: "text", text: "Answer in English." }] },
    { role: "user", content: "Hi!" },
    { role: "assistant", content: "Hello! How can I help?" },
    {
      role: "user",
      content: [
        { type: "text", text: "Translate this menu into English:" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        { type: "text", text: "味噌ラーメン, 焼き餃子" },
      ],
    },
  ];
  assert.deepEqual(taskInput(messages), {
    text: "Translate this menu into English:\n味噌ラーメン, 焼き餃子",
    system: "You are a careful assistant.\nAnswer in English.",
  });
  assert.equal(classifyTask(taskInput(messages)).label, "translation");
});

Deno.test("taskInput without a system prompt or a user turn", () => {
  assert.deepEqual(taskInput([{ role: "user", content: "what is 2+2" }]), { text: "what is 2+2" });
  assert.deepEqual(taskInput([{ role: "system", content: "Be brief." }]), {
    text: "",
    system: "Be brief.",
  });
  assert.deepEqual(taskInput([]), { text: "" });
});

Deno.test("taskInput reads a pasted long turn at its two ends only", () => {
  const long = `Summarize this report: ${"lorem ipsum ".repeat(20_000)}Thanks!`;
  const { text } = taskInput([{ role: "user", content: long }]);
  assert.ok(text.length <= 2_003, `${text.length}`);
  assert.ok(text.startsWith("Summarize this report:"));
  assert.ok(text.endsWith("Thanks!"));
});
