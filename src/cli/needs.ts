/**
 * What squint needs beside its code, checked where it is run: the OCR engine's English model
 * (pages are read with it; without it they go as pixels) and ffmpeg (videos are sampled with it;
 * without it they are refused). Each check answers with the message to show, naming what is
 * missing, where it was looked for and the setting that points elsewhere, or undefined.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { missingOcrData } from "../../workers/image/ocr_data.ts";
import { ffmpegPath } from "../../workers/video/ffmpeg.ts";

/** Why pages cannot be read here (with OCR on), or undefined. */
export function ocrDataProblem(config: Config): string | undefined {
  return config.ocr === "off" ? undefined : missingOcrData();
}

/** Why videos cannot be sampled here (ffmpeg does not run), or undefined. */
export async function ffmpegProblem(config: Config): Promise<string | undefined> {
  let path: string;
  try {
    path = ffmpegPath(config.ffmpeg_path);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    const { success, code } = await new Deno.Command(path, {
      args: ["-version"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    if (success) return undefined;
    return `ffmpeg missing: ${path} -version exited with ${code}; set SQUINT_FFMPEG_PATH to an ` +
      "ffmpeg binary";
  } catch (e) {
    return `ffmpeg missing: could not run ${path} (${(e as Error).message}); set ` +
      "SQUINT_FFMPEG_PATH to an ffmpeg binary";
  }
}
