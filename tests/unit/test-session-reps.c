/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "session-fixture.h"
#include "session-reps.h"

static SessionStep step(StepKind kind, double kmh, unsigned ri, unsigned rc, const char *cue,
                        const char *label)
{
        SessionStep st = {.kind = kind,
                          .control = STEP_CONTROL_SPEED,
                          .speed_start_kmh = kmh,
                          .speed_end_kmh = kmh,
                          .repeat_index = ri,
                          .repeat_count = rc};

        snprintf(st.cue, sizeof(st.cue), "%s", cue);
        snprintf(st.label, sizeof(st.label), "%s", label);
        return st;
}

static void test_title(void **state)
{
        SessionStep st = step(STEP_KIND_STRIDE, 12, 0, 0, "Stride", "0:20 at 4:55/km");
        char buf[64], small[12];

        assert_string_equal(session_step_title(&st, buf, sizeof(buf)), "Stride 0:20 at 4:55/km");
        st.cue[0] = 0;
        assert_string_equal(session_step_title(&st, buf, sizeof(buf)), "0:20 at 4:55/km");
        snprintf(st.cue, sizeof(st.cue), "Jog");
        st.label[0] = 0;
        assert_string_equal(session_step_title(&st, buf, sizeof(buf)), "Jog");
        st.cue[0] = 0;
        assert_string_equal(session_step_title(&st, buf, sizeof(buf)), "-");
        /* Cut to the buffer at a character, never inside one (ä is 2 bytes). */
        snprintf(st.cue, sizeof(st.cue), "Ääää");
        snprintf(st.label, sizeof(st.label), "1 min");
        assert_string_equal(session_step_title(&st, small, sizeof(small)), "Ääää 1 ");
        assert_string_equal(session_step_title(&st, small, 8), "Äää");
}

/* Warm-up; strides 2x (Jog, Stride); 3x (400 m, Jog) right after it, rep 3
 * never run; cool-down. Steps 0..12. */
