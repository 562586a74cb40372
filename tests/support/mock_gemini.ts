/**
 * A mock Gemini API (generativelanguage.googleapis.com) on loopback that speaks the real wire
 * format, for squint's Gemini tests; the Gemini twin of `mock_openai.ts`.
 *
 * Routes: `POST /v1beta/models/{model}:generateContent`, `…:streamGenerateContent` and
 * `…:countTokens` (`{totalTokens}`, the prompt count below) (`v1` and `v1alpha` too).
 * With `?alt=sse` a stream is one SSE event per chunk, `data: {…}\r\n\r\n`, each chunk a whole
 * `GenerateContentResponse` with the running usage, framed and serialized as live captures show
 * (`"key": value` pairs joined by bare commas, `<>&='` escaped); without it, one JSON array.
 * The Files API's resumable upload (`mock_gemini_upload.ts`). Anything else is Google's 404.
 *
 * - key: `x-goog-api-key` header or `?key=`; none → 403 PERMISSION_DENIED; a key outside
 *   `apiKeys` (when given) → 400 API_KEY_INVALID.
 * - checks (400 INVALID_ARGUMENT, in the API's words): a body that is not JSON; a field the API
 *   does not know (top level, `generationConfig`, function `parameters` outside Gemini's
 *   `Schema`); `contents` missing or empty; a role other than `user` / `model`; empty `parts`; a
 *   part without a data field; inline data that is not base64; on `gemini-3*` models, a function
 *   call of the current turn without `thoughtSignature`. Turns need not alternate.
 * - answer: `Echo: ` and the first 60 characters of the last user turn with text (its text parts
 *   joined by spaces), then ` [images: N]` for N > 0 inline images; with declared functions and
 *   `toolConfig.functionCallingConfig.mode` ANY, a `functionCall` of the first allowed function
 *   instead, arguments invented from its schema, with a `thoughtSignature`. `candidateCount`
 *   answers that many candidates; `maxOutputTokens` cuts the text (finishReason MAX_TOKENS).
 * - tokens: prompt = `ceil(C / 4) + Σ imageTokens` over the inline images (default 258 each, Gemini
 *   2.x's price of an image within 384×384 px), C = UTF-16 code units of every text part of
 *   `systemInstruction` and `contents`; candidates = one per text piece (split as in
 *   `mock_model.ts`) or `ceil(args JSON / 4)` for a function call, times the candidate count.
 * - scripts: by model name, as in `mock_scripts.ts` (`mock-error-NNN` answers Google's error).
 *
 * @module
 */

import { EventCounter } from "./event_count.ts";
import { numberedPiece, textPieces } from "./mock_model.ts";
import { type Script, scriptFor } from "./mock_scripts.ts";
import { pause } from "./pause.ts";
import { UPLOAD_PATH, type UploadedFile, Uploads } from "./mock_gemini_upload.ts";
import type { MockUpstream } from "./mock_upstream.ts";
import { abortMarker, pacedBody, serveMock, waitForDisconnect } from "./mock_server.ts";

/** An inline image part's `inlineData`. */
export interface InlineImage {
  mimeType: string;
  data: string;
}

/** Prices one inline image in prompt tokens; the model is the request's. */
export type GeminiImageTokens = (image: InlineImage, model: string) => number;

/** Options of {@linkcode startMockGemini}. */
export interface MockGeminiOptions {
  /** Wait this long before every answer, errors included. Default 0. */
  delayMs?: number;
  /** Every answer waits for this first. */
  gate?: Promise<unknown>;
  /** Keep every request in `requests`. Default true. */
  record?: boolean;
  /** The API keys accepted; default any non-empty key. */
  apiKeys?: readonly string[];
  /** Prompt tokens of one inline image; default 258. */
  imageTokens?: GeminiImageTokens;
  /** Pause between the chunks of `mock-slow`. Default 25 ms. */
  slowChunkMs?: number;
  /** Chunks `mock-slow` sends before it finishes normally. Default 2400. */
  slowMaxChunks?: number;
  /** Port to listen on; default 0 (any free port). */
  port?: number;
}

