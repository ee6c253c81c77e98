/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mile plan generator: structure of every 6-10 week plan, the schedule
 * lookup by date, dates, and the JSON the daemon stores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "workout-library.h"

static const char *const lib_dirs[] = {PACED_SOURCE_DIR "/conf/workouts", NULL};

static bool is_hard(const PlanDay *d)
{
        static const char *const hard[] = {
                "race-pace-mile",      "vo2max-intervals", "hill-sprints",   "tempo-run",
                "threshold-intervals", "mile-time-trial",  "intervals-6x400"};

        if (d->type != PLAN_DAY_RUN)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(hard); i++)
                if (streq(d->workout, hard[i]))
                        return true;
        return false;
}

static size_t count_workout(const Plan *p, const char *name)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_days; i++)
                n += p->days[i].workout && streq(p->days[i].workout, name);
        return n;
}

static void test_every_plan_is_sensible(void **state)
{
        for (unsigned weeks = PLAN_WEEKS_MIN; weeks <= PLAN_WEEKS_MAX; weeks++)
                for (unsigned dpw = PLAN_DAYS_PER_WEEK_MIN; dpw <= PLAN_DAYS_PER_WEEK_MAX; dpw++) {
                        PlanOptions o = {.goal_mile_s = 330,
                                         .weeks = weeks,
                                         .days_per_week = dpw,
                                         .start = plan_date_from_civil(2026, 12, 1)};
                        Plan *p = NULL;
                        PlanPhase last_phase = PLAN_PHASE_BASE;

                        assert_int_equal(plan_generate(&o, &p), 0);
                        assert_int_equal(p->n_days, weeks * 7);
                        for (unsigned w = 0; w < weeks; w++) {
                                unsigned runs = 0, rest = 0, cross = 0;

                                for (unsigned i = 0; i < 7; i++) {
                                        const PlanDay *d = &p->days[w * 7 + i];

                                        assert_int_equal(d->week, w + 1);
                                        assert_int_equal(d->date, o.start + w * 7 + i);
                                        /* Phases only move forward. */
                                        assert_true(d->phase >= last_phase);
                                        last_phase = d->phase;
                                        runs += d->type == PLAN_DAY_RUN;
                                        rest += d->type == PLAN_DAY_REST;
                                        cross += d->type == PLAN_DAY_CROSS;
                                        assert_non_null(d->note);
                                        if (d->type == PLAN_DAY_RUN) {
                                                char *path = NULL;

                                                /* Every run is a library workout. */
                                                assert_int_equal(workout_library_find(d->workout,
                                                                                      lib_dirs,
                                                                                      &path),
                                                                 0);
                                                free(path);
                                        } else
                                                assert_null(d->workout);
                                }
                                assert_int_equal(runs, dpw);
                                assert_true(rest >= 1);
                                assert_int_equal(runs + rest + cross, 7);
                                if (dpw <= 5)
                                        assert_true(cross >= 1);
                        }
                        /* Never two hard sessions on consecutive days. */
                        for (size_t i = 1; i < p->n_days; i++)
                                if (is_hard(&p->days[i]) && is_hard(&p->days[i - 1]))
                                        fail_msg("%u weeks, %u days: hard days %zu and %zu", weeks,
                                                 dpw, i - 1, i);
                        /* The mix docs/workouts.md, "Training plans", promises. */
                        assert_true(count_workout(p, "easy-run") + count_workout(p, "strides") > 0);
                        assert_true(count_workout(p, "long-run") >= weeks - 1);
                        assert_true(count_workout(p, "race-pace-mile") >= 2);
                        assert_true(count_workout(p, "vo2max-intervals") >= 1);
                        /* Strides every week from four running days. */
                        assert_true(count_workout(p, "strides") >= (dpw >= 4 ? weeks : 1));
                        assert_true(count_workout(p, "hill-sprints") >= 1);
                        assert_true(count_workout(p, "tempo-run") +
                                            count_workout(p, "threshold-intervals") >=
                                    weeks - 2);
                        /* A mid-plan check and the final time trial. */
                        assert_int_equal(count_workout(p, "mile-time-trial"), 2);
                        /* Tapering into the time trial on the last day. */
                        assert_int_equal(p->days[p->n_days - 1].phase, PLAN_PHASE_TAPER);
                        assert_string_equal(p->days[p->n_days - 1].workout, "mile-time-trial");
                        assert_int_equal(p->days[p->n_days - 2].type, PLAN_DAY_REST);
                        for (size_t i = p->n_days - 7; i < p->n_days; i++)
                                assert_true(!p->days[i].workout ||
                                            !streq(p->days[i].workout, "long-run"));
                        assert_int_equal(p->days[0].phase, PLAN_PHASE_BASE);
                        plan_free(p);
                }
}

