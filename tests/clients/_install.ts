/**
 * The real Claude Code, Codex and Gemini CLIs, installed from npm at the versions pinned in
 * `npm/package.json` and `npm/package-lock.json` the first time a test needs them.
 *
 * A test file does
 *
 *     const clients = await pinnedClients();
 *     Deno.test({ name, ignore: clients.ignore, fn });
 *
 * When the clients cannot be installed or do not run here the tests are ignored and ONE line says
 * why; with CI=true they are not silently skipped: the run fails with that reason.
 *
 * @module
 */

import { runClient, tempDir } from "./_clients.ts";

/** The npm folder sits apart: Deno gives a folder with a `package.json` its own fmt settings. */
const NPM_DIR = new URL("./npm/", import.meta.url).pathname;
const MODULES = `${NPM_DIR}node_modules`;
const LOCK = `${NPM_DIR}.install.lock`;
/** The first install downloads ~350 MB of native binaries (17-24 s measured); later runs none. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** Where the lock's owner cannot be looked up, a lock older than this is a dead install's. */
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000;

/** The pinned client packages, `name → version`, as `npm/package.json` lists them. */
export const PINNED: Record<string, string> = JSON.parse(
  Deno.readTextFileSync(`${NPM_DIR}package.json`),
).dependencies;

/** The clients' command lines (program and leading arguments), or `ignore` when unavailable. */
export interface Clients {
  ignore: boolean;
  claude: string[];
  codex: string[];
  gemini: string[];
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The version of a package installed under `node_modules`, if any. */
function installedVersion(name: string): string | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(`${MODULES}/${name}/package.json`)).version;
  } catch {
    return undefined;
  }
}

function installed(): boolean {
  return Object.entries(PINNED).every(([name, version]) => installedVersion(name) === version);
}

/** Whether the install lock was left by a process that is gone (one killed mid-install). */
function lockIsStale(): boolean {
  try {
    const pid = Deno.readTextFileSync(LOCK).trim();
    if (pid && exists("/proc/self")) return !exists(`/proc/${pid}`);
    return Date.now() - (Deno.statSync(LOCK).mtime?.getTime() ?? 0) > STALE_LOCK_MS;
  } catch {
    return false;
  }
}

/** Takes the install lock (true), or waits while another test process installs (false). */
async function takeInstallLock(): Promise<boolean> {
  const deadline = Date.now() + STALE_LOCK_MS;
  while (Date.now() < deadline) {
    try {
      using lock = Deno.openSync(LOCK, { createNew: true, write: true });
      lock.writeSync(new TextEncoder().encode(String(Deno.pid)));
      return true;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    if (installed()) return false;
    if (lockIsStale()) Deno.removeSync(LOCK);
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`another install held ${LOCK} for too long`);
}

/**
 * Installs the pinned clients with `npm ci` in a staging folder and moves its `node_modules` into
 * place, so a killed install never leaves a half-filled folder; the lock keeps parallel test
 * processes from installing twice. Returns why it failed, or null.
 */
async function install(): Promise<string | null> {
  if (installed()) return null;
  if (!(await takeInstallLock())) return null;
  const staging = await Deno.makeTempDir({ dir: NPM_DIR, prefix: ".install-" });
  try {
    if (installed()) return null;
    for (const file of ["package.json", "package-lock.json"]) {
      await Deno.copyFile(`${NPM_DIR}${file}`, `${staging}/${file}`);
    }
    const pins = Object.entries(PINNED).map(([name, version]) => `${name}@${version}`);
    console.warn(`tests/clients: installing ${pins.join(", ")} with npm ci (first run only)…`);
    const started = performance.now();
    // npm keeps the test's environment: a registry or proxy configured there applies.
    const npm = await runClient(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: staging,
      env: {},
      inheritEnv: true,
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    if (npm.code !== 0) {
      const said = npm.stderr.trim().split("\n").slice(-5).join(" | ") || npm.stdout.slice(-500);
      return `npm ci failed (exit ${npm.code}${npm.timedOut ? ", timed out" : ""}): ${said}`;
    }
    await Deno.remove(MODULES, { recursive: true }).catch(() => {});
    await Deno.rename(`${staging}/node_modules`, MODULES);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.warn(`tests/clients: installed in ${seconds} s`);
    return null;
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? "npm is not on PATH" : String(error);
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    await Deno.remove(LOCK).catch(() => {});
  }
}

/**
 * Claude Code's command: its postinstall copies the native binary over `bin/claude.exe` (a
 * 500-byte placeholder before); where install scripts did not run, its own fallback launcher.
 */
function claudeCommand(): string[] {
  const native = `${MODULES}/@anthropic-ai/claude-code/bin/claude.exe`;
  if (Deno.statSync(native).size > 1_000_000) return [native];
  return ["node", `${MODULES}/@anthropic-ai/claude-code/cli-wrapper.cjs`];
}

/** Codex's command: its npm launcher, which runs the native binary of the platform package. */
function codexCommand(): string[] {
  return ["node", `${MODULES}/@openai/codex/bin/codex.js`];
}

/** Gemini CLI's command: its bundled entry script (the package has no native binary). */
function geminiCommand(): string[] {
  return ["node", `${MODULES}/@google/gemini-cli/bundle/gemini.js`];
}

/**
 * Why a client does not answer `--version` with its pinned version, or null. A throwaway HOME:
 * even `gemini --version` writes into `~/.gemini`.
 */
async function versionProblem(name: string, command: () => string[]): Promise<string | null> {
  try {
    await using home = await tempDir("squint-client-version-");
    const run = await runClient([...command(), "--version"], {
      cwd: NPM_DIR,
      env: { HOME: home.path },
      timeoutMs: 20_000,
    });
    if (run.code === 0 && run.stdout.includes(PINNED[name])) return null;
    const said = (run.stdout + run.stderr).trim().slice(0, 300);
    return `${name} --version exited ${run.code}: ${said}`;
  } catch (error) {
    return `${name} does not start: ${error}`;
  }
}

async function prepare(): Promise<Clients> {
  const why = await install() ??
    await versionProblem("@anthropic-ai/claude-code", claudeCommand) ??
    await versionProblem("@openai/codex", codexCommand) ??
    await versionProblem("@google/gemini-cli", geminiCommand);
  if (why === null) {
    return {
      ignore: false,
      claude: claudeCommand(),
      codex: codexCommand(),
      gemini: geminiCommand(),
    };
  }
  if (Deno.env.get("CI") === "true") {
    console.error(`FAILED: real-client tests (CI=true requires the clients): ${why}`);
    Deno.test("real-client tests: the pinned clients install and run under CI=true", () => {
      throw new Error(why);
    });
  } else {
    console.warn(`skipped: real-client tests: ${why}`);
  }
  return { ignore: true, claude: [], codex: [], gemini: [] };
}

let clients: Promise<Clients> | undefined;

/** The pinned clients, installed on first use (see the module doc). */
export function pinnedClients(): Promise<Clients> {
  return clients ??= prepare();
}
