/**
 * The configuration a command runs with: the server's (`SQUINT_*` variables and the file
 * `SQUINT_CONFIG` names), with the command line's own defaults where a one-off command differs
 * from a server: it waits for a page's text (there is no next request to gain from reading in the
 * background) unless `SQUINT_OCR_BUDGET_MS` says otherwise.
 *
 * @module
 */
import { type Config, ConfigError, loadConfig } from "../config.ts";
import { CliError } from "./cli_error.ts";

/** How long `squint optimize` waits for a page's text by default: as long as reading takes. */
export const CLI_OCR_BUDGET_MS = 600_000;

/** The command line's defaults, as environment variables the environment overrides. */
const CLI_DEFAULTS: Record<string, string> = {
  SQUINT_OCR_BUDGET_MS: String(CLI_OCR_BUDGET_MS),
};

/** The configuration of `env` over the command line's defaults; exit 1 naming a bad setting. */
export function cliConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  try {
    return loadConfig({ ...CLI_DEFAULTS, ...env });
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`configuration error: ${e.message}`);
    throw e;
  }
}
