/**
 * A seeded fuzz of every door: a few thousand malformed requests (see
 * `tests/support/fuzz/bodies.ts`) sent 8 at a time to squint, mock upstreams behind it. None may
 * bring squint's process down or be answered 500; an error squint makes itself must be in its
 * door's error shape (an upstream's error passes through as the upstream wrote it); each must be
 * answered, whole, within 15 s.
 *
 * squint runs in a child process (`startSquint` there), so that a crash of its process is a
 * finding with the request that caused it, not the end of the run: the process is restarted, and
 * the requests in flight when it died are sent again one at a time to find the one that kills it.
 *
 * Reproduce with the same `FUZZ_SEED` (and `FUZZ_COUNT`); `FUZZ_CASE=<#>` sends that one case
 * alone and prints the request and the whole answer.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type FuzzCase, fuzzCase, requestInit } from "../support/fuzz/bodies.ts";
import type { ErrorShape } from "../support/fuzz/doors.ts";
import type { FuzzImages } from "../support/fuzz/images.ts";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockGemini } from "../support/mock_gemini.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { corpusDir } from "../support/squint.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? "20251205");
const COUNT = Number(Deno.env.get("FUZZ_COUNT") ?? "3000");
const ONLY = Deno.env.get("FUZZ_CASE");
const CONCURRENCY = 8;
const ANSWER_WITHIN_MS = 15_000;
const SHOWN_PER_DOOR = 5;

const FIXTURES = [
  ["gray.png", "image/png"],
  ["palette.png", "image/png"],
  ["rgba_transparent.png", "image/png"],
  ["orient_6.jpg", "image/jpeg"],
  ["progressive.jpg", "image/jpeg"],
  ["cmyk.jpg", "image/jpeg"],
  ["lossy.webp", "image/webp"],
  ["animated.gif", "image/gif"],
];
const CORPUS_IMAGE = "chart_octave_histogram_750x525.png";

/** What went wrong with one request. */
type Problem =
  | "squint's process crashed"
  | "status 500"
  | "error outside the door's shape"
  | "no whole answer within 15 s";

/** One request and how squint answered it. */
interface Answer {
  request: FuzzCase;
  status?: number;
  text: string;
  problem?: Problem;
  /** squint's `X-Request-Id`, to find what it printed about the request. */
  requestId?: string;
  /** From sending to the answer's last byte. */
  ms: number;
}

/** Answers that are no finding, but worth a line in the log. */
type Note =
  /** The Gemini door is in CONTRACT.md and being built; until then squint answers 404. */
  | "met the Gemini door's 404 (not there yet)"
  /** A mock upstream broke on a body squint relayed; squint keeps an upstream's status. */
  | "relayed a mock upstream's own 500";

/** A whole run: every answer, how long it took, and what squint printed on stderr. */
interface Run {
  answers: Answer[];
  seconds: number;
  stderr: string;
  notes: Map<Note, number>;
  /** How often squint's process was started again after it died. */
  restarts: number;
}

// --- squint in a child process ----------------------------------------------------------------

/** A squint serving from a child process of its own. */
interface SquintProcess {
  origin: string;
  dead: boolean;
  /** Resolves when the process ends. */
  ended: Promise<Deno.CommandStatus>;
  stop(): Promise<void>;
}

const SQUINT_MODULE = new URL("../support/squint.ts", import.meta.url).href;
const REPOSITORY = new URL("../..", import.meta.url).pathname;

/** Starts squint in a child process with `env`; everything it prints on stderr goes to `log`. */
async function startSquintProcess(env: Record<string, string>, log: string[]) {
  const code = `import { startSquint } from ${JSON.stringify(SQUINT_MODULE)};
    console.log(startSquint(JSON.parse(Deno.env.get("FUZZ_SQUINT_ENV"))).origin);`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: REPOSITORY,
    env: { FUZZ_SQUINT_ENV: JSON.stringify(env), NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const errors = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) log.push(text);
  })();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`squint did not start:\n${log.join("")}`);
    first += value;
  }
  const rest = (async () => {
    while (!(await lines.read()).done) { /* squint's request log lines: not judged here */ }
  })();
  const squint: SquintProcess = {
    origin: first.trim().split("\n")[0],
    dead: false,
    ended: child.status.then((status) => {
      squint.dead = true;
      return status;
    }),
    async stop() {
      if (!squint.dead) child.kill("SIGKILL");
      await Promise.all([squint.ended, errors, rest]);
    },
  };
  return squint;
}

