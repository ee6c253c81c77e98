/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "session-fixture.h"
#include "session-reps.h"
#include "session-summary.h"
#include "time-util.h"

/* 10 km/h exactly: 25/9 m per second. */
static SessionSample *steady_samples(size_t n)
{
        SessionSample *x = calloc(n, sizeof(*x));

        assert_non_null(x);
        for (size_t i = 0; i < n; i++)
                x[i] = (SessionSample){.t_s = i,
                                       .commanded_kmh = 10,
                                       .speed_kmh = 10,
                                       .incline_pct = 0,
                                       .distance_m = i * 25.0 / 9.0,
                                       .hr_bpm = 150,
                                       .zone = 3,
                                       .step_index = i < 200 ? 0 : 1,
                                       .alpha1 = NAN};
        return x;
}

static void test_splits_400m_interpolated(void **state)
{
        SessionSample *x = steady_samples(601); /* 0 .. 1666.7 m */
        SessionLap *l = NULL;
        size_t n;

        assert_int_equal(session_summary_splits(x, 601, 400, LAP_KIND_400M, &l, &n), 0);
        /* 4 full splits (144 s each at 10 km/h) and a partial one of 66.7 m. */
        assert_int_equal(n, 5);
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(l[i].kind, LAP_KIND_400M);
                assert_float_equal(l[i].start_s, i * 144.0, 1e-6);
                assert_float_equal(l[i].end_s, (i + 1) * 144.0, 1e-6);
                assert_float_equal(l[i].distance_m, 400, 1e-9);
                assert_float_equal(l[i].avg_speed_kmh, 10, 1e-6);
                assert_float_equal(l[i].avg_hr_bpm, 150, 1e-9);
        }
        assert_float_equal(l[4].distance_m, 600 * 25.0 / 9.0 - 1600, 1e-6);
        assert_float_equal(l[4].end_s, 600, 1e-9);
        free(l);

        /* A mile at 10 km/h: 579.36 s. */
        assert_int_equal(session_summary_splits(x, 601, METERS_PER_MILE, LAP_KIND_MILE, &l, &n), 0);
        /* The 57 m left over is under 10 % of a mile: no partial split. */
        assert_int_equal(n, 1);
        assert_float_equal(l[0].end_s, METERS_PER_MILE * 0.36, 1e-6);
        free(l);

        assert_int_equal(session_summary_splits(x, 601, 0, LAP_KIND_400M, &l, &n), -EINVAL);
        free(x);
}

static void test_splits_skip_unknown_distance(void **state)
{
        SessionSample *x = steady_samples(300);
        SessionLap *l = NULL;
        size_t n;

        for (size_t i = 0; i < 10; i++)
                x[i].distance_m = NAN;
        assert_int_equal(session_summary_splits(x, 300, 400, LAP_KIND_400M, &l, &n), 0);
        assert_int_equal(n, 2);
        assert_float_equal(l[0].start_s, 10, 1e-9);
        assert_float_equal(l[0].end_s, 144, 1e-6);
        free(l);
        free(x);
}

