/**
 * squint's doors as the fuzz sees them: where each is, whose error shape it answers in, the
 * headers a client sends it, what a valid body looks like (with an image or without), and where
 * in that body its turns, content parts and numbers are, so that mutations know what to break.
 * Case `i` goes to the door at `i` in the rotation, wrapping around.
 *
 * @module
 */

import type { JsonObject, Path } from "./body_paths.ts";
import { pick, type Rng } from "./draw.ts";
import { type FuzzImages, type ImageSource, validImage } from "./images.ts";

/** Whose error shape a door answers in (CONTRACT.md, Errors). */
export type ErrorShape = "openai" | "anthropic" | "google";

/** Where a door's conversation and its first content parts live, and how an image part looks. */
export interface DoorSpec {
  door: string;
  path: string;
  shape: ErrorShape;
  headers: Record<string, string>;
  /** The valid body; `image` is a part built by `imagePart`, or none. */
  valid(rng: Rng, image: JsonObject | undefined): JsonObject;
  /** The field holding the turns (messages, input, contents). */
  turns?: string;
  /** The content parts of the turn carrying the image. */
  parts?: Path;
  /** A content part showing an image from base64 bytes or from a URL. */
  imagePart?(source: ImageSource): JsonObject;
  textPart?(text: unknown): JsonObject;
  /** Paths of numeric fields. */
  numbers: Path[];
}

/** A door and a valid body for it, before any mutation. */
export interface ValidRequest {
  spec: DoorSpec;
  body: JsonObject;
}

const OPENAI_HEADERS = { "content-type": "application/json", authorization: "Bearer sk-client" };
const ANTHROPIC_HEADERS = {
  "content-type": "application/json",
  "x-api-key": "sk-ant-client",
  "anthropic-version": "2023-06-01",
};
const GOOGLE_HEADERS = { "content-type": "application/json", "x-goog-api-key": "gemini-client" };

/** The model the Gemini door names in its path. */
export const GEMINI_MODEL = "gemini-2.5-flash";
const CHAT_MODELS = ["gpt-4o-mini", "claude-sonnet-4-6", GEMINI_MODEL];
const SYSTEM = "Answer in one sentence.";
const QUESTION = "What is in this picture?";

/** The Gemini door's path: the model and the method are in it. */
export function geminiPath(model: string, method = ":generateContent"): string {
  return `/v1beta/models/${model}${method}`;
}

/** A turn's parts: the text, then the image if there is one. */
const withImage = (text: JsonObject, image: JsonObject | undefined) =>
  image ? [text, image] : [text];

const sometimesStreaming = (rng: Rng) => rng() < 0.3 ? { stream: true } : {};

const dataUrl = (s: ImageSource) => "url" in s ? s.url : `data:${s.mime};base64,${s.base64}`;

/** The text part of Chat Completions and of Messages. */
const typedText = (text: unknown) => ({ type: "text", text });

const CHAT: DoorSpec = {
  door: "/v1/chat/completions",
  path: "/v1/chat/completions",
  shape: "openai",
  headers: OPENAI_HEADERS,
  valid: (rng, image) => ({
    model: pick(rng, CHAT_MODELS),
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: withImage(typedText(QUESTION), image) },
    ],
    max_tokens: 50,
    temperature: 0.2,
    ...sometimesStreaming(rng),
  }),
  turns: "messages",
  parts: ["messages", 1, "content"],
  imagePart: (s) => ({ type: "image_url", image_url: { url: dataUrl(s), detail: "auto" } }),
  textPart: typedText,
  numbers: [["max_tokens"], ["temperature"]],
};

const MESSAGES: DoorSpec = {
  door: "/v1/messages",
  path: "/v1/messages",
  shape: "anthropic",
  headers: ANTHROPIC_HEADERS,
  valid: (rng, image) => ({
    model: "claude-sonnet-4-6",
    max_tokens: 64,
    system: [typedText(SYSTEM)],
    messages: [{ role: "user", content: withImage(typedText(QUESTION), image) }],
    ...sometimesStreaming(rng),
  }),
  turns: "messages",
  parts: ["messages", 0, "content"],
  imagePart: (s) => ({
    type: "image",
    source: "url" in s
      ? { type: "url", url: s.url }
      : { type: "base64", media_type: s.mime, data: s.base64 },
  }),
  textPart: typedText,
  numbers: [["max_tokens"]],
};

const COUNT_TOKENS: DoorSpec = {
  ...MESSAGES,
  door: "/v1/messages/count_tokens",
  path: "/v1/messages/count_tokens",
  valid: (_rng, image) => ({
    model: "claude-sonnet-4-6",
    system: SYSTEM,
    messages: [{ role: "user", content: withImage(typedText(QUESTION), image) }],
  }),
  numbers: [],
};

const inputText = (text: unknown) => ({ type: "input_text", text });

