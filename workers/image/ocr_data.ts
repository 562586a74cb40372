/**
 * Where the OCR engine's English model (`eng.traineddata.gz`) is: the folder
 * `SQUINT_OCR_DATA_DIR` names, else the `4.0.0_best_int` folder of the `@tesseract.js-data/eng`
 * package. A compiled squint carries no such folder of its own, so the setting points at one
 * beside it; when the file is not there, the message says what is missing, where it was looked
 * for, and which setting points elsewhere.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The file tesseract loads for English. */
export const OCR_DATA_FILE = "eng.traineddata.gz";

/** The setting that names another folder. */
export const OCR_DATA_SETTING = "SQUINT_OCR_DATA_DIR";

/** The folder of the `@tesseract.js-data/eng` package's English LSTM model. */
function packagedDir(): string {
  try {
    return fileURLToPath(
      new URL("./4.0.0_best_int", import.meta.resolve("@tesseract.js-data/eng")),
    );
  } catch {
    return fileURLToPath(
      new URL("../../node_modules/@tesseract.js-data/eng/4.0.0_best_int", import.meta.url),
    );
  }
}

function configuredDir(): string | undefined {
  try {
    return Deno.env.get(OCR_DATA_SETTING) || undefined;
  } catch {
    // No permission to read the environment: the packaged folder it is.
    return undefined;
  }
}

/** The folder holding `eng.traineddata.gz`: the configured one, else the package's. */
export function ocrDataDir(): string {
  return configuredDir() ?? packagedDir();
}

/** Why pages cannot be read (the OCR model is not where squint looks), or undefined. */
export function missingOcrData(dir: string = ocrDataDir()): string | undefined {
  try {
    if (Deno.statSync(`${dir}/${OCR_DATA_FILE}`).isFile) return undefined;
  } catch {
    // Missing or unreadable: said below.
  }
  return `OCR data missing: no ${OCR_DATA_FILE} in ${dir}; set ${OCR_DATA_SETTING} to a folder ` +
    `holding it (it ships in node_modules/@tesseract.js-data/eng/4.0.0_best_int)`;
}
