/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runner outcomes of the training plan: a 6:30 miler asking for
 * 6:10. Every week of the plan runs on the simulator with the shipped
 * config, and the plan does what docs/workouts.md says: race-pace work at
 * the goal, easy/tempo/threshold work at current fitness, reps and weekly
 * volume growing through the base and build weeks, easing in sharpening,
 * dropping in the taper into the final trial; a goal no plan reaches is
 * refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "outcome-rig.h"
#include "plan.h"

#define CURRENT_S 390.0 /* 6:30 */
#define GOAL_S    370.0 /* 6:10 */

static Plan *make_plan(unsigned weeks, unsigned dpw)
{
        PlanOptions o = {
                .goal_mile_s = GOAL_S,
                .current_mile_s = CURRENT_S,
                .weeks = weeks,
                .days_per_week = dpw,
                .start = plan_date_from_civil(2026, 12, 7),
        };
        Plan *p = NULL;

        assert_int_equal(plan_generate(&o, &p), 0);
        return p;
}

static void rig_for_plan(OutcomeRig *r, double accel)
{
        OutcomeMachine m = {.accel_kmhps = accel};

        assert_int_equal(outcome_rig_init(r, "mile = 6:30", NULL, &m), 0);
        outcome_rig_set_goal(r, GOAL_S);
}

static bool near_speed(double a, double b)
{
        return fabs(a - b) <= 0.051; /* within the resolution's rounding */
}

/* The paces: race pace is the goal, the rest is current fitness. */
static void test_plan_paces(void **state)
{
        _cleanup_(plan_freep) Plan *p = make_plan(8, 5);
        OutcomeRig r;
        double goal, current_mile, threshold, easy;
        unsigned race_pace_steps = 0, tempo_days = 0;

        rig_for_plan(&r, 0.8);
        goal = runner_profile_speed_kmh(&r.profile, PACE_REF_GOAL);
        current_mile = runner_profile_speed_kmh(&r.profile, PACE_REF_MILE);
        threshold = runner_profile_speed_kmh(&r.profile, PACE_REF_THRESHOLD);
        easy = runner_profile_speed_kmh(&r.profile, PACE_REF_EASY);
        assert_true(near_speed(goal, METERS_PER_MILE / GOAL_S * 3.6));
        assert_true(near_speed(current_mile, METERS_PER_MILE / CURRENT_S * 3.6));

        for (size_t i = 0; i < p->n_days; i++) {
                const PlanDay *d = &p->days[i];
                _cleanup_free_ char *text = NULL;
                ResolvedWorkout *w;

                if (d->type != PLAN_DAY_RUN)
                        continue;
                assert_int_equal(plan_day_workout_text(d, &text), 0);
                w = outcome_resolve_text(&r, text);
                assert_non_null(w);
                for (size_t k = 0; k < w->n_steps; k++) {
                        const ResolvedStep *s = &w->steps[k];

                        if (streq(d->workout, "race-pace-mile") ||
                            streq(d->workout, "intervals-6x400")) {
                                if (s->kind == STEP_KIND_ACTIVE) {
                                        /* 400 m at the goal, not at the current mile. */
                                        assert_true(near_speed(s->speed_start_kmh, goal));
                                        race_pace_steps++;
                                }
                        } else if (streq(d->workout, "mile-time-trial")) {
                                if (s->kind == STEP_KIND_TIME_TRIAL && s->cue &&
                                    strstr(s->cue, "Lap 2"))
                                        assert_true(near_speed(s->speed_start_kmh, goal));
                        } else if (streq(d->workout, "tempo-run")) {
                                if (s->kind == STEP_KIND_ACTIVE) {
                                        assert_true(
                                                near_speed(s->speed_start_kmh, threshold * 0.97));
                                        tempo_days++;
                                }
                        } else if (streq(d->workout, "threshold-intervals")) {
                                if (s->kind == STEP_KIND_ACTIVE)
                                        assert_true(near_speed(s->speed_start_kmh, threshold));
                        } else if (streq(d->workout, "easy-run") || streq(d->workout, "long-run")) {
                                /* Easy running at current fitness. */
                                if (s->kind == STEP_KIND_ACTIVE && s->cue == NULL)
                                        assert_true(near_speed(s->speed_start_kmh, easy));
                        }
                }
                resolved_workout_free(w);
        }
        assert_true(race_pace_steps >= 3 * 8);
        assert_true(tempo_days >= 2);
        outcome_rig_free(&r);
}

