/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LiveAnalysis fed like the manager feeds it: one notification per second
 * with the RR values of that second, session time on the host clock. A
 * synthetic session goes from correlated beats (alpha1 ~ 1.2) to
 * anti-correlated ones (alpha1 ~ 0.3) and back: both thresholds must be
 * crossed once each way, at the right session times, with zones and laps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "live-analysis.h"
#include "synth-rr.h"
#include "util.h"

#define T0 1000.0 /* session time at the first beat */

typedef struct Phase {
        double until_s, phi, hr;
} Phase;

static const Phase phases[] = {
        {400, 0.9, 130},
        {800, -0.6, 175},
        {1300, 0.9, 130},
};

typedef struct Run {
        CrossoverEvent ev[16];
        size_t n_ev;
        LiveStatus end_of_phase[3];
        ZoneTimes lap0;
} Run;

static void run_session(LiveAnalysis *la, Run *out, double skip_from, double skip_to)
{
        SynthRng g = {.s = 77};
        double t = 0, next_notify = 1, x = 0, rr_buf[8];
        size_t n_buf = 0, phase = 0;
        bool lapped = false;

        while (t < phases[ELEMENTSOF(phases) - 1].until_s) {
                const Phase *p = &phases[phase];
                double rr;

                x = p->phi * x + sqrt(1 - p->phi * p->phi) * synth_gauss(&g);
                rr = 60000.0 / p->hr + 6 * x;
                t += rr / 1000.0;
                /* a strap dropout loses the RR values but not the clock */
                if (!(t >= skip_from && t < skip_to) && n_buf < ELEMENTSOF(rr_buf))
                        rr_buf[n_buf++] = rr;
                if (t >= next_notify) {
                        int r = live_analysis_push(la, T0 + t, p->hr, rr_buf, n_buf,
                                                   p->hr > 150 ? 15 : 10);
                        CrossoverEvent e;

                        assert_true(r >= 0);
                        while (live_analysis_pop_event(la, &e) > 0) {
                                assert_true(out->n_ev < ELEMENTSOF(out->ev));
                                out->ev[out->n_ev++] = e;
                        }
                        n_buf = 0;
                        next_notify += 1;
                }
                if (!lapped && t >= 600) {
                        live_analysis_new_lap(la, T0 + t, &out->lap0);
                        lapped = true;
                }
                if (t >= p->until_s) {
                        live_analysis_get_status(la, &out->end_of_phase[phase]);
                        phase++;
                }
        }
}

static LiveAnalysis *new_la(void)
{
        LiveAnalysisConfig cfg = {.profile = {.hrvt1_bpm = 150, .hrvt2_bpm = 170},
                                  .zone_model = _ZONE_MODEL_INVALID,
                                  .correct = true};
        LiveAnalysis *la = NULL;

        assert_int_equal(live_analysis_new(&la, &cfg), 0);
        /* as in the ramp of a threshold test */
        live_analysis_set_announce(la, true);
        return la;
}

static void check_events(const Run *run)
{
        bool seen[2][2] = {};

        for (size_t i = 0; i < run->n_ev; i++) {
                const CrossoverEvent *e = &run->ev[i];

                assert_false(seen[e->threshold][e->above]); /* once each way: no flapping */
                seen[e->threshold][e->above] = true;
                fprintf(stderr, "%s %s at %.0f s, HR %.0f, %.0f km/h\n",
                        e->above ? "above" : "below", threshold_kind_key_to_string(e->threshold),
                        e->t_s - T0, e->hr_bpm, e->speed_kmh);
                /* Dated when the runner crossed: the centre of the first 2-min window
                 * whose alpha1 passed the level, within 90 s of the change of
                 * intensity at 400 s (800 s), the strap's HR and the speed then. */
                if (e->above) {
                        assert_true(e->t_s > T0 + 400 - 60 && e->t_s < T0 + 400 + 90);
                        assert_int_equal(e->lap, 0);
                } else {
                        assert_true(e->t_s > T0 + 800 - 60 && e->t_s < T0 + 800 + 90);
                        assert_int_equal(e->lap, 1);
                }
                if (e->t_s < T0 + 400 || (e->t_s >= T0 + 800 && e->t_s < T0 + 1300)) {
                        assert_float_equal(e->hr_bpm, 130, 0);
                        assert_float_equal(e->speed_kmh, 10, 0);
                } else {
                        assert_float_equal(e->hr_bpm, 175, 0);
                        assert_float_equal(e->speed_kmh, 15, 0);
                }
        }
        for (int k = 0; k < 2; k++)
                for (int a = 0; a < 2; a++)
                        assert_true(seen[k][a]);
}

