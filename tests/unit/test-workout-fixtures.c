/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Real-world and rule fixtures (tests/data/workouts/README.md): each file
 * resolved against one runner, with the steps and totals a runner expects
 * from the file's own description, and the notes that say how it was read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "workout-library.h"
#include "workout-zwo.h"
#include "workout.h"

#define DATA PACED_SOURCE_DIR "/tests/data/workouts/"

typedef struct Fixture {
        const char *file;
        size_t n_steps;
        double distance_m; /* < 0: not checked */
        double time_s;     /* < 0: not checked */
        const char *note;  /* a note that must be there, NULL: none expected */
} Fixture;

static ResolvedWorkout *resolve_file(const char *path, const char *const *keys)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        WorkoutError e = {};
        ResolvedWorkout *r = NULL;
        RunnerProfile p;
        ResolveLimits l;
        char msg[600];
        int k;

        if (workout_load_file(path, &w, &e) < 0)
                fail_msg("%s", workout_error_format(&e, msg, sizeof(msg)));
        runner_profile_init(&p);
        for (size_t i = 0; keys && keys[i]; i += 2)
                assert_int_equal(runner_profile_set_key(&p, keys[i], keys[i + 1]), 0);
        resolve_limits_init(&l);
        k = workout_resolve(w, &p, &l, &r);
        if (k < 0)
                fail_msg("%s: resolve: %s", path, strerror(-k));
        return r;
}

static bool has_note(const ResolvedWorkout *r, const char *s)
{
        for (char **n = r->notes; n && *n; n++)
                if (strstr(*n, s))
                        return true;
        return false;
}

static void check(const Fixture *f, const char *const *keys)
{
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r = NULL;
        char path[512];

        snprintf(path, sizeof(path), DATA "%s", f->file);
        r = resolve_file(path, keys);
        if (r->n_steps != f->n_steps)
                fail_msg("%s: %zu steps, want %zu", f->file, r->n_steps, f->n_steps);
        /* A step of no time or no distance would be sent to the belt and
         * skipped at once: none may come out of a file. */
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].end != STEP_END_OPEN && !(r->steps[i].end_value > 0))
                        fail_msg("%s: step %zu lasts %g", f->file, i + 1, r->steps[i].end_value);
        if (f->distance_m >= 0 && fabs(r->total_distance_m - f->distance_m) > 0.5)
                fail_msg("%s: %.1f m, want %.1f m", f->file, r->total_distance_m, f->distance_m);
        if (f->time_s >= 0 && fabs(r->total_time_s - f->time_s) > 0.5)
                fail_msg("%s: %.1f s, want %.1f s", f->file, r->total_time_s, f->time_s);
        if (f->note && !has_note(r, f->note))
                fail_msg("%s: no note '%s' (first: %s)", f->file, f->note,
                         r->notes && r->notes[0] ? r->notes[0] : "none");
}

/* luishpinto/zwift: every distance as the description gives it, in metres. */
static void test_zwo_metres_without_duration_type(void **state)
{
        static const char *const keys[] = {"5K", "20:00", NULL};
        static const Fixture fixtures[] = {
                /* 1 + 3 x (1.7 + 0.4) + 4 x (0.2 + 0.2) + 1 km */
                {"zwo/one-mile-threshold.zwo", 16, 9900, -1, "durations read as metres"},
                /* 1 + 2 x (3.4 + 0.4) + 4 x (0.2 + 0.2) + 1 km */
                {"zwo/two-miles-threshold.zwo", 14, 11200, -1, "durations read as metres"},
                /* 1 + (6.8 + 0.4) + 6 x (0.2 + 0.2) + 1 km: 3 h 13 min when read as seconds */
                {"zwo/four-miles-threshold.zwo", 16, 11600, -1, "durations read as metres"},
                {"zwo/pyramid.zwo", 16, 8000, -1, "durations read as metres"},
                /* The 2700 m at 105 % of a 20:00 5K (15.75 km/h) is the "12 min" of the
                 * description, give or take: 10:17. */
                {"zwo/speed-test.zwo", 3, 4700, -1, "durations read as metres"},
                {"zwo/variable-intervals.zwo", 20, 6800, -1, "durations read as metres"},
        };

        for (size_t i = 0; i < ELEMENTSOF(fixtures); i++)
                check(&fixtures[i], keys);
}

