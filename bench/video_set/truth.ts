/**
 * Ground truth of the generated videos, from their camera paths alone, and the rules a
 * selection of frames is scored against:
 *
 * - **scroll or pan** (a moving shot revealing at least one new screenful): at most 1.5 frames
 *   per screenful of content shown, at least one, and its end kept (the final view at least 90%
 *   inside kept frames);
 * - **small motion** (a zoom, a pan revealing less than one new screenful, a still camera shot):
 *   at most 2 frames;
 * - **every scene** (slides, the rests of a step scroll): each distinct slide or step is in a kept
 *   frame, and no more than one frame beyond them is sent.
 *
 * A screenful is the area of the largest view of the shot; the content shown is the union of
 * every view the camera took, in screenfuls.
 *
 * @module
 */

import { poseAt, visibleAt } from "./render.ts";
import { BROWSER_BAR, type Pose, type Shot, type VideoSpec } from "./specs.ts";

/** The rule a shot is held to. */
export type Rule = "scroll or pan" | "small motion" | "every scene";

/** Ground truth of one shot. */
export interface ShotTruth {
  scene: string;
  start: number;
  end: number;
  rule: Rule;
  /** Moving shots: the content shown, in screenfuls (1 = one view's worth). */
  screenfuls?: number;
  /** Moving shots: the content shown beyond the first view, in screenfuls. */
  new_screenfuls?: number;
  /** Step scrolls: the resting stretches, each a step to keep. */
  rests?: { start: number; end: number }[];
}

/** Ground truth of one video (the manifest entry's `truth`). */
export interface VideoTruth {
  distinct_scenes: number;
  /** Distinct slides and steps that must each be in a kept frame. */
  scenes_to_keep: number;
  shots: ShotTruth[];
  /** Frames at most under the rules. */
  max_frames: number;
}

/** The view aspect (width / height) of a video: the page area under a browser bar. */
export function viewAspect(spec: VideoSpec): number {
  return spec.width / (spec.height - (spec.browser ? BROWSER_BAR * spec.height / 720 : 0));
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function rectOf(pose: Pose, aspect: number): Rect {
  return { x0: pose.x, y0: pose.y, x1: pose.x + pose.w, y1: pose.y + pose.w / aspect };
}

/** Whether the camera moves in a shot. */
function moving(shot: Shot): boolean {
  const [a] = shot.poses;
  return shot.poses.some((p) => p.x !== a.x || p.y !== a.y || p.w !== a.w);
}

/** The views of a shot, 15 a second. */
function views(shot: Shot, aspect: number): Rect[] {
  const out: Rect[] = [];
  for (let t = shot.start; t <= shot.end + 1e-9; t += 1 / 15) {
    out.push(rectOf(poseAt(shot, t), aspect));
  }
  return out;
}

/**
 * Area of the union of `rects` and of the largest single rect, measured on a grid of cells a
 * 96th of the largest rect's width, clipped to the picture.
 */
function unionArea(rects: Rect[], bounds: Rect): { union: number; largest: number; cell: number } {
  const widest = Math.max(...rects.map((r) => r.x1 - r.x0));
  const cell = widest / 96;
  const x0 = Math.max(bounds.x0, Math.min(...rects.map((r) => r.x0)));
  const y0 = Math.max(bounds.y0, Math.min(...rects.map((r) => r.y0)));
  const x1 = Math.min(bounds.x1, Math.max(...rects.map((r) => r.x1)));
  const y1 = Math.min(bounds.y1, Math.max(...rects.map((r) => r.y1)));
  const cols = Math.max(1, Math.ceil((x1 - x0) / cell)),
    rows = Math.max(1, Math.ceil((y1 - y0) / cell));
  const seen = new Uint8Array(cols * rows);
  let largest = 0;
  for (const r of rects) {
    let n = 0;
    const c0 = Math.max(0, Math.ceil((r.x0 - x0) / cell - 0.5));
    const c1 = Math.min(cols - 1, Math.floor((r.x1 - x0) / cell - 0.5));
    const r0 = Math.max(0, Math.ceil((r.y0 - y0) / cell - 0.5));
    const r1 = Math.min(rows - 1, Math.floor((r.y1 - y0) / cell - 0.5));
    for (let row = r0; row <= r1; row++) {
      for (let col = c0; col <= c1; col++) {
        seen[row * cols + col] = 1;
        n++;
      }
    }
    largest = Math.max(largest, n);
  }
  return { union: seen.reduce((a, b) => a + b, 0), largest, cell };
}

/** The share of `target` that lies inside at least one of `rects` (sampled on 48² points). */
export function coveredShare(target: Rect, rects: Rect[]): number {
  let inside = 0;
  const n = 48;
  for (let j = 0; j < n; j++) {
    const y = target.y0 + ((j + 0.5) / n) * (target.y1 - target.y0);
    for (let i = 0; i < n; i++) {
      const x = target.x0 + ((i + 0.5) / n) * (target.x1 - target.x0);
      if (rects.some((r) => x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1)) inside++;
    }
  }
  return inside / (n * n);
}

/** The resting stretches of a step scroll: consecutive equal poses. */
function rests(shot: Shot): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const p = shot.poses;
  for (let k = 1; k < p.length; k++) {
    if (p[k].x === p[k - 1].x && p[k].y === p[k - 1].y && p[k].w === p[k - 1].w) {
      out.push({ start: p[k - 1].t, end: p[k].t });
    }
  }
  return out;
}

