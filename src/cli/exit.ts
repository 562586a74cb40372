/**
 * How the command line ends the process: `Deno.exit`, guarded (when OpenTelemetry is on) by a
 * watchdog thread that kills the process if the runtime's own exit blocks (see
 * `workers/exit_watchdog.ts`).
 *
 * @module
 */
import { telemetryOn } from "../observe/telemetry.ts";
import type { ExitWatch } from "../../workers/exit_watchdog.ts";

const WATCHDOG = new URL("../../workers/exit_watchdog.ts", import.meta.url);

/**
 * How long the runtime may take to exit with telemetry on: its OTLP exporter gives up on a
 * collector after 10 s (`OTEL_EXPORTER_OTLP_TIMEOUT`'s default), so a flush that can still
 * succeed has that and a margin.
 */
export const TELEMETRY_EXIT_MS = 15_000;

/** Starts the watchdog and resolves once it is counting. */
export function armWatchdog(watch: ExitWatch): Promise<void> {
  const worker = new Worker(WATCHDOG, { type: "module" });
  const armed = new Promise<void>((resolve) => worker.onmessage = () => resolve());
  worker.postMessage(watch);
  return armed;
}

/** Exits the process with `code`. */
export async function exit(code: number): Promise<never> {
  if (telemetryOn()) {
    await armWatchdog({
      ms: TELEMETRY_EXIT_MS,
      reason: `the runtime did not exit within ${
        TELEMETRY_EXIT_MS / 1000
      } s of shutdown (its OpenTelemetry flush is stuck); killing the process`,
    });
  }
  Deno.exit(code);
}
