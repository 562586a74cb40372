/**
 * Bytes never grow for little, and no model's discarded pixels are uploaded (issue 17 item 4):
 * corpus images through `/v1/optimize`, the bytes squint would send read back from its answer.
 */
import assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import { GROWTH_MIN_TOKEN_SAVING, planImage } from "../../src/optimize/plan_image.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { encodePng, PNG_COLOR_TYPE } from "../../workers/image/png_encode.ts";
import { corpusDataUrl, corpusDir, startSquint } from "../support/squint.ts";
import { balanced, family, jpeg } from "./_plan.ts";

interface Side {
  width: number;
  height: number;
  bytes: number;
  format: string;
  tokens: number;
}

/** One image of a `/v1/optimize` answer, and the bytes squint would send for it. */
interface Planned {
  action: string;
  reasons: string[];
  before: Side;
  after: Side;
  detail?: string;
  optimizations: string[];
  sent: Uint8Array;
  sentMime: string;
}

const DESCRIBE = "Describe this image in detail.";
const GLANCE = "What is in this image?";

const corpusBytes = (file: string) => Deno.readFileSync(`${corpusDir()}/images/${file}`);

/** The PNG colour type in a file's IHDR (PNG 1.2 §11.2.2: byte 25 of the file). */
function ihdrColorType(bytes: Uint8Array): number {
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
  return bytes[25];
}

