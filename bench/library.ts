/**
 * Section (j), squint in-process (issue 18): the time `createSquint().fetch` adds to a text-only
 * request against calling the mock with plain `fetch`, and per corpus image, the in-process path
 * against the server path (the same squint behind `Deno.serve` on loopback).
 *
 * Method: one mock OpenAI upstream in this process (it answers at once, recording off), used by
 * every path, so its cost is the same in each. Text-only: rounds of sequential requests, the
 * paths interleaved round by round; the figure is the mean time per request, and the ratio
 * in-process / plain fetch. Images: one request per corpus image ("What is in this image?",
 * gpt-4o, OCR off so a page's reading does not swamp the comparison), each path on a fresh squint
 * (first sight: nothing cached), 1 picture worker each.
 *
 * Run alone: `deno run -A bench/library.ts`.
 *
 * @module
 */
import { createSquint } from "../src/mod.ts";
import { dataUrl } from "../src/library/image.ts";
import { startMockOpenAI } from "../tests/support/mock_openai.ts";
import { startSquint } from "../tests/support/squint.ts";
import { loadCorpusImages, mimeOf } from "./corpus.ts";
import { quantile } from "./latency.ts";
import { fixed, table } from "./table.ts";

const ROUNDS = 5;
const PER_ROUND = 400;
const IMAGE_QUESTION = "What is in this image?";

/** What section (j) measured. */
export interface LibraryBench {
  text: { plainUs: number; inProcessUs: number; ratio: number };
  images: { file: string; serverMs: number; inProcessMs: number }[];
}

const textBody = JSON.stringify({
  model: "gpt-4o",
  messages: [{ role: "user", content: "Say hello" }],
});

async function timeRequests(
  send: (init: RequestInit) => Promise<Response>,
  count: number,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const response = await send({
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
      body: textBody,
    });
    await response.arrayBuffer();
  }
  return (performance.now() - started) / count;
}

function imageBody(bytes: Uint8Array, mime: string): string {
  return JSON.stringify({
    model: "gpt-4o",
    messages: [{
      role: "user",
      content: [
        { type: "text", text: IMAGE_QUESTION },
        { type: "image_url", image_url: { url: dataUrl(bytes, mime) } },
      ],
    }],
  });
}

/** Runs section (j). */
export async function runLibrary(): Promise<{ text: string; results: LibraryBench }> {
  await using mock = startMockOpenAI({ record: false });
  const url = `${mock.baseUrl}/chat/completions`;
  const squint = createSquint({ workers: 1, ocr: "off" });
  const plain: number[] = [];
  const inProcess: number[] = [];
  try {
    // Warm both paths (JIT, connections) before measuring.
    await timeRequests((init) => fetch(url, init), 200);
    await timeRequests((init) => squint.fetch(url, init), 200);
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await timeRequests((init) => fetch(url, init), PER_ROUND));
      inProcess.push(await timeRequests((init) => squint.fetch(url, init), PER_ROUND));
    }
  } finally {
    await squint.close();
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const text = {
    plainUs: mean(plain) * 1000,
    inProcessUs: mean(inProcess) * 1000,
    ratio: mean(inProcess) / mean(plain),
  };

  const images: LibraryBench["images"] = [];
  const server = startSquint({
    SQUINT_OPENAI_BASE_URL: mock.baseUrl,
    SQUINT_OCR: "off",
    SQUINT_OCR_BUDGET_MS: "1000",
  });
  const library = createSquint({ workers: 1, ocr: "off" });
  try {
    for (const image of loadCorpusImages()) {
      const body = imageBody(image.bytes, mimeOf(image.file));
      const time = async (send: () => Promise<Response>) => {
        const started = performance.now();
        const response = await send();
        await response.arrayBuffer();
        return performance.now() - started;
      };
      const serverMs = await time(() =>
        fetch(`${server.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
          body,
        })
      );
      const inProcessMs = await time(() =>
        library.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
          body,
        })
      );
      images.push({ file: image.file.replace(/^images\//, ""), serverMs, inProcessMs });
    }
  } finally {
    await library.close();
    await server.close();
  }
  return { text: format({ text, images }), results: { text, images } };
}

function format({ text, images }: LibraryBench): string {
  const ratios = images.map((i) => i.inProcessMs / i.serverMs).sort((a, b) => a - b);
  const sum = (key: "serverMs" | "inProcessMs") => images.reduce((s, i) => s + i[key], 0);
  return [
    `text-only request, ${ROUNDS} rounds × ${PER_ROUND} sequential, mean per request:`,
    table(["path", "µs/request"], [
      ["plain fetch to the mock", fixed(text.plainUs)],
      ["squint.fetch (in-process)", fixed(text.inProcessUs)],
    ]),
    `in-process / plain fetch: ${fixed(text.ratio, 2)}× (+${
      fixed(text.inProcessUs - text.plainUs)
    } µs per request)`,
    "",
    `corpus images, first sight, gpt-4o, "${IMAGE_QUESTION}", OCR off, 1 picture worker each:`,
    table(
      ["image", "server ms", "in-process ms", "ratio"],
      images.map((
        i,
      ) => [i.file, fixed(i.serverMs), fixed(i.inProcessMs), fixed(i.inProcessMs / i.serverMs, 2)]),
    ),
    `all ${images.length} images: server ${fixed(sum("serverMs"))} ms, in-process ${
      fixed(sum("inProcessMs"))
    } ms (${fixed(sum("inProcessMs") / sum("serverMs"), 2)}×); per-image ratio p50 ${
      fixed(quantile(ratios, 0.5), 2)
    }, p95 ${fixed(quantile(ratios, 0.95), 2)}`,
  ].join("\n");
}

if (import.meta.main) console.log((await runLibrary()).text);