/** One request as the mock received it. */
export interface RecordedGeminiRequest {
  method: string;
  /** The path without the query, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
  path: string;
  /** Query parameters, e.g. `{alt: "sse"}`. */
  query: Record<string, string>;
  /** Headers with lower-case names. */
  headers: Record<string, string>;
  /** The parsed JSON body, the raw text when it is not JSON, or null when there is none. */
  body: unknown;
}

/** A running mock Gemini API. */
export interface MockGemini extends MockUpstream<RecordedGeminiRequest> {
  /** `http://127.0.0.1:PORT`: @google/genai's `httpOptions.baseUrl`, and squint's Gemini base URL. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Files uploaded whole (the Files API's resumable upload), by name (`files/…`). */
  readonly uploads: ReadonlyMap<string, UploadedFile>;
}

type Json = Record<string, unknown>;

/** A Google error answer: HTTP status and `{error: {code, message, status, details?}}`. */
interface Failure {
  code: number;
  status: string;
  message: string;
  details?: unknown[];
}

const ROUTE =
  /^\/(v1beta|v1alpha|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;
const SNIPPET_LENGTH = 60;
const DEFAULT_IMAGE_TOKENS = 258;
const RESET_AFTER_EVENTS = 2;
const MOCK_SIGNATURE = btoa("mock-thought-signature");

/** Top-level fields of `GenerateContentRequest` (@google/genai 3.1.0 request builders). */
const REQUEST_FIELDS = new Set(
  ("model contents systemInstruction tools toolConfig safetySettings generationConfig " +
    "cachedContent labels serviceTier").split(" "),
);

/** Fields of `GenerationConfig`. */
const GENERATION_FIELDS = new Set(
  ("stopSequences responseMimeType responseSchema responseJsonSchema responseModalities " +
    "candidateCount maxOutputTokens temperature topP topK seed presencePenalty " +
    "frequencyPenalty responseLogprobs logprobs enableEnhancedCivicAnswers speechConfig " +
    "thinkingConfig imageConfig mediaResolution audioTranscriptionConfig").split(" "),
);

/** Fields of Gemini's `Schema`, the only ones `functionDeclarations[].parameters` takes. */
const SCHEMA_FIELDS = new Set(
  ("type format title description nullable enum default example items minItems maxItems " +
    "properties required propertyOrdering minProperties maxProperties minLength maxLength " +
    "pattern minimum maximum anyOf").split(" "),
);

/** The fields one of which makes a part (`Part.data`). */
const PART_DATA = [
  ..."text inlineData fileData functionCall functionResponse".split(" "),
  ..."executableCode codeExecutionResult".split(" "),
];

/** Google's errors by HTTP status, worded as the API words them. */
const ERRORS: Record<number, (model: string) => Omit<Failure, "code">> = {
  400: () => ({ status: "INVALID_ARGUMENT", message: "Request contains an invalid argument." }),
  401: () => ({
    status: "UNAUTHENTICATED",
    message: "Request had invalid authentication credentials. Expected OAuth 2 access token, " +
      "login cookie or other valid authentication credential.",
  }),
  403: () => ({ status: "PERMISSION_DENIED", message: "The caller does not have permission" }),
  404: (model) => ({
    status: "NOT_FOUND",
    message: `models/${model} is not found for API version v1beta, or is not supported for ` +
      "generateContent. Call ListModels to see the list of available models and their supported " +
      "methods.",
  }),
  429: (model) => ({
    status: "RESOURCE_EXHAUSTED",
    message: "You exceeded your current quota, please check your plan and billing details. For " +
      "more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        violations: [{
          quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
          quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
          quotaDimensions: { location: "global", model },
          quotaValue: "10",
        }],
      },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1s" },
    ],
  }),
  500: () => ({
    status: "INTERNAL",
    message: "An internal error has occurred. Please retry or report in " +
      "https://developers.generativeai.google/guide/troubleshooting",
  }),
  503: () => ({
    status: "UNAVAILABLE",
    message: "The model is overloaded. Please try again later.",
  }),
  504: () => ({
    status: "DEADLINE_EXCEEDED",
    message: "Deadline expired before operation could complete.",
  }),
};

