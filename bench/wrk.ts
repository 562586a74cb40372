/**
 * `wrk` (https://github.com/wg/wrk) as the bench's external load generator: a closed loop of
 * keep-alive HTTP/1.1 connections from a C process, so the load costs the servers under test no
 * JavaScript of its own. POST bodies go through a Lua script written to a temp file; the script's
 * `done` hook prints the summary as one JSON line, so no human-readable output is parsed.
 *
 * @module
 */

/** One wrk run: what to send and how hard. */
export interface WrkSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** wrk's `-t`. */
  threads: number;
  /** wrk's `-c`. */
  connections: number;
  /** wrk's `-d`, in seconds. */
  durationS: number;
}

/** What wrk reports for one run. */
export interface WrkResult {
  /** Requests answered (non-2xx included, see `errors.status`). */
  requests: number;
  /** Measured duration in seconds. */
  seconds: number;
  requestsPerSecond: number;
  /** Latency (send to last byte) in ms. */
  p50Ms: number;
  p99Ms: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

const MARKER = "wrk-json ";

/** The command to install wrk where it is missing (Debian). */
export const WRK_INSTALL = "apt-get install -y wrk";

/** Whether a `wrk` command runs on this machine. */
export async function hasWrk(): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("wrk", { args: ["--version"], stdout: "null" })
      .output();
    // wrk --version prints its usage and exits 1; a missing binary throws NotFound instead.
    return code === 0 || code === 1;
  } catch {
    return false;
  }
}

/** A Lua long string that cannot end early inside `text`. */
function luaString(text: string): string {
  let level = 1;
  while (text.includes(`]${"=".repeat(level)}]`)) level++;
  const eq = "=".repeat(level);
  return `[${eq}[${text}]${eq}]`;
}

/** The Lua script: method, headers and body, and a `done` hook printing one JSON line. */
export function wrkScript(spec: Pick<WrkSpec, "headers" | "body">): string {
  const headers = Object.entries(spec.headers).map(([name, value]) =>
    `wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`
  );
  return [
    `wrk.method = "POST"`,
    `wrk.body = ${luaString(spec.body)}`,
    ...headers,
    `done = function(summary, latency, requests)`,
    `  local e = summary.errors`,
    `  io.write(string.format('\\n${MARKER}{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,' ..`,
    `    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',`,
    `    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),`,
    `    e.connect, e.read, e.write, e.status, e.timeout))`,
    `end`,
    "",
  ].join("\n");
}

/** Runs wrk once and returns its summary; throws with wrk's own output when it fails. */
export async function runWrk(spec: WrkSpec): Promise<WrkResult> {
  const script = await Deno.makeTempFile({ prefix: "squint-bench-wrk-", suffix: ".lua" });
  try {
    await Deno.writeTextFile(script, wrkScript(spec));
    const out = await new Deno.Command("wrk", {
      args: [
        `-t${spec.threads}`,
        `-c${spec.connections}`,
        `-d${spec.durationS}s`,
        "-s",
        script,
        spec.url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
    if (!out.success || !line) {
      throw new Error(
        `wrk failed (exit ${out.code}):\n${stdout}${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const r = JSON.parse(line.slice(MARKER.length));
    const seconds = r.durationUs / 1e6;
    return {
      requests: r.requests,
      seconds,
      requestsPerSecond: r.requests / seconds,
      p50Ms: r.p50Us / 1000,
      p99Ms: r.p99Us / 1000,
      errors: {
        connect: r.connect,
        read: r.read,
        write: r.write,
        status: r.status,
        timeout: r.timeout,
      },
    };
  } finally {
    await Deno.remove(script).catch(() => {});
  }
}
