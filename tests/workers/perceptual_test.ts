import assert from "node:assert/strict";
import { createCanvas, Image } from "@napi-rs/canvas";
import {
  hammingHex,
  hashesOfImage,
  type PerceptualHashes,
  perceptualHashes,
} from "../../workers/image/perceptual.ts";
import { DHASH_DISTANCE, NearIndex, PHASH_DISTANCE } from "../../src/cache/near_index.ts";
import { perceptualMatchAllowed } from "../../src/cache/perceptual_policy.ts";
import { TEXT_LINES, UI_LINE_ROWS } from "../../workers/image/content.ts";
import {
  COPY_KINDS,
  copyOf,
  EDIT_KINDS,
  EDITABLE,
  examine,
  type Examined,
  GLANCE_QUESTION,
  uprightOnWhite,
} from "../support/image_copies.ts";
import type { ContentFacts } from "../../workers/image/types.ts";
import type { Intent } from "../../src/optimize/intent/model.ts";
import { baseName, corpusBytes, corpusImages, type CorpusItem } from "./_images.ts";
import { prng } from "../support/prng.ts";

const within = (a: PerceptualHashes, b: PerceptualHashes) =>
  hammingHex(a.phash, b.phash) <= PHASH_DISTANCE && hammingHex(a.dhash, b.dhash) <= DHASH_DISTANCE;

const distances = (a: PerceptualHashes, b: PerceptualHashes) =>
  `pHash ${hammingHex(a.phash, b.phash)}, dHash ${hammingHex(a.dhash, b.dhash)}`;

/** A `width`×`height` picture of soft gradients and noise, opaque unless `alpha` is given. */
function synthetic(width: number, height: number, seed = 1, alpha = 255) {
  const random = prng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      data[i] = (255 * x) / width + 40 * random();
      data[i + 1] = 128 + 100 * Math.sin((6 * y) / height + (3 * x) / width);
      data[i + 2] = 255 * random();
      data[i + 3] = alpha;
    }
  }
  return { width, height, data };
}

/** Each pixel of `image` repeated `k`×`k` times. */
function replicated(image: ReturnType<typeof synthetic>, k: number) {
  const { width, height, data } = image;
  const out = new Uint8ClampedArray(width * k * height * k * 4);
  for (let y = 0; y < height * k; y++) {
    for (let x = 0; x < width * k; x++) {
      const from = (Math.floor(y / k) * width + Math.floor(x / k)) * 4;
      out.set(data.subarray(from, from + 4), (y * width * k + x) * 4);
    }
  }
  return { width: width * k, height: height * k, data: out };
}

Deno.test("hashes are 16 hex digits, the same on every run, for any size down to 1×1", () => {
  for (const [w, h] of [[1, 1], [1, 7], [9, 8], [33, 31], [640, 3], [500, 400]]) {
    const hashes = perceptualHashes(synthetic(w, h));
    assert.match(hashes.phash, /^[0-9a-f]{16}$/);
    assert.match(hashes.dhash, /^[0-9a-f]{16}$/);
    assert.deepEqual(perceptualHashes(synthetic(w, h)), hashes);
  }
  assert.throws(() => perceptualHashes({ width: 0, height: 0, data: new Uint8Array(0) }));
});

Deno.test("a picture scaled up 3× by pixel replication hashes exactly as itself (area averages)", () => {
  const image = synthetic(97, 61, 5);
  assert.deepEqual(perceptualHashes(replicated(image, 3)), perceptualHashes(image));
});

Deno.test("transparent pixels count as white", () => {
  const picture = synthetic(64, 48, 3);
  // The left half see-through (over colours that must not show), or painted white instead.
  const clear = { ...picture, data: picture.data.slice() };
  const white = { ...picture, data: picture.data.slice() };
  for (let i = 0; i < picture.data.length; i += 4) {
    if ((i / 4) % 64 >= 32) continue;
    clear.data[i + 3] = 0;
    white.data.fill(255, i, i + 4);
  }
  assert.deepEqual(perceptualHashes(clear), perceptualHashes(white));
  assert.ok(!within(perceptualHashes(clear), perceptualHashes(picture)));
  // Half-transparent over white is the same picture at half contrast: the same structure.
  const faded = { ...picture, data: picture.data.map((v, i) => (i % 4 === 3 ? 128 : v)) };
  const [a, b] = [perceptualHashes(picture), perceptualHashes(faded)];
  assert.ok(within(a, b), distances(a, b));
});

