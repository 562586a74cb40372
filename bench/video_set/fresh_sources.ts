/**
 * The fresh half's pictures (`specs.ts`, half `fresh`): files of Debian 12 packages that no other
 * half and no corpus video uses, copied, rendered from a PDF page (poppler's `pdftoppm`) or
 * screenshot from an HTML manual (Debian's Chromium) into `.squint/video_sources/` under fixed
 * names (git-ignored; never commit them).
 *
 *     deno run -A bench/video_set/fresh_sources.ts
 *
 * Installs with apt-get (as root) the packages whose files are missing, skips the pictures
 * already made, and checks each picture's size, decoded from the file, against the one below:
 * the specs are drawn with these sizes, so the committed manifest does not need the pictures.
 *
 * Where each picture comes from (package, version seen, file):
 * - `doc_nettle_compat_prose_p12_300dpi.png`: nettle-dev 3.8.1-2,
 *   /usr/share/doc/nettle-dev/nettle.pdf.gz page 12 at 300 dpi
 * - `doc_crc_tricks_math_p4_150dpi.png`: zlib1g-dev 1:1.2.13.dfsg-1,
 *   /usr/share/doc/zlib1g-dev/crc-doc.1.0.pdf.gz page 4 at 150 dpi
 * - `doc_fontconfig_properties_p2_200dpi.png`: fontconfig 2.14.1-4,
 *   /usr/share/doc/fontconfig/fontconfig-user.pdf.gz page 2 at 200 dpi
 * - `doc_libtasn1_intro_list_p4_150dpi.png`: libtasn1-doc 4.19.0-2+deb12u1,
 *   /usr/share/doc/libtasn1-doc/libtasn1.pdf page 4 at 150 dpi
 * - `doc_mime_spec_title_p1_150dpi.png`: shared-mime-info 2.2-1,
 *   /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf page 1 at 150 dpi
 * - `photo_sunset_hills_4272x2848.jpg`: lomiri-wallpapers-16.04 20.04.0-2,
 *   /usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg
 * - `photo_dogs_window_portrait_2056x3088.jpg`: lomiri-wallpapers-16.04 20.04.0-2,
 *   /usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg
 * - `photo_fig_bowl_2572x1740.jpg`: lomiri-wallpapers-16.04 20.04.0-2,
 *   /usr/share/backgrounds/Picture_0B_by_freespace.jpg
 * - `photo_nuthatch_tree_6028x3391.jpg`: lomiri-wallpapers-20.04 20.04.0-2,
 *   /usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg
 * - `chart_octave_splinefit_750x525.png`: octave-doc 7.3.0-2,
 *   /usr/share/doc/octave/octave.html/splinefit2.png
 * - `ui_kcachegrind_xtree_961x636.png`: valgrind 1:3.19.0-1,
 *   /usr/share/doc/valgrind/html/images/kcachegrind_xtree.png
 * - `doc_bzip2_title_p1_150dpi.png`: bzip2-doc 1.0.8-5,
 *   /usr/share/doc/bzip2/manual.pdf.gz page 1 at 150 dpi
 * - `photo_dragonfly_4224x3168.jpg`: lomiri-wallpapers-16.04 20.04.0-2,
 *   /usr/share/backgrounds/Dragonfly_by_Bolly.jpg
 * - `chart_octave_polar_750x525.png`: octave-doc 7.3.0-2,
 *   /usr/share/doc/octave/octave.html/polar.png
 * - `photo_forest_stream_3088x2056.jpg`: lomiri-wallpapers-16.04 20.04.0-2,
 *   /usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg
 * - `web_octave_3d_plots_1280x720.png`: octave-doc 7.3.0-2,
 *   /usr/share/doc/octave/octave.html/Three_002dDimensional-Plots.html, a 1280×720 screenshot
 * - `doc_nettle_example_code_p9_200dpi.png`: nettle-dev 3.8.1-2,
 *   /usr/share/doc/nettle-dev/nettle.pdf.gz page 9 at 200 dpi
 * - `ui_sddm_login_lines_900x506.jpg`: desktop-base 12.0.6+nmu1~deb12u1,
 *   /usr/share/desktop-base/lines-theme/login/sddm-preview.jpg
 * - `photo_paint_brushes_1365x1074.jpg`: lomiri-wallpapers-16.04 20.04.0-2,
 *   /usr/share/backgrounds/Picture_1A_by_freespace.jpg
 * - `diagram_valgrind_dhat_tree_1175x1370.png`: valgrind 1:3.19.0-1,
 *   /usr/share/doc/valgrind/html/images/dh-tree.png
 * - `art_autumn_painting_2560x1600.jpg`: plasma-workspace-wallpapers 4:5.27.5-2,
 *   /usr/share/wallpapers/Autumn/contents/images/2560x1600.jpg
 * - `photo_bird_lamps_2880x2160.jpg`: lomiri-wallpapers-16.04 20.04.0-2,
 *   /usr/share/backgrounds/free_by_Peter_Nerlich.jpg
 *
 * The two web pages the fresh half scrolls are rendered by `render.ts` like the other halves':
 * /usr/share/doc/nodejs/api/events.html (nodejs-doc) and /usr/share/doc/ninja-build/manual.html
 * (ninja-build).
 *
 * @module
 */

