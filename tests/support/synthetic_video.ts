/**
 * Videos the tests make with the bundled ffmpeg: a long moving test pattern, rotated copies.
 * Plain `-f mp4` output keeps its index (`moov`) after the media, so these videos also exercise
 * the temporary-file path.
 *
 * @module
 */

import { ffmpegPath } from "../../workers/video/ffmpeg.ts";

/** Runs the bundled ffmpeg with `args`; throws with its stderr on failure. */
export async function ffmpeg(args: string[]): Promise<void> {
  const out = await new Deno.Command(ffmpegPath(), {
    args: ["-hide_banner", "-loglevel", "error", "-y", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

/** Options of {@linkcode testPattern}. */
export interface PatternOptions {
  width?: number;
  height?: number;
  rate?: number;
  /** Waves whose shape changes with time instead: no two seconds look alike. */
  changing?: boolean;
}

/**
 * A `seconds`-long test pattern (`testsrc2`: a card with a moving part, repeating every minute) at
 * 320×180 and 5 fps unless told otherwise, in an MP4 whose index follows its media.
 */
export async function testPattern(
  seconds: number,
  { width = 320, height = 180, rate = 5, changing = false }: PatternOptions = {},
): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "squint-test-video-" });
  try {
    const path = `${dir}/pattern.mp4`;
    await ffmpeg([
      ...["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${rate}`, "-t", `${seconds}`],
      ...(changing ? ["-vf", `geq=lum='128+127*sin(X*T/37+Y*T*T/900)':cb=128:cr=128`] : []),
      ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path],
    ]);
    return await Deno.readFile(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `video` with a `rotate` tag of `degrees` (stream copied, not re-encoded). */
export async function rotated(video: Uint8Array, degrees: number): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "squint-test-video-" });
  try {
    await Deno.writeFile(`${dir}/in.mp4`, video);
    await ffmpeg([
      ...["-i", `${dir}/in.mp4`, "-c", "copy", "-metadata:s:v", `rotate=${degrees}`],
      `${dir}/out.mp4`,
    ]);
    return await Deno.readFile(`${dir}/out.mp4`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