static void test_invalid_options(void **state)
{
        PlanOptions o = {.goal_mile_s = 330, .weeks = 8, .days_per_week = 5};
        Plan *p = NULL;

        o.weeks = 5;
        assert_int_equal(plan_generate(&o, &p), -EINVAL);
        o.weeks = 11;
        assert_int_equal(plan_generate(&o, &p), -EINVAL);
        o.weeks = 8;
        o.days_per_week = 2;
        assert_int_equal(plan_generate(&o, &p), -EINVAL);
        o.days_per_week = 7;
        assert_int_equal(plan_generate(&o, &p), -EINVAL);
        o.days_per_week = 5;
        o.goal_mile_s = 100;
        assert_int_equal(plan_generate(&o, &p), -EINVAL);
        assert_null(p);
}

static void test_schedule_by_date(void **state)
{
        PlanOptions o = {.goal_mile_s = 330, .weeks = 8, .days_per_week = 5};
        Plan *p = NULL;
        int64_t start;

        assert_int_equal(plan_date_parse("2026-12-01", &start), 0);
        o.start = start;
        assert_int_equal(plan_generate(&o, &p), 0);
        assert_null(plan_workout_for_date(p, start - 1));
        assert_null(plan_day_at(p, start - 1));
        assert_string_equal(plan_workout_for_date(p, start), "hill-sprints");
        /* Day 3 of a 5-day week is cross-training: nothing to run. */
        assert_int_equal(plan_day_at(p, start + 2)->type, PLAN_DAY_CROSS);
        assert_null(plan_workout_for_date(p, start + 2));
        assert_int_equal(plan_day_at(p, start + 4)->type, PLAN_DAY_REST);
        assert_null(plan_workout_for_date(p, start + 4));
        assert_string_equal(plan_workout_for_date(p, start + 55), "mile-time-trial");
        assert_null(plan_workout_for_date(p, start + 56));
        plan_free(p);
}

static void test_dates(void **state)
{
        int64_t d;
        char buf[11];

        assert_int_equal(plan_date_parse("1970-01-01", &d), 0);
        assert_int_equal(d, 0);
        assert_int_equal(plan_date_weekday(d), 3); /* Thursday */
        assert_int_equal(plan_date_parse("2026-12-01", &d), 0);
        assert_int_equal(d, 20788);
        assert_int_equal(plan_date_weekday(d), 1); /* Tuesday */
        assert_string_equal(plan_date_format(d, buf), "2026-12-01");
        assert_int_equal(plan_date_parse("2028-02-29", &d), 0);
        assert_string_equal(plan_date_format(d + 1, buf), "2028-03-01");
        assert_int_equal(plan_date_parse("2026-02-29", &d), -EINVAL);
        assert_int_equal(plan_date_parse("2100-02-29", &d), -EINVAL);
        assert_int_equal(plan_date_parse("2000-02-29", &d), 0);
        assert_int_equal(plan_date_parse("2026-13-01", &d), -EINVAL);
        assert_int_equal(plan_date_parse("2026-1-01", &d), -EINVAL);
        assert_int_equal(plan_date_parse("2026-04-31", &d), -EINVAL);
        assert_int_equal(plan_date_parse("tomorrow", &d), -EINVAL);
        for (int64_t x = 0; x < 40000; x += 97) {
                int64_t y;

                assert_int_equal(plan_date_parse(plan_date_format(x, buf), &y), 0);
                assert_int_equal(x, y);
        }
}

static char *to_json(const Plan *p)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        assert_int_equal(plan_to_json(p, f), 0);
        fclose(f);
        return buf;
}

