/**
 * A bounded near-duplicate index over perceptual hashes: which earlier image looks like this
 * one, without comparing it with every entry.
 *
 * Multi-index hashing (Norouzi et al., 2012): the 64-bit pHash is cut into `BANDS`, and each
 * band files every entry in a bucket by its value. Two hashes within distance `r = a·m + b`
 * (m bands, 0 ≤ b < m) differ by at most `a` bits in one of the first `b + 1` bands or by at
 * most `a - 1` in one of the others, or the bands' distances would add up past `r`. So a lookup
 * reads only the buckets within those radii of the query's bands and confirms each candidate by
 * its full pHash distance and its dHash distance: exactly the entries a linear scan would
 * accept. At the default threshold (r = 14, five bands: a = 2, b = 4) that is 447 buckets
 * holding ~6% of random entries; bench/perceptual.ts measures ~0.4 ms at a million entries,
 * 9× faster than a scan of the same arrays in the same process (a radius this wide, 22% of the
 * bits, keeps any exact index reading a fixed share of the entries).
 *
 * Storage is typed arrays: per slot the hashes, LRU links and bucket positions (44 bytes), and
 * per band one pooled array of 12-byte records (slot and pHash, so a probe reads contiguous
 * memory), plus the id strings and a `Map` from id to slot: ~260 bytes an entry measured at a
 * million.
 *
 * @module
 */

import type { PerceptualHashes } from "../../workers/image/perceptual.ts";

/**
 * Largest pHash distance accepted as the same picture. Measured by bench/perceptual.ts on the
 * corpus, each copy encoded, decoded and hashed as the worker would: JPEG q60, 50% and 2-3%
 * crops of the 15 photos are at most 12 bits from their original, 14 with 3% off every edge
 * (the coffee cup); different photos are at least 22 apart (beach aerial vs boats at sunset),
 * 20 counting art and photos with text (the elephants painting cropped vs the wine room). 14
 * keeps every photo copy and leaves 6 bits (three steps: both hashes have 32 set bits, so
 * distances are even) below the closest stranger, on the side where an error answers for the
 * wrong picture; a miss only costs an upstream call.
 */
export const PHASH_DISTANCE = 14;

/**
 * Largest dHash distance that confirms a pHash match. Copies of the corpus photos are at most
 * 15 bits from their original (3% off every edge); different pictures can be as close as 10
 * (art), so the dHash does not separate pictures on its own: it is a second, independently
 * built opinion that a stranger must also pass. No different pair in the corpus is within both
 * (the closest pHash stranger, at 20, is 28 apart in dHash). 16 is the worst copy plus one.
 */
export const DHASH_DISTANCE = 16;

/** Entries kept by default before the least recently used is evicted. */
export const MAX_ENTRIES = 100_000;

/**
 * The pHash's bands as (first bit from the top, width). Five bands of 12-13 bits: at the default
 * threshold a lookup probes ~450 buckets of ~N/8192 entries each; four 16-bit bands would probe
 * ~2,200 (each a likely cache miss) and six of 10-11 bits would read twice the candidates.
 */
const BANDS: readonly (readonly [number, number])[] = [
  [0, 13],
  [13, 13],
  [26, 13],
  [39, 13],
  [52, 12],
];
/** Ints per bucket record: slot, pHash high word, pHash low word. */
const RECORD = 3;
const NONE = -1;

/** What the cache needs of a picture index: this one, or one following a shared record. */
export interface PictureIndex {
  add(id: string, hashes: PerceptualHashes): void;
  nearest(hashes: PerceptualHashes): NearMatch | undefined;
  /** Brings in the pictures other instances stored (absent for a process's own index). */
  catchUp?(): Promise<void>;
}

/** Limits and thresholds of an index. */
export interface NearIndexOptions {
  /** Entries kept; beyond, the least recently added-or-matched is evicted. */
  maxEntries?: number;
  /** Largest accepted pHash distance, 0-63 (`PHASH_DISTANCE`). */
  phashDistance?: number;
  /** Largest accepted dHash distance, 0-64 (`DHASH_DISTANCE`). */
  dhashDistance?: number;
}