/* The four-mile session at 5K 20:00: warm-up ramp 12.1 -> 13.6 km/h, the
 * 6.8 km at 95.3 % of 5K speed, nothing runs for hours. */
static void test_zwo_four_miles_steps(void **state)
{
        static const char *const keys[] = {"5K", "20:00", NULL};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "zwo/four-miles-threshold.zwo", keys);

        assert_int_equal(r->steps[0].kind, STEP_KIND_WARMUP);
        assert_int_equal(r->steps[0].end, STEP_END_DISTANCE);
        assert_float_equal(r->steps[0].end_value, 1000, 0);
        assert_float_equal(r->steps[0].speed_start_kmh, 15 * 0.80848885, 1e-6);
        assert_float_equal(r->steps[0].speed_end_kmh, 15 * 0.90509331, 1e-6);
        assert_float_equal(r->steps[1].end_value, 6800, 0);
        assert_float_equal(r->steps[1].speed_start_kmh, 15 * 0.95339554, 1e-6);
        /* The cool-down (PowerLow 0.905 > PowerHigh 0.808) slows the belt. */
        assert_int_equal(r->steps[15].kind, STEP_KIND_COOLDOWN);
        assert_true(r->steps[15].speed_start_kmh > r->steps[15].speed_end_kmh);
        assert_true(r->total_time_s > 45 * 60 && r->total_time_s < 55 * 60);
}

/* sportType running, Incline fractions and percent, Slope, On/OffSlope,
 * and a cool-down written PowerLow > PowerHigh that must not speed up. */
static void test_zwo_running_incline(void **state)
{
        static const char *const keys[] = {"5K", "20:00", NULL};
        static const Fixture f = {"rules/zwo-running-incline.zwo", 12, -1, 29 * 60,
                                  "read as fractions"};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "rules/zwo-running-incline.zwo", keys);

        check(&f, keys);
        assert_true(r->steps[1].has_incline);
        assert_float_equal(r->steps[1].incline_start_pct, 6, 1e-9);
        assert_float_equal(r->steps[2].incline_start_pct, 0, 1e-9);
        assert_float_equal(r->steps[9].incline_start_pct, 2, 1e-9);  /* Incline="2": percent */
        assert_float_equal(r->steps[10].incline_start_pct, 3, 1e-9); /* Slope="3" */
        assert_int_equal(r->steps[11].kind, STEP_KIND_COOLDOWN);
        assert_float_equal(r->steps[11].speed_start_kmh, 15 * 0.8, 1e-9);
        assert_float_equal(r->steps[11].speed_end_kmh, 15 * 0.7, 1e-9);
}

/* Zwift's editor's pace="8268": the configured reference, with a note; text
 * events at their offsets; OffDuration="0"; the reversed cool-down. */
static void test_zwo_zwift_export(void **state)
{
        static const char *const keys[] = {"Mile", "6:00", "5K", "20:00", "ZwiftPace", "5k", NULL};
        static const Fixture f = {"rules/zwo-zwift-export.zwo", 8, -1,
                                  600 + 1200 + 600 + 1200 + 3 * 30 + 600, "pace=\"8268\""};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "rules/zwo-zwift-export.zwo", keys);

        check(&f, keys);
        /* ZwiftPace=5k: 95.4 % of 15 km/h, not of the 16.1 km/h mile. */
        assert_float_equal(r->steps[1].speed_start_kmh, 15 * 0.95449996, 1e-6);
        /* The warm-up's events: one at its start, one at 9:00. */
        assert_string_equal(r->steps[0].cue, "Welcome");
        assert_int_equal(r->steps[0].n_cues, 1);
        assert_float_equal(r->steps[0].cues[0].at, 540, 0);
        assert_string_equal(r->steps[0].cues[0].text, "One minute to go");
        /* OffDuration="0": three 30 s efforts back to back, no off steps;
         * "Last one" 65 s into the block, 5 s into the third. */
        for (size_t i = 4; i < 7; i++) {
                assert_int_equal(r->steps[i].kind, STEP_KIND_ACTIVE);
                assert_float_equal(r->steps[i].end_value, 30, 0);
        }
        assert_int_equal(r->steps[4].n_cues + r->steps[5].n_cues, 0);
        assert_int_equal(r->steps[6].n_cues, 1);
        assert_float_equal(r->steps[6].cues[0].at, 5, 0);
        /* Cooldown PowerLow 0.754 > PowerHigh 0.254: from fast to slow. */
        assert_true(r->steps[7].speed_start_kmh > r->steps[7].speed_end_kmh);
}

