/**
 * The image worker: parses large request bodies, decodes inline images, reads their headers,
 * hashes them, and renders the planner's decisions. Everything it returns that is large travels
 * back as a transferable buffer.
 */
/// <reference lib="deno.worker" />
import { extractInlineData, jsonLiteral } from "../src/intake/inline_images.ts";
import { parseJsonText, spliceBytes } from "../src/intake/native_body.ts";
import { GatewayError } from "../src/errors.ts";
import { nestsDeeperThan } from "../src/intake/depth.ts";
import { translateBody } from "../src/providers/translate_body.ts";
import type {
  FramesResult,
  Inspected,
  LinesResult,
  RenderResult,
  UnderstandResult,
  WorkerTask,
} from "./image/protocol.ts";
import { probeImage } from "./image/probe.ts";
import { renderImage } from "./image/render.ts";
import { parseDataUrl } from "./image/data_url.ts";
import { keptDecoder } from "./image/decoded.ts";
import { linesOf, understandImage, type Understanding } from "./image/understand.ts";
import { extractFrames } from "./video/extract.ts";
import { ffmpegPath, VideoError } from "./video/ffmpeg.ts";
import { clipScorer } from "./video/relevance.ts";
import { timerMs } from "../src/timers.ts";

/** A failure the main thread can act on, by code. */
class TaskFailure extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return digest.toHex();
}

async function inspectBytes(bytes: Uint8Array, mime?: string): Promise<Inspected> {
  const info = probeImage(bytes);
  return { bytes, mime, info, hash: await sha256Hex(bytes) };
}

/** A data URL: decode it, keep its JSON literal for an unchanged pass-through. */
async function inspectDataUrl(url: string): Promise<Inspected> {
  const original = jsonLiteral(url);
  const parsed = parseDataUrl(url);
  if (!parsed) return { original, error: "not a base64 data URL" };
  return { ...(await inspectBytes(parsed.bytes, parsed.mime)), original };
}

function transfers(value: Inspected): ArrayBuffer[] {
  return [value.bytes?.buffer, value.original?.buffer].filter((b) =>
    b !== undefined
  ) as ArrayBuffer[];
}

async function handle(task: WorkerTask): Promise<{ result: unknown; transfer: Transferable[] }> {
  switch (task.kind) {
    case "ingest": {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(task.body));
      } catch (e) {
        throw new TaskFailure(
          "invalid_json",
          `request body is not valid JSON: ${(e as Error).message}`,
        );
      }
      if (nestsDeeperThan(json)) throw new TaskFailure("nesting_too_deep", "nested too deep");
      const inline = await Promise.all(extractInlineData(json).map(inspectDataUrl));
      return {
        result: { json, inline, body: task.body },
        transfer: [...inline.flatMap(transfers), task.body.buffer as ArrayBuffer],
      };
    }
    case "parse": {
      try {
        return { result: parseJsonText(new TextDecoder().decode(task.body)), transfer: [] };
      } catch (e) {
        if ((e as GatewayError).code === "nesting_too_deep") {
          throw new TaskFailure("nesting_too_deep", (e as Error).message);
        }
        throw new TaskFailure("invalid_json", (e as Error).message);
      }
    }
    case "splice": {
      const spliced = spliceBytes(task.api, task.body, task.changes);
      return { result: spliced ?? null, transfer: spliced ? [spliced.buffer as ArrayBuffer] : [] };
    }
    case "translate": {
      try {
        const text = new TextDecoder().decode(task.body);
        const translated = translateBody({ ...task.input, text });
        return { result: translated, transfer: [translated.body.buffer as ArrayBuffer] };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        throw new TaskFailure(
          "invalid_request",
          JSON.stringify({ message: e.message, param: e.param }),
        );
      }
    }
    case "stringify": {
      const bytes = new TextEncoder().encode(JSON.stringify(task.json));
      return { result: bytes, transfer: [bytes.buffer as ArrayBuffer] };
    }
    case "inspect": {
      const inspected = typeof task.source === "string"
        ? await inspectDataUrl(task.source)
        : await inspectBytes(task.source, task.mime);
      return { result: inspected, transfer: transfers(inspected) };
    }
    case "render": {
      if (task.info.width * task.info.height > task.maxPixels) {
        throw new TaskFailure("too_many_pixels", "image exceeds the pixel limit");
      }
      const rendered = await renderImage(task.bytes, task.info, task.spec, {
        maxPixels: task.maxPixels,
        decode: keptDecoder(task.hash),
      });
      const literal = new TextEncoder().encode(
        `"data:image/${rendered.format};base64,${rendered.bytes.toBase64()}"`,
      );
      const result: RenderResult = {
        literal,
        byteLength: rendered.bytes.byteLength,
        format: rendered.format,
        width: rendered.width,
        height: rendered.height,
        formatReason: rendered.formatReason,
      };
      return { result, transfer: [literal.buffer] };
    }
    case "understand": {
      // Every answer hands the bytes back, failures included: the main thread still needs them.
      let found: Understanding;
      try {
        found = await understandImage(task.bytes, task.info, {
          ocr: task.ocr,
          maxPixels: task.maxPixels,
          textBudget: task.textBudget,
          bands: task.ocrBands,
          seen: task.seen,
          lines: task.lines,
          decode: keptDecoder(task.hash),
        });
      } catch (e) {
        found = { error: `could not examine the image: ${(e as Error).message}` };
      }
      const result: UnderstandResult = { ...found, bytes: task.bytes };
      return { result, transfer: [task.bytes.buffer as ArrayBuffer] };
    }
    case "lines": {
      let found: LinesResult;
      try {
        found = await linesOf(task.bytes, task.info, {
          maxPixels: task.maxPixels,
          decode: keptDecoder(task.hash),
        });
      } catch (e) {
        found = { error: `could not measure the lines: ${(e as Error).message}` };
      }
      return { result: found, transfer: [] };
    }
    case "frames": {
      try {
        const video = await extractFrames(task.bytes, {
          ...task,
          ffmpeg: ffmpegPath(task.ffmpeg),
          signal: AbortSignal.timeout(timerMs(task.timeoutMs)),
          scorer: task.clipModelPath ? await clipScorer(task.clipModelPath) : undefined,
        });
        const literal = task.literalMime
          ? jsonLiteral(`data:${task.literalMime};base64,${task.bytes.toBase64()}`)
          : undefined;
        const result: FramesResult = { ...video, literal };
        const buffers = video.frames.flatMap((f) => [f.bytes.buffer, f.literal!.buffer]);
        if (literal) buffers.push(literal.buffer);
        return { result, transfer: buffers as ArrayBuffer[] };
      } catch (e) {
        if (e instanceof VideoError) throw new TaskFailure(e.code, e.message);
        throw e;
      }
    }
  }
}

self.onmessage = async (event: MessageEvent<WorkerTask>) => {
  try {
    const { result, transfer } = await handle(event.data);
    self.postMessage({ ok: true, result }, { transfer });
  } catch (e) {
    const code = e instanceof TaskFailure ? e.code : "image_error";
    self.postMessage({ ok: false, code, message: (e as Error)?.message ?? String(e) });
  }
};

// The pool starts a task's clock only once the module (and the codec) has loaded.
self.postMessage({ ready: true });
