/**
 * The cache's part in one Chat Completions request: what it may do (policy), under which key,
 * looking a stored answer up, and storing a finished one off the response path.
 */
import type { Config } from "../config.ts";
import type { AdmittedChat, UnderstoodChat } from "../pipeline/prepare_chat.ts";
import type { PerceptualHashes } from "../../workers/image/perceptual.ts";
import type { PictureIndex } from "./near_index.ts";
import { perceptualMatchAllowed } from "./perceptual_policy.ts";
import type { KeyValueStore } from "../storage/types.ts";
import { answerToStore, decodeAnswer, encodeAnswer, type StoredAnswer } from "./answer.ts";
import { chatCacheKey, hashKey, inlineIds, type KeyScope } from "./key.ts";
import { type CachePolicy, cachePolicy } from "./policy.ts";
import type { SharedResponse } from "./shared_response.ts";

/** The policy of one request and, when it can use the cache at all, its keys. */
export interface CacheDecision {
  policy: CachePolicy;
  /** Content ids of the lifted inline values, by reference (what the key holds). */
  ids?: string[];
  /** The exact key's hash (store address). */
  key?: string;
  /** The de-duplication key: the exact key plus how the answer is delivered. */
  flightKey?: string;
}

/** Where a request goes and whose it is: the parts of the key outside the body. */
export type CacheScope = Omit<KeyScope, "model">;

const STORE_PREFIX = "squint:answer:";

/** Why an admitted request's answer cannot be keyed by content, if it cannot. */
export function unkeyable(admitted: AdmittedChat): string | undefined {
  if (admitted.passthroughReason) return "sent unoptimized: images not read";
  if (admitted.intake.images.some((i) => i.remoteUrl && !i.inspected?.hash)) {
    return "a remote image was not fetched, so its content is unknown";
  }
  return undefined;
}

/** Decides what the cache may do for `admitted`, and computes its keys if anything. */
export async function decideCache(
  admitted: AdmittedChat,
  scope: CacheScope,
  config: Config,
): Promise<CacheDecision> {
  const { json, facts } = admitted;
  const unkeyed = unkeyable(admitted);
  const policy = cachePolicy(json, facts.controls, config, unkeyed);
  if (!policy.read && !policy.write && !policy.dedup) return { policy };
  // Without content ids a request can still share an identical in-flight call, keyed by its
  // body as written (remote URLs included): concurrent identical requests see the same content.
  const ids = await inlineIds(admitted.decoded.inline);
  const key = await hashKey(
    chatCacheKey(json, ids, { ...scope, model: facts.model }, facts.controls),
  );
  const stream = json.stream === true;
  const usage = (json.stream_options as { include_usage?: unknown } | undefined)?.include_usage;
  return { policy, ids, key, flightKey: `${key}:${stream}:${stream && usage === true}` };
}

/** One image whose near duplicates may share an answer: its content id and hashes. */
export interface NearImage {
  ref: number;
  id: string;
  hashes: PerceptualHashes;
}

/**
 * The images of a request that the safety rule lets match by look (photos asked about as a
 * whole: `perceptual_policy.ts`), with their hashes.
 */
export function nearImages(admitted: AdmittedChat, understood: UnderstoodChat): NearImage[] {
  const out: NearImage[] = [];
  admitted.intake.images.forEach((image, i) => {
    const found = understood.found[i];
    const hash = image.inspected?.hash;
    const asked = understood.asked[i];
    if (image.ref === undefined || !hash || !found?.perceptual) return;
    const rule = perceptualMatchAllowed({
      content: found.content,
      intent: asked.intent.label,
      question: asked.question,
    });
    if (rule.allowed) out.push({ ref: image.ref, id: hash, hashes: found.perceptual });
  });
  return out;
}

/**
 * The key the request has when each of its `near` images is replaced by the stored picture it
 * looks like: undefined when none looks like a stored one. Everything else stays exact.
 */
export async function nearKey(
  admitted: AdmittedChat,
  decision: CacheDecision,
  near: readonly NearImage[],
  index: PictureIndex,
  scope: CacheScope,
): Promise<string | undefined> {
  if (!decision.ids) return undefined;
  const ids = [...decision.ids];
  let matched = false;
  for (const image of near) {
    const match = index.nearest(image.hashes);
    if (!match || match.id === image.id) continue;
    ids[image.ref] = `sha256:${match.id}`;
    matched = true;
  }
  if (!matched) return undefined;
  const { json, facts } = admitted;
  return await hashKey(chatCacheKey(json, ids, { ...scope, model: facts.model }, facts.controls));
}

/** Makes `near` images findable by look once their answer is stored. */
export function rememberNear(index: PictureIndex, near: readonly NearImage[]): void {
  for (const image of near) index.add(image.id, image.hashes);
}

/** The stored answer under `key`, if any. */
export async function lookUp(kv: KeyValueStore, key: string): Promise<StoredAnswer | undefined> {
  const bytes = await kv.get(STORE_PREFIX + key).catch(() => undefined);
  return bytes && decodeAnswer(bytes);
}

/**
 * Stores the answer of `shared` under `key` once its body has arrived, if it is one to keep;
 * resolves to whether it was stored. Never throws: a store that fails costs a future hit, not
 * this answer.
 */
export function storeWhenFinished(
  kv: KeyValueStore,
  key: string,
  shared: SharedResponse,
  tokens: { before: number; after: number },
  ttlMs: number,
  toStore: typeof answerToStore = answerToStore,
): Promise<boolean> {
  return shared.whenFinished().then(async (body) => {
    if (!body) return false;
    const answer = toStore(
      shared.status,
      shared.headers.get("content-type") ?? "",
      body,
      tokens,
    );
    if (!answer) return false;
    await kv.set(STORE_PREFIX + key, encodeAnswer(answer), ttlMs);
    return true;
  }).catch((e) => {
    console.error(`squint: cache store failed: ${(e as Error).message}`);
    return false;
  });
}

/** What looking a request up found. */
export interface Lookup {
  stored?: StoredAnswer;
  /** The stored answer is another picture's that looks like this request's. */
  byLook: boolean;
  /** The request's understanding, when the lookup needed it (reused to optimize it). */
  understood?: UnderstoodChat;
  /** Its images that may match by look (remembered once its own answer is stored). */
  near: NearImage[];
}

/**
 * Looks a request up: by its exact key, then, when near-duplicate matching is on and a photo in
 * it may match by look, by the key it has with each such photo replaced by the stored picture it
 * looks like. Understanding the images (needed for the second) is what optimizing needs anyway.
 */
export async function lookUpChat(
  admitted: AdmittedChat,
  decision: CacheDecision,
  parts: {
    kv: KeyValueStore;
    index?: PictureIndex;
    scope: CacheScope;
    understand: () => Promise<UnderstoodChat | undefined>;
  },
): Promise<Lookup> {
  const { policy, key } = decision;
  const exact = policy.read && key ? await lookUp(parts.kv, key) : undefined;
  if (exact) return { stored: exact, byLook: false, near: [] };
  const byLook = parts.index && (policy.read || policy.write) && admitted.intake.images.length;
  if (!byLook) return { byLook: false, near: [] };
  const understood = await parts.understand();
  const near = understood ? nearImages(admitted, understood) : [];
  if (policy.read && near.length) await parts.index!.catchUp?.();
  const similar = policy.read && near.length
    ? await nearKey(admitted, decision, near, parts.index!, parts.scope)
    : undefined;
  const stored = similar ? await lookUp(parts.kv, similar) : undefined;
  return { stored, byLook: stored !== undefined, understood, near };
}
