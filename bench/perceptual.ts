/**
 * Section (f): perceptual matching for the response cache, on the corpus.
 *
 * (a) `NearIndex` lookup latency at 100k and 1M entries (random hashes plus the corpus's), with a
 * linear scan over the same entries, in the same process, as the reference; (b) hit rate and
 * false hits on a workload of corpus copies (every image, its JPEG q60, 50% and 2-3%-cropped
 * copies, and invoices/documents with a total or a name rewritten), looked up in an index of
 * the originals with the safety policy applied on the worker's own content verdict; (c) the
 * cost of hashing a decoded picture, next to decoding alone, and the alternatives measured.
 *
 * Run alone: `deno run -A bench/perceptual.ts [corpusDir]`.
 *
 * @module
 */

import {
  COPY_KINDS,
  type CopyKind,
  copyOf,
  EDIT_KINDS,
  EDITABLE,
  examine,
  type Examined,
  GLANCE_QUESTION,
  TEXT_HEAVY,
  uprightOnWhite,
} from "../tests/support/image_copies.ts";
import {
  hammingHex,
  HASH_SIDE,
  type PerceptualHashes,
  perceptualHashes,
} from "../workers/image/perceptual.ts";
import { createCanvas } from "@napi-rs/canvas";
import { resizeUpright } from "../workers/image/downscale.ts";
import type { ContentFacts } from "../workers/image/types.ts";
import { DHASH_DISTANCE, NearIndex, PHASH_DISTANCE } from "../src/cache/near_index.ts";
import { perceptualMatchAllowed } from "../src/cache/perceptual_policy.ts";
import { classifyIntent } from "../src/optimize/intent/classify.ts";
import { fixed, percent, table } from "./table.ts";
import { prng } from "../tests/support/prng.ts";

/** One manifest entry (the fields read here). */
interface Entry {
  file: string;
  category: string;
}

