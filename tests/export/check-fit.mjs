// Decodes a FIT file with Garmin's FIT SDK and compares it with what the
// session database holds (pacectl show --json and the CSV exports).
// Usage: node check-fit.mjs FILE.fit SHOW.json SAMPLES.csv RR.csv
import { Decoder, Stream } from "@garmin/fitsdk";
import fs from "node:fs";
import assert from "node:assert/strict";

const [fitPath, showPath, samplesPath, rrPath] = process.argv.slice(2);
const stream = Stream.fromBuffer(fs.readFileSync(fitPath));
assert.ok(Decoder.isFIT(stream), "Decoder.isFIT()");
const decoder = new Decoder(stream);
assert.ok(decoder.isFIT(), "decoder.isFIT()");
assert.ok(decoder.checkIntegrity(), "checkIntegrity(): header or file CRC wrong");
const { messages, errors } = decoder.read({ expandComponents: true, convertTypesToStrings: true });
assert.deepEqual(errors, [], "read() errors");

const show = JSON.parse(fs.readFileSync(showPath, "utf8"));
const csv = (p) => fs.readFileSync(p, "utf8").trim().split(/\r?\n/).slice(1).map((l) => l.split(","));
const samples = csv(samplesPath);
const rr = csv(rrPath);

// file_id and devices
assert.equal(messages.fileIdMesgs.length, 1);
assert.equal(messages.fileIdMesgs[0].type, "activity");
const names = messages.deviceInfoMesgs.map((d) => d.productName);
assert.ok(names.includes("paced"), "creator device_info");
if (show.treadmill.name) assert.ok(names.includes(show.treadmill.name), "treadmill device_info");
if (show.hrm.name) assert.ok(names.includes(show.hrm.name), "HR strap device_info");

// One record per stored sample, same HR, distance, speed.
const rec = messages.recordMesgs;
assert.equal(rec.length, samples.length, "records vs samples");
assert.equal(rec.length, show.summary.samples);
const start = show.start_usec / 1000;
rec.forEach((r, i) => {
  const [t_s, , , , speed_kmh, , incline, distance_m, hr_bpm] = samples[i];
  assert.equal(r.timestamp.getTime(), Math.floor(start / 1000) * 1000 + Math.round(Number(t_s) * 1000), `record ${i} time`);
  if (hr_bpm) assert.equal(r.heartRate, Number(hr_bpm), `record ${i} HR`);
  else assert.equal(r.heartRate, undefined, `record ${i} HR missing`);
  if (distance_m) assert.ok(Math.abs(r.distance - Number(distance_m)) <= 0.06, `record ${i} distance`);
  if (speed_kmh) assert.ok(Math.abs(r.speed - Number(speed_kmh) / 3.6) <= 0.003, `record ${i} speed`);
  if (incline && Number(incline) !== 0) assert.ok(Math.abs(r.grade - Number(incline)) <= 0.01, `record ${i} grade`);
});

// Every RR interval, in order, in hrv messages.
const hrv = messages.hrvMesgs.flatMap((m) => m.time).filter((v) => v !== null && v !== undefined && v < 65);
assert.equal(hrv.length, rr.length, "hrv intervals vs RR rows");
hrv.forEach((v, i) => assert.ok(Math.abs(v * 1000 - Number(rr[i][2])) < 0.5, `RR ${i}`));

// A lap per workout step, the session running on a treadmill.
assert.equal(messages.lapMesgs.length, show.steps.length, "laps vs steps");
messages.lapMesgs.forEach((l, i) => {
  assert.equal(l.wktStepIndex, show.steps[i].step, `lap ${i} step`);
  assert.ok(Math.abs(l.totalDistance - show.steps[i].distance_m) < 0.6, `lap ${i} distance`);
});
// The planned workout, so that Garmin Connect and intervals.icu show planned
// against actual: each lap's wkt_step_index names the workout_step it ran,
// with that step's name and speed target.
assert.equal(messages.workoutMesgs.length, 1, "one workout message");
const wkt = messages.workoutMesgs[0];
assert.equal(wkt.wktName, show.workout, "wkt_name");
assert.equal(wkt.sport, "running");
const wsteps = messages.workoutStepMesgs;
assert.equal(wkt.numValidSteps, wsteps.length, "num_valid_steps");
assert.ok(wsteps.length >= show.steps.length, "a workout_step per step run");
wsteps.forEach((w, i) => assert.equal(w.messageIndex, i, `workout_step ${i} message_index`));
messages.lapMesgs.forEach((l, i) => {
  const w = wsteps[l.wktStepIndex], st = show.steps[i];
  assert.ok(w, `lap ${i}: wkt_step_index ${l.wktStepIndex} names no workout_step`);
  assert.equal(w.wktStepName, st.label, `lap ${i}: its workout_step's name`);
  assert.equal(w.targetType, "speed", `lap ${i}: a speed target`);
  assert.ok(Math.abs(w.customTargetSpeedLow - st.target_lo_kmh / 3.6) < 0.0006, `lap ${i} target low`);
  assert.ok(Math.abs(w.customTargetSpeedHigh - st.target_hi_kmh / 3.6) < 0.0006, `lap ${i} target high`);
  assert.ok(["time", "distance"].includes(w.durationType), `lap ${i}: duration ${w.durationType}`);
});

assert.equal(messages.sessionMesgs.length, 1);
const s = messages.sessionMesgs[0];
assert.equal(s.sport, "running");
assert.equal(s.subSport, "treadmill");
assert.equal(s.numLaps, messages.lapMesgs.length);
assert.ok(Math.abs(s.totalDistance - show.summary.distance_m) < 0.1, "session distance");
assert.equal(s.maxHeartRate, show.summary.max_hr_bpm, "session max HR");
assert.equal(messages.activityMesgs.length, 1);
assert.equal(messages.activityMesgs[0].numSessions, 1);

console.log(`FIT ok: ${rec.length} records, ${hrv.length} RR in ${messages.hrvMesgs.length} hrv, ` +
  `${messages.lapMesgs.length} laps on ${wsteps.length} workout steps, session ${s.sport}/${s.subSport}, ${s.totalDistance} m`);
