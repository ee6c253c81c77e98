/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The intervals.icu-style text parser: every syntax element, every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "workout-text.h"
#include "workout.h"

static Workout *parse_ok(const char *text)
{
        WorkoutError e = {};
        Workout *w = NULL;
        char msg[600];
        int r = workout_text_parse(text, strlen(text), "t.txt", &w, &e);

        if (r < 0)
                fail_msg("unexpected error %d: %s", r, workout_error_format(&e, msg, sizeof(msg)));
        assert_non_null(w);
        return w;
}

static const WorkoutStep *only_step(const Workout *w)
{
        assert_int_equal(w->body.n_nodes, 1);
        assert_false(w->body.nodes[0].is_repeat);
        return &w->body.nodes[0].step;
}

/* Parses a one-step workout "- <step>" and returns a copy of the step. */
static WorkoutStep step_of(const char *step)
{
        char text[256];
        Workout *w;
        WorkoutStep s;

        snprintf(text, sizeof(text), "- %s\n", step);
        w = parse_ok(text);
        s = *only_step(w);
        s.cue = NULL;
        workout_free(w);
        return s;
}

static void test_durations(void **state)
{
        static const struct {
                const char *text;
                double s;
        } cases[] = {
                {"10m", 600},    {"30s", 30},    {"1m30", 90},   {"1m30s", 90}, {"1h", 3600},
                {"1h10m", 4200}, {"1h30", 5400}, {"1.5h", 5400}, {"5'", 300},   {"30\"", 30},
                {"5'30\"", 330}, {"5'30", 330},  {"90s", 90},    {"0.5m", 30},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                WorkoutStep s = step_of(cases[i].text);

                assert_int_equal(s.end, STEP_END_TIME);
                assert_float_equal(s.end_value, cases[i].s, 1e-9);
        }
}

static void test_distances_and_open(void **state)
{
        static const struct {
                const char *text;
                double m;
        } cases[] = {
                {"400mtr", 400},     {"0.4km", 400},          {"1mi", 1609.344},
                {"1.5mi", 2414.016}, {"402.336mtr", 402.336},
        };
        WorkoutStep s;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                s = step_of(cases[i].text);
                assert_int_equal(s.end, STEP_END_DISTANCE);
                assert_float_equal(s.end_value, cases[i].m, 1e-9);
        }
        s = step_of("open 5k Pace");
        assert_int_equal(s.end, STEP_END_OPEN);
}

static void test_absolute_paces(void **state)
{
        WorkoutStep s;

        s = step_of("400mtr 5:20/mi Pace");
        assert_int_equal(s.speed_type, SPEED_TARGET_VALUE);
        assert_false(s.speed_lo.relative);
        assert_float_equal(s.speed_lo.kmh, 1609.344 / 320 * 3.6, 1e-9);

        s = step_of("1km 3:20/km Pace");
        assert_float_equal(s.speed_lo.kmh, 18.0, 1e-9);

        s = step_of("400mtr 80/400m Pace");
        assert_float_equal(s.speed_lo.kmh, 18.0, 1e-9);

        s = step_of("400mtr 1:20/400m");
        assert_float_equal(s.speed_lo.kmh, 18.0, 1e-9);

        /* A range is stored slow .. fast whatever the written order. */
        s = step_of("10m 7:15-7:00/km Pace");
        assert_int_equal(s.speed_type, SPEED_TARGET_RANGE);
        assert_float_equal(s.speed_lo.kmh, 3600.0 / 435, 1e-9);
        assert_float_equal(s.speed_hi.kmh, 3600.0 / 420, 1e-9);
        s = step_of("10m 7:00-7:15/km Pace");
        assert_float_equal(s.speed_lo.kmh, 3600.0 / 435, 1e-9);
}

