import assert from "node:assert/strict";
import { startSquint } from "../support/squint.ts";

async function cost(origin: string, model: string) {
  const response = await fetch(`${origin}/v1/optimize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "abcdefgh" }] }),
  });
  return await response.json();
}

Deno.test("a price in the config file overrides the catalogue's, and unknown models stay unpriced", async () => {
  const file = Deno.makeTempFileSync({ suffix: ".yaml" });
  Deno.writeTextFileSync(
    file,
    "prices:\n  gpt-4o:\n    input_per_mtok: 1000000\n    output_per_mtok: 1\n",
  );
  const squint = startSquint({ SQUINT_CONFIG: file });
  try {
    const priced = await cost(squint.origin, "gpt-4o-2024-08-06");
    assert.equal(priced.tokens.before, 3 + 3 + 2);
    assert.equal(priced.cost.before_usd, 8);
    const catalogue = await cost(squint.origin, "gpt-4o-mini");
    assert.equal(catalogue.cost.before_usd, 8 * 0.15 / 1e6);
    const unknown = await cost(squint.origin, "my-local-finetune");
    assert.deepEqual(unknown.cost, { before_usd: null, after_usd: null });
    assert.equal(unknown.model_known, false);
  } finally {
    await squint.close();
    Deno.removeSync(file);
  }
});
