/**
 * Reads one picture with squint's OCR and prints the number of words: a child process whose
 * every other line of output is tesseract's own (tests/workers/ocr_quiet.test.ts).
 *
 * `deno run -A tests/support/ocr_once.ts IMAGE`
 *
 * @module
 */
import { closeOcr, recognize } from "../../workers/image/ocr.ts";

const result = await recognize(await Deno.readFile(Deno.args[0]));
console.log(`words ${result.words.length}`);
await closeOcr();