/** Starts a mock Gemini API on 127.0.0.1. */
export function startMockGemini(options: MockGeminiOptions = {}): MockGemini {
  const record = options.record ?? true;
  const imageTokens = options.imageTokens ?? (() => DEFAULT_IMAGE_TOKENS);
  const slowChunkMs = options.slowChunkMs ?? 25;
  const slowMaxChunks = options.slowMaxChunks ?? 2400;
  const closing = new AbortController();
  const requests: RecordedGeminiRequest[] = [];
  const received = new EventCounter();
  const aborted = new EventCounter();
  let answers = 0;
  const uploads = new Uploads();

  const handle = async (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const started = performance.now();
    const url = new URL(request.url);
    const bytes = request.body ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array();
    const text = new TextDecoder().decode(bytes);
    const body = parseJson(text);
    received.add();
    if (record) {
      requests.push({
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(request.headers),
        body: text ? body ?? text : null,
      });
    }
    if (options.delayMs) await pause(options.delayMs, [closing.signal]);
    if (options.gate) await options.gate;
    // The tier a generation was served at, said in a header when the request named one.
    const tier = servedTier(body);
    const json = (status: number, value: unknown) =>
      new Response(googleJson(value, true), {
        status,
        headers: headers(started, "application/json; charset=UTF-8", tier),
      });
    const fail = ({ code, message, status, details }: Failure) =>
      json(code, { error: { code, message, status, ...(details ? { details } : {}) } });

    if (request.method === "POST" && UPLOAD_PATH.test(url.pathname)) {
      return uploads.answer(request, url, bytes);
    }
    const route = ROUTE.exec(url.pathname);
    if (request.method !== "POST" || !route) {
      return fail({ code: 404, status: "NOT_FOUND", message: "Method not found." });
    }
    const key = request.headers.get("x-goog-api-key") ?? url.searchParams.get("key");
    const keyFailure = checkKey(key, options.apiKeys);
    if (keyFailure) return fail(keyFailure);
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return fail(invalid("Invalid JSON payload received. Unexpected token."));
    }
    const model = decodeURIComponent(route[2]);
    // countTokens takes `contents`, or a whole `generateContentRequest` in their place.
    const inner = (body as Json).generateContentRequest;
    const counted = route[3] === "countTokens" && inner && typeof inner === "object" &&
        (body as Json).contents === undefined
      ? inner as Json
      : body as Json;
    const invalidity = checkRequest(counted, model);
    if (invalidity) return fail(invalidity);
    const script = scriptFor(model);
    if (script.kind === "error") return fail(scriptedError(script.status, model));

    const markAborted = abortMarker(closing.signal, aborted);
    const exchange: Exchange = { request, info, started, markAborted, tier };
    if (script.kind === "hang") {
      await waitForDisconnect(exchange, closing.signal);
      return fail(shuttingDown());
    }
    const plan = planAnswer(counted, model, script);
    if (route[3] === "countTokens") {
      const { text, image } = plan.promptTokens;
      return json(200, { totalTokens: text + image });
    }
    if (route[3] === "generateContent") {
      if (
        script.kind === "slow" &&
        await waitForDisconnect(exchange, closing.signal, slowChunkMs * slowMaxChunks)
      ) {
        return fail(shuttingDown());
      }
      if (script.kind !== "reset") return json(200, wholeAnswer(plan));
      const partial = googleJson(wholeAnswer(plan), true).slice(0, 40);
      return stream(exchange, [partial].values(), { cutAfter: 1 }, "application/json");
    }
    if (url.searchParams.get("alt") !== "sse") return json(200, [...answerChunks(plan)]);
    const events = sseEvents(answerChunks(plan));
    if (script.kind === "slow") return stream(exchange, events, { intervalMs: slowChunkMs });
    if (script.kind === "reset") return stream(exchange, events, { cutAfter: RESET_AFTER_EVENTS });
    return stream(exchange, events);
  };

  /** What to answer, with the pieces the script asks for (`mock-slow`, `mock-chunks-N`). */
  const planAnswer = (body: Json, model: string, script: Script): Plan => {
    const responseId = `mock${(answers++).toString(36).padStart(18, "0")}`;
    const pieces = script.kind === "slow"
      ? numberedPieces(slowMaxChunks)
      : script.kind === "answer" && script.chunks !== undefined
      ? numberedPieces(script.chunks)
      : undefined;
    return plan(body, model, responseId, (part) => imageTokens(part, model), pieces);
  };

  const stream = (
    exchange: Exchange,
    events: Iterator<string>,
    pacing: { intervalMs?: number; cutAfter?: number } = {},
    contentType = "text/event-stream",
  ) => {
    const body = pacedBody(exchange, events, pacing, closing.signal);
    return new Response(body, {
      status: 200,
      headers: headers(exchange.started, contentType, exchange.tier),
    });
  };

  const { origin, close } = serveMock(
    handle,
    (error) =>
      new Response(
        googleJson(
          { error: { code: 500, message: `Mock failed: ${error}`, status: "INTERNAL" } },
          true,
        ),
        {
          status: 500,
          headers: { "content-type": "application/json; charset=UTF-8" },
        },
      ),
    closing,
    options.port,
  );
  return {
    baseUrl: origin,
    origin,
    uploads: uploads.files,
    requests,
    received,
    aborted,
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface Exchange {
  request: Request;
  info: Deno.ServeHandlerInfo;
  started: number;
  markAborted: () => void;
  /** The tier the answer says it was served at (`x-gemini-service-tier`), if any. */
  tier?: string;
}

/** What the mock answers one request with. */
interface Plan {
  model: string;
  responseId: string;
  candidates: number;
  promptTokens: { text: number; image: number };
  output:
    | { kind: "text"; pieces: Iterable<string>; limit: number }
    | { kind: "call"; name: string; args: Json };
}

function plan(
  body: Json,
  model: string,
  responseId: string,
  imageTokens: (image: InlineImage) => number,
  pieces?: Iterable<string>,
): Plan {
  const contents = body.contents as Json[];
  const parts = [objectOf(body.systemInstruction), ...contents].flatMap(partsOf);
  const texts = parts.flatMap((part) => typeof part.text === "string" ? [part.text] : []);
  const images = parts.map((part) => objectOf(part.inlineData) as Partial<InlineImage>)
    .filter((data): data is InlineImage => String(data.mimeType).startsWith("image/"));
  const config = objectOf(body.generationConfig);
  const call = forcedCall(body);
  const echo = `Echo: ${lastUserText(contents).slice(0, SNIPPET_LENGTH)}` +
    (images.length > 0 ? ` [images: ${images.length}]` : "");
  const limit = Number(config.maxOutputTokens ?? Infinity);
  return {
    model,
    responseId,
    candidates: Math.max(1, Number(config.candidateCount ?? 1)),
    promptTokens: {
      text: Math.ceil(texts.reduce((sum, text) => sum + text.length, 0) / 4),
      image: images.reduce((sum, image) => sum + imageTokens(image), 0),
    },
    output: call
      ? { kind: "call", ...call }
      : { kind: "text", pieces: pieces ?? textPieces(echo), limit },
  };
}

/** The text parts, joined by spaces, of the last user turn that has any. */
function lastUserText(contents: Json[]): string {
  const texts = contents.filter((content) => content.role !== "model")
    .map((content) =>
      partsOf(content).flatMap((part) => typeof part.text === "string" ? [part.text] : [])
    )
    .findLast((found) => found.length > 0);
  return (texts ?? []).join(" ");
}

/** The call a request forces: mode ANY with declared functions (the first allowed one). */
function forcedCall(body: Json): { name: string; args: Json } | undefined {
  const declarations = ((body.tools as Json[] | undefined) ?? [])
    .flatMap((tool) => (objectOf(tool).functionDeclarations as Json[] | undefined) ?? []);
  const config = objectOf(objectOf(body.toolConfig).functionCallingConfig);
  if (declarations.length === 0 || String(config.mode).toUpperCase() !== "ANY") return undefined;
  const allowed = (config.allowedFunctionNames as string[] | undefined)?.[0];
  const declaration = declarations.find((d) => d.name === allowed) ?? declarations[0];
  const args = sampleValue(objectOf(declaration.parameters ?? declaration.parametersJsonSchema));
  return { name: String(declaration.name), args: objectOf(args) };
}

/** A value fitting a Gemini `Schema` or JSON Schema: enum[0], `"mock"`, 1, true, [], an object. */
function sampleValue(schema: Json): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = String(schema.type ?? (schema.properties ? "object" : "")).toLowerCase();
  if (type === "string") return "mock";
  if (type === "integer" || type === "number") return 1;
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type !== "object") return null;
  const properties = Object.entries(objectOf(schema.properties));
  return Object.fromEntries(properties.map(([key, value]) => [key, sampleValue(objectOf(value))]));
}

