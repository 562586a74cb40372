/**
 * A Deno Web Worker that uses squint in-process (for in_worker.test.ts): optimizes the image it
 * is sent, posts back the decision, closes squint and ends.
 */
import { createSquint } from "../../src/mod.ts";

self.onmessage = async (event: MessageEvent<{ bytes: Uint8Array; model: string }>) => {
  const squint = createSquint({ workers: 1 });
  try {
    const optimized = await squint.optimizeImage(event.data.bytes, {
      model: event.data.model,
      question: "What is in this image?",
    });
    self.postMessage({ decision: optimized.decision, bytes: optimized.bytes?.byteLength });
  } catch (e) {
    self.postMessage({ error: String(e) });
  } finally {
    await squint.close();
    self.close();
  }
};