static void test_ramps(void **state)
{
        WorkoutStep s;

        s = step_of("10m ramp 60-80% Pace");
        assert_int_equal(s.speed_type, SPEED_TARGET_RAMP);
        assert_true(s.speed_lo.relative);
        assert_int_equal(s.speed_lo.ref, PACE_REF_THRESHOLD);
        assert_float_equal(s.speed_lo.pct, 60, 1e-9);
        assert_float_equal(s.speed_hi.pct, 80, 1e-9);

        /* A ramp keeps the written order: it may slow down. */
        s = step_of("10m ramp 6:00-7:00/km Pace");
        assert_int_equal(s.speed_type, SPEED_TARGET_RAMP);
        assert_float_equal(s.speed_lo.kmh, 10.0, 1e-9);
        assert_float_equal(s.speed_hi.kmh, 3600.0 / 420, 1e-9);

        s = step_of("5m ramp 0-6% incline");
        assert_true(s.has_incline);
        assert_true(s.incline_ramp);
        assert_float_equal(s.incline_lo_pct, 0, 1e-9);
        assert_float_equal(s.incline_hi_pct, 6, 1e-9);
}

static void test_percent_and_reference_paces(void **state)
{
        static const struct {
                const char *text;
                PaceRef ref;
                double pct;
        } cases[] = {
                {"10m 90% Pace", PACE_REF_THRESHOLD, 90},
                {"400mtr 100% mile Pace", PACE_REF_MILE, 100},
                {"400mtr mile Pace", PACE_REF_MILE, 100},
                {"1km 5k Pace", PACE_REF_5K, 100},
                {"1km 95% 10k Pace", PACE_REF_10K, 95},
                {"1km half Pace", PACE_REF_HALF, 100},
                {"1km 102% marathon Pace", PACE_REF_MARATHON, 102},
                {"10m easy Pace", PACE_REF_EASY, 100},
                {"10m threshold Pace", PACE_REF_THRESHOLD, 100},
                {"10m 97% threshold pace", PACE_REF_THRESHOLD, 97},
        };
        WorkoutStep s;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                s = step_of(cases[i].text);
                assert_int_equal(s.speed_type, SPEED_TARGET_VALUE);
                assert_true(s.speed_lo.relative);
                assert_int_equal(s.speed_lo.ref, cases[i].ref);
                assert_float_equal(s.speed_lo.pct, cases[i].pct, 1e-9);
        }
        s = step_of("10m 60-70% Pace");
        assert_int_equal(s.speed_type, SPEED_TARGET_RANGE);
        assert_float_equal(s.speed_lo.pct, 60, 1e-9);
        assert_float_equal(s.speed_hi.pct, 70, 1e-9);
}

static void test_heart_rate(void **state)
{
        WorkoutStep s;

        s = step_of("10m Z2 HR");
        assert_int_equal(s.hr_type, HR_TARGET_ZONE);
        assert_float_equal(s.hr_lo, 2, 0);
        assert_float_equal(s.hr_hi, 2, 0);
        s = step_of("10m Z2-Z3 HR");
        assert_float_equal(s.hr_lo, 2, 0);
        assert_float_equal(s.hr_hi, 3, 0);
        s = step_of("10m 75-80% HR");
        assert_int_equal(s.hr_type, HR_TARGET_PCT_MAX);
        assert_float_equal(s.hr_lo, 75, 0);
        assert_float_equal(s.hr_hi, 80, 0);
        s = step_of("10m 95% LTHR");
        assert_int_equal(s.hr_type, HR_TARGET_PCT_LTHR);
        assert_float_equal(s.hr_lo, 95, 0);
        s = step_of("10m 140-150bpm HR");
        assert_int_equal(s.hr_type, HR_TARGET_BPM);
        assert_float_equal(s.hr_lo, 140, 0);
        assert_float_equal(s.hr_hi, 150, 0);
        s = step_of("10m 140bpm");
        assert_float_equal(s.hr_hi, 140, 0);
        /* HR with a speed: the speed is where the controller starts. */
        s = step_of("10m Z2 HR easy Pace");
        assert_int_equal(s.hr_type, HR_TARGET_ZONE);
        assert_int_equal(s.speed_type, SPEED_TARGET_VALUE);
}

