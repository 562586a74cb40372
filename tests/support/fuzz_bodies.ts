/**
 * Seeded malformed requests for squint's doors: each door's valid body (often with a small
 * image), then one to three mutations drawn from a weighted table — wrong types, missing and
 * unknown fields, deep nesting, huge arrays, broken JSON and UTF-8, broken images, bad `squint`
 * controls, bad headers, content types and paths. Case `i` of a seed is the same on every run,
 * whatever the other cases are, so one failing case can be rerun alone.
 *
 * @example
 * ```ts
 * const request = fuzzCase({ seed: 1, images }, 17);
 * await fetch(`${squint.origin}${request.path}`, requestInit(request));
 * ```
 *
 * @module
 */

import { prng } from "./prng.ts";

/** Whose error shape a door answers in (CONTRACT.md, Errors). */
export type ErrorShape = "openai" | "anthropic" | "google";

/** The images a case may carry: small files as base64, and URLs on a loopback server. */
export interface FuzzImages {
  /** Small valid images by MIME type and base64 bytes. */
  inline: { mime: string; base64: string }[];
  /** The base64 of a PNG whose header claims 30000×30000 pixels. */
  bomb: string;
  /** The base64 of a JPEG cut off mid-scan. */
  truncated: string;
  /** The base64 of bytes that are no image at all. */
  notImage: string;
  /** `http://127.0.0.1:PORT/…` serving a small image. */
  remote: string;
  /** `http://127.0.0.1:PORT/…` answering 404. */
  remoteMissing: string;
  /** `http://127.0.0.1:PORT/…` answering HTML. */
  remoteNotImage: string;
}

/** Options of {@linkcode fuzzCase}. */
export interface FuzzOptions {
  seed: number;
  images: FuzzImages;
}

/** One malformed request. */
export interface FuzzCase {
  index: number;
  /** The door's name in reports, e.g. `/v1/chat/completions` or `passthrough`. */
  door: string;
  /** Path and query the request goes to. */
  path: string;
  shape: ErrorShape;
  /** What was done to the valid body, in words, e.g. `wrong type at model: array`. */
  mutations: string[];
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | FormData;
}

/** The fetch options of a case (its body is sent exactly as built). */
export function requestInit(request: FuzzCase, signal?: AbortSignal): RequestInit {
  return { method: "POST", headers: request.headers, body: request.body, signal };
}

/** JSON text placed as is where a value goes (`1e999`, nesting 10,000 deep, …). */
class Raw {
  constructor(readonly text: string) {}
}

/** Bytes placed as is between the quotes of a JSON string (invalid UTF-8). */
class Bytes {
  constructor(readonly bytes: Uint8Array) {}
}

type Json = Record<string, unknown>;
type Path = (string | number)[];
type Rng = () => number;

