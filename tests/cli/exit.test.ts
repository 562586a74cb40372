/**
 * The exit watchdog: a process whose main thread blocks after arming it (as Deno's exit does
 * when its OpenTelemetry flush is stuck) is killed, saying why, once the watch runs out.
 */
import assert from "node:assert/strict";

Deno.test("a main thread blocked after the watchdog is armed is killed, with the reason on stderr", async () => {
  const exit = new URL("../../src/cli/exit.ts", import.meta.url).href;
  const script = `
    import { armWatchdog } from ${JSON.stringify(exit)};
    await armWatchdog({ ms: 300, reason: "the main thread is blocked" });
    console.log("armed");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  `;
  const { code, signal, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "piped",
    stderr: "piped",
    // Without a watchdog the child would block for ever: the test then fails, not hangs.
    signal: AbortSignal.timeout(20_000),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  assert.equal(decode(stdout), "armed\n");
  assert.equal(signal, "SIGKILL");
  assert.equal(code, 137);
  assert.match(decode(stderr), /squint: the main thread is blocked/);
});
