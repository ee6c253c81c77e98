/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The analysis against the simulator's runner model (sim-runner.h): a ramp
 * test run through the simulated strap, notification by notification as the
 * daemon sees it, must give the runner's true thresholds, both offline
 * (rr_analysis_run, the ramp regression) and live (LiveAnalysis crossover
 * events).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <math.h>

#include "live-analysis.h"
#include "rr-analysis.h"
#include "util.h"

#include "sim-runner.h"

/* 5 min at 7 km/h, then +0.5 km/h per minute to 16.5 km/h, then 2 min at 5 km/h. */
static double ramp_speed(double t)
{
        if (t < 300)
                return 7.0;
        if (t < 300 + 19 * 60)
                return fmin(7.5 + 0.5 * floor((t - 300) / 60), 16.5);
        return 5.0;
}

typedef struct SimRun {
        RrRecording rec;
        size_t cap;
        CrossoverEvent ev[16];
        size_t n_ev;
        SimThresholds truth;
} SimRun;

typedef double (*SpeedFn)(double t);

/* Crossover events are announced in [ramp_from, ramp_to) only, as the manager does for
 * the ramp of a threshold test (NAN: never). */
static void run_session(SpeedFn speed_at, double end_s, double ramp_from, double ramp_to,
                        double artifact_rate, uint64_t seed, SimRun *out)
{
        SimRunnerProfile p;
        SimRunner *sim = NULL;
        LiveAnalysis *la = NULL;
        LiveAnalysisConfig cfg = {.zone_model = _ZONE_MODEL_INVALID, .correct = true};
        double speed = -1;

        sim_runner_profile_default(&p);
        p.artifact_rate = artifact_rate;
        p.seed = seed;
        sim_runner_true_thresholds(&p, &out->truth);
        assert_int_equal(sim_runner_new(&sim, &p, 0), 0);
        assert_int_equal(live_analysis_new(&la, &cfg), 0);

        for (double t = 1; t <= end_s; t += 1) {
                uint64_t now = (uint64_t)(t * 1e6);
                HrsMeasurement m;
                double rr[HRS_MAX_RR];
                CrossoverEvent e;

                if (speed_at(t - 1) != speed) {
                        speed = speed_at(t - 1);
                        sim_runner_set_load(sim, (uint64_t)((t - 1) * 1e6), speed, 0);
                }
                live_analysis_set_announce(la, t >= ramp_from && t < ramp_to);
                assert_int_equal(sim_runner_measurement(sim, now, &m), 0);
                for (size_t i = 0; i < m.n_rr; i++) {
                        rr[i] = hrs_rr_to_ms(m.rr_raw[i]);
                        if (out->rec.n_rows == out->cap) {
                                out->cap = out->cap ? out->cap * 2 : 4096;
                                out->rec.rows = realloc(out->rec.rows, out->cap * sizeof(RrRow));
                                assert_non_null(out->rec.rows);
                        }
                        out->rec.rows[out->rec.n_rows++] = (RrRow){.rr_ms = rr[i],
                                                                   .t_s = NAN,
                                                                   .speed_kmh = speed,
                                                                   .hr_bpm = m.heart_rate_bpm};
                }
                assert_true(live_analysis_push(la, t, m.heart_rate_bpm, rr, m.n_rr, speed) >= 0);
                while (live_analysis_pop_event(la, &e) > 0)
                        if (out->n_ev < ELEMENTSOF(out->ev))
                                out->ev[out->n_ev++] = e;
        }
        out->rec.has_speed = out->rec.has_hr = true;
        live_analysis_free(la);
        sim_runner_free(sim);
}

static void run_ramp(double artifact_rate, uint64_t seed, SimRun *out)
{
        run_session(ramp_speed, 300 + 19 * 60 + 120, 0, 300 + 19 * 60, artifact_rate, seed, out);
}

