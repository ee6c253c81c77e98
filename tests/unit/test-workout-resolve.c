/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runner profile (Riegel derivation, keys) and resolution: targets to
 * concrete speed/incline, clamping to the machine range and caps, totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "workout-text.h"
#include "workout.h"

static double riegel(double t, double d0, double d)
{
        return t * pow(d / d0, 1.06);
}

static double race_time(const RunnerProfile *p, PaceRef r)
{
        return p->pace_s_per_km[r] * race_distance_m(r) / 1000.0;
}

static void test_riegel_from_mile(void **state)
{
        RunnerProfile p;
        char buf[200];

        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "Mile", "5:30"), 0);
        runner_profile_derive(&p);

        assert_int_equal(p.source[PACE_REF_MILE], REF_SOURCE_CONFIG);
        assert_float_equal(race_time(&p, PACE_REF_MILE), 330, 1e-9);
        for (PaceRef r = PACE_REF_5K; r <= PACE_REF_MARATHON; r++) {
                assert_int_equal(p.source[r], REF_SOURCE_RIEGEL);
                assert_int_equal(p.derived_from[r], PACE_REF_MILE);
                assert_float_equal(race_time(&p, r), riegel(330, 1609.344, race_distance_m(r)),
                                   1e-6);
        }
        /* 5:30 mile -> 18:17 5k, 2:55:26 marathon. */
        assert_float_equal(race_time(&p, PACE_REF_5K), 1097, 1.0);
        assert_float_equal(race_time(&p, PACE_REF_MARATHON), 10526, 1.0);
        assert_string_equal(runner_profile_derivation(&p, PACE_REF_5K, buf, sizeof(buf)),
                            "from Mile 5:30, Riegel (exponent 1.06)");
        assert_string_equal(runner_profile_derivation(&p, PACE_REF_MILE, buf, sizeof(buf)),
                            "configured");

        /* Threshold: the one-hour race from the 10k. */
        double t10 = race_time(&p, PACE_REF_10K);
        double d = 10000 * pow(3600 / t10, 1 / 1.06);
        assert_float_equal(p.pace_s_per_km[PACE_REF_THRESHOLD], 3600 / (d / 1000), 1e-6);
        assert_float_equal(riegel(t10, 10000, d), 3600, 1e-6);
        assert_non_null(strstr(runner_profile_derivation(&p, PACE_REF_THRESHOLD, buf, sizeof(buf)),
                               "one-hour race pace from 10K"));
        /* Easy: marathon pace + 20 %. */
        assert_float_equal(p.pace_s_per_km[PACE_REF_EASY], p.pace_s_per_km[PACE_REF_MARATHON] * 1.2,
                           1e-9);

        /* Idempotent. */
        RunnerProfile q = p;
        runner_profile_derive(&q);
        assert_memory_equal(&p, &q, sizeof(p));
}

static void test_riegel_nearest_reference(void **state)
{
        RunnerProfile p;

        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "mile", "6:00"), 0);
        assert_int_equal(runner_profile_set_key(&p, "Marathon", "3:30:00"), 0);
        runner_profile_derive(&p);
        /* 5k is nearer the mile, the half nearer the marathon. */
        assert_int_equal(p.derived_from[PACE_REF_5K], PACE_REF_MILE);
        assert_int_equal(p.derived_from[PACE_REF_HALF], PACE_REF_MARATHON);
        assert_float_equal(race_time(&p, PACE_REF_HALF), riegel(12600, 42195, 21097.5), 1e-6);
        /* The 10k (log-distance: 1.83 from the mile, 1.44 from the marathon). */
        assert_int_equal(p.derived_from[PACE_REF_10K], PACE_REF_MARATHON);
}

