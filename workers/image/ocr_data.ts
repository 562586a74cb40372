/**
 * Where the OCR engine's English model (`eng.traineddata.gz`) is: the folder
 * `SQUINT_OCR_DATA_DIR` names, else `ocr_model/` beside this module (tessdata_fast's English
 * model: see its README for where it comes from and why it, not `@tesseract.js-data/eng`'s
 * `4.0.0_best_int`, which the setting can point at). A compiled squint carries no such folder of
 * its own, so the setting points at one beside it; when the file is not there, the message says
 * what is missing, where it was looked for, and which setting points elsewhere.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The file tesseract loads for English. */
export const OCR_DATA_FILE = "eng.traineddata.gz";

/** The setting that names another folder. */
export const OCR_DATA_SETTING = "SQUINT_OCR_DATA_DIR";

/** The folder of the model squint ships (`ocr_model/`, beside this module). */
const SHIPPED = new URL("./ocr_model", import.meta.url);

/** The shipped model's folder as a path (as it is when squint's code is not on disk). */
function shippedDir(): string {
  return SHIPPED.protocol === "file:" ? fileURLToPath(SHIPPED) : SHIPPED.href;
}

function configuredDir(): string | undefined {
  try {
    return Deno.env.get(OCR_DATA_SETTING) || undefined;
  } catch {
    // No permission to read the environment: the shipped folder it is.
    return undefined;
  }
}

/** The folder holding `eng.traineddata.gz`: the configured one, else the shipped one. */
export function ocrDataDir(): string {
  return configuredDir() ?? shippedDir();
}

/** Why pages cannot be read (the OCR model is not where squint looks), or undefined. */
export function missingOcrData(dir: string = ocrDataDir()): string | undefined {
  try {
    if (Deno.statSync(`${dir}/${OCR_DATA_FILE}`).isFile) return undefined;
  } catch {
    // Missing or unreadable: said below.
  }
  return `OCR data missing: no ${OCR_DATA_FILE} in ${dir}; set ${OCR_DATA_SETTING} to a folder ` +
    `holding it (it ships in squint's workers/image/ocr_model)`;
}