const DEPTH = 10_000;
const INVALID_UTF8: [string, number[]][] = [
  ["0xFF", [0xff]],
  ["C3 28", [0xc3, 0x28]],
  ["encoded surrogate", [0xed, 0xa0, 0x80]],
  ["overlong slash", [0xc0, 0xaf]],
  ["5-byte sequence", [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ["cut-off sequence", [0xe2, 0x82]],
];

const deepArrays = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObjects = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

/** Values of the wrong type, or of the right type but hostile, by name. */
const WEIRD: [string, (rng: Rng) => unknown][] = [
  ["number", () => 42],
  ["negative number", () => -1],
  ["float", () => 0.5],
  ["true", () => true],
  ["null", () => null],
  ["empty string", () => ""],
  ["empty array", () => []],
  ["empty object", () => ({})],
  ["array of strings", () => ["gpt-4o", "claude-sonnet-4-6"]],
  ["object", () => ({ id: "gpt-4o", type: "text" })],
  ["100 KB string", () => "m".repeat(100_000)],
  ["control characters", () => "\u0001\u0002\u001b[31m\u007f"],
  ["line separator", () => "gpt-4o\u2028"],
  ["non-Latin-1 text", () => "模型"],
  ["newline", () => "\n"],
  ["CRLF header injection", () => "gpt-4o\r\nx-injected: 1"],
  ["NUL", () => "gpt\u0000-4o"],
  ["lone surrogate", () => "\ud800x"],
  ["1e999", () => new Raw("1e999")],
  ["-1e999", () => new Raw("-1e999")],
  ["2^64+1", () => new Raw("18446744073709551617")],
  ["-0", () => new Raw("-0")],
  ["nesting 10,000 deep (arrays)", () => new Raw(deepArrays(DEPTH))],
  ["nesting 10,000 deep (objects)", () => new Raw(deepObjects(DEPTH))],
  ["array of 100,000 numbers", () => new Raw(`[${"1,".repeat(99_999)}1]`)],
  ["invalid UTF-8", (rng) => invalidUtf8String(rng)],
  ["__proto__ object", () => new Raw('{"__proto__":{"polluted":true},"constructor":1}')],
];

function invalidUtf8String(rng: Rng): Bytes {
  const [, bytes] = pick(rng, INVALID_UTF8);
  const text = new TextEncoder().encode("gpt-4o");
  return new Bytes(new Uint8Array([...text.subarray(0, 3), ...bytes, ...text.subarray(3)]));
}

/** Where a door's conversation and its first content parts live, and how an image part looks. */
interface DoorSpec {
  door: string;
  path: string;
  shape: ErrorShape;
  headers: Record<string, string>;
  /** The valid body; `image` is a part built by `imagePart`, or none. */
  valid(rng: Rng, image: Json | undefined): Json;
  /** The field holding the turns (messages, input, contents). */
  turns?: string;
  /** The content parts of the turn carrying the image. */
  parts?: Path;
  /** A content part showing an image from base64 bytes or from a URL. */
  imagePart?(source: ImageSource): Json;
  textPart?(text: unknown): Json;
  /** Paths of numeric fields. */
  numbers: Path[];
}

/** An image as a door's part shows it: base64 bytes and their claimed type, or a URL. */
type ImageSource = { mime: string; base64: string } | { url: string };

const OPENAI_HEADERS = { "content-type": "application/json", authorization: "Bearer sk-client" };
const ANTHROPIC_HEADERS = {
  "content-type": "application/json",
  "x-api-key": "sk-ant-client",
  "anthropic-version": "2023-06-01",
};
const GOOGLE_HEADERS = { "content-type": "application/json", "x-goog-api-key": "gemini-client" };
const CHAT_MODELS = ["gpt-4o-mini", "claude-sonnet-4-6", "gemini-2.5-flash"];

const dataUrl = (s: ImageSource) => "url" in s ? s.url : `data:${s.mime};base64,${s.base64}`;

const chatParts = (text: string, image: Json | undefined) =>
  image ? [{ type: "text", text }, image] : [{ type: "text", text }];

const CHAT: DoorSpec = {
  door: "/v1/chat/completions",
  path: "/v1/chat/completions",
  shape: "openai",
  headers: OPENAI_HEADERS,
  valid: (rng, image) => ({
    model: pick(rng, CHAT_MODELS),
    messages: [
      { role: "system", content: "Answer in one sentence." },
      { role: "user", content: chatParts("What is in this picture?", image) },
    ],
    max_tokens: 50,
    temperature: 0.2,
    ...(rng() < 0.3 ? { stream: true } : {}),
  }),
  turns: "messages",
  parts: ["messages", 1, "content"],
  imagePart: (s) => ({ type: "image_url", image_url: { url: dataUrl(s), detail: "auto" } }),
  textPart: (text) => ({ type: "text", text }),
  numbers: [["max_tokens"], ["temperature"]],
};

const anthropicImage = (s: ImageSource) => ({
  type: "image",
  source: "url" in s
    ? { type: "url", url: s.url }
    : { type: "base64", media_type: s.mime, data: s.base64 },
});

const MESSAGES: DoorSpec = {
  door: "/v1/messages",
  path: "/v1/messages",
  shape: "anthropic",
  headers: ANTHROPIC_HEADERS,
  valid: (rng, image) => ({
    model: "claude-sonnet-4-6",
    max_tokens: 64,
    system: [{ type: "text", text: "Answer in one sentence." }],
    messages: [{ role: "user", content: chatParts("What is in this picture?", image) }],
    ...(rng() < 0.3 ? { stream: true } : {}),
  }),
  turns: "messages",
  parts: ["messages", 0, "content"],
  imagePart: anthropicImage,
  textPart: (text) => ({ type: "text", text }),
  numbers: [["max_tokens"]],
};

const COUNT_TOKENS: DoorSpec = {
  ...MESSAGES,
  door: "/v1/messages/count_tokens",
  path: "/v1/messages/count_tokens",
  valid: (_rng, image) => ({
    model: "claude-sonnet-4-6",
    system: "Answer in one sentence.",
    messages: [{ role: "user", content: chatParts("What is in this picture?", image) }],
  }),
  numbers: [],
};

const RESPONSES: DoorSpec = {
  door: "/v1/responses",
  path: "/v1/responses",
  shape: "openai",
  headers: OPENAI_HEADERS,
  valid: (rng, image) => ({
    model: "gpt-4o-mini",
    instructions: "Answer in one sentence.",
    input: [{
      role: "user",
      content: image
        ? [{ type: "input_text", text: "What is in this picture?" }, image]
        : [{ type: "input_text", text: "What is in this picture?" }],
    }],
    max_output_tokens: 50,
    ...(rng() < 0.3 ? { stream: true } : {}),
  }),
  turns: "input",
  parts: ["input", 0, "content"],
  imagePart: (s) => ({ type: "input_image", image_url: dataUrl(s), detail: "auto" }),
  textPart: (text) => ({ type: "input_text", text }),
  numbers: [["max_output_tokens"]],
};

const GEMINI_PATH = "/v1beta/models/gemini-2.5-flash:generateContent";

const GEMINI: DoorSpec = {
  door: "/v1beta/models/{model}:generateContent",
  path: GEMINI_PATH,
  shape: "google",
  headers: GOOGLE_HEADERS,
  valid: (_rng, image) => ({
    systemInstruction: { parts: [{ text: "Answer in one sentence." }] },
    contents: [{
      role: "user",
      parts: image ? [{ text: "What is in this picture?" }, image] : [{ text: "What is?" }],
    }],
    generationConfig: { maxOutputTokens: 50, temperature: 0.2 },
  }),
  turns: "contents",
  parts: ["contents", 0, "parts"],
  imagePart: (s) =>
    "url" in s
      ? { fileData: { mimeType: "image/png", fileUri: s.url } }
      : { inlineData: { mimeType: s.mime, data: s.base64 } },
  textPart: (text) => ({ text }),
  numbers: [["generationConfig", "maxOutputTokens"], ["generationConfig", "temperature"]],
};

/** `/v1/optimize` takes the body of any door; it answers in OpenAI's shape. */
const OPTIMIZE_OF = [CHAT, MESSAGES, RESPONSES, GEMINI];

const PASSTHROUGH: { path: string; body: Json }[] = [
  { path: "/v1/embeddings", body: { model: "text-embedding-3-small", input: ["hello", "world"] } },
  {
    path: "/v1/completions",
    body: { model: "gpt-3.5-turbo-instruct", prompt: "Say hi", max_tokens: 5 },
  },
  { path: "/v1/fuzz/unknown", body: { model: "gpt-4o-mini", input: "hello" } },
];

/** A case before it is encoded. */
interface Draft {
  rng: Rng;
  spec: DoorSpec;
  images: FuzzImages;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Transforms of the encoded bytes, in order. */
  after: ((bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>)[];
  form?: FormData;
}

/**
 * A mutation: its weight in the draw, its stage (value mutations need an object body and run
 * first; whole-body, byte and request mutations after), and what it does. It returns its
 * description, or undefined when it does not apply to this draft (another is drawn).
 */
interface Mutation {
  weight: number;
  stage: number;
  apply(d: Draft): string | undefined;
}

const MUTATIONS: Mutation[] = [
  { weight: 8, stage: 0, apply: wrongType },
  { weight: 5, stage: 0, apply: wrongModel },
  { weight: 4, stage: 0, apply: missingField },
  { weight: 3, stage: 0, apply: unknownField },
  { weight: 2, stage: 0, apply: deepContent },
  { weight: 2, stage: 0, apply: deepTopLevel },
  { weight: 2, stage: 0, apply: hugeArray },
  { weight: 3, stage: 0, apply: turnsShape },
  { weight: 3, stage: 0, apply: unknownPart },
  { weight: 5, stage: 0, apply: brokenImage },
  { weight: 3, stage: 0, apply: brokenImagePart },
  { weight: 4, stage: 0, apply: badControls },
  { weight: 2, stage: 0, apply: badStream },
  { weight: 2, stage: 0, apply: hugeNumber },
  { weight: 2, stage: 0, apply: longString },
  { weight: 1, stage: 0, apply: nulCharacters },
  { weight: 2, stage: 0, apply: badRole },
  { weight: 2, stage: 0, apply: badTools },
  { weight: 2, stage: 1, apply: nonObject },
  { weight: 1, stage: 1, apply: emptyBody },
  { weight: 3, stage: 2, apply: truncated },
  { weight: 2, stage: 2, apply: invalidUtf8Bytes },
  { weight: 1, stage: 2, apply: byteOrderMark },
  { weight: 2, stage: 2, apply: duplicateKeys },
  { weight: 2, stage: 3, apply: contentType },
  { weight: 4, stage: 3, apply: garbageHeader },
  { weight: 2, stage: 3, apply: oddPath },
];

const TOTAL_WEIGHT = MUTATIONS.reduce((sum, m) => sum + m.weight, 0);

/** Case `index` of `seed`: which door is drawn from the index, everything else from the seed. */
export function fuzzCase(options: FuzzOptions, index: number): FuzzCase {
  const rng = prng((options.seed * 1_000_003 + index * 7_919) | 0);
  const { spec, body, path } = doorAndBody(rng, index, options.images);
  const draft: Draft = {
    rng,
    spec,
    images: options.images,
    path,
    headers: { ...spec.headers },
    body,
    after: [],
  };
  const count = rng() < 0.6 ? 1 : rng() < 0.75 ? 2 : 3;
  const drawn = Array.from({ length: count }, () => drawMutation(rng))
    .sort((a, b) => a.stage - b.stage);
  const mutations: string[] = [];
  for (const mutation of drawn) {
    // A mutation that does not fit (a value mutation on a body already not an object) is
    // replaced by a wrong type, or by a header when even that does not fit.
    const done = mutation.apply(draft) ?? wrongType(draft) ?? garbageHeader(draft);
    if (done) mutations.push(done);
  }
  let bytes = draft.form ? new Uint8Array(0) : encode(draft.body);
  for (const step of draft.after) bytes = step(bytes);
  return {
    index,
    door: spec.door,
    path: draft.path,
    shape: spec.shape,
    mutations,
    headers: draft.headers,
    body: draft.form ?? bytes,
  };
}

const DOORS = [
  "chat",
  "messages",
  "count_tokens",
  "responses",
  "optimize",
  "passthrough",
  "gemini",
];

function doorAndBody(
  rng: Rng,
  index: number,
  images: FuzzImages,
): { spec: DoorSpec; body: Json; path: string } {
  const door = DOORS[index % DOORS.length];
  if (door === "passthrough") {
    const { path, body } = pick(rng, PASSTHROUGH);
    const spec: DoorSpec = {
      door: "/v1/* (passthrough)",
      path,
      shape: "openai",
      headers: OPENAI_HEADERS,
      valid: () => structuredClone(body),
      numbers: [["max_tokens"]],
    };
    return { spec, body: spec.valid(rng, undefined), path };
  }
  const base = door === "optimize" ? pick(rng, OPTIMIZE_OF) : {
    chat: CHAT,
    messages: MESSAGES,
    count_tokens: COUNT_TOKENS,
    responses: RESPONSES,
    gemini: GEMINI,
  }[door]!;
  const image = rng() < 0.5 ? base.imagePart!(validImage(rng, images)) : undefined;
  const body = base.valid(rng, image);
  if (door !== "optimize") return { spec: base, body, path: base.path };
  // Sometimes named, mostly rightly (CONTRACT.md: "by its shape, or `door`").
  if (rng() < 0.3) {
    body.door = rng() < 0.7
      ? { [CHAT.door]: "chat_completions", [MESSAGES.door]: "messages" }[base.door] ?? base.path
      : pick(rng, ["chat", "/v1/messages", "anthropic", "gemini", "nope", ""]);
  }
  if (base === GEMINI) body.model = "gemini-2.5-flash";
  const spec = { ...base, door: "/v1/optimize", path: "/v1/optimize", shape: "openai" as const };
  spec.headers = { ...base.headers, ...OPENAI_HEADERS };
  return { spec, body, path: spec.path };
}

function validImage(rng: Rng, images: FuzzImages): ImageSource {
  return rng() < 0.1 ? { url: images.remote } : pick(rng, images.inline);
}

function drawMutation(rng: Rng): Mutation {
  let at = rng() * TOTAL_WEIGHT;
  for (const mutation of MUTATIONS) {
    at -= mutation.weight;
    if (at < 0) return mutation;
  }
  return MUTATIONS[0];
}

// --- value mutations ------------------------------------------------------------------------

function wrongType(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const path = pick(d.rng, pathsOf(d.body));
  const [name, make] = pick(d.rng, WEIRD);
  setAt(d.body, path, make(d.rng));
  return `wrong type at ${show(path)}: ${name}`;
}

function wrongModel(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const [name, make] = pick(d.rng, WEIRD);
  const value = make(d.rng);
  if (d.spec.shape === "google" && d.path.startsWith("/v1beta/")) {
    d.path = `/v1beta/models/${pathSegment(value)}:generateContent`;
    return `model in the path: ${name}`;
  }
  d.body.model = value;
  return `model: ${name}`;
}

function missingField(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const path = pick(d.rng, pathsOf(d.body));
  deleteAt(d.body, path);
  return `missing ${show(path)}`;
}

const UNKNOWN_KEYS = [
  "x_unknown_field",
  "__proto__",
  "constructor",
  "",
  "\u0000",
  "模型",
  "toString",
];

function unknownField(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const objects: Path[] = [[], ...pathsOf(d.body).filter((p) => isPlainObject(getAt(d.body, p)))];
  const path = pick(d.rng, objects);
  const key = pick(d.rng, UNKNOWN_KEYS);
  const [name, make] = d.rng() < 0.5 ? ["string", () => "surprise"] : pick(d.rng, WEIRD);
  define(getAt(d.body, path) as Json, key, make(d.rng));
  return `unknown field ${JSON.stringify(key)} at ${show(path) || "top level"}: ${name}`;
}

function deepContent(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.parts || !d.spec.textPart) return undefined;
  const kind = pick(d.rng, ["arrays", "objects"] as const);
  const deep = new Raw(kind === "arrays" ? deepArrays(DEPTH) : deepObjects(DEPTH));
  const parts = getAt(d.body, d.spec.parts);
  if (d.rng() < 0.5 && Array.isArray(parts)) {
    parts.push(d.spec.textPart(deep));
    return `nesting 10,000 deep (${kind}) as a text part's text`;
  }
  setAt(d.body, d.spec.parts, deep);
  return `nesting 10,000 deep (${kind}) as the content`;
}

function deepTopLevel(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const kind = pick(d.rng, ["object field", "whole body of objects", "whole body of arrays"]);
  if (kind === "object field") {
    d.body.metadata = new Raw(deepObjects(DEPTH));
  } else {
    d.body = new Raw(kind === "whole body of arrays" ? deepArrays(DEPTH) : deepObjects(DEPTH));
  }
  return `nesting 10,000 deep at top level (${kind})`;
}

function hugeArray(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.turns || !d.spec.parts || !d.spec.textPart) {
    return undefined;
  }
  // Serialized now: later mutations neither walk nor grow 20,000 copies.
  const part = JSON.stringify(d.spec.textPart("hi"));
  if (d.rng() < 0.5) {
    const turn = d.spec.turns === "contents"
      ? `{"role":"user","parts":[${part}]}`
      : `{"role":"user","content":[${part}]}`;
    d.body[d.spec.turns] = new Raw(`[${Array(20_000).fill(turn).join(",")}]`);
    return `${d.spec.turns} of 20,000 turns`;
  }
  setAt(d.body, d.spec.parts, new Raw(`[${Array(50_000).fill(part).join(",")}]`));
  return "50,000 content parts";
}

function turnsShape(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.turns) return undefined;
  const field = d.rng() < 0.75 ? d.spec.turns : pick(d.rng, ["system", "instructions", "tools"]);
  const [name, value] = pick(d.rng, [
    ["a string", "hello"],
    ["an object", { role: "user", content: "hello" }],
    ["a number", 7],
    ["an empty array", []],
    ["[null]", [null]],
    ["[string]", ["hello"]],
    ["[[]]", [[]]],
    ["[a turn without content]", [{ role: "user" }]],
    ["[a turn whose content is an object]", [{
      role: "user",
      content: { type: "text", text: "hi" },
    }]],
    ["[a turn whose parts are a string]", [{ role: "user", parts: "hi", content: "hi" }]],
  ] as [string, unknown][]);
  d.body[field] = value;
  return `${field} as ${name}`;
}

