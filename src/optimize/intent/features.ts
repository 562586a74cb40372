/**
 * The features of the intent classifier: word unigrams and bigrams plus character 3-5-grams of
 * the question (robust to typos and to scripts without spaces), and the same, with their own
 * prefix, of the earlier turn that carried the image when the question is a follow-up.
 */

/** Lower case, compatibility-normalized, one space between words, no edge spaces. */
export function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Cue words that say what a question needs, in the languages of the labelled set, as concept
 * features the model weighs like any other: they let a few hundred examples generalize to
 * phrasings the set does not have. Written from the label definitions (LABELS.md).
 */
/** `w` as a whole word or phrase (`\\b` does not know non-ASCII letters). */
const whole = (w: string) => `(?<![\\p{L}\\p{N}])(?:${w})(?![\\p{L}\\p{N}])`;

/**
 * Named cue patterns: a match on the normalized text adds the concept feature `k<r>:<name>` (a
 * `cjk_` prefix is dropped, so a script's own pattern feeds the same concept).
 */
export type Cues = Readonly<Record<string, RegExp>>;

const CUES: Cues = {
  read: new RegExp(
    [
      "text",
      "words?",
      "written",
      "writing",
      "says?",
      "said",
      "read(?: out)?",
      "transcri\\w*",
      "extract",
      "ocr",
      "copy",
      "summar\\w*",
      "translat\\w*",
      "paragraph",
      "sentence",
      "document",
      "page",
      "letter",
      "article",
      "contract",
      "clause",
      "form",
      "fields?",
      "invoice",
      "receipt",
      "bill",
      "total",
      "amount",
      "due",
      "price",
      "cost",
      "menu",
      "agenda",
      "table",
      "csv",
      "json",
      "markdown",
      "error",
      "message",
      "code",
      "spreadsheet",
      "email",
      "texto",
      "dice",
      "pone",
      "escrito",
      "documento",
      "factura",
      "recibo",
      "resum\\w*",
      "texte",
      "dit",
      "écrit",
      "facture",
      "reçu",
      "montant",
      "text",
      "steht",
      "rechnung",
      "betrag",
      "zusammenfass\\w*",
      "testo",
      "scritto",
      "fattura",
      "tekst",
      "staat",
      "diz",
      "escrito",
      "conta",
    ].map(whole).join("|"),
    "iu",
  ),
  cjk_read:
    /文字|書いて|内容|テキスト|読んで|写|文本|内容|翻译|翻訳|合計|总|発票|请求書|领收|領収/u,
  count:
    /(?<![\p{L}\p{N}])(?:how many|count|number of|cuántos?|cuántas?|combien|wie viele|quant[oia]s?|hoeveel)(?![\p{L}\p{N}])|几|多少|何人|いくつ|何個|何本/iu,
  detail: new RegExp(
    [
      "serial",
      "label",
      "dosage",
      "dose",
      "medication",
      "medicine",
      "pill",
      "tablet",
      "meter",
      "gauge",
      "reading",
      "measure\\w*",
      "defects?",
      "scratch\\w*",
      "cracks?",
      "damage",
      "ultrasound",
      "sonogram",
      "ecograf\\w*",
      "échograph\\w*",
      "ultraschall",
      "radiograph\\w*",
      "dermatolog\\w*",
      "medical",
      "x-?ray",
      "mri",
      "ct scan",
      "scan",
      "lesion",
      "mole",
      "rash",
      "skin",
      "tumou?r",
      "compare",
      "difference",
      "differ\\w*",
      "signature",
      "signed",
      "check ?box",
      "ticked",
      "plate",
      "model number",
      "part number",
      "small print",
      "fine print",
      "clock",
      "time",
      "sign",
      "exact\\w*",
      "precise\\w*",
      "tiny",
      "small",
      "zoom",
      "etiqueta",
      "letrero",
      "cartel",
      "placa",
      "dosis",
      "panneau",
      "étiquette",
      "schild",
      "etikett",
      "cartello",
      "etichetta",
      "bord",
      "medicament\\w*",
      "médicament\\w*",
    ].map(whole).join("|"),
    "iu",
  ),
  cjk_detail: /看板|标志|標識|ラベル|标签|薬|药|メーター|仪表|比較|比较|違い|区别|署名|签名/u,
  glance: new RegExp(
    [
      "what is (?:this|it|that)",
      "what's (?:this|in)",
      "what is in",
      "describe",
      "briefly",
      "caption",
      "kind of",
      "type of",
      "sort of",
      "mood",
      "atmosphere",
      "vibe",
      "feel",
      "colou?r",
      "season",
      "indoors?",
      "outdoors?",
      "day ?time",
      "night",
      "style",
      "scene",
      "is (?:this|it) (?:a|an)",
      "is there",
      "are there",
      "anyone",
      "anything",
      "subject",
      "qué es",
      "qu'est-ce",
      "was ist",
      "cos'è",
      "o que é",
      "wat is",
      "describ\\w*",
      "ambiance",
      "stimmung",
      "estilo",
    ].map(whole).join("|"),
    "iu",
  ),
  cjk_glance: /何ですか|なに|什么|是什么|描述|説明して|雰囲気|氛围|颜色|色/u,
  general: new RegExp(
    [
      "explain",
      "why",
      "how (?:do|can|should|would) i",
      "should i",
      "advice",
      "advise",
      "improve",
      "feedback",
      "critique",
      "review",
      "analy[sz]\\w*",
      "chart",
      "graph",
      "plot",
      "diagram",
      "trend",
      "strategy",
      "fix",
      "what would",
      "help me",
      "opinion",
      "recommend\\w*",
      "suggest\\w*",
      "meaning",
      "mean",
      "interpret\\w*",
      "explica\\w*",
      "expli\\w*",
      "erklär\\w*",
      "spiega\\w*",
      "uitleg\\w*",
      "gráfic\\w*",
      "graphique",
      "diagramm",
    ].map(whole).join("|"),
    "iu",
  ),
  cjk_general: /为什么|なぜ|どうすれば|怎么|建议|アドバイス|グラフ|图表|分析/u,
  region: new RegExp(
    [
      "left",
      "right",
      "top",
      "bottom",
      "upper",
      "lower",
      "corner",
      "half",
      "middle",
      "cent(?:er|re)",
      "quadrant",
      "third",
      "side",
      "edge",
      "izquierd\\w*",
      "derech\\w*",
      "arriba",
      "abajo",
      "esquina",
      "gauche",
      "droite",
      "haut",
      "bas",
      "coin",
      "links",
      "rechts",
      "oben",
      "unten",
      "ecke",
      "sinistra",
      "destra",
      "angolo",
      "esquerd\\w*",
      "direit\\w*",
      "canto",
      "linksboven",
      "rechtsboven",
      "linksonder",
      "rechtsonder",
    ].map(whole).join("|"),
    "iu",
  ),
  cjk_region: /左|右|上半|下半|隅|角|真ん中|中央|中间|上の|下の/u,
};
const CUE_WEIGHT = 3;
const CHAR_GRAMS = [3, 4, 5] as const;

