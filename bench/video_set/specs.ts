/**
 * The generated video set, as data: each video is a few shots, each shot a camera path over one
 * picture (a corpus image, corpus document pages stacked into one tall document, or a local HTML
 * manual rendered by Chromium; the fresh half's pictures are Debian packages' files prepared by
 * `fresh_sources.ts`). The split into halves is fixed here, by video and by source: no picture is
 * used by two halves, and none is used by the four corpus videos (those were made from other
 * files of the same packages).
 *
 * Speeds, sizes and durations are not chosen by hand: each half draws them from the same ranges
 * with its own seeded generator (`RANGES`), so the frozen half is as hard as chance makes it.
 *
 * @module
 */

import { corpusDir } from "../../tests/support/squint.ts";
import { FRESH_DIR, FRESH_PICTURES } from "./fresh_sources.ts";

/**
 * Which part of the set a video belongs to: the tuning half, the frozen half (specified with
 * the tuning half, before any tuning; built and scored once the rules were frozen), a holdout
 * specified and built after a fix prompted by the frozen half's failures, and the fresh half:
 * pictures nobody had looked at, specified and built after the rules were frozen a second time.
 */
export type Half = "tuning" | "frozen" | "holdout" | "fresh";

/** A view of the source: its top-left corner and width in source pixels (height from the aspect). */
export interface Pose {
  t: number;
  x: number;
  y: number;
  w: number;
}

/** What a shot looks at. */
export type Source =
  | { kind: "image"; file: string }
  | { kind: "pages"; files: string[] }
  | { kind: "web"; file: string; height: number };

/** How a shot comes in. */
export type Transition =
  | { kind: "cut" }
  | { kind: "crossfade"; seconds: number }
  | { kind: "black"; seconds: number };

/** One shot: a picture and the camera's path over it, from `start` to `end` (video seconds). */
export interface Shot {
  /** Shots with the same scene show the same picture (a slide that comes back). */
  scene: string;
  source: Source;
  start: number;
  end: number;
  /** Camera poses at times within [start, end]; linear between them, held outside. */
  poses: Pose[];
  /** The camera rests between moves and each rest is a step the viewer must see. */
  steps?: boolean;
  transition: Transition;
  /** Source pixels at the left kept in place while the page scrolls (a fixed sidebar). */
  fixedLeft?: number;
}

/** Grain and shake of a camera-like shot. */
export interface Noise {
  /** Standard deviation of the per-pixel noise (0-255). */
  sigma: number;
  /** Amplitude of the frame's wander, in output pixels. */
  jitter: number;
  /** Amplitude of the brightness flicker (share). */
  flicker: number;
}

/** One generated video. */
export interface VideoSpec {
  id: string;
  half: Half;
  kind: string;
  content: string;
  description: string;
  width: number;
  height: number;
  fps: number;
  seconds: number;
  shots: Shot[];
  /** A browser's tab strip and address bar drawn above the page (a screen recording). */
  browser?: { url: string };
  noise?: Noise;
}

/** The ranges each half draws from. Speeds are in screens (viewport heights or widths) per second. */
export const RANGES = {
  slowScroll: [0.12, 0.3],
  mediumScroll: [0.3, 0.6],
  fastScroll: [0.8, 1.6],
  slowScrollSeconds: [9, 13],
  mediumScrollSeconds: [6, 10],
  fastScrollSeconds: [3, 6],
  hold: [1, 2],
  panSpeed: [0.06, 0.2],
  panZoom: [1.6, 2.4],
  panSeconds: [8, 14],
  zoom: [1.6, 2.6],
  zoomSeconds: [8, 14],
  steps: [4, 6],
  stepSize: [0.5, 0.9],
  stepRest: [1.5, 3],
  stepMove: [0.4, 0.8],
  slide: [1.5, 2.5],
  fadedSlide: [3, 4.5],
  crossfade: [0.5, 1.5],
  black: [0.5, 1],
  talkingSeconds: [10, 15],
  jitter: [2, 4],
  sigma: [3, 6],
} as const;

/** Seeds of the halves' draws. */
export const SEEDS: Record<Half, number> = {
  tuning: 1717,
  frozen: 9029,
  holdout: 4421,
  fresh: 6113,
};