static void test_speeds_incline_free(void **state)
{
        WorkoutStep s;

        s = step_of("10m 12km/h");
        assert_float_equal(s.speed_lo.kmh, 12, 1e-9);
        s = step_of("10m 12kph");
        assert_float_equal(s.speed_lo.kmh, 12, 1e-9);
        s = step_of("10m 7.5mph");
        assert_float_equal(s.speed_lo.kmh, 7.5 * 1.609344, 1e-9);
        s = step_of("10m 10-12km/h");
        assert_int_equal(s.speed_type, SPEED_TARGET_RANGE);
        assert_float_equal(s.speed_hi.kmh, 12, 1e-9);

        s = step_of("30s 5k Pace 6% incline");
        assert_true(s.has_incline);
        assert_false(s.incline_ramp);
        assert_float_equal(s.incline_lo_pct, 6, 1e-9);
        assert_float_equal(s.incline_hi_pct, 6, 1e-9);
        s = step_of("30s 4% grade");
        assert_float_equal(s.incline_lo_pct, 4, 1e-9);
        s = step_of("5m -2% incline");
        assert_float_equal(s.incline_lo_pct, -2, 1e-9);

        s = step_of("10m freeride");
        assert_int_equal(s.speed_type, SPEED_TARGET_FREE);
        s = step_of("10m");
        assert_int_equal(s.speed_type, SPEED_TARGET_NONE);
        assert_int_equal(s.hr_type, HR_TARGET_NONE);
}

static void test_cue_and_kinds(void **state)
{
        Workout *w = parse_ok("# name: Kinds\n"
                              "# description: every kind\n"
                              "# a plain comment\n"
                              "Warmup\n"
                              "- Easy does it 10m easy Pace\n"
                              "- Walk 1m 50% easy Pace\n"
                              "Main\n"
                              "- Stride 20s mile Pace\n"
                              "- Jog 1m easy Pace\n"
                              "- Rest 1m 4km/h\n"
                              "- Recovery 1m easy Pace\n"
                              "- 5m threshold Pace\n"
                              "Race pace 2x\n"
                              "- 400mtr mile Pace\n"
                              "Time trial\n"
                              "- Lap 1 402.336mtr mile Pace\n"
                              "Strides\n"
                              "- 20s mile Pace\n"
                              "Cooldown\n"
                              "- 5m easy Pace\n");
        static const StepKind kinds[] = {
                STEP_KIND_WARMUP,     STEP_KIND_WARMUP,   STEP_KIND_STRIDE,   STEP_KIND_RECOVERY,
                STEP_KIND_REST,       STEP_KIND_RECOVERY, STEP_KIND_ACTIVE,   STEP_KIND_ACTIVE,
                STEP_KIND_TIME_TRIAL, STEP_KIND_STRIDE,   STEP_KIND_COOLDOWN,
        };

        assert_string_equal(w->name, "Kinds");
        assert_string_equal(w->description, "every kind");
        assert_int_equal(w->body.n_nodes, ELEMENTSOF(kinds));
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                const WorkoutNode *n = &w->body.nodes[i];

                assert_int_equal(n->is_repeat ? n->block.nodes[0].step.kind : n->step.kind,
                                 kinds[i]);
        }
        /* "Race pace" is an interval session, not a time trial. */
        assert_true(w->body.nodes[7].is_repeat);
        assert_string_equal(w->body.nodes[0].step.cue, "Easy does it");
        assert_string_equal(w->body.nodes[8].step.cue, "Lap 1");
        assert_null(w->body.nodes[6].step.cue);
        assert_int_equal(w->body.nodes[8].step.line, 16);
        workout_free(w);
}

