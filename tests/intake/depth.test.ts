import assert from "node:assert/strict";
import { MAX_NESTING, nestsDeeperThan } from "../../src/intake/depth.ts";

/** `levels` arrays and objects, alternating, around one string. */
function nested(levels: number): unknown {
  let json: unknown = "leaf";
  for (let i = 0; i < levels; i++) json = i % 2 ? { a: 1, inner: json } : [0, json];
  return json;
}

Deno.test("a body may nest exactly MAX_NESTING arrays and objects, not one more", () => {
  assert.equal(nestsDeeperThan(nested(MAX_NESTING)), false);
  assert.equal(nestsDeeperThan(nested(MAX_NESTING + 1)), true);
  assert.equal(nestsDeeperThan(nested(3), 3), false);
  assert.equal(nestsDeeperThan(nested(4), 3), true);
  assert.equal(nestsDeeperThan("text"), false);
  assert.equal(nestsDeeperThan(null), false);
});

Deno.test("the deep branch is found wherever it sits, and a body nested 100,000 deep is refused without overflowing", () => {
  const wide = {
    messages: [{ role: "user", content: "hi" }, { role: "user", content: nested(3) }],
  };
  assert.equal(nestsDeeperThan(wide, 6), false);
  assert.equal(nestsDeeperThan(wide, 5), true, "object, array, object, then its 3 levels");
  const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000));
  assert.equal(nestsDeeperThan(deep), true);
});
