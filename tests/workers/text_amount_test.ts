/**
 * A page's text tokens estimated from its layout (no recognition) against the tokens of its true
 * text, on corpus pages, screenshots and terminals; and the pages it leaves unread.
 */
import assert from "node:assert/strict";
import { loadImage } from "@napi-rs/canvas";
import { textLinesOf } from "../../workers/image/line_height.ts";
import {
  LEAST_RATIO,
  surelyPaysByLayout,
  textCharsOfLines,
  textTokensOfLines,
  UNREAD_MARGIN,
  unreadForLayout,
} from "../../workers/image/text_amount.ts";
import { estimateStringTokens } from "../../src/accounting/text_tokens.ts";
import { corpusDir } from "../support/squint.ts";

const PAGES = [
  "doc_r_intro_prose_p15_200dpi.png",
  "doc_debian_policy_prose_p20_300dpi.jpg",
  "doc_octave_refcard_dense_p1_200dpi.png",
  "doc_gnuplot_manual_code_p30_200dpi.jpg",
  "doc_longtable_table_p3_150dpi.jpg",
  "web_debian_reference_gui_1920x1080.png",
  "term_dpkg_listing_dark.png",
  "code_python_highlighted_1280x800.png",
];

async function estimateAndTruth(file: string) {
  const image = await loadImage(Deno.readFileSync(`${corpusDir()}/images/${file}`));
  const lines = textLinesOf(image, 1)!;
  const truth = Deno.readTextFileSync(`${corpusDir()}/truth/${file.replace(/\.\w+$/, ".txt")}`);
  return {
    lines,
    width: image.width,
    estimate: textTokensOfLines(lines, image.width),
    truth: estimateStringTokens(truth),
    truthChars: truth.replace(/\s+/g, " ").trim().length,
  };
}

Deno.test("the layout estimate of a page's text tokens is within 0.55-1.35× of its true text", async () => {
  for (const file of PAGES) {
    const { estimate, truth } = await estimateAndTruth(file);
    const ratio = estimate / truth;
    assert.ok(
      ratio >= LEAST_RATIO && ratio <= UNREAD_MARGIN,
      `${file}: ${estimate} for ${truth} (${ratio})`,
    );
  }
});

Deno.test("a page is left unread only when its estimate passes the budget by the margin", async () => {
  const dense = await estimateAndTruth("doc_octave_refcard_dense_p1_200dpi.png");
  // gpt-4o bills a page 765 tokens: the dense reference card's ~2,800 cannot pay.
  assert.match(
    unreadForLayout(dense.lines, dense.width, 765)!,
    /^its text, estimated from its layout \(\d+(\.\d)? lines of \d+ px\) at ~\d+ tokens, would cost more than the image \(765 at most\): not read$/,
  );
  const prose = await estimateAndTruth("doc_r_intro_prose_p15_200dpi.png");
  // Its ~800 tokens are close to 765: it is read, and its real text decides.
  assert.equal(unreadForLayout(prose.lines, prose.width, 765), undefined);
  assert.equal(unreadForLayout(undefined, 1000, 10), undefined);
  assert.equal(unreadForLayout(prose.lines, prose.width, undefined), undefined);
});

Deno.test("a page's text surely pays by its layout only when even the lowest estimate seen leaves it under the budget", async () => {
  const prose = await estimateAndTruth("doc_r_intro_prose_p15_200dpi.png");
  // ~800 tokens by its layout: surely under a claude page's ~1,600, not under gpt-4o's 765.
  assert.equal(surelyPaysByLayout(prose.lines, prose.width, 1600), true);
  assert.equal(surelyPaysByLayout(prose.lines, prose.width, 765), false);
  assert.ok(prose.truth <= 1600);
  assert.equal(surelyPaysByLayout(undefined, 1000, 1e6), false);
});

Deno.test("the characters estimated from the lines' inked length are within 0.8-1.5× of the true text's (whitespace collapsed)", async () => {
  for (const file of PAGES) {
    const { lines, truthChars } = await estimateAndTruth(file);
    const ratio = textCharsOfLines(lines)! / truthChars;
    assert.ok(
      ratio >= 0.8 && ratio <= 1.5,
      `${file}: ${textCharsOfLines(lines)} for ${truthChars}`,
    );
  }
  assert.equal(textCharsOfLines(undefined), undefined);
});
