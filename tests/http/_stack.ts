/**
 * The stack every HTTP test drives: a mock OpenAI upstream, squint in front of it, and the
 * official SDK pointed at squint. Disposing the stack closes both servers.
 *
 * @module
 */

import assert from "node:assert/strict";
import { OpenAI } from "openai";
import { type MockOpenAI, type MockOptions, startMockOpenAI } from "../support/mock_openai.ts";
import { type RunningSquint, startSquint } from "../support/squint.ts";

/** A fixed `created` time, so two fresh mocks answer the same requests byte for byte. */
export const FIXED_CLOCK = (): number => 1_761_564_674;

/** Options of {@linkcode startStack}. */
export interface StackOptions {
  /** SQUINT_* variables on top of the test defaults (SQUINT_OPENAI_BASE_URL is the mock's). */
  env?: Record<string, string>;
  mock?: MockOptions;
  /** The credential the SDK client presents; default `sk-client` (the client's own key). */
  apiKey?: string;
  /** Extra headers the SDK client sends on every request. */
  headers?: Record<string, string>;
}

/** A running mock, squint in front of it, and an SDK client of squint. */
export interface Stack {
  mock: MockOpenAI;
  squint: RunningSquint;
  client: OpenAI;
  /** Raw JSON POST to squint's `/v1{path}`, with the client's key unless headers say otherwise. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the stack; use it as `await using stack = startStack()`. */
export function startStack(options: StackOptions = {}): Stack {
  const mock = startMockOpenAI(options.mock);
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: mock.baseUrl, ...options.env });
  const apiKey = options.apiKey ?? "sk-client";
  const client = new OpenAI({
    baseURL: squint.baseUrl,
    apiKey,
    maxRetries: 0,
    defaultHeaders: options.headers,
  });
  return {
    mock,
    squint,
    client,
    post: (path, body, headers = {}) =>
      fetch(`${squint.baseUrl}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${apiKey}`,
          ...headers,
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async [Symbol.asyncDispose]() {
      // The mock first: it ends any stream still open, so squint's shutdown does not wait on it.
      await mock.close();
      await squint.close();
    },
  };
}

/** The `data:` payloads of a whole SSE body, in order (`[DONE]` included). */
export async function sseData(response: Response): Promise<string[]> {
  const text = await response.text();
  return text.split(/\r?\n\r?\n/).filter((block) => block.trim() !== "").map((block) => {
    const lines = block.split(/\r?\n/).filter((line) => line.startsWith("data:"));
    return lines.map((line) => line.slice(line[5] === " " ? 6 : 5)).join("\n");
  });
}

/** The `data:` payloads of a stream parsed as JSON, without the final `[DONE]`. */
export async function sseChunks(response: Response): Promise<Record<string, unknown>[]> {
  const data = await sseData(response);
  assert.equal(data.at(-1), "[DONE]", "the stream ends with [DONE]");
  return data.slice(0, -1).map((d) => JSON.parse(d));
}

/** Every item of an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A copy of `value` without the named top-level keys. */
export function without<T extends Record<string, unknown>>(value: T, ...keys: string[]): T {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}

/** The fields of squint's stats object (CONTRACT.md, What squint reports). */
export const SQUINT_FIELDS = [
  "cache",
  "cost_after_usd",
  "cost_before_usd",
  "cost_saved_usd",
  "estimated",
  "model",
  "optimizations",
  "tokens_after",
  "tokens_before",
  "tokens_saved",
  "upstream_input_tokens",
];

/** squint's request ids: `sq-` and 32 hex digits. */
export const SQUINT_REQUEST_ID = /^sq-[0-9a-f]{32}$/;

/**
 * Asserts an OpenAI-shaped error answer (`{"error":{"message","type","param","code"}}`) with
 * `status` and the given fields, and returns its body.
 */
export async function assertOpenAIError(
  response: Response,
  status: number,
  expected: { type: string; code?: string | null; param?: string | null },
): Promise<
  { error: { message: string; type: string; param: string | null; code: string | null } }
> {
  const text = await response.text();
  assert.equal(response.status, status, `status of ${text}`);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.match(response.headers.get("x-request-id") ?? "", SQUINT_REQUEST_ID);
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
  assert.equal(typeof body.error.message, "string");
  assert.notEqual(body.error.message, "");
  assert.equal(body.error.type, expected.type);
  if ("code" in expected) assert.equal(body.error.code, expected.code);
  if ("param" in expected) assert.equal(body.error.param, expected.param);
  return body;
}

/**
 * A loopback port nothing listens on, below the ephemeral range: the mocks of tests running in
 * parallel listen on port 0 (ephemeral ports), so none of them can take it while a test retries
 * against it (a released ephemeral port could be, and then answer).
 */
export function closedPort(): number {
  for (let port = 9; port < 1024; port++) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch (e) {
      // Not ours to bind (not root): no test's mock can take it either.
      if (e instanceof Deno.errors.PermissionDenied) return port;
      // Taken: try the next one.
    }
  }
  throw new Error("no free port below 1024 to use as a closed port");
}
