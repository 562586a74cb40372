import assert from "node:assert/strict";
import { OpenAI } from "openai";
import { ResponsesWS } from "openai/resources/responses/ws";
import { EventCounter } from "./event_count.ts";
import { answerResponses } from "./mock_responses.ts";
import { type MockResponsesWs, startMockResponsesWs } from "./mock_responses_ws.ts";
import { errorForStatus } from "./openai_errors.ts";
import { corpusDataUrl } from "./squint.ts";

type Json = Record<string, unknown>;

const FIXED_NOW = 1_761_564_674;
const AUTH = { authorization: "Bearer sk-mock" };
const FIRST_ID = "resp_req_00000000000000000000000000000000";
const SECOND_ID = "resp_req_00000000000000000000000000000001";

/** The events of one text answer, in the order the HTTP stream sends them. */
function answerEventTypes(deltas: number): string[] {
  return [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    ...Array<string>(deltas).fill("response.output_text.delta"),
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ];
}

/** A client socket that keeps every server event; `ends` counts completed answers and errors. */
interface ClientSocket {
  events: Json[];
  ends: EventCounter;
  send(event: unknown): void;
  /** The server events answering the `n`th request (from 1) that was answered. */
  answer(n: number): Json[];
  close(code?: number, reason?: string): Promise<CloseEvent>;
  closed: Promise<CloseEvent>;
}

async function connect(mock: MockResponsesWs, headers = AUTH): Promise<ClientSocket> {
  const socket = new WebSocket(`${mock.wsUrl}/responses`, { headers });
  const events: Json[] = [];
  const ends = new EventCounter();
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  socket.onmessage = ({ data }) => {
    const event = JSON.parse(data);
    events.push(event);
    if (event.type === "response.completed" || event.type === "error") ends.add();
  };
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = (event) => reject(new Error((event as ErrorEvent).message));
  });
  return {
    events,
    ends,
    send: (event) => socket.send(typeof event === "string" ? event : JSON.stringify(event)),
    answer(n) {
      const isEnd = (event: Json) => event.type === "response.completed" || event.type === "error";
      const ends = events.flatMap((event, i) => isEnd(event) ? [i] : []);
      return events.slice(n === 1 ? 0 : ends[n - 2] + 1, ends[n - 1] + 1);
    },
    close(code = 1000, reason = "done") {
      socket.close(code, reason);
      return closed;
    },
    closed,
  };
}

