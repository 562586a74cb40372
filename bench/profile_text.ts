/**
 * Where squint spends its CPU on a text-only request, next to bench/relay.ts: both run under
 * `deno run --cpu-prof` in front of the mock upstream while wrk loads them as in section (c)
 * (bench/text_overhead.ts), one after the other; on exit each writes a `.cpuprofile`, summarised
 * by bench/_profile_summary.ts with µs per request.
 *
 * `deno run -A bench/profile_text.ts [--mode="chat json"] [--seconds=20] [--dir=DIR] [--top=40]`
 *
 * Each isolate (the main one and every worker) writes its own profile from start to exit; the
 * main one is summarised from the first request on (warm-up included), workers whole. The /proc
 * figure beside them is the whole process during the measured load only.
 *
 * @module
 */
import { formatSummary, summarizeProfile } from "./_profile_summary.ts";
import { CLOCK_TICKS, cpuTicks } from "./process_cpu.ts";
import { Processes, SERVE_V8_FLAGS, type ServerChild } from "./processes.ts";
import { MODES } from "./text_overhead.ts";
import { hasWrk, runWrk, WRK_INSTALL } from "./wrk.ts";

function option(name: string): string | undefined {
  return Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const mode = MODES.find((m) => m.name === (option("mode") ?? "chat json"));
if (!mode) throw new Error(`--mode: one of ${MODES.map((m) => `"${m.name}"`).join(", ")}`);
if (!(await hasWrk())) {
  throw new Error(`no \`wrk\` command on this machine (Debian: ${WRK_INSTALL})`);
}
const seconds = Number(option("seconds") ?? 20);
const top = Number(option("top") ?? 40);
const dir = option("dir") ?? await Deno.makeTempDir({ prefix: "squint-profile-" });
const dataDir = await Deno.makeTempDir({ prefix: "squint-profile-data-" });
const listening = /^listening (http:\/\/127\.0\.0\.1:\d+)/;
const profiled = (name: string) => [
  "run",
  "--cpu-prof",
  `--cpu-prof-dir=${dir}/${name}`,
  "-A",
  ...SERVE_V8_FLAGS,
];

const processes = new Processes();
const requests: Record<string, number> = {};
const procCpuUs: Record<string, number> = {};
try {
  const mock = await processes.startServer({
    name: "mock",
    args: [
      "run",
      "-A",
      `bench/${mode.upstream === "openai" ? "serve_mock" : "serve_mock_anthropic"}.ts`,
    ],
    listening,
  });
  const upstream = mode.upstream === "openai" ? `${mock.origin}/v1` : mock.origin;
  const servers: Record<string, ServerChild> = {
    relay: await processes.startServer({
      name: "relay",
      args: [...profiled("relay"), "bench/serve_relay.ts", upstream],
      listening,
    }),
    squint: await processes.startServer({
      name: "squint",
      args: [...profiled("squint"), "src/main.ts"],
      env: {
        SQUINT_HOST: "127.0.0.1",
        SQUINT_PORT: "0",
        SQUINT_OPENAI_BASE_URL: `${mock.origin}/v1`,
        SQUINT_ANTHROPIC_BASE_URL: mock.origin,
        SQUINT_WORKERS: "1",
        SQUINT_DATA_DIR: dataDir,
        SQUINT_SHUTDOWN_GRACE_S: "2",
      },
      listening: /^squint listening on (http:\/\/[^ ]+)/,
    }),
  };
  for (const [name, server] of Object.entries(servers)) {
    const load = (durationS: number) =>
      runWrk({
        url: server.origin + mode.path,
        headers: mode.headers,
        body: mode.body,
        threads: 1,
        connections: 32,
        durationS,
      });
    const warm = await load(2);
    const before = cpuTicks(server.pid);
    const measured = await load(seconds);
    procCpuUs[name] = (1e6 * (cpuTicks(server.pid) - before)) / CLOCK_TICKS / measured.requests;
    requests[name] = warm.requests + measured.requests;
    console.log(
      `${name}: ${mode.name}, ${measured.requestsPerSecond.toFixed(0)} req/s, ` +
        `${procCpuUs[name].toFixed(1)} µs CPU/req (/proc, whole process), ` +
        `${requests[name]} requests in all`,
    );
  }
} finally {
  await processes.stopAll();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}

for (const name of ["relay", "squint"]) {
  // One profile per isolate: the main one, then `worker-N` for each worker (squint's pools).
  const files = [...Deno.readDirSync(`${dir}/${name}`)].map((f) => f.name)
    .filter((f) => f.endsWith(".cpuprofile")).sort((a, b) =>
      Number(a.includes(".worker-")) - Number(b.includes(".worker-")) || a.localeCompare(b)
    );
  for (const file of files) {
    const path = `${dir}/${name}/${file}`;
    // The main isolate's startup (module loading, compiling) is no request's cost.
    const main = !file.includes(".worker-");
    const summary = summarizeProfile(JSON.parse(await Deno.readTextFile(path)), {
      startAt: main ? "nativeDispatch" : undefined,
    });
    console.log(
      `\n${"=".repeat(100)}\n${name}: ${path}${main ? " (from the first request on)" : ""}\n${
        "=".repeat(100)
      }`,
    );
    console.log(formatSummary(summary, { top, requests: requests[name] }));
  }
}
