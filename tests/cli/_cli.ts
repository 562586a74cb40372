/**
 * The `squint` command run as a user runs it (`deno run -A src/cli/main.ts …` from the repository
 * root, a child process), and what the library answers in-process for the same input, to hold
 * the command's figures against.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createSquint } from "../../src/mod.ts";
import { imageRequest } from "../../src/library/image.ts";
import type { Plan } from "../../src/library/plan.ts";
import { CLI_OCR_BUDGET_MS } from "../../src/cli/cli_config.ts";
import { corpusDir } from "../support/squint.ts";

/** The repository root, where the command runs. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** What a run of the command gave. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `squint …args` with `env` over the test's own environment. */
export async function squint(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/main.ts", ...args],
    cwd: ROOT,
    env: { SQUINT_WORKERS: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/**
 * `squint serve` as a child process on a free port, `env` over the test defaults (no data kept,
 * one image worker), its output read as text; disposing it kills it if it still runs.
 */
export function serveChild(env: Record<string, string>, stderr: "piped" | "null" = "null") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/main.ts", "serve"],
    cwd: ROOT,
    env: { SQUINT_PORT: "0", SQUINT_DATA_DIR: ":memory:", SQUINT_WORKERS: "1", ...env },
    stdout: "piped",
    stderr,
  }).spawn();
  const text = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeThrough(new TextDecoderStream()).getReader();
  const readers = {
    stdout: text(child.stdout),
    stderr: stderr === "piped" ? text(child.stderr) : undefined,
  };
  return {
    child,
    ...readers,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      await readers.stdout.cancel().catch(() => {});
      await readers.stderr?.cancel().catch(() => {});
      await child.status;
    },
  };
}

/** A corpus image's path. */
export function corpusImage(file: string): string {
  return `${corpusDir()}/images/${file}`;
}

/** A corpus video's path. */
export function corpusVideo(file: string): string {
  return `${corpusDir()}/videos/${file}`;
}

/** The library's plan for one image, with the settings the command line runs with. */
export async function libraryPlan(
  path: string,
  model: string,
  question?: string,
  settings: Record<string, string> = {},
): Promise<Plan> {
  const squint = createSquint({ ocr_budget_ms: CLI_OCR_BUDGET_MS, workers: 1, ...settings });
  try {
    return await squint.optimize(imageRequest(await Deno.readFile(path), { model, question }));
  } finally {
    await squint.close();
  }
}

/** The cells of the table line that starts with `label` (cells are two or more spaces apart). */
export function tableRow(table: string, label: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`${label}  `));
  if (line === undefined) throw new Error(`no line ${label} in\n${table}`);
  return line.trim().split(/\s{2,}/);
}

/** The row the command prints for figures `before` → `after`. */
export function figureCells(label: string, before: number, after: number): string[] {
  const n = (x: number) => x.toLocaleString("en-US");
  const saved = before - after;
  return [label, n(before), n(after), n(saved), `${Math.round((saved / before) * 100)}%`];
}

/**
 * Asserts the table's figure rows (label → before, after) and its cost row are the plan's: the
 * rows every `optimize` table has.
 */
export function assertFigures(
  table: string,
  figures: Record<string, [number, number]>,
  cost: Plan["cost"],
): void {
  for (const [label, [before, after]] of Object.entries(figures)) {
    assert.deepEqual(tableRow(table, label), figureCells(label, before, after));
  }
  assert.deepEqual(tableRow(table, "cost"), costCells(cost));
}

/** The cost row the command prints for a plan's cost. */
export function costCells(cost: Plan["cost"]): string[] {
  const before = cost.before_usd!, after = cost.after_usd!;
  const saved = Math.round((before - after) * 1e10) / 1e10;
  const usd = (x: number) => `$${x.toFixed(6)}`;
  return ["cost", usd(before), usd(after), usd(saved), `${Math.round((saved / before) * 100)}%`];
}
