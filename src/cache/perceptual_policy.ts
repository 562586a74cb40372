/**
 * When an answer cached for a picture may be reused for a picture that only looks like it.
 *
 * A perceptual match says two pictures look alike at 32×32, nothing more: an invoice with a
 * different total, a form with another name or a page with one changed digit hashes like the
 * original. So a near match is reused only for photos (by the worker's content verdict), for
 * questions about the whole scene (intent `glance` or `general`), and never when the question
 * asks to read, count, compare or find something, in any of the languages below.
 *
 * @module
 */

import type { Intent } from "../optimize/intent/model.ts";
import type { ContentFacts } from "../../workers/image/types.ts";

/**
 * Least content confidence for `photo`. A photo verdict's confidence is the lesser of how clear
 * its colour count is and how far its text-line score is from `text`'s threshold, so 0.8 asks
 * for ≥ 18 colours and a text-line score ≤ 0.22: a picture close to being read as text is never
 * reused. The corpus photos, art and their copies all score 1.0 (bench/perceptual.ts).
 */
export const MIN_PHOTO_CONFIDENCE = 0.8;

/** Intents whose answer is about the scene as a whole. */
const SCENE_INTENTS: ReadonlySet<Intent> = new Set(["glance", "general"]);

/**
 * Words of questions whose answer depends on details a perceptual hash cannot see: reading,
 * amounts, names, numbers, dates, counting, comparing, finding. `words` (regex alternatives,
 * one line per theme) match whole words once accents are dropped; `parts` match anywhere, for
 * scripts without spaces and German compounds (Rechnungsnummer, Gesamtbetrag).
 */
const DETAIL_WORDS: Record<string, { words?: string[]; parts?: string[] }> = {
  en: {
    words: [
      "read(s|ing)?|texts?|say(s|ing)?|said|writ(e|es|ing|ten)|words?|letter(s|ing)?",
      "spell(s|ed|ing)?|transcri(be|bes|bed|ption)|extract|ocr",
      "totals?|sum|prices?|costs?|amounts?|names?|numbers?|digits?|serial|dates?|dated",
      "how (many|much)|count(s|ed|ing)?|compar(e|es|ed|ing|ison)|differen(ce|ces|t)",
      "find(s|ing)?|spot(s|ted|ting)?|which one",
    ],
  },
  es: {
    words: [
      "le(e|er|a)|lectura|texto|dice|escrito|palabras?",
      "total|precio|importe|monto|nombre|numero|serie|fecha",
      "cuant(o|a|os|as)|contar|cuenta|compar(a|ar)|diferencias?|encontrar|encuentra|busca(r)?",
    ],
  },
  fr: {
    words: [
      "lire|lis|lisez|texte|dit|ecrit(e)?|mots?",
      "total(e)?|prix|montant|noms?|numero|nombre|serie|date",
      "combien|compter|compar(er|ez)|differences?|trouve(r|z)?|repere(r|z)?",
    ],
  },
  de: {
    words: [
      "lesen|lies|text|steht|sagt|geschrieben|worte?",
      "summe|gesamt|preis(e)?|kosten|namen?|zahl(e|en)?|datum",
      "wie viele|vergleich(e|en)?|unterschied(e)?|finde(n)?",
    ],
    parts: ["nummer", "betrag"],
  },
  pt: {
    words: [
      "ler|leia|texto|diz|escrito|palavras?",
      "total|preco|valor|nome|numero|serie|data",
      "quant(os|as)|contar|compar(e|ar)|diferencas?|encontr(e|ar)|ach(e|ar)",
    ],
  },
  it: {
    words: [
      "legg(i|ere)|testo|dice|scritt(o|a)|parole",
      "totale|prezzo|importo|nome|numero|serie|data",
      "quant(i|e)|contare|confront(a|are)|differenz(a|e)|trova(re)?",
    ],
  },
  zh: {
    parts: [
      "读|讀|文字|文本|写的|写着|寫的|寫著|说什么|說什麼",
      "总计|总额|总共|總計|總額|總共|合计|价格|价钱|價格|價錢|金额|金額",
      "名字|名称|名稱|号码|號碼|数字|數字|序列号|日期",
      "多少|几|幾|数一数|數一數|比较|比較|区别|區別|不同|找",
    ],
  },
  ja: {
    parts: [
      "読|文字|テキスト|書",
      "合計|値段|価格|金額|名前|番号|数字|シリアル|日付",
      "いくつ|何個|何人|数え|比較|比べ|違い|探|見つけ",
    ],
  },
};

const DETAIL_QUESTION = new RegExp(
  [
    `(?<![\\p{L}\\p{N}])(?:${
      Object.values(DETAIL_WORDS).flatMap((l) => l.words ?? []).join("|")
    })(?![\\p{L}\\p{N}])`,
    ...Object.values(DETAIL_WORDS).flatMap((l) => l.parts ?? []),
  ].join("|"),
  "iu",
);

/** The question without Latin accents (`número` → `numero`), other scripts untouched. */
const withoutAccents = (text: string) =>
  text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC");

/** What the rule needs to know about one image and its question. */
export interface PerceptualMatchInput {
  /** The worker's content verdict; without one nothing is reused. */
  content?: Pick<ContentFacts, "label" | "confidence">;
  intent: Intent;
  question: string;
}

/** Whether a perceptual (near-duplicate) cache match may answer this question, and why. */
export function perceptualMatchAllowed(
  input: PerceptualMatchInput,
): { allowed: boolean; reason: string } {
  const { content, intent, question } = input;
  if (!content) return { allowed: false, reason: "no content verdict" };
  if (content.label !== "photo") {
    return { allowed: false, reason: `content is ${content.label}, not photo` };
  }
  if (content.confidence < MIN_PHOTO_CONFIDENCE) {
    return {
      allowed: false,
      reason: `photo confidence ${content.confidence.toFixed(2)} < ${MIN_PHOTO_CONFIDENCE}`,
    };
  }
  if (!SCENE_INTENTS.has(intent)) {
    return { allowed: false, reason: `intent ${intent} needs the exact picture` };
  }
  const detail = DETAIL_QUESTION.exec(withoutAccents(question));
  if (detail) {
    return { allowed: false, reason: `the question asks for details ("${detail[0]}")` };
  }
  return { allowed: true, reason: `a ${intent} question about a photo` };
}
