/**
 * A stored answer and its two shapes: the upstream's JSON completion, or the data of its stream
 * events, kept as they came. Either serves either kind of request: a stream is folded into one
 * completion, and a completion unfolded into the chunks OpenAI would have sent (role, content,
 * tool-call deltas, finish reason, usage).
 */
import { eventData, splitEvents } from "../relay/sse.ts";

/** What the cache keeps of one answer. */
export interface StoredAnswer {
  /** The upstream's JSON answer, as text. */
  completion?: string;
  /** The `data:` payloads of the upstream's stream events, `[DONE]` excluded. */
  events?: string[];
  /** A native API's answer (JSON or event stream), replayed as it came, and its media type. */
  raw?: string;
  contentType?: string;
  /** squint's estimates of the original request's input tokens, as sent by the client and by squint. */
  tokensBefore: number;
  tokensAfter: number;
  storedAt: number;
}

type Json = Record<string, unknown>;

interface ToolCall {
  id?: string;
  type?: string;
  function: { name?: string; arguments: string };
}

/** Encodes an answer as bytes for the store. */
export function encodeAnswer(answer: StoredAnswer): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(answer));
}

/** Decodes stored bytes; undefined when they are not a stored answer. */
export function decodeAnswer(bytes: Uint8Array): StoredAnswer | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return value &&
        (typeof value.completion === "string" || Array.isArray(value.events) ||
          typeof value.raw === "string")
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/** Folds stream chunks into the completion the same request without `stream` would get. */
export function chunksToCompletion(events: readonly string[]): Json {
  const chunks = events.map((e) => JSON.parse(e) as Json);
  const first = chunks[0] ?? {};
  const choices = new Map<number, Json & { message: Json; tools: ToolCall[] }>();
  let usage: unknown;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of (chunk.choices ?? []) as Json[]) {
      const index = Number(c.index ?? 0);
      let choice = choices.get(index);
      if (!choice) {
        choice = {
          index,
          message: { role: "assistant", content: null, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: null,
          tools: [],
        };
        choices.set(index, choice);
      }
      const delta = (c.delta ?? {}) as Json;
      const message = choice.message;
      if (typeof delta.role === "string") message.role = delta.role;
      if (typeof delta.content === "string") {
        message.content = ((message.content as string | null) ?? "") + delta.content;
      }
      if (typeof delta.refusal === "string") {
        message.refusal = ((message.refusal as string | null) ?? "") + delta.refusal;
      }
      for (const t of (delta.tool_calls ?? []) as Json[]) {
        const at = Number(t.index ?? 0);
        const call = choice.tools[at] ??= { function: { arguments: "" } };
        const fn = (t.function ?? {}) as Json;
        if (typeof t.id === "string") call.id = t.id;
        if (typeof t.type === "string") call.type = t.type;
        if (typeof fn.name === "string") call.function.name = fn.name;
        if (typeof fn.arguments === "string") call.function.arguments += fn.arguments;
      }
      const logprobs = c.logprobs as { content?: unknown[] } | null | undefined;
      if (logprobs?.content) {
        const held = (choice.logprobs ??= { content: [] }) as { content: unknown[] };
        held.content.push(...logprobs.content);
      }
      if (c.finish_reason) choice.finish_reason = c.finish_reason;
    }
  }
  const completion: Json = {
    id: first.id,
    object: "chat.completion",
    created: first.created,
    model: first.model,
    choices: [...choices.values()].sort((a, b) => Number(a.index) - Number(b.index)).map(
      ({ tools, ...choice }) => {
        if (tools.length) {
          choice.message.tool_calls = tools.map((t) => ({
            id: t.id,
            type: t.type ?? "function",
            function: { name: t.function.name, arguments: t.function.arguments },
          }));
        }
        return choice;
      },
    ),
  };
  for (const field of ["service_tier", "system_fingerprint"]) {
    if (first[field] !== undefined) completion[field] = first[field];
  }
  if (usage) completion.usage = usage;
  return completion;
}

