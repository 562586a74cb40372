/**
 * The three providers' mock upstreams and squint in front of them, for tests of every door.
 *
 * @module
 */
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockGemini } from "../support/mock_gemini.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { startSquint } from "../support/squint.ts";

/** The three mock upstreams and squint in front of them. */
export function startDoors(env: Record<string, string> = {}) {
  const openai = startMockOpenAI();
  const anthropic = startMockAnthropic();
  const gemini = startMockGemini();
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: openai.baseUrl,
    SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl,
    SQUINT_GEMINI_BASE_URL: gemini.baseUrl,
    SQUINT_RETRY_BASE_MS: "1",
    SQUINT_RETRY_MAX_MS: "2",
    ...env,
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${squint.origin}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer sk-own",
        "anthropic-version": "2023-06-01",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    openai,
    anthropic,
    gemini,
    squint,
    post,
    async [Symbol.asyncDispose]() {
      await squint.close();
      await openai.close();
      await anthropic.close();
      await gemini.close();
    },
  };
}