static void test_repeats(void **state)
{
        Workout *w = parse_ok("Warmup\n"
                              "- 10m easy Pace\n"
                              "Main Set 6x\n"
                              "- 400mtr 5:20/mi Pace\n"
                              "- 200mtr Z1 HR\n"
                              "\n"
                              "- 5m easy Pace\n"
                              "3x\n"
                              "- 1m 5k Pace\n"
                              "Cooldown\n"
                              "- 5m easy Pace\n");
        const WorkoutNode *n = w->body.nodes;

        assert_int_equal(w->body.n_nodes, 5);
        assert_false(n[0].is_repeat);
        assert_true(n[1].is_repeat);
        assert_int_equal(n[1].repeat, 6);
        assert_int_equal(n[1].block.n_nodes, 2);
        assert_float_equal(n[1].block.nodes[1].step.end_value, 200, 0);
        /* The blank line ended the block. */
        assert_false(n[2].is_repeat);
        assert_true(n[3].is_repeat);
        assert_int_equal(n[3].repeat, 3);
        assert_int_equal(n[3].block.n_nodes, 1);
        /* A new header ends a block too. */
        assert_false(n[4].is_repeat);
        assert_int_equal(n[4].step.kind, STEP_KIND_COOLDOWN);
        assert_int_equal(workout_count_steps(w), 1 + 12 + 1 + 3 + 1);
        workout_free(w);
}

static void test_extensions(void **state)
{
        Workout *w = parse_ok("Ramp 30x\n- 1m easy Pace +0.5km/h\n");
        WorkoutStep s;

        assert_float_equal(w->body.nodes[0].block.nodes[0].step.speed_step_kmh, 0.5, 1e-9);
        workout_free(w);
        w = parse_ok("Ramp 30x\n- 1m 10km/h +0.3mph\n");
        assert_float_equal(w->body.nodes[0].block.nodes[0].step.speed_step_kmh, 0.3 * 1.609344,
                           1e-9);
        workout_free(w);

        s = step_of("402.336mtr mile Pace +1s");
        assert_float_equal(s.time_offset_s, 1, 1e-9);
        s = step_of("402.336mtr mile Pace -0.5s");
        assert_float_equal(s.time_offset_s, -0.5, 1e-9);
}

static void test_line_endings_and_names(void **state)
{
        WorkoutError e = {};
        Workout *w = NULL;
        const char *t = "Main 2x\r\n- 1m 5k Pace\r\n- 1m easy Pace\r\n";

        assert_int_equal(workout_text_parse(t, strlen(t), "/x/y/my-session.txt", &w, &e), 0);
        assert_string_equal(w->name, "my-session");
        assert_int_equal(w->body.nodes[0].block.n_nodes, 2);
        workout_free(w);
        w = NULL;
        assert_int_equal(workout_text_parse(t, strlen(t), NULL, &w, NULL), 0);
        assert_string_equal(w->name, "workout");
        workout_free(w);
}

