// Decodes a FIT workout file written by `pacectl export-workout` with
// Garmin's FIT SDK and compares it with the steps paced resolved the
// workout to (`pacectl validate --json`): after expanding the file's repeat
// steps, the same number of steps, each with the same duration, target and
// intensity (and incline in its notes).
// Usage: node check-fit-workout.mjs FILE.fit RESOLVED.json REPEATS
// REPEATS: how many repeat_until_steps_cmplt steps the file must use.
import { Decoder, Stream } from "@garmin/fitsdk";
import fs from "node:fs";
import assert from "node:assert/strict";

const [fitPath, jsonPath, nRepeats] = process.argv.slice(2);
const stream = Stream.fromBuffer(fs.readFileSync(fitPath));
assert.ok(Decoder.isFIT(stream), "Decoder.isFIT()");
const decoder = new Decoder(stream);
assert.ok(decoder.checkIntegrity(), "checkIntegrity(): header or file CRC wrong");
const { messages, errors } = decoder.read({ convertTypesToStrings: true });
assert.deepEqual(errors, [], "read() errors");
const want = JSON.parse(fs.readFileSync(jsonPath, "utf8"));

assert.equal(messages.fileIdMesgs.length, 1);
assert.equal(messages.fileIdMesgs[0].type, "workout", "file_id type");
assert.equal(messages.workoutMesgs.length, 1, "one workout message");
const wkt = messages.workoutMesgs[0];
assert.equal(wkt.sport, "running");
assert.equal(wkt.wktName, want.name, "wkt_name");
const msgs = messages.workoutStepMesgs;
assert.equal(wkt.numValidSteps, msgs.length, "num_valid_steps");
msgs.forEach((s, k) => assert.equal(s.messageIndex, k, `step ${k} message_index`));

// Expand the repeats as a watch runs them: "repeat from step f, n times in
// all" replays what steps f.. produced (nested repeats included).
const run = [];
const startOf = [];
let repeats = 0;
msgs.forEach((s, k) => {
  startOf[k] = run.length;
  if (s.durationType !== "repeatUntilStepsCmplt") {
    run.push(s);
    return;
  }
  repeats++;
  assert.ok(s.durationStep < k, `step ${k}: repeats from a later step`);
  assert.ok(s.repeatSteps >= 2, `step ${k}: ${s.repeatSteps} repetitions`);
  const body = run.slice(startOf[s.durationStep]);
  for (let r = 1; r < s.repeatSteps; r++) run.push(...body);
});
assert.equal(repeats, Number(nRepeats), "repeat steps");
assert.equal(run.length, want.steps.length, "steps after expanding repeats vs resolved steps");

const intensity = { warmup: "warmup", cooldown: "cooldown", recovery: "recovery", rest: "rest" };
const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a}, want ${b}`);
run.forEach((s, i) => {
  const w = want.steps[i];
  const at = `step ${i + 1} (${w.label})`;
  assert.equal(s.wktStepName, (w.cue ?? w.label).slice(0, 47), `${at} name`);
  assert.equal(s.intensity, intensity[w.kind] ?? "active", `${at} intensity`);
  if (w.end === "time") {
    assert.equal(s.durationType, "time", `${at} duration type`);
    near(s.durationTime, w.end_value, 0.0005, `${at} duration s`);
  } else if (w.end === "distance") {
    assert.equal(s.durationType, "distance", `${at} duration type`);
    near(s.durationDistance, w.end_value, 0.005, `${at} duration m`);
  } else {
    assert.equal(s.durationType, "open", `${at} duration type`);
  }
  if (w.control === "speed") {
    assert.equal(s.targetType, "speed", `${at} target type`);
    assert.equal(s.targetSpeedZone, 0, `${at} a custom speed`);
    const lo = Math.min(w.speed_lo_kmh, w.speed_start_kmh, w.speed_end_kmh) / 3.6;
    const hi = Math.max(w.speed_hi_kmh, w.speed_start_kmh, w.speed_end_kmh) / 3.6;
    near(s.customTargetSpeedLow, lo, 0.0006, `${at} speed low m/s`);
    near(s.customTargetSpeedHigh, hi, 0.0006, `${at} speed high m/s`);
  } else if (w.control === "hr") {
    assert.equal(s.targetType, "heartRate", `${at} target type`);
    near(s.customTargetHeartRateLow - 100, w.hr_lo_bpm, 0.5, `${at} HR low`);
    near(s.customTargetHeartRateHigh - 100, w.hr_hi_bpm, 0.5, `${at} HR high`);
  } else {
    assert.equal(s.targetType, "open", `${at} target type`);
  }
  if (w.incline_start_pct !== undefined) {
    const m = /^(-?[\d.]+)( -> (-?[\d.]+))? % incline$/.exec(s.notes ?? "");
    assert.ok(m, `${at} notes '${s.notes}': the incline`);
    near(Number(m[1]), w.incline_start_pct, 0.05, `${at} incline`);
    near(Number(m[3] ?? m[1]), w.incline_end_pct, 0.05, `${at} incline end`);
  } else {
    assert.equal(s.notes, undefined, `${at} notes`);
  }
});
console.log(`FIT workout ok: "${wkt.wktName}", ${msgs.length} workout_step messages ` +
  `(${repeats} repeats) = ${run.length} steps`);