static void check(double artifact_rate, uint64_t seed)
{
        SimRun run = {};
        RrAnalysis *a = NULL;
        bool live[_THRESHOLD_KIND_MAX] = {};

        run_ramp(artifact_rate, seed, &run);
        assert_int_equal(rr_analysis_run(&run.rec, NULL, &a), 0);
        fprintf(stderr,
                "sim seed %llu artifacts %.3f: true HRVT1 %.1f bpm %.2f km/h, HRVT2 %.1f bpm "
                "%.2f km/h; found %.1f bpm %.2f km/h, %.1f bpm %.2f km/h (r %.3f, %zu windows, "
                "artifacts %.2f %%)\n",
                (unsigned long long)seed, artifact_rate, run.truth.vt1_hr_bpm,
                run.truth.vt1_speed_kmh, run.truth.vt2_hr_bpm, run.truth.vt2_speed_kmh,
                a->ramp.t[0].hr_bpm, a->ramp.t[0].speed_kmh, a->ramp.t[1].hr_bpm,
                a->ramp.t[1].speed_kmh, a->ramp.r, a->ramp.n_windows, a->artifact_pct);
        assert_int_equal(a->ramp.status, RAMP_OK);
        assert_int_equal(a->test.status, THRESHOLD_TEST_VALID);
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT1].hr_bpm, run.truth.vt1_hr_bpm, 6);
        /* One runner, one seed: within the spread bench/bench-thresholds
         * measures over many (docs/analysis.md), not a tuned figure. */
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT2].hr_bpm, run.truth.vt2_hr_bpm, 8);
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT1].speed_kmh, run.truth.vt1_speed_kmh, 0.8);
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT2].speed_kmh, run.truth.vt2_speed_kmh, 0.8);

        /* live: each threshold crossed upwards once during the ramp, near its HR */
        for (size_t i = 0; i < run.n_ev; i++) {
                const CrossoverEvent *e = &run.ev[i];
                double truth = e->threshold == THRESHOLD_HRVT1 ? run.truth.vt1_hr_bpm
                                                               : run.truth.vt2_hr_bpm;

                fprintf(stderr, "  live: %s %s at %.0f s, HR %.1f, %.1f km/h\n",
                        e->above ? "above" : "below", threshold_kind_key_to_string(e->threshold), e->t_s,
                        e->hr_bpm, e->speed_kmh);
                /* nothing in the cool-down: no "back below" at peak HR */
                assert_true(e->above);
                assert_true(e->t_s < 300 + 19 * 60);
                assert_false(live[e->threshold]);
                live[e->threshold] = true;
                /* the live event is the noisier estimate (median of 3, 5-s steps) */
                assert_float_equal(e->hr_bpm, truth, 12);
        }
        assert_true(live[THRESHOLD_HRVT1] && live[THRESHOLD_HRVT2]);
        rr_analysis_free(a);
        free(run.rec.rows);
}

/*
 * The library's mile time trial on this runner (easy 9 km/h, mile pace 16):
 * a 15-min warm-up ramp from 85 to 105 % of easy, 4 strides, 2 min walking,
 * then the mile in laps, the last 400 m faster by 100 m, and a cool-down.
 */
static double mile_speed(double t)
{
        const double lap = 402.336 / (16.0 / 3.6);

        if (t < 900)
                return 9 * (0.85 + 0.2 * t / 900);
        if (t < 1140)
                return fmod(t - 900, 60) < 20 ? 16.0 : 4.5;
        if (t < 1260)
                return 4.5;
        t -= 1260;
        if (t < lap)
                return 15.8;
        if (t < 3 * lap)
                return 16.0;
        if (t < 4 * lap)
                return 16.0 * (1.01 + 0.01 * floor((t - 3 * lap) / (lap / 4)));
        return t < 4 * lap + 120 ? 4.5 : 8.1;
}

/* 6 x 400 m at 17 km/h with 400 m jogs at 8.6 km/h after a 10-min warm-up. */
static double intervals_speed(double t)
{
        const double rep = 400 / (17 / 3.6), jog = 400 / (8.6 / 3.6);

        if (t < 600)
                return 9;
        t -= 600;
        if (t >= 6 * (rep + jog))
                return 8;
        return fmod(t, rep + jog) < rep ? 17 : 8.6;
}

/* These are not threshold tests, whatever alpha1 did in them */
static void test_sim_not_threshold_tests(void **state)
{
        const struct {
                const char *name;
                SpeedFn speed;
                double end_s;
        } sessions[] = {
                {"mile time trial", mile_speed, 1260 + 4 * 402.336 / (16.0 / 3.6) + 720},
                {"6 x 400 m", intervals_speed,
                 600 + 6 * (400 / (17 / 3.6) + 400 / (8.6 / 3.6)) + 600},
        };

        for (size_t i = 0; i < ELEMENTSOF(sessions); i++) {
                SimRun run = {};
                RrAnalysis *a = NULL;
                char why[256];

                run_session(sessions[i].speed, sessions[i].end_s, NAN, NAN, 0.01, 3, &run);
                assert_int_equal(run.n_ev, 0);
                assert_int_equal(rr_analysis_run(&run.rec, NULL, &a), 0);
                fprintf(stderr, "%s: %s\n", sessions[i].name,
                        threshold_test_describe(&a->test, why, sizeof(why)));
                assert_int_not_equal(a->test.status, THRESHOLD_TEST_VALID);
                /* and nothing derived from a threshold: no three-zone model from it */
                assert_false(a->has_zones && a->zones.model == ZONE_MODEL_THREE);
                rr_analysis_free(a);
                free(run.rec.rows);
        }
}

static void test_sim_ramp_clean(void **state)
{
        check(0, 1);
}

static void test_sim_ramp_artifacts(void **state)
{
        check(0.01, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sim_ramp_clean),
                cmocka_unit_test(test_sim_ramp_artifacts),
                cmocka_unit_test(test_sim_not_threshold_tests),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