static void test_json_round_trip(void **state)
{
        PlanOptions o = {.goal_mile_s = 330,
                         .weeks = 7,
                         .days_per_week = 4,
                         .start = plan_date_from_civil(2027, 1, 4)};
        Plan *p = NULL, *q = NULL;
        char *json, *json2;

        assert_int_equal(plan_generate(&o, &p), 0);
        json = to_json(p);
        assert_non_null(strstr(json, "\"version\":2,\"goal_mile_s\":330.0,\"current_mile_s\":"
                                     "null,\"weeks\":7,\"days_per_week\":4,\"start\":"
                                     "\"2027-01-04\",\"end\":\"2027-02-21\",\"swaps\":[],"
                                     "\"days\":["));
        assert_non_null(strstr(json, "{\"date\":\"2027-01-04\",\"week\":1,\"phase\":\"base\","
                                     "\"type\":\"run\",\"workout\":\"hill-sprints\",\"reps\":6,"
                                     "\"minutes\":0,\"detail\":\"6 x 25 s uphill\""));
        assert_non_null(strstr(json, "\"type\":\"rest\",\"workout\":null"));
        assert_int_equal(plan_from_json(json, &q), 0);
        assert_int_equal(q->n_days, p->n_days);
        for (size_t i = 0; i < p->n_days; i++) {
                assert_int_equal(q->days[i].date, p->days[i].date);
                assert_int_equal(q->days[i].type, p->days[i].type);
                assert_string_equal(q->days[i].note, p->days[i].note);
        }
        json2 = to_json(q);
        assert_string_equal(json, json2);
        free(json2);
        plan_free(q);
        q = NULL;

        /* Broken or out-of-range JSON is refused. */
        assert_int_equal(plan_from_json("{}", &q), -EBADMSG);
        assert_int_equal(plan_from_json("{\"version\":3,\"goal_mile_s\":330,\"weeks\":8,"
                                        "\"days_per_week\":5,\"start\":\"2026-12-01\"}",
                                        &q),
                         -EBADMSG);
        assert_int_equal(plan_from_json("{\"version\":1,\"goal_mile_s\":330,\"weeks\":12,"
                                        "\"days_per_week\":5,\"start\":\"2026-12-01\"}",
                                        &q),
                         -EBADMSG);
        assert_int_equal(plan_from_json("{\"version\":1,\"goal_mile_s\":330,\"weeks\":8,"
                                        "\"days_per_week\":5,\"start\":\"2026-12-32\"}",
                                        &q),
                         -EBADMSG);
        /* A truncated document, a number as a string, a duplicate that a
         * string hides: a parser, not a string search. */
        assert_int_equal(plan_from_json("{\"version\":1,\"goal_mile_s\":330,\"weeks\":8,"
                                        "\"days_per_week\":5,\"start\":\"2026-12-01\"",
                                        &q),
                         -EBADMSG);
        assert_int_equal(plan_from_json("{\"version\":1,\"goal_mile_s\":330,\"weeks\":\"8\","
                                        "\"days_per_week\":5,\"start\":\"2026-12-01\"}",
                                        &q),
                         -EBADMSG);
        assert_int_equal(plan_from_json("{\"note\":\"\\\"version\\\":1,\\\"goal_mile_s\\\":330,"
                                        "\\\"weeks\\\":8,\\\"days_per_week\\\":5,"
                                        "\\\"start\\\":\\\"2026-12-01\\\"\"}",
                                        &q),
                         -EBADMSG);
        assert_null(q);
        assert_int_equal(plan_from_json("{\"version\":1,\"goal_mile_s\":330,\"weeks\":8,"
                                        "\"days_per_week\":5,\"start\":\"2026-12-01\"}",
                                        &q),
                         0);
        assert_int_equal(q->n_days, 56);
        plan_free(q);
        q = NULL;
        /* Key order and whitespace are free; the days need not come last. */
        assert_int_equal(plan_from_json(" {\"days\":[],\"start\":\"2026-12-01\",\"version\":1,"
                                        "\"weeks\":8,\"days_per_week\":5,\"goal_mile_s\":330}\n",
                                        &q),
                         0);
        assert_int_equal(q->n_days, 56);
        plan_free(q);
        free(json);
        plan_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_plan_is_sensible),
                cmocka_unit_test(test_invalid_options),
                cmocka_unit_test(test_schedule_by_date),
                cmocka_unit_test(test_dates),
                cmocka_unit_test(test_json_round_trip),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
