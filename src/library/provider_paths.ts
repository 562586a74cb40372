/**
 * Which of squint's doors a request to a provider's own address is, and that provider's base
 * address: how the library's `fetch` knows what an SDK is calling without a server in between.
 * `https://api.openai.com/v1/chat/completions` is the chat door with OpenAI's base
 * `https://api.openai.com/v1`; whatever base the SDK was given (a proxy, a mock) is kept.
 *
 * @module
 */
import type { UpstreamBases } from "../app.ts";

/** A provider request squint optimizes: the path squint serves it on, and where it goes. */
export interface ProviderDoor {
  /** squint's own path for it (with the query kept). */
  path: string;
  upstream: UpstreamBases;
}

/** A door by the end of a provider path: the part before it is the base address. */
const DOOR_PATHS: {
  pattern: RegExp;
  base: keyof UpstreamBases;
  path: (match: RegExpExecArray) => string;
}[] = [
  { pattern: /\/chat\/completions$/, base: "openai_base_url", path: () => "/v1/chat/completions" },
  { pattern: /\/responses$/, base: "openai_base_url", path: () => "/v1/responses" },
  {
    pattern: /\/v1\/messages(\/count_tokens)?$/,
    base: "anthropic_base_url",
    path: (m) => `/v1/messages${m[1] ?? ""}`,
  },
  {
    pattern:
      /\/(v1beta|v1alpha|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/,
    base: "gemini_base_url",
    path: (m) => m[0],
  },
];

/** The door a provider request is, or undefined for anything squint only passes on. */
export function providerDoor(method: string, url: URL): ProviderDoor | undefined {
  if (method !== "POST") return undefined;
  for (const door of DOOR_PATHS) {
    const match = door.pattern.exec(url.pathname);
    if (!match) continue;
    const base = `${url.origin}${url.pathname.slice(0, match.index)}`;
    return { path: `${door.path(match)}${url.search}`, upstream: { [door.base]: base } };
  }
  return undefined;
}
