import assert from "node:assert/strict";

const PAGE = new URL(
  "../../../shared/corpus/images/doc_acm_sigconf_table_twocol_p3_200dpi.jpg",
  import.meta.url,
);

Deno.test("reading a page prints nothing of tesseract's own (no 'Estimating resolution as …')", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../support/ocr_once.ts", import.meta.url).pathname, PAGE.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout), err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, err);
  assert.match(out, /^words [1-9]\d*\n$/);
  assert.equal(err, "");
});
