/**
 * An OpenAI-compatible upstream that writes its JSON the way Python's `json.dumps` does by
 * default (`", "` and `": "` separators), as FastAPI-based servers and proxies put in front of
 * open models do. Same chunk sequence as OpenAI: role, content, finish, usage (when asked), DONE.
 *
 * @module
 */

/** A running Python-style upstream. */
export interface PythonStyleUpstream {
  /** `http://127.0.0.1:PORT/v1` */
  baseUrl: string;
  /** Bodies of the chat requests received. */
  readonly bodies: Record<string, unknown>[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Prompt tokens this upstream bills for every request. */
export const PYTHON_STYLE_PROMPT_TOKENS = 9;

/** JSON as Python's `json.dumps(value)` writes it: a space after every `,` and `:`. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`);
    return `{${fields.join(", ")}}`;
  }
  return JSON.stringify(value);
}

function chunks(model: string, includeUsage: boolean): Record<string, unknown>[] {
  const head = { id: "chatcmpl-py1", object: "chat.completion.chunk", created: 1, model };
  const usage = includeUsage ? { usage: null } : {};
  const choice = (delta: Record<string, unknown>, finish: string | null) => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...usage,
  });
  const out: Record<string, unknown>[] = [
    choice({ role: "assistant", content: "" }, null),
    choice({ content: "Hello" }, null),
    choice({}, "stop"),
  ];
  if (includeUsage) {
    out.push({
      ...head,
      choices: [],
      usage: { prompt_tokens: PYTHON_STYLE_PROMPT_TOKENS, completion_tokens: 1, total_tokens: 10 },
    });
  }
  return out;
}

/** Starts the upstream on 127.0.0.1. */
export function startPythonStyleUpstream(): PythonStyleUpstream {
  const bodies: Record<string, unknown>[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const body = await request.json();
    bodies.push(body);
    const includeUsage = body.stream_options?.include_usage === true;
    const events = chunks(body.model, includeUsage).map((c) => `data: ${pythonJson(c)}\n\n`);
    return new Response(events.join("") + "data: [DONE]\n\n", {
      headers: { "content-type": "text/event-stream; charset=utf-8" },
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    bodies,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