/** The web pages rendered by Chromium: 1280 px wide, cut to this height. */
export const WEB_WIDTH = 1280;
export const WEB_HEIGHT = 6000;

/** mulberry32: a small seeded generator, so a half's draws are the same on every run. */
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

/** Pixel size of a source. */
export interface Size {
  width: number;
  height: number;
}

/** The folder the fresh half's pictures are named in (`fresh/<name>`), standing for `FRESH_DIR`. */
const FRESH = "fresh";

/** Where a picture's file is: `images/…` in the corpus, `fresh/…` in `FRESH_DIR`. */
export function picturePath(file: string): string {
  return file.startsWith(`${FRESH}/`)
    ? `${FRESH_DIR}/${file.slice(FRESH.length + 1)}`
    : `${corpusDir()}/${file}`;
}

/** Sizes of the corpus images, from the corpus manifest. */
export function corpusSizes(): Map<string, Size> {
  const manifest = JSON.parse(Deno.readTextFileSync(`${corpusDir()}/manifest.json`)) as {
    file: string;
    width: number;
    height: number;
  }[];
  return new Map(manifest.map((e) => [e.file, { width: e.width, height: e.height }]));
}

/**
 * Sizes of every picture of the set: the corpus images', and the fresh pictures' as
 * `fresh_sources.ts` records them (and checks on the files it makes), so the specs and the
 * manifest are the same on a machine where the fresh pictures were never prepared.
 */
export function pictureSizes(): Map<string, Size> {
  const fresh = FRESH_PICTURES.map((p): [string, Size] => [
    `${FRESH}/${p.name}`,
    { width: p.width, height: p.height },
  ]);
  return new Map([...corpusSizes(), ...fresh]);
}

/** Width of a stacked document: every page is scaled to the first page's width. */
export function sourceSize(source: Source, sizes: Map<string, Size>): Size {
  const size = (file: string) => {
    const s = sizes.get(file);
    if (!s) throw new Error(`no picture ${file} in the corpus or the fresh pictures`);
    return s;
  };
  if (source.kind === "image") return size(source.file);
  if (source.kind === "web") return { width: WEB_WIDTH, height: source.height };
  const width = size(source.files[0]).width;
  const height = source.files.reduce((sum, f) => {
    const s = size(f);
    return sum + Math.round((s.height * width) / s.width);
  }, 0);
  return { width, height };
}

/** Builds the specs of one half, drawing its numbers from that half's generator. */
class Builder {
  readonly specs: VideoSpec[] = [];
  readonly #random: () => number;

  constructor(readonly half: Half, readonly sizes: Map<string, Size>) {
    this.#random = generator(SEEDS[half]);
  }

