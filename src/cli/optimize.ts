/**
 * `squint optimize <file|url> --model M [--question Q] [--fidelity F] [--out PATH] [--json]`:
 * what squint would send in place of one image or video for a model and a question, and what
 * that saves — the gateway's own decision (`/v1/optimize` of a one-item request, in-process, on
 * an in-memory store), printed as a table or as one JSON object (`OptimizeReport`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createSquint } from "../library/squint.ts";
import { SquintError } from "../library/squint_error.ts";
import type { Plan } from "../library/plan.ts";
import type { Config } from "../config.ts";
import { argumentsError, CliError, EXIT, type ExitCode, usageError } from "./cli_error.ts";
import { cliConfig } from "./cli_config.ts";
import { type Input, readInput } from "./input.ts";
import { mediaRequest } from "./media_request.ts";
import { ffmpegProblem, ocrDataProblem } from "./needs.ts";
import { optimizeReport } from "./optimize_report.ts";
import { optimizeTable } from "./optimize_table.ts";
import { writeOut } from "./optimize_out.ts";

/** How the verb is called. */
export const OPTIMIZE_HELP = `usage: squint optimize <file|url> --model MODEL [--question TEXT]
         [--fidelity lossless|balanced|aggressive] [--out PATH] [--json]`;

const FIDELITIES = ["lossless", "balanced", "aggressive"] as const;
type Fidelity = typeof FIDELITIES[number];

/** What the command line asks. */
interface Asked {
  input: string;
  model: string;
  question?: string;
  fidelity?: Fidelity;
  out?: string;
  json: boolean;
}

function parse(args: string[]): Asked | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: "string" },
        question: { type: "string" },
        fidelity: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw argumentsError(e, OPTIMIZE_HELP);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1) {
    throw usageError(`optimize takes one file or URL\n${OPTIMIZE_HELP}`);
  }
  if (!values.model) throw usageError(`optimize needs --model\n${OPTIMIZE_HELP}`);
  const fidelity = values.fidelity as Fidelity | undefined;
  if (fidelity !== undefined && !FIDELITIES.includes(fidelity)) {
    throw usageError(`--fidelity: expected ${FIDELITIES.join(", ")}, got ${values.fidelity}`);
  }
  return {
    input: positionals[0],
    model: values.model,
    question: values.question,
    fidelity,
    out: values.out,
    json: values.json,
  };
}

/** What squint cannot do here for this input: a warning (pages) or an error (videos). */
async function checkNeeds(input: Input, config: Config): Promise<string[]> {
  if (input.kind === "video") {
    const problem = await ffmpegProblem(config);
    if (problem) throw new CliError(`cannot sample ${input.name}: ${problem}`);
    return [];
  }
  const problem = ocrDataProblem(config);
  return problem ? [`${problem}; pages cannot be read, their pixels are sent`] : [];
}

/** The plan of the input's one-item request, from a squint that lives for this call. */
async function planOf(input: Input, asked: Asked, config: Config): Promise<Plan> {
  const squint = createSquint({
    ...config,
    // A dry run: nothing is logged, kept or served.
    storage: "embedded",
    data_dir: ":memory:",
    media_store: "off",
    log_level: "off",
    metrics: "off",
  });
  try {
    return await squint.optimize(mediaRequest(input, asked));
  } catch (e) {
    if (!(e instanceof SquintError)) throw e;
    // squint refusing the input (4xx) is the input's fault; anything else is squint's.
    throw new CliError(`${input.name}: ${e.message}`, e.status < 500 ? EXIT.usage : EXIT.failed);
  } finally {
    await squint.close();
  }
}

/** Runs `squint optimize` with its arguments; resolves to the exit code. */
export async function optimizeCommand(args: string[]): Promise<ExitCode> {
  const asked = parse(args);
  if (asked === "help") {
    console.log(OPTIMIZE_HELP);
    return EXIT.done;
  }
  const config = cliConfig();
  const input = await readInput(asked.input, config);
  const warnings = await checkNeeds(input, config);
  // Said before the work starts: reading a page can take seconds.
  for (const warning of warnings) console.error(`squint optimize: warning: ${warning}`);
  const plan = await planOf(input, asked, config);
  const report = optimizeReport(input, plan, { question: asked.question, warnings });
  if (asked.out) {
    const written = await writeOut(input, plan, asked.out).catch((e) => {
      throw new CliError(`cannot write ${asked.out}: ${(e as Error).message}`);
    });
    if ("path" in written) report.out = written.path;
    else report.warnings.push(written.nothing);
  }
  for (const warning of report.warnings.slice(warnings.length)) {
    console.error(`squint optimize: warning: ${warning}`);
  }
  console.log(asked.json ? JSON.stringify(report, null, 2) : optimizeTable(report));
  return EXIT.done;
}