/* A cool-down only ever slows the belt, whichever of PowerLow/PowerHigh is
 * the larger and whichever the file lists first; OffDuration="0" without
 * OffPower is the on steps back to back. */
static void test_zwo_cooldown_order(void **state)
{
        static const char *const keys[] = {"5K", "20:00", NULL};
        /* 600 s at 13.5 km/h, 4 x 60 s at 15, 4 x 300 s from 12 to 9 km/h */
        static const Fixture f = {"rules/zwo-cooldown-order.zwo", 9, 2250 + 1000 + 4 * 875,
                                  600 + 240 + 1200, NULL};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "rules/zwo-cooldown-order.zwo", keys);

        check(&f, keys);
        for (size_t i = 1; i < 5; i++) {
                assert_int_equal(r->steps[i].kind, STEP_KIND_ACTIVE);
                assert_int_equal(r->steps[i].end, STEP_END_TIME);
                assert_float_equal(r->steps[i].end_value, 60, 0);
                assert_float_equal(r->steps[i].speed_start_kmh, 15, 1e-9);
        }
        for (size_t i = 5; i < 9; i++) {
                assert_int_equal(r->steps[i].kind, STEP_KIND_COOLDOWN);
                assert_float_equal(r->steps[i].speed_start_kmh, 15 * 0.8, 1e-9);
                assert_float_equal(r->steps[i].speed_end_kmh, 15 * 0.6, 1e-9);
        }
}

/* TrainAsONE: <thresholdSecPerKm> is what Power is a fraction of; QZ's
 * Speed= is m/s. */
static void test_zwo_threshold_and_speed(void **state)
{
        static const Fixture f = {"rules/zwo-trainasone.zwo", 3, -1, 960, "thresholdSecPerKm"};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "rules/zwo-trainasone.zwo", NULL);

        check(&f, NULL);
        /* 302 s/km / 0.6667 = 453 s/km, the "07:34/km" of the file's text */
        assert_float_equal(3600 / r->steps[0].speed_start_kmh, 302 / 0.6667, 0.01);
        assert_float_equal(3600 / r->steps[1].speed_start_kmh, 302, 0.01);
        assert_float_equal(r->steps[2].speed_start_kmh, 4.1667 * 3.6, 1e-6);
        assert_string_equal(r->steps[0].cue, "07:34/km - Warm Up");
}

/* distoffset decides metres; an IntervalsT event comes once, at 900 m of
 * the first repetition, not "at the start" and not in every repetition. */
static void test_zwo_distoffset(void **state)
{
        static const char *const keys[] = {"10K", "42:00", NULL};
        static const Fixture f = {"rules/zwo-distoffset.zwo", 12, 9200, -1,
                                  "text events at "
                                  "distoffset"};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "rules/zwo-distoffset.zwo", keys);

        check(&f, keys);
        assert_int_equal(r->steps[1].end, STEP_END_DISTANCE);
        assert_int_equal(r->steps[1].n_cues, 1);
        assert_true(r->steps[1].cues[0].at_distance);
        assert_float_equal(r->steps[1].cues[0].at, 900, 0);
        assert_null(r->steps[1].cue);
        for (size_t i = 2; i < 12; i++)
                assert_int_equal(r->steps[i].n_cues, 0);
}