/** The chunks of a streamed answer: one per text piece (or one call), then the finish. */
function* answerChunks(plan: Plan): Generator<Json> {
  const { output } = plan;
  if (output.kind === "call") {
    const part = {
      functionCall: { name: output.name, args: output.args },
      thoughtSignature: MOCK_SIGNATURE,
    };
    yield response(plan, () => ({ parts: [part], role: "model" }), "STOP", callTokens(output.args));
    return;
  }
  let tokens = 0;
  for (const piece of output.pieces) {
    if (tokens >= output.limit) {
      yield response(plan, () => ({ role: "model" }), "MAX_TOKENS", tokens);
      return;
    }
    tokens++;
    yield response(plan, () => ({ parts: [{ text: piece }], role: "model" }), undefined, tokens);
  }
  yield response(plan, () => ({ role: "model" }), "STOP", tokens);
}

/** The chunks merged into one `GenerateContentResponse`, as `generateContent` answers. */
function wholeAnswer(plan: Plan): Json {
  const chunks = [...answerChunks(plan)];
  const parts = chunks.flatMap((chunk) =>
    partsOf(objectOf(objectOf((chunk.candidates as Json[])[0]).content))
  );
  const text = parts.filter((part) => typeof part.text === "string").map((part) => part.text).join(
    "",
  );
  const merged = text === "" ? parts : [{ text }];
  const last = chunks.at(-1)!;
  const finish = objectOf((last.candidates as Json[])[0]).finishReason;
  return {
    ...last,
    candidates: candidates(plan, () => ({ parts: merged, role: "model" }), finish as string),
  };
}

