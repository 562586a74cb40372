/**
 * ffmpeg as a subprocess: where it is, what a video's header says, and its sampled frames as
 * raw RGBA over a pipe.
 *
 * The video goes to ffmpeg's stdin whenever a pipe will do; only an MP4/MOV whose index (`moov`)
 * sits after its media (`mdat`) needs a seekable file, and that temporary file is removed in a
 * `finally` (success, error, timeout or a consumer that stops reading). Frames come back on
 * stdout, one fixed-size RGBA buffer each, already turned upright (ffmpeg applies the rotation
 * metadata itself) and scaled to the size squint asked for.
 *
 * @module
 */

/**
 * The static ffmpeg of `@ffmpeg-installer/ffmpeg`, when its platform package is installed (the
 * package throws at load time when it is not, which must not take the image worker down).
 */
const bundled = await import("@ffmpeg-installer/ffmpeg").then(
  (m) => m.default as { path?: string },
  () => undefined,
);

/** Why a video could not be read; `code` tells a client error from a missing tool. */
export class VideoError extends Error {
  constructor(readonly code: "no_ffmpeg" | "unreadable_video" | "video_timeout", message: string) {
    super(message);
  }
}

/** What the container header says. */
export interface VideoHeader {
  /** Seconds; undefined when the container does not say (a live-recorded WebM). */
  durationS?: number;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Clockwise degrees the player turns the picture (0, 90, 180, 270). */
  rotation: number;
  fps?: number;
  codec: string;
}

/** The ffmpeg to run: the configured path, else the one bundled by `@ffmpeg-installer`. */
export function ffmpegPath(configured?: string): string {
  const path = configured ?? bundled?.path;
  if (!path) {
    throw new VideoError(
      "no_ffmpeg",
      "ffmpeg missing: @ffmpeg-installer/ffmpeg has no binary for this platform; set " +
        "SQUINT_FFMPEG_PATH to an ffmpeg binary",
    );
  }
  return path;
}

const DURATION = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/;
const VIDEO_STREAM = /Stream #\d+:\d+[^:]*: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})/;
const FPS = /, (\d+(?:\.\d+)?) fps/;
const ROTATE_TAG = /^\s*rotate\s*:\s*(-?\d+)/m;
const DISPLAY_MATRIX = /rotation of (-?\d+(?:\.\d+)?) degrees/;

/** The header facts in ffmpeg's `-i` report, or undefined when it found no video stream. */
export function parseHeader(report: string): VideoHeader | undefined {
  const stream = VIDEO_STREAM.exec(report);
  if (!stream) return undefined;
  const duration = DURATION.exec(report);
  const streamLine = report.slice(stream.index).split("\n")[0];
  const fps = FPS.exec(streamLine);
  // The `rotate` tag is clockwise; the display matrix states the counter-clockwise turn.
  const tag = ROTATE_TAG.exec(report.slice(stream.index));
  const matrix = DISPLAY_MATRIX.exec(report.slice(stream.index));
  const degrees = tag ? Number(tag[1]) : matrix ? -Number(matrix[1]) : 0;
  return {
    durationS: duration
      ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])
      : undefined,
    codec: stream[1],
    width: Number(stream[2]),
    height: Number(stream[3]),
    fps: fps ? Number(fps[1]) : undefined,
    rotation: ((Math.round(degrees / 90) * 90) % 360 + 360) % 360,
  };
}

/** ISO-BMFF boxes at the top level, in order (only their types), or undefined if not BMFF. */
function topLevelBoxes(bytes: Uint8Array): string[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  for (let at = 0; at + 8 <= bytes.byteLength;) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[\x20-\x7e]{4}$/.test(type)) return types.length ? types : undefined;
    types.push(type);
    if (size === 1 && at + 16 <= bytes.byteLength) size = Number(view.getBigUint64(at + 8));
    if (size === 0) break;
    if (size < 8) return types;
    at += size;
  }
  return types;
}

/**
 * Whether ffmpeg can read these bytes from a pipe: everything but an MP4/MOV whose `moov` comes
 * after its `mdat` (ffmpeg would have to seek back to the index).
 */
export function pipeWillDo(bytes: Uint8Array): boolean {
  const boxes = topLevelBoxes(bytes);
  if (!boxes || boxes[0] !== "ftyp") return true;
  const moov = boxes.indexOf("moov"), mdat = boxes.indexOf("mdat");
  return moov !== -1 && (mdat === -1 || moov < mdat);
}

/** Where ffmpeg reads the video from, and how to clean up afterwards. */
interface Source {
  arg: string;
  stdin: Uint8Array | undefined;
  /** Removes the temporary file, if any; safe to call twice. */
  dispose(): Promise<void>;
}

