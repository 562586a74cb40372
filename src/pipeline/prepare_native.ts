/**
 * A request at a door that speaks the upstream's own API (Anthropic's Messages, OpenAI's
 * Responses), from bytes to the body squint forwards: its inline images are planned and
 * rendered for the model named (through the chat pipeline, on a chat view of the body), and only
 * their data (and the fields beside it the plan changes) differ in the bytes sent. Everything
 * else goes as the client wrote it. On overload the body goes as it came.
 */
import { GatewayError } from "../http/errors.ts";
import { type AnthropicImage, chatView, type NewImageData } from "../intake/anthropic_images.ts";
import {
  type NativeApi,
  parseNativeBody,
  serializeJson,
  spliceNativeBody,
} from "../intake/native_body.ts";
import type { JsonLiteral } from "../intake/inline_images.ts";
import {
  type NewResponsesImage,
  type ResponsesImage,
  responsesView,
} from "../intake/responses_images.ts";
import { base64DataUrl } from "../providers/openai_parts.ts";
import {
  admitDecoded,
  type AdmittedChat,
  isOverload,
  optimizeChat,
  type PipelineDeps,
  type PreparedChat,
} from "./prepare_chat.ts";

type Json = Record<string, unknown>;

/** How one API's bodies are seen, changed and written back. */
export interface NativeRequest<Image extends { ref: number }, Change> {
  /** The field that must be present besides `model` (400 without it). */
  required: string;
  view(body: Json): { view: Json; inline: string[]; images: Image[] };
  /** What changed for `image`: its new literal (if rendered again), and the plan. */
  change(image: Image, literal: JsonLiteral | undefined): Change | undefined;
  /** Which API's splicer writes the changes into the body's text (`native_body.ts`). */
  api: NativeApi;
  /** Applies `changes` to the parsed body (when splicing fails, it is re-serialized). */
  apply(changes: Change[]): void;
}

/** The `data:` URL a rendered literal holds (a JSON string). */
function dataUrlOf(literal: JsonLiteral): string {
  return JSON.parse(typeof literal === "string" ? literal : new TextDecoder().decode(literal));
}

/** Anthropic Messages: base64 image blocks' `data` and `media_type`. */
export const MESSAGES_REQUEST: NativeRequest<AnthropicImage, NewImageData> = {
  required: "messages",
  view: chatView,
  change(image, literal) {
    const parsed = literal === undefined ? undefined : base64DataUrl(dataUrlOf(literal));
    return parsed && { image, mediaType: parsed.mediaType, data: parsed.data };
  },
  api: "messages",
  apply(changes) {
    for (const { image, mediaType, data } of changes) {
      const source = image.source as Record<string, unknown>;
      delete source.url;
      Object.assign(source, { type: "base64", media_type: mediaType, data });
    }
  },
};

/** OpenAI Responses: inline `input_image` parts' `image_url` and `detail`. */
export const RESPONSES_REQUEST: NativeRequest<ResponsesImage, NewResponsesImage> = {
  required: "input",
  view: responsesView,
  change(image, literal) {
    const rendered = literal === undefined ? undefined : dataUrlOf(literal);
    // A fetched image kept as it was has its URL as its literal: nothing to change.
    const url = rendered === image.part.image_url ? undefined : rendered;
    const detailChanged = image.site.detail !== undefined &&
      image.site.detail !== image.part.detail;
    return url !== undefined || detailChanged ? { image, url } : undefined;
  },
  api: "responses",
  apply(changes) {
    for (const { image, url } of changes) {
      if (url !== undefined) image.part.image_url = url;
      if (image.site.detail !== undefined) image.part.detail = image.site.detail;
    }
  },
};

/** A request ready to forward, with the plan of its images. */
export interface PreparedNative {
  body: Blob | Uint8Array;
  /** The plan and figures (of the chat view: its `body` is not what is sent). */
  plan: PreparedChat;
  stream: boolean;
}

/** `json` as a request of an API whose bodies need `required` besides `model`. */
function checked(json: unknown, required: string): Json {
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new GatewayError(400, "request body must be a JSON object");
  }
  const body = json as Json;
  for (const field of ["model", required]) {
    if (body[field] === undefined || body[field] === null || body[field] === "") {
      throw new GatewayError(400, `${field}: Field required`, "invalid_request_error", null, field);
    }
  }
  if (typeof body.model !== "string") {
    throw new GatewayError(400, "model: must be a string", "invalid_request_error", null, "model");
  }
  return body;
}

/** The figures of a request sent as it came (the workers were too busy to read it). */
function unoptimized(json: Json, stream: boolean, reason: string): PreparedChat {
  return {
    body: "",
    messages: json.messages ?? json.input,
    model: json.model as string,
    plan: { images: [], tokens: { before: 0, after: 0 }, estimated: true },
    optimizations: [],
    stream,
    clientWantsUsage: false,
    passthroughReason: reason,
  };
}

/** Prepares a request of `api` (also `count_tokens`, whose count then matches what is sent). */
export async function prepareNative<Image extends { ref: number }, Change>(
  bytes: Uint8Array,
  headers: Headers,
  deps: PipelineDeps,
  api: NativeRequest<Image, Change>,
  /**
   * An edit the deployment asked for (prompt-cache breakpoints, tool order), on the parsed body;
   * true when it changed something, and the body is then written out whole.
   */
  rewrite?: (json: Json) => boolean,
): Promise<PreparedNative> {
  const json = checked(await parseNativeBody(bytes, deps.pool), api.required);
  const { view, inline, images } = api.view(json);
  const stream = json.stream === true;
  const written = () => serializeJson(json, bytes.byteLength, deps.pool);
  let admitted: AdmittedChat;
  try {
    admitted = await admitDecoded({ json: view, inline, body: bytes }, headers, deps);
  } catch (e) {
    if (!isOverload(e) || deps.config.on_overload === "reject") throw e;
    return {
      body: rewrite?.(json) ? await written() : bytes,
      plan: unoptimized(json, stream, "image workers busy; sent unoptimized"),
      stream,
    };
  }
  const original = new Map(admitted.intake.literals);
  const plan = await optimizeChat(admitted, deps);
  const changes = images.flatMap((image) => {
    const literal = admitted.intake.literals.get(image.ref);
    const change = api.change(image, literal === original.get(image.ref) ? undefined : literal);
    return change ? [change] : [];
  });
  let body: Uint8Array = bytes;
  if (rewrite?.(json)) {
    api.apply(changes);
    body = await written();
  } else if (changes.length) {
    // Where an image's data cannot be found as written (an escaped slash, say), write it out.
    body = await spliceNativeBody(api.api, bytes, changes, deps.pool) ??
      (api.apply(changes), await written());
  }
  return { body, plan: { ...plan, stream }, stream };
}
