/**
 * An optimized OpenAI chat body turned into a provider's request body: parsed, translated, given
 * its prompt-cache breakpoints when asked, and written out. Pure; the Chat Completions door runs
 * it on the main thread for a small body and in a worker for a large one (images inline), so the
 * event loop never parses or writes megabytes of base64.
 */
import { GatewayError } from "../errors.ts";
import type { ProviderId } from "../models/types.ts";
import { placeBreakpoints } from "./prompt_cache.ts";
import { type Json, TranslationError } from "./types.ts";
import { UPSTREAMS } from "./upstreams.ts";

/** What to translate: the body's text, for whom, and how. */
export interface TranslateInput {
  text: string;
  provider: ProviderId;
  model: string;
  stream: boolean;
  /** Place Anthropic prompt-cache breakpoints where the client set none. */
  promptCache: boolean;
}

/** The provider's request: where and with which headers to send the bytes. */
export interface TranslatedBody {
  path: string;
  headers: [string, string][];
  body: Uint8Array;
  /** squint placed prompt-cache breakpoints. */
  placed: boolean;
}

/** Translates; a `GatewayError` 400 for what the provider cannot take. */
export function translateBody(input: TranslateInput): TranslatedBody {
  const translator = UPSTREAMS[input.provider].translator;
  if (!translator) throw new Error(`${input.provider} takes OpenAI bodies as they are`);
  let request;
  try {
    request = translator.request(JSON.parse(input.text) as Json, input.model, input.stream);
  } catch (e) {
    if (!(e instanceof TranslationError)) throw e;
    throw new GatewayError(400, e.message, "invalid_request_error", null, e.param);
  }
  const placed = input.promptCache && input.provider === "anthropic" &&
    placeBreakpoints(request.body) > 0;
  return {
    path: request.path,
    headers: request.headers,
    body: new TextEncoder().encode(JSON.stringify(request.body)),
    placed,
  };
}
