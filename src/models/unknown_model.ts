/**
 * What squint says of a request whose model the registry does not know: it has no image rule to
 * plan the images by and no price to report a saving in, so the request goes on as the client
 * wrote it (answers may still come from the cache). The reason names the model, so the log and
 * `/metrics` show an operator which models squint could not help.
 */

const PREFIX = "unknown model: ";

/** The passthrough reason of a request for `model`, a name the registry does not know. */
export function unknownModelReason(model: string): string {
  return `${PREFIX}${model} (no image rule, no price)`;
}

/** Whether a passthrough reason is an unknown model's. */
export function isUnknownModelReason(reason: string | null | undefined): boolean {
  return reason?.startsWith(PREFIX) ?? false;
}
