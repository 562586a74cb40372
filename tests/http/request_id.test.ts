import assert from "node:assert/strict";
import { requestId } from "../../src/accounting/request_id.ts";

Deno.test("request ids are 32 hex digits after sq- and sort by the time they were made", () => {
  const early = requestId(Date.parse("2026-11-22T10:00:00Z"));
  const late = requestId(Date.parse("2026-11-22T10:00:00.001Z"));
  assert.match(early, /^sq-[0-9a-f]{32}$/);
  assert.ok(early < late);
  assert.equal(
    early.slice(3, 15),
    Date.parse("2026-11-22T10:00:00Z").toString(16).padStart(12, "0"),
  );
  assert.notEqual(requestId(), requestId());
});
