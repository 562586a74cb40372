/** Cutting an image's picture out of a stored body, in each door's shape. */
import assert from "node:assert/strict";
import {
  atPointer,
  originalPicture,
  picturesIn,
  sentPicture,
} from "../../src/dashboard/pictures.ts";
import type { LoggedImage } from "../../src/storage/types.ts";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 2]);
const WEBP = new Uint8Array([0x52, 0x49, 0x46, 0x46, 3]);
const dataUrl = (type: string, bytes: Uint8Array) => `data:${type};base64,${bytes.toBase64()}`;

function image(action: string, path?: string, afterWidth = 10): LoggedImage {
  const size = { width: 10, height: 10, bytes: 1, format: "png", tokens: 1 };
  return { path, action, reasons: [], before: size, after: { ...size, width: afterWidth } };
}

Deno.test("a JSON pointer reads escaped keys and array indices, and misses cleanly", () => {
  const body = { "a/b": [{ "c~d": 1 }] };
  assert.equal(atPointer(body, "/a~1b/0/c~0d"), 1);
  assert.equal(atPointer(body, "/a~1b/1"), undefined);
  assert.equal(atPointer(body, "/nope/0"), undefined);
  assert.equal(atPointer(body, "a"), undefined);
  assert.equal(atPointer(body, ""), body);
});

Deno.test("pictures are found in OpenAI, Anthropic and Gemini shapes; other media are not pictures", () => {
  const body = {
    messages: [{
      content: [
        { type: "image_url", image_url: { url: dataUrl("image/png", PNG) } },
        {
          type: "image",
          source: { type: "base64", media_type: "image/jpeg", data: JPEG.toBase64() },
        },
        {
          type: "document",
          source: { type: "base64", media_type: "application/pdf", data: "JVBERg==" },
        },
        { type: "input_image", image_url: "data:video/mp4;base64,AAAA" },
      ],
    }],
    contents: [{ parts: [{ inlineData: { mimeType: "image/webp", data: WEBP.toBase64() } }] }],
  };
  assert.deepEqual(picturesIn(body), [
    { type: "image/png", bytes: PNG },
    { type: "image/jpeg", bytes: JPEG },
    { type: "image/webp", bytes: WEBP },
  ]);
});

Deno.test("the original picture is the one at the image's pointer", () => {
  const body = {
    messages: [{
      content: [{ type: "text", text: "x" }, {
        type: "image_url",
        image_url: { url: dataUrl("image/png", PNG) },
      }],
    }, {
      content: [{ type: "image_url", image_url: { url: dataUrl("image/jpeg", JPEG) } }],
    }],
  };
  const images = [image("resize", "/messages/1/content/0"), image("keep", "/messages/0/content/1")];
  assert.deepEqual(originalPicture(body, images, 0)?.bytes, JPEG);
  assert.deepEqual(originalPicture(body, images, 1)?.bytes, PNG);
  assert.equal(originalPicture(body, [image("keep")], 0), undefined, "no pointer, no guess");
});

Deno.test("the sent picture falls back to its place among sent pictures, skipping images sent as text", () => {
  // Sent in another provider's shape: the client's pointers name nothing there.
  const sent = {
    messages: [{
      content: [
        { type: "text", text: "page one's text" },
        { type: "text", text: "page two's text" },
        {
          type: "image",
          source: { type: "base64", media_type: "image/png", data: PNG.toBase64() },
        },
        {
          type: "image",
          source: { type: "base64", media_type: "image/jpeg", data: JPEG.toBase64() },
        },
      ],
    }],
  };
  const images = [
    image("ocr", "/contents/0/parts/0", 0), // text only
    image("ocr", "/contents/0/parts/1"), // text and a thumbnail
    image("resize", "/contents/0/parts/2"),
    image("drop", "/contents/0/parts/3"),
  ];
  assert.equal(sentPicture(sent, images, 0), undefined);
  assert.deepEqual(sentPicture(sent, images, 1)?.bytes, PNG);
  assert.deepEqual(sentPicture(sent, images, 2)?.bytes, JPEG);
  assert.equal(sentPicture(sent, images, 3), undefined);
  assert.equal(sentPicture(sent, images, 4), undefined);
});
