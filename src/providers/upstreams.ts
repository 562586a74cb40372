/**
 * The upstreams squint calls for the Chat Completions door, as data: how each takes a key, how
 * its stream is framed, and the translator between its format and OpenAI's (none for OpenAI and
 * OpenAI-compatible endpoints, which speak it).
 */
import type { ProviderId } from "../models/types.ts";
import { anthropicChat } from "./anthropic.ts";
import { geminiChat } from "./gemini.ts";
import { ollamaChat } from "./ollama.ts";
import type { ChatTranslator } from "./types.ts";

/** One kind of upstream. */
export interface Upstream {
  /** Translation to and from OpenAI's chat format; undefined when the upstream speaks it. */
  translator?: ChatTranslator;
  /** How a streamed answer is framed: server-sent events or one JSON object per line. */
  framing: "sse" | "ndjson";
  /** The headers that carry a provider key. */
  credentials: (key: string) => [string, string][];
  /** Where its key is configured, for messages. */
  keySetting?: string;
  baseUrlSetting: string;
}

/** Every provider's upstream. */
export const UPSTREAMS: Record<ProviderId, Upstream> = {
  openai: {
    framing: "sse",
    credentials: (key) => [["authorization", `Bearer ${key}`]],
    keySetting: "SQUINT_OPENAI_API_KEY",
    baseUrlSetting: "SQUINT_OPENAI_BASE_URL",
  },
  anthropic: {
    translator: anthropicChat,
    framing: "sse",
    credentials: (key) => [["x-api-key", key]],
    keySetting: "SQUINT_ANTHROPIC_API_KEY",
    baseUrlSetting: "SQUINT_ANTHROPIC_BASE_URL",
  },
  google: {
    translator: geminiChat,
    framing: "sse",
    credentials: (key) => [["x-goog-api-key", key]],
    keySetting: "SQUINT_GEMINI_API_KEY",
    baseUrlSetting: "SQUINT_GEMINI_BASE_URL",
  },
  ollama: {
    translator: ollamaChat,
    framing: "ndjson",
    credentials: (key) => [["authorization", `Bearer ${key}`]],
    baseUrlSetting: "SQUINT_OLLAMA_BASE_URL",
  },
};

/** Whether images can go to `provider` as http(s) URLs (else squint inlines their bytes). */
export function takesImageUrls(provider: ProviderId): boolean {
  return UPSTREAMS[provider].translator?.takesImageUrls ?? true;
}
