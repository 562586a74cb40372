/**
 * squint behind a recording door, so a test sees both hops of a real client's call: what the
 * client sent squint (path with its query, headers, body) and squint's answer headers, beside
 * what the upstream received. Also the picture arithmetic the tests assert with.
 *
 * @module
 */

import { probeImage } from "../../workers/image/probe.ts";
import { createRegistry } from "../../src/models/registry.ts";
import { imageTokens } from "../../src/models/image_tokens.ts";
import type { Detail, ImageCost } from "../../src/models/types.ts";
import { startSquint } from "../support/squint.ts";

type Json = Record<string, unknown>;

/** One exchange between a client and squint, as seen at squint's door. */
export interface DoorExchange {
  method: string;
  /** Path and query string as the client sent them. */
  path: string;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The parsed JSON body, or null. */
  body: Json | null;
  status: number;
  /** squint's answer headers (its `x-squint-*` figures among them). */
  answerHeaders: Record<string, string>;
}

/** A squint whose door records what the clients send and what squint answers. */
export interface RecordedSquint extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** `http://127.0.0.1:PORT/v1` */
  readonly baseUrl: string;
  readonly exchanges: DoorExchange[];
  close(): Promise<void>;
}

function parseJson(text: string): Json | null {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/**
 * Starts squint with `env` (see `startSquint`) behind a loopback door that hands every request to
 * squint's app in-process and records it with squint's answer headers.
 */
export function startRecordedSquint(env: Record<string, string>): RecordedSquint {
  const squint = startSquint(env);
  const exchanges: DoorExchange[] = [];
  const door = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const body = parseJson(await request.clone().text());
    const answer = await squint.app.handle(request);
    exchanges.push({
      method: request.method,
      path: request.url.slice(request.url.indexOf("/", 8)),
      headers: Object.fromEntries(request.headers),
      body,
      status: answer.status,
      answerHeaders: Object.fromEntries(answer.headers),
    });
    return answer;
  });
  const origin = `http://127.0.0.1:${door.addr.port}`;
  const close = async () => {
    await door.shutdown();
    await squint.close();
  };
  return { origin, baseUrl: `${origin}/v1`, exchanges, close, [Symbol.asyncDispose]: close };
}

/** An image's size and weight. */
export interface Picture {
  width: number;
  height: number;
  bytes: number;
}

/** The picture in base64 data or a `data:` URL, read from its header. */
export function pictureOf(data: string): Picture {
  const base64 = data.startsWith("data:") ? data.slice(data.indexOf(",") + 1) : data;
  const bytes = Uint8Array.fromBase64(base64);
  const info = probeImage(bytes);
  if (!info) throw new Error(`not an image: ${data.slice(0, 40)}…`);
  return { width: info.width, height: info.height, bytes: bytes.length };
}

/** What `model` makes of `picture`: the size it sees after its provider's resize, its tokens. */
export function modelView(model: string, picture: Picture, detail?: Detail): ImageCost {
  const rule = createRegistry().resolve(model)?.family.image;
  if (!rule) throw new Error(`squint has no image rule for ${model}`);
  return imageTokens(rule, picture.width, picture.height, detail);
}

/** Pixels of a picture. */
export function pixels(picture: { width: number; height: number }): number {
  return picture.width * picture.height;
}
