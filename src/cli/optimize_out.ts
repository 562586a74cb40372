/**
 * `squint optimize --out PATH`: what squint sends in place of the input, on disk. An image that
 * goes as a picture is written as that picture's bytes; one that goes as its text (a page read by
 * OCR, with or without a thumbnail) as that text in UTF-8; a video's kept frames into the folder
 * PATH, one `frame_MM-SS.<format>` each.
 *
 * @module
 */
import { fromDataUrl, sentImage } from "../library/image.ts";
import type { ChatPart, Plan } from "../library/plan.ts";
import type { Input } from "./input.ts";
import type { VideoDecision } from "./optimize_report.ts";
import { clock } from "./table.ts";

/** File name extensions that differ from the media subtype. */
const EXTENSIONS: Record<string, string> = { jpeg: "jpg" };

/** What was written, or why nothing was. */
export type Written = { path: string } | { nothing: string };

/** The data URLs of the pictures in the request squint would send, in order. */
function sentPictures(plan: Plan): { bytes: Uint8Array; mediaType: string }[] {
  const messages = plan.request.messages as { content: ChatPart[] | string }[];
  return messages.flatMap((m) => Array.isArray(m.content) ? m.content : [])
    .flatMap((part) => {
      if (part.type !== "image_url") return [];
      const picture = fromDataUrl((part as { image_url: { url: string } }).image_url.url);
      return picture ? [picture] : [];
    });
}

async function writeImage(plan: Plan, path: string): Promise<Written> {
  const image = sentImage(plan);
  if (image.text !== undefined) await Deno.writeTextFile(path, image.text);
  else if (image.bytes) await Deno.writeFile(path, image.bytes);
  else return { nothing: "nothing goes in place of this image: --out not written" };
  return { path };
}

async function writeFrames(plan: Plan, folder: string): Promise<Written> {
  const video = plan.videos[0] as VideoDecision | undefined;
  const pictures = sentPictures(plan);
  if (!video || video.native || pictures.length !== video.frames.length) {
    return { nothing: "the video goes as it is, not as frames: --out not written" };
  }
  await Deno.mkdir(folder, { recursive: true });
  await Promise.all(video.frames.map((frame, i) => {
    const format = pictures[i].mediaType.replace("image/", "");
    const name = `frame_${clock(frame.t).replace(":", "-")}.${EXTENSIONS[format] ?? format}`;
    return Deno.writeFile(`${folder}/${name}`, pictures[i].bytes);
  }));
  return { path: folder };
}

/** Writes what goes in place of `input` to `path` (a file, or a folder of frames). */
export async function writeOut(input: Input, plan: Plan, path: string): Promise<Written> {
  return input.kind === "video" ? await writeFrames(plan, path) : await writeImage(plan, path);
}
