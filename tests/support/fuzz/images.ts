/**
 * The images a case may carry, and how a door's part names one: base64 bytes with the type they
 * claim, or a URL. The test supplies the files (small valid images, a bomb, a truncated JPEG, no
 * image at all) and a loopback server for the URLs.
 *
 * @module
 */

import { pick, type Rng } from "./draw.ts";

/** The images a case may carry: small files as base64, and URLs on a loopback server. */
export interface FuzzImages {
  /** Small valid images by MIME type and base64 bytes. */
  inline: { mime: string; base64: string }[];
  /** The base64 of a PNG whose header claims 30000×30000 pixels. */
  bomb: string;
  /** The base64 of a JPEG cut off mid-scan. */
  truncated: string;
  /** The base64 of bytes that are no image at all. */
  notImage: string;
  /** `http://127.0.0.1:PORT/…` serving a small image. */
  remote: string;
  /** `http://127.0.0.1:PORT/…` answering 404. */
  remoteMissing: string;
  /** `http://127.0.0.1:PORT/…` answering HTML. */
  remoteNotImage: string;
}

/** An image as a door's part shows it: base64 bytes and their claimed type, or a URL. */
export type ImageSource = { mime: string; base64: string } | { url: string };

/** A valid image for a valid body: mostly inline bytes, sometimes the loopback URL. */
export function validImage(rng: Rng, images: FuzzImages): ImageSource {
  return rng() < 0.1 ? { url: images.remote } : pick(rng, images.inline);
}
