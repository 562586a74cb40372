import assert from "node:assert/strict";
import { waitForLine } from "./support/child_output.ts";
import { startMockOpenAI } from "./support/mock_openai.ts";

Deno.test("on SIGTERM squint stops accepting, lets an in-flight stream finish, then exits 0", async () => {
  const mock = startMockOpenAI({ slowChunkMs: 20, slowMaxChunks: 25 });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/main.ts"],
    env: {
      SQUINT_PORT: "0",
      SQUINT_OPENAI_BASE_URL: mock.baseUrl,
      SQUINT_DATA_DIR: ":memory:",
      SQUINT_WORKERS: "1",
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const [, port] = await waitForLine(stdout, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "mock-slow",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    const body = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    await body.read();
    child.kill("SIGTERM");
    await waitForLine(stdout, /no new connections/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), TypeError);
    let text = "";
    for (;;) {
      const { value, done } = await body.read();
      if (done) break;
      text += value;
    }
    assert.match(text, /"finish_reason":"stop"/);
    assert.ok(text.trimEnd().endsWith("data: [DONE]"));
    const status = await child.status;
    assert.equal(status.code, 0);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await stdout.cancel().catch(() => {});
    await child.status;
    await mock.close();
  }
});

Deno.test("a bad configuration value stops start-up with a message naming the variable", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/main.ts"],
    env: { SQUINT_PORT: "eighty", SQUINT_DATA_DIR: ":memory:" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 1);
  assert.match(
    new TextDecoder().decode(output.stderr),
    /configuration error: SQUINT_PORT: .*"eighty"/,
  );
});

Deno.test("a port another program holds stops start-up with one line naming the address and the variables", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/main.ts"],
    env: { SQUINT_PORT: String(taken.addr.port), SQUINT_DATA_DIR: ":memory:" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 1);
  const stderr = new TextDecoder().decode(output.stderr);
  const line =
    `squint: cannot listen on 127.0.0.1:${taken.addr.port} (SQUINT_HOST, SQUINT_PORT): ` +
    "another program is listening there";
  assert.ok(stderr.split("\n").includes(line), stderr);
  assert.doesNotMatch(stderr, /Uncaught| {4}at /, "no stack trace");
});

Deno.test("on an IPv6 address the start-up line gives a URL that opens: the address in brackets", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/main.ts"],
    env: { SQUINT_HOST: "::1", SQUINT_PORT: "0", SQUINT_DATA_DIR: ":memory:", SQUINT_WORKERS: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const [, url] = await waitForLine(stdout, /^squint listening on (\S+) /);
    assert.match(url, /^http:\/\/\[::1\]:\d+$/);
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  } finally {
    child.kill("SIGKILL");
    await stdout.cancel().catch(() => {});
    await child.status;
  }
});
