/** Which saving channel each optimization label belongs to (for `group_by=channel`). */
export const CHANNEL_OF: Readonly<Record<string, string>> = {
  resize: "images",
  detail_low: "images",
  reencode: "images",
  ocr: "images",
  crop: "images",
  frames_dedup: "video",
  cache_hit: "cache",
  dedup: "cache",
  cascade: "routing",
  prompt_cache: "prompt_cache",
};