static void test_step_laps(void **state)
{
        SessionSample *x = steady_samples(300);
        SessionLap *l = NULL;
        size_t n;

        x[0].step_index = -1;
        assert_int_equal(session_summary_step_laps(x, 300, &l, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(l[0].step_index, 0);
        assert_float_equal(l[0].start_s, 1, 1e-9);
        assert_float_equal(l[0].end_s, 200, 1e-9);
        assert_float_equal(l[0].distance_m, 199 * 25.0 / 9.0, 1e-6);
        assert_int_equal(l[1].step_index, 1);
        assert_float_equal(l[1].end_s, 300, 1e-9);
        free(l);
        free(x);
}

/* Moving time is elapsed time without the pauses; pace and splits come from it. */
static void test_moving_time_excludes_pauses(void **state)
{
        SessionSample *x = steady_samples(300);
        SessionEventRow ev[4] = {
                {.t_s = 50, .type = SESSION_EVENT_PAUSE},
                {.t_s = 80, .type = SESSION_EVENT_RESUME},
                {.t_s = 280, .type = SESSION_EVENT_PAUSE}, /* never resumed */
                {.t_s = 290, .type = SESSION_EVENT_STOP},
        };
        SessionData d = {.samples = x, .n_samples = 300, .events = ev, .n_events = 4};
        SessionSummary *sum = NULL;

        /* The belt stood during the first pause: distance frozen, then on again. */
        for (size_t i = 50; i < 300; i++)
                x[i].distance_m = (i < 80 ? 50 : (double)i - 30) * 25.0 / 9.0;
        assert_float_equal(session_summary_paused_s(&d, 0, 300), 30 + 20, 1e-9);
        assert_float_equal(session_summary_paused_s(&d, 60, 70), 10, 1e-9);
        assert_float_equal(session_summary_paused_s(&d, 100, 200), 0, 1e-9);
        assert_int_equal(session_summary_compute(&d, &sum), 0);
        assert_int_equal(sum->n_steps, 2);
        assert_float_equal(sum->steps[0].end_s - sum->steps[0].start_s, 200, 1e-9);
        assert_float_equal(sum->steps[0].moving_s, 170, 1e-9);
        assert_float_equal(sum->steps[1].moving_s, 100 - 20, 1e-9);
        /* The first 400 m split spans the pause: its pace is the running's, 10 km/h. */
        assert_true(sum->n_splits_400m >= 1);
        assert_float_equal(sum->splits_400m[0].avg_speed_kmh, 10, 0.05);
        session_summary_free(sum);
        free(x);
}

static void test_summary_of_simulated_session(void **state)
{
        char dir[] = "/tmp/test-session-summary-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        SessionSummary *sum = NULL;
        int64_t id = 0;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 1, 3000, SESSION_END_FINISHED, &id), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(session_summary_compute(d, &sum), 0);

        assert_int_equal(sum->n_steps, FIXTURE_N_STEPS);
        for (size_t i = 0; i < sum->n_steps; i++)
                assert_int_equal(sum->steps[i].step_index, (int)i);
        /* The 400 m repeats: belt ramps 8/9 -> 14 at 0.6 km/h/s. */
        const StepSummary *rep = &sum->steps[1];
        assert_float_equal(rep->target_kmh, 14, 1e-9);
        assert_true(rep->distance_m >= 400 && rep->distance_m < 405);
        /* First sample at 9.6 km/h, +0.6 km/h/s, on target within 0.28 km/h: 7 s. */
        assert_float_equal(rep->time_to_target_s, 7, 1e-9);
        assert_true(rep->avg_speed_kmh > 13 && rep->avg_speed_kmh < 14);
        /* From standstill at 0.6 km/h/s, first sample 0.6 km/h: 9 km/h +- 0.2 after 14 s. */
        assert_float_equal(sum->steps[0].time_to_target_s, 14, 1e-9);
        /* Warm-up is 300 s. */
        assert_float_equal(sum->steps[0].end_s - sum->steps[0].start_s, 300, 1e-9);
        assert_true(sum->has_incline);
        assert_true(sum->max_hr_bpm >= sum->avg_hr_bpm);
        assert_true(sum->artifact_pct > 0.5 && sum->artifact_pct < 1.5);
        /* Splits are counted from the end of the warm-up, not from its
         * start, and add up to the distance from there. */
        assert_string_equal(sum->splits_from, "the main set");
        assert_float_equal(sum->splits_from_s, sum->steps[1].start_s, 1e-9);
        assert_float_equal(sum->splits_400m[0].start_s, sum->steps[1].start_s, 1e-9);
        double total = 0, origin = NAN;
        for (size_t i = 0; i < d->n_samples && isnan(origin); i++)
                if (d->samples[i].t_s >= sum->splits_from_s)
                        origin = d->samples[i].distance_m;
        for (size_t i = 0; i < sum->n_splits_400m; i++)
                total += sum->splits_400m[i].distance_m;
        assert_float_equal(total, sum->distance_m - origin, 1e-6);
        assert_true(sum->n_splits_mile >= 1);
        double zone_total = 0;
        for (size_t z = 0; z <= SESSION_ZONES_MAX; z++)
                zone_total += sum->zone_s[z];
        assert_float_equal(zone_total, sum->duration_s + 1, 1e-6);
        assert_true(sum->zone_s[0] >= 3); /* the strap dropout */

        session_summary_free(sum);
        session_data_free(d);
        session_store_free(s);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

/* paced was stopped for a minute (a crash, then a resume): the gap is no
 * time at the last speed, and the average pace is over the recorded time. */
static void test_summary_gap(void **state)
{
        SessionSample x[120];
        SessionData d = {.samples = x, .n_samples = 120};
        SessionSummary *s = NULL;

        for (unsigned i = 0; i < 120; i++)
                x[i] = (SessionSample){.t_s = i < 60 ? i : i + 60,
                                       .speed_kmh = 12,
                                       .distance_m = i * 3.3333333,
                                       .hr_bpm = 150,
                                       .step_index = -1,
                                       .alpha1 = NAN,
                                       .commanded_kmh = NAN,
                                       .incline_pct = NAN};
        assert_int_equal(session_summary_compute(&d, &s), 0);
        assert_float_equal(s->elapsed_s, 179, 1e-9);
        assert_float_equal(s->gap_s, 60, 1e-9); /* 59 + 1 s .. 120 */
        assert_int_equal(s->n_gaps, 1);
        assert_float_equal(s->duration_s, 119, 1e-9);
        assert_float_equal(s->avg_speed_kmh, 119 * 3.3333333 / 119 * 3.6, 1e-6);
        assert_true(session_sample_gap(x, 120, 60));
        assert_false(session_sample_gap(x, 120, 59));
        session_summary_free(s);
}

/* Speed of the gap test's workout at session time t (s). */
static double gap_run_kmh(double t)
{
        if (t < 60)
                return 10; /* warm-up */
        if (t < 80 || (t >= 140 && t < 160))
                return 15; /* the strides */
        return 8;          /* the jogs and the cool-down */
}

/* Distance run from 0 to t (whole seconds). */
static double gap_run_m(unsigned t)
{
        double m = 0;

        for (unsigned k = 0; k < t; k++)
                m += gap_run_kmh(k) / 3.6;
        return m;
}

/* A 2 x (20 s stride, 60 s jog) whose sample timer once fired 12 s late
 * within the first stride (60 -> 72: the belt ran on, and its distance came
 * with the treadmill's next record, after the sample at 72, as paced at 60x
 * recorded it: 4 m in the 13 s, 55 m in the second after), and whose
 * cool-down had paced stopped for a minute (249 -> 310: resumed at the last
 * distance, one second of running in the first sample after it). The late
 * timer is running, at the stride's pace; the outage is a gap. */
static void test_summary_gap_run(void **state)
{
        SessionStep steps[6] = {
                {.kind = STEP_KIND_WARMUP, .speed_start_kmh = 10},
                {.kind = STEP_KIND_STRIDE, .speed_start_kmh = 15, .repeat_index = 1},
                {.kind = STEP_KIND_RECOVERY, .speed_start_kmh = 8, .repeat_index = 1},
                {.kind = STEP_KIND_STRIDE, .speed_start_kmh = 15, .repeat_index = 2},
                {.kind = STEP_KIND_RECOVERY, .speed_start_kmh = 8, .repeat_index = 2},
                {.kind = STEP_KIND_COOLDOWN, .speed_start_kmh = 8},
        };
        static const double step_start[] = {0, 60, 80, 140, 160, 220};
        SessionSample x[340];
        SessionData d = {.steps = steps, .n_steps = 6, .samples = x};
        SessionSummary *s = NULL;
        SessionRep *reps = NULL;
        size_t n_reps = 0, n = 0;
        double outage_m = gap_run_m(310) - gap_run_m(250), dist;

        for (unsigned i = 0; i < 6; i++) {
                steps[i].control = STEP_CONTROL_SPEED;
                steps[i].speed_end_kmh = steps[i].speed_start_kmh;
                steps[i].repeat_count = steps[i].repeat_index ? 2 : 0;
        }
        for (unsigned t = 0; t < 340; t++) {
                int step = 0;

                if ((t > 60 && t < 72) || (t > 249 && t < 310))
                        continue;
                while (step < 5 && t >= step_start[step + 1])
                        step++;
                x[n++] = (SessionSample){.t_s = t,
                                         .commanded_kmh = gap_run_kmh(t),
                                         .speed_kmh = gap_run_kmh(t),
                                         .incline_pct = NAN,
                                         .distance_m =
                                                 t == 72 ? gap_run_m(60) + 2
                                                         : gap_run_m(t) - (t >= 310 ? outage_m : 0),
                                         .hr_bpm = 150,
                                         .step_index = step,
                                         .alpha1 = NAN};
        }
        d.n_samples = n;
        dist = x[n - 1].distance_m;
        assert_int_equal(session_summary_compute(&d, &s), 0);
        /* What pacectl show says: the outage is the one gap, not recorded,
         * and the 12 s of the stride are in the duration and the pace. */
        assert_int_equal(s->n_gaps, 1);
        assert_float_equal(s->gap_s, 60, 1e-9);
        assert_float_equal(s->elapsed_s, 339, 1e-9);
        assert_float_equal(s->duration_s, 279, 1e-9);
        assert_float_equal(s->avg_speed_kmh, dist / 279 * 3.6, 1e-9);
        assert_float_equal(session_summary_paused_s(&d, 60, 80), 0, 1e-9);
        assert_float_equal(session_summary_paused_s(&d, 240, 320), 60, 1e-9);

        /* The steps: the stride took 20 s at 15 km/h, the cool-down ran
         * 60 of its 120 s. */
        assert_int_equal(s->n_steps, 6);
        assert_int_equal(s->steps[1].step_index, 1);
        assert_float_equal(s->steps[1].moving_s, 20, 1e-9);
        assert_float_equal(s->steps[1].distance_m / s->steps[1].moving_s * 3.6, 15, 1e-9);
        assert_float_equal(s->steps[1].avg_hr_bpm, 150, 1e-9);
        assert_float_equal(s->steps[5].moving_s, 60, 1e-9);

        /* The interval view: both strides at their target, the first as the second. */
        assert_int_equal(session_reps_compute(&d, s, &reps, &n_reps), 0);
        assert_int_equal(n_reps, 2);
        assert_float_equal(reps[0].moving_s, 20, 1e-9);
        assert_float_equal(reps[0].speed_kmh, 15, 1e-9);
        assert_float_equal(reps[0].speed_kmh, reps[1].speed_kmh, 1e-9);
        assert_float_equal(reps[0].rest_s, 60, 1e-9);
        free(reps);

        /* The 400 m splits from the main set (166.7 m at 60 s): the first
         * ends 45 s into the second jog (205 s) and was all moving; the
         * partial second one holds the outage. */
        assert_int_equal(s->n_splits_400m, 2);
        assert_float_equal(s->splits_400m[0].start_s, 60, 1e-9);
        assert_float_equal(s->splits_400m[0].end_s, 205, 1e-6);
        assert_float_equal(s->splits_400m[0].avg_speed_kmh, 400 / 145.0 * 3.6, 1e-6);
        assert_float_equal(
                session_summary_paused_s(&d, s->splits_400m[1].start_s, s->splits_400m[1].end_s),
                60, 1e-9);
        session_summary_free(s);
        /* The rule the exports and the report use too. */
        assert_false(session_sample_gap(x, n, 61));      /* 60 -> 72 */
        assert_true(session_sample_gap(x, n, 61 + 178)); /* 249 -> 310 */
}

static void test_format(void **state)
{
        char b[32];

        assert_string_equal(format_pace(b, sizeof(b), 12, false, 0), "5:00");
        assert_string_equal(format_pace(b, sizeof(b), 12, true, 0), "8:03");
        assert_string_equal(format_pace(b, sizeof(b), NAN, false, 0), "--:--");
        assert_string_equal(format_pace(b, sizeof(b), 0, false, 0), "--:--");
        assert_string_equal(format_duration(b, sizeof(b), 3723, TIME_FORMAT_DASH), "1:02:03");
        assert_string_equal(format_duration(b, sizeof(b), 754.4, TIME_FORMAT_DASH), "12:34");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_splits_400m_interpolated),
                cmocka_unit_test(test_splits_skip_unknown_distance),
                cmocka_unit_test(test_step_laps),
                cmocka_unit_test(test_moving_time_excludes_pauses),
                cmocka_unit_test(test_summary_of_simulated_session),
                cmocka_unit_test(test_summary_gap),
                cmocka_unit_test(test_summary_gap_run),
                cmocka_unit_test(test_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
