/**
 * A tiny CLIP-shaped model folder, written by the test that uses it, so that the real loading
 * code (`clipEmbedder`: transformers.js tokenizer, image processor and two ONNX sessions) runs
 * without a download. Its three-dimensional embeddings mean something:
 *
 * - `onnx/vision_model.onnx`: `image_embeds` [batch, 3] is the mean of each channel of
 *   `pixel_values` (ReduceMean over H and W). The processor only rescales to 0..1 (no
 *   normalisation), so an image embeds as its average colour: solid red is about [1, 0, 0].
 * - `onnx/text_model.onnx`: `text_embeds` [batch, 3] is the sum over the sequence of the rows of
 *   a token table picked by `input_ids` (Gather) and masked by `attention_mask`. The rows of
 *   "red", "green" and "blue" are [1,0,0], [0,1,0] and [0,0,1]; every other token's is zero, so
 *   "red" embeds as exactly [1, 0, 0] and "a photo of blue" as [0, 0, 1].
 *
 * Both graphs also give `last_hidden_state`, as real CLIP exports do.
 *
 * @module
 */

import onnxProto, { type onnx as Onnx } from "onnx-proto";

const { onnx } = onnxProto;

/** The vocabulary, by id: CLIP's two special tokens (the end one is also unknown and padding). */
export const TINY_CLIP_VOCAB = [
  "<|startoftext|>",
  "<|endoftext|>",
  "red",
  "green",
  "blue",
  "a",
  "photo",
  "of",
] as const;

/** Each token's row of the text model's table: the colour words along their own axis. */
const TOKEN_ROWS: Record<string, number[]> = {
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
};

/** Side of the square the processor resizes and crops every image to. */
export const TINY_CLIP_IMAGE_SIZE = 32;

const OPSET = 15; // ONNX 1.10, the schema onnx-proto 8.0.1 was built from
const IR_VERSION = 8;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

type Dim = string | number;

function valueInfo(name: string, elemType: number, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => typeof d === "number" ? { dimValue: d } : { dimParam: d }),
        },
      },
    },
  };
}

function int64s(name: string, values: number[]): Onnx.ITensorProto {
  return {
    name,
    dataType: INT64,
    dims: [values.length],
    rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
  };
}

function floats(name: string, dims: number[], values: number[]): Onnx.ITensorProto {
  return { name, dataType: FLOAT, dims, floatData: values };
}

function intsAttribute(name: string, ints: number[]): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

function intAttribute(name: string, i: number): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

function model(graph: Onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: IR_VERSION,
    producerName: "squint-tests",
    opsetImport: [{ domain: "", version: OPSET }],
    graph,
  }).finish();
}

/** pixel_values [batch,3,H,W] → image_embeds [batch,3] (channel means), last_hidden_state [batch,H*W,3]. */
function visionModel(): Uint8Array {
  return model({
    name: "tiny_clip_vision",
    input: [valueInfo("pixel_values", FLOAT, ["batch_size", 3, "height", "width"])],
    initializer: [int64s("pixel_rows_shape", [0, 3, -1])],
    node: [
      {
        opType: "ReduceMean",
        input: ["pixel_values"],
        output: ["image_embeds"],
        attribute: [intsAttribute("axes", [2, 3]), intAttribute("keepdims", 0)],
      },
      { opType: "Reshape", input: ["pixel_values", "pixel_rows_shape"], output: ["pixel_rows"] },
      {
        opType: "Transpose",
        input: ["pixel_rows"],
        output: ["last_hidden_state"],
        attribute: [intsAttribute("perm", [0, 2, 1])],
      },
    ],
    output: [
      valueInfo("image_embeds", FLOAT, ["batch_size", 3]),
      valueInfo("last_hidden_state", FLOAT, ["batch_size", "patches", 3]),
    ],
  });
}

/**
 * input_ids, attention_mask [batch,seq] → text_embeds [batch,3] (sum of the masked token rows),
 * last_hidden_state [batch,seq,3] (the masked token rows).
 */
