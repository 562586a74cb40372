/**
 * squint with the media store on, in front of the mock OpenAI upstream, and traffic sent through
 * its real doors: a corpus photo resized, the same photo at low detail with the cache on, that
 * request again (a cache hit), and an upstream error. The dashboard's tests look at it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { sentKept } from "../../src/accounting/sent_record.ts";
import { type Stack, startStack } from "../http/_stack.ts";
import { corpusDataUrl } from "../support/squint.ts";

/** The admin token of the seeded squint. */
export const ADMIN = "dashboard-admin-token-for-tests";
/** The corpus photo every seeded image request carries. */
export const PHOTO = "photo_storm_road_1920x1280.jpg";

/** The seeded squint and the ids of its requests. */
export interface Seeded {
  stack: Stack;
  origin: string;
  /** Request ids: the resized photo, the low-detail miss, its cache hit, the upstream error. */
  ids: { resized: string; low: string; hit: string; error: string };
  [Symbol.asyncDispose](): Promise<void>;
}

const QUESTION = {
  model: "gpt-4o",
  messages: [{
    role: "user",
    content: [
      { type: "text", text: "What is on this road?" },
      { type: "image_url", image_url: { url: corpusDataUrl(PHOTO) } },
    ],
  }],
};

async function send(stack: Stack, body: unknown, headers: Record<string, string>, status = 200) {
  const response = await stack.post("/chat/completions", body, headers);
  const text = await response.text();
  assert.equal(response.status, status, text);
  return response.headers.get("x-request-id")!;
}

/** Starts squint and sends the traffic; use it as `await using seeded = await seededSquint()`. */
export async function seededSquint(): Promise<Seeded> {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-dashboard-" });
  const stack = startStack({
    env: {
      SQUINT_DATA_DIR: dataDir,
      SQUINT_MEDIA_STORE: "on",
      SQUINT_ADMIN_TOKEN: ADMIN,
      SQUINT_RETRIES: "0",
      // Clients bring their own provider key (the admin token alone would require squint keys).
      SQUINT_REQUIRE_KEY: "off",
    },
    // The mock bills a picture as OpenAI would at its detail: 85 tokens low, else a 1105 tiling.
    mock: { imageTokens: (part) => part.image_url.detail === "low" ? 85 : 1105 },
  });
  const ids = {
    resized: await send(stack, QUESTION, { "x-squint-fidelity": "aggressive" }),
    low: await send(stack, QUESTION, { "x-squint-detail": "low", "x-squint-cache": "on" }),
    hit: await send(stack, QUESTION, { "x-squint-detail": "low", "x-squint-cache": "on" }),
    error: await send(stack, { ...QUESTION, model: "mock-error-500" }, {}, 500),
  };
  await sentKept();
  await stack.squint.app.parts.storage.flush();
  return {
    stack,
    origin: stack.squint.origin,
    ids,
    async [Symbol.asyncDispose]() {
      await stack[Symbol.asyncDispose]();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** A GET of squint's API with the admin token. */
export async function adminGet(origin: string, path: string): Promise<unknown> {
  const response = await fetch(`${origin}${path}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}
