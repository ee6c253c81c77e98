// Writes FIT workout files with Garmin's own FIT SDK encoder, shaped as
// Garmin Connect, TrainingPeaks and intervals.icu export them for watches:
// the fixtures of tests/data/workouts/fit/ (see its README). paced's parser
// is tested on these (test-workout-fixtures), so that what it reads is what
// Garmin's SDK writes, not what paced's own encoder does.
// Usage: node make-fit-workouts.mjs OUTDIR
import { Encoder, Profile } from "@garmin/fitsdk";
import fs from "node:fs";
import path from "node:path";

const out = process.argv[2];
const M = Profile.MesgNum;
// wkt_step_duration / wkt_step_target / intensity values (Profile.xlsx)
const D = { time: 0, distance: 1, hrLessThan: 2, open: 5, repeatSteps: 6 };
const T = { speed: 0, heartRate: 1, open: 2, cadence: 3, power: 4 };
const I = { active: 0, rest: 1, warmup: 2, cooldown: 3, recovery: 4 };
const mps = (pace_s_per_km) => Math.round((1000 / pace_s_per_km) * 1000); // m/s x 1000

function write(name, { sport = 1, type = 5, wktName }, steps) {
  const e = new Encoder();
  e.onMesg(M.FILE_ID, {
    type,
    manufacturer: "development",
    product: 0,
    timeCreated: new Date(Date.UTC(2026, 0, 5, 7, 0, 0)),
    serialNumber: 1234,
  });
  e.onMesg(M.WORKOUT, { wktName, sport, numValidSteps: steps.length });
  steps.forEach((s, i) => e.onMesg(M.WORKOUT_STEP, { messageIndex: i, ...s }));
  fs.writeFileSync(path.join(out, name), e.close());
}

const step = (name, durationType, durationValue, targetType, extra = {}) => ({
  wktStepName: name,
  durationType,
  durationValue,
  targetType,
  ...extra,
});

// Garmin Connect's "Run" workout: warm-up to the lap button, 5 x (1 km at
// 4:00-4:10/km, 2 min jog), cool-down 10 min at an easy HR.
write("garmin-intervals.fit", { wktName: "5 x 1 km" }, [
  step("Warm up", D.open, undefined, T.open, { intensity: I.warmup, notes: "Press lap when ready" }),
  step("1 km", D.distance, 100000, T.speed, {
    targetValue: 0,
    customTargetValueLow: mps(250),
    customTargetValueHigh: mps(240),
    intensity: I.active,
  }),
  step("Jog", D.time, 120000, T.open, { intensity: I.recovery }),
  { durationType: D.repeatSteps, durationValue: 1, targetType: T.open, targetValue: 5 },
  step("Cool down", D.time, 600000, T.heartRate, {
    targetValue: 0,
    customTargetValueLow: 100 + 120,
    customTargetValueHigh: 100 + 140,
    intensity: I.cooldown,
  }),
]);

// Nested repeats and heart-rate zones, as TrainingPeaks writes them:
// 2 x (3 x (400 m fast, 200 m easy), 3 min rest); 30 min in zone 2.
write("nested-repeats.fit", { wktName: "Ladders" }, [
  step("Easy", D.time, 1800000, T.heartRate, { targetValue: 2, intensity: I.warmup }),
  step("400", D.distance, 40000, T.speed, {
    targetValue: 0,
    customTargetValueLow: mps(225),
    customTargetValueHigh: mps(215),
  }),
  step("200 easy", D.distance, 20000, T.open, { intensity: I.recovery }),
  { durationType: D.repeatSteps, durationValue: 1, targetType: T.open, targetValue: 3 },
  step("Rest", D.time, 180000, T.open, { intensity: I.rest }),
  { durationType: D.repeatSteps, durationValue: 1, targetType: T.open, targetValue: 2 },
]);

// Refused: a power target (intervals.icu's power-based run workouts).
write("power-run.fit", { wktName: "Power run" }, [
  step("Warm up", D.time, 540000, T.open, { intensity: I.warmup }),
  step("Hard", D.time, 120000, T.power, {
    targetValue: 0,
    customTargetValueLow: 1000 + 315,
    customTargetValueHigh: 1000 + 330,
  }),
]);

// Refused: a duration a treadmill cannot end on.
write("until-hr.fit", { wktName: "Until HR" }, [
  step("Recover", D.hrLessThan, 100 + 120, T.open, { intensity: I.recovery }),
]);

// Refused: a cycling workout.
write("bike.fit", { sport: 2, wktName: "Sweet spot" }, [
  step("Ride", D.time, 1200000, T.open, {}),
]);

// Refused: an activity (a recorded run) is not a workout.
write("activity.fit", { type: 4, wktName: "Morning run" }, [
  step("Run", D.time, 1200000, T.open, {}),
]);
