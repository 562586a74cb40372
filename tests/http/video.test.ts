/**
 * Videos through the Chat Completions door: `video_url` parts (data and http URLs) become their
 * kept frames, each after its `[video N, frame at mm:ss]` marker; `/v1/optimize` explains it;
 * bad videos get a clear 4xx in OpenAI's error shape.
 */
import assert from "node:assert/strict";
import { startMockGemini } from "../support/mock_gemini.ts";
import { corpusDir, startSquint } from "../support/squint.ts";
import { startStack } from "./_stack.ts";

function videoDataUrl(file: string): string {
  const bytes = Deno.readFileSync(`${corpusDir()}/videos/${file}`);
  return `data:video/mp4;base64,${bytes.toBase64()}`;
}

function videoRequest(url: string, model = "gpt-4o") {
  return {
    model,
    temperature: 0,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What happens in this video?" },
        { type: "video_url", video_url: { url } },
      ],
    }],
  };
}

const SLIDESHOW = "video_slideshow_hardcuts_720p_30s.mp4";
const STEP_SCROLL = "video_web_page_step_scroll_1080p_17s.mp4";

Deno.test("/v1/optimize explains a video in CONTRACT.md's shape: frames kept, why, and the naive baseline", async () => {
  await using stack = startStack();
  const response = await stack.post("/optimize", videoRequest(videoDataUrl(SLIDESHOW)));
  const plan = await response.json();
  assert.equal(response.status, 200, JSON.stringify(plan));
  assert.equal(stack.mock.received.count, 0);
  assert.deepEqual(plan.images, []);
  assert.equal(plan.videos.length, 1);
  const [video] = plan.videos;
  assert.deepEqual(
    [video.message, video.part, video.duration_s, video.frames_sampled, video.frames_kept],
    [0, 1, 30, 30, 5],
  );
  assert.deepEqual(video.frames.map((f: { t: number }) => f.t), [0, 4, 11, 15, 23]);
  for (const frame of video.frames) {
    assert.ok(["keep", "resize", "detail", "reencode"].includes(frame.action), frame.action);
    assert.deepEqual([frame.before.width, frame.before.height], [1280, 720]);
  }
  assert.equal(video.dropped.length, 25);
  // The naive request: 30 frames of 1280×720 for gpt-4o, 1,105 tokens each.
  assert.equal(video.tokens.before, 30 * 1105);
  assert.match(video.baseline, /30 frames sampled at 1 fps, each 1280×720 at 1105 tokens/);
  assert.ok(video.tokens.after < video.tokens.before / 5, JSON.stringify(video.tokens));
  assert.ok(plan.tokens.before >= video.tokens.before);
  // The body squint would send: the video replaced by five markers, each before its frame.
  const content = plan.request.messages[0].content;
  assert.equal(content.length, 1 + 2 * 5);
  assert.deepEqual(
    content.filter((p: { type: string }) => p.type === "text").map((p: { text: string }) => p.text),
    [
      "What happens in this video?",
      "[video 1, frame at 00:00]",
      "[video 1, frame at 00:04]",
      "[video 1, frame at 00:11]",
      "[video 1, frame at 00:15]",
      "[video 1, frame at 00:23]",
    ],
  );
  for (const part of content.slice(2).filter((_: unknown, i: number) => i % 2 === 0)) {
    assert.equal(part.type, "image_url");
    assert.match(part.image_url.url, /^data:image\/jpeg;base64,\/9j\//);
  }
});

Deno.test("through the OpenAI SDK the upstream gets the frames and markers, and the stats say frames_dedup", async () => {
  await using stack = startStack();
  const answer = await stack.client.chat.completions.create(
    videoRequest(videoDataUrl(STEP_SCROLL)) as never,
  ) as unknown as {
    squint: { optimizations: string[]; tokens_before: number; tokens_after: number };
  };
  assert.equal(stack.mock.requests.length, 1);
  const sent =
    (stack.mock.requests[0].body as { messages: { content: { type: string; text?: string }[] }[] })
      .messages[0].content;
  assert.ok(!sent.some((p) => p.type === "video_url"));
  const markers = sent.filter((p) => p.type === "text").slice(1).map((p) => p.text);
  assert.equal(markers.length, 6);
  assert.equal(sent.filter((p) => p.type === "image_url").length, 6);
  assert.ok(
    answer.squint.optimizations.includes("frames_dedup"),
    answer.squint.optimizations.join(),
  );
  assert.ok(answer.squint.tokens_after < answer.squint.tokens_before / 2);
});

Deno.test("a corrupt video, a private video URL and a non-video data URL are 400s in OpenAI's shape", async () => {
  await using stack = startStack();
  const corrupt = Deno.readFileSync(`${corpusDir()}/videos/${SLIDESHOW}`).slice(0, 50_000);
  corrupt.fill(0x41, 4_000);
  for (
    const [url, pattern] of [
      [`data:video/mp4;base64,${corrupt.toBase64()}`, /could not|not a video/],
      ["http://169.254.169.254/latest/video.mp4", /private/],
      [
        "data:video/mp4;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        /video/,
      ],
    ] as const
  ) {
    const response = await stack.post("/chat/completions", videoRequest(url));
    const body = await response.json();
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(body.error.type, "invalid_request_error");
    assert.equal(body.error.code, "invalid_video");
    assert.equal(body.error.param, "messages[0].content[1]");
    assert.match(body.error.message, pattern);
  }
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("with optimization off the video part goes upstream as the client sent it", async () => {
  await using stack = startStack();
  const url = videoDataUrl(SLIDESHOW);
  await stack.post("/chat/completions", videoRequest(url), { "x-squint-optimize": "off" });
  const sent = stack.mock.requests[0].body as {
    messages: { content: { video_url?: { url: string } }[] }[];
  };
  assert.equal(sent.messages[0].content[1].video_url!.url, url);
});

Deno.test("Gemini gets the video itself when that costs less than its frames (SQUINT_VIDEO_GEMINI=auto), frames when told", async () => {
  const gemini = startMockGemini();
  try {
    for (const [policy, native] of [["auto", true], ["frames", false]] as const) {
      const squint = startSquint({
        SQUINT_GEMINI_BASE_URL: gemini.baseUrl,
        SQUINT_VIDEO_GEMINI: policy,
      });
      const response = await fetch(`${squint.baseUrl}/optimize`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer g-client" },
        body: JSON.stringify(videoRequest(videoDataUrl(STEP_SCROLL), "gemini-2.5-flash")),
      });
      const plan = await response.json();
      assert.equal(response.status, 200, JSON.stringify(plan));
      const [video] = plan.videos;
      // Gemini 2.5: 263 tokens a second of video; its six 1080p frames would take 6 × 1,548 (and
      // 7 tokens of marker each, estimated).
      assert.equal(video.tokens.before, Math.ceil(17.5 * 263));
      assert.equal(video.tokens.after, native ? video.tokens.before : 6 * 1548 + 6 * 7);
      assert.equal(video.native, native, policy);
      const parts = plan.request.messages[0].content.map((p: { type: string }) => p.type);
      assert.deepEqual(parts.includes("video_url"), native, policy);
      await squint.close();
    }
  } finally {
    await gemini.close();
  }
});
