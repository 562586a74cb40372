/**
 * Overload: with one image worker and a queue of one, a burst of large image requests overflows
 * the pool. `reject` answers the overflow with 503 and Retry-After; `passthrough` forwards it
 * unoptimized and says why. Never a 500.
 */
import assert from "node:assert/strict";
import { corpusDataUrl, dataUrlImage, imageMessage, imageUrlsOf } from "./_images.ts";
import { assertOpenAIError, startStack } from "./_stack.ts";

const BURST = 8;
const POOL = { SQUINT_WORKERS: "1", SQUINT_WORKER_QUEUE: "1" };
const PHOTO = corpusDataUrl("photo_dandelions_5312x2988.jpg");

function burst(post: (body: unknown) => Promise<Response>): Promise<Response[]> {
  return Promise.all(
    Array.from(
      { length: BURST },
      (_, i) => post({ model: "gpt-4o", messages: [imageMessage(`Photo number ${i}?`, [PHOTO])] }),
    ),
  );
}

Deno.test("with SQUINT_ON_OVERLOAD=reject a burst past the worker queue gets 503 with Retry-After, never 500", async () => {
  await using stack = startStack({ env: { ...POOL, SQUINT_ON_OVERLOAD: "reject" } });
  const responses = await burst((body) => stack.post("/chat/completions", body));

  const statuses = responses.map((r) => r.status);
  assert.deepEqual(statuses.filter((s) => s !== 200 && s !== 503), [], `statuses ${statuses}`);
  const rejected = responses.filter((r) => r.status === 503);
  const served = responses.filter((r) => r.status === 200);
  assert.ok(rejected.length >= 1, `statuses ${statuses}`);
  assert.ok(served.length >= 1, `statuses ${statuses}`);
  for (const response of rejected) {
    assert.equal(response.headers.get("retry-after"), "1");
    await assertOpenAIError(response, 503, { type: "overloaded_error", code: "overloaded" });
  }
  for (const response of served) {
    const { squint } = await response.json();
    assert.deepEqual(squint.optimizations, ["resize"]);
    assert.equal(squint.passthrough_reason, undefined);
  }
  assert.equal(stack.mock.requests.length, served.length);
});

Deno.test("with SQUINT_ON_OVERLOAD=passthrough a burst all succeeds, the overflow sent unoptimized and labelled", async () => {
  await using stack = startStack({ env: { ...POOL, SQUINT_ON_OVERLOAD: "passthrough" } });
  const responses = await burst((body) => stack.post("/chat/completions", body));

  assert.deepEqual(responses.map((r) => r.status), Array(BURST).fill(200));
  const answers = await Promise.all(responses.map((r) => r.json()));
  const passedThrough = answers.filter((a) => a.squint.passthrough_reason !== undefined);
  const optimized = answers.filter((a) => a.squint.passthrough_reason === undefined);
  assert.ok(passedThrough.length >= 1, "some requests overflowed the queue");
  assert.ok(optimized.length >= 1, "some requests were optimized");
  for (const answer of passedThrough) {
    assert.equal(answer.squint.passthrough_reason, "image workers busy; sent unoptimized");
    assert.deepEqual(answer.squint.optimizations, []);
  }
  for (const answer of optimized) assert.deepEqual(answer.squint.optimizations, ["resize"]);

  const forwarded = stack.mock.requests.map((r) => imageUrlsOf(r.body)[0].url);
  assert.equal(forwarded.length, BURST);
  const originals = forwarded.filter((url) => url === PHOTO);
  assert.equal(originals.length, passedThrough.length, "the overflow carries the original bytes");
  for (const url of forwarded.filter((url) => url !== PHOTO)) {
    const image = dataUrlImage(url);
    assert.deepEqual([image.width, image.height], [1365, 768]);
  }
});
