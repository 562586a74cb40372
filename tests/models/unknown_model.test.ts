// The passthrough reason of a request for a model the registry does not know.
import assert from "node:assert/strict";
import { isUnknownModelReason, unknownModelReason } from "../../src/models/mod.ts";

Deno.test("an unknown model's reason names the model and says what squint lacks", () => {
  assert.equal(
    unknownModelReason("gpt-6.2-sol"),
    "unknown model: gpt-6.2-sol (no image rule, no price)",
  );
});

Deno.test("only an unknown model's reason reads as one", () => {
  assert.equal(isUnknownModelReason(unknownModelReason("mistral-large-latest")), true);
  assert.equal(isUnknownModelReason("image workers busy; sent unoptimized"), false);
  assert.equal(isUnknownModelReason(null), false);
  assert.equal(isUnknownModelReason(undefined), false);
});