/** The ground truth of a video; `sizes` gives each shot's picture size. */
export function truthOf(spec: VideoSpec, sizes: { width: number; height: number }[]): VideoTruth {
  const aspect = viewAspect(spec);
  const shots = spec.shots.map((shot, k): ShotTruth => {
    const base = { scene: shot.scene, start: shot.start, end: shot.end };
    if (shot.steps) return { ...base, rule: "every scene", rests: rests(shot) };
    if (!moving(shot)) return { ...base, rule: "every scene" };
    const bounds = { x0: 0, y0: 0, x1: sizes[k].width, y1: sizes[k].height };
    const area = unionArea(views(shot, aspect), bounds);
    const screenfuls = Math.round((area.union / area.largest) * 100) / 100;
    const rule = screenfuls >= 2 ? "scroll or pan" : "small motion";
    return { ...base, rule, screenfuls, new_screenfuls: Math.round((screenfuls - 1) * 100) / 100 };
  });
  const still = new Set(
    shots.filter((s) => s.rule === "every scene" && !s.rests).map((s) => s.scene),
  );
  const steps = shots.reduce((n, s) => n + (s.rests?.length ?? 0), 0);
  const movingFrames = shots.reduce(
    (n, s) =>
      n +
      (s.rule === "scroll or pan"
        ? Math.floor(1.5 * s.screenfuls!)
        : s.rule === "small motion"
        ? 2
        : 0),
    0,
  );
  const distinct = new Set(spec.shots.map((s) => s.scene)).size;
  return {
    distinct_scenes: distinct - (shots.some((s) => s.rests) ? 1 : 0) + steps,
    scenes_to_keep: still.size + steps,
    shots,
    max_frames: movingFrames + (still.size || steps ? still.size + steps + 1 : 0),
  };
}

/** A kept frame as the selection reports it. */
export interface KeptAt {
  /** The frame's label (seconds); ffmpeg's `fps` filter shows the content half a period later. */
  t: number;
}

/** The verdict on one rule of one video. */
export interface RuleScore {
  rule: Rule | "no extra frames";
  pass: boolean;
  detail: string;
}

/** How a selection fares on a video. */
export interface VideoScore {
  frames: number;
  rules: RuleScore[];
  pass: boolean;
  /** Share of the content shown by the moving shots that is in a kept frame. */
  coverage?: number;
  /** Frames kept while each shot was on screen (by the shot mostly seen). */
  shotFrames: number[];
}

