/**
 * The served process stays up when a bug throws outside any request (an event handler, a promise
 * nobody awaits): the error goes to stderr with its stack and serving goes on. Run in a child
 * process, since in this one the test runner rightly fails on such an error.
 */
import assert from "node:assert/strict";

const MODULE = new URL("../../src/cli/uncaught.ts", import.meta.url).href;

Deno.test("an error thrown in an event handler and a rejected promise nobody awaits are logged, and the process goes on", async () => {
  const script = `
    import { keepServingOnUncaught } from "${MODULE}";
    keepServingOnUncaught();
    const target = new EventTarget();
    target.addEventListener("ping", () => { throw new RangeError("from a handler"); });
    setTimeout(() => target.dispatchEvent(new Event("ping")), 0);
    Promise.reject(new TypeError("from a promise"));
    setTimeout(() => console.log("still serving"), 50);
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.equal(stdout, "still serving\n");
  assert.match(
    stderr,
    /^squint: uncaught error \(kept serving\): RangeError: from a handler\n\s+at /m,
  );
  assert.match(
    stderr,
    /^squint: unhandled rejection \(kept serving\): TypeError: from a promise\n\s+at /m,
  );
});
