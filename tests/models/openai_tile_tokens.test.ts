// OpenAI tile models: providers.md §1.4 doc examples and the §8 worked-example rows.
import assert from "node:assert/strict";
import { createRegistry, type Detail, imageTokens } from "../../src/models/mod.ts";

const registry = createRegistry();

function cost(model: string, width: number, height: number, detail: Detail = "auto") {
  const resolved = registry.resolve(model);
  assert.ok(resolved, `${model} resolves`);
  return imageTokens(resolved.family.image, width, height, detail);
}

/** §8 columns. */
const SIZES: [number, number][] = [[4000, 3000], [1280, 720], [1024, 1024], [2048, 4096]];

Deno.test("gpt-4o bills a 1024×1024 image 765 tokens and a 2048×4096 image 1105 (OpenAI doc)", () => {
  assert.equal(cost("gpt-4o", 1024, 1024).tokens, 765);
  assert.equal(cost("gpt-4o", 2048, 4096).tokens, 1105);
});

Deno.test("gpt-4o bills any low-detail image its 85 base tokens and shows it within 512×512", () => {
  assert.deepEqual(cost("gpt-4o", 4000, 3000, "low"), {
    tokens: 85,
    width: 512,
    height: 384,
    units: 0,
    estimated: false,
  });
  assert.equal(cost("gpt-4o", 128, 64, "low").tokens, 85);
});

Deno.test("tile models resize the §8 images to 1024×768, 1280×720, 768×768, 768×1536 (4, 6, 4, 6 tiles)", () => {
  const seen = SIZES.map(([w, h]) => {
    const c = cost("gpt-4o", w, h);
    return [c.width, c.height, c.units];
  });
  assert.deepEqual(seen, [[1024, 768, 4], [1280, 720, 6], [768, 768, 4], [768, 1536, 6]]);
});

Deno.test("§8 high-detail rows: gpt-4o, gpt-4.1, gpt-4o-mini, o1, o3, gpt-5, gpt-5.1", () => {
  const rows: [string, number[]][] = [
    ["gpt-4o", [765, 1105, 765, 1105]],
    ["gpt-4.1", [765, 1105, 765, 1105]],
    ["gpt-4o-mini", [25_501, 36_835, 25_501, 36_835]],
    ["o1", [675, 975, 675, 975]],
    ["o3", [675, 975, 675, 975]],
    ["gpt-5", [630, 910, 630, 910]],
    ["gpt-5.1", [630, 910, 630, 910]],
  ];
  for (const [model, expected] of rows) {
    assert.deepEqual(SIZES.map(([w, h]) => cost(model, w, h, "high").tokens), expected, model);
    assert.deepEqual(SIZES.map(([w, h]) => cost(model, w, h, "auto").tokens), expected, model);
  }
});

Deno.test("§8 low-detail row: any tile model bills its base (85 / 2833 / 75 / 70) whatever the size", () => {
  const bases: [string, number][] = [["gpt-4o", 85], ["gpt-4o-mini", 2833], ["o3", 75], [
    "gpt-5",
    70,
  ]];
  for (const [model, base] of bases) {
    assert.deepEqual(SIZES.map(([w, h]) => cost(model, w, h, "low").tokens), [
      base,
      base,
      base,
      base,
    ]);
  }
});

Deno.test("the other tile tables: o1-pro 75/150, computer-use-preview 65/129, gpt-4.5 85/170", () => {
  assert.equal(cost("o1-pro", 1024, 1024).tokens, 75 + 4 * 150);
  assert.equal(cost("computer-use-preview", 1024, 1024).tokens, 65 + 4 * 129);
  assert.equal(cost("gpt-4.5-preview", 1024, 1024).tokens, 85 + 4 * 170);
  assert.equal(cost("gpt-5-chat-latest", 1280, 720).tokens, 910);
});

Deno.test("tile models have no original level: detail original bills as high", () => {
  assert.deepEqual(cost("gpt-4o", 4000, 3000, "original"), cost("gpt-4o", 4000, 3000, "high"));
});

Deno.test("tile models never enlarge a small image", () => {
  assert.deepEqual(cost("gpt-4o", 300, 200), {
    tokens: 85 + 170,
    width: 300,
    height: 200,
    units: 1,
    estimated: false,
  });
});
