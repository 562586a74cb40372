/**
 * Images in requests: corpus photos as data URLs and chat parts, what a forwarded data URL holds,
 * and a tiny image server on loopback for remote-URL tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { probeImage } from "../../workers/image/probe.ts";
import type { ImageInfo } from "../../workers/image/types.ts";
import { corpusDataUrl, corpusDir } from "../support/squint.ts";

export { corpusDataUrl };

/** The bytes of a corpus image. */
export function corpusBytes(file: string): Uint8Array<ArrayBuffer> {
  return Deno.readFileSync(`${corpusDir()}/images/${file}`);
}

/** A test fixture image as a data URL. */
export function fixtureDataUrl(file: string, mime: string): string {
  const bytes = Deno.readFileSync(new URL(`../fixtures/images/${file}`, import.meta.url));
  return `data:${mime};base64,${bytes.toBase64()}`;
}

/** A user message with a question and one image part per URL. */
export function imageMessage(
  text: string,
  urls: string[],
  detail?: "auto" | "low" | "high",
): { role: "user"; content: unknown[] } {
  return {
    role: "user",
    content: [
      { type: "text", text },
      ...urls.map((url) => ({ type: "image_url", image_url: detail ? { url, detail } : { url } })),
    ],
  };
}

/** The `image_url` objects of a recorded chat body, in order. */
export function imageUrlsOf(body: unknown): { url: string; detail?: string }[] {
  const messages = (body as { messages: { content: unknown }[] }).messages;
  return messages.flatMap((message) =>
    Array.isArray(message.content)
      ? message.content.filter((part) => part.type === "image_url").map((part) => part.image_url)
      : []
  );
}

/** The MIME type and bytes of a base64 data URL. */
export function decodeDataUrl(url: string): { mime: string; bytes: Uint8Array } {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  assert.ok(match, `a base64 data URL, got ${url.slice(0, 60)}…`);
  return { mime: match[1], bytes: Uint8Array.fromBase64(match[2]) };
}

/** The header facts of the image inside a data URL. */
export function dataUrlImage(url: string): ImageInfo & { mime: string } {
  const { mime, bytes } = decodeDataUrl(url);
  const info = probeImage(bytes);
  assert.ok(info, "the data URL holds an image");
  return { ...info, mime };
}

/** A loopback HTTP server answering fixed routes, counting the requests it gets. */
export interface FileServer {
  /** `http://HOST:PORT` */
  origin: string;
  /** Paths requested, in order. */
  readonly hits: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Serves `routes` (path → response factory) on `hostname`; anything else is 404. */
export function startFileServer(
  routes: Record<string, () => Response>,
  hostname = "127.0.0.1",
): FileServer {
  const hits: string[] = [];
  const server = Deno.serve({ hostname, port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    hits.push(path);
    return routes[path]?.() ?? new Response("not found", { status: 404 });
  });
  return {
    origin: `http://${hostname}:${server.addr.port}`,
    hits,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A response serving image bytes. */
export function imageResponse(bytes: Uint8Array<ArrayBuffer>, mime: string): Response {
  return new Response(bytes, { headers: { "content-type": mime } });
}
