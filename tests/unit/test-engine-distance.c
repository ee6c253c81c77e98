/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Distance from real treadmills' Treadmill Data: records that leave
 * Total Distance out, records split over notifications with More Data, a
 * counter that wraps at 2^24 m or restarts with the treadmill's own workout.
 * What is checked is the outcome: where a distance step ends on the belt, and
 * the workout distance shown and stored (never ahead of the belt, never back).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake-treadmill.h"
#include "rsc.h"

#define S(x) ((uint64_t)((x) * (double)USEC_PER_SEC))

/* ---- a recorded sequence, through the codec and the More-Data assembler ---- */

typedef struct Recorded {
        unsigned ms; /* since the first packet */
        const char *hex;
} Recorded;

static size_t unhex(const char *hex, uint8_t *buf, size_t size)
{
        size_t n = 0;

        for (; hex[0] && hex[1] && n < size; hex += 2) {
                unsigned v;

                assert_int_equal(sscanf(hex, "%2x", &v), 1);
                buf[n++] = (uint8_t)v;
        }
        return n;
}

/* Delivers one notification at its time; 1 when it completed a record. */
static int feed(Rig *r, FtmsTreadmillAssembler *a, uint64_t t0, const Recorded *p)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_TREADMILL_DATA,
                             .role = TRANSPORT_ROLE_TREADMILL};
        uint8_t buf[64];
        size_t n = unhex(p->hex, buf, sizeof(buf));
        int k;

        rig_run_until(r, t0 + p->ms * USEC_PER_MSEC);
        k = ftms_treadmill_assembler_push(a, buf, n, &ev.treadmill);
        assert_true(k >= 0);
        if (k > 0) {
                ev.time_usec = r->now;
                rig_emit(r, &ev);
        }
        return k;
}

static double workout_distance(Rig *r)
{
        EngineStatus st;

        workout_engine_get_status(r->e, r->now, &st);
        return st.distance_m;
}

/*
 * A treadmill at 12.00 km/h whose full record does not fit one notification
 * (Technogym MyRun's split: flags 0x001F with More Data, average speed, Total
 * Distance, incline, elevation; then 0x0680 with the speed, energy, MET and
 * elapsed time) every 2 s, with three speed-only records (flags 0x0000) in
 * between. The counter read exactly 100 m at 0 ms.
 */
static const Recorded split_and_speed_only[] = {
        {0, "1f00b0046400000000ff7f00000000"},
        {20, "8006b0040700ffffff5a1e00"},
        {500, "0000b004"},
        {1000, "0000b004"},
        {1500, "0000b004"},
        {2000, "1f00b0046a00000000ff7f00000000"},
        {2020, "8006b0040700ffffff5a2000"},
        {2500, "0000b004"},
        {3000, "0000b004"},
        {3500, "0000b004"},
        {4000, "1f00b0047100000000ff7f00000000"},
        {4020, "8006b0040700ffffff5a2200"},
        {4500, "0000b004"},
        {5000, "0000b004"},
        {5500, "0000b004"},
        {6000, "1f00b0047800000000ff7f00000000"},
        {6020, "8006b0040800ffffff5a2400"},
        {6500, "0000b004"},
        {7000, "0000b004"},
        {7500, "0000b004"},
        {8000, "1f00b0047e00000000ff7f00000000"},
        {8020, "8006b0040800ffffff5a2600"},
        {8500, "0000b004"},
        {9000, "0000b004"},
        {9500, "0000b004"},
        {10000, "1f00b0048500000000ff7f00000000"},
        {10020, "8006b0040900ffffff5a2800"},
        {10500, "0000b004"},
        {11000, "0000b004"},
        {11500, "0000b004"},
        {12000, "1f00b0048c00000000ff7f00000000"},
        {12020, "8006b0040900ffffff5a2a00"},
        {12500, "0000b004"},
        {13000, "0000b004"},
        {13500, "0000b004"},
        {14000, "1f00b0049200000000ff7f00000000"},
        {14020, "8006b0040a00ffffff5a2c00"},
        {14500, "0000b004"},
        {15000, "0000b004"},
        {15500, "0000b004"},
        {16000, "1f00b0049900000000ff7f00000000"},
        {16020, "8006b0040a00ffffff5a2e00"},
        {16500, "0000b004"},
        {17000, "0000b004"},
        {17500, "0000b004"},
        {18000, "1f00b004a000000000ff7f00000000"},
        {18020, "8006b0040b00ffffff5a3000"},
        {18500, "0000b004"},
        {19000, "0000b004"},
        {19500, "0000b004"},
};

