/**
 * Language-model middleware for the AI SDK (`wrapLanguageModel({ model, middleware })`): the
 * prompt's image file parts are planned for the wrapped model exactly as the chat door plans them
 * (one `/v1/optimize` of a chat view of the prompt), then replaced by the picture squint would
 * send, or by the page's text; squint's figures come back in the result's provider metadata
 * (`providerMetadata.squint`, on a stream's `finish` part). A prompt without images is handed on
 * untouched, with no worker task.
 *
 * Typed structurally on the AI SDK's language-model specification v4 (`@ai-sdk/provider`), so the
 * library loads no AI SDK package.
 *
 * @module
 */
import { imageMediaType, sentForm } from "./image.ts";
import { type ChatPart, type Plan, sentPartsByOrigin } from "./plan.ts";

/** A prompt part, as far as squint reads it. */
type PromptPart = {
  type: string;
  text?: string;
  mediaType?: string;
  data?: { type: string; data?: Uint8Array | string; url?: URL | string };
  providerOptions?: Record<string, Record<string, unknown>>;
};
type PromptMessage = { role: string; content: string | PromptPart[] };
type CallOptions = { prompt: PromptMessage[] };
type Model = { modelId: string; provider: string };
type JsonRecord = Record<string, unknown>;
type GenerateResult = { providerMetadata?: Record<string, JsonRecord> };
type StreamPart = { type: string; providerMetadata?: Record<string, JsonRecord> };
type StreamResult = { stream: ReadableStream<StreamPart> };

/**
 * The middleware `wrapLanguageModel` takes. Generic over the SDK's own types, so what goes in
 * comes back out with the same type.
 */
export interface SquintMiddleware {
  readonly specificationVersion: "v4";
  transformParams<P extends CallOptions>(
    options: { type: string; params: P; model: Model },
  ): Promise<P>;
  wrapGenerate<R extends GenerateResult>(options: {
    doGenerate: () => PromiseLike<R>;
    params: CallOptions;
  }): Promise<R>;
  wrapStream<R extends StreamResult>(options: {
    doStream: () => PromiseLike<R>;
    params: CallOptions;
  }): Promise<R>;
}

/** squint's figures for one call (`providerMetadata.squint`). */
export interface MiddlewareStats extends JsonRecord {
  model: string;
  tokens_before: number;
  tokens_after: number;
  estimated: boolean;
  cost_before_usd: number | null;
  cost_after_usd: number | null;
  images: JsonRecord[];
}

const isImage = (part: PromptPart): boolean =>
  part.type === "file" && (part.mediaType ?? "").startsWith("image") &&
  (part.data?.type === "data" || part.data?.type === "url");

/** An image part as a chat part: its bytes as a data URL, or its http(s) URL. */
function chatImage(part: PromptPart): ChatPart {
  const { data } = part;
  if (data!.type === "url") return { type: "image_url", image_url: { url: String(data!.url) } };
  const given = data!.data!;
  const encoded = typeof given === "string" ? given : given.toBase64();
  // `image` alone (the SDK could not tell the format): the bytes' header tells.
  const mediaType = part.mediaType!.includes("/")
    ? part.mediaType
    : imageMediaType(typeof given === "string" ? Uint8Array.fromBase64(given) : given);
  return { type: "image_url", image_url: { url: `data:${mediaType};base64,${encoded}` } };
}

/** The chat view of a prompt: its words and images, part for part; other parts as empty text. */
function chatView(prompt: PromptMessage[]): JsonRecord[] {
  return prompt.map((message) => ({
    role: message.role === "tool" ? "user" : message.role,
    content: typeof message.content === "string" ? message.content : message.content.map((
      part,
    ) => isImage(part) ? chatImage(part) : { type: "text", text: part.text ?? "" }),
  }));
}

/** A prompt part replaced by what squint sends for it. */
function sentPromptParts(given: PromptPart, sent: ChatPart[]): PromptPart[] {
  const form = sentForm(sent);
  const out: PromptPart[] = [];
  if (form.text !== undefined) out.push({ type: "text", text: form.text });
  if (form.bytes) {
    out.push({
      ...given,
      data: { type: "data", data: form.bytes },
      mediaType: form.mediaType,
      ...(form.detail
        ? {
          providerOptions: {
            ...given.providerOptions,
            openai: { ...given.providerOptions?.openai, imageDetail: form.detail },
          },
        }
        : {}),
    });
  } else if (form.text === undefined) out.push(given);
  return out;
}

/** The prompt as squint would send it. */
function sentPrompt(prompt: PromptMessage[], plan: Plan): PromptMessage[] {
  const changed = new Set(plan.images.filter((i) => i.action !== "keep").map((i) => i.message));
  return prompt.map((message, m) => {
    if (!changed.has(m) || typeof message.content === "string") return message;
    const given = message.content;
    const sent = sentPartsByOrigin(plan, m, given.length);
    const touched = new Set(plan.images.filter((i) => i.message === m).map((i) => i.part));
    return {
      ...message,
      content: given.flatMap((part, p) => touched.has(p) ? sentPromptParts(part, sent[p]) : [part]),
    };
  });
}

function statsOf(plan: Plan): MiddlewareStats {
  return {
    model: plan.model,
    tokens_before: plan.tokens.before,
    tokens_after: plan.tokens.after,
    estimated: plan.estimated,
    cost_before_usd: plan.cost.before_usd,
    cost_after_usd: plan.cost.after_usd,
    images: plan.images.map((i) => ({
      message: i.message,
      part: i.part,
      action: i.action,
      reasons: i.reasons,
      optimizations: i.optimizations,
      tokens_before: i.before.tokens,
      tokens_after: i.after.tokens,
    })),
  };
}

const withStats = <T extends { providerMetadata?: Record<string, JsonRecord> }>(
  carrier: T,
  stats: MiddlewareStats | undefined,
): T =>
  stats
    ? { ...carrier, providerMetadata: { ...carrier.providerMetadata, squint: stats } }
    : carrier;

/** The middleware, planning with `optimize` (the instance's `/v1/optimize`). */
export function squintMiddleware(
  optimize: (body: JsonRecord) => Promise<Plan>,
): SquintMiddleware {
  // The figures of each transformed call, found again by its parameters.
  const figures = new WeakMap<CallOptions, MiddlewareStats>();
  return {
    specificationVersion: "v4",
    async transformParams<P extends CallOptions>(
      { params, model }: { params: P; model: Model },
    ): Promise<P> {
      const hasImage = params.prompt.some((m) =>
        typeof m.content !== "string" && m.content.some(isImage)
      );
      if (!hasImage) return params;
      const plan = await optimize({ model: model.modelId, messages: chatView(params.prompt) });
      const sent: P = { ...params, prompt: sentPrompt(params.prompt, plan) };
      figures.set(sent, statsOf(plan));
      return sent;
    },
    async wrapGenerate<R extends GenerateResult>(
      { doGenerate, params }: { doGenerate: () => PromiseLike<R>; params: CallOptions },
    ): Promise<R> {
      return withStats(await doGenerate(), figures.get(params));
    },
    async wrapStream<R extends StreamResult>(
      { doStream, params }: { doStream: () => PromiseLike<R>; params: CallOptions },
    ): Promise<R> {
      const result = await doStream();
      const stats = figures.get(params);
      if (!stats) return result;
      return {
        ...result,
        stream: result.stream.pipeThrough(
          new TransformStream<StreamPart, StreamPart>({
            transform(part, controller) {
              controller.enqueue(part.type === "finish" ? withStats(part, stats) : part);
            },
          }),
        ),
      };
    },
  };
}