import { loadImage } from "@napi-rs/canvas";

/** Where the fresh pictures are made (git-ignored, like everything under `.squint`). */
export const FRESH_DIR = new URL("../../.squint/video_sources", import.meta.url).pathname;

/** How a picture is made from its package's file. */
export type Making =
  | { kind: "copy" }
  | { kind: "page"; page: number; dpi: number }
  | { kind: "screenshot" };

/** One picture of the fresh half. */
export interface FreshPicture {
  /** Its name in `FRESH_DIR` (`fresh/<name>` in the specs and the manifest). */
  name: string;
  package: string;
  /** The package's file it is made from (`.gz` files are unpacked first). */
  path: string;
  making: Making;
  width: number;
  height: number;
}

const copy: Making = { kind: "copy" };
const page = (n: number, dpi: number): Making => ({ kind: "page", page: n, dpi });
const BACKGROUNDS = "/usr/share/backgrounds";
const OCTAVE = "/usr/share/doc/octave/octave.html";
const VALGRIND = "/usr/share/doc/valgrind/html/images";

/** The fresh pictures, in the order the specs use them. */
export const FRESH_PICTURES: FreshPicture[] = [
  {
    name: "doc_nettle_compat_prose_p12_300dpi.png",
    package: "nettle-dev",
    path: "/usr/share/doc/nettle-dev/nettle.pdf.gz",
    making: page(12, 300),
    width: 2550,
    height: 3300,
  },
  {
    name: "doc_crc_tricks_math_p4_150dpi.png",
    package: "zlib1g-dev",
    path: "/usr/share/doc/zlib1g-dev/crc-doc.1.0.pdf.gz",
    making: page(4, 150),
    width: 1275,
    height: 1650,
  },
  {
    name: "doc_fontconfig_properties_p2_200dpi.png",
    package: "fontconfig",
    path: "/usr/share/doc/fontconfig/fontconfig-user.pdf.gz",
    making: page(2, 200),
    width: 1648,
    height: 2330,
  },
  {
    name: "doc_libtasn1_intro_list_p4_150dpi.png",
    package: "libtasn1-doc",
    path: "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
    making: page(4, 150),
    width: 1275,
    height: 1650,
  },
  {
    name: "doc_mime_spec_title_p1_150dpi.png",
    package: "shared-mime-info",
    path: "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
    making: page(1, 150),
    width: 1271,
    height: 1644,
  },
  {
    name: "photo_sunset_hills_4272x2848.jpg",
    package: "lomiri-wallpapers-16.04",
    path: `${BACKGROUNDS}/sunset_by_Aitzol_Berasategi.jpg`,
    making: copy,
    width: 4272,
    height: 2848,
  },
  {
    name: "photo_dogs_window_portrait_2056x3088.jpg",
    package: "lomiri-wallpapers-16.04",
    path: `${BACKGROUNDS}/friends_by_Aitzol_Berasategi.jpg`,
    making: copy,
    width: 2056,
    height: 3088,
  },
  {
    name: "photo_fig_bowl_2572x1740.jpg",
    package: "lomiri-wallpapers-16.04",
    path: `${BACKGROUNDS}/Picture_0B_by_freespace.jpg`,
    making: copy,
    width: 2572,
    height: 1740,
  },
  {
    name: "photo_nuthatch_tree_6028x3391.jpg",
    package: "lomiri-wallpapers-20.04",
    path: `${BACKGROUNDS}/Kleiber_by_Lukas_Baubkus.jpg`,
    making: copy,
    width: 6028,
    height: 3391,
  },
  {
    name: "chart_octave_splinefit_750x525.png",
    package: "octave-doc",
    path: `${OCTAVE}/splinefit2.png`,
    making: copy,
    width: 750,
    height: 525,
  },
  {
    name: "ui_kcachegrind_xtree_961x636.png",
    package: "valgrind",
    path: `${VALGRIND}/kcachegrind_xtree.png`,
    making: copy,
    width: 961,
    height: 636,
  },
  {
    name: "doc_bzip2_title_p1_150dpi.png",
    package: "bzip2-doc",
    path: "/usr/share/doc/bzip2/manual.pdf.gz",
    making: page(1, 150),
    width: 1275,
    height: 1650,
  },
  {
    name: "photo_dragonfly_4224x3168.jpg",
    package: "lomiri-wallpapers-16.04",
    path: `${BACKGROUNDS}/Dragonfly_by_Bolly.jpg`,
    making: copy,
    width: 4224,
    height: 3168,
  },
  {
    name: "chart_octave_polar_750x525.png",
    package: "octave-doc",
    path: `${OCTAVE}/polar.png`,
    making: copy,
    width: 750,
    height: 525,
  },
  {
    name: "photo_forest_stream_3088x2056.jpg",
    package: "lomiri-wallpapers-16.04",
    path: `${BACKGROUNDS}/life_by_Aitzol_Berasategi.jpg`,
    making: copy,
    width: 3088,
    height: 2056,
  },
  {
    name: "web_octave_3d_plots_1280x720.png",
    package: "octave-doc",
    path: `${OCTAVE}/Three_002dDimensional-Plots.html`,
    making: { kind: "screenshot" },
    width: 1280,
    height: 720,
  },
  {
    name: "doc_nettle_example_code_p9_200dpi.png",
    package: "nettle-dev",
    path: "/usr/share/doc/nettle-dev/nettle.pdf.gz",
    making: page(9, 200),
    width: 1700,
    height: 2200,
  },
  {
    name: "ui_sddm_login_lines_900x506.jpg",
    package: "desktop-base",
    path: "/usr/share/desktop-base/lines-theme/login/sddm-preview.jpg",
    making: copy,
    width: 900,
    height: 506,
  },
  {
    name: "photo_paint_brushes_1365x1074.jpg",
    package: "lomiri-wallpapers-16.04",
    path: `${BACKGROUNDS}/Picture_1A_by_freespace.jpg`,
    making: copy,
    width: 1365,
    height: 1074,
  },
  {
    name: "diagram_valgrind_dhat_tree_1175x1370.png",
    package: "valgrind",
    path: `${VALGRIND}/dh-tree.png`,
    making: copy,
    width: 1175,
    height: 1370,
  },
  {
    name: "art_autumn_painting_2560x1600.jpg",
    package: "plasma-workspace-wallpapers",
    path: "/usr/share/wallpapers/Autumn/contents/images/2560x1600.jpg",
    making: copy,
    width: 2560,
    height: 1600,
  },
  {
    name: "photo_bird_lamps_2880x2160.jpg",
    package: "lomiri-wallpapers-16.04",
    path: `${BACKGROUNDS}/free_by_Peter_Nerlich.jpg`,
    making: copy,
    width: 2880,
    height: 2160,
  },
];

