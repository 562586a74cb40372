/**
 * The two configurations (README, Install size): deno.json pins only what serving, the library
 * and the binary run, and `deno task` installs everything its deno.lock holds; deno.dev.json
 * (tests and bench, with deno.dev.lock) pins those same packages at the same versions plus the
 * test-only ones, and CLIP's transformers.js at the version its loader imports on first use.
 */
import assert from "node:assert/strict";
import { TRANSFORMERS } from "../workers/video/relevance.ts";

interface Config {
  nodeModulesDir?: string;
  imports: Record<string, string>;
  unstable?: string[];
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
