/**
 * Renders a video of the set: each frame drawn with `@napi-rs/canvas` from the shot's picture
 * at the camera's pose, streamed as raw RGBA into the bundled ffmpeg (H.264, `-preset
 * veryfast`, yuv420p). Deterministic: the camera, the grain and the shake depend only on the
 * spec and the frame number.
 *
 * @module
 */

import { type Canvas, createCanvas, type Image, loadImage } from "@napi-rs/canvas";
import { ffmpegPath } from "../../workers/video/ffmpeg.ts";
import {
  BROWSER_BAR,
  picturePath,
  type Pose,
  type Shot,
  type Source,
  type VideoSpec,
  WEB_HEIGHT,
  WEB_WIDTH,
} from "./specs.ts";

/** How to build. */
export interface RenderOptions {
  /** Folder for the videos (and `sources/`, the rendered web pages). */
  out: string;
  /** Output size as a share of the spec's (0.5: 640×360 for a 720p spec). */
  scale?: number;
  /** Frames per second of the output (the spec's by default). */
  fps?: number;
}

/** The pose at time `t`: linear between the shot's poses, held before the first and after the last. */
export function poseAt(shot: Shot, t: number): Pose {
  const poses = shot.poses;
  if (t <= poses[0].t) return { ...poses[0], t };
  for (let k = 1; k < poses.length; k++) {
    const a = poses[k - 1], b = poses[k];
    if (t <= b.t) {
      const f = b.t > a.t ? (t - a.t) / (b.t - a.t) : 1;
      return { t, x: a.x + f * (b.x - a.x), y: a.y + f * (b.y - a.y), w: a.w + f * (b.w - a.w) };
    }
  }
  return { ...poses[poses.length - 1], t };
}

/** A shot seen at a moment, with its weight (opacity over the previous shot, or brightness). */
export interface Visible {
  shot: number;
  weight: number;
  /** `over`: drawn over the shot before it with this opacity; `light`: faded from black. */
  blend: "over" | "light";
}

/** What is on screen at time `t`: one shot, or two during a cross-fade. */
export function visibleAt(spec: VideoSpec, t: number): Visible[] {
  const shots = spec.shots;
  let k = shots.findIndex((s) => t < s.end);
  if (k === -1) k = shots.length - 1;
  const here = shots[k].transition;
  const next = shots[k + 1]?.transition;
  const start = shots[k].start, end = shots[k].end;
  if (here.kind === "crossfade" && k > 0 && t < start + here.seconds / 2) {
    const weight = (t - (start - here.seconds / 2)) / here.seconds;
    return [{ shot: k - 1, weight: 1, blend: "over" }, { shot: k, weight, blend: "over" }];
  }
  if (next?.kind === "crossfade" && t >= end - next.seconds / 2) {
    const weight = (t - (end - next.seconds / 2)) / next.seconds;
    return [{ shot: k, weight: 1, blend: "over" }, { shot: k + 1, weight, blend: "over" }];
  }
  if (here.kind === "black" && t < start + here.seconds / 2) {
    return [{ shot: k, weight: (t - start) / (here.seconds / 2), blend: "light" }];
  }
  if (next?.kind === "black" && t >= end - next.seconds / 2) {
    return [{ shot: k, weight: (end - t) / (next.seconds / 2), blend: "light" }];
  }
  return [{ shot: k, weight: 1, blend: "over" }];
}

/** The output size and the browser bar's height for `scale`. */
export function frameGeometry(spec: VideoSpec, scale = 1) {
  const even = (v: number) => Math.max(2, Math.round((v * scale) / 2) * 2);
  const width = even(spec.width), height = even(spec.height);
  const bar = spec.browser ? Math.round((BROWSER_BAR * height) / 720) : 0;
  return { width, height, bar };
}