/* An explicit durationType wins over any evidence. */
static void test_zwo_duration_type_wins(void **state)
{
        static const char *const xml =
                "<workout_file><sportType>run</sportType><durationType>time</durationType>"
                "<description>1.00 km warming up</description><workout>"
                "<SteadyState Duration=\"1000\" Power=\"0.8\"><textevent distoffset=\"500\" "
                "message=\"half\"/></SteadyState></workout></workout_file>";
        _cleanup_(workout_freep) Workout *w = NULL;

        assert_int_equal(workout_zwo_parse(xml, strlen(xml), "t.zwo", &w, NULL), 0);
        assert_int_equal(w->body.nodes[0].step.end, STEP_END_TIME);
        assert_float_equal(w->body.nodes[0].step.end_value, 1000, 0);
        assert_null(w->notes);
}

/* FIT workouts written by Garmin's FIT SDK (tests/export/make-fit-workouts.mjs). */
static void test_fit_garmin_intervals(void **state)
{
        static const char *const keys[] = {"5K", "20:00", "MaxHR", "190", NULL};
        /* Lap-button warm-up (open), 5 x (1 km at 4:00-4:10/km + 2 min jog),
         * 10 min cool-down at 120-140 bpm. The 1 km at the middle of 14.4 and
         * 15.0 km/h (the SDK stores m/s x 1000: 4000 and 4167) takes 244.9 s. */
        static const Fixture f = {"fit/garmin-intervals.fit", 12, -1,
                                  5 * (1000 / ((14.4 + 15.0012) / 2 / 3.6) + 120) + 600, NULL};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "fit/garmin-intervals.fit", keys);

        check(&f, keys);
        assert_string_equal(r->name, "5 x 1 km");
        assert_int_equal(r->steps[0].end, STEP_END_OPEN);
        assert_int_equal(r->steps[0].kind, STEP_KIND_WARMUP);
        assert_string_equal(r->steps[0].cue, "Warm up: Press lap when ready");
        assert_true(r->has_open_steps);
        for (size_t i = 1; i < 11; i += 2) {
                assert_int_equal(r->steps[i].end, STEP_END_DISTANCE);
                assert_float_equal(r->steps[i].end_value, 1000, 0);
                /* 4:10/km .. 4:00/km: 14.4 .. 15 km/h, the middle run. */
                assert_float_equal(r->steps[i].speed_lo_kmh, 3.6 * 4.0, 0.01);
                assert_float_equal(r->steps[i].speed_hi_kmh, 3.6 * 4.167, 0.01);
                assert_int_equal(r->steps[i + 1].kind, STEP_KIND_RECOVERY);
                assert_int_equal(r->steps[i + 1].control, STEP_CONTROL_FREE);
                assert_int_equal(r->steps[i].repeat_count, 5);
        }
        assert_int_equal(r->steps[11].control, STEP_CONTROL_HR);
        assert_float_equal(r->steps[11].hr_lo_bpm, 120, 0);
        assert_float_equal(r->steps[11].hr_hi_bpm, 140, 0);
}

static void test_fit_nested_repeats(void **state)
{
        static const char *const keys[] = {"5K", "20:00", "MaxHR", "190", NULL};
        /* 30 min + 2 x (3 x (400 m + 200 m) + 3 min) */
        static const Fixture f = {"fit/nested-repeats.fit", 15, -1, -1, NULL};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "fit/nested-repeats.fit", keys);
        double metres = 0;

        check(&f, keys);
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].end == STEP_END_DISTANCE)
                        metres += r->steps[i].end_value;
        assert_float_equal(metres, 2 * 3 * 600, 0);
        assert_int_equal(r->steps[7].kind, STEP_KIND_REST);
        assert_int_equal(r->steps[14].kind, STEP_KIND_REST);
        /* Zone 2 of max HR 190 (no LTHR): 60-70 %. */
        assert_int_equal(r->steps[0].control, STEP_CONTROL_HR);
        assert_float_equal(r->steps[0].hr_lo_bpm, 114, 0);
        assert_float_equal(r->steps[0].hr_hi_bpm, 133, 0);
}

static void expect_refusal(const char *file, const char *message)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        WorkoutError e = {};
        char path[512], msg[600];

        snprintf(path, sizeof(path), DATA "%s", file);
        assert_int_equal(workout_load_file(path, &w, &e), -EBADMSG);
        assert_null(w);
        workout_error_format(&e, msg, sizeof(msg));
        if (!strstr(msg, message))
                fail_msg("%s: '%s' does not say '%s'", file, msg, message);
}