const ODD_PARTS: [string, unknown][] = [
  ["unknown type", { type: "audio_blob", data: "AAAA" }],
  ["type as number", { type: 5, text: "hi" }],
  ["type null", { type: null }],
  ["empty type", { type: "" }],
  ["part null", null],
  ["part string", "hello"],
  ["part number", 3],
  ["part array", [{ type: "text", text: "hi" }]],
  ["text part without text", { type: "text" }],
  ["text part with numeric text", { type: "text", text: 12 }],
  ["image_url part without image_url", { type: "image_url" }],
  ["image_url as a number", { type: "image_url", image_url: 12345 }],
  ["image_url as a bare string", { type: "image_url", image_url: "data:image/png;base64,AAAA" }],
  ["input_image part without image_url", { type: "input_image" }],
  ["image part without source", { type: "image" }],
  ["video part with garbage", {
    type: "video_url",
    video_url: { url: "data:video/mp4;base64,AAAA" },
  }],
  ["file part", { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } }],
  ["inlineData only mime", { inlineData: { mimeType: "image/png" } }],
  ["tool_result with deep content", { type: "tool_result", content: [{ type: "text", text: 5 }] }],
];

function unknownPart(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.parts) return undefined;
  const parts = getAt(d.body, d.spec.parts);
  if (!Array.isArray(parts)) return undefined;
  const [name, part] = pick(d.rng, ODD_PARTS);
  parts.splice(Math.floor(d.rng() * (parts.length + 1)), 0, structuredClone(part));
  return `content part: ${name}`;
}

