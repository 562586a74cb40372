/**
 * Video intake: every `video_url` content part (`{"type": "video_url", "video_url": {"url"}}`,
 * as vLLM and Qwen-style servers take it) becomes an `IntakeVideo` holding its bytes: a `data:`
 * URL decoded in a worker, or an http(s) URL fetched under the same address guard as images,
 * with the video size and time limits.
 *
 * @module
 */

import type { WorkerPool } from "../pool/pool.ts";
import type { Inspected } from "../../workers/image/protocol.ts";
import type { DecodedBody } from "./decode_body.ts";
import { markerRef } from "./inline_images.ts";
import { type FetchPolicy, fetchRemoteImage } from "./remote_image.ts";

/** One `video_url` part, with its 0-based position. */
export interface VideoSite {
  message: number;
  part: number;
  /** 1-based number of the video in the request (for the frame markers). */
  number: number;
}

/** A video part and its bytes, or why it has none. */
export interface IntakeVideo {
  site: VideoSite;
  bytes?: Uint8Array;
  mime?: string;
  /** The body marker of an inline video (its original literal stays spliceable). */
  ref?: number;
  remoteUrl?: string;
  /** Why squint could not read it. */
  unreadable?: string;
}

/** Every `video_url` part of a Chat Completions body, in order. */
export function findVideoSites(body: Record<string, unknown>): VideoSite[] {
  const sites: VideoSite[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((message, m) => {
    const content = (message as { content?: unknown })?.content;
    if (!Array.isArray(content)) return;
    content.forEach((part, p) => {
      if (part?.type === "video_url" && part.video_url && typeof part.video_url === "object") {
        sites.push({ message: m, part: p, number: sites.length + 1 });
      }
    });
  });
  return sites;
}

/** The URL of a video part. */
export function videoUrlAt(body: Record<string, unknown>, site: VideoSite): unknown {
  const messages = body.messages as { content: { video_url: { url?: unknown } }[] }[];
  return messages[site.message].content[site.part].video_url.url;
}

/** What reading videos needs. */
export interface VideoIntakeDeps {
  pool: WorkerPool;
  fetchRemote: boolean;
  fetchPolicy: FetchPolicy;
}

async function readVideo(
  site: VideoSite,
  decoded: DecodedBody,
  deps: VideoIntakeDeps,
): Promise<IntakeVideo> {
  const url = videoUrlAt(decoded.json, site);
  const ref = markerRef(url);
  if (ref !== undefined) {
    let inline = decoded.inline[ref];
    if (typeof inline === "string") {
      inline = await deps.pool.run<Inspected>({ kind: "inspect", source: inline });
      decoded.inline[ref] = inline;
    }
    if (!inline.bytes) return { site, ref, unreadable: inline.error ?? "not a base64 data URL" };
    return { site, ref, bytes: inline.bytes, mime: inline.mime };
  }
  if (typeof url !== "string" || !/^https?:/i.test(url)) {
    return { site, unreadable: "not an inline video or an http(s) URL" };
  }
  if (!deps.fetchRemote) {
    return {
      site,
      remoteUrl: url,
      unreadable: "remote fetching is off (SQUINT_FETCH_REMOTE_IMAGES)",
    };
  }
  const fetched = await fetchRemoteImage(url, deps.fetchPolicy);
  if (!fetched.ok) return { site, remoteUrl: url, unreadable: `video ${fetched.reason}` };
  return { site, remoteUrl: url, bytes: fetched.bytes, mime: fetched.mime };
}

/** Reads every video part of a decoded body (one at a time: each can be large). */
export async function collectVideos(
  decoded: DecodedBody,
  deps: VideoIntakeDeps,
): Promise<IntakeVideo[]> {
  const videos: IntakeVideo[] = [];
  for (const site of findVideoSites(decoded.json)) {
    videos.push(await readVideo(site, decoded, deps));
  }
  return videos;
}
