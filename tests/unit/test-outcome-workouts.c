/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runner outcomes of every library workout (conf/workouts) on the
 * simulator, with the shipped paced.conf, for several runners and treadmill
 * accelerations (tests/lib/outcome-rig.h): what a runner would check after
 * the session, measured on the simulated belt.
 *
 *  - the workout runs to its end without a control-point error;
 *  - every rep (active, stride, time-trial step) is run at its target for
 *    at least 90 % of the rep;
 *  - a rep the machine cannot start on time (its recovery had to be
 *    lengthened while the belt got there) was announced by the planner that
 *    `pacectl validate` prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "outcome-rig.h"
#include "rep-plan.h"

static const char *const library[] = {
        "easy-run",        "hill-sprints",   "intervals-6x400",     "long-run",
        "mile-time-trial", "race-pace-mile", "ramp-test",           "ramp-test-200m",
        "strides",         "tempo-run",      "threshold-intervals", "vo2max-intervals",
};

/* Runners: the 6:30 miler, a fast one near the machine's top speed, a slow one. */
static const char *const runners[] = {"mile = 6:30", "mile = 5:10", "mile = 8:45"};
/* Belts slower than, near and faster than the shipped rate limit (0.5 km/h/s). */
static const double accels[] = {0.3, 0.8, 2.0};

/* How much longer than written the step before rep i ran (seconds): the
 * rep started that much late. */
static double rep_late_s(const OutcomeRig *r, size_t i)
{
        const ResolvedStep *b = &r->w->steps[i - 1];
        const OutcomeStep *o = &r->steps[i - 1];

        if (!o->ended)
                return 0;
        if (b->end == STEP_END_TIME)
                return o->run_s - b->end_value;
        if (b->end == STEP_END_DISTANCE && b->speed_end_kmh > 0)
                return (o->end_dist_m - o->start_dist_m - b->end_value) / (b->speed_end_kmh / 3.6);
        return 0;
}

/* What `pacectl validate --belt-accel` says about step i on this machine. */
static bool rep_warned(const OutcomeRig *r, size_t i, double accel)
{
        RepPlanMachine m;
        char buf[256];

        rep_plan_machine_init(&m);
        m.max_accel_kmhps = r->config->max_accel_kmh_s;
        m.belt_accel_kmhps = accel;
        return rep_plan_warning(&m, r->w, i, NAN, buf, sizeof(buf)) > 0;
}

/* One workout on one machine for one runner; returns the number of failed checks. */
static unsigned run_one(const char *name, const char *runner, double accel)
{
        OutcomeMachine m = {.accel_kmhps = accel};
        ResolvedWorkout *rw;
        OutcomeRig r;
        char trace[64];
        unsigned failed = 0;
        EngineState end;

        assert_int_equal(outcome_rig_init(&r, runner, NULL, &m), 0);
        /* OUTCOME_TRACE="mile = 6:30@0.3": every cue and event of that run. */
        snprintf(trace, sizeof(trace), "%s@%g", runner, accel);
        r.verbose = getenv("OUTCOME_TRACE") && streq(getenv("OUTCOME_TRACE"), trace);
        rw = outcome_resolve_library(&r, name);
        assert_non_null(rw);
        assert_int_equal(outcome_load(&r, rw), 0);
        end = outcome_run_workout(&r, 4 * 3600);
        if (end != ENGINE_STATE_FINISHED || r.cp_errors > 0) {
                fprintf(stderr, "%s [%s, belt %.1f km/h/s]: ended %s, %u control errors\n", name,
                        runner, accel, engine_state_to_string(end), r.cp_errors);
                failed++;
        }
        for (size_t i = 0; i < r.w->n_steps; i++) {
                const ResolvedStep *s = &r.w->steps[i];
                const OutcomeStep *o = &r.steps[i];

                if (!outcome_is_rep(s) || !o->entered)
                        continue;
                if (i > 0 && !rep_warned(&r, i, accel) && rep_late_s(&r, i) > 1.5) {
                        fprintf(stderr,
                                "%s [%s, belt %.1f km/h/s]: step %zu (%s) started %.1f s late "
                                "without a validate warning\n",
                                name, runner, accel, i + 1, s->label, rep_late_s(&r, i));
                        failed++;
                }
                if (o->run_s <= 0 || o->at_target_s < 0.9 * o->run_s) {
                        fprintf(stderr,
                                "%s [%s, belt %.1f km/h/s]: step %zu (%s) at %.1f km/h: "
                                "%.1f of %.1f s at target (%.0f %%)\n",
                                name, runner, accel, i + 1, s->label, s->speed_start_kmh,
                                o->at_target_s, o->run_s,
                                o->run_s > 0 ? 100 * o->at_target_s / o->run_s : 0);
                        failed++;
                }
        }
        outcome_rig_free(&r);
        return failed;
}

static void test_library_reps_at_target(void **state)
{
        unsigned failed = 0;

        /* OUTCOME_ONLY=NAME runs one workout (with OUTCOME_TRACE: every event). */
        const char *only = getenv("OUTCOME_ONLY");

        for (size_t w = 0; w < ELEMENTSOF(library); w++)
                for (size_t p = 0; p < ELEMENTSOF(runners); p++)
                        for (size_t a = 0; a < ELEMENTSOF(accels); a++)
                                if (!only || streq(only, library[w]))
                                        failed += run_one(library[w], runners[p], accels[a]);
        assert_int_equal(failed, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_library_reps_at_target),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
