// The laps of a time trial in a FIT activity: four consecutive laps of a
// quarter mile whose elapsed times are the result's ("1:38.6 / 1:37.1 / ...").
// Usage: node check-fit-trial.mjs FILE.fit "LAP / LAP / LAP / LAP"
import { Decoder, Stream } from "@garmin/fitsdk";
import fs from "node:fs";
import assert from "node:assert/strict";

const [fitPath, lapText] = process.argv.slice(2);
const decoder = new Decoder(Stream.fromBuffer(fs.readFileSync(fitPath)));
assert.ok(decoder.checkIntegrity(), "checkIntegrity()");
const { messages, errors } = decoder.read({ convertTypesToStrings: true });
assert.deepEqual(errors, [], "read() errors");

const want = lapText.split("/").map((s) => {
  const [m, sec] = s.trim().split(":");
  return Number(m) * 60 + Number(sec);
});
const laps = messages.lapMesgs;
const i = laps.findIndex((l) => Math.abs(l.totalDistance - 402.336) < 3);
assert.ok(i >= 0, "no quarter-mile lap");
want.forEach((t, k) => {
  const l = laps[i + k];
  assert.ok(l, `lap ${k + 1} missing`);
  assert.ok(Math.abs(l.totalDistance - 402.336) < 3, `lap ${k + 1}: ${l.totalDistance} m`);
  assert.ok(Math.abs(l.totalElapsedTime - t) < 0.06, `lap ${k + 1}: ${l.totalElapsedTime} s, result says ${t} s`);
});
console.log(`FIT trial laps ok: ${want.length} laps from lap ${i + 1}`);
