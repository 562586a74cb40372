/**
 * The bench's child processes: the mock upstream, the relay, squint and the load generators each
 * run in their own Deno process, so no two share an event loop. Every child is registered here
 * and stopped by `stopAll`, also when the bench fails midway.
 */
import type { LoadResult, LoadSpec } from "./load_client.ts";

/** The repository root (children run from it, so deno.json's imports apply). */
export const REPO_ROOT = new URL("../", import.meta.url).pathname;

/**
 * The V8 flags squint ships with, read from deno.json's `serve` task (its `cli` and `compile`
 * tasks carry the same): the bench runs squint as a user runs it, and the servers it is compared
 * with under the same flags.
 */
export const SERVE_V8_FLAGS: readonly string[] = serveV8Flags();

function serveV8Flags(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}deno.json`));
  return (config.tasks.serve as string).split(" ").filter((arg) => arg.startsWith("--v8-flags="));
}

/** How long a child may take to say it is listening. */
const START_TIMEOUT_MS = 30_000;
/** How long a child may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5_000;
const TAIL_LINES = 40;

/** A running child process. */
export interface Child {
  name: string;
  pid: number;
  /** The last lines it wrote to stderr, for error reports. */
  stderrTail(): string;
}

/** A child that serves HTTP on loopback. */
export interface ServerChild extends Child {
  /** `http://127.0.0.1:PORT` */
  origin: string;
}

/** A load generator child (bench/load_client.ts). */
export interface LoadClient extends Child {
  /** Runs one load and resolves with its result. */
  run(spec: LoadSpec): Promise<LoadResult>;
}

/** How to start a server child. */
export interface ServerOptions {
  name: string;
  /** Arguments after `deno`. */
  args: string[];
  /** Extra environment; SQUINT_* variables of the bench's own environment are not passed on. */
  env?: Record<string, string>;
  /** Matches the stdout line announcing the address; group 1 is the origin. */
  listening: RegExp;
}

interface Entry {
  name: string;
  process: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
}

/** Splits a byte stream into lines, calling `onLine` for each. */
async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let buffered = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    }
  } catch {
    // the child went away; its exit status tells the rest
  }
  if (buffered) onLine(buffered);
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("SQUINT_")),
  );
  return { ...env, ...extra };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts, tracks and stops the bench's children. */
export class Processes {
  #entries: Entry[] = [];

  #spawn(name: string, args: string[], env: Record<string, string>) {
    const process = new Deno.Command(Deno.execPath(), {
      args,
      cwd: REPO_ROOT,
      env: childEnv(env),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const entry: Entry = { name, process, stdin: process.stdin.getWriter() };
    this.#entries.push(entry);
    const tail: string[] = [];
    readLines(process.stderr, (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    });
    return { entry, stderrTail: () => tail.join("\n") };
  }

  /** Starts a server child and waits for its listening line. */
  async startServer(options: ServerOptions): Promise<ServerChild> {
    const { entry, stderrTail } = this.#spawn(options.name, options.args, options.env ?? {});
    const listening = new Promise<string>((resolve, reject) => {
      readLines(entry.process.stdout, (line) => {
        const match = options.listening.exec(line);
        if (match) resolve(match[1]);
      }).then(() => reject(new Error(`${options.name} exited before listening`)));
    });
    try {
      const origin = await withTimeout(listening, START_TIMEOUT_MS, `${options.name} start`);
      return { name: options.name, pid: entry.process.pid, origin, stderrTail };
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${stderrTail()}`);
    }
  }

  /** Starts a load generator child (bench/load_client.ts). */
  async startLoadClient(name: string): Promise<LoadClient> {
    const { entry, stderrTail } = this.#spawn(name, ["run", "-A", "bench/load_client.ts"], {});
    const waiting: ((line: string) => void)[] = [];
    const early: string[] = [];
    let exited = false;
    readLines(entry.process.stdout, (line) => {
      const next = waiting.shift();
      if (next) next(line);
      else early.push(line);
    }).then(() => {
      exited = true;
      for (const next of waiting.splice(0)) next(JSON.stringify({ error: `${name} exited` }));
    });
    const nextLine = () =>
      early.length
        ? Promise.resolve(early.shift()!)
        : exited
        ? Promise.resolve(JSON.stringify({ error: `${name} exited` }))
        : new Promise<string>((resolve) => waiting.push(resolve));
    const ready = JSON.parse(await withTimeout(nextLine(), START_TIMEOUT_MS, `${name} start`));
    if (!ready.ready) throw new Error(`${name} did not start: ${ready.error}\n${stderrTail()}`);
    const encoder = new TextEncoder();
    let queue = Promise.resolve();
    return {
      name,
      pid: entry.process.pid,
      stderrTail,
      run: (spec) => {
        const answer = queue.then(async () => {
          await entry.stdin.write(encoder.encode(`${JSON.stringify(spec)}\n`));
          const limit = spec.warmupMs + spec.durationMs + spec.graceMs + 10_000;
          const reply = JSON.parse(await withTimeout(nextLine(), limit, `${name} load`));
          if (reply.error) throw new Error(`${name}: ${reply.error}\n${stderrTail()}`);
          return reply.result as LoadResult;
        });
        queue = answer.then(() => undefined, () => undefined);
        return answer;
      },
    };
  }

  /** Stops every child: SIGTERM, then SIGKILL for one that has not exited in time. */
  async stopAll(): Promise<void> {
    const entries = this.#entries.splice(0).reverse();
    await Promise.all(entries.map(async ({ process, stdin }) => {
      await stdin.close().catch(() => {});
      try {
        process.kill("SIGTERM");
      } catch {
        // already gone
      }
      try {
        await withTimeout(process.status, STOP_TIMEOUT_MS, "stop");
      } catch {
        try {
          process.kill("SIGKILL");
        } catch {
          // already gone
        }
        await process.status;
      }
    }));
  }
}