/** The closest confirmed match of a lookup. */
export interface NearMatch {
  id: string;
  phashDistance: number;
  dhashDistance: number;
}

/** Set bits of a 32-bit integer. */
function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A 16-hex-digit hash as its high and low 32 bits (as int32, the way typed arrays hold them). */
function words(hex: string): [number, number] {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new TypeError(`not a 64-bit hex hash: ${hex}`);
  return [parseInt(hex.slice(0, 8), 16) | 0, parseInt(hex.slice(8), 16) | 0];
}

/** Bits `[offset, offset + width)`, counted from the top, of a hash given as two 32-bit words. */
function bandOf(hi: number, lo: number, [offset, width]: readonly [number, number]): number {
  const end = offset + width, mask = (1 << width) - 1;
  if (end <= 32) return (hi >>> (32 - end)) & mask;
  if (offset >= 32) return (lo >>> (64 - end)) & mask;
  return ((hi << (end - 32)) | (lo >>> (64 - end))) & mask;
}

/** Every `width`-bit XOR mask with at most `radius` set bits, fewest bits first. */
function masksWithin(width: number, radius: number): Int32Array {
  const masks: number[] = [];
  for (let m = 0; m < 1 << width; m++) if (popcount(m) <= radius) masks.push(m);
  return Int32Array.from(masks.sort((x, y) => popcount(x) - popcount(y)));
}

/** A copy of `array` grown to `length`. */
function grown(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(length);
  next.set(array);
  return next;
}

/**
 * One band's buckets, all in one pooled array: bucket `v` holds `fill[v]` records of `RECORD`
 * ints (slot, pHash high, pHash low) from record `start[v]`, in a block of a power-of-two size.
 * A full bucket moves to a block twice its size and its old block is reused by size; when the
 * pool runs out while a quarter of it is free blocks, it is laid out again without them. A probe
 * so reads its candidates from one contiguous run of one array.
 */
class Buckets {
  readonly start: Int32Array;
  readonly fill: Int32Array;
  readonly #size: Int32Array;
  pool = new Int32Array(0);
  /** Records in use by blocks, and the end of the last block. */
  #allocated = 0;
  #end = 0;
  /** Free blocks' starts, by log2 of their size in records. */
  #free: number[][] = Array.from({ length: 32 }, () => []);

  /** Empty buckets for every value of a `width`-bit band. */
  constructor(width: number) {
    [this.start, this.fill, this.#size] = [0, 0, 0].map(() => new Int32Array(1 << width));
  }

  /** Appends a record to bucket `v`; returns its index in the bucket. */
  push(v: number, slot: number, hi: number, lo: number): number {
    const n = this.fill[v];
    if (n === this.#size[v]) this.#move(v, Math.max(4, 2 * n));
    const at = (this.start[v] + n) * RECORD;
    this.pool[at] = slot;
    this.pool[at + 1] = hi;
    this.pool[at + 2] = lo;
    this.fill[v] = n + 1;
    return n;
  }

  /**
   * Removes record `index` of bucket `v`, moving the last record into its place; returns the
   * slot of the record that moved, or `NONE`.
   */
  remove(v: number, index: number): number {
    const last = --this.fill[v], base = this.start[v] * RECORD;
    if (last === 0) this.#release(v);
    if (index === last) return NONE;
    this.pool.copyWithin(base + index * RECORD, base + last * RECORD, base + (last + 1) * RECORD);
    return this.pool[base + index * RECORD];
  }

  #release(v: number): void {
    this.#free[Math.log2(this.#size[v])].push(this.start[v]);
    this.#allocated -= this.#size[v];
    this.#size[v] = 0;
  }

  /** Moves bucket `v` into a block of `size` records. */
  #move(v: number, size: number): void {
    const start = this.#free[Math.log2(size)].pop() ?? this.#append(size);
    if (this.#size[v] > 0) {
      const from = this.start[v] * RECORD;
      this.pool.copyWithin(start * RECORD, from, from + this.fill[v] * RECORD);
      this.#release(v);
    }
    this.start[v] = start;
    this.#size[v] = size;
    this.#allocated += size;
  }

