/**
 * A door is a value: the API it speaks (paths, error shape, who answers it), how a body is read
 * for one model, how the body squint sends is made for one upstream, how the answer is relayed,
 * and what of the lifecycle applies. One lifecycle (`lifecycle.ts`) runs every door; a door adds
 * no control flow of its own.
 */
import type { StoredAnswer } from "../cache/answer.ts";
import type { CacheDecision, CacheScope, Lookup } from "../cache/chat_cache.ts";
import type { Config } from "../config.ts";
import type { ErrorShape } from "../errors.ts";
import type { Caller, Identity } from "../keys/identity.ts";
import type { ResolvedModel } from "../models/types.ts";
import type { AdmittedChat, PreparedChat, UnderstoodChat } from "../pipeline/prepare_chat.ts";
import type { UpstreamRequestParts } from "../providers/translate.ts";
import type { Route } from "../providers/route.ts";
import type { RelayContext } from "../relay/chat_response.ts";
import type { RoutingDecision } from "../routing/choose.ts";
import type { AppParts } from "./context.ts";

/** What every door reads from a body, for the model it is read for. */
export interface DoorRequest {
  /** The model the request is read for (the client's, or a fallback's). */
  model: string;
  /** Which upstream serves it, and the name it knows it by. */
  route: Route;
  resolved?: ResolvedModel;
  stream: boolean;
  /** The chat view of the body: controls, images read (what the planner and cache see). */
  admitted?: AdmittedChat;
  /** The conversation, for the log's content column. */
  messages: unknown;
  /** The request bytes as they came. */
  bytes: Uint8Array;
}

/** A call ready to send (and to send again), with the figures of what it sends. */
export interface Outgoing {
  prepared: PreparedChat;
  call: UpstreamRequestParts;
  route: Route;
}

/** How a door's answers are kept in the cache and served from it. */
export interface AnswerCodec {
  /** What to keep of a finished 200 answer; undefined when it must not be kept. */
  toStore(
    status: number,
    contentType: string,
    body: Uint8Array,
    tokens: { before: number; after: number },
  ): StoredAnswer | undefined;
  /** A stored answer as the upstream response a request of this door gets. */
  response(answer: StoredAnswer, stream: boolean): Response;
}

/** The cache's part at a door. */
export interface DoorCache<R extends DoorRequest> {
  decide(request: R, scope: CacheScope, config: Config): Promise<CacheDecision>;
  lookUp(
    request: R,
    decision: CacheDecision,
    scope: CacheScope,
    app: AppParts,
  ): Promise<Lookup>;
  answers: AnswerCodec;
}

/** squint's choice of model for a request (chat's `model: "auto"` and cascades). */
export interface Chosen<R> {
  request: R;
  routing?: RoutingDecision;
  /** The request as asked: its input tokens on the model named, when another is called. */
  before?: { tokens: number; model?: ResolvedModel };
}

/** One API squint serves. */
export interface Door<R extends DoorRequest = DoorRequest> {
  /** The door's name in the request log and metrics. */
  name: string;
  errors: ErrorShape;
  /**
   * Reads the body for `model` (default: the one it names, in the body or in `url`); validates
   * what squint reads.
   */
  read(
    bytes: Uint8Array,
    headers: Headers,
    app: AppParts,
    model?: string,
    url?: URL,
  ): Promise<R>;
  /** Whether a fallback `model` can be served through this door's API. */
  serves(model: string, config: Config): boolean;
  /** Picks the model (chat only). */
  choose?(request: R, identity: Identity, headers: Headers, app: AppParts): Promise<Chosen<R>>;
  /**
   * The plan's entry: the body squint would send for `request` (before any translation), with
   * the plan and figures. What `/v1/optimize` answers.
   */
  plan(
    request: R,
    app: AppParts,
    understood?: UnderstoodChat,
  ): Promise<{ body: Blob | string | Uint8Array; prepared: PreparedChat }>;
  /** JSON pointer of each planned image in the body, in plan order. */
  imagePaths(request: R): string[];
  /** The optimized call to make for `request` on `route`. */
  prepare(
    request: R,
    route: Route,
    caller: Caller,
    context: {
      headers: Headers;
      url: URL;
      app: AppParts;
      tenant: string | null;
      understood?: UnderstoodChat;
      /** How squint chose the model (the first candidate only), for the figures. */
      chosen?: Omit<Chosen<R>, "request">;
    },
  ): Promise<Outgoing>;
  /** The upstream's answer as this door's clients expect it (a translated provider's, in OpenAI's). */
  answer(response: Response, outgoing: Outgoing): Promise<Response>;
  /** Relays the answer, with squint's figures, and logs it. */
  relay(response: Response, prepared: PreparedChat, context: RelayContext): Promise<Response>;
  /** The figures of an answer served without a call (cache, another instance's flight). */
  served(request: R, tokens: { before: number; after: number }, labels?: string[]): PreparedChat;
  /** Key admission (limits, budget) applies: false for a door that spends nothing. */
  spends: boolean;
  cache?: DoorCache<R>;
}