const RESPONSES: DoorSpec = {
  door: "/v1/responses",
  path: "/v1/responses",
  shape: "openai",
  headers: OPENAI_HEADERS,
  valid: (rng, image) => ({
    model: "gpt-4o-mini",
    instructions: SYSTEM,
    input: [{ role: "user", content: withImage(inputText(QUESTION), image) }],
    max_output_tokens: 50,
    ...sometimesStreaming(rng),
  }),
  turns: "input",
  parts: ["input", 0, "content"],
  imagePart: (s) => ({ type: "input_image", image_url: dataUrl(s), detail: "auto" }),
  textPart: inputText,
  numbers: [["max_output_tokens"]],
};

const geminiText = (text: unknown) => ({ text });

const GEMINI: DoorSpec = {
  door: "/v1beta/models/{model}:generateContent",
  path: geminiPath(GEMINI_MODEL),
  shape: "google",
  headers: GOOGLE_HEADERS,
  valid: (_rng, image) => ({
    systemInstruction: { parts: [geminiText(SYSTEM)] },
    // Its question alone is shorter than the other doors'; kept so that seeds keep their cases.
    contents: [{
      role: "user",
      parts: withImage(geminiText(image ? QUESTION : "What is?"), image),
    }],
    generationConfig: { maxOutputTokens: 50, temperature: 0.2 },
  }),
  turns: "contents",
  parts: ["contents", 0, "parts"],
  imagePart: (s) =>
    "url" in s
      ? { fileData: { mimeType: "image/png", fileUri: s.url } }
      : { inlineData: { mimeType: s.mime, data: s.base64 } },
  textPart: geminiText,
  numbers: [["generationConfig", "maxOutputTokens"], ["generationConfig", "temperature"]],
};

/** A door passed through to the upstream as it is, with no conversation squint reads. */
function passthrough(path: string, body: JsonObject): DoorSpec {
  return {
    door: "/v1/* (passthrough)",
    path,
    shape: "openai",
    headers: OPENAI_HEADERS,
    valid: () => structuredClone(body),
    numbers: [["max_tokens"]],
  };
}

const PASSTHROUGH = [
  passthrough("/v1/embeddings", { model: "text-embedding-3-small", input: ["hello", "world"] }),
  passthrough("/v1/completions", {
    model: "gpt-3.5-turbo-instruct",
    prompt: "Say hi",
    max_tokens: 5,
  }),
  passthrough("/v1/fuzz/unknown", { model: "gpt-4o-mini", input: "hello" }),
];

/** `/v1/optimize` takes the body of any of these doors; it answers in OpenAI's shape. */
const OPTIMIZE_OF = [CHAT, MESSAGES, RESPONSES, GEMINI];

/** How `/v1/optimize`'s `door` field names a door when not by its path. */
const OPTIMIZE_NAMES: Record<string, string> = {
  [CHAT.door]: "chat_completions",
  [MESSAGES.door]: "messages",
};

/** A valid body for `spec`, half the time with an image. */
function validBody(spec: DoorSpec, rng: Rng, images: FuzzImages): JsonObject {
  const image = rng() < 0.5 ? spec.imagePart!(validImage(rng, images)) : undefined;
  return spec.valid(rng, image);
}

const straight = (spec: DoorSpec) => (rng: Rng, images: FuzzImages): ValidRequest => ({
  spec,
  body: validBody(spec, rng, images),
});

function viaOptimize(rng: Rng, images: FuzzImages): ValidRequest {
  const base = pick(rng, OPTIMIZE_OF);
  const body = validBody(base, rng, images);
  // Sometimes named, mostly rightly (CONTRACT.md: "by its shape, or `door`").
  if (rng() < 0.3) {
    body.door = rng() < 0.7
      ? OPTIMIZE_NAMES[base.door] ?? base.path
      : pick(rng, ["chat", "/v1/messages", "anthropic", "gemini", "nope", ""]);
  }
  if (base === GEMINI) body.model = GEMINI_MODEL;
  const spec: DoorSpec = {
    ...base,
    door: "/v1/optimize",
    path: "/v1/optimize",
    shape: "openai",
    headers: { ...base.headers, ...OPENAI_HEADERS },
  };
  return { spec, body };
}

function viaPassthrough(rng: Rng): ValidRequest {
  const spec = pick(rng, PASSTHROUGH);
  return { spec, body: spec.valid(rng, undefined) };
}

/** The doors in the order cases visit them. */
const ROTATION: ((rng: Rng, images: FuzzImages) => ValidRequest)[] = [
  straight(CHAT),
  straight(MESSAGES),
  straight(COUNT_TOKENS),
  straight(RESPONSES),
  viaOptimize,
  viaPassthrough,
  straight(GEMINI),
];

/** Case `index`'s door, and a valid body for it drawn from `rng`. */
export function validRequest(rng: Rng, index: number, images: FuzzImages): ValidRequest {
  return ROTATION[index % ROTATION.length](rng, images);
}