  /** A new block of `size` records at the end of the pool, compacting or growing it first. */
  #append(size: number): number {
    if ((this.#end + size) * RECORD > this.pool.length) {
      const free = this.#end - this.#allocated;
      const needed = (free * 4 > this.#end ? this.#allocated : this.#end) + size;
      const pool = new Int32Array(Math.max(1024, Math.ceil(needed * 1.5)) * RECORD);
      if (free * 4 > this.#end) this.#compactInto(pool);
      else pool.set(this.pool);
      this.pool = pool;
    }
    const start = this.#end;
    this.#end += size;
    return start;
  }

  /** Lays every bucket out again in `pool`, block after block, and forgets the free blocks. */
  #compactInto(pool: Int32Array): void {
    let end = 0;
    for (let v = 0; v < this.start.length; v++) {
      if (this.#size[v] === 0) continue;
      const from = this.start[v] * RECORD;
      pool.set(this.pool.subarray(from, from + this.fill[v] * RECORD), end * RECORD);
      this.start[v] = end;
      end += this.#size[v];
    }
    this.#end = end;
    this.#free = Array.from({ length: 32 }, () => []);
  }
}

/** A bounded near-duplicate index over `PerceptualHashes`, probing only the buckets in reach. */
export class NearIndex {
  readonly maxEntries: number;
  readonly phashDistance: number;
  readonly dhashDistance: number;
  /** XOR masks to probe per band (see the module doc). */
  readonly #probes: Int32Array[];

  #capacity = 0;
  #phashHi = new Int32Array(0);
  #phashLo = new Int32Array(0);
  #dhashHi = new Int32Array(0);
  #dhashLo = new Int32Array(0);
  #ids: (string | undefined)[] = [];
  #slots = new Map<string, number>();
  #free: number[] = [];
  #used = 0;
  /** LRU list: `#newest` … `#oldest` through `#older`/`#newer`. */
  #older = new Int32Array(0);
  #newer = new Int32Array(0);
  #newest = NONE;
  #oldest = NONE;
  #bands = BANDS.map(([, width]) => new Buckets(width));
  /** Per band, where each slot's record sits in its bucket. */
  #at = BANDS.map(() => new Int32Array(0));

  /** An empty index; thresholds default to `PHASH_DISTANCE` and `DHASH_DISTANCE`. */
  constructor(options: NearIndexOptions = {}) {
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.phashDistance = options.phashDistance ?? PHASH_DISTANCE;
    this.dhashDistance = options.dhashDistance ?? DHASH_DISTANCE;
    if (!(Number.isInteger(this.maxEntries) && this.maxEntries >= 1)) {
      throw new RangeError("maxEntries must be a positive integer");
    }
    const limits = [["phash", this.phashDistance, 63], ["dhash", this.dhashDistance, 64]] as const;
    for (const [name, d, max] of limits) {
      if (!(Number.isInteger(d) && d >= 0 && d <= max)) {
        throw new RangeError(`${name}Distance must be an integer in 0-${max}`);
      }
    }
    const a = Math.floor(this.phashDistance / BANDS.length);
    const b = this.phashDistance % BANDS.length;
    this.#probes = BANDS.map(([, width], band) =>
      band <= b ? masksWithin(width, a) : a > 0 ? masksWithin(width, a - 1) : new Int32Array(0)
    );
  }

  /** Entries held. */
  get size(): number {
    return this.#slots.size;
  }

  /** Adds `id`, or replaces its hashes; it becomes the most recently used entry. */
  add(id: string, hashes: PerceptualHashes): void {
    const [phi, plo] = words(hashes.phash);
    const [dhi, dlo] = words(hashes.dhash);
    const existing = this.#slots.get(id);
    if (existing !== undefined) this.#remove(existing);
    else if (this.#slots.size >= this.maxEntries) this.#remove(this.#oldest);
    const slot = this.#allocate();
    this.#phashHi[slot] = phi;
    this.#phashLo[slot] = plo;
    this.#dhashHi[slot] = dhi;
    this.#dhashLo[slot] = dlo;
    this.#ids[slot] = id;
    this.#slots.set(id, slot);
    for (let band = 0; band < BANDS.length; band++) {
      this.#at[band][slot] = this.#bands[band].push(bandOf(phi, plo, BANDS[band]), slot, phi, plo);
    }
    this.#pushNewest(slot);
  }

  /**
   * The closest entry within both thresholds (smallest pHash distance, then dHash distance,
   * then id, so the answer does not depend on insertion order); it becomes the most recently
   * used entry.
   */
  nearest(hashes: PerceptualHashes): NearMatch | undefined {
    const [phi, plo] = words(hashes.phash);
    const [dhi, dlo] = words(hashes.dhash);
    const maxP = this.phashDistance, maxD = this.dhashDistance;
    const dhashHi = this.#dhashHi, dhashLo = this.#dhashLo;
    let best = NONE, bestP = 65, bestD = 65;
    for (let band = 0; band < BANDS.length; band++) {
      const value = bandOf(phi, plo, BANDS[band]), probes = this.#probes[band];
      const { start, fill, pool } = this.#bands[band];
      for (let k = 0; k < probes.length; k++) {
        const v = value ^ probes[k], n = fill[v];
        if (n === 0) continue;
        for (let r = start[v] * RECORD, end = r + n * RECORD; r < end; r += RECORD) {
          const p = popcount(pool[r + 1] ^ phi) + popcount(pool[r + 2] ^ plo);
          if (p > maxP || p > bestP) continue;
          const s = pool[r];
          const d = popcount(dhashHi[s] ^ dhi) + popcount(dhashLo[s] ^ dlo);
          if (d > maxD) continue;
          if (
            p < bestP || d < bestD ||
            (d === bestD && s !== best && this.#ids[s]! < this.#ids[best]!)
          ) [best, bestP, bestD] = [s, p, d];
        }
      }
    }
    if (best === NONE) return undefined;
    this.#unlink(best);
    this.#pushNewest(best);
    return { id: this.#ids[best]!, phashDistance: bestP, dhashDistance: bestD };
  }

  /** Removes `id`; false when it was not there. */
  delete(id: string): boolean {
    const slot = this.#slots.get(id);
    if (slot === undefined) return false;
    this.#remove(slot);
    return true;
  }

  /** A free slot, growing the arrays (doubling, up to `maxEntries`) when none is left. */
  #allocate(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    if (this.#used === this.#capacity) {
      const capacity = Math.min(this.maxEntries, Math.max(1024, this.#capacity * 2));
      this.#phashHi = grown(this.#phashHi, capacity);
      this.#phashLo = grown(this.#phashLo, capacity);
      this.#dhashHi = grown(this.#dhashHi, capacity);
      this.#dhashLo = grown(this.#dhashLo, capacity);
      this.#older = grown(this.#older, capacity);
      this.#newer = grown(this.#newer, capacity);
      this.#at = this.#at.map((at) => grown(at, capacity));
      this.#capacity = capacity;
    }
    return this.#used++;
  }

  #remove(slot: number): void {
    const phi = this.#phashHi[slot], plo = this.#phashLo[slot];
    for (let band = 0; band < BANDS.length; band++) {
      const at = this.#at[band][slot];
      const moved = this.#bands[band].remove(bandOf(phi, plo, BANDS[band]), at);
      if (moved !== NONE) this.#at[band][moved] = at;
    }
    this.#unlink(slot);
    this.#slots.delete(this.#ids[slot]!);
    this.#ids[slot] = undefined;
    this.#free.push(slot);
  }

  #unlink(slot: number): void {
    const older = this.#older[slot], newer = this.#newer[slot];
    if (newer === NONE) this.#newest = older;
    else this.#older[newer] = older;
    if (older === NONE) this.#oldest = newer;
    else this.#newer[older] = newer;
  }

  #pushNewest(slot: number): void {
    this.#older[slot] = this.#newest;
    this.#newer[slot] = NONE;
    if (this.#newest !== NONE) this.#newer[this.#newest] = slot;
    this.#newest = slot;
    if (this.#oldest === NONE) this.#oldest = slot;
  }
}