/* Reps and weekly volume (the resolved workouts' planned time) progress. */
static void test_plan_progression(void **state)
{
        for (unsigned weeks = PLAN_WEEKS_MIN; weeks <= PLAN_WEEKS_MAX; weeks++)
                for (unsigned dpw = PLAN_DAYS_PER_WEEK_MIN; dpw <= PLAN_DAYS_PER_WEEK_MAX; dpw++) {
                        _cleanup_(plan_freep) Plan *p = make_plan(weeks, dpw);
                        double volume[PLAN_WEEKS_MAX + 1] = {}, peak = 0;
                        unsigned last_rp = 0, last_hills = 0, max_rp = 0, taper_rp = 0;
                        unsigned build_end = weeks - 3;
                        OutcomeRig r;

                        rig_for_plan(&r, 0.8);
                        for (size_t i = 0; i < p->n_days; i++) {
                                const PlanDay *d = &p->days[i];
                                _cleanup_free_ char *text = NULL;
                                ResolvedWorkout *w;

                                if (d->type != PLAN_DAY_RUN)
                                        continue;
                                assert_int_equal(plan_day_workout_text(d, &text), 0);
                                w = outcome_resolve_text(&r, text);
                                assert_non_null(w);
                                /* The day's announced minutes are what it resolves to. */
                                assert_true(fabs(w->total_time_s / 60 - plan_day_minutes(d)) <
                                            0.12 * plan_day_minutes(d) + 3);
                                volume[d->week] += w->total_time_s;
                                resolved_workout_free(w);
                                if (streq(d->workout, "hill-sprints")) {
                                        assert_true(d->reps >= last_hills);
                                        last_hills = d->reps;
                                }
                                if (streq(d->workout, "race-pace-mile")) {
                                        /* More race-pace reps as the plan goes on, to the
                                         * sharpening weeks' most. */
                                        if (d->phase == PLAN_PHASE_BUILD)
                                                assert_true(d->reps >= last_rp);
                                        last_rp = d->reps;
                                        max_rp = MAX(max_rp, d->reps);
                                }
                                if (streq(d->workout, "intervals-6x400"))
                                        taper_rp = d->reps;
                        }
                        /* Base and build: the weekly volume grows every week. */
                        for (unsigned w = 2; w <= build_end; w++)
                                if (volume[w] < volume[w - 1] * 0.97)
                                        fail_msg("%u weeks, %u days: week %u %.0f min < week %u "
                                                 "%.0f min",
                                                 weeks, dpw, w, volume[w] / 60, w - 1,
                                                 volume[w - 1] / 60);
                        for (unsigned w = 1; w <= build_end; w++)
                                peak = fmax(peak, volume[w]);
                        /* About +8 % a week (rounded to 5 min): +6 % at least. */
                        assert_true(peak >= (1 + 0.06 * (build_end - 1)) * volume[1]);
                        /* Sharpening eases off; the taper drops to at most 70 %. */
                        assert_true(volume[weeks - 1] <= peak * 1.02);
                        assert_true(volume[weeks] <= 0.7 * peak);
                        assert_true(max_rp >= 8);
                        assert_true(taper_rp > 0 && taper_rp < max_rp);
                        /* The last day is the goal trial. */
                        assert_string_equal(p->days[p->n_days - 1].workout, "mile-time-trial");
                        outcome_rig_free(&r);
                }
}

/* Every week of an 8-week plan, day by day, on the simulator: each workout
 * runs to its end and every rep is at its target for >= 90 % of it. */
