/** The shared test corpus as the bench reads it: manifest entries and their bytes. */
import { corpusDir } from "../tests/support/squint.ts";
import { probeImage } from "../workers/image/probe.ts";
import type { ImageInfo } from "../workers/image/types.ts";

/** One manifest entry (the fields the bench reads). */
export interface ManifestEntry {
  file: string;
  category: string;
  width: number;
  height: number;
  bytes: number;
}

/** A corpus image, read and probed. */
export interface CorpusImage {
  /** Path under the corpus folder, e.g. `images/photo_astronaut_512x512.png`. */
  file: string;
  category: string;
  bytes: Uint8Array;
  info: ImageInfo;
}

/** The corpus folder the bench reads. */
export function corpusRoot(): string {
  return corpusDir();
}

/** Every still image of the manifest (videos left out), read from disk and probed. */
export function loadCorpusImages(): CorpusImage[] {
  const root = corpusRoot();
  const manifest = JSON.parse(Deno.readTextFileSync(`${root}/manifest.json`)) as ManifestEntry[];
  return manifest.filter((e) => e.file.startsWith("images/")).map((e) => {
    const bytes = Deno.readFileSync(`${root}/${e.file}`);
    const info = probeImage(bytes);
    if (!info) throw new Error(`corpus image ${e.file} is not readable by squint's probe`);
    return { file: e.file, category: e.category, bytes, info };
  });
}

/** The MIME type of a corpus file from its extension. */
export function mimeOf(file: string): string {
  const ext = file.split(".").pop()!.toLowerCase();
  return ext === "jpg" ? "image/jpeg" : `image/${ext}`;
}
