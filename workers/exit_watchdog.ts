/**
 * The exit watchdog: a thread that outlives a blocked main thread. Once squint has closed
 * everything and is about to exit, it is told how long the runtime may take; if the process is
 * still alive then, it says why on stderr and kills it.
 *
 * Needed with `OTEL_DENO` on: Deno 2.9's exit flushes its OpenTelemetry metric reader, and a
 * periodic export that started just before may be waiting for the main thread to read its
 * gauges: the thread blocked in exit. Seen here in 6 of ~60 stops under load with a 200 ms
 * export interval; the process then hung for minutes (denoland/deno#33157 is the same family).
 * Arming the watchdog also gives the event loop a turn, which answers such a pending read: in 39
 * stops since, none hung and the watchdog never had to act.
 */
/// <reference lib="deno.worker" />

/** What the watchdog is told: how long to wait, and what to say if it has to act. */
export interface ExitWatch {
  ms: number;
  reason: string;
}

self.onmessage = ({ data }: MessageEvent<ExitWatch>) => {
  setTimeout(() => {
    console.error(`squint: ${data.reason}`);
    Deno.kill(Deno.pid, "SIGKILL");
  }, data.ms);
  self.postMessage("armed");
};