/** One lookup of the workload: a picture, what it is a copy of, and what the worker saw. */
interface Probe {
  file: string;
  category: string;
  kind: "original" | CopyKind;
  hashes: PerceptualHashes;
  content?: ContentFacts;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Every corpus image, its copies, and (section c) what hashing cost next to decoding. */
async function corpusProbes(corpusDir: string) {
  const manifest = (JSON.parse(Deno.readTextFileSync(`${corpusDir}/manifest.json`)) as Entry[])
    .filter((e) => e.file.startsWith("images/"));
  const probes: Probe[] = [];
  const costs: { file: string; decode: number; hash: number; fullRead: number; resized: number }[] =
    [];
  for (const entry of manifest) {
    const bytes = Deno.readFileSync(`${corpusDir}/${entry.file}`);
    const original = await examine(bytes);
    probes.push({ ...entry, kind: "original", hashes: original.hashes, content: original.content });
    costs.push({
      file: entry.file,
      decode: original.decodeMs,
      hash: original.hashMs,
      ...alternatives(original),
    });
    const page = uprightOnWhite(original.image, original.info);
    const kinds: CopyKind[] = [...COPY_KINDS, ...(EDITABLE.has(entry.category) ? EDIT_KINDS : [])];
    for (const kind of kinds) {
      const copy = await examine(copyOf(page, kind));
      probes.push({ ...entry, kind, hashes: copy.hashes, content: copy.content });
    }
  }
  return { probes, costs };
}

/**
 * The rejected ways to hash a decoded picture: reading back the full-size pixels, and the
 * exact-area `resizeUpright` to `HASH_SIDE` instead of one draw. Timed after `hashesOfImage`
 * on the same picture, so neither pays for Skia's mipmaps: the comparison favours them.
 */
function alternatives(found: Examined): { fullRead: number; resized: number } {
  const { image } = found;
  let t = performance.now();
  const full = createCanvas(image.naturalWidth, image.naturalHeight);
  full.getContext("2d").drawImage(image, 0, 0);
  perceptualHashes(full.getContext("2d").getImageData(0, 0, full.width, full.height));
  const fullRead = performance.now() - t;
  t = performance.now();
  const scale = Math.min(1, HASH_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
  const width = Math.max(1, Math.round(image.naturalWidth * scale));
  const height = Math.max(1, Math.round(image.naturalHeight * scale));
  const small = resizeUpright(image, { width, height, orientation: 1, alpha: true });
  perceptualHashes(small.getContext("2d").getImageData(0, 0, width, height));
  return { fullRead, resized: performance.now() - t };
}

/**
 * Distances that set the thresholds, within one group of categories: the farthest copy from its
 * original per kind, and the closest pair of different pictures (any probe vs another original).
 */
function distances(probes: Probe[], group: (p: Probe) => boolean) {
  const members = probes.filter(group);
  const originals = members.filter((p) => p.kind === "original");
  const own = new Map(originals.map((o) => [o.file, o.hashes]));
  const copies: Record<string, { p: number; d: number; worst: string }> = {};
  for (const p of members.filter((p) => p.kind !== "original")) {
    const o = own.get(p.file)!;
    const [dp, dd] = [hammingHex(p.hashes.phash, o.phash), hammingHex(p.hashes.dhash, o.dhash)];
    const row = copies[p.kind] ??= { p: -1, d: 0, worst: "" };
    if (dp > row.p) [row.p, row.worst] = [dp, p.file];
    row.d = Math.max(row.d, dd);
  }
  let closest = { p: 65, d: 65, pair: "" }, closestD = 65;
  for (const a of members) {
    for (const b of originals) {
      if (a.file === b.file) continue;
      const dp = hammingHex(a.hashes.phash, b.hashes.phash);
      const dd = hammingHex(a.hashes.dhash, b.hashes.dhash);
      if (dp < closest.p) closest = { p: dp, d: dd, pair: `${a.file} (${a.kind}) / ${b.file}` };
      closestD = Math.min(closestD, dd);
    }
  }
  return { copies, closest, closestD };
}

/** The groups the threshold table reports. */
const GROUPS: Record<string, (p: Probe) => boolean> = {
  photo: (p) => p.category === "photo",
  "art, photo_with_text": (p) => p.category === "art" || p.category === "photo_with_text",
  "photo, art, photo_with_text": (p) => ["photo", "art", "photo_with_text"].includes(p.category),
  "document, invoice, receipt": (p) => EDITABLE.has(p.category),
};

const short = (file: string) => file.replaceAll("images/", "");

/** The threshold table: per group, the farthest copy of each kind and the closest stranger. */
function formatDistances(measured: Record<string, ReturnType<typeof distances>>): string {
  const kinds = [...COPY_KINDS, ...EDIT_KINDS];
  const cell = (r?: { p: number; d: number }) => (r ? `${r.p}/${r.d}` : "-");
  return [
    "Farthest copy from its original and closest different pair, pHash/dHash bits:",
    table(
      ["group", ...kinds, "closest stranger", "min dHash"],
      Object.entries(measured).map(([group, m]) => [
        group,
        ...kinds.map((k) => cell(m.copies[k])),
        cell(m.closest),
        m.closestD,
      ]),
    ),
    ...Object.entries(measured).flatMap(([group, m]) => [
      `  ${group}: farthest copies ${
        kinds.filter((k) => m.copies[k]).map((k) => `${k} ${short(m.copies[k].worst)}`).join(", ")
      }; closest stranger ${short(m.closest.pair)}`,
    ]),
  ].join("\n");
}

/** (b): every probe looked up in an index of the originals, with the policy applied. */
function workload(probes: Probe[]) {
  const index = new NearIndex();
  for (const p of probes.filter((p) => p.kind === "original")) index.add(p.file, p.hashes);
  const intent = classifyIntent({ text: GLANCE_QUESTION }).label;
  const rows: Record<
    string,
    { lookups: number; hashHits: number; allowed: number; right: number; falseHits: number }
  > = {};
  const falseHits: string[] = [];
  for (const p of probes) {
    const key = `${
      TEXT_HEAVY.has(p.category) ? "text-heavy" : p.content?.label === "photo" ? "photo" : "other"
    } ${p.kind}`;
    const row = rows[key] ??= { lookups: 0, hashHits: 0, allowed: 0, right: 0, falseHits: 0 };
    row.lookups++;
    const match = index.nearest(p.hashes);
    if (!match) continue;
    row.hashHits++;
    const verdict = perceptualMatchAllowed({
      content: p.content,
      intent,
      question: GLANCE_QUESTION,
    });
    if (!verdict.allowed) continue;
    row.allowed++;
    const wrong = match.id !== p.file || TEXT_HEAVY.has(p.category);
    if (wrong) {
      row.falseHits++;
      falseHits.push(`${p.file} (${p.kind}) → ${match.id}`);
    } else row.right++;
  }
  const sum = (prefix: string, field: keyof (typeof rows)[string], copiesOnly = false) =>
    Object.entries(rows).filter(([k]) =>
      k.startsWith(prefix) && !(copiesOnly && k.endsWith(" original"))
    ).reduce((n, [, r]) => n + r[field], 0);
  const textLabels: Record<string, number> = {};
  for (const p of probes.filter((p) => TEXT_HEAVY.has(p.category))) {
    const label = p.content?.label ?? "none";
    textLabels[label] = (textLabels[label] ?? 0) + 1;
  }
  return {
    intent,
    rows,
    falseHits,
    photoCopies: sum("photo ", "lookups", true),
    photoCopiesAnswered: sum("photo ", "right", true),
    textLookups: sum("text-heavy ", "lookups"),
    textHashHits: sum("text-heavy ", "hashHits"),
    textAllowed: sum("text-heavy ", "allowed"),
    textLabels,
    minPhotoConfidence: Math.min(
      ...probes.filter((p) => p.content?.label === "photo").map((p) => p.content!.confidence),
    ),
  };
}

const hex32 = (v: number) => (v >>> 0).toString(16).padStart(8, "0");

/** (a): lookup latency of the index and of a linear scan over the same entries. */
function latency(size: number, real: PerceptualHashes[], queries: number) {
  const random = prng(size);
  const u32 = () => (random() * 2 ** 32) >>> 0;
  const words = (h: string) => [parseInt(h.slice(0, 8), 16), parseInt(h.slice(8), 16)];
  const [phi, plo, dhi, dlo] = [0, 0, 0, 0].map(() => new Uint32Array(size));
  for (let i = 0; i < size; i++) {
    const h = real[i];
    [phi[i], plo[i], dhi[i], dlo[i]] = h
      ? [...words(h.phash), ...words(h.dhash)]
      : [u32(), u32(), u32(), u32()];
  }
  // Memory is measured around the index alone: the scan's arrays exist already.
  const before = Deno.memoryUsage();
  const index = new NearIndex({ maxEntries: size });
  let t = performance.now();
  for (let i = 0; i < size; i++) {
    const phash = hex32(phi[i]) + hex32(plo[i]), dhash = hex32(dhi[i]) + hex32(dlo[i]);
    index.add(`e${i}`, { phash, dhash });
  }
  const buildMs = performance.now() - t;
  const after = Deno.memoryUsage();
  const flip = (hi: number, lo: number, bits: number) => {
    for (let k = 0; k < bits; k++) {
      const bit = Math.floor(random() * 64);
      if (bit < 32) hi ^= 1 << bit;
      else lo ^= 1 << (bit - 32);
    }
    return hex32(hi) + hex32(lo);
  };
  // Half near copies of stored entries (a few bits flipped), half strangers.
  const asked = Array.from({ length: queries }, (_, q) => {
    if (q % 2) return { phash: hex32(u32()) + hex32(u32()), dhash: hex32(u32()) + hex32(u32()) };
    const i = Math.floor(random() * size);
    return {
      phash: flip(phi[i], plo[i], Math.floor(random() * (PHASH_DISTANCE / 2))),
      dhash: flip(dhi[i], dlo[i], Math.floor(random() * (DHASH_DISTANCE / 2))),
    };
  });
  const timed = (find: (h: PerceptualHashes) => string | undefined) => {
    const ms: number[] = [], found: (string | undefined)[] = [];
    for (const h of asked) {
      t = performance.now();
      found.push(find(h));
      ms.push(performance.now() - t);
    }
    return { ms, found };
  };
  const viaIndex = timed((h) => index.nearest(h)?.id);
  const scan = timed((h) => {
    const [qhi, qlo] = words(h.phash), [rhi, rlo] = words(h.dhash);
    let best = -1, bp = 65, bd = 65;
    for (let i = 0; i < size; i++) {
      const p = popcount(phi[i] ^ qhi) + popcount(plo[i] ^ qlo);
      if (p > PHASH_DISTANCE || p > bp) continue;
      const d = popcount(dhi[i] ^ rhi) + popcount(dlo[i] ^ rlo);
      if (d > DHASH_DISTANCE) continue;
      if (p < bp || d < bd || (d === bd && `e${i}` < `e${best}`)) [best, bp, bd] = [i, p, d];
    }
    return best < 0 ? undefined : `e${best}`;
  });
  const agree = viaIndex.found.filter((id, q) => id === scan.found[q]).length;
  return {
    size,
    queries,
    hits: viaIndex.found.filter((id) => id !== undefined).length,
    agree,
    buildMs,
    heapMB: (after.heapUsed - before.heapUsed) / 1e6,
    rssMB: (after.rss - before.rss) / 1e6,
    index: { p50: 1000 * quantile(viaIndex.ms, 0.5), p99: 1000 * quantile(viaIndex.ms, 0.99) },
    scan: { p50: 1000 * quantile(scan.ms, 0.5), p99: 1000 * quantile(scan.ms, 0.99) },
  };
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Runs section (f) on the corpus at `corpusDir`. */
export async function runPerceptual(
  corpusDir: string,
): Promise<{ text: string; headline: string[]; results: Record<string, unknown> }> {
  const lines: string[] = [];
  const { probes, costs } = await corpusProbes(corpusDir);

  const measured = Object.fromEntries(
    Object.entries(GROUPS).map(([group, member]) => [group, distances(probes, member)]),
  );
  lines.push(
    `Thresholds: pHash ≤ ${PHASH_DISTANCE}, dHash ≤ ${DHASH_DISTANCE} (src/cache/near_index.ts).`,
    formatDistances(measured),
    "",
  );

  const b = workload(probes);
  lines.push(
    `(b) ${probes.length} lookups (${probes.filter((p) => p.kind === "original").length} ` +
      `originals in the index), question "${GLANCE_QUESTION}" (intent ${b.intent}), policy on the ` +
      "worker's content verdict (OCR off):",
    table(
      ["class copy", "lookups", "hash hits", "allowed", "right", "false hits"],
      Object.entries(b.rows).sort().map((
        [k, r],
      ) => [k, r.lookups, r.hashHits, r.allowed, r.right, r.falseHits]),
    ),
  );
  lines.push(
    `Photo copies answered from the cache: ${b.photoCopiesAnswered}/${b.photoCopies} (${
      percent(b.photoCopiesAnswered / b.photoCopies)
    }), lowest photo confidence ${fixed(b.minPhotoConfidence, 2)}; text-heavy lookups whose ` +
      `hashes matched: ${b.textHashHits}/${b.textLookups}, allowed: ${b.textAllowed} (their ` +
      `labels: ${Object.entries(b.textLabels).map(([l, n]) => `${l} ${n}`).join(", ")}); ` +
      `false hits: ${b.falseHits.length}` +
      (b.falseHits.length ? ` (${b.falseHits.join("; ")})` : ""),
    "",
  );

  const real = probes.map((p) => p.hashes);
  const a = [latency(100_000, real, 2_000), latency(1_000_000, real, 1_000)];
  lines.push(
    "(a) Lookup latency, half near copies of stored entries and half strangers; the linear scan " +
      "checks every entry with the same rule, in the same process:",
    table(
      [
        "entries",
        "index p50 µs",
        "index p99 µs",
        "scan p50 µs",
        "scan p99 µs",
        "p50 ratio",
        "hits",
        "same answer",
        "build ms",
        "heap+ MB",
        "rss+ MB",
      ],
      a.map((r) => [
        r.size,
        fixed(r.index.p50),
        fixed(r.index.p99),
        fixed(r.scan.p50),
        fixed(r.scan.p99),
        fixed(r.scan.p50 / r.index.p50, 0),
        `${r.hits}/${r.queries}`,
        `${r.agree}/${r.queries}`,
        fixed(r.buildMs, 0),
        fixed(r.heapMB, 0),
        fixed(r.rssMB, 0),
      ]),
    ),
    "",
  );

  const c = {
    decode: median(costs.map((x) => x.decode)),
    hash: median(costs.map((x) => x.hash)),
    decodeAndHash: median(costs.map((x) => x.decode + x.hash)),
    fullRead: median(costs.map((x) => x.fullRead)),
    resized: median(costs.map((x) => x.resized)),
    hashMax: Math.max(...costs.map((x) => x.hash)),
  };
  lines.push(
    `(c) Hashing cost per corpus image (median over ${costs.length}, ms): decode alone ` +
      `${fixed(c.decode, 2)}; hashesOfImage on the decoded picture ${fixed(c.hash, 2)} (max ` +
      `${fixed(c.hashMax, 1)}); decode + hash ${
        fixed(c.decodeAndHash, 2)
      }. Rejected: reading the ` +
      `full-size pixels back and hashing them ${
        fixed(c.fullRead, 2)
      }; resizeUpright to ${HASH_SIDE} px ` +
      `then hashing ${fixed(c.resized, 2)}.`,
  );

  const headline = [
    `(f) near index at 1M entries: p50 ${fixed(a[1].index.p50)} µs, p99 ${
      fixed(a[1].index.p99)
    } µs; ` +
    `linear scan p50 ${fixed(a[1].scan.p50)} µs (${
      fixed(a[1].scan.p50 / a[1].index.p50, 0)
    }× slower)`,
    `(f) corpus copies: ${
      percent(b.photoCopiesAnswered / b.photoCopies)
    } of photo copies answered; text-heavy hash matches ${b.textHashHits}/${b.textLookups}, ` +
    `allowed ${b.textAllowed}; false hits ${b.falseHits.length} (target 0)`,
    `(f) hashing ${fixed(c.hash, 2)} ms per decoded image (median), decode alone ${
      fixed(c.decode, 1)
    } ms`,
  ];
  return {
    text: lines.join("\n"),
    headline,
    results: {
      thresholds: { phash: PHASH_DISTANCE, dhash: DHASH_DISTANCE },
      distances: measured,
      workload: b,
      latency: a,
      costs: c,
    },
  };
}

if (import.meta.main) {
  const { corpusRoot } = await import("./corpus.ts");
  const result = await runPerceptual(Deno.args[0] ?? corpusRoot());
  console.log(result.text);
  console.log(`\n${result.headline.join("\n")}`);
}
