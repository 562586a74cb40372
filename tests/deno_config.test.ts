/**
 * The two configurations (README, Install size): deno.json pins only what serving, the library
 * and the binary run, and `deno task` installs everything its deno.lock holds; deno.dev.json
 * (tests and bench, with deno.dev.lock) pins those same packages at the same versions plus the
 * test-only ones, and CLIP's transformers.js at the version its loader imports on first use.
 * The tasks that run squint start V8 the same way (README, Memory after a burst).
 */
import assert from "node:assert/strict";
import { TRANSFORMERS } from "../workers/video/relevance.ts";

interface Config {
  nodeModulesDir?: string;
  imports: Record<string, string>;
  unstable?: string[];
  tasks?: Record<string, string>;
}

async function config(name: string): Promise<Config> {
  return JSON.parse(await Deno.readTextFile(new URL(`../${name}`, import.meta.url)));
}

Deno.test("deno.dev.json pins every package of deno.json at the same version, with the same runtime settings", async () => {
  const lean = await config("deno.json"), dev = await config("deno.dev.json");
  for (const [name, specifier] of Object.entries(lean.imports)) {
    assert.equal(dev.imports[name], specifier, `deno.dev.json's "${name}"`);
  }
  assert.equal(dev.nodeModulesDir, lean.nodeModulesDir);
  assert.deepEqual(dev.unstable, lean.unstable);
});

Deno.test("the CLIP loader imports the transformers.js deno.dev.json pins; deno.json leaves it out", async () => {
  const lean = await config("deno.json"), dev = await config("deno.dev.json");
  assert.equal(dev.imports["@huggingface/transformers"], TRANSFORMERS);
  assert.equal(lean.imports["@huggingface/transformers"], undefined);
});

Deno.test("every task that runs squint (serve, cli, compile) carries the same V8 flags: V8's memory reducer waits 5 min of idleness", async () => {
  const tasks = (await config("deno.json")).tasks!;
  const v8Flags = (task: string) =>
    tasks[task].split(" ").filter((arg) => arg.startsWith("--v8-flags="));
  assert.deepEqual(v8Flags("serve"), ["--v8-flags=--memory-reducer-delay-ms=300000"]);
  assert.deepEqual(v8Flags("cli"), v8Flags("serve"));
  assert.deepEqual(v8Flags("compile"), v8Flags("serve"));
});