/**
 * Unfolds a completion into stream chunks, as OpenAI streams them with usage asked for: per
 * choice a role chunk, the content, each tool call with its arguments, the finish reason; then
 * one usage chunk with no choices. Every chunk carries `"usage":null` last, as OpenAI's do.
 */
export function completionToChunks(completion: Json): string[] {
  const head = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint !== undefined
      ? { system_fingerprint: completion.system_fingerprint }
      : {}),
  };
  const chunk = (index: number, delta: Json, finish: unknown = null, logprobs: unknown = null) =>
    JSON.stringify({
      ...head,
      choices: [{ index, delta, logprobs, finish_reason: finish }],
      usage: null,
    });
  const out: string[] = [];
  for (const choice of (completion.choices ?? []) as Json[]) {
    const index = Number(choice.index ?? 0);
    const message = (choice.message ?? {}) as Json;
    const content = message.content === null ? null : "";
    out.push(chunk(index, { role: message.role ?? "assistant", content, refusal: null }));
    if (typeof message.content === "string" && message.content) {
      out.push(chunk(index, { content: message.content }, null, choice.logprobs ?? null));
    }
    if (typeof message.refusal === "string" && message.refusal) {
      out.push(chunk(index, { refusal: message.refusal }));
    }
    ((message.tool_calls ?? []) as ToolCall[]).forEach((call, at) => {
      out.push(chunk(index, {
        tool_calls: [{
          index: at,
          id: call.id,
          type: call.type ?? "function",
          function: { name: call.function?.name, arguments: call.function?.arguments ?? "" },
        }],
      }));
    });
    out.push(chunk(index, {}, choice.finish_reason ?? "stop"));
  }
  if (completion.usage) out.push(JSON.stringify({ ...head, choices: [], usage: completion.usage }));
  return out;
}

/** The answer as the JSON body of a non-stream response. */
export function completionText(answer: StoredAnswer): string {
  return answer.completion ?? JSON.stringify(chunksToCompletion(answer.events ?? []));
}

/** The stored answer as an upstream response of the kind the request asked for. */
export function storedResponse(answer: StoredAnswer, stream: boolean): Response {
  return stream
    ? new Response(streamText(answer), { headers: { "content-type": "text/event-stream" } })
    : new Response(completionText(answer), { headers: { "content-type": "application/json" } });
}

/** The answer as the SSE body of a stream response, `[DONE]` last. */
export function streamText(answer: StoredAnswer): string {
  const events = answer.events ?? completionToChunks(JSON.parse(answer.completion!));
  return events.map((data) => `data: ${data}\n\n`).join("") + "data: [DONE]\n\n";
}

/**
 * What to store of a finished upstream answer, or undefined when it must not be stored: not a
 * 200, not a chat completion, a stream cut short (no `[DONE]`), or a choice without its finish
 * reason.
 */
export function answerToStore(
  status: number,
  contentType: string,
  body: Uint8Array,
  tokens: { before: number; after: number },
): StoredAnswer | undefined {
  if (status !== 200) return undefined;
  const text = new TextDecoder().decode(body);
  const base = { tokensBefore: tokens.before, tokensAfter: tokens.after, storedAt: Date.now() };
  try {
    if (contentType.includes("text/event-stream")) {
      const data = splitEvents(text).map(eventData).filter((d) => d !== undefined);
      if (data.at(-1) !== "[DONE]") return undefined;
      const events = data.slice(0, -1);
      const completion = chunksToCompletion(events);
      return finished(completion) ? { events, ...base } : undefined;
    }
    return finished(JSON.parse(text)) ? { completion: text, ...base } : undefined;
  } catch {
    return undefined;
  }
}

function finished(completion: Json): boolean {
  const choices = completion?.choices;
  return Array.isArray(choices) && choices.length > 0 &&
    choices.every((c) => typeof (c as Json)?.finish_reason === "string");
}