static void test_session_crosses_both_thresholds(void **state)
{
        LiveAnalysis *la = new_la();
        Run run = {};
        Alpha1Eval ev;
        size_t n_evals = 0;

        run_session(la, &run, -1, -1);
        check_events(&run);

        assert_true(run.end_of_phase[0].alpha1 > 0.9);
        assert_false(run.end_of_phase[0].above[THRESHOLD_HRVT1]);
        assert_int_equal(run.end_of_phase[0].zone, 0);
        assert_true(run.end_of_phase[1].alpha1 < 0.45);
        assert_true(run.end_of_phase[1].above[THRESHOLD_HRVT2]);
        assert_int_equal(run.end_of_phase[1].zone, 2);
        assert_float_equal(run.end_of_phase[1].window_hr_bpm, 175, 2);
        assert_true(run.end_of_phase[2].alpha1 > 0.9);
        assert_false(run.end_of_phase[2].above[THRESHOLD_HRVT1]);
        /* only the instant HR jumps between phases (not physiological) get flagged */
        assert_true(run.end_of_phase[2].session_artifact_pct < 0.3);
        /* 400 s above HRVT2, by alpha1: a window stays high until most of it is
         * anti-correlated (onset ~2 min late) but drops back fast, so less */
        assert_true(run.end_of_phase[2].time_above_s[THRESHOLD_HRVT2] > 250);
        assert_true(run.end_of_phase[2].time_above_s[THRESHOLD_HRVT2] < 420);
        assert_int_equal(run.end_of_phase[2].lap, 1);
        /* by HR (instantaneous): HR jumps to 175 at 400 s, lap 0 */
        assert_float_equal(run.end_of_phase[2].first_hr_above_t_s[THRESHOLD_HRVT2] - T0, 400, 1.5);
        assert_int_equal(run.end_of_phase[2].first_hr_above_lap[THRESHOLD_HRVT2], 0);

        /* zone time: lap 0 = 400 s in Z1 then 200 s in Z3 */
        assert_float_equal(run.lap0.s[0], 400, 2);
        assert_float_equal(run.lap0.s[2], 200, 2);
        assert_float_equal(live_analysis_zone_times(la, ZONE_SCOPE_SESSION)->total_s, 1300, 2);

        /* evaluations every 5 s in session time, the first 120 s after the first beat */
        assert_int_equal(live_analysis_pop_evaluation(la, &ev), 1);
        /* the notification came at the end of the first second's last beat */
        assert_float_equal(ev.t_s - T0, 120, 1.5);
        n_evals = 1;
        while (live_analysis_pop_evaluation(la, &ev) > 0)
                n_evals++;
        assert_int_equal(n_evals, (size_t)((1300 - 120) / 5));
        assert_float_equal(ev.t_s - T0, 1295, 3);
        live_analysis_free(la);
}

static void test_dropout_resyncs_and_counts(void **state)
{
        LiveAnalysis *la = new_la();
        Run run = {};

        /* 10 s of RR lost during the first phase */
        run_session(la, &run, 200, 210);
        check_events(&run);
        assert_true(run.end_of_phase[2].session_artifact_pct > 0.7);
        live_analysis_free(la);
}

static void test_stale_alpha1_cleared(void **state)
{
        LiveAnalysis *la = new_la();
        LiveStatus s;
        SynthRng g = {.s = 5};
        double t = 0, x = 0, next = 1, buf[8];
        size_t n = 0;

        /* 5 min clean, then 2 min with every 10th beat missed (>5 %: suppressed) */
        while (t < 420) {
                double rr;

                x = 0.5 * x + synth_gauss(&g);
                rr = 450 + 5 * x;
                if (t > 300 && (int)(t * 10) % 10 == 0)
                        rr *= 2;
                t += rr / 1000;
                buf[n++] = rr;
                if (t >= next || n == ELEMENTSOF(buf)) {
                        assert_true(live_analysis_push(la, t, 133, buf, n, 10) >= 0);
                        n = 0;
                        next += 1;
                }
                if (t > 299 && t < 300.5) {
                        live_analysis_get_status(la, &s);
                        assert_true(isfinite(s.alpha1));
                }
        }
        live_analysis_get_status(la, &s);
        assert_true(s.suppressed);
        assert_true(isnan(s.alpha1_last));
        assert_true(isnan(s.alpha1));
        live_analysis_free(la);
}

static void test_no_profile_no_zones(void **state)
{
        LiveAnalysis *la = NULL;
        LiveStatus s;
        double rr[] = {500, 502, 498};

        assert_int_equal(live_analysis_new(&la, NULL), 0);
        assert_null(live_analysis_zones(la));
        assert_int_equal(live_analysis_push(la, 1.5, 120, rr, 3, NAN), 0);
        live_analysis_get_status(la, &s);
        assert_int_equal(s.zone, -1);
        assert_true(isnan(s.alpha1));
        assert_true(isnan(s.first_hr_above_t_s[THRESHOLD_HRVT1]));
        assert_float_equal(s.hr_bpm, 120, 0);
        assert_int_equal(live_analysis_push(la, 1.0, 120, rr, 3, NAN), -EINVAL);
        rr[1] = -1;
        assert_int_equal(live_analysis_push(la, 2.0, 120, rr, 3, NAN), -EINVAL);
        live_analysis_free(la);
}

/* Outside the ramp of a threshold test nothing is announced, alpha1 still is. */
static void test_no_events_unless_announcing(void **state)
{
        LiveAnalysis *la = new_la();
        Run run = {};

        live_analysis_set_announce(la, false);
        run_session(la, &run, -1, -1);
        assert_int_equal(run.n_ev, 0);
        assert_false(run.end_of_phase[1].announcing);
        assert_true(run.end_of_phase[1].alpha1 < 0.45);
        assert_true(run.end_of_phase[1].above[THRESHOLD_HRVT2]);
        assert_true(run.end_of_phase[2].time_above_s[THRESHOLD_HRVT2] > 250);
        live_analysis_free(la);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_session_crosses_both_thresholds),
                cmocka_unit_test(test_dropout_resyncs_and_counts),
                cmocka_unit_test(test_stale_alpha1_cleared),
                cmocka_unit_test(test_no_profile_no_zones),
                cmocka_unit_test(test_no_events_unless_announcing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
