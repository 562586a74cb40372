/** Copies of corpus images as a client might send them again: rescaled, edited, recompressed. */
import { createCanvas, loadImage, type SKRSContext2D } from "@napi-rs/canvas";
import { corpusDir } from "./squint.ts";

/** A copy of a corpus image: scaled, optionally edited, re-encoded as JPEG at `quality`. */
export async function variant(
  file: string,
  options: {
    scale?: number;
    quality?: number;
    edit?: (ctx: SKRSContext2D, w: number, h: number) => void;
  } = {},
): Promise<string> {
  const image = await loadImage(Deno.readFileSync(`${corpusDir()}/images/${file}`));
  const scale = options.scale ?? 1;
  const w = Math.round(image.width * scale), h = Math.round(image.height * scale);
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0, w, h);
  options.edit?.(ctx, w, h);
  const bytes = canvas.toBuffer("image/jpeg", options.quality ?? 60);
  return `data:image/jpeg;base64,${new Uint8Array(bytes).toBase64()}`;
}