/** Keys only an image part has, in one door's format or another's. */
const IMAGE_KEYS = ["image_url", "source", "inlineData", "fileData"];

function brokenImage(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.parts || !d.spec.imagePart) return undefined;
  const parts = getAt(d.body, d.spec.parts);
  if (!Array.isArray(parts)) return undefined;
  const { images, rng } = d;
  const good = pick(rng, images.inline);
  const [name, source] = pick(rng, [
    ["broken base64", { mime: "image/png", base64: "!!!not*base64!!!" }],
    ["truncated base64", { mime: good.mime, base64: good.base64.slice(0, 37) }],
    ["base64 of no image", { mime: "image/jpeg", base64: images.notImage }],
    ["truncated JPEG", { mime: "image/jpeg", base64: images.truncated }],
    ["30000×30000 PNG bomb", { mime: "image/png", base64: images.bomb }],
    ["PNG bytes claimed text/plain", { mime: "text/plain", base64: good.base64 }],
    ["PNG bytes claimed image/jpeg", { mime: "image/jpeg", base64: good.base64 }],
    ["empty mime", { mime: "", base64: good.base64 }],
    ["SVG", { mime: "image/svg+xml", base64: btoa("<svg width='1' height='1'/>") }],
    ["empty data", { mime: "image/png", base64: "" }],
    ["bad padding", { mime: "image/png", base64: "AAAA===" }],
    ["URL-safe base64", { mime: good.mime, base64: good.base64.replace(/\+/g, "-") + "_" }],
    ["base64 with line breaks", {
      mime: good.mime,
      base64: good.base64.replace(/(.{60})/g, "$1\n"),
    }],
    ["remote image answering 404", { url: images.remoteMissing }],
    ["remote URL answering HTML", { url: images.remoteNotImage }],
    ["not a URL", { url: "not a url" }],
    ["empty URL", { url: "" }],
    ["data URL without comma", { url: "data:image/png;base64" }],
    ["data URL without base64 flag", { url: `data:image/png,${"\u0089PNG\r\n"}` }],
    ["data URL with wrong mime", { url: `data:application/octet-stream;base64,${good.base64}` }],
    ["bare data:", { url: "data:" }],
  ] as [string, ImageSource][]);
  const at = parts.findIndex((p) => isPlainObject(p) && IMAGE_KEYS.some((key) => key in p));
  const part = d.spec.imagePart(source);
  if (at >= 0) parts[at] = part;
  else parts.push(part);
  return `broken image: ${name}`;
}

