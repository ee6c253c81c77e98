/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdlib.h>

#include "plan.h"
#include "planned-workouts.h"

static PlannedWorkout entry(const char *date, const char *source, const char *name)
{
        PlannedWorkout w = {
                .source = strdup(source),
                .name = strdup(name),
                .filename = strdup("w.txt"),
                .contents = strdup("Main\n- 10m 80% Pace\n"),
        };

        assert_int_equal(plan_date_parse(date, &w.date), 0);
        return w;
}

static void test_names(void **state)
{
        assert_true(planned_source_is_valid("intervals.icu"));
        assert_false(planned_source_is_valid("Intervals"));
        assert_false(planned_source_is_valid(".hidden"));
        assert_false(planned_source_is_valid(""));
        assert_true(planned_filename_is_valid("intervals-12.txt"));
        assert_true(planned_filename_is_valid("Run_1.ZWO"));
        assert_false(planned_filename_is_valid("../x.txt"));
        assert_false(planned_filename_is_valid("x.fit"));
        assert_false(planned_filename_is_valid("noext"));
        assert_true(planned_name_is_valid("Tempo 3×10′"));
        assert_false(planned_name_is_valid("two\nlines"));
        assert_false(planned_name_is_valid(""));
}

static void test_replace_by_source_and_date(void **state)
{
        PlannedWorkouts p = {};
        PlannedWorkout a[2], b[1], c[1];

        a[0] = entry("2027-01-05", "intervals.icu", "Tue");
        a[1] = entry("2027-01-04", "intervals.icu", "Mon");
        assert_int_equal(planned_workouts_replace(&p, "intervals.icu", a, 2), 0);
        b[0] = entry("2027-01-04", "other", "Mon other");
        assert_int_equal(planned_workouts_replace(&p, "other", b, 1), 0);
        assert_int_equal(p.n, 3);
        /* By date; the first of a day is the one already there. */
        assert_string_equal(planned_workouts_at(&p, plan_date_from_civil(2027, 1, 4))->name, "Mon");
        assert_string_equal(p.items[2].name, "Tue");
        assert_null(planned_workouts_at(&p, plan_date_from_civil(2027, 1, 6)));

        /* Replacing intervals.icu keeps the other source. */
        c[0] = entry("2027-01-06", "intervals.icu", "Wed");
        assert_int_equal(planned_workouts_replace(&p, "intervals.icu", c, 1), 0);
        assert_int_equal(p.n, 2);
        assert_string_equal(p.items[0].name, "Mon other");
        assert_string_equal(p.items[1].name, "Wed");

        /* An entry of another source, or a bad filename: refused, nothing changed. */
        c[0] = entry("2027-01-07", "other", "Thu");
        assert_int_equal(planned_workouts_replace(&p, "intervals.icu", c, 1), -EINVAL);
        c[0] = entry("2027-01-07", "intervals.icu", "Thu");
        free(c[0].filename);
        c[0].filename = strdup("thu.gpx");
        assert_int_equal(planned_workouts_replace(&p, "intervals.icu", c, 1), -EINVAL);
        assert_int_equal(p.n, 2);

        /* Empty clears. */
        assert_int_equal(planned_workouts_replace(&p, "other", NULL, 0), 0);
        assert_int_equal(p.n, 1);
        planned_workouts_done(&p);
}

static void test_limits(void **state)
{
        PlannedWorkouts p = {};
        PlannedWorkout *many = calloc(PLANNED_PER_SOURCE_MAX + 1, sizeof(*many));

        for (size_t i = 0; i <= PLANNED_PER_SOURCE_MAX; i++)
                many[i] = entry("2027-01-04", "x", "n");
        assert_int_equal(planned_workouts_replace(&p, "x", many, PLANNED_PER_SOURCE_MAX + 1),
                         -E2BIG);
        assert_int_equal(p.n, 0);
        for (size_t i = 0; i < PLANNED_SOURCES_MAX; i++) {
                char src[8];
                PlannedWorkout w;

                snprintf(src, sizeof(src), "s%zu", i);
                w = entry("2027-01-04", src, "n");
                assert_int_equal(planned_workouts_replace(&p, src, &w, 1), 0);
        }
        many[0] = entry("2027-01-04", "one-more", "n");
        assert_int_equal(planned_workouts_replace(&p, "one-more", many, 1), -E2BIG);
        free(many);
        planned_workouts_done(&p);
}

static void test_json_round_trip(void **state)
{
        PlannedWorkouts p = {}, q = {};
        PlannedWorkout a[2];
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        a[0] = entry("2027-01-04", "intervals.icu", "Mon \"quoted\" é");
        a[1] = entry("2027-01-05", "intervals.icu", "Tue");
        assert_int_equal(planned_workouts_replace(&p, "intervals.icu", a, 2), 0);
        f = open_memstream(&buf, &len);
        assert_int_equal(planned_workouts_to_json(&p, f), 0);
        fclose(f);
        assert_int_equal(planned_workouts_from_json(buf, len, &q), 0);
        assert_int_equal(q.n, 2);
        assert_string_equal(q.items[0].name, "Mon \"quoted\" é");
        assert_string_equal(q.items[1].contents, "Main\n- 10m 80% Pace\n");
        assert_int_equal(q.items[1].date, plan_date_from_civil(2027, 1, 5));
        free(buf);
        planned_workouts_done(&q);
        planned_workouts_done(&p);

        /* What the reader refuses. */
        assert_int_equal(planned_workouts_from_json("{\"version\":1}", 13, &q), -EBADMSG);
        {
                const char *bad = "{\"version\":1,\"workouts\":[{\"date\":\"2027-01-04\","
                                  "\"source\":\"x\",\"name\":\"n\",\"filename\":\"../n.txt\","
                                  "\"contents\":\"c\"}]}";

                assert_int_equal(planned_workouts_from_json(bad, strlen(bad), &q), -EBADMSG);
        }
        assert_int_equal(q.n, 0);
}

static void test_parse_by_extension(void **state)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        PlannedWorkout zwo = {
                .filename = (char *)"w.zwo",
                .contents = (char *)"<workout_file><sportType>run</sportType><workout>"
                                    "<SteadyState Duration=\"600\" Power=\"0.8\"/></workout>"
                                    "</workout_file>",
        };
        PlannedWorkout txt = {.filename = (char *)"w.txt", .contents = (char *)"Main\n- 1x\n"};
        WorkoutError e = {};

        assert_int_equal(planned_workout_parse(&zwo, &w, &e), 0);
        assert_int_equal(planned_workout_parse(&txt, &w, &e), -EBADMSG);
        assert_string_equal(e.file, "w.txt");
        assert_int_equal(e.line, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_replace_by_source_and_date),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_parse_by_extension),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
