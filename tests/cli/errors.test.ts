/**
 * What the command says when it cannot do what it was asked, and its exit codes: 2 for a wrong
 * command or an unreadable input (named), 1 for something missing beside squint (named, with the
 * setting that points to it); a page with the OCR data missing still gets its decision, as
 * pixels, with a warning.
 */
import assert from "node:assert/strict";
import { corpusImage, corpusVideo, squint } from "./_cli.ts";

const PAGE = corpusImage("doc_r_intro_prose_p15_200dpi.png");

Deno.test("a missing file is named and the command exits 2", async () => {
  const run = await squint(["optimize", "no/such/photo.png", "--model", "gpt-4o"]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr, "squint optimize: cannot read no/such/photo.png: no such file\n");
});

Deno.test("a file that is neither an image nor a video is named and the command exits 2", async () => {
  const run = await squint(["optimize", "README.md", "--model", "gpt-4o"]);
  assert.equal(run.code, 2);
  assert.equal(
    run.stderr,
    "squint optimize: README.md is neither an image nor a video squint can read\n",
  );
});

Deno.test("an unknown verb prints the usage and exits 2; no verb too; help exits 0", async () => {
  const unknown = await squint(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^squint: unknown verb frobnicate\nusage: squint <verb> \[options\]/,
  );
  for (const verb of ["serve", "optimize", "usage", "keys"]) {
    assert.match(unknown.stderr, new RegExp(`\n  ${verb} `));
  }
  assert.match(unknown.stderr, /exit codes: 0 done, 1 squint could not do it, 2 wrong usage/);
  const none = await squint([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^usage: squint <verb>/);
  const help = await squint(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: squint <verb>/);
});

Deno.test("an unknown flag, a missing --model or a bad --fidelity print the verb's usage and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["optimize", PAGE, "--modle", "gpt-4o"], /^squint optimize: Unknown option '--modle'\n/],
    [["optimize", PAGE], /^squint optimize: optimize needs --model\n/],
    [["optimize", "--model", "gpt-4o"], /^squint optimize: optimize takes one file or URL\n/],
    [
      ["optimize", PAGE, "--model", "gpt-4o", "--fidelity", "extreme"],
      /^squint optimize: --fidelity: expected lossless, balanced, aggressive, got extreme\n$/,
    ],
    [
      ["usage", "--frobnicate"],
      /^squint usage: Unknown option '--frobnicate'\nusage: squint usage/,
    ],
    [["serve", "--port", "1"], /^squint serve: serve takes no arguments, got --port\n/],
  ];
  for (const [args, message] of cases) {
    const run = await squint(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.match(run.stderr, message);
    assert.equal(run.stdout, "");
  }
  const run = await squint(["optimize", PAGE]);
  assert.match(run.stderr, /\nusage: squint optimize <file\|url> --model MODEL/);
});

Deno.test("a URL of a private address is refused by squint's address guard, before any connection, exit 2", async () => {
  // 10.0.0.1 is a literal private address: the guard refuses it without resolving or connecting.
  const run = await squint(["optimize", "http://10.0.0.1/x.png", "--model", "gpt-4o"]);
  assert.equal(run.code, 2);
  assert.equal(
    run.stderr,
    "squint optimize: cannot fetch http://10.0.0.1/x.png: not fetched: host 10.0.0.1 resolves " +
      "to private address 10.0.0.1\n",
  );
});

Deno.test("a video with ffmpeg missing: one message naming the path tried and SQUINT_FFMPEG_PATH, exit 1", async () => {
  const video = corpusVideo("video_slideshow_hardcuts_720p_30s.mp4");
  const run = await squint(["optimize", video, "--model", "gpt-4o"], {
    SQUINT_FFMPEG_PATH: "/nonexistent/ffmpeg",
  });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.match(
    run.stderr,
    new RegExp(
      `^squint optimize: cannot sample ${video}: ffmpeg missing: could not run /nonexistent/ffmpeg ` +
        `\\(.*No such file.*\\); set SQUINT_FFMPEG_PATH to an ffmpeg binary\n$`,
    ),
  );
});

Deno.test("a page with the OCR data missing: a warning naming the folder and SQUINT_OCR_DATA_DIR, its pixels sent, exit 0", async () => {
  const run = await squint(
    ["optimize", PAGE, "--model", "claude-sonnet-4-6", "--question", "What does it say?", "--json"],
    { SQUINT_OCR_DATA_DIR: "/nonexistent/ocr" },
  );
  assert.equal(run.code, 0, run.stderr);
  const warning = "OCR data missing: no eng.traineddata.gz in /nonexistent/ocr; set " +
    "SQUINT_OCR_DATA_DIR to a folder holding it (it ships in squint's " +
    "workers/image/ocr_model); pages cannot be read, their pixels are sent";
  assert.equal(run.stderr, `squint optimize: warning: ${warning}\n`);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(report.warnings, [warning]);
  assert.equal(report.image.action, "resize");
  assert.equal(report.sent.as, "picture");
  assert.ok(report.tokens.after < report.tokens.before);
});

Deno.test("a bad setting is named and the command exits 1", async () => {
  const run = await squint(["optimize", PAGE, "--model", "gpt-4o"], { SQUINT_FIDELITY: "extreme" });
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^squint optimize: configuration error: SQUINT_FIDELITY: .*"extreme"\n$/,
  );
});