function brokenImagePart(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.parts || !d.spec.imagePart) return undefined;
  const parts = getAt(d.body, d.spec.parts);
  if (!Array.isArray(parts)) return undefined;
  const image = d.spec.imagePart(pick(d.rng, d.images.inline));
  parts.push(image);
  const inside = pathsOf(image);
  const path = pick(d.rng, inside);
  const [name, make] = pick(d.rng, WEIRD);
  setAt(image, path, make(d.rng));
  return `image part with ${show(path)}: ${name}`;
}

const CONTROL_VALUES: Record<string, unknown[]> = {
  optimize: ["maybe", "ON", true],
  fidelity: ["extreme", "", 0.9],
  detail: ["ultra", "LOW", 1],
  ocr: ["sometimes", true, "text+thumbnail+"],
  ocr_budget_ms: [-1, "abc", new Raw("1e999"), 0, 2 ** 53],
  cache: ["always", 1, false],
  cache_ttl_s: [-5, "forever", new Raw("1e999"), 0.0001],
  cascade: ["yes", null, 0],
  strategy: ["fastest", 9, ""],
};

function badControls(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  if (d.rng() < 0.3) {
    const [name, make] = pick(d.rng, WEIRD);
    d.body.squint = make(d.rng);
    return `squint control object: ${name}`;
  }
  const keys = Object.keys(CONTROL_VALUES);
  const controls: Json = {};
  const said: string[] = [];
  for (let i = 0, n = 1 + Math.floor(d.rng() * 3); i < n; i++) {
    const key = pick(d.rng, keys);
    if (d.rng() < 0.5) {
      const [name, make] = pick(d.rng, WEIRD);
      controls[key] = make(d.rng);
      said.push(`${key}: ${name}`);
    } else {
      const value = pick(d.rng, CONTROL_VALUES[key]);
      controls[key] = value;
      said.push(`${key}: ${value instanceof Raw ? value.text : JSON.stringify(value)}`);
    }
  }
  d.body.squint = controls;
  return `squint control ${said.join(", ")}`;
}

