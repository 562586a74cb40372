/**
 * The `squint` command (`deno task cli …`, and the binary `deno task compile` builds): one verb
 * per concern, each in its own file, each resolving to an exit code (see `cli_error.ts`).
 *
 *   squint serve
 *   squint optimize photo.png --model gpt-4o --question "What is in it?" [--out small.jpg] [--json]
 *   squint usage --since 7d --group-by model
 *   squint keys list
 *
 * @module
 */
import { keysCommand } from "../keys/cli.ts";
import { CliError, EXIT, type ExitCode, usageError } from "./cli_error.ts";
import { exit } from "./exit.ts";
import { OPTIMIZE_HELP, optimizeCommand } from "./optimize.ts";
import { serve, SERVE_HELP } from "./serve.ts";
import { USAGE_HELP, usageCommand } from "./usage.ts";

/** A verb: what it does, how it is called, and how it runs. */
interface Verb {
  summary: string;
  usage: string;
  run(args: string[]): Promise<ExitCode>;
}

const VERBS: Record<string, Verb> = {
  serve: { summary: "run the gateway", usage: SERVE_HELP, run: serve },
  optimize: {
    summary: "what squint sends for one image or video, and what it saves",
    usage: OPTIMIZE_HELP,
    run: optimizeCommand,
  },
  usage: {
    summary: "totals and savings from the request log",
    usage: USAGE_HELP,
    run: usageCommand,
  },
  keys: {
    summary: "create, list, update and revoke squint keys",
    usage: "usage: squint keys create|list|update|revoke … (squint keys --help)",
    run: (args) => keysCommand(args, "squint keys"),
  },
};

/** The whole command's usage. */
export function usage(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  return [
    "usage: squint <verb> [options]",
    "",
    ...Object.entries(VERBS).map(([name, verb]) => `  ${name.padEnd(width)}  ${verb.summary}`),
    "",
    ...Object.values(VERBS).map((verb) => verb.usage),
    "",
    "exit codes: 0 done, 1 squint could not do it, 2 wrong usage or unreadable input",
  ].join("\n");
}

/** Runs the command line `args`; resolves to the exit code, having said why on stderr. */
export async function main(args: string[]): Promise<ExitCode> {
  const [name, ...rest] = args;
  if (name === "help" || name === "--help" || name === "-h") {
    console.log(usage());
    return EXIT.done;
  }
  if (name === undefined) {
    console.error(usage());
    return EXIT.usage;
  }
  const verb = Object.hasOwn(VERBS, name) ? VERBS[name] : undefined;
  try {
    if (!verb) throw usageError(`unknown verb ${name}\n${usage()}`);
    return await verb.run(rest);
  } catch (e) {
    const error = e instanceof CliError ? e : new CliError((e as Error).message ?? String(e));
    console.error(`squint${verb ? ` ${name}` : ""}: ${error.message}`);
    return error.exitCode;
  }
}

if (import.meta.main) await exit(await main(Deno.args));
