import assert from "node:assert/strict";
import { liveSource } from "../../src/cache/live_sources.ts";

Deno.test("live sources are read from each API's own fields, both Gemini spellings, versioned tool types", () => {
  const live = [
    { tools: [{ googleSearch: {} }] },
    { tools: [{ google_search_retrieval: {} }] },
    { tools: [{ urlContext: {} }] },
    { tools: [{ type: "web_fetch_20250910", name: "web_fetch" }] },
    { tools: [{ type: "code_execution_20250825", name: "code_execution" }] },
    { tools: [{ type: "web_search_preview" }] },
    { tools: [{ type: "mcp", server_label: "deepwiki" }] },
  ];
  for (const body of live) assert.ok(liveSource(body), JSON.stringify(body));
  assert.equal(
    liveSource({ tools: [{ googleSearch: {} }] }),
    "uses the googleSearch tool, whose results change",
  );
  // Tools the client runs, and a context cache (immutable content), are not live.
  const kept = [
    { tools: [{ type: "function", function: { name: "web_search" } }] },
    { tools: [{ functionDeclarations: [{ name: "search" }] }] },
    { tools: [{ type: "computer_20250124", name: "computer" }] },
    { cachedContent: "cachedContents/abc" },
    { mcp_servers: [] },
  ];
  for (const body of kept) assert.equal(liveSource(body), undefined, JSON.stringify(body));
});
