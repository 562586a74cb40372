/**
 * Remote image URLs: fetched and optimized only where the private-address guard allows, and
 * otherwise passed through to the upstream exactly as the client wrote them.
 */
import assert from "node:assert/strict";
import {
  corpusBytes,
  dataUrlImage,
  imageMessage,
  imageResponse,
  imageUrlsOf,
  startFileServer,
} from "./_images.ts";
import { startStack } from "./_stack.ts";

const STORM_ROAD = corpusBytes("photo_storm_road_1920x1280.jpg");

function storm(): Response {
  return imageResponse(STORM_ROAD, "image/jpeg");
}

Deno.test("a remote image on a loopback address is not fetched by default and reaches the upstream untouched", async () => {
  await using images = startFileServer({ "/storm.jpg": storm });
  await using stack = startStack();
  const url = `${images.origin}/storm.jpg`;
  const request = { model: "gpt-4o", messages: [imageMessage("What is this?", [url])] };
  const plan = await (await stack.post("/optimize", request)).json();
  const response = await stack.post("/chat/completions", request);
  const { squint } = await response.json();

  assert.equal(response.status, 200);
  assert.deepEqual(stack.mock.requests[0].body, request);
  assert.deepEqual(images.hits, []);
  assert.deepEqual(squint.optimizations, []);
  assert.equal(plan.images[0].action, "keep");
  assert.match(plan.images[0].reasons[0], /127\.0\.0\.1.*private/);
});

Deno.test("a remote image on a host in SQUINT_ALLOW_PRIVATE_HOSTS is fetched and forwarded optimized", async () => {
  await using images = startFileServer({ "/storm.jpg": storm });
  await using stack = startStack({ env: { SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1" } });
  const url = `${images.origin}/storm.jpg`;
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage("Explain what is happening on this road.", [url])],
  });
  const { squint } = await response.json();

  assert.deepEqual(images.hits, ["/storm.jpg"]);
  const [sent] = imageUrlsOf(stack.mock.requests[0].body);
  const image = dataUrlImage(sent.url);
  assert.deepEqual([image.mime, image.width, image.height], ["image/jpeg", 1152, 768]);
  assert.ok(image.bytes < STORM_ROAD.byteLength);
  assert.deepEqual(squint.optimizations, ["resize"]);
});

Deno.test("a redirect from an allowed host to a private address is not followed and the URL goes upstream untouched", async () => {
  await using hidden = startFileServer({ "/storm.jpg": storm }, "127.0.0.2");
  await using redirector = startFileServer({
    "/photo": () =>
      new Response(null, { status: 302, headers: { location: `${hidden.origin}/storm.jpg` } }),
  });
  await using stack = startStack({ env: { SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1" } });
  const url = `${redirector.origin}/photo`;
  const request = { model: "gpt-4o", messages: [imageMessage("What is this?", [url])] };
  const plan = await (await stack.post("/optimize", request)).json();
  const response = await stack.post("/chat/completions", request);
  await response.body!.cancel();

  assert.equal(response.status, 200);
  assert.deepEqual(redirector.hits, ["/photo", "/photo"]);
  assert.deepEqual(hidden.hits, [], "the private address was never contacted");
  assert.deepEqual(stack.mock.requests[0].body, request);
  assert.equal(plan.images[0].action, "keep");
  assert.match(plan.images[0].reasons[0], /127\.0\.0\.2.*private/);
});

Deno.test("with SQUINT_FETCH_REMOTE_IMAGES=off even an allowed host's image is not fetched", async () => {
  await using images = startFileServer({ "/storm.jpg": storm });
  await using stack = startStack({
    env: { SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1", SQUINT_FETCH_REMOTE_IMAGES: "off" },
  });
  const request = {
    model: "gpt-4o",
    messages: [imageMessage("What is this?", [`${images.origin}/storm.jpg`])],
  };
  const response = await stack.post("/chat/completions", request);
  await response.json();

  assert.equal(response.status, 200);
  assert.deepEqual(images.hits, []);
  assert.deepEqual(stack.mock.requests[0].body, request);
});
