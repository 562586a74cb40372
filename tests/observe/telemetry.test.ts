/**
 * OpenTelemetry from a real squint process (`OTEL_DENO=true`) to a local OTLP/HTTP JSON
 * receiver: Deno's server span carries the GenAI attributes, each upstream attempt has its own
 * client span, and the GenAI client metrics have the conventions' buckets.
 */
import assert from "node:assert/strict";
import { waitForLine } from "../support/child_output.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  name: string;
  kind: number;
  spanId: string;
  parentSpanId?: string;
  traceId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status?: { code?: number };
}
interface OtlpPoint {
  attributes: OtlpAttribute[];
  count: string | number;
  explicitBounds: number[];
}

const SERVER = 2, CLIENT = 3;

/** An attribute's value as JS (OTLP JSON writes int64 as a string). */
function attr(attributes: OtlpAttribute[], key: string): unknown {
  const value = attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if ("intValue" in value) return Number(value.intValue);
  if ("arrayValue" in value) {
    return ((value.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map((v) =>
      Object.values(v)[0]
    );
  }
  return Object.values(value)[0];
}

/** A receiver of OTLP/HTTP JSON that keeps every span and histogram point it is sent. */
function startReceiver() {
  const spans: OtlpSpan[] = [];
  const points = new Map<string, OtlpPoint[]>();
  const waiters = new Set<() => void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const body = await request.json();
    for (const rs of body.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) spans.push(...ss.spans);
    }
    for (const rm of body.resourceMetrics ?? []) {
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          if (m.histogram) points.set(m.name, m.histogram.dataPoints);
        }
      }
    }
    waiters.forEach((w) => w());
    return Response.json({});
  });
  /** Resolves once `ready()` holds; fails, saying what arrived, if it does not within 30 s. */
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(look);
        const names = spans.map((s) => `${s.name} (kind ${s.kind})`);
        reject(
          new Error(
            `not received in 30 s; spans: ${names.join(", ")}; metrics: ${[...points.keys()]}`,
          ),
        );
      }, 30_000);
      const look = () => ready() && (waiters.delete(look), clearTimeout(timer), resolve());
      waiters.add(look);
      look();
    });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    spans,
    points,
    until,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("OTEL_DENO: GenAI attributes on the server span, a client span per attempt, GenAI metrics with their buckets", async () => {
  await using receiver = startReceiver();
  await using mock = startMockOpenAI();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../src/main.ts", import.meta.url).pathname],
    env: {
      SQUINT_PORT: "0",
      SQUINT_DATA_DIR: ":memory:",
      SQUINT_WORKERS: "1",
      SQUINT_OPENAI_BASE_URL: mock.baseUrl,
      SQUINT_RETRY_BASE_MS: "0",
      SQUINT_LOG_LEVEL: "off",
      OTEL_DENO: "true",
      OTEL_DENO_CONSOLE: "ignore",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_METRIC_EXPORT_INTERVAL: "200",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const [, origin] = await waitForLine(reader, /listening on (http:\/\/\S+?:\d+)/);
  try {
    const post = (body: unknown) =>
      fetch(`${origin}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-client", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const retried = await post({
      model: "mock-fail-1-503",
      messages: [{ role: "user", content: "once more" }],
    });
    assert.equal(retried.status, 200);
    const answer = await retried.json();
    const id = retried.headers.get("x-request-id")!;
    const streamed = await post({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "a stream" }],
    });
    const streamId = streamed.headers.get("x-request-id")!;
    await streamed.text();

    const ours = (requestId: string) =>
      receiver.spans.filter((s) =>
        s.kind === CLIENT && attr(s.attributes, "squint.request_id") === requestId
      );
    await receiver.until(() =>
      ours(streamId).length === 1 && receiver.points.has("gen_ai.client.token.usage") &&
      receiver.spans.some((s) =>
        attr(s.attributes, "squint.request_id") === id && s.kind === SERVER
      )
    );
    // Deno's server span, with the request's GenAI and squint attributes.
    const server = receiver.spans.find((s) =>
      s.kind === SERVER && attr(s.attributes, "squint.request_id") === id
    )!;
    assert.equal(attr(server.attributes, "gen_ai.operation.name"), "chat");
    assert.equal(attr(server.attributes, "gen_ai.provider.name"), "openai");
    assert.equal(attr(server.attributes, "gen_ai.request.model"), "mock-fail-1-503");
    assert.equal(attr(server.attributes, "gen_ai.response.model"), "mock-fail-1-503");
    assert.equal(attr(server.attributes, "gen_ai.usage.input_tokens"), answer.usage.prompt_tokens);
    assert.equal(
      attr(server.attributes, "gen_ai.usage.output_tokens"),
      answer.usage.completion_tokens,
    );
    assert.equal(attr(server.attributes, "squint.tokens_before"), answer.squint.tokens_before);
    // One client span per attempt, children of the server span: the 503, then the answer.
    const attempts = receiver.spans.filter((s) =>
      s.kind === CLIENT && s.parentSpanId === server.spanId && s.name === "chat mock-fail-1-503"
    ).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    assert.equal(attempts.length, 2);
    assert.equal(attr(attempts[0].attributes, "error.type"), "503");
    assert.equal(attempts[0].status?.code, 2);
    assert.equal(attr(attempts[1].attributes, "error.type"), undefined);
    assert.equal(
      attr(attempts[1].attributes, "gen_ai.usage.input_tokens"),
      answer.usage.prompt_tokens,
    );
    assert.ok(BigInt(attempts[0].endTimeUnixNano) <= BigInt(attempts[1].startTimeUnixNano));
    // The stream's client span lasts to its last event and holds its usage.
    const [stream] = ours(streamId);
    assert.equal(stream.name, "chat gpt-4o-mini");
    assert.ok((attr(stream.attributes, "gen_ai.usage.output_tokens") as number) > 0);
    // Deno's own fetch spans are there too (HTTP level): squint does not add its own.
    assert.ok(receiver.spans.some((s) => s.kind === CLIENT && attr(s.attributes, "url.full")));
    // The GenAI metrics, with the conventions' bucket boundaries.
    const usage = receiver.points.get("gen_ai.client.token.usage")!;
    assert.deepEqual(usage[0].explicitBounds.slice(0, 4), [1, 4, 16, 64]);
    assert.equal(usage[0].explicitBounds.at(-1), 67108864);
    assert.deepEqual(
      new Set(usage.map((p) => attr(p.attributes, "gen_ai.token.type"))),
      new Set(["input", "output"]),
    );
    await receiver.until(() => receiver.points.has("gen_ai.client.operation.duration"));
    const duration = receiver.points.get("gen_ai.client.operation.duration")!;
    assert.deepEqual(duration[0].explicitBounds.slice(0, 3), [0.01, 0.02, 0.04]);
    assert.equal(duration[0].explicitBounds.at(-1), 81.92);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await reader.cancel().catch(() => {});
  }
});