function add(into: Map<string, number>, feature: string): void {
  into.set(feature, (into.get(feature) ?? 0) + 1);
}

function textFeatures(
  text: string,
  prefix: string,
  into: Map<string, number>,
  cues: Cues,
): void {
  const clean = normalize(text);
  if (!clean) return;
  const words = clean.match(WORD) ?? [];
  for (let i = 0; i < words.length; i++) {
    add(into, `${prefix}w:${words[i]}`);
    if (i > 0) add(into, `${prefix}b:${words[i - 1]} ${words[i]}`);
  }
  for (const [name, pattern] of Object.entries(cues)) {
    const cue = name.replace(/^cjk_/, "");
    if (pattern.test(clean)) {
      for (let r = 0; r < CUE_WEIGHT; r++) add(into, `${prefix}k${r}:${cue}`);
    }
  }
  const padded = ` ${clean} `;
  for (const n of CHAR_GRAMS) {
    for (let i = 0; i + n <= padded.length; i++) add(into, `${prefix}c:${padded.slice(i, i + n)}`);
  }
}

/** What the classifier reads of a conversation about one image. */
export interface IntentInput {
  /** The latest question. */
  text: string;
  /** The earlier turn that carried the image, when the question is a follow-up. */
  context?: string;
}

/**
 * Feature counts of `input` (features of the context are prefixed `x`). `cues` replaces the
 * image-question cues for a classifier of another kind (routing/task).
 */
export function features(input: IntentInput, cues: Cues = CUES): Map<string, number> {
  const out = new Map<string, number>();
  textFeatures(input.text, "", out, cues);
  if (input.context) textFeatures(input.context, "x", out, cues);
  return out;
}