function response(
  plan: Plan,
  content: () => Json,
  finish: string | undefined,
  tokens: number,
): Json {
  const { text, image } = plan.promptTokens;
  const candidateTokens = tokens * plan.candidates;
  const promptTokensDetails = [{ modality: "TEXT", tokenCount: text }];
  if (image > 0) promptTokensDetails.push({ modality: "IMAGE", tokenCount: image });
  return {
    candidates: candidates(plan, content, finish),
    usageMetadata: {
      promptTokenCount: text + image,
      ...(candidateTokens > 0 ? { candidatesTokenCount: candidateTokens } : {}),
      totalTokenCount: text + image + candidateTokens,
      promptTokensDetails,
    },
    modelVersion: plan.model,
    responseId: plan.responseId,
  };
}

function candidates(plan: Plan, content: () => Json, finish: string | undefined): Json[] {
  return Array.from({ length: plan.candidates }, (_, index) => ({
    content: content(),
    ...(finish ? { finishReason: finish } : {}),
    index,
  }));
}

function callTokens(args: Json): number {
  return Math.ceil(JSON.stringify(args).length / 4);
}

function* numberedPieces(count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield numberedPiece(i);
}

function* sseEvents(chunks: Iterable<Json>): Generator<string> {
  for (const chunk of chunks) yield `data: ${googleJson(chunk, false)}\r\n\r\n`;
}

