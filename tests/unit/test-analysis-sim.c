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

static void run_ramp(double artifact_rate, uint64_t seed, SimRun *out)
{
        SimRunnerProfile p;
        SimRunner *sim = NULL;
        LiveAnalysis *la = NULL;
        LiveAnalysisConfig cfg = {.zone_model = _ZONE_MODEL_INVALID, .correct = true};
        const double end_s = 300 + 19 * 60 + 120;
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

                if (ramp_speed(t - 1) != speed) {
                        speed = ramp_speed(t - 1);
                        sim_runner_set_load(sim, (uint64_t)((t - 1) * 1e6), speed, 0);
                }
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

                fprintf(stderr, "  live: %s %s at %.0f s, window HR %.1f, %.1f km/h\n",
                        e->above ? "above" : "below", threshold_kind_to_key(e->threshold), e->t_s,
                        e->hr_bpm, e->speed_kmh);
                if (!e->above)
                        continue;
                assert_false(live[e->threshold]);
                live[e->threshold] = true;
                /* the live event is the noisier estimate (median of 3, 5-s steps) */
                assert_float_equal(e->hr_bpm, truth, 12);
        }
        assert_true(live[THRESHOLD_HRVT1] && live[THRESHOLD_HRVT2]);
        rr_analysis_free(a);
        free(run.rec.rows);
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
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