/* Every refusal names the step and the field; files of other formats say
 * what paced reads instead, never "no steps: expected lines such as". */
static void test_refusals(void **state)
{
        expect_refusal("fit/power-run.fit",
                       "step 2 (\"Hard\"): target_type power: a treadmill without a power meter");
        expect_refusal("fit/until-hr.fit", "step 1 (\"Recover\"): duration_type hr_less_than");
        expect_refusal("fit/bike.fit", "cycling workout (workout sport 2)");
        expect_refusal("fit/activity.fit", "a FIT activity (a recorded run), not a workout");
        expect_refusal("other/qz-program.xml", "QZ XML training programs (<rows>) are not "
                                               "supported; convert");
        expect_refusal("other/workout.tcx", "TCX files are not supported: paced reads FIT "
                                            "workout files, Zwift .zwo and intervals.icu text");
}

/* A damaged FIT file is refused, not half read. */
static void test_fit_damaged(void **state)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_(workout_freep) Workout *w = NULL;
        WorkoutError e = {};
        size_t len;

        assert_int_equal(workout_read_file(DATA "fit/garmin-intervals.fit", 1 << 20, &data, &len),
                         0);
        data[len / 2] ^= 0x40;
        assert_int_equal(workout_parse_data(data, len, "x.fit", &w, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "CRC mismatch"));
        assert_int_equal(workout_parse_data(data, 20, "x.fit", &w, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "truncated"));
}

static void expect_text_refusal(const char *text, unsigned line, unsigned column,
                                const char *message)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        WorkoutError e = {};

        assert_int_equal(workout_parse_data(text, strlen(text), "t.txt", &w, &e), -EBADMSG);
        if (e.line != line || e.column != column || !strstr(e.message, message))
                fail_msg("'%s': got %u:%u '%s', want %u:%u '%s'", text, e.line, e.column, e.message,
                         line, column, message);
}

/* intervals.icu's default pace zones of threshold speed (77.5, 87.7, 94.3,
 * 100, 103.4, 111.5 %), a pace without a unit (the profile's), ramps. */
static void test_icu_pace_zones_and_units(void **state)
{
        static const char *const km[] = {"ThresholdPace", "4:30/km", NULL};
        static const char *const mi[] = {"ThresholdPace", "4:30/km", "Units", "mi", NULL};
        const double thr = 3600.0 / 270; /* 13.33 km/h */
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "icu/quick-guide-pace.txt", km);
        _cleanup_(resolved_workout_freep) ResolvedWorkout *rm =
                resolve_file(DATA "icu/quick-guide-pace.txt", mi);

        assert_int_equal(r->n_steps, 2 + 8 + 3);
        /* ramp 60-80% Pace */
        assert_float_equal(r->steps[0].speed_start_kmh, 0.6 * thr, 1e-9);
        assert_float_equal(r->steps[0].speed_end_kmh, 0.8 * thr, 1e-9);
        /* Z4 Pace: 94.3-100 %, aimed at the middle */
        assert_float_equal(r->steps[2].speed_lo_kmh, 0.943 * thr, 1e-9);
        assert_float_equal(r->steps[2].speed_hi_kmh, 1.0 * thr, 1e-9);
        assert_float_equal(r->steps[2].speed_start_kmh, 0.9715 * thr, 1e-9);
        /* Z2 Pace: 77.5-87.7 % */
        assert_float_equal(r->steps[3].speed_lo_kmh, 0.775 * thr, 1e-9);
        assert_float_equal(r->steps[3].speed_hi_kmh, 0.877 * thr, 1e-9);
        /* Z2-Z3 Pace: 77.5-94.3 % */
        assert_float_equal(r->steps[10].speed_lo_kmh, 0.775 * thr, 1e-9);
        assert_float_equal(r->steps[10].speed_hi_kmh, 0.943 * thr, 1e-9);
        /* "5:00 Pace": per km with Units=km (12 km/h), per mile with Units=mi */
        assert_float_equal(r->steps[11].speed_start_kmh, 12.0, 1e-9);
        assert_float_equal(rm->steps[11].speed_start_kmh, 12.0 * KMH_PER_MPH, 1e-9);
        /* Z1 Pace: paced's 70 % to intervals.icu's 77.5 % */
        assert_float_equal(r->steps[12].speed_lo_kmh, 0.70 * thr, 1e-9);
        assert_float_equal(r->steps[12].speed_hi_kmh, 0.775 * thr, 1e-9);
}