static void test_plan_weeks_on_the_simulator(void **state)
{
        _cleanup_(plan_freep) Plan *p = make_plan(8, 5);
        unsigned failed = 0, runs = 0;

        for (size_t i = 0; i < p->n_days; i++) {
                const PlanDay *d = &p->days[i];
                _cleanup_free_ char *text = NULL;
                ResolvedWorkout *rw;
                OutcomeRig r;

                if (d->type != PLAN_DAY_RUN)
                        continue;
                rig_for_plan(&r, i % 2 ? 0.8 : 0.4);
                assert_int_equal(plan_day_workout_text(d, &text), 0);
                rw = outcome_resolve_text(&r, text);
                assert_non_null(rw);
                assert_int_equal(outcome_load(&r, rw), 0);
                if (outcome_run_workout(&r, 4 * 3600) != ENGINE_STATE_FINISHED || r.cp_errors) {
                        fprintf(stderr, "week %u %s: did not finish\n", d->week, d->workout);
                        failed++;
                }
                for (size_t k = 0; k < r.w->n_steps; k++) {
                        const OutcomeStep *o = &r.steps[k];

                        if (!outcome_is_rep(&r.w->steps[k]) || !o->entered)
                                continue;
                        if (o->at_target_s < 0.9 * o->run_s) {
                                fprintf(stderr, "week %u %s step %zu: %.1f of %.1f s at target\n",
                                        d->week, d->workout, k + 1, o->at_target_s, o->run_s);
                                failed++;
                        }
                }
                runs++;
                outcome_rig_free(&r);
        }
        assert_int_equal(runs, 8 * 5);
        assert_int_equal(failed, 0);
}

static void test_goal_plausibility(void **state)
{
        char msg[256];

        /* The 4:00 goal from a 6:30 mile: refused, with a goal that is not. */
        assert_int_equal(plan_check_goal(240, CURRENT_S, 8, msg, sizeof(msg)), -EDOM);
        assert_non_null(strstr(msg, "A 4:00 goal is 62 % faster than your 6:30 mile"));
        assert_non_null(strstr(msg, "Aim for 5:48 or slower"));
        /* Faster than the world record, whatever the current mile. */
        assert_int_equal(plan_check_goal(220, 0, 10, msg, sizeof(msg)), -EDOM);
        /* 6:30 -> 6:10 in 8 weeks (5.4 %): fine; -> 6:00 (8.3 %): ambitious. */
        assert_int_equal(plan_check_goal(GOAL_S, CURRENT_S, 8, msg, sizeof(msg)), 0);
        assert_int_equal(plan_check_goal(360, CURRENT_S, 8, msg, sizeof(msg)), 1);
        assert_non_null(strstr(msg, "ambitious"));
        /* Slower than now, or nothing known to compare with: said. */
        assert_int_equal(plan_check_goal(400, CURRENT_S, 8, msg, sizeof(msg)), 1);
        assert_non_null(strstr(msg, "slower than your 6:30 mile"));
        assert_int_equal(plan_check_goal(GOAL_S, 0, 8, msg, sizeof(msg)), 1);
        assert_non_null(strstr(msg, "not known"));
}

/* Moving a day: the dates stay, the sessions swap; never two hard days in a
 * row; the swap survives the JSON round trip the daemon stores. */
static void test_swap_days(void **state)
{
        _cleanup_(plan_freep) Plan *p = make_plan(8, 5);
        Plan *q = NULL;
        char *json = NULL;
        size_t len = 0;
        FILE *f;
        const char *mon, *tue;

        /* Week 1: Mon hill sprints (hard), Tue strides, Wed cross, Thu tempo (hard). */
        mon = p->days[0].workout;
        tue = p->days[1].workout;
        assert_string_equal(mon, "hill-sprints");
        assert_int_equal(plan_swap_days(p, p->days[0].date, p->days[1].date), 0);
        assert_string_equal(p->days[0].workout, tue);
        assert_string_equal(p->days[1].workout, mon);
        assert_int_equal(p->days[1].date, p->options.start + 1);
        /* Tue hill sprints next to ... Wed cross: fine; Thu tempo to Wed would
         * put it after Tuesday's hills. */
        assert_int_equal(plan_swap_days(p, p->days[3].date, p->days[2].date), -EDEADLK);
        assert_string_equal(p->days[3].workout, "tempo-run");
        assert_int_equal(plan_swap_days(p, p->options.start - 1, p->days[2].date), -ERANGE);

        f = open_memstream(&json, &len);
        assert_non_null(f);
        assert_int_equal(plan_to_json(p, f), 0);
        fclose(f);
        assert_non_null(strstr(json, "\"swaps\":[[\"2026-12-07\",\"2026-12-08\"]]"));
        assert_int_equal(plan_from_json(json, &q), 0);
        assert_string_equal(q->days[1].workout, "hill-sprints");
        assert_int_equal(q->n_swaps, 1);
        plan_free(q);
        free(json);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan_paces),
                cmocka_unit_test(test_plan_progression),
                cmocka_unit_test(test_plan_weeks_on_the_simulator),
                cmocka_unit_test(test_goal_plausibility),
                cmocka_unit_test(test_swap_days),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
