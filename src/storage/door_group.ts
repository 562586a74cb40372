/**
 * A row's door as the hourly aggregate and the metrics count it: every passthrough path is one
 * door, `passthrough` (the row itself keeps `passthrough <provider> <path>`), so no path a
 * client sends (`/v1/files/<id>`, `/v1/batches/<id>`) adds an aggregate row or a series.
 */
export function doorGroup(door: string): string {
  return door.startsWith("passthrough ") ? "passthrough" : door;
}

/** The door of a request relayed to `provider` unoptimized, as its row names it. */
export function passthroughDoor(provider: string, path: string): string {
  return `passthrough ${provider} ${path}`;
}
