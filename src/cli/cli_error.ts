/**
 * The command line's exit codes, and the error that carries one from where a command fails to its
 * entry point: 0 done, 1 squint could not do it (a setting, a missing tool, storage), 2 the
 * command was wrong or its input unreadable (an unknown verb or flag, a missing file, a refused
 * URL, bytes that are no image or video).
 *
 * @module
 */

/** What a command's exit code says. */
export const EXIT = { done: 0, failed: 1, usage: 2 } as const;

/** An exit code of the command line. */
export type ExitCode = typeof EXIT[keyof typeof EXIT];

/** A command that cannot go on: its message for stderr and its exit code. */
export class CliError extends Error {
  override name = "CliError";

  constructor(message: string, readonly exitCode: ExitCode = EXIT.failed) {
    super(message);
  }
}

/** An error of the command's usage (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/** The usage error of arguments `parseArgs` refused: the first sentence of why, then `help`. */
export function argumentsError(error: unknown, help: string): CliError {
  const why = (error as Error).message.split(/\.? To specify|\n/)[0];
  return usageError(`${why}\n${help}`);
}