static void test_profile_defaults_and_anchors(void **state)
{
        RunnerProfile p;
        char buf[200];

        runner_profile_init(&p);
        runner_profile_derive(&p);
        assert_int_equal(p.source[PACE_REF_5K], REF_SOURCE_DEFAULT);
        assert_float_equal(race_time(&p, PACE_REF_5K), 1500, 1e-9);
        assert_non_null(strstr(runner_profile_derivation(&p, PACE_REF_5K, buf, sizeof(buf)),
                               "default (5K in 25:00"));
        for (PaceRef r = 0; r < _PACE_REF_MAX; r++)
                assert_true(runner_profile_speed_kmh(&p, r) > 0);
        assert_int_equal(p.max_hr, 0); /* no age: no invented max HR */
        assert_int_equal(p.resting_hr, 60);
        assert_true(p.resting_hr_derived);

        /* Only a threshold pace: races follow from it as a one-hour race. */
        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "ThresholdPace", "4:00/km"), 0);
        runner_profile_derive(&p);
        assert_int_equal(p.source[PACE_REF_THRESHOLD], REF_SOURCE_CONFIG);
        assert_int_equal(p.derived_from[PACE_REF_MARATHON], PACE_REF_THRESHOLD);
        assert_float_equal(race_time(&p, PACE_REF_MARATHON), riegel(3600, 15000, 42195), 1e-6);

        /* Only an easy pace. */
        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "EasyPace", "9:00/mi"), 0);
        runner_profile_derive(&p);
        assert_float_equal(p.pace_s_per_km[PACE_REF_MARATHON], 540 / 1.609344 / 1.2, 1e-9);
}

static void test_profile_keys(void **state)
{
        RunnerProfile p;

        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "HalfMarathon", "1:29:30"), 0);
        assert_float_equal(race_time(&p, PACE_REF_HALF), 5370, 1e-9);
        assert_int_equal(runner_profile_set_key(&p, "10K", "4:00/km"), 0);
        assert_float_equal(p.pace_s_per_km[PACE_REF_10K], 240, 1e-9);
        assert_int_equal(runner_profile_set_key(&p, "5k", "6:00/mi"), 0);
        assert_float_equal(p.pace_s_per_km[PACE_REF_5K], 360 / 1.609344, 1e-9);
        assert_int_equal(runner_profile_set_key(&p, "MaxHR", "190"), 0);
        assert_int_equal(runner_profile_set_key(&p, "RestingHR", "48"), 0);
        assert_int_equal(runner_profile_set_key(&p, "LTHR", "172"), 0);
        assert_int_equal(runner_profile_set_key(&p, "Age", "40"), 0);
        assert_int_equal(runner_profile_set_key(&p, "Units", "mi"), 0);
        assert_int_equal(p.units, PROFILE_UNITS_MI);
        assert_int_equal(p.max_hr, 190);
        assert_int_equal(p.lthr, 172);

        assert_int_equal(runner_profile_set_key(&p, "Mile", "5:75"), -EINVAL);
        assert_int_equal(runner_profile_set_key(&p, "Mile", "abc"), -EINVAL);
        assert_int_equal(runner_profile_set_key(&p, "Mile", "0:30"), -EINVAL);     /* too fast */
        assert_int_equal(runner_profile_set_key(&p, "EasyPace", "5:00"), -EINVAL); /* no unit */
        assert_int_equal(runner_profile_set_key(&p, "MaxHR", "300"), -EINVAL);
        assert_int_equal(runner_profile_set_key(&p, "MaxHR", "19x"), -EINVAL);
        assert_int_equal(runner_profile_set_key(&p, "Units", "furlongs"), -EINVAL);
        assert_int_equal(runner_profile_set_key(&p, "Shoe", "x"), -ENOENT);
        /* Failed sets leave the profile as it was. */
        assert_int_equal(p.max_hr, 190);
        assert_int_equal(p.source[PACE_REF_MILE], REF_SOURCE_UNSET);

        /* One vocabulary, paced.conf's; the old spellings map onto it. */
        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "max_hr", "185"), 0);
        assert_int_equal(runner_profile_set_key(&p, "resting_hr", "50"), 0);
        assert_int_equal(runner_profile_set_key(&p, "threshold_pace", "4:00/km"), 0);
        assert_int_equal(runner_profile_set_key(&p, "easy_pace", "5:30/km"), 0);
        assert_int_equal(runner_profile_set_key(&p, "half", "1:30:00"), 0);
        assert_int_equal(runner_profile_set_key(&p, "zwift_pace", "5k"), 0);
        assert_int_equal(runner_profile_set_key(&p, "hrvt1", "150"), 0);
        assert_int_equal(runner_profile_set_key(&p, "hrvt2", "250"), -EINVAL);
        assert_int_equal(p.max_hr, 185);
        assert_int_equal(p.resting_hr, 50);
        assert_float_equal(p.pace_s_per_km[PACE_REF_THRESHOLD], 240, 1e-9);
        assert_float_equal(p.pace_s_per_km[PACE_REF_EASY], 330, 1e-9);
        assert_int_equal(p.zwift_pace, PACE_REF_5K);
        assert_string_equal(runner_profile_key_renamed("MaxHR"), "max_hr");
        assert_string_equal(runner_profile_key_renamed("thresholdpace"), "threshold_pace");
        assert_string_equal(runner_profile_key_renamed("HalfMarathon"), "half");
        assert_null(runner_profile_key_renamed("max_hr"));
        assert_null(runner_profile_key_renamed("Mile"));
        assert_string_equal(runner_profile_key_suggest("max_hrr"), "max_hr");
        assert_string_equal(runner_profile_key_suggest("Max_HR"), "max_hr");
        assert_string_equal(runner_profile_key_suggest("easy_pase"), "easy_pace");
        assert_null(runner_profile_key_suggest("Shoe"));
        assert_null(runner_profile_key_suggest("cadence"));

        /* Heart-rate anchors from age: Tanaka, LTHR 90 % of max. */
        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "Age", "40"), 0);
        runner_profile_derive(&p);
        assert_int_equal(p.max_hr, 180);
        assert_true(p.max_hr_derived);
        assert_int_equal(p.lthr, 162);
        assert_true(p.lthr_derived);
}