  /** A number drawn from a range, rounded to two decimals. */
  draw(range: readonly [number, number]): number {
    return Math.round((range[0] + this.#random() * (range[1] - range[0])) * 100) / 100;
  }

  /** An integer drawn from a range (both ends included). */
  whole(range: readonly [number, number]): number {
    return Math.min(range[1], Math.floor(range[0] + this.#random() * (range[1] - range[0] + 1)));
  }

  size(source: Source): Size {
    return sourceSize(source, this.sizes);
  }

  /** One of this half's pictures, by name. */
  picture(name: string): Source {
    return imageIn(FOLDERS[this.half])(name);
  }

  add(spec: Omit<VideoSpec, "half" | "fps"> & { fps?: number }) {
    const seconds = Math.round(spec.seconds * 100) / 100;
    if (seconds > 20) throw new Error(`${spec.id}: ${seconds} s is longer than 20 s`);
    this.specs.push({ fps: 15, ...spec, seconds, half: this.half });
  }
}

/** Where each half's pictures are: the corpus images, or the fresh pictures (`fresh_sources.ts`). */
const FOLDERS: Record<Half, string> = {
  tuning: "images",
  frozen: "images",
  holdout: "images",
  fresh: FRESH,
};

/** A picture of `folder` (`images` in the corpus, or the fresh pictures), by name. */
const imageIn = (folder: string) => (file: string): Source => ({
  kind: "image",
  file: `${folder}/${file}`,
});
/** Pages of `folder` stacked into one document. */
const pagesIn = (folder: string) => (...files: string[]): Source => ({
  kind: "pages",
  files: files.map((f) => `${folder}/${f}`),
});
const images = imageIn("images"), pages = pagesIn("images");
const fresh = imageIn(FRESH), freshPages = pagesIn(FRESH);
const web = (file: string): Source => ({ kind: "web", file, height: WEB_HEIGHT });
const cut: Transition = { kind: "cut" };

/** The largest view of `aspect` (width / height) inside `size`. */
function cover(size: Size, aspect: number): { w: number; h: number } {
  return size.width / size.height > aspect
    ? { w: size.height * aspect, h: size.height }
    : { w: size.width, h: size.width / aspect };
}

/** The view at `zoom` (1 = cover) placed at (px, py): shares of the free range, 0 = left/top. */
function place(size: Size, aspect: number, zoom: number, px: number, py: number, t: number): Pose {
  const c = cover(size, aspect);
  const w = c.w / zoom, h = c.h / zoom;
  return { t, x: px * (size.width - w), y: py * (size.height - h), w };
}

/** The whole picture inside the frame (letterboxed or pillarboxed). */
function contain(size: Size, aspect: number, t: number): Pose {
  const w = Math.max(size.width, size.height * aspect), h = w / aspect;
  return { t, x: (size.width - w) / 2, y: (size.height - h) / 2, w };
}

/** A continuous scroll down a document at full width: hold, scroll, hold. */
function scrollPoses(
  size: Size,
  aspect: number,
  speed: number,
  seconds: number,
  holds: [number, number],
  start = 0,
): Pose[] {
  const h = size.width / aspect;
  const travel = Math.min(speed * seconds * h, size.height - h);
  const moving = travel / (speed * h);
  return [
    { t: start, x: 0, y: 0, w: size.width },
    { t: start + holds[0], x: 0, y: 0, w: size.width },
    { t: start + holds[0] + moving, x: 0, y: travel, w: size.width },
    { t: start + holds[0] + moving + holds[1], x: 0, y: travel, w: size.width },
  ];
}

/** A scroll in steps: each step moves `step` screens, then rests. */
function stepPoses(
  size: Size,
  aspect: number,
  steps: number,
  step: () => number,
  rest: () => number,
  move: () => number,
): Pose[] {
  const h = size.width / aspect;
  let t = 0, y = 0;
  const poses: Pose[] = [{ t, x: 0, y, w: size.width }];
  t += rest();
  poses.push({ t, x: 0, y, w: size.width });
  for (let k = 0; k < steps && y < size.height - h; k++) {
    y = Math.min(size.height - h, y + step() * h);
    t += move();
    poses.push({ t, x: 0, y, w: size.width });
    t += rest();
    poses.push({ t, x: 0, y, w: size.width });
  }
  return poses.map((p) => ({ ...p, t: Math.round(p.t * 100) / 100 }));
}

/** Slides shown in turn (each whole, letterboxed), with their transitions; returns the shots. */
function slideShots(
  b: Builder,
  aspect: number,
  order: string[],
  files: Record<string, string>,
  transition: (k: number) => Transition,
  length: readonly [number, number] = RANGES.slide,
): Shot[] {
  let t = 0;
  return order.map((scene, k) => {
    const source = b.picture(files[scene]);
    const seconds = b.draw(length);
    const pose = contain(b.size(source), aspect, t);
    const shot: Shot = {
      scene,
      source,
      start: t,
      end: t + seconds,
      poses: [pose],
      transition: transition(k),
    };
    t = Math.round((t + seconds) * 100) / 100;
    return shot;
  });
}

const LANDSCAPE = { width: 1280, height: 720 };
const PORTRAIT = { width: 720, height: 1280 };
/** The browser bar's height at 720p; the page is seen below it. */
export const BROWSER_BAR = 72;

/**
 * Per half, which pictures each video uses (the slides and the mixed video's stills by name, in
 * the half's folder, `FOLDERS`): the halves share none.
 */
const PICTURES = {
  tuning: {
    docScroll: pages(
      "doc_debian_policy_prose_p20_300dpi.jpg",
      "doc_latex_fntguide_lists_p5_150dpi.png",
    ),
    phoneScroll: pages(
      "invoice_simpleinvoice_english_p7_200dpi.jpg",
      "doc_longtable_table_p3_150dpi.jpg",
      "doc_r_data_table_p17_150dpi.jpg",
    ),
    webScroll: web("/usr/share/doc/nodejs/api/dns.html"),
    webSteps: web("/usr/share/doc/valgrind/html/manual-core.html"),
    panAcross: images("photo_lake_mountains_4000x2047.jpg"),
    panAlong: images("photo_wine_room_portrait_2560x3837.jpg"),
    zoom: images("photo_boats_sunset_2560x1600.jpg"),
    zoomPan: images("photo_dandelions_5312x2988.jpg"),
    slides: {
      A: "chart_gnuplot_finance_lines.png",
      B: "ui_plasma_desktop_1920x1080.jpg",
      C: "doc_slide_sparse_text_p2_150dpi.png",
      D: "photo_storm_road_1920x1280.jpg",
      E: "chart_gnuplot_boxplot_energy.png",
    },
    fades: {
      A: "photo_forest_path_2560x1600.jpg",
      B: "web_octave_plots_1280x720.png",
      C: "code_python_highlighted_1280x800.png",
      D: "photo_ladybird_2560x1600.jpg",
    },
    talking: images("photo_astronaut_512x512.png"),
    mixed: {
      first: "art_with_text_mate_logo_1920x1440.png",
      pan: "art_elephants_painting_1920x1080.jpg",
      last: "term_dpkg_listing_dark.png",
    },
  },
  frozen: {
    docScroll: pages(
      "doc_acm_sigconf_title_twocol_p1_300dpi.png",
      "doc_acm_sigconf_table_twocol_p3_200dpi.jpg",
    ),
    phoneScroll: pages(
      "invoice_commercial_duck_table_p1_200dpi.png",
      "invoice_simpleinvoice_norwegian_p9_150dpi.png",
      "doc_business_letter_topletter_p1_200dpi.jpg",
    ),
    webScroll: web("/usr/share/doc/nodejs/api/url.html"),
    webSteps: web("/usr/share/doc/socat/socat.html"),
    panAcross: images("photo_beach_aerial_5120x2880.jpg"),
    panAlong: images("receipt_photo_grindelwald_2448x3264.jpg"),
    zoom: images("photo_mountain_trail_3264x2448.jpg"),
    zoomPan: images("art_kokkini_3840x2160.png"),
    slides: {
      A: "chart_octave_errorbar_750x525.png",
      B: "diagram_debian_policy_upgrade_flowchart_998x805.png",
      C: "web_skimage_gallery_1920x1080.png",
      D: "photo_fallen_leaf_2560x1600.jpg",
      E: "term_pdfinfo_green_80x24.png",
    },
    fades: {
      A: "photo_bridge_beach_4352x2448.jpg",
      B: "web_gnuplot_manual_1280x720.png",
      C: "doc_gnuplot_manual_code_p30_200dpi.jpg",
      D: "ui_gwenview_thumbnails_1027x844.png",
    },
    talking: images("photo_coffee_cup_600x400.png"),
    mixed: {
      first: "doc_octave_refcard_dense_p1_200dpi.png",
      pan: "photo_grass_1280x1024.jpg",
      last: "photo_text_no_parking_barrier_1280x960.jpg",
    },
  },
  holdout: {
    docScroll: pages("doc_r_intro_prose_p15_200dpi.png", "doc_latex_news_twocol_p1_200dpi.png"),
    phoneScroll: pages(
      "doc_debian_reference_table_p51_150dpi.png",
      "doc_music_score_bach_p1_150dpi.png",
      "doc_crop_book_paragraph_556x257.png",
    ),
    webScroll: web("/usr/share/doc/nodejs/api/stream.html"),
    webSteps: web("/usr/share/doc/nettle-dev/nettle.html"),
    panAcross: images("art_truchet_4096x4096.webp"),
    panAlong: images("photo_text_copy_centre_1004x958.jpg"),
    zoom: images("photo_text_parking_sign_800x600.jpg"),
    zoomPan: images("photo_circuit_board_640x480.jpg"),
    slides: {
      A: "chart_gnuplot_clustered_bars_immigration.png",
      B: "diagram_debian_policy_remove_purge_582x425.png",
      C: "web_debian_reference_gui_1920x1080.png",
      D: "ui_kpat_cards_658x406.png",
      E: "code_terminal_cat_cpp_light.png",
    },
    fades: {
      A: "web_debian_reference_data_1600x900.png",
      B: "chart_octave_histogram_750x525.png",
      C: "web_opencv_thresholding_1440x900.png",
      D: "web_skimage_api_filters_1366x768.jpg",
    },
    talking: images("photo_fruits_512x480.jpg"),
    mixed: {
      first: "web_octave_vectorization_2066x766.png",
      pan: "art_truchet_4096x4096.webp",
      last: "photo_text_parking_sign_800x600.jpg",
    },
  },
  fresh: {
    docScroll: freshPages(
      "doc_nettle_compat_prose_p12_300dpi.png",
      "doc_crc_tricks_math_p4_150dpi.png",
    ),
    phoneScroll: freshPages(
      "doc_fontconfig_properties_p2_200dpi.png",
      "doc_libtasn1_intro_list_p4_150dpi.png",
      "doc_mime_spec_title_p1_150dpi.png",
    ),
    webScroll: web("/usr/share/doc/nodejs/api/events.html"),
    webSteps: web("/usr/share/doc/ninja-build/manual.html"),
    panAcross: fresh("photo_sunset_hills_4272x2848.jpg"),
    panAlong: fresh("photo_dogs_window_portrait_2056x3088.jpg"),
    zoom: fresh("photo_fig_bowl_2572x1740.jpg"),
    zoomPan: fresh("photo_nuthatch_tree_6028x3391.jpg"),
    slides: {
      A: "chart_octave_splinefit_750x525.png",
      B: "ui_kcachegrind_xtree_961x636.png",
      C: "doc_bzip2_title_p1_150dpi.png",
      D: "photo_dragonfly_4224x3168.jpg",
      E: "chart_octave_polar_750x525.png",
    },
    fades: {
      A: "photo_forest_stream_3088x2056.jpg",
      B: "web_octave_3d_plots_1280x720.png",
      C: "doc_nettle_example_code_p9_200dpi.png",
      D: "ui_sddm_login_lines_900x506.jpg",
    },
    talking: fresh("photo_paint_brushes_1365x1074.jpg"),
    mixed: {
      first: "diagram_valgrind_dhat_tree_1175x1370.png",
      pan: "art_autumn_painting_2560x1600.jpg",
      last: "photo_bird_lamps_2880x2160.jpg",
    },
  },
};

/** Where each half's pans go: the halves between them cover every direction. */
const DIRECTIONS = {
  tuning: { across: "right", along: "up", zoom: "in", zoomPan: "out" },
  frozen: { across: "left", along: "down", zoom: "out", zoomPan: "in" },
  holdout: { across: "left", along: "up", zoom: "in", zoomPan: "out" },
  fresh: { across: "right", along: "down", zoom: "out", zoomPan: "in" },
} as const;

/** The letter each half's video ids start with. */
const PREFIXES: Record<Half, string> = { tuning: "t", frozen: "f", holdout: "h", fresh: "r" };

/** The twelve videos of one half. */
function halfSpecs(half: Half, sizes: Map<string, Size>): VideoSpec[] {
  const b = new Builder(half, sizes);
  const p = PICTURES[half];
  const dir = DIRECTIONS[half];
  const prefix = PREFIXES[half];
  const wide = LANDSCAPE.width / LANDSCAPE.height;

  // 1. A document scrolled slowly and continuously.
  {
    const size = b.size(p.docScroll);
    const holds: [number, number] = [b.draw(RANGES.hold), b.draw(RANGES.hold)];
    const poses = scrollPoses(
      size,
      wide,
      b.draw(RANGES.slowScroll),
      b.draw(RANGES.slowScrollSeconds),
      holds,
    );
    b.add({
      id: `${prefix}01_doc_scroll_slow`,
      kind: "continuous scroll",
      content: "document",
      description: "two PDF pages stacked, scrolled top to bottom slowly, held at both ends",
      ...LANDSCAPE,
      seconds: poses.at(-1)!.t,
      shots: [{
        scene: "document",
        source: p.docScroll,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        transition: cut,
      }],
    });
  }
  // 2. Document pages on a phone (portrait), scrolled at a medium speed.
  {
    const size = b.size(p.phoneScroll);
    const holds: [number, number] = [b.draw(RANGES.hold), b.draw(RANGES.hold)];
    const poses = scrollPoses(
      size,
      PORTRAIT.width / PORTRAIT.height,
      b.draw(RANGES.mediumScroll),
      b.draw(RANGES.mediumScrollSeconds),
      holds,
    );
    b.add({
      id: `${prefix}02_phone_doc_scroll_medium`,
      kind: "continuous scroll",
      content: "document",
      description: "three pages on a portrait phone screen, scrolled at a medium speed",
      ...PORTRAIT,
      seconds: poses.at(-1)!.t,
      shots: [{
        scene: "document",
        source: p.phoneScroll,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        transition: cut,
      }],
    });
  }
  // 3. A web page in a browser with a fixed sidebar, scrolled fast.
  {
    const size = b.size(p.webScroll);
    const aspect = LANDSCAPE.width / (LANDSCAPE.height - BROWSER_BAR);
    const holds: [number, number] = [b.draw(RANGES.hold), b.draw(RANGES.hold)];
    const poses = scrollPoses(
      size,
      aspect,
      b.draw(RANGES.fastScroll),
      b.draw(RANGES.fastScrollSeconds),
      holds,
    );
    b.add({
      id: `${prefix}03_web_scroll_fast`,
      kind: "continuous scroll",
      content: "web page",
      description:
        "a Node.js manual page in a browser (tab strip, address bar, fixed sidebar), scrolled fast",
      ...LANDSCAPE,
      seconds: poses.at(-1)!.t,
      browser: { url: `file://${(p.webScroll as { file: string }).file}` },
      shots: [{
        scene: "page",
        source: p.webScroll,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        transition: cut,
        fixedLeft: 235,
      }],
    });
  }
  // 4. A web page scrolled in steps (a reader paging down).
  {
    const size = b.size(p.webSteps);
    const aspect = LANDSCAPE.width / (LANDSCAPE.height - BROWSER_BAR);
    const poses = stepPoses(
      size,
      aspect,
      b.whole(RANGES.steps),
      () => b.draw(RANGES.stepSize),
      () => b.draw(RANGES.stepRest),
      () => b.draw(RANGES.stepMove),
    );
    b.add({
      id: `${prefix}04_web_step_scroll`,
      kind: "step scroll",
      content: "web page",
      description: "a manual page in a browser paged down in steps, resting between them",
      ...LANDSCAPE,
      seconds: poses.at(-1)!.t,
      browser: { url: `file://${(p.webSteps as { file: string }).file}` },
      shots: [{
        scene: "page",
        source: p.webSteps,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        steps: true,
        transition: cut,
      }],
    });
  }
  // 5. A pan across a wide photo (right or left), zoomed in.
  {
    const size = b.size(p.panAcross);
    const zoom = b.draw(RANGES.panZoom), speed = b.draw(RANGES.panSpeed);
    const seconds = b.draw(RANGES.panSeconds), hold = b.draw(RANGES.hold);
    const c = cover(size, wide);
    const range = size.width - c.w / zoom;
    const travel = Math.min(1, (speed * seconds * c.w) / zoom / range);
    const [from, to] = dir.across === "right" ? [0, travel] : [1, 1 - travel];
    const moving = (travel * range) / ((speed * c.w) / zoom);
    const poses = [
      place(size, wide, zoom, from, 0.5, 0),
      place(size, wide, zoom, from, 0.5, hold),
      place(size, wide, zoom, to, 0.5, hold + moving),
      place(size, wide, zoom, to, 0.5, 2 * hold + moving),
    ];
    b.add({
      id: `${prefix}05_photo_pan_${dir.across}`,
      kind: "pan",
      content: "photo",
      description: `a pan ${dir.across} across a wide photo, zoomed in ${zoom}×`,
      ...LANDSCAPE,
      seconds: poses.at(-1)!.t,
      noise: { sigma: 2, jitter: 0, flicker: 0 },
      shots: [{
        scene: "photo",
        source: p.panAcross,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        transition: cut,
      }],
    });
  }
  // 6. A pan along a tall picture (up or down) at full width.
  {
    const size = b.size(p.panAlong);
    const speed = b.draw(RANGES.panSpeed), seconds = b.draw(RANGES.panSeconds);
    const hold = b.draw(RANGES.hold);
    const c = cover(size, wide);
    const range = size.height - c.h;
    const travel = Math.min(1, (speed * seconds * c.h) / range);
    const [from, to] = dir.along === "down" ? [0, travel] : [1, 1 - travel];
    const moving = (travel * range) / (speed * c.h);
    const poses = [
      place(size, wide, 1, 0.5, from, 0),
      place(size, wide, 1, 0.5, from, hold),
      place(size, wide, 1, 0.5, to, hold + moving),
      place(size, wide, 1, 0.5, to, 2 * hold + moving),
    ];
    b.add({
      id: `${prefix}06_photo_pan_${dir.along}`,
      kind: "pan",
      content: "photo",
      description: `a pan ${dir.along} a tall photo at full width`,
      ...LANDSCAPE,
      seconds: poses.at(-1)!.t,
      shots: [{
        scene: "photo",
        source: p.panAlong,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        transition: cut,
      }],
    });
  }
  // 7. A zoom (in or out) on the centre of a photo.
  {
    const size = b.size(p.zoom);
    const zoom = b.draw(RANGES.zoom), seconds = b.draw(RANGES.zoomSeconds);
    const hold = b.draw(RANGES.hold);
    const [from, to] = dir.zoom === "in" ? [1, zoom] : [zoom, 1];
    const poses = [
      place(size, wide, from, 0.5, 0.5, 0),
      place(size, wide, from, 0.5, 0.5, hold),
      place(size, wide, to, 0.5, 0.5, hold + seconds),
      place(size, wide, to, 0.5, 0.5, 2 * hold + seconds),
    ];
    b.add({
      id: `${prefix}07_photo_zoom_${dir.zoom}`,
      kind: "zoom",
      content: "photo",
      description: `a zoom ${dir.zoom} (${zoom}×) on the centre of a photo`,
      ...LANDSCAPE,
      seconds: poses.at(-1)!.t,
      shots: [{
        scene: "photo",
        source: p.zoom,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        transition: cut,
      }],
    });
  }
  // 8. A zoom (out or in) with a diagonal pan: one continuous shot.
  {
    const size = b.size(p.zoomPan);
    const zoom = b.draw(RANGES.zoom), seconds = b.draw(RANGES.zoomSeconds);
    const corner = [b.draw([0, 0.25]), b.draw([0, 0.25])];
    const close = place(size, wide, zoom, corner[0], corner[1], 0);
    const whole = place(size, wide, 1, 0.5, 0.5, 0);
    const [from, to] = dir.zoomPan === "out" ? [close, whole] : [whole, close];
    const poses = [
      { ...from, t: 0 },
      { ...from, t: 1 },
      { ...to, t: 1 + seconds },
      { ...to, t: 2 + seconds },
    ];
    b.add({
      id: `${prefix}08_photo_zoom_${dir.zoomPan}_diagonal`,
      kind: "zoom",
      content: "photo",
      description: `a zoom ${dir.zoomPan} (${zoom}×) with a diagonal pan, one continuous shot`,
      ...LANDSCAPE,
      seconds: poses.at(-1)!.t,
      shots: [{
        scene: "photo",
        source: p.zoomPan,
        start: 0,
        end: poses.at(-1)!.t,
        poses,
        transition: cut,
      }],
    });
  }
  // 9. A slideshow with hard cuts whose slides come back.
  {
    const shots = slideShots(
      b,
      wide,
      ["A", "B", "A", "C", "D", "C", "E", "B"],
      p.slides,
      () => cut,
    );
    b.add({
      id: `${prefix}09_slides_hard_cuts`,
      kind: "slideshow",
      content: "mixed",
      description: "charts, a screen, a text slide and a photo with hard cuts; three slides return",
      ...LANDSCAPE,
      seconds: shots.at(-1)!.end,
      shots,
    });
  }
  // 10. A slideshow with cross-fades and a fade through black, opening from black.
  {
    const shots = slideShots(
      b,
      wide,
      ["A", "B", "C", "D"],
      p.fades,
      (k) =>
        k === 2
          ? { kind: "black", seconds: b.draw(RANGES.black) }
          : k === 0
          ? { kind: "black", seconds: b.draw(RANGES.black) }
          : { kind: "crossfade", seconds: b.draw(RANGES.crossfade) },
      RANGES.fadedSlide,
    );
    b.add({
      id: `${prefix}10_slides_fades`,
      kind: "slideshow",
      content: "mixed",
      description:
        "four slides: fade in from black, cross-fades, one fade through black (photos, a web page, code)",
      ...LANDSCAPE,
      seconds: shots.at(-1)!.end,
      shots,
    });
  }
  // 11. A still "talking head": one photo with grain, shake and flicker.
  {
    const source = p.talking;
    const seconds = b.draw(RANGES.talkingSeconds);
    const pose = contain(b.size(source), wide, 0);
    b.add({
      id: `${prefix}11_talking_head`,
      kind: "static",
      content: "photo",
      description: "a still photo with camera grain, a slight shake and flicker",
      ...LANDSCAPE,
      seconds,
      noise: { sigma: b.draw(RANGES.sigma), jitter: b.draw(RANGES.jitter), flicker: 0.02 },
      shots: [{ scene: "shot", source, start: 0, end: seconds, poses: [pose], transition: cut }],
    });
  }
  // 12. Mixed: a still, a cut to a short pan, a cross-fade to another still.
  {
    const first = b.picture(p.mixed.first), pan = b.picture(p.mixed.pan);
    const last = b.picture(p.mixed.last);
    const a = b.draw(RANGES.slide) + 1, panSeconds = b.draw(RANGES.panSeconds) / 2;
    const zoom = b.draw(RANGES.panZoom), fade = b.draw(RANGES.crossfade);
    const c = b.draw(RANGES.slide) + 1;
    const panSize = b.size(pan);
    const shots: Shot[] = [
      {
        scene: "first",
        source: first,
        start: 0,
        end: a,
        poses: [contain(b.size(first), wide, 0)],
        transition: cut,
      },
      {
        scene: "pan",
        source: pan,
        start: a,
        end: a + panSeconds,
        poses: [
          place(panSize, wide, zoom, 0.2, 0.7, a),
          place(panSize, wide, zoom, 0.6, 0.3, a + panSeconds),
        ],
        transition: cut,
      },
      {
        scene: "last",
        source: last,
        start: a + panSeconds,
        end: a + panSeconds + c,
        poses: [contain(b.size(last), wide, a + panSeconds)],
        transition: { kind: "crossfade", seconds: fade },
      },
    ];
    b.add({
      id: `${prefix}12_mixed_cut_pan_fade`,
      kind: "mixed",
      content: "mixed",
      description:
        "a still, a hard cut to a short diagonal pan over a painting, a cross-fade to a still",
      ...LANDSCAPE,
      seconds: shots.at(-1)!.end,
      shots,
    });
  }
  return b.specs;
}

/**
 * Every video of the set: the tuning half, the frozen half, the holdout and the fresh half. The
 * fresh half is specified whether or not its pictures are prepared (its sizes are recorded), and
 * built only by `make.ts` once `fresh_sources.ts` has made them.
 */
export function videoSet(sizes: Map<string, Size> = pictureSizes()): VideoSpec[] {
  return [
    ...halfSpecs("tuning", sizes),
    ...halfSpecs("frozen", sizes),
    ...halfSpecs("holdout", sizes),
    ...halfSpecs("fresh", sizes),
  ];
}
