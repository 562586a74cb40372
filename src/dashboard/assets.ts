/**
 * The dashboard's files, every one served by squint itself (no CDN): its own pages, styles and
 * scripts from the repository's `dashboard/` folder (browser code, kept out of `src/`), and the
 * uPlot chart library read from its npm package (pinned in deno.json, its contents checked
 * against deno.lock's integrity hash), so the library is exactly the published build and no copy
 * of it lives in the repository. All are read once, when squint starts, and kept in memory.
 */
import { guarded } from "./answer.ts";

/** A file as served. */
export interface Asset {
  bytes: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

const OWN_DIR = new URL("../../dashboard/", import.meta.url);

/** uPlot's files served under `/dashboard/vendor/`, by their path in the package. */
const UPLOT_FILES: Record<string, string> = {
  "uPlot.esm.js": "dist/uPlot.esm.js",
  "uPlot.min.css": "dist/uPlot.min.css",
  "uPlot.LICENSE.txt": "LICENSE",
};

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  txt: "text/plain; charset=utf-8",
};

async function asset(url: URL): Promise<Asset> {
  const bytes = await Deno.readFile(url);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const type = TYPES[url.pathname.split(".").pop()!] ?? "application/octet-stream";
  return { bytes, type, etag: `"${digest.subarray(0, 12).toBase64()}"` };
}

/** Every file, by the path it is served at. */
async function loadAll(): Promise<Map<string, Asset>> {
  const files = new Map<string, Asset>();
  for await (const entry of Deno.readDir(OWN_DIR)) {
    if (!entry.isFile) continue;
    files.set(`/dashboard/assets/${entry.name}`, await asset(new URL(entry.name, OWN_DIR)));
  }
  // The package's main entry is dist/uPlot.cjs.js: its folder's parent is the package root.
  const uplotRoot = new URL("../", import.meta.resolve("uplot"));
  for (const [name, path] of Object.entries(UPLOT_FILES)) {
    files.set(`/dashboard/vendor/${name}`, await asset(new URL(path, uplotRoot)));
  }
  return files;
}

const loaded = loadAll();
// Awaited on every use; a failure is answered there (a 500 naming it), not at start.
loaded.catch(() => {});

/** The file served at `path`, if there is one. */
export async function assetAt(path: string): Promise<Asset | undefined> {
  return (await loaded).get(path);
}

/** The answer serving `file` (304 when the browser holds this version). */
export function serveAsset(request: Request, file: Asset): Response {
  const headers = guarded({
    "content-type": file.type,
    etag: file.etag,
    "cache-control": "no-cache",
  });
  if (request.headers.get("if-none-match") === file.etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(file.bytes, { headers });
}
