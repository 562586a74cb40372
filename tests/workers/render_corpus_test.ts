import assert from "node:assert/strict";
import { probeImage } from "../../workers/image/probe.ts";
import { renderImage } from "../../workers/image/render.ts";
import type { Rendered, RenderSpec } from "../../workers/image/types.ts";
import { baseName, corpusBytes, corpusImages, decodePixels } from "./_images.ts";

/** The long side the corpus is rendered to: the usual vision-model ceiling, and keeps tests quick. */
const LONG_SIDE = 1568;

function specFor(displayWidth: number, displayHeight: number, longSide = LONG_SIDE): RenderSpec {
  const scale = Math.min(1, longSide / Math.max(displayWidth, displayHeight));
  return {
    width: Math.max(1, Math.round(displayWidth * scale)),
    height: Math.max(1, Math.round(displayHeight * scale)),
    format: "auto",
    quality: 85,
  };
}

/** Every corpus image rendered once with `auto`, shared by the tests below. */
let corpusRenders: Promise<Map<string, { spec: RenderSpec; rendered: Rendered }>> | undefined;
function renderCorpus() {
  corpusRenders ??= (async () => {
    const results = new Map<string, { spec: RenderSpec; rendered: Rendered }>();
    for (const item of corpusImages()) {
      const bytes = corpusBytes(item);
      const info = probeImage(bytes)!;
      const spec = specFor(info.displayWidth, info.displayHeight);
      results.set(baseName(item), { spec, rendered: await renderImage(bytes, info, spec) });
    }
    return results;
  })();
  return corpusRenders;
}

/**
 * Photo and art pictures: `auto` should send their PNGs to JPEG unless they are transparent. On
 * the DEV corpus that is art_kokkini, photo_astronaut and photo_coffee_cup (art_truchet is a
 * WebP, and stays one).
 */
const PICTURE_PREFIXES = ["photo_", "art_"];

const TEXT_LIKE_PREFIXES = [
  "doc_",
  "term_",
  "code_",
  "web_",
  "chart_",
  "diagram_",
  "ui_",
  "invoice_",
];

Deno.test("every corpus image renders to its planned size of at most 1568 px", async () => {
  const renders = await renderCorpus();
  assert.equal(renders.size, corpusImages().length);
  for (const [name, { spec, rendered }] of renders) {
    assert.deepEqual([rendered.width, rendered.height], [spec.width, spec.height], name);
    const decoded = await decodePixels(rendered.bytes);
    assert.deepEqual([decoded.width, decoded.height], [spec.width, spec.height], name);
    assert.ok(Math.max(decoded.width, decoded.height) <= LONG_SIDE, name);
  }
});

Deno.test("auto keeps every text, chart, diagram, terminal, web and UI PNG as PNG", async () => {
  const renders = await renderCorpus();
  const textLike = [...renders].filter(([name]) =>
    name.endsWith(".png") && TEXT_LIKE_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
  assert.ok(textLike.length > 0, "no text-like PNGs in the corpus");
  for (const [name, { rendered }] of textLike) {
    assert.equal(rendered.format, "png", `${name}: ${rendered.formatReason}`);
  }
});

Deno.test("auto turns photo and art PNGs without transparency into JPEG, and only those", async () => {
  const pngInput = [...await renderCorpus()].filter(([name]) => name.endsWith(".png"));
  for (const [name, { rendered }] of pngInput) {
    const picture = PICTURE_PREFIXES.some((prefix) => name.startsWith(prefix));
    const transparent = rendered.formatReason!.startsWith("transparent");
    const expected = picture && !transparent ? "jpeg" : "png";
    assert.equal(rendered.format, expected, `${name}: ${rendered.formatReason}`);
  }
  assert.ok(pngInput.some(([, { rendered }]) => rendered.format === "jpeg"));
});

Deno.test("auto keeps JPEG input as JPEG and WebP input as WebP", async () => {
  for (const [name, { rendered }] of await renderCorpus()) {
    if (name.endsWith(".jpg")) {
      assert.equal(rendered.format, "jpeg", name);
      assert.match(rendered.formatReason!, /^jpeg input/, name);
    }
    if (name.endsWith(".webp")) {
      assert.equal(rendered.format, "webp", name);
      assert.match(rendered.formatReason!, /^webp input/, name);
    }
  }
});

Deno.test("auto keeps the corpus PNGs with real transparency as PNG", async () => {
  // DEV-corpus names; another corpus (SQUINT_CORPUS_DIR) may not have them.
  const renders = await renderCorpus();
  for (
    const name of ["art_with_text_mate_logo_1920x1440.png", "ui_gwenview_thumbnails_1027x844.png"]
  ) {
    const rendered = renders.get(name)?.rendered;
    if (rendered) {
      assert.equal(rendered.format, "png", name);
      assert.match(rendered.formatReason!, /^transparent/, name);
    }
  }
  // RGBA on disk but every pixel opaque: judged by its pixels, not by its colour type.
  const kpat = renders.get("ui_kpat_cards_658x406.png")?.rendered;
  if (kpat) assert.match(kpat.formatReason!, /^not photo-like/);
});

Deno.test("rendering a corpus photo and a corpus page twice gives byte-identical output", async () => {
  const wanted = ["photo_lake_mountains_4000x2047.jpg", "doc_r_intro_prose_p15_200dpi.png"];
  for (const item of corpusImages().filter((item) => wanted.includes(baseName(item)))) {
    const bytes = corpusBytes(item);
    const info = probeImage(bytes)!;
    const spec = specFor(info.displayWidth, info.displayHeight, 1000);
    const [first, second] = [
      await renderImage(bytes, info, spec),
      await renderImage(bytes, info, spec),
    ];
    assert.deepEqual(first.bytes, second.bytes, baseName(item));
  }
});