/* Timed prompts "30^text <!>" become cues at their second; "press lap"
 * makes the step open; "ramp Z2-Z1 Pace" slows down. */
static void test_icu_prompts_and_lap(void **state)
{
        static const char *const keys[] = {"ThresholdPace", "4:30/km", NULL};
        static const Fixture f = {"icu/prompts-and-lap.txt", 9, -1, 49 * 60 + 30, NULL};
        _cleanup_(resolved_workout_freep) ResolvedWorkout *r =
                resolve_file(DATA "icu/prompts-and-lap.txt", keys);

        check(&f, keys);
        assert_string_equal(r->steps[0].cue, "Easy start");
        assert_int_equal(r->steps[0].n_cues, 3);
        assert_float_equal(r->steps[0].cues[0].at, 30, 0);
        assert_string_equal(r->steps[0].cues[0].text, "Relax your shoulders");
        assert_float_equal(r->steps[0].cues[1].at, 300, 0);
        assert_string_equal(r->steps[0].cues[1].text, "Halfway");
        assert_string_equal(r->steps[0].cues[2].text, "One minute to go");
        assert_int_equal(r->steps[1].end, STEP_END_OPEN);
        assert_int_equal(r->steps[1].kind, STEP_KIND_STRIDE);
        assert_string_equal(r->steps[1].cue, "Strides: press lap after about 0:20");
        assert_true(r->has_open_steps);
        assert_string_equal(r->steps[2].cues[0].text, "Settle");
        assert_int_equal(r->steps[8].kind, STEP_KIND_COOLDOWN);
        assert_true(r->steps[8].speed_start_kmh > r->steps[8].speed_end_kmh);
}

/* Power targets cannot run on a treadmill: refused, naming the line, the
 * column and the target. */
static void test_icu_power_refused(void **state)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        WorkoutError e = {};

        /* The power-based run workout posted on forum.athletica.ai */
        assert_int_equal(workout_load_file(DATA "icu/athletica-power-run.txt", &w, &e), -EBADMSG);
        assert_int_equal(e.line, 2);
        assert_int_equal(e.column, 6);
        assert_non_null(strstr(e.message, "'Z2' alone is a power zone in intervals.icu"));
        expect_text_refusal("Main set 6x\n- RPE9 - not quite all out 2m 315w - 330w press lap\n", 2,
                            31, "'315w' is a power target");
        expect_text_refusal("- 10m 75%\n", 1, 7, "'75%' alone is a % of FTP power target");
        expect_text_refusal("- 5m 200-240w\n", 1, 6, "'200-240w' is a power target");
}

/* A "track workout" whose metres were written as minutes: 33 hours. */
static void test_icu_plausibility_warning(void **state)
{
        static const char *const keys[] = {"ThresholdPace", "4:30/km", NULL};
        static const Fixture f = {"rules/icu-track-100m.txt", 20, -1, 20 * 100 * 60,
                                  "is not a treadmill session: check the units"};

        check(&f, keys);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zwo_metres_without_duration_type),
                cmocka_unit_test(test_zwo_four_miles_steps),
                cmocka_unit_test(test_zwo_running_incline),
                cmocka_unit_test(test_zwo_zwift_export),
                cmocka_unit_test(test_zwo_cooldown_order),
                cmocka_unit_test(test_zwo_threshold_and_speed),
                cmocka_unit_test(test_zwo_distoffset),
                cmocka_unit_test(test_zwo_duration_type_wins),
                cmocka_unit_test(test_fit_garmin_intervals),
                cmocka_unit_test(test_fit_nested_repeats),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_fit_damaged),
                cmocka_unit_test(test_icu_pace_zones_and_units),
                cmocka_unit_test(test_icu_prompts_and_lap),
                cmocka_unit_test(test_icu_power_refused),
                cmocka_unit_test(test_icu_plausibility_warning),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
