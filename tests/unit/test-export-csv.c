/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "export-csv.h"
#include "session-fixture.h"

static char *render(int (*writer)(const SessionData *, FILE *), const SessionData *d)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(writer(d, f), 0);
        fclose(f);
        return buf;
}

static void test_csv_samples_exact(void **state)
{
        SessionSample x[2] = {
                {.t_s = 0,
                 .commanded_kmh = 12,
                 .speed_kmh = 11.95,
                 .incline_pct = 1,
                 .distance_m = 0,
                 .hr_bpm = 151,
                 .zone = 3,
                 .step_index = 0,
                 .alpha1 = 0.812},
                {.t_s = 1,
                 .commanded_kmh = NAN,
                 .speed_kmh = NAN,
                 .incline_pct = NAN,
                 .distance_m = NAN,
                 .hr_bpm = 0,
                 .zone = 0,
                 .step_index = -1,
                 .alpha1 = NAN},
        };
        SessionData d = {
                .start_wall_usec = FIXTURE_START_USEC + 500000, .samples = x, .n_samples = 2};
        char *out = render(export_csv_samples_write, &d);

        assert_string_equal(out,
                            "t_s,time_utc,step,commanded_kmh,speed_kmh,pace_min_km,incline_pct,"
                            "distance_m,hr_bpm,zone,alpha1\r\n"
                            "0.000,2025-11-24T16:00:00.500Z,1,12.00,11.95,5.021,1.0,0.0,151,3,"
                            "0.812\r\n"
                            "1.000,2025-11-24T16:00:01.500Z,,,,,,,,,\r\n");
        free(out);
}

static void test_csv_rr_exact(void **state)
{
        SessionRr rr[2] = {{0.431, 431, false}, {1.5, 1069, true}};
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC, .rr = rr, .n_rr = 2};
        char *out = render(export_csv_rr_write, &d);

        assert_string_equal(out, "t_s,time_utc,rr_ms,artifact\r\n"
                                 "0.431,2025-11-24T16:00:00.431Z,431,0\r\n"
                                 "1.500,2025-11-24T16:00:01.500Z,1069,1\r\n");
        free(out);
}

static void test_csv_row_per_sample(void **state)
{
        char dir[] = "/tmp/test-export-csv-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        int64_t id;
        size_t lines = 0, fields = 0;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 5, 200, SESSION_END_ABORTED, &id), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        session_store_free(s);

        char *out = render(export_csv_samples_write, d);
        for (char *p = out; *p; p++) {
                lines += *p == '\n';
                fields += *p == ',';
        }
        assert_int_equal(lines, d->n_samples + 1);
        assert_int_equal(fields, (d->n_samples + 1) * 10);
        free(out);
        out = render(export_csv_rr_write, d);
        lines = 0;
        for (char *p = out; *p; p++)
                lines += *p == '\n';
        assert_int_equal(lines, d->n_rr + 1);
        free(out);
        session_data_free(d);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_csv_samples_exact),
                cmocka_unit_test(test_csv_rr_exact),
                cmocka_unit_test(test_csv_row_per_sample),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