static ResolvedWorkout *resolve_text(const char *text, const RunnerProfile *p,
                                     const ResolveLimits *l)
{
        Workout *w = NULL;
        ResolvedWorkout *r = NULL;
        WorkoutError e = {};
        int k;

        k = workout_text_parse(text, strlen(text), "r.txt", &w, &e);
        if (k < 0)
                fail_msg("%s", e.message);
        k = workout_resolve(w, p, l, &r);
        workout_free(w);
        if (k < 0)
                fail_msg("resolve: %d", k);
        return r;
}

static void profile_5k_20(RunnerProfile *p)
{
        runner_profile_init(p);
        assert_int_equal(runner_profile_set_key(p, "5K", "20:00"), 0);         /* 15 km/h */
        assert_int_equal(runner_profile_set_key(p, "EasyPace", "6:00/km"), 0); /* 10 km/h */
        assert_int_equal(runner_profile_set_key(p, "MaxHR", "190"), 0);
        assert_int_equal(runner_profile_set_key(p, "LTHR", "170"), 0);
}

static void test_resolve_speed_targets(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;

        profile_5k_20(&p);
        resolve_limits_init(&l);
        r = resolve_text("- 10m 5k Pace\n"
                         "- 10m 90% 5k Pace\n"
                         "- 10m ramp 60-80% 5k Pace\n"
                         "- 10m 90-110% 5k Pace\n"
                         "- 10m 12km/h\n"
                         "- 1km 4:00/km Pace\n"
                         "- 10m easy Pace\n",
                         &p, &l);
        assert_int_equal(r->n_steps, 7);
        assert_int_equal(r->steps[0].control, STEP_CONTROL_SPEED);
        assert_float_equal(r->steps[0].speed_start_kmh, 15, 1e-9);
        assert_float_equal(r->steps[1].speed_start_kmh, 13.5, 1e-9);
        assert_float_equal(r->steps[2].speed_start_kmh, 9, 1e-9);
        assert_float_equal(r->steps[2].speed_end_kmh, 12, 1e-9);
        /* A range: aim at the middle, keep the bounds. */
        assert_float_equal(r->steps[3].speed_start_kmh, 15, 1e-9);
        assert_float_equal(r->steps[3].speed_end_kmh, 15, 1e-9);
        assert_float_equal(r->steps[3].speed_lo_kmh, 13.5, 1e-9);
        assert_float_equal(r->steps[3].speed_hi_kmh, 16.5, 1e-9);
        assert_float_equal(r->steps[4].speed_start_kmh, 12, 1e-9);
        assert_float_equal(r->steps[5].speed_start_kmh, 15, 1e-9);
        assert_float_equal(r->steps[6].speed_start_kmh, 10, 1e-9);
        assert_false(r->any_clamped);
        assert_string_equal(r->steps[0].label, "10:00 at 4:00/km");
        assert_string_equal(r->steps[2].label, "10:00 at 6:40/km -> 5:00/km");
        resolved_workout_free(r);
}