/** squint's process, started again when it has died. */
async function superviseSquint(env: Record<string, string>, stderr: string[]) {
  let squint = await startSquintProcess(env, stderr);
  let restarting: Promise<void> | undefined;
  const supervisor = {
    restarts: 0,
    /** The running squint, started again first if it has died. */
    async live(): Promise<SquintProcess> {
      while (squint.dead) {
        restarting ??= squint.stop()
          .then(() => startSquintProcess(env, stderr))
          .then((fresh) => {
            squint = fresh;
            supervisor.restarts++;
          })
          .finally(() => restarting = undefined);
        await restarting;
      }
      return squint;
    },
    stop: () => squint.stop(),
  };
  return supervisor;
}

/** Whether `squint` ends within `ms`. */
async function diesWithin(squint: SquintProcess, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  const died = await Promise.race([squint.ended.then(() => true), late]);
  clearTimeout(timer);
  return died;
}

// --- images -----------------------------------------------------------------------------------

const fixtureBase64 = (file: string) =>
  Deno.readFileSync(new URL(`../fixtures/images/${file}`, import.meta.url)).toBase64();

/** A loopback server for remote image URLs: an image, a 404, and an HTML page. */
function startImageServer() {
  const image = Deno.readFileSync(`${corpusDir()}/images/${CORPUS_IMAGE}`);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/image.png") {
      return new Response(image, { headers: { "content-type": "image/png" } });
    }
    if (path === "/page.html") {
      return new Response("<html>no image</html>", { headers: { "content-type": "text/html" } });
    }
    return new Response("not found", { status: 404 });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const images: FuzzImages = {
    inline: [
      ...FIXTURES.map(([file, mime]) => ({ mime, base64: fixtureBase64(file) })),
      { mime: "image/png", base64: image.toBase64() },
    ],
    bomb: fixtureBase64("bomb_30000x30000.png"),
    truncated: fixtureBase64("truncated.jpg"),
    notImage: fixtureBase64("not_an_image.jpg"),
    remote: `${origin}/image.png`,
    remoteMissing: `${origin}/missing.png`,
    remoteNotImage: `${origin}/page.html`,
  };
  return { images, close: () => server.shutdown() };
}

// --- judging one answer -----------------------------------------------------------------------

/** Headers only an upstream's answer carries: the error came from it, not from squint. */
const UPSTREAM_HEADERS = [
  "openai-version",
  "request-id",
  "anthropic-organization-id",
  "server-timing",
  "x-upstream-request-id",
];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** What is wrong with an error body in each shape, or undefined (CONTRACT.md, Errors). */
const SHAPES: Record<ErrorShape, (body: unknown, status: number) => string | undefined> = {
  openai(body) {
    if (!isObject(body) || !isObject(body.error)) return 'no "error" object';
    const { error } = body;
    if (typeof error.message !== "string" || error.message === "") return "no error.message";
    if (typeof error.type !== "string") return "no error.type";
    if (!("param" in error) || !("code" in error)) return "no error.param or error.code";
  },
  anthropic(body) {
    if (!isObject(body) || body.type !== "error") return 'no "type":"error"';
    if (!isObject(body.error)) return 'no "error" object';
    if (typeof body.error.type !== "string") return "no error.type";
    if (typeof body.error.message !== "string") return "no error.message";
  },
  google(body, status) {
    if (!isObject(body) || !isObject(body.error)) return 'no "error" object';
    const { error } = body;
    if (error.code !== status) return `error.code ${error.code} is not the status ${status}`;
    if (typeof error.message !== "string") return "no error.message";
    if (typeof error.status !== "string") return "no error.status";
  },
};

/** How the mock upstreams' own failures read (`Mock upstream failed: …`, `Mock failed: …`). */
const MOCK_FAILED = /"Mock (upstream )?failed: /;