function badStream(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const [name, value] = pick(d.rng, [
    ['stream: "true"', ["stream", "true"]],
    ['stream: "yes"', ["stream", "yes"]],
    ["stream: 1", ["stream", 1]],
    ["stream: null", ["stream", null]],
    ["stream: {}", ["stream", {}]],
    ["stream_options: string", ["stream_options", "include_usage"]],
    ["stream_options.include_usage: string", ["stream_options", { include_usage: "yes" }]],
    ["stream with stream_options: 5", ["stream_options", 5]],
  ] as [string, [string, unknown]][]);
  if (name.startsWith("stream with")) d.body.stream = true;
  d.body[value[0]] = value[1];
  return name;
}

function hugeNumber(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const path = d.spec.numbers.length > 0 && d.rng() < 0.8
    ? pick(d.rng, d.spec.numbers)
    : pick(d.rng, [["max_tokens"], ["n"], ["top_p"], ["seed"]]);
  const text = pick(d.rng, [
    "1e999",
    "-1e999",
    "1e308",
    "-1",
    "18446744073709551617",
    "1e-400",
    "-0",
  ]);
  setAt(d.body, path, new Raw(text));
  return `${show(path)}: ${text}`;
}

function longString(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const strings = pathsOf(d.body).filter((p) => typeof getAt(d.body, p) === "string");
  if (strings.length === 0) return undefined;
  const path = pick(d.rng, strings);
  const big = "lorem ipsum ".repeat(Math.floor((200_000 + d.rng() * 1_800_000) / 12));
  setAt(d.body, path, big);
  return `${show(path)}: a ${Math.round(big.length / 1000)} KB string`;
}

function nulCharacters(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const strings = pathsOf(d.body).filter((p) => typeof getAt(d.body, p) === "string");
  if (strings.length === 0) return undefined;
  const path = pick(d.rng, strings);
  const value = getAt(d.body, path) as string;
  setAt(d.body, path, `\u0000${value.slice(0, 40)}\u0000${value.slice(40)}\u0000`);
  return `NUL characters in ${show(path)}`;
}

function badRole(d: Draft): string | undefined {
  if (!isPlainObject(d.body) || !d.spec.turns) return undefined;
  const turns = d.body[d.spec.turns];
  if (!Array.isArray(turns) || !isPlainObject(turns[0])) return undefined;
  const [name, role] = pick(d.rng, [
    ["robot", "robot"],
    ["number", 5],
    ["null", null],
    ["empty", ""],
    ["tool without id", "tool"],
    ["assistant only", "assistant"],
    ["model", "model"],
    ["developer", "developer"],
    ["system mid-conversation", "system"],
  ] as [string, unknown][]);
  turns.at(-1).role = role;
  return `role: ${name}`;
}