static void test_resolve_hr_targets(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;
        Workout *w = NULL;
        const char *t = "- 10m Z2 HR\n";

        profile_5k_20(&p);
        resolve_limits_init(&l);
        r = resolve_text("- 10m Z2 HR\n- 10m 75-80% HR\n- 10m 95% LTHR\n- 10m 140-150bpm HR\n"
                         "- 10m Z4 HR 5k Pace\n",
                         &p, &l);
        /* Z2 with an LTHR: Friel's 85-89 % of 170. */
        assert_int_equal(r->steps[0].control, STEP_CONTROL_HR);
        assert_float_equal(r->steps[0].hr_lo_bpm, round(0.85 * 170), 0);
        assert_float_equal(r->steps[0].hr_hi_bpm, round(0.89 * 170), 0);
        /* The controller starts at easy pace, or at the step's own speed. */
        assert_float_equal(r->steps[0].hr_fallback_kmh, 10, 1e-9);
        assert_float_equal(r->steps[1].hr_lo_bpm, round(0.75 * 190), 0);
        assert_float_equal(r->steps[1].hr_hi_bpm, round(0.80 * 190), 0);
        assert_float_equal(r->steps[2].hr_lo_bpm, round(0.95 * 170), 0);
        assert_float_equal(r->steps[3].hr_lo_bpm, 140, 0);
        assert_float_equal(r->steps[3].hr_hi_bpm, 150, 0);
        assert_float_equal(r->steps[4].hr_fallback_kmh, 15, 1e-9);
        /* Time steps: the distance estimate uses the fallback speed. */
        assert_float_equal(r->total_distance_m, 4 * 600 * 10 / 3.6 + 600 * 15 / 3.6, 1e-6);
        resolved_workout_free(r);

        /* Without LTHR: the %HRmax zones. */
        p.lthr = 0;
        r = resolve_text(t, &p, &l);
        assert_float_equal(r->steps[0].hr_lo_bpm, round(0.60 * 190), 0);
        assert_float_equal(r->steps[0].hr_hi_bpm, round(0.70 * 190), 0);
        resolved_workout_free(r);

        /* Without any HR anchor a HR step cannot be resolved. */
        runner_profile_init(&p);
        assert_int_equal(workout_text_parse(t, strlen(t), NULL, &w, NULL), 0);
        r = NULL;
        assert_int_equal(workout_resolve(w, &p, &l, &r), -ENODATA);
        assert_null(r);
        workout_free(w);
}