function textModel(): Uint8Array {
  const table = TINY_CLIP_VOCAB.flatMap((token) => TOKEN_ROWS[token] ?? [0, 0, 0]);
  return model({
    name: "tiny_clip_text",
    input: [
      valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]),
      valueInfo("attention_mask", INT64, ["batch_size", "sequence_length"]),
    ],
    initializer: [
      floats("token_embedding", [TINY_CLIP_VOCAB.length, 3], table),
      int64s("last_axis", [2]),
      int64s("sequence_axis", [1]),
    ],
    node: [
      {
        opType: "Gather",
        input: ["token_embedding", "input_ids"],
        output: ["token_rows"],
        attribute: [intAttribute("axis", 0)],
      },
      {
        opType: "Cast",
        input: ["attention_mask"],
        output: ["mask"],
        attribute: [intAttribute("to", FLOAT)],
      },
      { opType: "Unsqueeze", input: ["mask", "last_axis"], output: ["mask_column"] },
      { opType: "Mul", input: ["token_rows", "mask_column"], output: ["last_hidden_state"] },
      {
        opType: "ReduceSum",
        input: ["last_hidden_state", "sequence_axis"],
        output: ["text_embeds"],
        attribute: [intAttribute("keepdims", 0)],
      },
    ],
    output: [
      valueInfo("text_embeds", FLOAT, ["batch_size", 3]),
      valueInfo("last_hidden_state", FLOAT, ["batch_size", "sequence_length", 3]),
    ],
  });
}

const special = (content: string, id: number) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

/** A word-level tokenizer (WordPiece over whole words) wrapping each text in start and end. */
function tokenizerJson() {
  const [bos, eos] = TINY_CLIP_VOCAB;
  const marker = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(bos, 0), special(eos, 1)],
    normalizer: { type: "Lowercase" },
    pre_tokenizer: { type: "Whitespace" },
    post_processor: {
      type: "TemplateProcessing",
      single: [marker(bos), { Sequence: { id: "A", type_id: 0 } }, marker(eos)],
      pair: [
        marker(bos),
        { Sequence: { id: "A", type_id: 0 } },
        marker(eos),
        { Sequence: { id: "B", type_id: 0 } },
        marker(eos),
      ],
      special_tokens: {
        [bos]: { id: bos, ids: [0], tokens: [bos] },
        [eos]: { id: eos, ids: [1], tokens: [eos] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: eos,
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TINY_CLIP_VOCAB.map((token, id) => [token, id])),
    },
  };
}

function tokenizerConfig() {
  const [bos, eos] = TINY_CLIP_VOCAB;
  return {
    tokenizer_class: "CLIPTokenizer",
    bos_token: bos,
    eos_token: eos,
    unk_token: eos,
    pad_token: eos,
    model_max_length: 16,
    do_lower_case: true,
    clean_up_tokenization_spaces: false,
  };
}

function config() {
  return {
    architectures: ["CLIPModel"],
    model_type: "clip",
    projection_dim: 3,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: "clip_text_model",
      vocab_size: TINY_CLIP_VOCAB.length,
      hidden_size: 3,
      projection_dim: 3,
      max_position_embeddings: 16,
      bos_token_id: 0,
      eos_token_id: 1,
      pad_token_id: 1,
    },
    vision_config: {
      model_type: "clip_vision_model",
      hidden_size: 3,
      projection_dim: 3,
      image_size: TINY_CLIP_IMAGE_SIZE,
      patch_size: 1,
      num_channels: 3,
    },
  };
}

/** Only rescaling to 0..1: no normalisation, so `pixel_values` are the colours themselves. */
function preprocessorConfig() {
  return {
    image_processor_type: "CLIPImageProcessor",
    do_convert_rgb: true,
    do_resize: true,
    size: { shortest_edge: TINY_CLIP_IMAGE_SIZE },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: TINY_CLIP_IMAGE_SIZE, width: TINY_CLIP_IMAGE_SIZE },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: false,
  };
}

/**
 * Writes the tiny CLIP model into `dir/tiny-clip` (`config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `preprocessor_config.json`, `onnx/text_model.onnx`,
 * `onnx/vision_model.onnx`) and returns that folder's path.
 */
export async function writeTinyClip(dir: string): Promise<string> {
  const folder = `${dir.replace(/\/+$/, "")}/tiny-clip`;
  await Deno.mkdir(`${folder}/onnx`, { recursive: true });
  const json = (name: string, value: unknown) =>
    Deno.writeTextFile(`${folder}/${name}`, JSON.stringify(value, null, 2));
  await Promise.all([
    json("config.json", config()),
    json("tokenizer.json", tokenizerJson()),
    json("tokenizer_config.json", tokenizerConfig()),
    json("preprocessor_config.json", preprocessorConfig()),
    Deno.writeFile(`${folder}/onnx/text_model.onnx`, textModel()),
    Deno.writeFile(`${folder}/onnx/vision_model.onnx`, visionModel()),
  ]);
  return folder;
}
