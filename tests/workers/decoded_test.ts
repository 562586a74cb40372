import assert from "node:assert/strict";
import { decodeKept, forget } from "../../workers/image/decoded.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { corpusBytes } from "../http/_images.ts";

const storm = corpusBytes("photo_storm_road_1920x1280.jpg");
const fruits = corpusBytes("photo_fruits_512x480.jpg");

Deno.test("the picture just decoded is handed back for the same hash, and decoded anew for another", async () => {
  const info = probeImage(storm)!;
  const first = decodeKept("storm", storm, info);
  assert.equal(decodeKept("storm", storm, info), first);
  const other = decodeKept("fruits", fruits, probeImage(fruits)!);
  assert.notEqual(other, first);
  // Only one picture is kept: the first is gone.
  const again = decodeKept("storm", storm, info);
  assert.notEqual(again, first);
  const sizes = (await Promise.all([first, other, again])).map((i) => i.naturalWidth);
  assert.deepEqual(sizes, [1920, 512, 1920]);
  forget();
});

Deno.test("without a hash, or beyond the size kept, every call decodes", async () => {
  const info = probeImage(storm)!;
  const [x, y] = [decodeKept(undefined, storm, info), decodeKept(undefined, storm, info)];
  assert.notEqual(x, y);
  await Promise.all([x, y]);
  // A header over the size kept (the decode itself goes by the displayed size).
  const huge = { ...info, width: 6000, height: 5000 };
  const a = decodeKept("huge", storm, huge);
  const b = decodeKept("huge", storm, huge);
  assert.notEqual(a, b);
  await Promise.all([a, b]);
  forget();
});