function checkKey(key: string | null, accepted?: readonly string[]): Failure | undefined {
  if (!key) {
    return {
      code: 403,
      status: "PERMISSION_DENIED",
      message:
        "Method doesn't allow unregistered callers (callers without established identity). " +
        "Please use API Key or other form of API consumer identity to call this API.",
    };
  }
  if (!accepted || accepted.includes(key)) return undefined;
  return {
    ...invalid("API key not valid. Please pass a valid API key."),
    details: [{
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    }],
  };
}

/** The first thing the API would reject in a request, or undefined. */
function checkRequest(body: Json, model: string): Failure | undefined {
  const unknown = unknownField(body, REQUEST_FIELDS) ??
    unknownField(objectOf(body.generationConfig), GENERATION_FIELDS, "generation_config");
  if (unknown) return unknown;
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    return invalid("* GenerateContentRequest.contents: contents is not specified\n");
  }
  for (const [i, value] of contents.entries()) {
    const content = objectOf(value);
    if (content.role !== undefined && content.role !== "user" && content.role !== "model") {
      return invalid("Please use a valid role: user, model.");
    }
    const failure = checkParts(content, `contents[${i}]`);
    if (failure) return failure;
  }
  if (body.systemInstruction !== undefined) {
    const failure = checkParts(objectOf(body.systemInstruction), "system_instruction");
    if (failure) return failure;
  }
  for (const [t, tool] of ((body.tools as unknown[] | undefined) ?? []).entries()) {
    for (
      const [f, declaration] of ((objectOf(tool).functionDeclarations as unknown[]) ?? []).entries()
    ) {
      const where = `tools[${t}].function_declarations[${f}].parameters`;
      const failure = checkSchema(objectOf(declaration).parameters, where);
      if (failure) return failure;
    }
  }
  return model.startsWith("gemini-3") ? checkSignatures(contents as Json[]) : undefined;
}

function checkParts(content: Json, where: string): Failure | undefined {
  const parts = content.parts;
  if (!Array.isArray(parts) || parts.length === 0) {
    return invalid(`* GenerateContentRequest.${where}.parts: contents.parts must not be empty.\n`);
  }
  for (const [k, value] of parts.entries()) {
    const part = objectOf(value);
    const at = `${where}.parts[${k}]`;
    if (!PART_DATA.some((field) => part[field] !== undefined)) {
      return invalid(
        `* GenerateContentRequest.${at}.data: required oneof field 'data' must have one initialized field\n`,
      );
    }
    const data = objectOf(part.inlineData).data;
    if (part.inlineData !== undefined && !isBase64(data)) {
      return invalid(
        `Invalid value at '${at}.inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${
          String(data).slice(0, 20)
        }"`,
      );
    }
  }
  return undefined;
}

function checkSchema(value: unknown, where: string): Failure | undefined {
  if (value === undefined) return undefined;
  const schema = objectOf(value);
  const unknown = unknownField(schema, SCHEMA_FIELDS, where);
  if (unknown) return unknown;
  const children: [unknown, string][] = [
    ...Object.entries(objectOf(schema.properties)).map(([key, child]): [unknown, string] => [
      child,
      `${where}.properties[${key}].value`,
    ]),
    [schema.items, `${where}.items`],
    ...((schema.anyOf as unknown[] | undefined) ?? []).map((
      child,
      i,
    ): [unknown, string] => [child, `${where}.any_of[${i}]`]),
  ];
  for (const [child, at] of children) {
    const failure = checkSchema(child, at);
    if (failure) return failure;
  }
  return undefined;
}