async function sourceFor(bytes: Uint8Array, tempDir?: string): Promise<Source> {
  if (pipeWillDo(bytes)) return { arg: "pipe:0", stdin: bytes, dispose: async () => {} };
  const path = await Deno.makeTempFile({ dir: tempDir, prefix: "squint-video-", suffix: ".mp4" });
  let removed = false;
  const dispose = async () => {
    if (removed) return;
    removed = true;
    await Deno.remove(path).catch(() => {});
  };
  try {
    await Deno.writeFile(path, bytes);
  } catch (e) {
    await dispose();
    throw e;
  }
  return { arg: path, stdin: undefined, dispose };
}

/** Feeds `bytes` to a child's stdin; a child that stops reading early (EPIPE) is not an error. */
async function feed(stdin: WritableStream<Uint8Array>, bytes: Uint8Array | undefined) {
  const writer = stdin.getWriter();
  try {
    if (bytes) await writer.write(bytes);
    await writer.close();
  } catch {
    // ffmpeg read what it needed (the header) and closed its end.
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

/** Options of a run of ffmpeg. */
export interface RunOptions {
  ffmpeg: string;
  signal?: AbortSignal;
  /** Folder for the temporary file a non-streamable MP4 needs (default: the system's). */
  tempDir?: string;
}

/** Reads the header of a video (ffmpeg's `-i` report). */
export async function probeVideo(bytes: Uint8Array, options: RunOptions): Promise<VideoHeader> {
  const source = await sourceFor(bytes, options.tempDir);
  try {
    const child = spawn(options, ["-hide_banner", "-nostdin", "-i", source.arg], source);
    const [report] = await Promise.all([
      readAll(child.stderr),
      feed(child.stdin, source.stdin),
      child.stdout.cancel(),
    ]);
    await child.status;
    const header = parseHeader(report);
    if (!header) {
      const said = report.split("\n").filter((l) => /error|invalid/i.test(l)).slice(-1)[0];
      throw new VideoError(
        "unreadable_video",
        `not a video ffmpeg can read${said ? ` (${said.trim()})` : ""}`,
      );
    }
    return header;
  } finally {
    await source.dispose();
  }
}

function spawn(options: RunOptions, args: string[], source: Source): Deno.ChildProcess {
  let process: Deno.ChildProcess;
  try {
    process = new Deno.Command(options.ffmpeg, {
      args,
      // -nostdin only stops ffmpeg reading keys; the video itself may come on stdin.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal: options.signal,
    }).spawn();
  } catch (e) {
    throw new VideoError(
      "no_ffmpeg",
      `ffmpeg missing: could not run ${options.ffmpeg} (${(e as Error).message}); set ` +
        "SQUINT_FFMPEG_PATH to an ffmpeg binary",
    );
  }
  if (!source.stdin) process.stdin.close().catch(() => {});
  return process;
}

/** How to sample: frames per second and the output size (upright, even sides). */
export interface Sampling {
  fps: number;
  width: number;
  height: number;
}

/** One sampled frame: its index in the sampled sequence and its RGBA pixels. */
export interface RawFrame {
  index: number;
  data: Uint8Array;
}

/**
 * Decodes `bytes` and yields its frames at `sampling.fps`, each `width`×`height` RGBA. Stops
 * ffmpeg and removes any temporary file when the consumer stops, on error, or on `signal`.
 */
export async function* sampleFrames(
  bytes: Uint8Array,
  sampling: Sampling,
  options: RunOptions,
): AsyncGenerator<RawFrame> {
  const source = await sourceFor(bytes, options.tempDir);
  const { width, height, fps } = sampling;
  const args = [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-threads", "2"],
    ...["-i", source.arg, "-an", "-sn"],
    ...["-vf", `fps=${fps},scale=${width}:${height}:flags=area`],
    ...["-pix_fmt", "rgba", "-f", "rawvideo", "pipe:1"],
  ];
  const child = spawn(options, args, source);
  const fed = feed(child.stdin, source.stdin);
  const errors = readAll(child.stderr);
  const frameBytes = width * height * 4;
  const reader = child.stdout.getReader();
  let finished = false;
  try {
    let frame = new Uint8Array(frameBytes), filled = 0, index = 0;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let at = 0; at < value.byteLength;) {
        const take = Math.min(frameBytes - filled, value.byteLength - at);
        frame.set(value.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === frameBytes) {
          yield { index: index++, data: frame };
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const status = await child.status;
    finished = true;
    if (options.signal?.aborted) throw timedOut(options.signal);
    if (!status.success && index === 0) {
      const said = (await errors).trim().split("\n").slice(-1)[0];
      throw new VideoError("unreadable_video", `ffmpeg could not decode the video: ${said}`);
    }
  } catch (e) {
    if (options.signal?.aborted) throw timedOut(options.signal);
    throw e;
  } finally {
    if (!finished) {
      await reader.cancel().catch(() => {});
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status.catch(() => {});
    }
    await Promise.all([fed, errors.catch(() => "")]);
    await source.dispose();
  }
}

function timedOut(signal: AbortSignal): VideoError {
  const reason = signal.reason instanceof Error ? signal.reason.message : "time limit";
  return new VideoError("video_timeout", `video extraction stopped: ${reason}`);
}