static void test_clamping(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;

        profile_5k_20(&p);
        resolve_limits_init(&l);
        l.max_speed_kmh = 16;
        l.min_speed_kmh = 3;
        l.max_incline_pct = 10;
        l.speed_cap_kmh = 14;
        r = resolve_text("- 1m 120% 5k Pace\n"         /* 18 > cap 14 */
                         "- 1m ramp 80-120% 5k Pace\n" /* 12 -> 18 */
                         "- 1m 2km/h\n"                /* below the machine's 3 */
                         "- 1m 12km/h 12% incline\n"   /* above the machine's 10 % */
                         "- 1m 12km/h -3% incline\n"   /* below the machine's 0 % */
                         "- 1m 12km/h 5% incline\n",   /* fine */
                         &p, &l);
        assert_true(r->any_clamped);
        assert_true(r->steps[0].speed_clamped);
        assert_float_equal(r->steps[0].speed_start_kmh, 14, 1e-9);
        assert_float_equal(r->steps[0].requested_speed_kmh, 18, 1e-9);
        assert_true(r->steps[1].speed_clamped);
        assert_float_equal(r->steps[1].speed_start_kmh, 12, 1e-9);
        assert_float_equal(r->steps[1].speed_end_kmh, 14, 1e-9);
        assert_float_equal(r->steps[1].requested_speed_kmh, 18, 1e-9);
        assert_true(r->steps[2].speed_clamped);
        assert_float_equal(r->steps[2].speed_start_kmh, 3, 1e-9);
        assert_false(r->steps[3].speed_clamped);
        assert_true(r->steps[3].incline_clamped);
        assert_float_equal(r->steps[3].incline_start_pct, 10, 1e-9);
        assert_float_equal(r->steps[3].requested_incline_pct, 12, 1e-9);
        assert_true(r->steps[4].incline_clamped);
        assert_float_equal(r->steps[4].incline_start_pct, 0, 1e-9);
        assert_false(r->steps[5].incline_clamped);
        assert_float_equal(r->steps[5].incline_start_pct, 5, 1e-9);
        /* Nothing anywhere exceeds the limits. */
        for (size_t i = 0; i < r->n_steps; i++) {
                assert_true(r->steps[i].speed_start_kmh <= 14 && r->steps[i].speed_end_kmh <= 14);
                assert_true(r->steps[i].speed_hi_kmh <= 14);
                assert_true(!r->steps[i].has_incline || r->steps[i].incline_start_pct <= 10);
        }
        resolved_workout_free(r);

        /* An incline cap, and a machine without incline. */
        resolve_limits_init(&l);
        l.incline_cap_pct = 4;
        r = resolve_text("- 1m 12km/h 6% incline\n", &p, &l);
        assert_float_equal(r->steps[0].incline_start_pct, 4, 1e-9);
        assert_true(r->steps[0].incline_clamped);
        resolved_workout_free(r);
        l.max_incline_pct = 0;
        l.incline_cap_pct = INFINITY;
        r = resolve_text("- 1m 12km/h ramp 0-6% incline\n", &p, &l);
        assert_float_equal(r->steps[0].incline_end_pct, 0, 1e-9);
        assert_true(r->steps[0].incline_clamped);
        resolved_workout_free(r);

        /* A cap below the machine minimum wins. */
        resolve_limits_init(&l);
        l.min_speed_kmh = 3;
        l.speed_cap_kmh = 2;
        r = resolve_text("- 1m 12km/h\n", &p, &l);
        assert_float_equal(r->steps[0].speed_start_kmh, 2, 1e-9);
        resolved_workout_free(r);
}

static void test_totals(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;
        double v0 = 12 / 3.6, v1 = 15 / 3.6;

        profile_5k_20(&p);
        resolve_limits_init(&l);
        r = resolve_text("- 10m 12km/h\n"
                         "Main 4x\n- 400mtr 5k Pace\n- 200mtr 10km/h\n\n"
                         "- 1km ramp 12-15km/h\n"
                         "- 5m freeride\n"
                         "- open 10km/h\n",
                         &p, &l);
        assert_int_equal(r->n_steps, 1 + 8 + 3);
        assert_true(r->has_open_steps);
        assert_float_equal(r->total_distance_m, 2000 + 4 * 600 + 1000 + 300 * 10 / 3.6, 1e-6);
        assert_float_equal(r->total_time_s,
                           600 + 4 * (400 / (15 / 3.6) + 200 / (10 / 3.6)) +
                                   1000 * log(v1 / v0) / (v1 - v0) + 300,
                           1e-6);
        assert_int_equal(r->steps[1].repeat_index, 1);
        assert_int_equal(r->steps[8].repeat_index, 4);
        assert_int_equal(r->steps[8].repeat_count, 4);
        assert_int_equal(r->steps[11].end, STEP_END_OPEN);
        assert_int_equal(r->steps[10].control, STEP_CONTROL_FREE);
        resolved_workout_free(r);
}

