import assert from "node:assert/strict";
import { planImage } from "../../src/optimize/plan_image.ts";
import { balanced, family, jpeg } from "./_plan.ts";
import { cheapestSize } from "../../src/optimize/fidelity.ts";
import { imageTokens } from "../../src/models/image_tokens.ts";

Deno.test("a 4000×3000 photo for gpt-4o is sent at the 1024×768 the model sees, for the same 765 tokens", () => {
  const d = planImage({ info: jpeg(4000, 3000), bytes: 1_000_000 }, family("gpt-4o"), {
    ...balanced,
    fidelity: "lossless",
  });
  assert.equal(d.action, "resize");
  assert.deepEqual([d.after.width, d.after.height, d.after.tokens, d.before.tokens], [
    1024,
    768,
    765,
    765,
  ]);
  assert.deepEqual(d.render, { width: 1024, height: 768, format: "jpeg", quality: 85 });
  assert.deepEqual(d.optimizations, ["resize"]);
});

Deno.test("balanced keeps at least 90% of the provider's pixels and never costs more tokens", () => {
  for (
    const model of [
      "gpt-4o",
      "gpt-4.1-mini",
      "claude-sonnet-4-6",
      "claude-opus-4-7",
      "gemini-2.5-flash",
      "gpt-5.4",
    ]
  ) {
    for (
      const [w, h] of [[4000, 3000], [1920, 1080], [1280, 720], [1024, 1024], [2048, 4096], [
        640,
        480,
      ]]
    ) {
      const f = family(model);
      const view = imageTokens(f.image, w, h, "auto");
      const d = planImage({ info: jpeg(w, h), bytes: 1 }, f, balanced);
      assert.ok(d.after.tokens <= d.before.tokens, `${model} ${w}×${h}`);
      assert.ok(
        d.after.width * d.after.height >= 0.9 * view.width * view.height,
        `${model} ${w}×${h} kept too few pixels`,
      );
    }
  }
});

Deno.test("claude-sonnet-4-6 at 1920×1080: balanced finds a size with fewer 28-px patches than the provider's own 1456×819", () => {
  const d = planImage({ info: jpeg(1920, 1080), bytes: 1 }, family("claude-sonnet-4-6"), balanced);
  assert.equal(d.before.tokens, 1560);
  assert.ok(d.after.tokens < 1560);
  assert.equal(
    d.after.tokens,
    imageTokens(family("claude-sonnet-4-6").image, d.after.width, d.after.height).tokens,
  );
  assert.match(d.reasons.join(" "), /keeping \d+% of the pixels \(balanced\)/);
});

Deno.test("aggressive may drop a whole row of OpenAI tiles that balanced must keep", () => {
  const rule = family("gpt-4o").image;
  assert.equal(cheapestSize(rule, { width: 1280, height: 720 }, "auto", 0.9).tokens, 1105);
  const aggressive = cheapestSize(rule, { width: 1280, height: 720 }, "auto", 0.6);
  assert.equal(aggressive.tokens, 765);
  assert.ok(aggressive.width * aggressive.height >= 0.6 * 1280 * 720);
});

Deno.test("squint.detail low sets detail low and sends only the 512-px picture the model sees", () => {
  const d = planImage({ info: jpeg(4000, 3000), bytes: 1, detail: "high" }, family("gpt-4o"), {
    ...balanced,
    detail: "low",
  });
  assert.equal(d.detail, "low");
  assert.equal(d.after.tokens, 85);
  assert.equal(d.before.tokens, 765);
  assert.deepEqual([d.after.width, d.after.height], [512, 384]);
  assert.deepEqual(d.optimizations, ["detail_low", "resize"]);
});

Deno.test("the client's own detail low is honoured in both token figures", () => {
  const d = planImage(
    { info: jpeg(4000, 3000), bytes: 1, detail: "low" },
    family("gpt-4o"),
    balanced,
  );
  assert.equal(d.before.tokens, 85);
  assert.equal(d.after.tokens, 85);
  assert.equal(d.detail, undefined);
});

Deno.test("optimization off keeps the image and still reports its tokens", () => {
  const d = planImage({ info: jpeg(4000, 3000), bytes: 5 }, family("gpt-4o"), {
    ...balanced,
    optimize: false,
  });
  assert.equal(d.action, "keep");
  assert.equal(d.render, undefined);
  assert.equal(d.before.tokens, 765);
  assert.deepEqual(d.reasons, ["optimization off for this request"]);
});

Deno.test("an unknown model keeps its images and prices nothing", () => {
  const d = planImage({ info: jpeg(4000, 3000), bytes: 5 }, undefined, balanced);
  assert.equal(d.action, "keep");
  assert.equal(d.before.tokens, 0);
  assert.match(d.reasons[0], /unknown model/);
});

Deno.test("a small PNG without resize is offered for re-encoding, but not at the lossless level", () => {
  const png = jpeg(300, 200, { format: "png" });
  assert.equal(
    planImage({ info: png, bytes: 9 }, family("gpt-4o"), balanced).render?.format,
    "auto",
  );
  assert.equal(
    planImage({ info: png, bytes: 9 }, family("gpt-4o"), { ...balanced, fidelity: "lossless" })
      .render,
    undefined,
  );
});

Deno.test("EXIF-rotated, animated and BMP images are rendered upright as a format every provider takes", () => {
  const rotated = planImage(
    { info: jpeg(300, 200, { orientation: 6, displayWidth: 200, displayHeight: 300 }), bytes: 9 },
    family("gpt-4o"),
    balanced,
  );
  assert.deepEqual([rotated.render?.width, rotated.render?.height], [200, 300]);
  assert.match(rotated.reasons.join(), /EXIF orientation 6/);
  const gif = planImage(
    { info: jpeg(300, 200, { format: "gif", animated: true }), bytes: 9 },
    family("gpt-4o"),
    { ...balanced, fidelity: "lossless" },
  );
  assert.equal(gif.render?.format, "png");
  const bmp = planImage({ info: jpeg(300, 200, { format: "bmp" }), bytes: 9 }, family("gpt-4o"), {
    ...balanced,
    fidelity: "lossless",
  });
  assert.equal(bmp.render?.format, "png");
});

Deno.test("an unreadable image is kept with its reason", () => {
  const d = planImage({ bytes: 12, unreadable: "fetch answered 404" }, family("gpt-4o"), balanced);
  assert.equal(d.action, "keep");
  assert.deepEqual(d.reasons, ["fetch answered 404"]);
});

Deno.test("planning is deterministic", () => {
  const a = planImage({ info: jpeg(3264, 2448), bytes: 1 }, family("claude-opus-4-7"), balanced);
  const b = planImage({ info: jpeg(3264, 2448), bytes: 1 }, family("claude-opus-4-7"), balanced);
  assert.deepEqual(a, b);
});

Deno.test("a format squint cannot decode (TIFF, HEIC) is planned as sent: no render, no claim of a conversion", () => {
  for (const format of ["tiff", "heic"] as const) {
    for (const model of ["gpt-4o", "claude-sonnet-4-6", "gemini-2.5-flash"]) {
      const d = planImage(
        { info: jpeg(2560, 1600, { format }), bytes: 1_500_000 },
        family(model),
        balanced,
      );
      assert.equal(d.action, "keep", `${format} for ${model}`);
      assert.equal(d.render, undefined);
      assert.deepEqual(d.optimizations, []);
      assert.deepEqual(d.after, d.before);
      assert.deepEqual(d.reasons, [
        `${format} cannot be decoded here, so it is sent as it came (not every provider takes ${format})`,
      ]);
    }
  }
});
