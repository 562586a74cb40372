/**
 * squint in-process inside a Deno Web Worker, and a program that closes its squint ends on its
 * own (no worker or timer left running).
 */
import assert from "node:assert/strict";
import { createSquint } from "../../src/mod.ts";
import { corpusDir } from "../support/squint.ts";

const PHOTO = `${corpusDir()}/images/photo_coffee_cup_600x400.png`;

Deno.test("createSquint works inside a Deno Web Worker and decides as on the main thread", async () => {
  const bytes = Deno.readFileSync(PHOTO);
  const squint = createSquint({ workers: 1 });
  const here = await squint.optimizeImage(bytes, {
    model: "gpt-4o",
    question: "What is in this image?",
  });
  await squint.close();

  const worker = new Worker(new URL("./_in_worker.ts", import.meta.url), { type: "module" });
  const answer = new Promise<{ decision?: unknown; bytes?: number; error?: string }>((resolve) =>
    worker.onmessage = (e) => resolve(e.data)
  );
  worker.postMessage({ bytes, model: "gpt-4o" });
  const there = await answer;
  worker.terminate();
  assert.equal(there.error, undefined);
  assert.deepEqual(there.decision, here.decision);
  assert.equal(there.bytes, here.bytes!.byteLength);
});

Deno.test("a program ends on its own once it has closed its squint", async () => {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_exits.ts", import.meta.url).pathname, PHOTO],
    stdout: "piped",
    stderr: "piped",
    // A guard against a hang: the program is expected to end long before this.
    signal: AbortSignal.timeout(120_000),
  }).output();
  assert.equal(new TextDecoder().decode(run.stderr).includes("error"), false);
  assert.equal(run.code, 0);
  assert.equal(new TextDecoder().decode(run.stdout).trim(), "reencode");
});
