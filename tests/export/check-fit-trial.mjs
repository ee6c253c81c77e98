// The laps of a time trial in a FIT activity: four consecutive laps of a
// quarter mile whose elapsed times are the result's ("1:38.6 / 1:37.1 / ..."),
// and the planned workout (workout + workout_step, N_STEPS of them) the laps
// refer to, so that planned vs actual shows in Garmin Connect or intervals.icu.
// Usage: node check-fit-trial.mjs FILE.fit "LAP / LAP / LAP / LAP" N_STEPS
import { Decoder, Stream } from "@garmin/fitsdk";
import fs from "node:fs";
import assert from "node:assert/strict";

const [fitPath, lapText, nSteps] = process.argv.slice(2);
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
// The plan.
assert.equal(messages.workoutMesgs.length, 1, "one workout message");
const wkt = messages.workoutMesgs[0];
assert.equal(wkt.sport, "running");
assert.equal(wkt.subSport, "treadmill");
assert.equal(wkt.numValidSteps, Number(nSteps), "num_valid_steps");
const steps = messages.workoutStepMesgs;
assert.equal(steps.length, Number(nSteps), "workout_step messages");
steps.forEach((s, k) => assert.equal(s.messageIndex, k, `step ${k} index`));
// The trial's laps point at its steps: a quarter-mile lap run at a speed target.
want.forEach((_, k) => {
  const s = steps[laps[i + k].wktStepIndex];
  assert.ok(s, `lap ${i + k + 1}: wkt_step_index ${laps[i + k].wktStepIndex}`);
  assert.equal(s.durationType, "distance", `lap ${i + k + 1} step duration type`);
  assert.equal(s.targetType, "speed", `lap ${i + k + 1} step target`);
  assert.ok(s.customTargetSpeedLow > 3 && s.customTargetSpeedHigh < 7, "a running speed in m/s");
});
assert.ok(steps.some((s) => s.intensity === "warmup") && steps.some((s) => s.intensity === "cooldown"));
console.log(`FIT trial laps ok: ${want.length} laps from lap ${i + 1}; workout of ${steps.length} steps`);