/** Plans one image for `model` with `question`; OCR off, so the pixels are what is planned. */
async function optimize(
  origin: string,
  url: string,
  model: string,
  question: string,
  squint: Record<string, string> = {},
): Promise<Planned> {
  const response = await fetch(`${origin}/v1/optimize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model,
      messages: [{
        role: "user",
        content: [{ type: "text", text: question }, { type: "image_url", image_url: { url } }],
      }],
      squint: { ocr: "off", ...squint },
    }),
  });
  assert.equal(response.status, 200);
  const answer = await response.json();
  const sentUrl: string = answer.request.messages[0].content[1].image_url.url;
  const comma = sentUrl.indexOf(",");
  return {
    ...answer.images[0],
    sent: Uint8Array.fromBase64(sentUrl.slice(comma + 1)),
    sentMime: sentUrl.slice(5, sentUrl.indexOf(";")),
  };
}

/** Runs `body` against a squint on loopback (no upstream: `/v1/optimize` calls none). */
async function withSquint(body: (origin: string) => Promise<void>): Promise<void> {
  const squint = startSquint({ SQUINT_OCR: "off" });
  try {
    await body(squint.origin);
  } finally {
    await squint.close();
  }
}

/** The sent bytes agree with the plan's `after` side. */
function assertSentAsPlanned(planned: Planned, label: string): void {
  const info = probeImage(planned.sent);
  assert.ok(info, `${label}: an image is sent`);
  assert.deepEqual(
    [info.displayWidth, info.displayHeight, info.format, planned.sent.byteLength],
    [planned.after.width, planned.after.height, planned.after.format, planned.after.bytes],
    label,
  );
}

/** A grayscale photo (the corpus has none): photo_storm_road at 384×256, its luma, as a PNG. */
async function grayPhotoPng(): Promise<Uint8Array> {
  const image = new Image();
  image.src = corpusBytes("photo_storm_road_1920x1280.jpg");
  await image.decode();
  const [width, height] = [384, 256];
  const ctx = createCanvas(width, height).getContext("2d");
  ctx.drawImage(image, 0, 0, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const samples = new Uint8Array(width * height);
  for (let p = 0; p < samples.length; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    samples[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return encodePng({ width, height, colorType: PNG_COLOR_TYPE.gray, samples });
}

Deno.test("palette PNGs resized for a model stay palette PNGs, smaller than they came", async () => {
  await withSquint(async (origin) => {
    const cases = [
      // colour type 3 on disk: squint.detail low on gpt-4o sends it at 512 px (a glance no
      // longer does: the legibility floor keeps its 12-px lines)
      ["doc_crop_book_paragraph_556x257.png", "gpt-4o", GLANCE, 3, { detail: "low" }],
      // colour type 3 with tRNS: gpt-4o sees it at 934×768, the rest is not uploaded
      ["ui_gwenview_thumbnails_1027x844.png", "gpt-4o", DESCRIBE, 3, {}],
      // RGB on disk but 245 colours: a palette is its economy
      ["term_pdfinfo_green_80x24.png", "claude-sonnet-4-6", DESCRIBE, 2, {}],
    ] as const;
    for (const [file, model, question, sourceType, squint] of cases) {
      const label = `${file} on ${model}`;
      assert.equal(ihdrColorType(corpusBytes(file)), sourceType, label);
      const planned = await optimize(origin, corpusDataUrl(file), model, question, squint);
      assert.equal(planned.action, "resize", label);
      assertSentAsPlanned(planned, label);
      assert.equal(ihdrColorType(planned.sent), PNG_COLOR_TYPE.indexed, label);
      assert.ok(planned.after.bytes <= planned.before.bytes, `${label}: ${planned.reasons}`);
      assert.ok(planned.after.tokens <= planned.before.tokens, label);
    }
  });
});

Deno.test("gray pages and screenshots resized for a model stay grayscale PNGs, smaller than they came", async () => {
  await withSquint(async (origin) => {
    const cases = [
      // colour type 0 on disk; squint.detail low (a glance keeps its 13-px lines legible)
      ["code_terminal_cat_cpp_light.png", "gpt-4o", GLANCE, { detail: "low" }],
      // RGB on disk, every pixel gray
      ["doc_r_intro_prose_p15_200dpi.png", "claude-sonnet-4-6", DESCRIBE, {}],
      ["diagram_debian_policy_upgrade_flowchart_998x805.png", "claude-sonnet-4-6", DESCRIBE, {}],
    ] as const;
    for (const [file, model, question, squint] of cases) {
      const label = `${file} on ${model}`;
      const planned = await optimize(origin, corpusDataUrl(file), model, question, squint);
      assert.equal(planned.action, "resize", label);
      assertSentAsPlanned(planned, label);
      assert.equal(ihdrColorType(planned.sent), PNG_COLOR_TYPE.gray, label);
      assert.ok(planned.after.bytes < planned.before.bytes, `${label}: ${planned.reasons}`);
    }
  });
});

/** The RGBA pixels a PNG decodes to. */
async function pixels(png: Uint8Array): Promise<Uint8ClampedArray> {
  const image = new Image();
  image.src = png;
  await image.decode();
  const ctx = createCanvas(image.width, image.height).getContext("2d");
  ctx.drawImage(image, 0, 0);
  return ctx.getImageData(0, 0, image.width, image.height).data;
}

Deno.test("a PNG re-encoded smaller at its own size says so, and keeps every pixel", async () => {
  await withSquint(async (origin) => {
    const cases = [
      ["diagram_debian_policy_remove_purge_582x425.png", "gpt-4o"],
      ["term_pdfinfo_green_80x24.png", "gemini-2.5-flash"],
    ] as const;
    for (const [file, model] of cases) {
      const label = `${file} on ${model}`;
      const planned = await optimize(origin, corpusDataUrl(file), model, DESCRIBE);
      assertSentAsPlanned(planned, label);
      assert.deepEqual(
        [planned.action, planned.after.format, planned.after.width, planned.after.height],
        ["reencode", "png", planned.before.width, planned.before.height],
        label,
      );
      assert.ok(planned.after.bytes < planned.before.bytes, label);
      assert.deepEqual(planned.optimizations, ["reencode"], label);
      const said = planned.reasons.filter((r) => r.startsWith("png re-encoded"));
      assert.equal(said.length, 1, `${label}: ${planned.reasons}`);
      assert.match(
        said[0],
        new RegExp(`: ${planned.before.bytes} → ${planned.after.bytes} bytes$`),
      );
      assert.deepEqual(await pixels(planned.sent), await pixels(corpusBytes(file)), label);
    }
  });
});

Deno.test("the 4096² WebP stays a WebP on every provider, a fraction of its bytes", async () => {
  const file = "art_truchet_4096x4096.webp";
  await withSquint(async (origin) => {
    for (const model of ["gpt-4.1-mini", "gpt-4o", "claude-sonnet-4-6", "gemini-2.5-flash"]) {
      const planned = await optimize(origin, corpusDataUrl(file), model, DESCRIBE);
      assert.equal(planned.action, "resize", model);
      assertSentAsPlanned(planned, model);
      assert.equal(planned.after.format, "webp", model);
      assert.equal(planned.sentMime, "image/webp", model);
      assert.ok(planned.after.bytes < planned.before.bytes / 4, `${model}: ${planned.after.bytes}`);
      assert.ok(planned.after.tokens <= planned.before.tokens, model);
    }
  });
});

Deno.test("a dark terminal screenshot is never sent larger than it came for a saving under 10%", async () => {
  const file = "term_dpkg_listing_dark.png";
  const original = corpusBytes(file);
  await withSquint(async (origin) => {
    // claude-sonnet-4-6: 1148×628 would save 8.6% of the tokens but the PNG would grow
    const sonnet = await optimize(origin, corpusDataUrl(file), "claude-sonnet-4-6", DESCRIBE);
    assert.equal(sonnet.action, "keep");
    assert.deepEqual(sonnet.sent, original);
    assert.deepEqual(sonnet.after, sonnet.before);
    assert.match(
      sonnet.reasons.at(-1)!,
      /saves 8\.6% of the tokens, under the 10% .*original sent/,
    );
    // gpt-4o: the same pixels, re-encoded smaller
    const gpt = await optimize(origin, corpusDataUrl(file), "gpt-4o", DESCRIBE);
    assert.ok(gpt.sent.byteLength < original.byteLength, `${gpt.sent.byteLength}`);
    assert.equal(gpt.after.tokens, gpt.before.tokens);
  });
});

Deno.test("a larger render is sent only when it saves at least 10% of the tokens, and the answer says so", async () => {
  assert.equal(GROWTH_MIN_TOKEN_SAVING, 0.1);
  await withSquint(async (origin) => {
    // The Claude Code case: a 1920×1080 screenshot on claude-opus-4-8, 9.3% of its tokens.
    const screenshot = "web_debian_reference_gui_1920x1080.png";
    const opus = await optimize(origin, corpusDataUrl(screenshot), "claude-opus-4-8", DESCRIBE);
    assert.equal(opus.action, "keep");
    assert.deepEqual(opus.sent, corpusBytes(screenshot));
    assert.equal(opus.after.tokens, opus.before.tokens);
    assert.match(
      opus.reasons.at(-1)!,
      /came out larger .* saves 9\.3% of the tokens, under the 10%/,
    );

    const chart = "chart_gnuplot_boxplot_energy.png";
    const small = await optimize(origin, corpusDataUrl(chart), "claude-opus-4-8", DESCRIBE);
    assert.equal(small.action, "keep");
    assert.deepEqual(small.sent, corpusBytes(chart));

    // 765 → 425 tokens on gpt-4o: the 44% saving is worth a larger upload, and is said to be.
    const histogram = "chart_octave_histogram_750x525.png";
    const big = await optimize(origin, corpusDataUrl(histogram), "gpt-4o", DESCRIBE);
    assert.equal(big.action, "resize");
    assertSentAsPlanned(big, histogram);
    assert.deepEqual([big.before.tokens, big.after.tokens], [765, 425]);
    assert.ok(big.after.bytes > big.before.bytes);
    assert.match(big.reasons.at(-1)!, /came out larger .*; sent: it saves 44\.4% of the tokens/);
  });
});

Deno.test("a detail-only change sends the image bytes exactly as they came", async () => {
  const gray = await grayPhotoPng();
  const grayUrl = `data:image/png;base64,${gray.toBase64()}`;
  await withSquint(async (origin) => {
    // A 384×256 grayscale photo with squint's detail low: gpt-4o sees all of it at low detail.
    const low = await optimize(origin, grayUrl, "gpt-4o", DESCRIBE, { detail: "low" });
    assert.deepEqual([low.action, low.detail], ["detail", "low"]);
    assert.deepEqual(low.sent, gray);
    assert.deepEqual([low.before.tokens, low.after.tokens, low.after.bytes], [
      255,
      85,
      gray.length,
    ]);
    // A glance at a 512² photo PNG: detail low, no resize, no re-encoding.
    const astronaut = "photo_astronaut_512x512.png";
    const glance = await optimize(origin, corpusDataUrl(astronaut), "gpt-4o", GLANCE);
    assert.deepEqual([glance.action, glance.detail], ["detail", "low"]);
    assert.deepEqual(glance.sent, corpusBytes(astronaut));
    assert.deepEqual(glance.after, { ...glance.before, tokens: 85 });
  });
});

Deno.test("Gemini 2.x gets a big photo at the 2048×1152 it sees, for the same tokens", async () => {
  // The 6028×3391 photo: crop unit 2260 px, each scaled to a 768-px tile.
  const plan = planImage(
    { info: jpeg(6028, 3391), bytes: 4_400_000 },
    family("gemini-2.5-flash"),
    balanced,
  );
  assert.deepEqual([plan.action, plan.after.width, plan.after.height], ["resize", 2048, 1152]);
  assert.equal(plan.after.tokens, plan.before.tokens);
  await withSquint(async (origin) => {
    for (const file of ["photo_dandelions_5312x2988.jpg", "photo_beach_aerial_5120x2880.jpg"]) {
      for (const model of ["gemini-2.5-flash", "gemini-2.5-pro"]) {
        const label = `${file} on ${model}`;
        const planned = await optimize(origin, corpusDataUrl(file), model, DESCRIBE);
        assert.equal(planned.action, "resize", label);
        assertSentAsPlanned(planned, label);
        assert.deepEqual([planned.after.width, planned.after.height], [2048, 1152], label);
        assert.equal(planned.after.format, "jpeg", label);
        assert.ok(planned.after.tokens <= planned.before.tokens, label);
        assert.ok(planned.after.bytes < planned.before.bytes / 4, label);
      }
    }
  });
});