static void test_blocks(void **state)
{
        SessionStep steps[] = {
                step(STEP_KIND_WARMUP, 9, 0, 0, "", "10:00 easy"),
                step(STEP_KIND_RECOVERY, 8, 1, 2, "Jog", "1:00 at 7:30/km"),
                step(STEP_KIND_STRIDE, 15, 1, 2, "Stride", "0:20 at 4:00/km"),
                step(STEP_KIND_RECOVERY, 8, 2, 2, "Jog", "1:00 at 7:30/km"),
                step(STEP_KIND_STRIDE, 15, 2, 2, "Stride", "0:20 at 4:00/km"),
                step(STEP_KIND_ACTIVE, 14, 1, 3, "", "400 m at 4:17/km"),
                step(STEP_KIND_RECOVERY, 8, 1, 3, "Jog", "400 m at 7:30/km"),
                step(STEP_KIND_ACTIVE, 14, 2, 3, "", "400 m at 4:17/km"),
                step(STEP_KIND_RECOVERY, 8, 2, 3, "Jog", "400 m at 7:30/km"),
                step(STEP_KIND_ACTIVE, 14, 3, 3, "", "400 m at 4:17/km"),
                step(STEP_KIND_RECOVERY, 8, 3, 3, "Jog", "400 m at 7:30/km"),
                step(STEP_KIND_COOLDOWN, 8, 0, 0, "", "5:00 easy"),
        };
        /* What ran: steps 0..8, step 5 twice (paced restarted within it). */
        StepSummary runs[] = {
                {.step_index = 0, .moving_s = 600, .distance_m = 1500, .avg_hr_bpm = 130},
                {.step_index = 1, .moving_s = 60, .distance_m = 133, .avg_hr_bpm = 140},
                {.step_index = 2,
                 .moving_s = 20,
                 .distance_m = 80,
                 .avg_hr_bpm = 150,
                 .max_hr_bpm = 155},
                {.step_index = 3, .moving_s = 61, .distance_m = 133, .avg_hr_bpm = 140},
                {.step_index = 4,
                 .moving_s = 20,
                 .distance_m = 82,
                 .avg_hr_bpm = 152,
                 .max_hr_bpm = 158},
                {.step_index = 5,
                 .moving_s = 50,
                 .distance_m = 190,
                 .avg_hr_bpm = 160,
                 .max_hr_bpm = 165},
                {.step_index = 5,
                 .moving_s = 55,
                 .distance_m = 210,
                 .avg_hr_bpm = 170,
                 .max_hr_bpm = 175},
                {.step_index = 6, .moving_s = 180, .distance_m = 400, .avg_hr_bpm = 140},
                {.step_index = 7,
                 .moving_s = 101,
                 .distance_m = 400,
                 .avg_hr_bpm = NAN,
                 .max_hr_bpm = NAN},
                {.step_index = 8, .moving_s = 179, .distance_m = 400, .avg_hr_bpm = 140},
        };
        SessionData d = {.steps = steps, .n_steps = ELEMENTSOF(steps)};
        SessionSummary s = {.steps = runs, .n_steps = ELEMENTSOF(runs)};
        SessionRep *r = NULL;
        size_t n = 0;

        assert_int_equal(session_reps_compute(&d, &s, &r, &n), 0);
        assert_int_equal(n, 5);
        /* Strides: the stride is the work, the jog before it the rest. */
        assert_int_equal(r[0].block, 1);
        assert_int_equal(r[0].rep, 1);
        assert_int_equal(r[0].n_reps, 2);
        assert_int_equal(r[0].first_step, 1);
        assert_int_equal(r[0].n_steps, 2);
        assert_int_equal(r[0].work_step, 2);
        assert_float_equal(r[0].moving_s, 20, 1e-9);
        assert_float_equal(r[0].speed_kmh, 80.0 / 20 * 3.6, 1e-9);
        assert_float_equal(r[0].target_kmh, 15, 1e-9);
        assert_float_equal(r[0].rest_s, 60, 1e-9);
        assert_float_equal(r[0].max_hr_bpm, 155, 1e-9);
        assert_int_equal(r[1].work_step, 4);
        assert_float_equal(r[1].rest_s, 61, 1e-9);
        /* The 400s: a new block though it follows the strides directly. */
        assert_int_equal(r[2].block, 2);
        assert_int_equal(r[2].rep, 1);
        assert_int_equal(r[2].n_reps, 3);
        assert_int_equal(r[2].work_step, 5);
        /* Two runs of one step add up; HR weighted by time. */
        assert_float_equal(r[2].moving_s, 105, 1e-9);
        assert_float_equal(r[2].distance_m, 400, 1e-9);
        assert_float_equal(r[2].avg_hr_bpm, (160 * 50 + 170 * 55) / 105.0, 1e-9);
        assert_float_equal(r[2].max_hr_bpm, 175, 1e-9);
        assert_float_equal(r[2].rest_s, 180, 1e-9);
        assert_true(isnan(r[3].avg_hr_bpm));
        assert_float_equal(r[3].speed_kmh, 400 / 101.0 * 3.6, 1e-9);
        /* Rep 3 never ran: listed, with nothing measured. */
        assert_int_equal(r[4].rep, 3);
        assert_false(r[4].ran);
        assert_true(isnan(r[4].speed_kmh));
        assert_true(isnan(r[4].rest_s));
        free(r);

        /* A ramp's target is its mean; no repeat block, no reps. */
        steps[2].speed_end_kmh = 17;
        assert_int_equal(session_reps_compute(&d, &s, &r, &n), 0);
        assert_float_equal(r[0].target_kmh, 16, 1e-9);
        free(r);
        d.n_steps = 1;
        assert_int_equal(session_reps_compute(&d, &s, &r, &n), 0);
        assert_int_equal(n, 0);
        assert_null(r);
}

/* The stored 3 x 400 m fixture, through the store and the summary. */
static void test_stored_session(void **state)
{
        char dir[] = "/tmp/test-session-reps-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        SessionSummary *sum = NULL;
        SessionRep *r = NULL;
        int64_t id = 0;
        size_t n = 0;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 1, 3000, SESSION_END_FINISHED, &id), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(session_summary_compute(d, &sum), 0);
        assert_int_equal(session_reps_compute(d, sum, &r, &n), 0);
        assert_int_equal(n, 3);
        for (unsigned k = 0; k < 3; k++) {
                const StepSummary *w = &sum->steps[1 + 2 * k], *rest = &sum->steps[2 + 2 * k];

                assert_int_equal(r[k].block, 1);
                assert_int_equal(r[k].rep, k + 1);
                assert_int_equal(r[k].work_step, 1 + 2 * k);
                assert_true(r[k].ran);
                assert_float_equal(r[k].distance_m, w->distance_m, 1e-9);
                assert_float_equal(r[k].speed_kmh, w->distance_m / w->moving_s * 3.6, 1e-9);
                assert_true(r[k].speed_kmh > 13 && r[k].speed_kmh < 14);
                assert_float_equal(r[k].target_kmh, 14, 1e-9);
                assert_float_equal(r[k].rest_s, rest->moving_s, 1e-9);
                assert_float_equal(r[k].rest_s, 90, 1.5);
        }
        free(r);
        session_summary_free(sum);
        session_data_free(d);
        session_store_free(s);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_title),
                cmocka_unit_test(test_blocks),
                cmocka_unit_test(test_stored_session),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