/** Renders a local HTML page with Debian's Chromium, 1280 px wide, cached under `dir`. */
async function renderWebPage(file: string, dir: string): Promise<string> {
  const name = file.replace(/^\/usr\/share\/doc\//, "").replaceAll("/", "_").replace(".html", "");
  const path = `${dir}/${name}_${WEB_WIDTH}x${WEB_HEIGHT}.png`;
  try {
    await Deno.stat(path);
    return path;
  } catch { /* not rendered yet */ }
  await Deno.mkdir(dir, { recursive: true });
  const out = await new Deno.Command("chromium", {
    args: [
      ...["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"],
      ...["--force-device-scale-factor=1", `--window-size=${WEB_WIDTH},${WEB_HEIGHT}`],
      `--screenshot=${path}`,
      `file://${file}`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output().catch((e) => {
    throw new Error(`web pages of the set need Debian's chromium: ${(e as Error).message}`);
  });
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return path;
}

/** A shot's picture, loaded at `scale` of its source pixels. */
interface Prepared {
  canvas: Canvas;
  scale: number;
}

async function loadSource(source: Source, sourcesDir: string): Promise<Image[]> {
  if (source.kind === "web") {
    return [await loadImage(await Deno.readFile(await renderWebPage(source.file, sourcesDir)))];
  }
  const files = source.kind === "image" ? [source.file] : source.files;
  return await Promise.all(
    files.map(async (f) => await loadImage(await Deno.readFile(picturePath(f)))),
  );
}

/** Loads a shot's picture at the resolution its closest view needs (never above its own). */
async function prepare(shot: Shot, outWidth: number, sourcesDir: string): Promise<Prepared> {
  const parts = await loadSource(shot.source, sourcesDir);
  const width = parts[0].width;
  const heights = parts.map((p) => Math.round((p.height * width) / p.width));
  const closest = Math.min(...shot.poses.map((p) => p.w));
  const scale = Math.min(1, (1.25 * outWidth) / closest);
  const canvas = createCanvas(
    Math.max(1, Math.round(width * scale)),
    Math.max(1, Math.round(heights.reduce((a, b) => a + b, 0) * scale)),
  );
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingQuality = "medium";
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  let y = 0;
  parts.forEach((part, k) => {
    ctx.drawImage(part, 0, Math.round(y * scale), canvas.width, Math.round(heights[k] * scale));
    y += heights[k];
  });
  return { canvas, scale };
}

/** mulberry32, for the grain. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The camera shake at time `t`, in output pixels: two slow sines per axis. */
function shake(t: number, amplitude: number): [number, number] {
  const dx = 0.7 * Math.sin(2 * Math.PI * 0.37 * t + 1.1) + 0.3 * Math.sin(2 * Math.PI * 1.3 * t);
  const dy = 0.7 * Math.sin(2 * Math.PI * 0.29 * t + 2.3) + 0.3 * Math.sin(2 * Math.PI * 1.1 * t);
  return [amplitude * dx, amplitude * dy];
}

/**
 * Draws the part of `prepared` seen through `pose` into the rectangle (dx, dy, dw, dh), the
 * parts of the view outside the picture left to the background.
 */
function drawView(
  ctx: ReturnType<Canvas["getContext"]>,
  prepared: Prepared,
  pose: Pose,
  rect: { x: number; y: number; w: number; h: number },
  snap: boolean,
) {
  const s = prepared.scale, per = rect.w / pose.w;
  const h = pose.w * (rect.h / rect.w);
  // A browser scrolls by whole pixels: its frames are never resampled between rows.
  const y = snap ? Math.round(pose.y * per) / per : pose.y;
  const sx0 = Math.max(0, pose.x * s), sy0 = Math.max(0, y * s);
  const sx1 = Math.min(prepared.canvas.width, (pose.x + pose.w) * s);
  const sy1 = Math.min(prepared.canvas.height, (y + h) * s);
  if (sx1 <= sx0 || sy1 <= sy0) return;
  const k = per / s;
  ctx.drawImage(
    prepared.canvas,
    sx0,
    sy0,
    sx1 - sx0,
    sy1 - sy0,
    rect.x + (sx0 - pose.x * s) * k,
    rect.y + (sy0 - y * s) * k,
    (sx1 - sx0) * k,
    (sy1 - sy0) * k,
  );
}

/** A browser's tab strip and address bar, `bar` pixels high. */
function drawBrowserBar(
  ctx: ReturnType<Canvas["getContext"]>,
  width: number,
  bar: number,
  url: string,
) {
  const tabs = Math.round(bar * 0.45);
  ctx.fillStyle = "#dee1e6";
  ctx.fillRect(0, 0, width, tabs);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(Math.round(bar * 0.15), Math.round(tabs * 0.2), Math.round(width * 0.2), tabs);
  ctx.fillRect(0, tabs, width, bar - tabs);
  ctx.fillStyle = "#f1f3f4";
  const field = Math.round((bar - tabs) * 0.7);
  ctx.fillRect(
    Math.round(bar * 1.6),
    tabs + Math.round((bar - tabs - field) / 2),
    width - bar * 2,
    field,
  );
  ctx.fillStyle = "#3c4043";
  ctx.font = `${Math.round(field * 0.55)}px DejaVu Sans`;
  ctx.fillText(url.split("/").pop() ?? url, Math.round(bar * 0.3), Math.round(tabs * 0.8));
  ctx.fillText(url, Math.round(bar * 1.8), tabs + Math.round((bar - tabs) * 0.68));
  ctx.fillStyle = "#c4c7c5";
  ctx.fillRect(0, bar - 1, width, 1);
}

/** Renders `spec` to `${out}/${spec.id}.mp4`; returns the path. */
export async function renderVideo(spec: VideoSpec, options: RenderOptions): Promise<string> {
  const { width, height, bar } = frameGeometry(spec, options.scale);
  const fps = options.fps ?? spec.fps;
  const frames = Math.round(spec.seconds * fps);
  const sourcesDir = `${options.out}/sources`;
  const prepared = await Promise.all(spec.shots.map((shot) => prepare(shot, width, sourcesDir)));
  await Deno.mkdir(options.out, { recursive: true });
  const path = `${options.out}/${spec.id}.mp4`;
  const child = new Deno.Command(ffmpegPath(), {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-y"],
      ...["-f", "rawvideo", "-pix_fmt", "rgba", "-s", `${width}x${height}`, "-r", `${fps}`],
      ...["-i", "pipe:0", "-an", "-threads", "2"],
      ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"],
      ...["-fflags", "+bitexact", "-flags:v", "+bitexact", "-movflags", "+faststart", path],
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const errors = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingQuality = "medium";
  const viewport = { x: 0, y: bar, w: width, h: height - bar };
  const noise = spec.noise;
  try {
    for (let n = 0; n < frames; n++) {
      const t = n / fps;
      ctx.globalAlpha = 1;
      ctx.fillStyle = "#000000";
      ctx.fillRect(0, 0, width, height);
      for (const seen of visibleAt(spec, t)) {
        const shot = spec.shots[seen.shot];
        let pose = poseAt(shot, t);
        if (noise?.jitter) {
          const [dx, dy] = shake(t, noise.jitter * (width / spec.width));
          const per = pose.w / viewport.w;
          pose = { ...pose, x: pose.x + dx * per, y: pose.y + dy * per };
        }
        const snap = shot.source.kind !== "image";
        ctx.globalAlpha = seen.blend === "over" ? seen.weight : 1;
        if (seen.blend === "over" && seen.weight < 1) {
          // A cross-fade draws the incoming shot, background included, over the outgoing one.
          ctx.fillStyle = "#000000";
          ctx.fillRect(viewport.x, viewport.y, viewport.w, viewport.h);
        }
        drawView(ctx, prepared[seen.shot], pose, viewport, snap);
        if (shot.fixedLeft) {
          const side = { ...pose, x: 0, y: 0 };
          const w = (shot.fixedLeft * viewport.w) / pose.w;
          ctx.save();
          ctx.beginPath();
          ctx.rect(0, viewport.y, w, viewport.h);
          ctx.clip();
          drawView(ctx, prepared[seen.shot], side, viewport, snap);
          ctx.restore();
        }
        if (seen.blend === "light" && seen.weight < 1) {
          ctx.globalAlpha = 1 - Math.max(0, seen.weight);
          ctx.fillStyle = "#000000";
          ctx.fillRect(0, 0, width, height);
        }
      }
      ctx.globalAlpha = 1;
      if (spec.browser) drawBrowserBar(ctx, width, bar, spec.browser.url);
      const data = ctx.getImageData(0, 0, width, height).data;
      const rgba = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (noise && (noise.sigma || noise.flicker)) grain(rgba, noise.sigma, noise.flicker, t, n);
      await writer.write(rgba);
    }
    await writer.close();
  } catch (e) {
    child.kill();
    await child.status;
    throw e;
  }
  const status = await child.status;
  if (!status.success) throw new Error(`ffmpeg failed on ${spec.id}: ${await errors}`);
  return path;
}

/** Camera grain (luma, about Gaussian) and a brightness flicker, in place. */
function grain(rgba: Uint8Array, sigma: number, flicker: number, t: number, n: number) {
  const random = generator(0x9e3779b9 ^ n);
  const gain = 1 + flicker * Math.sin(2 * Math.PI * 0.8 * t);
  const spread = sigma * Math.sqrt(3) * 2 / Math.SQRT2;
  for (let i = 0; i < rgba.length; i += 4) {
    // The sum of two uniforms: a triangle with the wanted standard deviation.
    const e = (random() + random() - 1) * spread;
    for (let c = 0; c < 3; c++) {
      const v = rgba[i + c] * gain + e;
      rgba[i + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}
