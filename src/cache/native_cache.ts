/**
 * The cache at a door that speaks the upstream's own API (Anthropic Messages, OpenAI Responses):
 * the same policy as Chat Completions, an exact key over the parsed body with each image by the
 * hash of its bytes, and the answer kept and replayed as the upstream gave it (a stream as a
 * stream, only when it reached its terminal event).
 */
import type { Config } from "../config.ts";
import type { AdmittedChat } from "../pipeline/prepare_chat.ts";
import type { StoredAnswer } from "./answer.ts";
import { type CacheDecision, type CacheScope, unkeyable } from "./chat_cache.ts";
import { hashKey, inlineIds, nativeCacheKey } from "./key.ts";
import { cachePolicy } from "./policy.ts";

type Json = Record<string, unknown>;

/** What a native request's cache decision reads. */
export interface NativeCacheInput {
  door: string;
  json: Json;
  admitted?: AdmittedChat;
  /** The objects holding each image's data in `json`, by the view's reference. */
  images: readonly { ref: number; holder: object }[];
  model: string;
  stream: boolean;
  /** Why the body's answer depends on state the provider keeps, if it does. */
  providerState?: string;
}

/** Decides what the cache may do for a native request, and its keys. */
export async function decideNativeCache(
  input: NativeCacheInput,
  scope: CacheScope,
  config: Config,
): Promise<CacheDecision> {
  const { admitted, json } = input;
  if (!admitted) {
    return { policy: { read: false, write: false, dedup: false, ttlMs: 0, reason: "not read" } };
  }
  const unkeyed = input.providerState ?? unkeyable(admitted);
  const policy = cachePolicy(json, admitted.facts.controls, config, unkeyed);
  if (!policy.read && !policy.write && !policy.dedup) return { policy };
  const ids = await inlineIds(admitted.decoded.inline);
  const images = new Map<object, string>();
  for (const { ref, holder } of input.images) if (ids[ref]) images.set(holder, ids[ref]);
  const key = await hashKey(
    nativeCacheKey(
      input.door,
      json,
      images,
      { ...scope, model: input.model },
      admitted.facts.controls,
    ),
  );
  return { policy, ids, key, flightKey: `${key}:${input.stream}` };
}

/** Keeping and replaying a native API's answers; `terminal` marks a finished stream. */
export function rawAnswers(terminal: RegExp) {
  return {
    toStore(
      status: number,
      contentType: string,
      body: Uint8Array,
      tokens: { before: number; after: number },
    ): StoredAnswer | undefined {
      if (status !== 200) return undefined;
      const raw = new TextDecoder().decode(body);
      if (contentType.includes("text/event-stream")) {
        if (!terminal.test(raw)) return undefined;
      } else {
        try {
          const answer = JSON.parse(raw);
          if (!answer || typeof answer !== "object") return undefined;
          // A stream answered as one JSON array (Gemini's without alt=sse): kept when it finished.
          if (Array.isArray(answer) && !terminal.test(raw)) return undefined;
        } catch {
          return undefined;
        }
      }
      return {
        raw,
        contentType,
        tokensBefore: tokens.before,
        tokensAfter: tokens.after,
        storedAt: Date.now(),
      };
    },
    response(answer: StoredAnswer): Response {
      return new Response(answer.raw ?? "", {
        headers: { "content-type": answer.contentType ?? "application/json" },
      });
    },
  };
}