static void test_split_records_and_speed_only_records(void **state)
{
        const double mps = 12.0 / 3.6;
        ResolvedStep steps[1] = {rig_step_time(STEP_KIND_ACTIVE, 600, 12.0)};
        FtmsTreadmillAssembler a = {};
        EngineConfig cfg;
        Rig r;
        uint64_t t0;
        size_t n_records = 0;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        r.tm.report_data = false; /* only the recording speaks */
        t0 = r.now + S(1);
        assert_int_equal(feed(&r, &a, t0, &split_and_speed_only[0]), 0); /* More Data: waits */
        assert_int_equal(feed(&r, &a, t0, &split_and_speed_only[1]), 1);
        /* The workout starts on that record: the belt had run 0 m of it then. */
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("run", steps, 1)), 0);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);

        for (size_t i = 2; i < ELEMENTSOF(split_and_speed_only); i++) {
                double truth, d;

                if (feed(&r, &a, t0, &split_and_speed_only[i]) == 0)
                        continue;
                n_records++;
                /* The belt's travel since the 100 m reading (it was exact then). */
                truth = mps * (double)(r.now - t0) / USEC_PER_SEC;
                d = workout_distance(&r);
                /* Never ahead of the belt; behind by at most the counter's truncation. */
                assert_true(d <= truth + 1e-6);
                assert_true(d >= truth - 1.0);
        }
        assert_int_equal(n_records, 9 * 4 + 3);
        rig_free(&r);
}

/* ---- whole distance steps against the scripted treadmill ---- */

typedef struct DistanceRun {
        uint64_t data_interval_usec;
        unsigned distance_every;
        double counter_offset_m; /* the counter at the start, minus the belt's travel */
        double reset_after_m;    /* > 0: the treadmill's own workout restarts there */
        double step_m;
        double kmh;
} DistanceRun;

/* The belt's travel at an event time (constant speed since then). */
static double travel_at(const Rig *r, uint64_t t)
{
        return r->tm.distance_m - r->tm.speed_kmh / 3.6 * (double)(r->now - t) / USEC_PER_SEC;
}

/* Runs warm-up, the distance step, cool-down; returns the belt's travel during the step. */
static double run_distance_step(const DistanceRun *run)
{
        ResolvedStep steps[3] = {
                rig_step_time(STEP_KIND_WARMUP, 60, run->kmh),
                rig_step_dist(STEP_KIND_TIME_TRIAL, run->step_m, run->kmh),
                rig_step_time(STEP_KIND_COOLDOWN, 120, 6.0),
        };
        double start = NAN, end = NAN;
        EngineConfig cfg;
        Rig r;
        bool reset_done = false;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        r.tm.data_interval_usec = run->data_interval_usec;
        r.tm.distance_every = run->distance_every;
        r.tm.counter_offset_m = run->counter_offset_m;
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("trial", steps, 3)), 0);
        rig_console_start(&r, run->kmh);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);

        /* Small slices, so that the speed is still constant back to each event. */
        while (isnan(end) && r.now < S(1000) + S(3 * run->step_m / (run->kmh / 3.6) + 200)) {
                size_t e0 = r.n_events;

                rig_run_for(&r, 0.05);
                for (size_t i = e0; i < r.n_events; i++) {
                        const EngineEvent *ev = &r.events[i];

                        if (ev->type != ENGINE_EVENT_STEP_CHANGED)
                                continue;
                        if (ev->step_index == 1)
                                start = travel_at(&r, ev->time_usec);
                        else if (ev->step_index == 2)
                                end = travel_at(&r, ev->time_usec);
                }
                if (run->reset_after_m > 0 && !reset_done && isfinite(start) &&
                    r.tm.distance_m - start >= run->reset_after_m) {
                        /* The machine's counter starts again from 0. */
                        r.tm.counter_offset_m = -r.tm.distance_m;
                        reset_done = true;
                }
        }
        assert_true(isfinite(start));
        assert_true(isfinite(end));
        assert_true(run->reset_after_m <= 0 || reset_done);
        rig_free(&r);
        return end - start;
}

/* The mile on a treadmill that leaves Total Distance out of every other record. */
static void test_mile_every_other_record_without_distance(void **state)
{
        DistanceRun run = {
                .data_interval_usec = USEC_PER_SEC,
                .distance_every = 2,
                .step_m = METERS_PER_MILE,
                .kmh = 15.0,
        };
        double travel = run_distance_step(&run);

        assert_true(fabs(travel - METERS_PER_MILE) <= 1.0);
}