/** Scores the frames kept from a video (sampled at `fps`) against its truth. */
export function scoreVideo(
  spec: VideoSpec,
  truth: VideoTruth,
  kept: readonly KeptAt[],
  fps: number,
): VideoScore {
  const aspect = viewAspect(spec);
  const shown = kept.map((f) => {
    const c = Math.min(spec.seconds - 1e-6, f.t + 0.5 / fps);
    // In a cross-fade the incoming shot is drawn over the outgoing one: their shares are w and 1 − w.
    const visible = visibleAt(spec, c);
    const shares = visible.length === 2
      ? [{ ...visible[0], weight: 1 - visible[1].weight }, visible[1]]
      : visible;
    const main = shares.reduce((a, b) => (b.weight > a.weight ? b : a));
    const whole = main.weight >= 0.85;
    const shot = main.shot;
    return { c, shot, whole, rect: rectOf(poseAt(spec.shots[shot], c), aspect) };
  });
  const rules: RuleScore[] = [];
  const covered: number[] = [];
  const stillScenes = new Map<string, boolean>();
  let stillFrames = 0;
  truth.shots.forEach((s, k) => {
    const mine = shown.filter((f) => f.shot === k);
    if (s.rule === "every scene" && !s.rests) {
      stillFrames += mine.length;
      stillScenes.set(s.scene, (stillScenes.get(s.scene) ?? false) || mine.some((f) => f.whole));
      return;
    }
    if (s.rests) {
      const shot = spec.shots[k];
      const missing = s.rests.filter((r) => {
        const view = rectOf(poseAt(shot, r.start), aspect);
        return !mine.some((f) => coveredShare(view, [f.rect]) >= 0.9);
      });
      rules.push({
        rule: "every scene",
        pass: missing.length === 0,
        detail: `${s.rests.length - missing.length}/${s.rests.length} steps kept`,
      });
      stillFrames += mine.length - s.rests.length;
      return;
    }
    const shot = spec.shots[k];
    const all = views(shot, aspect);
    const end = rectOf(poseAt(shot, shot.end), aspect);
    const endShare = coveredShare(end, mine.map((f) => f.rect));
    const union = unionCoverage(all, mine.map((f) => f.rect));
    covered.push(union);
    if (s.rule === "scroll or pan") {
      const limit = 1.5 * s.screenfuls!;
      rules.push({
        rule: "scroll or pan",
        pass: mine.length >= 1 && mine.length <= limit && endShare >= 0.9,
        detail: `${mine.length} frames for ${s.screenfuls} screenfuls (${
          (mine.length / s.screenfuls!).toFixed(2)
        } each, ≤ 1.5), end ${Math.round(endShare * 100)}% kept`,
      });
    } else {
      rules.push({
        rule: "small motion",
        pass: mine.length >= 1 && mine.length <= 2,
        detail: `${mine.length} frames for ${s.screenfuls} screenfuls (≤ 2)`,
      });
    }
  });
  if (stillScenes.size > 0) {
    const missing = [...stillScenes].filter(([, kept]) => !kept).map(([scene]) => scene);
    rules.push({
      rule: "every scene",
      pass: missing.length === 0,
      detail: `${stillScenes.size - missing.length}/${stillScenes.size} slides kept${
        missing.length ? ` (missing ${missing.join(", ")})` : ""
      }`,
    });
  }
  if (stillScenes.size > 0 || truth.shots.some((s) => s.rests)) {
    const allowed = stillScenes.size + 1;
    rules.push({
      rule: "no extra frames",
      pass: stillFrames <= allowed,
      detail: `${stillFrames} frames for ${stillScenes.size || "the"} ${
        stillScenes.size ? "slides" : "steps"
      } (≤ one extra)`,
    });
  }
  return {
    frames: kept.length,
    shotFrames: truth.shots.map((_, k) => shown.filter((f) => f.shot === k).length),
    rules,
    pass: rules.every((r) => r.pass),
    coverage: covered.length ? covered.reduce((a, b) => a + b, 0) / covered.length : undefined,
  };
}

/** The share of the union of `all` that lies inside `kept` (on the union's grid). */
function unionCoverage(all: Rect[], kept: Rect[]): number {
  const widest = Math.max(...all.map((r) => r.x1 - r.x0));
  const cell = widest / 64;
  const x0 = Math.min(...all.map((r) => r.x0)), y0 = Math.min(...all.map((r) => r.y0));
  const x1 = Math.max(...all.map((r) => r.x1)), y1 = Math.max(...all.map((r) => r.y1));
  let inUnion = 0, inKept = 0;
  for (let y = y0 + cell / 2; y < y1; y += cell) {
    for (let x = x0 + cell / 2; x < x1; x += cell) {
      const inside = (r: Rect) => x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1;
      if (!all.some(inside)) continue;
      inUnion++;
      if (kept.some(inside)) inKept++;
    }
  }
  return inUnion ? inKept / inUnion : 1;
}