function badTools(d: Draft): string | undefined {
  if (!isPlainObject(d.body)) return undefined;
  const [name, field, value] = pick(d.rng, [
    ["tools as a string", "tools", "get_weather"],
    ["tools [null]", "tools", [null]],
    ["tool without function", "tools", [{ type: "function" }]],
    ["tool name as number", "tools", [{ type: "function", function: { name: 5 } }]],
    ["tool parameters 10,000 deep", "tools", [{
      type: "function",
      name: "f",
      input_schema: new Raw(deepObjects(DEPTH)),
      function: { name: "f", parameters: new Raw(deepObjects(DEPTH)) },
    }]],
    ["Gemini tool with bad declarations", "tools", [{ functionDeclarations: "f" }]],
    ["tool_choice garbage", "tool_choice", { type: "function", function: 1 }],
    ["tool_choice string", "tool_choice", "sometimes"],
    ["toolConfig garbage", "toolConfig", { functionCallingConfig: { mode: 7 } }],
  ] as [string, string, unknown][]);
  d.body[field] = value;
  return name;
}

// --- whole-body mutations --------------------------------------------------------------------

function nonObject(d: Draft): string {
  const [name, text] = pick(d.rng, [
    ["a JSON array", '[{"model":"gpt-4o"}]'],
    ["a JSON number", "42"],
    ["a JSON string", '"hello"'],
    ["JSON null", "null"],
    ["JSON true", "true"],
    ["an empty object", "{}"],
    ["whitespace", " \n\t "],
  ]);
  d.body = new Raw(text);
  return `body is ${name}`;
}

function emptyBody(d: Draft): string {
  d.body = new Raw("");
  return "empty body";
}

// --- byte mutations ---------------------------------------------------------------------------

function truncated(d: Draft): string {
  const fraction = d.rng();
  d.after.push((bytes) => bytes.slice(0, Math.floor(bytes.length * fraction)));
  return `JSON truncated at ${Math.round(fraction * 100)}%`;
}

function invalidUtf8Bytes(d: Draft): string {
  const [name, bad] = pick(d.rng, INVALID_UTF8);
  const inString = d.rng() < 0.5;
  const fraction = d.rng();
  d.after.push((bytes) => {
    // Inside a string: just after the first quote found past the chosen point.
    let at = Math.floor(bytes.length * fraction);
    const quote = inString ? bytes.indexOf(0x22, at) : -1;
    if (quote >= 0) at = quote + 1;
    return concat([bytes.subarray(0, at), new Uint8Array(bad), bytes.subarray(at)]);
  });
  return `invalid UTF-8 (${name}) ${inString ? "inside a string" : "anywhere"}`;
}

function byteOrderMark(d: Draft): string {
  if (d.rng() < 0.6) {
    d.after.push((bytes) => concat([new Uint8Array([0xef, 0xbb, 0xbf]), bytes]));
    return "UTF-8 byte order mark";
  }
  d.after.push((bytes) => {
    const text = new TextDecoder().decode(bytes);
    const out = new Uint8Array(2 + text.length * 2);
    out.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) {
      out[2 + 2 * i] = text.charCodeAt(i) & 0xff;
      out[3 + 2 * i] = text.charCodeAt(i) >> 8;
    }
    return out;
  });
  return "UTF-16LE with byte order mark";
}

function duplicateKeys(d: Draft): string {
  const [name, text] = pick(d.rng, [
    ["model twice (number wins)", '"model":5'],
    ["model twice (string first)", '"model":"gpt-4o"'],
    ["messages twice", '"messages":"hello"'],
    ["stream twice", '"stream":"yes"'],
    ["squint twice", '"squint":{"optimize":"off"}'],
  ]);
  const last = d.rng() < 0.5;
  d.after.push((bytes) => {
    const at = last ? bytes.lastIndexOf(0x7d) : bytes.indexOf(0x7b) + 1;
    if (at <= 0) return bytes;
    const insert = new TextEncoder().encode(last ? `,${text}` : `${text},`);
    return concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
  });
  return `duplicate key: ${name} ${last ? "at the end" : "at the start"}`;
}

// --- request mutations ------------------------------------------------------------------------

function contentType(d: Draft): string {
  const choice = pick(d.rng, [
    "none",
    "text/plain",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-16",
    "APPLICATION/JSON",
    "application/jsonx",
    "application/vnd.api+json",
    "empty",
    "application/json, text/plain",
  ]);
  if (choice === "none") delete d.headers["content-type"];
  else if (choice === "empty") d.headers["content-type"] = "";
  else if (choice === "multipart/form-data") {
    delete d.headers["content-type"];
    d.form = new FormData();
    d.form.set("model", "gpt-4o");
    d.form.set("file", new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])]), "x.png");
  } else d.headers["content-type"] = choice;
  return `content-type: ${choice}`;
}

const GARBAGE_HEADERS = [
  "x-squint-optimize",
  "x-squint-fidelity",
  "x-squint-detail",
  "x-squint-ocr",
  "x-squint-ocr-budget-ms",
  "x-squint-cache",
  "x-squint-cache-ttl",
  "x-squint-cascade",
  "x-squint-strategy",
  "x-squint-stats",
  "x-squint-key",
  "authorization",
  "x-api-key",
  "anthropic-version",
  "anthropic-beta",
  "x-goog-api-key",
];