static void test_errors(void **state)
{
        static const struct {
                const char *text;
                unsigned line, column;
                const char *message;
        } cases[] = {
                {"- Easy pace\n", 1, 3, "expected a duration (10m, 30s, 1m30, 5')"},
                {"- 1m70 easy Pace\n", 1, 3, "expected a duration"},
                {"- 10m 5m\n", 1, 7, "one duration or distance per step"},
                {"- 10m foo\n", 1, 7, "expected a target"},
                {"- 10m 80% bogus\n", 1, 11, "expected 'Pace', a reference pace"},
                {"- 10m 80%\n", 1, 7, "'80%' alone is a % of FTP power target"},
                {"- 10m 80% mile\n", 1, 15, "expected 'Pace' after '80%'"},
                {"- 10m mile HR\n", 1, 12, "expected 'Pace' after 'mile'"},
                {"- 10m Z2\n", 1, 7, "'Z2' alone is a power zone in intervals.icu"},
                {"- 10m Z7 HR\n", 1, 7, "Z1 to Z5"},
                {"- 10m 5:20/xx Pace\n", 1, 7, "expected a pace such as"},
                {"- 10m 5:75/km Pace\n", 1, 7, "expected a pace such as"},
                {"- 10m ramp 80% Pace\n", 1, 7, "'ramp' needs a range"},
                {"- 10m ramp\n", 1, 7, "expected a range after 'ramp'"},
                {"- 10m ramp ramp 60-70% Pace\n", 1, 12, "'ramp' twice"},
                {"- 10m ramp mile Pace\n", 1, 7, "'ramp' needs a range"},
                {"- 10m ramp foo\n", 1, 12, "expected a range after 'ramp', got 'foo'"},
                {"- 10m ramp freeride\n", 1, 12, "'freeride' cannot ramp"},
                {"- 10m ramp Z2-Z3 HR\n", 1, 12, "cannot ramp"},
                {"- 10m ramp 2% incline\n", 1, 7,
                 "'ramp' needs a range, as in 'ramp 0-6% incline'"},
                {"- 10m 5:00/km Pace 90% Pace\n", 1, 20, "already has a speed target"},
                {"- 10m freeride 12km/h\n", 1, 16, "already has a speed target"},
                {"- 10m 12km/h freeride\n", 1, 14, "already has a speed target"},
                {"- 10m 6% incline 4% incline\n", 1, 18, "already has an incline target"},
                {"- 10m Z2 HR Z3 HR\n", 1, 13, "already has a heart-rate target"},
                {"- 10m 50% incline\n", 1, 7, "incline must be between -10 and 40"},
                {"- 10m 2-6% incline\n", 1, 7, "needs 'ramp'"},
                {"- 10m 500% Pace\n", 1, 7, "a pace percentage must be 10-300"},
                {"- 10m -5% Pace\n", 1, 7, "negative percentage"},
                {"- 10m 150% HR\n", 1, 7, "heart-rate percentage must be 30-120"},
                {"- 10m 300bpm\n", 1, 7, "heart rate must be 40-230 bpm"},
                {"- 10m 60km/h\n", 1, 7, "not a running speed"},
                {"- 10m 1:00/km\n", 1, 7, "not a running speed"},
                {"- 10m 12km/h +0.5km/h\n", 1, 14, "only makes sense inside a repeat block"},
                {"Main 3x\n- 10m 12km/h +9km/h\n", 2, 14, "between 0 and +5 km/h"},
                {"Main 3x\n- 10m 60-70% Pace +0.5km/h\n", 2, 7, "a step-up needs a single"},
                {"- 10m 12km/h +1s\n", 1, 14, "a time offset ('+1s') needs a distance step"},
                {"- 400mtr 60-70% Pace +1s\n", 1, 10, "a time offset needs a single"},
                {"- 400mtr 5k Pace +x\n", 1, 18, "expected a step-up such as '+0.5km/h'"},
                {"Main 0x\n- 1m 5k Pace\n", 1, 6, "a repeat count must be 1 to 99, got '0x'"},
                {"Main 100x\n- 1m 5k Pace\n", 1, 6, "a repeat count must be 1 to 99"},
                {"  Main 3x\n\n- 10m 5k Pace\n", 1, 8, "the repeat block has no steps"},
                {"Main 3x\n", 1, 6, "the repeat block has no steps"},
                {"- 0s\n", 1, 3, "longer than zero"},
                {"- 0mtr\n", 1, 3, "longer than zero"},
                {"- 400m 5k Pace\n", 1, 3,
                 "longer than 6 hours ('m' is minutes; metres are 'mtr')"},
                {"- 200km\n", 1, 3, "longer than 100 km"},
                {"-10m easy Pace\n", 1, 2, "expected a space after '-'"},
                {"- \n", 1, 2, "empty step"},
                {"Warmup\n- 10m easy Pace\n- 10m\0 x\n", 3, 6, "unexpected NUL byte"},
                /* Not text: invalid UTF-8 (Latin-1), a terminal escape, a C1 CSI. */
                {"# name: Caf\xe9"
                 "\n- 10m 8km/h\n",
                 1, 12, "not UTF-8 text (byte 0xe9)"},
                {"- \x1b[2J\x1b]0;pwned\x07 10m 8km/h\n", 1, 3, "control character U+001B"},
                {"# name: a\xc2\x9b"
                 "31m\n- 10m 8km/h\n",
                 1, 10, "control character U+009B"},
                {"- 10m 8km/h\n- 5m\x7f"
                 " 8km/h\n",
                 2, 5, "control character U+007F"},
                {"", 0, 0, "no steps"},
                {"# only a comment\nWarmup\n", 0, 0, "no steps"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Workout *sentinel = (Workout *)0x1, *w = sentinel;
                WorkoutError e = {};
                size_t len = strlen(cases[i].text);
                int r;

                /* One case embeds a NUL: measure it to the final newline. */
                if (strstr(cases[i].text, "\n- 10m") && cases[i].line == 3)
                        len = strlen(cases[i].text) + 1 +
                              strlen(cases[i].text + strlen(cases[i].text) + 1);
                r = workout_text_parse(cases[i].text, len, "bad.txt", &w, &e);
                if (r >= 0)
                        fail_msg("case %zu parsed: %s", i, cases[i].text);
                assert_int_equal(r, -EBADMSG);
                /* Never half-loaded: the output is untouched. */
                assert_ptr_equal(w, sentinel);
                assert_string_equal(e.file, "bad.txt");
                if (e.line != cases[i].line || e.column != cases[i].column ||
                    !strstr(e.message, cases[i].message))
                        fail_msg("case %zu '%s': got %u:%u '%s', want %u:%u '%s'", i, cases[i].text,
                                 e.line, e.column, e.message, cases[i].line, cases[i].column,
                                 cases[i].message);
        }
}

static void test_error_after_valid_lines(void **state)
{
        const char *t = "Warmup\n- 10m easy Pace\nMain 4x\n- 400mtr mile Pace\n- 200mtr 12 km/h\n";
        Workout *w = NULL;
        WorkoutError e = {};
        char msg[600];

        assert_int_equal(workout_text_parse(t, strlen(t), "s.txt", &w, &e), -EBADMSG);
        assert_null(w);
        assert_string_equal(workout_error_format(&e, msg, sizeof(msg)),
                            "s.txt:5:10: expected a target (a pace '5:20/mi', '90% Pace', "
                            "'mile Pace', a speed '12km/h', 'Z2 HR', '75-80% HR', '95% LTHR', "
                            "'6% incline' or 'freeride'), got '12'");
}

static void test_limits(void **state)
{
        char text[8192], *p = text;
        Workout *w = NULL;
        WorkoutError e = {};

        /* 99 x 21 = 2079 steps > WORKOUT_STEPS_MAX */
        p += sprintf(p, "Main 99x\n");
        for (int i = 0; i < 21; i++)
                p += sprintf(p, "- 1m 5k Pace\n");
        assert_int_equal(workout_text_parse(text, strlen(text), "big.txt", &w, &e), -E2BIG);
        assert_null(w);
        assert_non_null(strstr(e.message, "more than 2000 steps"));

        /* 65 words in a step */
        p = text;
        p += sprintf(p, "-");
        for (int i = 0; i < 65; i++)
                p += sprintf(p, " w");
        p += sprintf(p, "\n");
        assert_int_equal(workout_text_parse(text, strlen(text), "w.txt", &w, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "too many words"));

        memset(text, 'a', 5000);
        text[5000] = 0;
        assert_int_equal(workout_text_parse(text, strlen(text), "l.txt", &w, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "longer than 4096"));
        assert_null(w);
}

static void test_load_file(void **state)
{
        Workout *w = NULL;
        WorkoutError e = {};
        char msg[600];

        assert_int_equal(workout_text_load("/nonexistent/x.txt", &w, &e), -ENOENT);
        assert_null(w);
        assert_string_equal(workout_error_format(&e, msg, sizeof(msg)),
                            "/nonexistent/x.txt: No such file or directory");
        assert_int_equal(
                workout_text_load(PACED_SOURCE_DIR "/conf/workouts/race-pace-mile.txt", &w, &e), 0);
        assert_string_equal(w->name, "Race-pace mile intervals (8x400 m)");
        workout_free(w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_durations),
                cmocka_unit_test(test_distances_and_open),
                cmocka_unit_test(test_absolute_paces),
                cmocka_unit_test(test_ramps),
                cmocka_unit_test(test_percent_and_reference_paces),
                cmocka_unit_test(test_heart_rate),
                cmocka_unit_test(test_speeds_incline_free),
                cmocka_unit_test(test_cue_and_kinds),
                cmocka_unit_test(test_repeats),
                cmocka_unit_test(test_extensions),
                cmocka_unit_test(test_line_endings_and_names),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_error_after_valid_lines),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_load_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
