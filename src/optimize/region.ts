/**
 * The part of a picture a question names ("the top left corner", "the left half", "in the
 * middle"), as a box in fractions of the picture. Only an unambiguous phrase counts: two
 * different parts named, or none, give no box, and the whole picture is sent.
 */

/** A box in fractions (0-1) of the picture's width and height. */
export interface RegionBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A named region and the words that named it. */
export interface NamedRegion {
  name: string;
  box: RegionBox;
  phrase: string;
}

/** The side words, in the languages of the intent set. */
const SIDE = {
  top: "(?:top|upper|superior|arriba|haut|oben|oberen?|alto|in alto)",
  bottom: "(?:bottom|lower|inferior|abajo|bas|unten|unteren?|basso|in basso)",
  left: "(?:left|izquierd[ao]|gauche|links|linken?|sinistra|esquerd[ao])",
  right: "(?:right|derech[ao]|droite|rechts|rechten?|destra|direit[ao])",
} as const;

/** The same sides in Chinese, Japanese and Korean, which have no word boundaries to match. */
const CJK_SIDE = {
  top: "(?:上|위)",
  bottom: "(?:下|아래)",
  left: "(?:左|왼)",
  right: "(?:右|오른)",
} as const;

/** A CJK half needs a word that makes the side a part ("左側", "上半分"), not any 上 or 下. */
const CJK_PART = "(?:側|侧|边|邊|半|部|の方|쪽)";

/** The part a side names: its half of the picture. */
const HALF: Record<keyof typeof SIDE, RegionBox> = {
  top: { x: 0, y: 0, width: 1, height: 0.5 },
  bottom: { x: 0, y: 0.5, width: 1, height: 0.5 },
  left: { x: 0, y: 0, width: 0.5, height: 1 },
  right: { x: 0.5, y: 0, width: 0.5, height: 1 },
};

const whole = (words: string) => `\\b${words}\\b`;

function corner(vertical: "top" | "bottom", horizontal: "left" | "right") {
  const [v, h] = [SIDE[vertical], SIDE[horizontal]];
  return {
    name: `${vertical} ${horizontal}`,
    pattern: new RegExp(
      `${whole(`${v}[\\s-]*${h}`)}|${whole(`${h}[\\s-]*${v}`)}|` +
        `${CJK_SIDE[horizontal]}(?:쪽)?\\s*${CJK_SIDE[vertical]}|${CJK_SIDE[vertical]}(?:쪽)?\\s*${
          CJK_SIDE[horizontal]
        }`,
      "iu",
    ),
    // The corner is where the two halves meet.
    box: { ...HALF[horizontal], y: HALF[vertical].y, height: 0.5 },
  };
}

function half(side: keyof typeof SIDE) {
  return {
    name: `${side} half`,
    pattern: new RegExp(`${whole(SIDE[side])}|${CJK_SIDE[side]}${CJK_PART}`, "iu"),
    box: HALF[side],
  };
}

/** Corners first: "top left" also contains "left", which must not count as a second region. */
const REGIONS: readonly { name: string; pattern: RegExp; box: RegionBox }[] = [
  corner("top", "left"),
  corner("top", "right"),
  corner("bottom", "left"),
  corner("bottom", "right"),
  half("left"),
  half("right"),
  half("top"),
  half("bottom"),
  {
    name: "centre",
    pattern: /\b(?:cent(?:er|re)|middle|centro|milieu|mitte)\b|真ん中|中央|中间|正中|가운데|중앙/iu,
    box: { x: 0.25, y: 0.25, width: 0.5, height: 0.5 },
  },
];

/** Words that make a side word mean something else than a part of the picture. */
const NOT_A_PART =
  /\b(?:left (?:out|over|behind)|right (?:now|away|answer)|all right|the right (?:one|way|answer))\b/iu;

/** The one region `question` names, or why there is none. */
export function namedRegion(question: string): NamedRegion | { none: string } {
  let text = question.replace(NOT_A_PART, " ");
  const found: NamedRegion[] = [];
  for (const region of REGIONS) {
    const match = region.pattern.exec(text);
    if (!match) continue;
    found.push({ name: region.name, box: region.box, phrase: match[0] });
    // The words are used up: "top left" does not also name the top half.
    text = text.replace(new RegExp(region.pattern.source, "giu"), " ");
  }
  if (found.length === 0) return { none: "no part of the picture named" };
  if (found.length > 1) {
    return { none: `several parts named (${found.map((f) => f.name).join(", ")})` };
  }
  return found[0];
}