/** Header values fetch can send: Latin-1 without control characters (tabs allowed). */
const GARBAGE_VALUES: [string, string][] = [
  ["empty", ""],
  ["Latin-1 bytes of UTF-8 text", "æ¨¡å\u009e\u008b"],
  ["Latin-1 letters", "\u00ff\u00e9\u00e0"],
  ["tabs", "\t\ton\t"],
  ["-1", "-1"],
  ["1e999", "1e999"],
  ["NaN", "NaN"],
  ["400 digits", "9".repeat(400)],
  ["10 KB", "x".repeat(10_000)],
  ["Bearer alone", "Bearer"],
  ["Bearer and spaces", "Bearer    "],
  ["Basic credentials", "Basic dXNlcjpwYXNz"],
  ["JSON", '{"optimize":"off"}'],
  ["comma list", "on, off"],
];

function garbageHeader(d: Draft): string {
  const name = pick(d.rng, GARBAGE_HEADERS);
  const [said, value] = pick(d.rng, GARBAGE_VALUES);
  d.headers[name] = name === "authorization" && d.rng() < 0.5 ? `Bearer ${value}` : value;
  return `header ${name}: ${said}`;
}

function oddPath(d: Draft): string | undefined {
  if (d.spec.shape === "google" && d.path.startsWith("/v1beta/")) {
    const method = pick(d.rng, [
      ":streamGenerateContent?alt=sse",
      ":countTokens",
      ":unknownMethod",
      "",
      "::generateContent",
      ":generateContent/extra",
      ":generateContent?alt=%FF",
    ]);
    d.path = `/v1beta/models/gemini-2.5-flash${method}`;
    return `path ${d.path}`;
  }
  if (!d.spec.door.includes("passthrough")) return undefined;
  d.path = pick(d.rng, [
    "/v1/%00",
    "/v1/%FF%FE",
    `/v1/${"a".repeat(8_000)}`,
    "/v1/..%2F..%2Fhealth",
    "/v1//chat//completions",
    "/v1/chat/completions/extra",
    "/v1/%E6%A8%A1%E5%9E%8B",
    "/v1/embeddings?x=%FF&&==",
  ]);
  return `path ${d.path.length > 60 ? `${d.path.slice(0, 20)}… (${d.path.length} chars)` : d.path}`;
}

// --- JSON with raw pieces ---------------------------------------------------------------------

/** The body's bytes: JSON, with Raw text and Bytes placed as they are. */
function encode(value: unknown): Uint8Array<ArrayBuffer> {
  const chunks: (string | Uint8Array)[] = [];
  let text = "";
  const write = (v: unknown): void => {
    if (v instanceof Raw) text += v.text;
    else if (v instanceof Bytes) {
      chunks.push(text + '"', v.bytes);
      text = '"';
    } else if (Array.isArray(v)) {
      text += "[";
      v.forEach((item, i) => {
        if (i > 0) text += ",";
        write(item);
      });
      text += "]";
    } else if (isPlainObject(v)) {
      text += "{";
      Object.entries(v).forEach(([key, item], i) => {
        text += `${i > 0 ? "," : ""}${JSON.stringify(key)}:`;
        write(item);
      });
      text += "}";
    } else text += JSON.stringify(v) ?? "null";
  };
  write(value);
  chunks.push(text);
  const encoder = new TextEncoder();
  return concat(chunks.map((c) => typeof c === "string" ? encoder.encode(c) : c));
}

/**
 * A path segment carrying `value`'s text, percent-encoded byte by byte (invalid UTF-8 kept), cut
 * to 8 KB: fetch refuses longer URLs itself.
 */
function pathSegment(value: unknown): string {
  const bytes = value instanceof Bytes
    ? value.bytes
    : new TextEncoder().encode(value instanceof Raw ? value.text : String(value));
  return [...bytes.subarray(0, 2_700)].map((b) =>
    /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, "0")}`
  ).join("");
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// --- paths into a body ------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null &&
    Object.getPrototypeOf(value) === Object.prototype;
}

/** Every path into `value` (objects and arrays; Raw and Bytes are leaves). */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isPlainObject(value)
    ? Object.entries(value)
    : [];
  for (const [key, child] of entries) {
    const path = [...prefix, key];
    out.push(path);
    pathsOf(child, path, out);
  }
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let at = root;
  for (const key of path) at = (at as Record<string | number, unknown> | undefined)?.[key];
  return at;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1));
  if (typeof parent === "object" && parent !== null) define(parent as Json, path.at(-1)!, value);
}

function deleteAt(root: unknown, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path.at(-1)!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else if (isPlainObject(parent)) delete parent[key];
}

/** Sets an own property, `__proto__` included. */
function define(object: Json, key: string | number, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** `messages[1].content[0].image_url.url` */
function show(path: Path): string {
  return path.map((k, i) =>
    typeof k === "number" ? `[${k}]` : `${i > 0 ? "." : ""}${k.length > 30 ? "…" : k}`
  ).join("");
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}
