/**
 * Ranking kept frames against the question. Pluggable: a `RelevanceScorer` gives each frame a
 * score (higher = more relevant) and the budget then prefers, within each stretch of the
 * timeline, the most relevant frame. squint ships one scorer, CLIP-style image and text
 * embeddings through `@huggingface/transformers`, used only when `SQUINT_CLIP_MODEL_PATH` names a
 * local model folder (the hub is never contacted). Without it, frames are ranked by how much new
 * content they brought (the selection's own novelty), which needs nothing.
 *
 * `@huggingface/transformers` (with onnxruntime, about 490 MB) is not in deno.json, so serving
 * and the binary do not install it: the first CLIP load imports {@link TRANSFORMERS} by a
 * specifier Deno cannot see ahead, and Deno installs it then (deno.dev.json pins the same version
 * for the tests). The compiled binary has no CLIP.
 *
 * @module
 */

/** A frame to score: its JPEG bytes and size. */
export interface ScoredFrame {
  bytes: Uint8Array;
  width: number;
  height: number;
}

/** Scores frames against a question. */
export interface RelevanceScorer {
  score(question: string, frames: readonly ScoredFrame[]): Promise<number[]>;
}

/** Turns texts and frames into vectors in one space (CLIP, or a test's own). */
export interface Embedder {
  embedText(text: string): Promise<Float32Array>;
  embedImage(frame: ScoredFrame): Promise<Float32Array>;
}

/** Cosine similarity of two vectors of equal length. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** A scorer from an embedder: each frame's cosine similarity to the question. */
export function embeddingScorer(embedder: Embedder): RelevanceScorer {
  return {
    async score(question, frames) {
      const query = await embedder.embedText(question);
      const scores: number[] = [];
      for (const frame of frames) scores.push(cosine(query, await embedder.embedImage(frame)));
      return scores;
    },
  };
}

/**
 * The pinned transformers.js, imported by a specifier held in a variable: a literal one would put
 * it (and onnxruntime) in every module graph that reaches this file, and so in every install.
 */
export const TRANSFORMERS: string = "npm:@huggingface/transformers@4.3.1";

type Loader<T> = { from_pretrained(id: string): Promise<T> };
type Tensor = { data: ArrayLike<number> };

/** The part of transformers.js used here (its own types are not loaded: see above). */
interface Transformers {
  env: { allowRemoteModels: boolean; localModelPath: string };
  AutoTokenizer: Loader<(texts: string[], options: Record<string, boolean>) => unknown>;
  CLIPTextModelWithProjection: Loader<(inputs: unknown) => Promise<{ text_embeds: Tensor }>>;
  AutoProcessor: Loader<(image: unknown) => Promise<unknown>>;
  CLIPVisionModelWithProjection: Loader<(inputs: unknown) => Promise<{ image_embeds: Tensor }>>;
  RawImage: { fromBlob(blob: Blob): Promise<unknown> };
}

/** The CLIP scorer could not load its model. */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
}

/**
 * A CLIP embedder from a local model folder (Hugging Face layout: `config.json`,
 * `tokenizer.json`, `preprocessor_config.json`, `onnx/text_model.onnx`,
 * `onnx/vision_model.onnx`). Remote models are switched off: a missing file fails here, with
 * the folder named, instead of reaching for the network.
 */
export async function clipEmbedder(modelPath: string): Promise<Embedder> {
  let hf: Transformers;
  try {
    hf = await import(TRANSFORMERS);
  } catch (e) {
    throw new ModelLoadError(`could not load ${TRANSFORMERS} for CLIP: ${(e as Error).message}`);
  }
  const slash = modelPath.replace(/\/+$/, "").lastIndexOf("/");
  hf.env.allowRemoteModels = false;
  hf.env.localModelPath = slash > 0 ? modelPath.slice(0, slash + 1) : "./";
  const id = modelPath.replace(/\/+$/, "").slice(slash + 1);
  try {
    const [tokenizer, textModel, processor, visionModel] = await Promise.all([
      hf.AutoTokenizer.from_pretrained(id),
      hf.CLIPTextModelWithProjection.from_pretrained(id),
      hf.AutoProcessor.from_pretrained(id),
      hf.CLIPVisionModelWithProjection.from_pretrained(id),
    ]);
    return {
      async embedText(text) {
        const inputs = tokenizer([text], { padding: true, truncation: true });
        const { text_embeds } = await textModel(inputs);
        return Float32Array.from(text_embeds.data);
      },
      async embedImage(frame) {
        const image = await hf.RawImage.fromBlob(new Blob([frame.bytes as BlobPart]));
        const { image_embeds } = await visionModel(await processor(image));
        return Float32Array.from(image_embeds.data);
      },
    };
  } catch (e) {
    throw new ModelLoadError(
      `could not load the CLIP model at ${modelPath} (SQUINT_CLIP_MODEL_PATH): ${
        (e as Error).message
      }`,
    );
  }
}

const scorers = new Map<string, Promise<RelevanceScorer>>();

/** The CLIP scorer for `modelPath`, loaded once per worker. */
export function clipScorer(modelPath: string): Promise<RelevanceScorer> {
  let scorer = scorers.get(modelPath);
  if (!scorer) {
    scorer = clipEmbedder(modelPath).then(embeddingScorer);
    scorer.catch(() => scorers.delete(modelPath));
    scorers.set(modelPath, scorer);
  }
  return scorer;
}