/** squint's "no such door" answer at the Gemini door, until that door exists. */
function geminiDoorMissing(request: FuzzCase, status: number, body: unknown): boolean {
  return request.shape === "google" && status === 404 && isObject(body) &&
    isObject(body.error) && body.error.code === "unknown_url";
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** How one answer went: its status and text, and what is wrong with it. */
type Verdict = Omit<Answer, "request" | "ms"> & { note?: Note };

/** Judges a whole answer of `request`. */
function judge(request: FuzzCase, response: Response, text: string): Verdict {
  const { status } = response;
  const requestId = response.headers.get("x-request-id") ?? undefined;
  if (status === 500 && MOCK_FAILED.test(text)) {
    return { status, text, note: "relayed a mock upstream's own 500" };
  }
  if (status === 500) return { status, text, requestId, problem: "status 500" };
  if (status < 400 || UPSTREAM_HEADERS.some((h) => response.headers.has(h))) {
    return { status, text };
  }
  const body = parse(text);
  if (geminiDoorMissing(request, status, body)) {
    return { status, text, note: "met the Gemini door's 404 (not there yet)" };
  }
  const wrong = body === undefined ? "not JSON" : SHAPES[request.shape](body, status);
  return wrong
    ? { status, text: `(${wrong}) ${text}`, problem: "error outside the door's shape" }
    : { status, text };
}

/** Sends one case, reads the whole answer within the bound, and judges it. */
async function send(origin: string, request: FuzzCase): Promise<Verdict & { ms: number }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ANSWER_WITHIN_MS);
  const started = performance.now();
  try {
    const init = requestInit(request, controller.signal);
    const response = await fetch(`${origin}${request.path}`, init);
    const text = await response.text();
    return { ...judge(request, response, text), ms: performance.now() - started };
  } catch (e) {
    const text = controller.signal.aborted
      ? `no answer within ${ANSWER_WITHIN_MS / 1000} s`
      : `connection failed: ${causes(e)}`;
    return { text, problem: "no whole answer within 15 s", ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** An error's message and its causes' (fetch puts what went wrong in its cause). */
function causes(e: unknown): string {
  const error = e as Error;
  return error.cause ? `${error.message}: ${causes(error.cause)}` : String(error.message ?? e);
}

// --- the run ----------------------------------------------------------------------------------

/** Starts the mocks, the image server and squint; sends every case; closes them all. */
async function fuzz(indices: number[]): Promise<Run> {
  const openai = startMockOpenAI({ record: false });
  const anthropic = startMockAnthropic({ record: false });
  const gemini = startMockGemini({ record: false });
  const server = startImageServer();
  const env = {
    SQUINT_OPENAI_BASE_URL: openai.baseUrl,
    SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl,
    SQUINT_GEMINI_BASE_URL: gemini.baseUrl,
    SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1",
    SQUINT_CORPUS_DIR: corpusDir(),
    SQUINT_IMAGE_FETCH_TIMEOUT_S: "5",
    SQUINT_UPSTREAM_TIMEOUT_S: "10",
    // An upstream's refusal is final here; nothing is gained by waiting for retries.
    SQUINT_RETRIES: "0",
    SQUINT_CIRCUIT_FAILURES: "1000000",
  };
  const stderr: string[] = [];
  const squint = await superviseSquint(env, stderr);
  const answers: Answer[] = new Array(indices.length);
  /** Positions of the requests in flight when squint's process died. */
  const inFlightAtDeath: number[] = [];
  const notes = new Map<Note, number>();
  const caseAt = (at: number) => fuzzCase({ seed: SEED, images: server.images }, indices[at]);
  const keep = (at: number, request: FuzzCase, verdict: Verdict & { ms: number }) => {
    const { note, ...answer } = verdict;
    if (note) notes.set(note, (notes.get(note) ?? 0) + 1);
    // The bytes are not kept (thousands of bodies of up to a few MB each) unless one is asked for.
    const body = ONLY === undefined ? new Uint8Array(0) : request.body;
    answers[at] = { ...answer, request: { ...request, body } };
  };
  const started = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      while (next < indices.length) {
        const at = next++;
        const request = caseAt(at);
        const target = await squint.live();
        const verdict = await send(target.origin, request);
        const failed = verdict.problem === "no whole answer within 15 s";
        if (failed && (target.dead || await diesWithin(target, 500))) inFlightAtDeath.push(at);
        else keep(at, request, verdict);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // One at a time now: the request that kills squint's process is the one it dies on.
    for (const at of inFlightAtDeath.sort((a, b) => a - b)) {
      const request = caseAt(at);
      const target = await squint.live();
      const logged = stderr.length;
      const verdict = await send(target.origin, request);
      if (verdict.problem === "no whole answer within 15 s" && await diesWithin(target, 2000)) {
        await target.stop(); // so that all it printed is in
        const said = `${verdict.text}; squint's process ended: ${panicOf(stderr.slice(logged))}`;
        keep(at, request, { text: said, ms: verdict.ms, problem: "squint's process crashed" });
      } else keep(at, request, verdict);
    }
  } finally {
    await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
    await squint.stop();
    await server.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { answers, seconds, stderr: stderr.join(""), notes, restarts: squint.restarts };
}

/** The lines of a Deno panic (or else the last lines) in what a process printed. */
function panicOf(printed: string[]): string {
  const text = printed.join("");
  const panic = /panicked at [^\n]*\n[^\n]*/.exec(text)?.[0];
  return panic ?? text.trim().split("\n").slice(-3).join(" / ");
}

/** What squint printed about request `id` (a 500's error), with its first frames in squint. */
function stackOf(stderr: string, id: string | undefined): string | undefined {
  const at = id ? stderr.indexOf(`squint ${id}:`) : -1;
  if (at < 0) return undefined;
  const [said, ...rest] = stderr.slice(at).split("\n").slice(0, 60);
  // Its frames run up to the next thing squint printed (lines of errors of others may follow).
  const end = rest.findIndex((line) => !line.startsWith(" "));
  const frames = end < 0 ? rest : rest.slice(0, end);
  const ours = frames.filter((line) => line.includes(REPOSITORY)).slice(0, 3)
    .map((line) => line.trim().replace(`file://${REPOSITORY}`, ""));
  return [said.slice(`squint ${id}: `.length), ...ours].join(" / ");
}

/** Everything about one case: the request, the answer, what squint printed. */
function printOne({ request, ...answer }: Answer, stderr: string): void {
  const body = request.body instanceof FormData
    ? "(multipart form)"
    : new TextDecoder().decode(request.body.subarray(0, 2000));
  console.log(
    `#${request.index} POST ${request.path}\n${JSON.stringify(request.headers)}\n` +
      `${request.mutations.join("; ")}\n${body}${body.length >= 2000 ? "…" : ""}\n` +
      `→ ${answer.status ?? "-"} ${answer.text}\nsquint printed:\n${stderr}`,
  );
}

let run: Promise<Run> | undefined;

/** The one run every test below judges (started by whichever test comes first). */
function theRun(): Promise<Run> {
  const indices = ONLY !== undefined ? [Number(ONLY)] : Array.from({ length: COUNT }, (_, i) => i);
  run ??= fuzz(indices).then((result) => {
    if (ONLY !== undefined) printOne(result.answers[0], result.stderr);
    const problems = result.answers.filter((a) => a.problem).length;
    const slowest = result.answers.toSorted((a, b) => b.ms - a.ms).slice(0, 3)
      .map((a) => `#${a.request.index} ${Math.round(a.ms)} ms`).join(", ");
    const notes = [...result.notes].map(([note, count]) => `; ${count} ${note}`).join("");
    console.log(
      `fuzz: seed ${SEED}, ${result.answers.length} requests in ${result.seconds.toFixed(1)} s ` +
        `(${CONCURRENCY} at a time; slowest ${slowest}; squint restarted ${result.restarts} ` +
        `times), ${problems} with a problem${notes}`,
    );
    return result;
  });
  return run;
}

// --- the failure message ----------------------------------------------------------------------

/** Per door: how many of its requests had `problem`, by mutation, then the first few. */
function report(result: Run, problem: Problem): string {
  const failed = result.answers.filter((a) => a.problem === problem);
  const lines = [
    `${failed.length} of ${result.answers.length} malformed requests (seed ${SEED}): ${problem}.`,
    `Rerun one with FUZZ_SEED=${SEED} FUZZ_CASE=<#> deno test --allow-all tests/http/fuzz.test.ts`,
  ];
  for (const [door, answers] of Map.groupBy(failed, (a) => a.request.door)) {
    const sent = result.answers.filter((a) => a.request.door === door).length;
    const byMutation = Map.groupBy(answers, (a) => mutationClass(a.request.mutations));
    const tally = [...byMutation].sort((a, b) => b[1].length - a[1].length)
      .map(([name, list]) => `${name} ×${list.length}`).join(", ");
    lines.push("", `${door}: ${answers.length} of ${sent} — ${tally}`);
    for (const a of answers.slice(0, SHOWN_PER_DOOR)) {
      lines.push(`  #${a.request.index} POST ${shorten(a.request.path, 80)}`);
      lines.push(`    mutations: ${a.request.mutations.join("; ")}`);
      lines.push(`    answer: ${a.status ?? "-"} ${shorten(a.text, 300)}`);
      const stack = stackOf(result.stderr, a.requestId);
      if (stack) lines.push(`    squint printed: ${shorten(stack, 300)}`);
    }
  }
  return lines.join("\n");
}

/** The mutations' names without their details: `model`, `wrong type at messages`, … */
function mutationClass(mutations: string[]): string {
  return mutations.map((m) => m.split(/[:[.]/, 1)[0].trim()).join(" + ");
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max)}… (${flat.length} chars)` : flat;
}

function assertNone(result: Run, problem: Problem): void {
  const failed = result.answers.filter((a) => a.problem === problem);
  assert.equal(failed.length, 0, report(result, problem));
}

Deno.test("no malformed request at any door brings squint's process down", async () => {
  assertNone(await theRun(), "squint's process crashed");
});

Deno.test("no malformed request at any door is answered 500", async () => {
  assertNone(await theRun(), "status 500");
});

Deno.test("every error squint makes for a malformed request is in its door's error shape", async () => {
  assertNone(await theRun(), "error outside the door's shape");
});

Deno.test("every malformed request is answered, whole, within 15 s", async () => {
  assertNone(await theRun(), "no whole answer within 15 s");
});