/* Speed-only records more often than the full ones (the 20 in 12 s). */
static void test_400m_fast_speed_only_records(void **state)
{
        DistanceRun run = {
                .data_interval_usec = 600 * USEC_PER_MSEC,
                .distance_every = 3,
                .step_m = 400,
                .kmh = 16.0,
        };
        double travel = run_distance_step(&run);

        assert_true(fabs(travel - 400) <= 1.0);
}

/* Total Distance is a uint24: the counter passes 2^24 m during the rep. */
static void test_400m_distance_wraps_at_2_pow_24(void **state)
{
        DistanceRun run = {
                .data_interval_usec = USEC_PER_SEC,
                .distance_every = 1,
                /* The warm-up (60 s at 16 km/h, 267 m) brings it to 2^24 - 100. */
                .counter_offset_m = 16777216.0 - 367,
                .step_m = 400,
                .kmh = 16.0,
        };
        double travel = run_distance_step(&run);

        assert_true(fabs(travel - 400) <= 1.0);
}

/* The treadmill's own workout restarts mid-rep: its counter starts again at 0. */
static void test_400m_distance_field_resets(void **state)
{
        DistanceRun run = {
                .data_interval_usec = USEC_PER_SEC,
                .distance_every = 1,
                .counter_offset_m = 5000,
                .reset_after_m = 150,
                .step_m = 400,
                .kmh = 16.0,
        };
        double travel = run_distance_step(&run);

        assert_true(fabs(travel - 400) <= 1.0);
}

/* A counter that jumps further than a belt can run is a glitch, not distance. */
static void test_distance_glitch_is_not_travel(void **state)
{
        ResolvedStep steps[1] = {rig_step_dist(STEP_KIND_ACTIVE, 1000, 10.0)};
        EngineConfig cfg;
        Rig r;
        double before, truth;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 10.0);
        rig_run_for(&r, 5);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("glitch", steps, 1)), 0);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);
        before = r.tm.distance_m;
        rig_run_for(&r, 60);
        r.tm.counter_offset_m += 5000;
        rig_run_for(&r, 60);
        truth = r.tm.distance_m - before;
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_RUNNING);
        assert_true(workout_distance(&r) <= truth + 1.0);
        assert_true(workout_distance(&r) >= truth - 4.0);
        rig_free(&r);
}

/*
 * A console stop mid-rep: what the belt runs while paused is not the rep's,
 * what it ran up to the stop is, also since the last record before it.
 */
static void test_rep_across_console_stop(void **state)
{
        ResolvedStep steps[2] = {
                rig_step_dist(STEP_KIND_ACTIVE, 400, 12.0),
                rig_step_time(STEP_KIND_RECOVERY, 60, 6.0),
        };
        EngineConfig cfg;
        Rig r;
        double start, stop, restart, end = NAN;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        r.tm.distance_every = 2;
        rig_console_start(&r, 12.0);
        rig_run_for(&r, 10);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("rep", steps, 2)), 0);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);
        start = r.tm.distance_m;
        /* Pressed 0.7 s after a record. */
        rig_run_for(&r, 50.7);
        stop = r.tm.distance_m;
        rig_console_stop(&r);
        rig_run_for(&r, 30);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_PAUSED);
        restart = r.tm.distance_m;
        rig_console_start(&r, 12.0);
        while (isnan(end) && r.now < S(1300)) {
                size_t e0 = r.n_events;

                rig_run_for(&r, 0.05);
                for (size_t i = e0; i < r.n_events; i++)
                        if (r.events[i].type == ENGINE_EVENT_STEP_CHANGED &&
                            r.events[i].step_index == 1)
                                end = travel_at(&r, r.events[i].time_usec);
        }
        assert_true(isfinite(end));
        assert_true(fabs((stop - start) + (end - restart) - 400) <= 1.0);
        rig_free(&r);
}

/*
 * The distance stored once a second never goes back and never runs
 * ahead of the belt — through a console stop (the belt runs down, then
 * stands), the restart, and a dropped link — with a sampling clock that is not
 * aligned with the records.
 */
