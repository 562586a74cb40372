import assert from "node:assert/strict";
import { probeImage } from "../../workers/image/probe.ts";
import { corpusDataUrl, corpusDir, startSquint } from "../support/squint.ts";

interface ManifestItem {
  file: string;
  width: number;
  height: number;
  bytes: number;
}

interface Side {
  width: number;
  height: number;
  bytes: number;
  format: string;
  tokens: number;
}

/** An `images[]` entry of the /v1/optimize answer. */
interface PlannedImage {
  part: number;
  action: string;
  reasons: string[];
  before: Side;
  after: Side;
}

const manifest: ManifestItem[] = JSON.parse(Deno.readTextFileSync(`${corpusDir()}/manifest.json`))
  .filter((item: ManifestItem) => item.file.startsWith("images/"));
const fixtures = new URL("../fixtures/images/", import.meta.url);

function fixtureDataUrl(name: string): string {
  const bytes = Deno.readFileSync(new URL(name, fixtures));
  return `data:application/octet-stream;base64,${bytes.toBase64()}`;
}

async function plan(origin: string, urls: string[], model = "gpt-4o") {
  const response = await fetch(`${origin}/v1/optimize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model,
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "Describe these." },
          ...urls.map((url) => ({ type: "image_url", image_url: { url } })),
        ],
      }],
    }),
  });
  assert.equal(response.status, 200);
  return await response.json();
}

function sentImage(
  request: { messages: { content: { image_url?: { url: string } }[] }[] },
  part: number,
) {
  const url = request.messages[0].content[part].image_url!.url;
  return Uint8Array.fromBase64(url.slice(url.indexOf(",") + 1));
}

Deno.test("every corpus image is read, planned for gpt-4o and sent at the size the plan says", async () => {
  // This test is about reading and sizing; OCR (tests/http/understanding.test.ts) would only slow it.
  const squint = startSquint({ SQUINT_WORKERS: "2", SQUINT_OCR: "off" });
  try {
    for (let i = 0; i < manifest.length; i += 8) {
      const batch = manifest.slice(i, i + 8);
      const answer = await plan(
        squint.origin,
        batch.map((item) => corpusDataUrl(item.file.slice("images/".length))),
      );
      assert.equal(answer.images.length, batch.length);
      answer.images.forEach((image: PlannedImage, k: number) => {
        const item = batch[k];
        assert.deepEqual([image.before.width, image.before.height, image.before.bytes], [
          item.width,
          item.height,
          item.bytes,
        ], item.file);
        assert.ok(image.after.tokens <= image.before.tokens, item.file);
        assert.ok(
          image.after.bytes <= image.before.bytes || image.action === "resize",
          `${item.file} grew`,
        );
        const sent = probeImage(sentImage(answer.request, image.part))!;
        assert.deepEqual([sent.displayWidth, sent.displayHeight], [
          image.after.width,
          image.after.height,
        ], item.file);
        assert.equal(sent.format, image.after.format, item.file);
      });
    }
  } finally {
    await squint.close();
  }
});

Deno.test("edge-case images are read and sent upright, first frame, in a format every provider takes", async () => {
  const squint = startSquint();
  try {
    const names = [
      "palette.png",
      "gray.png",
      "rgb16.png",
      "cmyk.jpg",
      "rgba_transparent.png",
      "rgba_opaque.png",
      "animated.gif",
      "rgb24.bmp",
      "lossy.webp",
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((o) => `orient_${o}.jpg`),
    ];
    const answer = await plan(squint.origin, names.map(fixtureDataUrl));
    answer.images.forEach((image: PlannedImage, k: number) => {
      const name = names[k];
      assert.ok(
        !image.reasons.some((r: string) => /cannot|could not|not an image/.test(r)),
        `${name}: ${image.reasons}`,
      );
      const sent = probeImage(sentImage(answer.request, image.part))!;
      assert.ok(["jpeg", "png", "webp", "gif"].includes(sent.format), name);
      assert.equal(sent.orientation === 1 || image.action === "keep", true, `${name} left rotated`);
      assert.equal(sent.animated, false, name);
    });
    const gif = answer.images[names.indexOf("animated.gif")];
    assert.equal(gif.after.format, "png");
    const bmp = answer.images[names.indexOf("rgb24.bmp")];
    assert.notEqual(bmp.after.format, "bmp");
    const transparent = answer.images[names.indexOf("rgba_transparent.png")];
    assert.equal(transparent.after.format, "png");
  } finally {
    await squint.close();
  }
});

Deno.test("bytes that are not an image are sent unchanged with the reason", async () => {
  const squint = startSquint();
  try {
    const url = fixtureDataUrl("not_an_image.jpg");
    const answer = await plan(squint.origin, [url]);
    assert.equal(answer.images[0].action, "keep");
    assert.match(answer.images[0].reasons[0], /not an image|decode/);
    assert.equal(answer.request.messages[0].content[1].image_url.url, url);
  } finally {
    await squint.close();
  }
});