/** Opens a socket that the mock must refuse: the handshake error and the close that follows. */
async function refusedSocket(mock: MockResponsesWs, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${mock.wsUrl}/responses`, { headers });
  let opened = false;
  socket.onopen = () => opened = true;
  const error = new Promise<string>((resolve) => {
    socket.onerror = (event) => resolve((event as ErrorEvent).message);
  });
  await new Promise((resolve) => socket.addEventListener("close", resolve));
  return { opened, error: await error };
}

/** A raw upgrade request, to read the HTTP answer of a refused upgrade. */
async function upgradeRequest(mock: MockResponsesWs, headers: Record<string, string> = {}) {
  const response = await fetch(`${mock.origin}/v1/responses`, {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...headers,
    },
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("two response.create on one socket are answered in order, each numbered from 0 with its own usage", async () => {
  await using mock = startMockResponsesWs({ clock: () => FIXED_NOW });
  const client = await connect(mock);
  const first = {
    type: "response.create",
    model: "gpt-4o-mini",
    store: false,
    instructions: "Be brief.",
    input: [{ role: "user", content: [{ type: "input_text", text: "Say hi over the socket" }] }],
    tools: [],
  };
  const photo = corpusDataUrl("photo_fruits_512x480.jpg");
  const second = {
    type: "response.create",
    model: "gpt-4o-mini",
    store: false,
    previous_response_id: FIRST_ID,
    input: [{
      role: "user",
      content: [
        { type: "input_text", text: "And what is in this photo?" },
        { type: "input_image", image_url: photo, detail: "low" },
      ],
    }],
  };
  client.send(first);
  client.send(second);
  await client.ends.wait(2);

  const one = client.answer(1);
  assert.deepEqual(one.map((event) => event.type), answerEventTypes(6));
  assert.deepEqual(one.map((event) => event.sequence_number), [...one.keys()]);
  const message = {
    id: `msg_${FIRST_ID}`,
    type: "message",
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text: "Echo: Say hi over the socket", annotations: [] }],
  };
  const at = { item_id: message.id, output_index: 0, content_index: 0 };
  assert.deepEqual(one.slice(0, 5), [
    {
      type: "response.created",
      sequence_number: 0,
      response: {
        id: FIRST_ID,
        object: "response",
        created_at: FIXED_NOW,
        status: "in_progress",
        model: "gpt-4o-mini",
        output: [],
        usage: null,
        service_tier: "default",
      },
    },
    { ...one[0], type: "response.in_progress", sequence_number: 1 },
    {
      type: "response.output_item.added",
      sequence_number: 2,
      output_index: 0,
      item: { ...message, status: "in_progress", content: [] },
    },
    {
      type: "response.content_part.added",
      sequence_number: 3,
      ...at,
      part: { type: "output_text", text: "", annotations: [] },
    },
    { type: "response.output_text.delta", sequence_number: 4, ...at, delta: "Echo:" },
  ]);
  assert.deepEqual(one.slice(-4), [
    {
      type: "response.output_text.done",
      sequence_number: 10,
      ...at,
      text: message.content[0].text,
    },
    { type: "response.content_part.done", sequence_number: 11, ...at, part: message.content[0] },
    { type: "response.output_item.done", sequence_number: 12, output_index: 0, item: message },
    {
      type: "response.completed",
      sequence_number: 13,
      response: {
        id: FIRST_ID,
        object: "response",
        created_at: FIXED_NOW,
        status: "completed",
        model: "gpt-4o-mini",
        output: [message],
        // "Say hi over the socket": 22 characters → 6 tokens; 6 words streamed.
        usage: {
          input_tokens: 6,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 6,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 12,
        },
        service_tier: "default",
      },
    },
  ]);

  const two = client.answer(2);
  assert.deepEqual(two.map((event) => event.type), answerEventTypes(7));
  assert.deepEqual(two.map((event) => event.sequence_number), [...two.keys()]);
  const completed = two.at(-1)!.response as Json;
  // 26 characters → 7 tokens, plus 85 for the picture: what the HTTP mock bills.
  assert.deepEqual(completed.usage, {
    input_tokens: 92,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 7,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 99,
  });
  const { type: _, ...postBody } = second;
  // The HTTP mock answers the same body, without `type`, with the same response object.
  assert.deepEqual(answerResponses(postBody, SECOND_ID, FIXED_NOW), {
    kind: "json",
    body: completed,
  });

  const [connection] = mock.connections;
  assert.equal(connection.status, 101);
  assert.equal(connection.path, "/v1/responses");
  assert.equal(connection.headers.authorization, "Bearer sk-mock");
  assert.deepEqual(connection.messages.map((m) => m.json), [first, second]);
  assert.equal(connection.messages[1].raw, JSON.stringify(second));
  assert.deepEqual(connection.messages[1].images, [
    { within: "message", detail: "low", format: "jpeg", width: 512, height: 480 },
  ]);
  assert.deepEqual(mock.requests, connection.messages);
  assert.equal(mock.received.count, 2);
  await client.close();
});

Deno.test("an input_image inside a function_call_output is priced from the size the upstream received", async () => {
  await using mock = startMockResponsesWs({
    // gpt-4o's tile rule: 85 + 170 per 512-pixel tile.
    imageTokens: ({ width, height }) =>
      85 + 170 * Math.ceil(width! / 512) * Math.ceil(height! / 512),
  });
  const client = await connect(mock);
  client.send({
    type: "response.create",
    model: "gpt-4o",
    input: [
      { role: "user", content: [{ type: "input_text", text: "Describe the photo." }] },
      { type: "function_call", call_id: "call_1", name: "view_image", arguments: "{}" },
      {
        type: "function_call_output",
        call_id: "call_1",
        output: [{
          type: "input_image",
          image_url: corpusDataUrl("photo_circuit_board_640x480.jpg"),
        }],
      },
    ],
  });
  await client.ends.wait(1);
  assert.deepEqual(mock.requests[0].images, [
    { within: "function_call_output", detail: null, format: "jpeg", width: 640, height: 480 },
  ]);
  // "Describe the photo." → 5 tokens; 640×480 is 2×1 tiles → 425.
  const { usage } = client.events.at(-1)!.response as { usage: Json };
  assert.equal(usage.input_tokens, 430);
  assert.equal(usage.total_tokens, 430 + 4);
  await client.close();
});

Deno.test("background in a response.create is answered with an error event and the socket stays open; stream: true (as Codex sends it) is taken", async () => {
  await using mock = startMockResponsesWs();
  const client = await connect(mock);
  const create = { type: "response.create", model: "gpt-4o-mini", input: "Hi" };
  client.send({ ...create, stream: true });
  client.send({ ...create, background: false });
  client.send(create);
  await client.ends.wait(3);
  assert.equal(client.answer(1).at(-1)!.type, "response.completed");
  assert.deepEqual(client.answer(2), [{
    type: "error",
    status: 400,
    error: {
      type: "invalid_request_error",
      code: "unsupported_parameter",
      message: "Unsupported parameter: 'background'. background is not supported over WebSocket.",
      param: "background",
    },
  }]);
  assert.equal(client.answer(3).at(-1)!.type, "response.completed");
  await client.close();
});

Deno.test("a message that is not a response.create is answered with an error event", async () => {
  await using mock = startMockResponsesWs();
  const client = await connect(mock);
  client.send("not json");
  client.send({ type: "response.cancel" });
  client.send({ type: "response.create", input: "Hi" });
  await client.ends.wait(3);
  assert.deepEqual(
    client.events.map((event) => [event.status, (event.error as Json).code]),
    [[400, "invalid_json"], [400, "invalid_value"], [400, null]],
  );
  assert.deepEqual(mock.connections[0].messages[0], {
    raw: "not json",
    json: undefined,
    images: [],
  });
  assert.equal(mock.received.count, 1);
  await client.close();
});

Deno.test("mock-error-429 is an error event with the API's status, error and headers; the socket stays open", async () => {
  await using mock = startMockResponsesWs();
  const client = await connect(mock);
  client.send({ type: "response.create", model: "mock-error-429", input: "Hi" });
  client.send({ type: "response.create", model: "mock-error-500", input: "Hi" });
  client.send({ type: "response.create", model: "gpt-4o-mini", input: "Hi" });
  await client.ends.wait(3);
  assert.deepEqual(client.answer(1), [{
    type: "error",
    status: 429,
    error: {
      type: "requests",
      code: "rate_limit_exceeded",
      message: errorForStatus(429, "mock-error-429").body.error.message,
      param: null,
      headers: {
        "retry-after": "1",
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "1s",
      },
    },
  }]);
  assert.deepEqual(client.answer(2), [{
    type: "error",
    status: 500,
    error: {
      type: "server_error",
      code: null,
      message: "The server had an error while processing your request. Sorry about that!",
      param: null,
    },
  }]);
  assert.equal(client.answer(3).at(-1)!.type, "response.completed");
  await client.close();
});

Deno.test("mock-hang holds its lane while another stream_id is answered; closing the socket aborts it", async () => {
  await using mock = startMockResponsesWs();
  const client = await connect(mock);
  client.send({ type: "response.create", model: "mock-hang", input: "Wait" });
  client.send({ type: "response.create", model: "gpt-4o-mini", input: "Hi", stream_id: "b" });
  await client.ends.wait(1);
  assert.equal(mock.received.count, 2);
  assert.ok(client.events.every((event) => event.stream_id === "b"));
  assert.deepEqual(client.events.map((event) => event.sequence_number), [...client.events.keys()]);

  await client.close(4000, "agent finished");
  await mock.aborted.wait(1);
  assert.deepEqual(mock.connections[0].closed, { code: 4000, reason: "agent finished" });
  assert.equal(mock.closed.count, 1);
});

Deno.test("an upgrade without an API key is answered 401 in OpenAI's error shape", async () => {
  await using mock = startMockResponsesWs();
  const expected = {
    status: 401,
    body: {
      error: {
        message: "You didn't provide an API key. You need to provide your API key in an " +
          "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as " +
          "the password field (with blank username) if you're accessing the API from your " +
          "browser and are prompted for a username and password. You can obtain an API key " +
          "from https://platform.openai.com/account/api-keys.",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    },
  };
  assert.deepEqual(await upgradeRequest(mock), expected);
  assert.deepEqual(await upgradeRequest(mock, { authorization: "Bearer " }), expected);
  const refused = await refusedSocket(mock);
  assert.equal(refused.opened, false);
  assert.match(refused.error, /401/);
  assert.deepEqual(mock.connections.map((c) => c.status), [401, 401, 401]);
  assert.equal(mock.opened.count, 0);
});

Deno.test("refuseUpgrade answers every upgrade with a plain HTTP error", async () => {
  await using upgradeRequired = startMockResponsesWs({ refuseUpgrade: 426 });
  const refused = await refusedSocket(upgradeRequired, AUTH);
  assert.equal(refused.opened, false);
  assert.match(refused.error, /426/);
  assert.equal((await upgradeRequest(upgradeRequired, AUTH)).status, 426);
  assert.deepEqual(upgradeRequired.connections.map((c) => c.status), [426, 426]);
  assert.equal(upgradeRequired.connections[0].headers.authorization, AUTH.authorization);

  await using noRoute = startMockResponsesWs({ refuseUpgrade: true });
  assert.deepEqual(await upgradeRequest(noRoute, AUTH), {
    status: 404,
    body: {
      error: {
        message: "Invalid URL (GET /v1/responses)",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    },
  });
});

Deno.test("closing the mock closes its open sockets with 1001 and ends a hanging answer unanswered", async () => {
  const mock = startMockResponsesWs();
  const client = await connect(mock);
  client.send({ type: "response.create", model: "mock-hang", input: "Wait" });
  await mock.received.wait(1);
  await mock.close();
  const closed = await client.closed;
  assert.equal(closed.code, 1001);
  assert.deepEqual(mock.connections[0].closed, {
    code: 1001,
    reason: "The mock upstream is closing.",
  });
  assert.deepEqual(client.events, []);
  assert.equal(mock.aborted.count, 0);
});

Deno.test("the openai SDK's ResponsesWS reads the mock's answer and error events", async () => {
  await using mock = startMockResponsesWs();
  const client = new OpenAI({ baseURL: mock.origin + "/v1", apiKey: "sk-mock", maxRetries: 0 });
  const socket = new ResponsesWS(client);
  const types: string[] = [];
  const errors: string[] = [];
  const ends = new EventCounter();
  socket.on("event", (event) => {
    types.push(event.type);
    if (event.type === "response.completed") ends.add();
  });
  socket.on("error", (error) => {
    errors.push(error.message);
    ends.add();
  });
  socket.send({ type: "response.create", model: "gpt-4o-mini", input: "hello there" });
  socket.send({ type: "response.create", model: "mock-error-503", input: "hello there" });
  await ends.wait(2);
  assert.deepEqual(types, [...answerEventTypes(3), "error"]);
  assert.deepEqual(errors, ["The engine is currently overloaded, please try again later."]);
  assert.equal(mock.connections[0].headers["user-agent"], "OpenAI/JS 7.57.0");
  socket.close({ code: 1000, reason: "done" });
  await mock.closed.wait(1);
});
