import assert from "node:assert/strict";
import { closeOcr, type OcrResult, recognize } from "../../workers/image/ocr.ts";
import { analyzeLayout, layoutText, type LayoutWord } from "../../workers/image/ocr_layout.ts";
import { collapseSpace, levenshtein } from "../../bench/ocr_accuracy.ts";
import { corpusDir } from "../support/squint.ts";

// tesseract takes seconds per page: each corpus page is recognised once, on first use.
const pages = new Map<string, Promise<OcrResult>>();
function ocrPage(file: string): Promise<OcrResult> {
  if (!pages.has(file)) {
    pages.set(file, Deno.readFile(`${corpusDir()}/images/${file}`).then((b) => recognize(b)));
  }
  return pages.get(file)!;
}

/** The line holding `needle`, failing the test when there is none. */
function lineWith(text: string, needle: string): string {
  const line = text.split("\n").find((l) => l.includes(needle));
  assert.ok(line !== undefined, `no line contains ${JSON.stringify(needle)}`);
  return line;
}

/** One word box on a grid of 10 px per character and 20 px per line. */
function word(text: string, column: number, line: number): LayoutWord {
  return {
    text,
    x0: column * 10,
    y0: line * 20,
    x1: (column + text.length) * 10,
    y1: line * 20 + 14,
  };
}

/** A line of words starting at `column`, one space apart. */
function line(text: string, column: number, lineNo: number): LayoutWord[] {
  const words: LayoutWord[] = [];
  for (const w of text.split(" ")) {
    words.push(word(w, column, lineNo));
    column += w.length + 1;
  }
  return words;
}

Deno.test("a single-column prose page reads with at most 2% character errors", async () => {
  const result = await ocrPage("doc_r_intro_prose_p15_200dpi.png");
  const truth = collapseSpace(
    await Deno.readTextFile(`${corpusDir()}/truth/doc_r_intro_prose_p15_200dpi.txt`),
  );
  const cer = levenshtein(truth, collapseSpace(result.text)) / truth.length;
  assert.ok(cer <= 0.02, `CER ${(cer * 100).toFixed(2)}%`);
  assert.equal(result.columns, 1);
  assert.ok(result.meanConfidence > 80 && result.meanConfidence <= 100);
  assert.ok(result.areaShare > 0.05 && result.areaShare < 1);
  assert.deepEqual([result.width, result.height], [1700, 2200]);
});

Deno.test("a table page keeps each row on one line with its cells in aligned columns", async () => {
  const { text } = await ocrPage("doc_debian_reference_table_p51_150dpi.png");
  const header = lineWith(text, "key strokes");
  const help = lineWith(text, ":help|only");
  // tessdata_fast reads this row's "vim" as "Vim": the row and its columns are what is tested.
  const set = lineWith(text, "im to the sane nocompatible mode");
  assert.match(header, /^\s*mode\s{2,}key strokes\s{2,}action$/);
  assert.match(help, /^\s*NORMAL\s{2,}:help\|only\s{2,}display the help file$/);
  assert.match(
    set,
    /^\s*NORMAL\s{2,}:set nocompatible\s{2,}set [vV]im to the sane nocompatible mode$/,
  );
  assert.equal(help.indexOf(":help"), header.indexOf("key strokes"));
  assert.equal(help.indexOf("display"), header.indexOf("action"));
  assert.equal(set.search(/set [vV]im/), header.indexOf("action"));
  assert.match(text, /\n\s*Table 1\.16: List of basic Vim key strokes\n/);
});

Deno.test("a two-column page is read column by column, not line by line", async () => {
  const result = await ocrPage("doc_latex_news_twocol_p1_200dpi.png");
  assert.equal(result.columns, 2);
  // Two sentences of the right column stay together, though the left column's table of
  // contents sits beside them on the page.
  assert.match(
    result.text,
    /The 2022 June release of \S+ is again focussing\n\s*on improvements made for our multi-year project to\n\s*automatically offer tagged PDF output \[1\]\. These are\n/,
  );
  assert.doesNotMatch(lineWith(result.text, "on improvements made"), /Testing for/);
});

