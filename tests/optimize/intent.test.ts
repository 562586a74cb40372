import assert from "node:assert/strict";
import { classifyIntent } from "../../src/optimize/intent/classify.ts";
import { intentInput, messageText } from "../../src/optimize/intent/conversation.ts";
import { evaluate, isHeldOut, readPrompts } from "../../src/optimize/intent/train.ts";

const label = (text: string, context?: string) => classifyIntent({ text, context }).label;

Deno.test("the bench prompts and the issue's hard negatives get the intent they need", () => {
  assert.equal(label("What is in this image?"), "glance");
  assert.equal(label("Extract all the text from this image."), "read_text");
  assert.equal(label("Summarize this."), "read_text");
  assert.equal(label("What does the sign say?"), "fine_detail");
  assert.equal(label("Identify the medication name on the label."), "fine_detail");
  assert.equal(label("Explain this chart."), "general");
  assert.equal(label("What is in the top left corner?"), "region");
});

Deno.test("a follow-up is read with the turn that carried the image", () => {
  assert.equal(label("and the total?", "Here is my receipt from dinner."), "read_text");
});

Deno.test("questions naming a count, a medical image or small print never get a glance", () => {
  for (
    const q of ["How many birds are on the wire?", "Is this x-ray normal?", "Read the small print."]
  ) {
    const d = classifyIntent({ text: q });
    assert.notEqual(d.label, "glance", q);
  }
  const d = classifyIntent({ text: "Read this ultrasound — is it a boy or a girl?" });
  assert.notEqual(d.label, "glance");
});

Deno.test("no question at all is general", () => {
  assert.deepEqual(classifyIntent({ text: "  " }).label, "general");
});

Deno.test("the committed model on its held-out prompts: no text or detail question gets a glance", () => {
  const heldOut = readPrompts().filter(isHeldOut);
  const result = evaluate(heldOut, classifyIntent);
  assert.ok(heldOut.length >= 300, `${heldOut.length} held-out prompts`);
  assert.deepEqual(result.unsafe.map((p) => p.text), []);
  assert.ok(result.accuracy >= 0.8, `accuracy ${result.accuracy}`);
});

Deno.test("the question is the latest user turn; an earlier image turn is its context", () => {
  const messages = [
    {
      role: "user",
      content: [{ type: "text", text: "Here is my invoice." }, { type: "image_url" }],
    },
    { role: "assistant", content: "It is an invoice from ACME." },
    { role: "user", content: "what's the due date?" },
  ];
  assert.deepEqual(intentInput(messages, 0), {
    text: "what's the due date?",
    context: "Here is my invoice.",
  });
  assert.deepEqual(intentInput(messages.slice(0, 1), 0), { text: "Here is my invoice." });
});

Deno.test("a pasted long text is read at its two ends only", () => {
  const long = `What does the sign say? ${"lorem ipsum ".repeat(20_000)}Thanks!`;
  const input = intentInput([{ role: "user", content: long }], 0);
  assert.ok(input.text.length <= 2_003, `${input.text.length}`);
  assert.ok(input.text.startsWith("What does the sign say?"));
  assert.ok(input.text.endsWith("Thanks!"));
});

Deno.test("a picture in a turn without words is asked about by the user's words before it", () => {
  const messages = [
    { role: "user", content: "Describe the image in ./shot.png" },
    { role: "assistant", content: [{ type: "text", text: "Reading it." }] },
    { role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] },
  ];
  assert.deepEqual(intentInput(messages, 2), { text: "Describe the image in ./shot.png" });
  // Words in the picture's own turn are its question, as before.
  messages[2].content = [{ type: "text", text: "And this one?" } as never];
  assert.deepEqual(intentInput(messages, 2), { text: "And this one?" });
});

Deno.test("Claude Code's system reminders are not read as the user's question", () => {
  const messages = [{
    role: "user",
    content: [
      { type: "text", text: "<system-reminder>\nRead the README first.\n</system-reminder>" },
      { type: "text", text: "Describe the image in ./shot.png" },
    ],
  }];
  assert.equal(messageText(messages[0]), "Describe the image in ./shot.png");
});