static void test_stored_distance_monotonic_never_ahead(void **state)
{
        ResolvedStep steps[1] = {rig_step_time(STEP_KIND_ACTIVE, 1800, 12.0)};
        EngineConfig cfg;
        Rig r;
        double start, last = 0;

        engine_config_init(&cfg);
        cfg.allow_remote_start = true;
        rig_init_with(&r, &cfg, true);
        r.tm.distance_every = 2;
        r.tm.accel_kmhps = 0.8; /* a belt that runs down slowly */
        rig_console_start(&r, 12.0);
        rig_run_for(&r, 20.3);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("run", steps, 1)), 0);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);
        start = r.tm.distance_m;

        for (unsigned s = 0; s < 200; s++) {
                double d;

                if (s == 40)
                        rig_console_stop(&r);
                if (s == 80)
                        rig_console_start(&r, 12.0);
                if (s == 130)
                        rig_link(&r, false);
                if (s == 140)
                        rig_link(&r, true);
                rig_run_for(&r, 1);
                d = workout_distance(&r);
                assert_true(d >= last);
                assert_true(d <= r.tm.distance_m - start + 1.0);
                last = d;
        }
        assert_true(last > 300);
        rig_free(&r);
}

/* ---- distance = footpod, through a silence of the footpod ---- */

static void footpod_report(Rig *r, double kmh)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_FOOTPOD,
                             .role = TRANSPORT_ROLE_FOOTPOD,
                             .time_usec = r->now,
                             .footpod = {.cadence_spm = 176, .running = true}};

        assert_int_equal(rsc_speed_from_kmh(kmh, &ev.footpod.speed_raw), 0);
        rig_emit(r, &ev);
}

/*
 * The runner's footpod measures 10.5 km/h on a belt that says 10, reports
 * every second for 60 s, falls silent for 20 s (longer than paced trusts a
 * report), then reports 60 s more. The workout's distance is the footpod's
 * while it reports and the belt's in the silence: nothing of the silence is
 * lost, nothing counted twice.
 */
static double footpod_through_silence(double phase_s)
{
        ResolvedStep steps[1] = {rig_step_time(STEP_KIND_ACTIVE, 600, 10.0)};
        double d0, d;
        EngineConfig cfg;
        Rig r;

        engine_config_init(&cfg);
        cfg.distance_from_footpod = true;
        rig_init_with(&r, &cfg, true);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("run", steps, 1)), 0);
        rig_console_start(&r, 10.0);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 5 + phase_s); /* the belt at 10 km/h; reports out of step with it */
        footpod_report(&r, 10.5);
        rig_run_for(&r, 1);
        footpod_report(&r, 10.5);
        d0 = workout_distance(&r);

        for (int i = 0; i < 60; i++) {
                rig_run_for(&r, 1);
                footpod_report(&r, 10.5);
        }
        rig_run_for(&r, 20); /* silent */
        for (int i = 0; i < 60; i++) {
                footpod_report(&r, 10.5);
                rig_run_for(&r, 1);
        }
        footpod_report(&r, 10.5);
        d = workout_distance(&r) - d0;
        rig_free(&r);
        return d;
}

/*
 * The runner's footpod measures 10.5 km/h on a belt that says 10, reports
 * every second for 60 s, falls silent for 20 s (longer than paced trusts a
 * report), then reports 60 s more. The workout's distance is the footpod's
 * while it reports and the belt's in the silence: nothing of the silence is
 * lost (14 m were), nothing counted twice (up to a second's running was,
 * when the footpod spoke again), wherever its reports fall between the
 * treadmill's.
 */
static void test_footpod_silence_loses_no_distance(void **state)
{
        const double fp_mps = 10.5 / 3.6, tm_mps = 10.0 / 3.6;
        const double want = 60 * fp_mps + 20 * tm_mps + 60 * fp_mps;
        const double phases[] = {0, 0.25, 0.5, 0.9};

        for (size_t i = 0; i < ELEMENTSOF(phases); i++) {
                double d = footpod_through_silence(phases[i]);

                print_message("footpod through a silence, reports %.2f s after the belt's: "
                              "%.1f m, want %.1f m\n",
                              phases[i], d, want);
                assert_true(fabs(d - want) < 1.0);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split_records_and_speed_only_records),
                cmocka_unit_test(test_mile_every_other_record_without_distance),
                cmocka_unit_test(test_400m_fast_speed_only_records),
                cmocka_unit_test(test_400m_distance_wraps_at_2_pow_24),
                cmocka_unit_test(test_400m_distance_field_resets),
                cmocka_unit_test(test_distance_glitch_is_not_travel),
                cmocka_unit_test(test_rep_across_console_stop),
                cmocka_unit_test(test_stored_distance_monotonic_never_ahead),
                cmocka_unit_test(test_footpod_silence_loses_no_distance),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