Deno.test("a code screenshot keeps the indentation of each line", async () => {
  const { text } = await ocrPage("code_terminal_cat_cpp_light.png");
  const brace = lineWith(text, "    10 ");
  const cout = lineWith(text, "    11 ");
  const stream = lineWith(text, "This program illustrates");
  assert.equal(cout.indexOf("cout") - brace.indexOf("{"), 4);
  assert.equal(stream.indexOf("<<") - cout.indexOf("cout"), 4);
  assert.match(lineWith(text, "#include <math.h>"), /^\s+3\s+#include <math\.h>$/);
});

Deno.test("a receipt photo is read with its shaded price column on the item lines", async () => {
  const { text } = await ocrPage("receipt_photo_grindelwald_2448x3264.jpg");
  assert.match(lineWith(text, "Macchiato"), /4\.50\s+CHF\s+9\.00$/);
  assert.match(lineWith(text, "Schweinschnitzel"), /22\.00\s+CHF\s+22\.00$/);
  assert.match(lineWith(text, "Entspricht in Euro"), /36\.33\s+EUR$/);
});

Deno.test("words on one baseline form one line, and a wider gap makes a paragraph break", () => {
  const words = [
    ...line("The quick brown fox", 0, 0),
    ...line("jumps over the dog.", 0, 1),
    ...line("A new paragraph.", 0, 3),
  ];
  assert.equal(
    layoutText(words),
    "The quick brown fox\njumps over the dog.\n\nA new paragraph.",
  );
});

Deno.test("a word set lower (x-height only) stays in its row", () => {
  const words = [
    word("the", 0, 0),
    { text: "can", x0: 40, y0: 4, x1: 70, y1: 14 },
    word("be", 8, 0),
  ];
  assert.equal(layoutText(words), "the can be");
});

Deno.test("leading indentation is kept in character widths", () => {
  const words = [
    ...line("int main() {", 0, 0),
    ...line("if (x) {", 4, 1),
    ...line("return 1;", 8, 2),
    ...line("}", 4, 3),
    ...line("}", 0, 4),
  ];
  assert.equal(layoutText(words), "int main() {\n    if (x) {\n        return 1;\n    }\n}");
});

Deno.test("two columns of prose are emitted left column first, after a full-width title", () => {
  const left = [
    "Lorem ipsum dolor sit amet, consectetur",
    "adipiscing elit, sed do eiusmod tempor",
    "incididunt ut labore et dolore magna",
    "aliqua. Ut enim ad minim veniam, quis",
    "nostrud exercitation ullamco laboris.",
  ];
  const right = [
    "Duis aute irure dolor in reprehenderit",
    "in voluptate velit esse cillum dolore",
    "eu fugiat nulla pariatur. Excepteur sint",
    "occaecat cupidatat non proident, sunt",
    "in culpa qui officia deserunt mollit.",
  ];
  const words = [
    ...line("A Title That Spans Both Of The Columns Of This Page Here", 10, 0),
    ...left.flatMap((text, i) => line(text, 0, i + 2)),
    ...right.flatMap((text, i) => line(text, 45, i + 2)),
  ];
  const structure = analyzeLayout(words);
  assert.equal(structure.columns, 2);
  assert.deepEqual(structure.tables, []);
  assert.equal(
    structure.text,
    [
      "A Title That Spans Both Of The Columns Of This Page Here",
      "",
      ...left,
      "",
      ...right,
    ].join("\n"),
  );
});

Deno.test("a table of three aligned columns is emitted with padded cells", () => {
  const rows = [["Name", "Qty", "Price"], ["Apple", "3", "1.20"], ["Blueberries", "12", "4.50"], [
    "Fig",
    "7",
    "0.90",
  ]];
  const words = rows.flatMap((cells, i) => [
    ...line(cells[0], 0, i),
    ...line(cells[1], 20, i),
    ...line(cells[2], 30, i),
  ]);
  const structure = analyzeLayout(words);
  assert.deepEqual(structure.tables, [{ rows: 4, columns: 3 }]);
  assert.equal(structure.columns, 1);
  assert.equal(
    structure.text,
    [
      "Name         Qty  Price",
      "Apple        3    1.20",
      "Blueberries  12   4.50",
      "Fig          7    0.90",
    ].join("\n"),
  );
});

Deno.test("label and value pairs on two lines are not a table", () => {
  const words = [...line("Invoice no: 38", 0, 0), ...line("Date: 2 November", 40, 0)];
  const structure = analyzeLayout(words);
  assert.deepEqual(structure.tables, []);
  assert.equal(structure.text, "Invoice no: 38                          Date: 2 November");
});

Deno.test("a table's vertical rule read as bars is dropped, a `||` operator is kept", () => {
  const rule = (x: number, lineNo: number) => ({
    text: "||",
    x0: x * 10,
    y0: lineNo * 20 - 5,
    x1: x * 10 + 10,
    y1: lineNo * 20 + 19,
  });
  const words = [
    ...line("Lots of lines", 0, 0),
    rule(14, 0),
    ...line("like this.", 16, 0),
    ...line("if (a || b) return;", 0, 1),
  ];
  assert.equal(layoutText(words), "Lots of lines   like this.\nif (a || b) return;");
});

Deno.test("a table of contents beside running text is still two columns", () => {
  const toc = [
    "A short introduction",
    "The document metadata interface",
    "The latex-lab bundle",
    "A new mark mechanism",
  ];
  const prose = [
    "The 2022 June release is again focussing",
    "on improvements made for our multi-year",
    "project to automatically offer tagged PDF",
    "output. These are the new interfaces for",
  ];
  const words = [
    ...toc.flatMap((text, i) => [...line(text, 0, i), word(String(i + 1), 38, i)]),
    ...prose.flatMap((text, i) => line(text, 45, i)),
  ];
  const structure = analyzeLayout(words);
  assert.equal(structure.columns, 2);
  assert.ok(structure.text.includes(`${prose[0]}\n${prose[1]}\n`));
});

Deno.test("no words give empty text and no columns", () => {
  assert.deepEqual(analyzeLayout([]), { columns: 0, tables: [], text: "" });
});

Deno.test("closing the OCR worker ends its thread", async () => {
  await Promise.allSettled(pages.values());
  await closeOcr();
});