Deno.test("hammingHex counts the bits two hashes differ in", () => {
  assert.equal(hammingHex("0000000000000000", "0000000000000000"), 0);
  assert.equal(hammingHex("0000000000000000", "ffffffffffffffff"), 64);
  assert.equal(hammingHex("8000000000000001", "0000000000000000"), 2);
  assert.equal(hammingHex("00000000ffffffff", "0000000100000000"), 33);
  assert.throws(() => hammingHex("abc", "def"));
});

async function decoded(bytes: Uint8Array): Promise<Image> {
  const image = new Image();
  image.src = bytes;
  await image.decode();
  return image;
}

const byName = (name: string) => corpusImages().find((item) => baseName(item) === name)!;

Deno.test("hashing through a small canvas agrees with hashing every full-size pixel", async () => {
  for (const name of ["photo_storm_road_1920x1280.jpg", "doc_r_intro_prose_p15_200dpi.png"]) {
    const image = await decoded(corpusBytes(byName(name)));
    const full = createCanvas(image.naturalWidth, image.naturalHeight).getContext("2d");
    full.drawImage(image, 0, 0);
    const exact = perceptualHashes(
      full.getImageData(0, 0, image.naturalWidth, image.naturalHeight),
    );
    const cheap = hashesOfImage(image);
    assert.ok(hammingHex(cheap.phash, exact.phash) <= 2, `${name}: ${distances(cheap, exact)}`);
    assert.ok(hammingHex(cheap.dhash, exact.dhash) <= 2, `${name}: ${distances(cheap, exact)}`);
  }
});

Deno.test("an orientation still to apply is applied before hashing", async () => {
  const image = await decoded(corpusBytes(byName("photo_storm_road_1920x1280.jpg")));
  // Orientation 6 shows the stored picture turned 90° clockwise.
  const turned = createCanvas(image.naturalHeight, image.naturalWidth);
  const ctx = turned.getContext("2d");
  ctx.translate(turned.width, 0);
  ctx.rotate(Math.PI / 2);
  ctx.drawImage(image, 0, 0);
  const [expected, oriented] = [hashesOfImage(turned), hashesOfImage(image, 6)];
  assert.ok(hammingHex(oriented.phash, expected.phash) <= 2, distances(oriented, expected));
  assert.ok(!within(hashesOfImage(image), expected));
});

/** A corpus picture and the copies made of it, as the worker sees them. */
interface Family {
  item: CorpusItem;
  original: Examined;
  copies: { kind: string; found: Examined }[];
}

/** Examines each item and the given kinds of copies of it, once per test file. */
function families(items: CorpusItem[], kinds: readonly string[], classify: boolean) {
  let all: Promise<Family[]> | undefined;
  return () =>
    all ??= (async () => {
      const out: Family[] = [];
      for (const item of items) {
        const original = await examine(corpusBytes(item), { classify });
        const page = uprightOnWhite(original.image, original.info);
        const copies = [];
        for (const kind of kinds) {
          const found = await examine(copyOf(page, kind as never), { classify });
          copies.push({ kind, found });
        }
        out.push({ item, original, copies });
      }
      return out;
    })();
}

const photos = families(corpusImages().filter((i) => i.category === "photo"), COPY_KINDS, false);
/**
 * Pages are classified as the worker does with OCR off. OCR could not make any of them a photo:
 * it runs only for text candidates, and a candidate refused by OCR has text-line rows of at least
 * `TEXT_LINES.candidate`, which makes it `ui` or `chart`, never `photo` (pinned below).
 */
const pages = families(corpusImages().filter((i) => EDITABLE.has(i.category)), EDIT_KINDS, true);

Deno.test("OCR never turns a picture into a photo, so the verdict without OCR is the one that counts", () => {
  assert.ok(TEXT_LINES.candidate >= UI_LINE_ROWS);
});

Deno.test("recompressed, halved and 2-3% cropped copies of every corpus photo find their original", async () => {
  const all = await photos();
  assert.equal(all.length, 15);
  const index = new NearIndex();
  for (const { item, original } of all) index.add(item.file, original.hashes);
  for (const { item, original, copies } of all) {
    for (const { kind, found } of copies) {
      const match = index.nearest(found.hashes);
      assert.equal(
        match?.id,
        item.file,
        `${baseName(item)} ${kind}: ${distances(found.hashes, original.hashes)}`,
      );
    }
  }
});

