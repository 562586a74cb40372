/**
 * Launching the real clients: a subprocess with a clean environment, a bounded run time and its
 * output collected; throwaway folders; and each client's settings for a loopback base URL.
 *
 * @module
 */

/** How long a client may run before it is stopped (SIGTERM, then SIGKILL after the grace). */
export const CLIENT_TIMEOUT_MS = 90_000;
const KILL_GRACE_MS = 5_000;

/** How one client run ended and what it printed. */
export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
  /** True when it was stopped for running past its time. */
  timedOut: boolean;
}

/** How to run a client. */
export interface RunOptions {
  cwd: string;
  /** The whole environment but PATH: nothing else of the test's leaks into the client. */
  env: Record<string, string>;
  /** Default {@linkcode CLIENT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Keep the test's environment under `env` (for npm, never for the clients). */
  inheritEnv?: boolean;
}

/** Runs `argv` to its end, or stops it (SIGTERM, then SIGKILL) when it runs past its time. */
export async function runClient(argv: string[], options: RunOptions): Promise<ClientRun> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: options.cwd,
    clearEnv: !options.inheritEnv,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  let killer: ReturnType<typeof setTimeout> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    kill("SIGTERM");
    killer = setTimeout(() => kill("SIGKILL"), KILL_GRACE_MS);
  }, options.timeoutMs ?? CLIENT_TIMEOUT_MS);
  try {
    const output = await child.output();
    const text = new TextDecoder();
    return {
      code: output.code,
      stdout: text.decode(output.stdout),
      stderr: text.decode(output.stderr),
      timedOut,
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(killer);
  }
}

/** What a client run shows in a failed assertion. */
export function describeRun(run: ClientRun): string {
  return `exit ${run.code}${run.timedOut ? " (timed out)" : ""}\n` +
    `stdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(-2000)}`;
}

/** A fresh temporary folder (its real path), removed with everything in it on disposal. */
export interface TempDir extends AsyncDisposable {
  readonly path: string;
}

/** Makes a {@linkcode TempDir}. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix }));
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}),
  };
}

/**
 * Claude Code's environment for a loopback base URL; telemetry, updates and other traffic off
 * (with these, strace shows 2.1.332 opening only the base URL's socket).
 */
export function claudeEnv(baseUrl: string, home: string): Record<string, string> {
  return {
    HOME: home,
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "sk-ant-client-key",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
}

/** Codex settings that keep it to its base URL: no update check, analytics or plugins. */
const CODEX_OFFLINE = [
  `check_for_update_on_startup = false`,
  ``,
  `[analytics]`,
  `enabled = false`,
  ``,
  `[features]`,
  `plugins = false`,
];

/**
 * Writes Codex's `config.toml` into `codexHome`: a Responses provider at `baseUrl`, and `model`.
 * Analytics and plugins are off, or Codex 0.171.0 looks up chatgpt.com, ab.chatgpt.com,
 * github.com and api.github.com (seen with strace); with them off it opens only the loopback one.
 */
export async function writeCodexConfig(codexHome: string, baseUrl: string, model: string) {
  const lines = [
    `model = "${model}"`,
    `model_provider = "squint"`,
    ...CODEX_OFFLINE,
    ``,
    `[model_providers.squint]`,
    `name = "squint"`,
    `base_url = "${baseUrl}"`,
    `env_key = "OPENAI_API_KEY"`,
    `wire_api = "responses"`,
  ];
  await Deno.writeTextFile(`${codexHome}/config.toml`, lines.join("\n") + "\n");
}

/** Codex's environment: its home holding `config.toml`, and the key its provider reads. */
export function codexEnv(codexHome: string, home: string): Record<string, string> {
  return { HOME: home, CODEX_HOME: codexHome, OPENAI_API_KEY: "sk-client-key" };
}

/**
 * Writes Codex's `config.toml` for its built-in OpenAI provider, whose base URL and model come on
 * the command line (`-c openai_base_url=… -m …`): only the settings that keep it off the network
 * (with them, strace shows 0.171.0 opening only the loopback base URL's socket).
 */
export async function writeCodexOfflineConfig(codexHome: string) {
  await Deno.writeTextFile(`${codexHome}/config.toml`, CODEX_OFFLINE.join("\n") + "\n");
}

/**
 * Codex's environment for its built-in provider: `codex exec` 0.171.0 takes that provider's key
 * from CODEX_API_KEY (with OPENAI_API_KEY alone it sends no Authorization header at all).
 */
export function codexBuiltInEnv(codexHome: string, home: string): Record<string, string> {
  return { HOME: home, CODEX_HOME: codexHome, CODEX_API_KEY: "sk-client-key" };
}

/**
 * Writes Gemini CLI's `~/.gemini/settings.json` into `home`: API-key auth, and usage statistics,
 * telemetry and update checks off. With usage statistics on, 0.61.0 looks up play.googleapis.com
 * (seen with strace); with these it opens only the loopback base URL's socket.
 */
export async function writeGeminiSettings(home: string) {
  const settings = {
    security: { auth: { selectedType: "gemini-api-key" } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  };
  await Deno.mkdir(`${home}/.gemini`, { recursive: true });
  await Deno.writeTextFile(`${home}/.gemini/settings.json`, JSON.stringify(settings, null, 2));
}

/**
 * Gemini CLI's environment for a loopback base URL (an origin: the CLI adds `/v1beta`). TMPDIR is
 * the throwaway home too, where the CLI leaves its error reports.
 */
export function geminiEnv(origin: string, home: string): Record<string, string> {
  return {
    HOME: home,
    TMPDIR: home,
    GOOGLE_GEMINI_BASE_URL: origin,
    GEMINI_API_KEY: "some-client-key",
    GEMINI_CLI_TRUST_WORKSPACE: "true",
  };
}