/** Gemini 3 wants the first function call of each step of the current turn signed. */
function checkSignatures(contents: Json[]): Failure | undefined {
  const turnStart = contents.findLastIndex((content) =>
    content.role !== "model" && partsOf(content).some((part) => part.functionResponse === undefined)
  );
  for (const [i, content] of contents.entries()) {
    if (i <= turnStart || content.role !== "model") continue;
    const first = partsOf(content).find((part) => part.functionCall !== undefined);
    if (first && typeof first.thoughtSignature !== "string") {
      return invalid(
        "Function call is missing a thought_signature in functionCall parts. This is required for " +
          "tools to work correctly, and missing thought_signature may lead to degraded model " +
          `performance. Additional data, function call \`${
            objectOf(first.functionCall).name
          }\` , position ${i + 1}. ` +
          "Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
      );
    }
  }
  return undefined;
}

/** The first field of `object` outside `known` (snake_case names count as their camelCase twin). */
function unknownField(object: Json, known: Set<string>, where?: string): Failure | undefined {
  const name = Object.keys(object).find((key) =>
    !known.has(key.replace(/_([a-z])/g, (_, c) => c.toUpperCase()))
  );
  if (name === undefined) return undefined;
  const at = where ? ` at '${where}'` : "";
  return invalid(`Invalid JSON payload received. Unknown name "${name}"${at}: Cannot find field.`);
}

function invalid(message: string): Failure {
  return { code: 400, status: "INVALID_ARGUMENT", message };
}

function scriptedError(code: number, model: string): Failure {
  const known = ERRORS[code]?.(model);
  return {
    code,
    ...(known ??
      { status: code < 500 ? "FAILED_PRECONDITION" : "INTERNAL", message: `Mock error ${code}.` }),
  };
}

function shuttingDown(): Failure {
  return { code: 503, status: "UNAVAILABLE", message: "The mock upstream is shutting down." };
}

/**
 * The tier a request's `serviceTier` is served at: `flex` and `priority` as asked (the mock has
 * the capacity), anything else `standard`; none when the request names none.
 */
function servedTier(body: unknown): string | undefined {
  const asked = (body as Json | null)?.serviceTier;
  if (typeof asked !== "string") return undefined;
  const tier = asked.toLowerCase();
  return tier === "flex" || tier === "priority" ? tier : "standard";
}

function headers(started: number, contentType: string, tier?: string): Record<string, string> {
  return {
    ...(tier ? { "x-gemini-service-tier": tier } : {}),
    "content-type": contentType,
    vary: "Origin, X-Origin, Referer",
    server: "scaffolding on HTTPServer2",
    "server-timing": `gfet4t7; dur=${Math.round(performance.now() - started)}`,
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "x-xss-protection": "0",
  };
}

/**
 * JSON as Google's front end writes it: pretty (2 spaces) for whole answers, and for stream
 * chunks `"key": value` pairs joined by bare commas; `<`, `>`, `&`, `=`, `'` as `\u00XX` escapes.
 */
function googleJson(value: unknown, pretty: boolean): string {
  const text = pretty ? JSON.stringify(value, null, 2) : compactJson(value);
  return text.replace(/[<>&=']/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function compactJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compactJson).join(",")}]`;
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${compactJson(v)}`).join(",")}}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isBase64(data: unknown): boolean {
  return typeof data === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(data) && data.length % 4 !== 1;
}

function partsOf(content: Json): Json[] {
  return Array.isArray(content.parts) ? content.parts.map(objectOf) : [];
}

function objectOf(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Json : {};
}
