/**
 * `GET /v1/requests/{id}` with the media store on: what a request sent, read back byte for byte
 * — through S3 (s3rver) from the other of two production instances, and through files in
 * embedded mode; only to the admin and to the key that made the request.
 */
import assert from "node:assert/strict";
import { sentKept } from "../../src/accounting/sent_record.ts";
import { MAIN_THREAD_PARSE_LIMIT } from "../../src/intake/decode_body.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { startProductionSquint } from "../support/production_squint.ts";
import { startS3rver } from "../support/s3rver.ts";
import { freshDatabase, productionServices, redisPrefix } from "../support/services.ts";
import { corpusDataUrl, type RunningSquint } from "../support/squint.ts";
import { startStack } from "./_stack.ts";

const services = await productionServices();
const ADMIN = "admin-token-for-tests";

const PHOTO_QUESTION = {
  model: "gpt-4o",
  messages: [{
    role: "user",
    content: [
      { type: "text", text: "What is in this image?" },
      { type: "image_url", image_url: { url: corpusDataUrl("photo_fruits_512x480.jpg") } },
    ],
  }],
};

function get(squint: RunningSquint, path: string, key: string): Promise<Response> {
  return fetch(`${squint.origin}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

Deno.test({
  name:
    "production: the other instance shows what a request sent, from S3, to its key and the admin only",
  ignore: services.ignore,
  async fn() {
    await using s3 = await startS3rver();
    await using db = await freshDatabase(services.postgresUrl);
    await using redis = await redisPrefix(services.redisUrl);
    await using mock = startMockOpenAI();
    const shared = { databaseUrl: db.url, redisUrl: services.redisUrl, redisPrefix: redis.prefix };
    const env = {
      SQUINT_OPENAI_BASE_URL: mock.baseUrl,
      SQUINT_OPENAI_API_KEY: "sk-server",
      SQUINT_ADMIN_TOKEN: ADMIN,
      SQUINT_MEDIA_STORE: "on",
      SQUINT_S3_ENDPOINT: s3.endpoint,
      SQUINT_S3_BUCKET: "squint-media",
      SQUINT_S3_ACCESS_KEY: "S3RVER",
      SQUINT_S3_SECRET_KEY: "S3RVER",
      SQUINT_S3_FORCE_PATH_STYLE: "on",
    };
    const a = await startProductionSquint(shared, env);
    const b = await startProductionSquint(shared, env);
    try {
      const keys = [];
      for (const name of ["owner", "stranger"]) {
        const created = await fetch(`${a.origin}/admin/keys`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
          body: JSON.stringify({ name }),
        });
        keys.push((await created.json()).key as string);
      }
      const [owner, stranger] = keys;
      const sentBody = JSON.stringify(PHOTO_QUESTION);
      const answer = await fetch(`${a.origin}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" },
        body: sentBody,
      });
      assert.equal(answer.status, 200);
      await answer.body?.cancel();
      const id = answer.headers.get("x-request-id")!;
      // A writes its log row and the record off the response path; B reads them.
      await Promise.all([sentKept(), a.storage.flush()]);

      const shown = await get(b, `/v1/requests/${id}`, owner);
      const record = await shown.json();
      assert.equal(shown.status, 200, JSON.stringify(record));
      assert.equal(record.request.id, id);
      assert.equal(record.request.status, 200);
      assert.match(record.sent.sent, /^media\/[0-9a-f]{64}$/);
      assert.equal(record.sent.images.length, 1);
      assert.equal(record.sent.images[0].action, "detail");

      const upstreamSaw = await get(b, `/v1/requests/${id}/sent`, owner);
      assert.equal(await upstreamSaw.text(), mock.requests[0].raw);
      const clientSent = await get(b, `/v1/requests/${id}/original`, ADMIN);
      assert.equal(await clientSent.text(), sentBody);

      const hidden = await get(b, `/v1/requests/${id}`, stranger);
      assert.equal(hidden.status, 404);
      await hidden.body?.cancel();
      const unknown = await get(b, `/v1/requests/no-such-id`, ADMIN);
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test("embedded: with the media store on, a request's sent body is kept in files and shown", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-embedded-" });
  try {
    await using stack = startStack({
      env: { SQUINT_DATA_DIR: dataDir, SQUINT_MEDIA_STORE: "on" },
    });
    const answer = await stack.post("/chat/completions", PHOTO_QUESTION);
    assert.equal(answer.status, 200);
    await answer.body?.cancel();
    const id = answer.headers.get("x-request-id")!;
    await sentKept();
    const record = await get(stack.squint, `/v1/requests/${id}`, "sk-client").then((r) => r.json());
    assert.equal(record.request.id, id);
    const sent = await get(stack.squint, `/v1/requests/${id}/sent`, "sk-client");
    assert.equal(await sent.text(), stack.mock.requests[0].raw);
    const [media] = await Array.fromAsync(Deno.readDir(`${dataDir}/media/media`));
    assert.ok(media, "media files under the data folder");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("the kept original is the client's body, also when a worker parsed it (a large body)", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-embedded-" });
  try {
    await using stack = startStack({
      env: { SQUINT_DATA_DIR: dataDir, SQUINT_MEDIA_STORE: "on" },
    });
    const large = JSON.stringify({
      ...PHOTO_QUESTION,
      messages: [{
        role: "user",
        content: [{ type: "text", text: "What is in this image?" }, {
          type: "image_url",
          image_url: { url: corpusDataUrl("photo_boats_sunset_2560x1600.jpg") },
        }],
      }],
    });
    assert.ok(large.length > MAIN_THREAD_PARSE_LIMIT);
    const answer = await stack.post("/chat/completions", large);
    assert.equal(answer.status, 200);
    await answer.body?.cancel();
    await sentKept();
    const id = answer.headers.get("x-request-id")!;
    const original = await get(stack.squint, `/v1/requests/${id}/original`, "sk-client");
    assert.equal(await original.text(), large);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("with the media store off, a request shows its log row and says no body was kept", async () => {
  await using stack = startStack();
  const answer = await stack.post("/chat/completions", PHOTO_QUESTION);
  await answer.body?.cancel();
  const id = answer.headers.get("x-request-id")!;
  const record = await get(stack.squint, `/v1/requests/${id}`, "sk-client").then((r) => r.json());
  assert.equal(record.request.id, id);
  assert.equal(record.sent, null);
  const sent = await get(stack.squint, `/v1/requests/${id}/sent`, "sk-client");
  assert.equal(sent.status, 404);
  assert.match((await sent.json()).error.message, /SQUINT_MEDIA_STORE/);
});