static void test_nested_repeats(void **state)
{
        Workout *w = NULL;
        ResolvedWorkout *r = NULL;
        RunnerProfile p;
        ResolveLimits l;
        WorkoutNode *outer, *inner;
        WorkoutStep s;

        profile_5k_20(&p);
        resolve_limits_init(&l);
        assert_int_equal(workout_new(&w, "nested"), 0);
        outer = workout_block_add_repeat(&w->body, 2);
        inner = workout_block_add_repeat(&outer->block, 3);
        workout_step_init(&s);
        s.end = STEP_END_DISTANCE;
        s.end_value = 200;
        s.speed_type = SPEED_TARGET_VALUE;
        s.speed_lo = (SpeedValue){.kmh = 15};
        assert_non_null(workout_block_add_step(&inner->block, &s));
        s.end = STEP_END_TIME;
        s.end_value = 120;
        s.kind = STEP_KIND_RECOVERY;
        s.speed_lo.kmh = 8;
        assert_non_null(workout_block_add_step(&outer->block, &s));
        assert_int_equal(workout_count_steps(w), 8);

        assert_int_equal(workout_resolve(w, &p, &l, &r), 0);
        assert_int_equal(r->n_steps, 8);
        assert_string_equal(r->name, "nested");
        assert_int_equal(r->steps[0].repeat_index, 1);
        assert_int_equal(r->steps[2].repeat_index, 3);
        assert_int_equal(r->steps[3].kind, STEP_KIND_RECOVERY);
        assert_int_equal(r->steps[3].repeat_index, 1);
        assert_int_equal(r->steps[3].repeat_count, 2);
        assert_int_equal(r->steps[7].repeat_index, 2);
        assert_float_equal(r->total_distance_m, 6 * 200 + 2 * 120 * 8 / 3.6, 1e-6);
        resolved_workout_free(r);

        /* 99 x 99 x 1 expands past WORKOUT_STEPS_MAX. */
        workout_block_done(&w->body);
        outer = workout_block_add_repeat(&w->body, 99);
        inner = workout_block_add_repeat(&outer->block, 99);
        assert_non_null(workout_block_add_step(&inner->block, &s));
        r = NULL;
        assert_int_equal(workout_resolve(w, &p, &l, &r), -E2BIG);
        assert_null(r);
        workout_free(w);
}

static void test_ramp_test_ends_at_the_limit(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;

        profile_5k_20(&p);
        resolve_limits_init(&l);
        l.max_speed_kmh = 16;
        l.speed_cap_kmh = 14;
        r = resolve_text("- 5m 8km/h\nRamp 60x\n- 1m easy Pace +0.5km/h\n\n- 5m 6km/h\n", &p, &l);
        /* 10, 10.5 ... 14: nine steps, the last one open at 14 km/h. */
        assert_int_equal(r->n_steps, 1 + 9 + 1);
        for (size_t i = 1; i <= 9; i++) {
                assert_float_equal(r->steps[i].speed_start_kmh, 10 + 0.5 * (i - 1), 1e-9);
                assert_false(r->steps[i].speed_clamped);
        }
        assert_int_equal(r->steps[8].end, STEP_END_TIME);
        assert_int_equal(r->steps[9].end, STEP_END_OPEN);
        assert_non_null(strstr(r->steps[9].label, "until you stop"));
        assert_true(r->has_open_steps);
        assert_false(r->any_clamped);
        assert_float_equal(r->steps[10].speed_start_kmh, 6, 1e-9);
        resolved_workout_free(r);

        /* With a recovery after each step-up: the last step-up is the open
         * one, and its recovery follows when the runner skips. */
        r = resolve_text("Ramp 60x\n- 1m easy Pace +0.5km/h\n- Jog 30s 8km/h\n", &p, &l);
        assert_int_equal(r->n_steps, 18);
        assert_int_equal(r->steps[16].end, STEP_END_OPEN);
        assert_float_equal(r->steps[16].speed_start_kmh, 14, 1e-9);
        assert_int_equal(r->steps[17].end, STEP_END_TIME);
        assert_int_equal(r->steps[17].kind, STEP_KIND_RECOVERY);
        assert_int_equal(r->steps[15].end, STEP_END_TIME);
        resolved_workout_free(r);

        /* Enough repetitions never reach the limit: as written. */
        r = resolve_text("Ramp 3x\n- 1m easy Pace +0.5km/h\n", &p, &l);
        assert_int_equal(r->n_steps, 3);
        assert_false(r->has_open_steps);
        assert_float_equal(r->steps[2].speed_start_kmh, 11, 1e-9);
        resolved_workout_free(r);

        /* Starting above the limit: one clamped, open step. */
        r = resolve_text("Ramp 10x\n- 1m 15km/h +0.5km/h\n", &p, &l);
        assert_int_equal(r->n_steps, 1);
        assert_int_equal(r->steps[0].end, STEP_END_OPEN);
        assert_true(r->steps[0].speed_clamped);
        assert_float_equal(r->steps[0].speed_start_kmh, 14, 1e-9);
        resolved_workout_free(r);
}