Deno.test("no two different corpus photos match, nor a copy of one another's original", async () => {
  const all = await photos();
  for (const a of all) {
    for (const b of all) {
      if (a === b) continue;
      for (const probe of [a.original, ...a.copies.map((c) => c.found)]) {
        assert.ok(
          !within(probe.hashes, b.original.hashes),
          `${baseName(a.item)} vs ${baseName(b.item)}: ${
            distances(probe.hashes, b.original.hashes)
          }`,
        );
      }
    }
  }
});

Deno.test("invoices and documents with a total or a name rewritten hash like their original, and are never reused", async () => {
  const all = await pages();
  assert.ok(all.length >= 15, `${all.length} pages`);
  const intent = "glance" as const;
  let hashMatches = 0, edits = 0;
  for (const { item, original, copies } of all) {
    for (const probe of [{ kind: "original", found: original }, ...copies]) {
      const { content } = probe.found;
      assert.ok(content, `${baseName(item)} ${probe.kind}: no content verdict`);
      assert.notEqual(
        content.label,
        "photo",
        `${baseName(item)} ${probe.kind}: ${content.reasons}`,
      );
      const verdict = perceptualMatchAllowed({ content, intent, question: GLANCE_QUESTION });
      assert.equal(verdict.allowed, false, `${baseName(item)} ${probe.kind}`);
      if (probe.kind === "original") continue;
      edits++;
      if (within(probe.found.hashes, original.hashes)) hashMatches++;
    }
  }
  // The hashes alone would reuse the original's answer for most rewritten pages.
  assert.ok(hashMatches >= 0.75 * edits, `${hashMatches}/${edits} edits within the thresholds`);
});

Deno.test("no two different invoices or documents are allowed to match", async () => {
  const all = await pages();
  for (const a of all) {
    for (const b of all) {
      if (a === b) continue;
      for (const probe of [a.original, ...a.copies.map((c) => c.found)]) {
        const allowed = within(probe.hashes, b.original.hashes) &&
          perceptualMatchAllowed({
            content: probe.content,
            intent: "general",
            question: "Describe this.",
          }).allowed;
        assert.equal(allowed, false, `${baseName(a.item)} vs ${baseName(b.item)}`);
      }
    }
  }
});

Deno.test("a near match is reused only for photos, scene questions and no detail words, in any language", () => {
  const photo: Pick<ContentFacts, "label" | "confidence"> = { label: "photo", confidence: 1 };
  const allowed = (question: string, content = photo, intent: Intent = "glance") =>
    perceptualMatchAllowed({ content, intent, question }).allowed;
  for (
    const question of [
      "What is in this image?",
      "Describe this photo.",
      "What animal is this?",
      "Where was this taken?",
      "What's happening here?",
      "Is this a nice place for a holiday?",
      "¿Qué hay en esta foto?",
      "Qu'est-ce qu'il y a sur cette photo ?",
      "Was ist auf diesem Bild?",
      "O que há nesta foto?",
      "Cosa c'è in questa foto?",
      "这张照片里有什么？",
      "この写真には何が写っていますか？",
    ]
  ) assert.equal(allowed(question), true, question);
  for (
    const question of [
      "What does the sign say?",
      "Read the text on the label",
      "What is the total?",
      "How many people are there?",
      "Count the birds",
      "What's the serial number?",
      "What date is written on it?",
      "Compare the two cars",
      "Find the cat",
      "Spot the difference",
      "¿Cuál es el precio?",
      "¿Cuántas personas hay?",
      "Quel est le montant total ?",
      "Combien de personnes ?",
      "Wie hoch ist der Gesamtbetrag?",
      "Wie viele Personen sind da?",
      "Qual é o preço?",
      "Quantas pessoas?",
      "Qual è il prezzo?",
      "Quante persone ci sono?",
      "总金额是多少？",
      "图片上写的是什么？",
      "有几个人？",
      "合計金額はいくらですか？",
      "何人いますか？",
      "名前は何ですか？",
    ]
  ) assert.equal(allowed(question), false, question);
  assert.equal(allowed(GLANCE_QUESTION, { label: "photo", confidence: 0.6 }), false);
  assert.equal(allowed(GLANCE_QUESTION, { label: "ui", confidence: 1 }), false);
  assert.equal(allowed(GLANCE_QUESTION, photo, "read_text"), false);
  assert.equal(
    perceptualMatchAllowed({ intent: "glance", question: GLANCE_QUESTION }).allowed,
    false,
  );
});