/** The HTML manuals the fresh half's web videos scroll, and their packages. */
export const FRESH_PAGES: { path: string; package: string }[] = [
  { path: "/usr/share/doc/nodejs/api/events.html", package: "nodejs-doc" },
  { path: "/usr/share/doc/ninja-build/manual.html", package: "ninja-build" },
];

/** The tools the making needs, and their packages. */
const TOOLS: Record<Making["kind"], { command: string; package: string } | undefined> = {
  copy: undefined,
  page: { command: "pdftoppm", package: "poppler-utils" },
  screenshot: { command: "chromium", package: "chromium" },
};

const exists = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};

/** Whether every fresh picture is made (the fresh videos can be built). */
export function freshPrepared(): boolean {
  return FRESH_PICTURES.every((p) => exists(`${FRESH_DIR}/${p.name}`));
}

async function run(command: string, args: string[]): Promise<void> {
  // apt-get must not stop to ask: the script runs unattended.
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const out = await new Deno.Command(command, { args, env, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const onPath = (command: string) =>
  new Deno.Command("sh", { args: ["-c", `command -v ${command}`], stdout: "null" }).outputSync()
    .success;

/** Installs the packages of the missing files and tools. */
async function install(todo: FreshPicture[]): Promise<void> {
  const packages = new Set<string>();
  for (const p of todo) {
    if (!exists(p.path)) packages.add(p.package);
    const tool = TOOLS[p.making.kind];
    if (tool && !onPath(tool.command)) packages.add(tool.package);
  }
  for (const p of FRESH_PAGES) if (!exists(p.path)) packages.add(p.package);
  if (packages.size === 0) return;
  console.log(`installing ${[...packages].join(" ")}`);
  await run("apt-get", ["update", "-qq"]);
  await run("apt-get", ["install", "-y", "-qq", ...packages]);
}

/** The file a PDF page is read from: a `.gz` is unpacked into `dir` first. */
async function pdfOf(path: string, dir: string): Promise<string> {
  if (!path.endsWith(".gz")) return path;
  const out = `${dir}/${path.split("/").pop()!.replace(/\.gz$/, "")}`;
  const file = await Deno.open(path);
  await Deno.writeFile(out, file.readable.pipeThrough(new DecompressionStream("gzip")));
  return out;
}

/** Makes one picture into `to` (a temporary name, renamed into place once checked). */
async function make(p: FreshPicture, to: string, dir: string): Promise<void> {
  const m = p.making;
  if (m.kind === "copy") return await Deno.copyFile(p.path, to);
  if (m.kind === "page") {
    const prefix = to.replace(/\.png$/, "");
    const args = ["-f", `${m.page}`, "-l", `${m.page}`, "-r", `${m.dpi}`, "-png", "-singlefile"];
    return await run("pdftoppm", [...args, await pdfOf(p.path, dir), prefix]);
  }
  await run("chromium", [
    ...["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"],
    ...["--force-device-scale-factor=1", `--window-size=${p.width},${p.height}`],
    `--screenshot=${to}`,
    `file://${p.path}`,
  ]);
}

/** Makes the missing fresh pictures; returns what it did, picture by picture. */
export async function prepareFresh(): Promise<string[]> {
  await Deno.mkdir(FRESH_DIR, { recursive: true });
  const todo = FRESH_PICTURES.filter((p) => !exists(`${FRESH_DIR}/${p.name}`));
  await install(todo);
  // Made beside their place, so that a picture appears whole or not at all.
  const dir = await Deno.makeTempDir({ dir: FRESH_DIR, prefix: ".making-" });
  const lines: string[] = [];
  try {
    for (const p of FRESH_PICTURES) {
      const path = `${FRESH_DIR}/${p.name}`;
      const made = todo.includes(p);
      const from = made ? `${dir}/${p.name}` : path;
      if (made) await make(p, from, dir);
      const image = await loadImage(await Deno.readFile(from));
      if (image.width !== p.width || image.height !== p.height) {
        throw new Error(
          `${p.name}: ${image.width}x${image.height} from ${p.package} ${p.path}, the specs expect ${p.width}x${p.height}`,
        );
      }
      if (made) await Deno.rename(from, path);
      lines.push(
        `${made ? "made" : "kept"} ${p.name} (${p.width}x${p.height}) from ${p.package}: ${p.path}${
          p.making.kind === "page" ? ` page ${p.making.page} at ${p.making.dpi} dpi` : ""
        }`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return lines;
}

if (import.meta.main) {
  for (const line of await prepareFresh()) console.log(line);
  console.log(`fresh pictures in ${FRESH_DIR}`);
}