static void test_time_offset(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;
        double t, d;

        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "Mile", "5:30"), 0);
        resolve_limits_init(&l);
        r = resolve_text("- 402.336mtr mile Pace +1s\n- 402.336mtr mile Pace\n", &p, &l);
        resolved_step_estimate(&r->steps[0], 10, &t, &d);
        assert_float_equal(t, 82.5 + 1, 1e-9);
        resolved_step_estimate(&r->steps[1], 10, &t, &d);
        assert_float_equal(t, 82.5, 1e-9);
        resolved_workout_free(r);
}

static void test_units_in_labels(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;

        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "Units", "mi"), 0);
        resolve_limits_init(&l);
        r = resolve_text("- 400mtr 5:20/mi Pace 2% incline\n", &p, &l);
        assert_string_equal(r->steps[0].label, "400 m at 5:20/mi, incline 2.0 %");
        resolved_workout_free(r);
}

static void test_bad_arguments(void **state)
{
        Workout *w = NULL;
        ResolvedWorkout *r = NULL;
        RunnerProfile p;
        ResolveLimits l;

        runner_profile_init(&p);
        resolve_limits_init(&l);
        assert_int_equal(workout_text_parse("- 1m 10km/h\n", 12, NULL, &w, NULL), 0);
        l.max_speed_kmh = 0;
        assert_int_equal(workout_resolve(w, &p, &l, &r), -EINVAL);
        resolve_limits_init(&l);
        l.min_speed_kmh = 30;
        assert_int_equal(workout_resolve(w, &p, &l, &r), -EINVAL);
        assert_int_equal(workout_resolve(NULL, &p, &l, &r), -EINVAL);
        assert_null(r);
        workout_free(w);
}

static void test_enum_strings(void **state)
{
        for (StepKind k = 0; k < _STEP_KIND_MAX; k++)
                assert_int_equal(step_kind_from_string(step_kind_to_string(k)), k);
        assert_int_equal(step_kind_from_string("sprint"), _STEP_KIND_INVALID);
        assert_string_equal(step_kind_to_string(STEP_KIND_TIME_TRIAL), "time-trial");
        assert_null(step_kind_to_string(_STEP_KIND_MAX));
        assert_string_equal(step_end_to_string(STEP_END_OPEN), "open");
        assert_string_equal(step_control_to_string(STEP_CONTROL_HR), "hr");
        assert_null(step_control_to_string(_STEP_CONTROL_INVALID));
        for (PaceRef r = 0; r < _PACE_REF_MAX; r++)
                assert_int_equal(pace_ref_from_string(pace_ref_to_string(r)), r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_riegel_from_mile),
                cmocka_unit_test(test_riegel_nearest_reference),
                cmocka_unit_test(test_profile_defaults_and_anchors),
                cmocka_unit_test(test_profile_keys),
                cmocka_unit_test(test_resolve_speed_targets),
                cmocka_unit_test(test_resolve_hr_targets),
                cmocka_unit_test(test_clamping),
                cmocka_unit_test(test_totals),
                cmocka_unit_test(test_nested_repeats),
                cmocka_unit_test(test_ramp_test_ends_at_the_limit),
                cmocka_unit_test(test_time_offset),
                cmocka_unit_test(test_units_in_labels),
                cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_enum_strings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
