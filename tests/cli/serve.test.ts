/**
 * `squint serve` is `deno task serve`: it starts the gateway, says at start what is missing
 * beside it (OCR data, ffmpeg) with the settings that point to them, and which production settings
 * the embedded store leaves unused, and exits 0 on SIGTERM.
 */
import assert from "node:assert/strict";
import { waitForLine } from "../support/child_output.ts";
import { serveChild } from "./_cli.ts";

Deno.test("squint serve answers /health, warns of missing OCR data and ffmpeg, and of production settings the embedded store ignores, at start, and exits 0 on SIGTERM", async () => {
  await using served = serveChild({
    SQUINT_OCR_DATA_DIR: "/nonexistent/ocr",
    SQUINT_FFMPEG_PATH: "/nonexistent/ffmpeg",
    // Set, but SQUINT_STORAGE is embedded (its default): said, never connected to.
    SQUINT_DATABASE_URL: "postgres://squint:hunter2@127.0.0.1:1/squint",
    SQUINT_S3_BUCKET: "audit",
  }, "piped");
  const { child, stdout } = served;
  // All are said before squint listens, OCR data first; one read holds the lines.
  const [, ocr, ffmpeg, unused] = await waitForLine(
    served.stderr!,
    /^squint: (OCR data missing: .*)\nsquint: (ffmpeg missing: .*)\nsquint: (.*)\n/m,
  );
  assert.equal(
    unused,
    "SQUINT_STORAGE is embedded, so SQUINT_DATABASE_URL, SQUINT_S3_BUCKET are not used " +
      "(SQUINT_STORAGE=production uses them)",
  );
  assert.equal(
    ocr,
    "OCR data missing: no eng.traineddata.gz in /nonexistent/ocr; set SQUINT_OCR_DATA_DIR to a " +
      "folder holding it (it ships in squint's workers/image/ocr_model); " +
      "pages cannot be read, their pixels are sent",
  );
  assert.match(
    ffmpeg,
    /^ffmpeg missing: could not run \/nonexistent\/ffmpeg \(.*\); set SQUINT_FFMPEG_PATH to an ffmpeg binary; videos are refused \(500 no_ffmpeg\)$/,
  );
  const [, port] = await waitForLine(stdout, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  child.kill("SIGTERM");
  await waitForLine(stdout, /all requests finished; exiting/);
  assert.equal((await child.status).code, 0);
});
