/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The RR file reader: both formats, and every error with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <math.h>

#include "rr-csv.h"
#include "util.h"

static RrRecording *parse_ok(const char *text)
{
        RrRecording *r = NULL;
        RrCsvError err = {};
        int k = rr_csv_parse(text, strlen(text), &r, &err);

        if (k < 0)
                fprintf(stderr, "line %u: %s\n", err.line, err.message);
        assert_int_equal(k, 0);
        return r;
}

static void expect_error(const char *text, unsigned line, const char *substring)
{
        RrRecording *r = NULL;
        RrCsvError err = {};

        assert_int_equal(rr_csv_parse(text, strlen(text), &r, &err), -EBADMSG);
        assert_null(r);
        if (err.line != line || !strstr(err.message, substring))
                fprintf(stderr, "got line %u: %s\n", err.line, err.message);
        assert_int_equal(err.line, line);
        assert_non_null(strstr(err.message, substring));
}

static void test_plain_list(void **state)
{
        RrRecording *r = parse_ok("# exported by an app\n512\n498.5\r\n\n  501 \n1e3\n");

        assert_int_equal(r->n_rows, 4);
        assert_float_equal(r->rows[0].rr_ms, 512, 0);
        assert_float_equal(r->rows[1].rr_ms, 498.5, 0);
        assert_float_equal(r->rows[3].rr_ms, 1000, 0);
        assert_int_equal(r->rows[2].line, 5);
        assert_false(r->has_t || r->has_speed || r->has_hr);
        assert_true(isnan(r->rows[0].t_s));
        rr_recording_free(r);
}

/* Kubios and Welltory lists: several values a line, and seconds. */
static void test_plain_list_blanks_commas_seconds(void **state)
{
        RrRecording *r = parse_ok("812 815\t790\n800, 805, 810;820\n");

        assert_int_equal(r->n_rows, 7);
        assert_float_equal(r->rows[2].rr_ms, 790, 0);
        assert_float_equal(r->rows[6].rr_ms, 820, 0);
        assert_int_equal(r->rows[6].line, 2);
        rr_recording_free(r);

        r = parse_ok("0.812\n0.815\n0.79\n");
        assert_float_equal(r->rows[2].rr_ms, 790, 1e-9);
        rr_recording_free(r);
}

static void test_csv_with_optional_columns(void **state)
{
        RrRecording *r = parse_ok("t_s,RR_ms,speed_kmh,hr_bpm,note\n"
                                  "0.5,500,10.0,120,a\n"
                                  "1.0,498,10.0,,b\n"
                                  "1.5,497,,121,c\n");

        assert_int_equal(r->n_rows, 3);
        assert_true(r->has_t && r->has_speed && r->has_hr);
        assert_float_equal(r->rows[0].t_s, 0.5, 0);
        assert_float_equal(r->rows[1].rr_ms, 498, 0);
        assert_true(isnan(r->rows[1].hr_bpm));
        assert_true(isnan(r->rows[2].speed_kmh));
        assert_float_equal(r->rows[2].hr_bpm, 121, 0);
        rr_recording_free(r);
}

static void test_semicolon_and_tab(void **state)
{
        RrRecording *r = parse_ok("rr_ms;speed_kmh\n500;12\n501;12.5\n");

        assert_int_equal(r->n_rows, 2);
        assert_float_equal(r->rows[1].speed_kmh, 12.5, 0);
        rr_recording_free(r);
        r = parse_ok("hr_bpm\trr_ms\n120\t500\n");
        assert_float_equal(r->rows[0].rr_ms, 500, 0);
        assert_float_equal(r->rows[0].hr_bpm, 120, 0);
        rr_recording_free(r);
}

static void test_errors_have_lines(void **state)
{
        expect_error("", 0, "no RR intervals");
        expect_error("# only a comment\n\n", 2, "no RR intervals");
        expect_error("500\n501\nabc\n", 3, "not a number");
        expect_error("500\n-3\n", 2, "out of range");
        expect_error("500\n0\n", 2, "out of range");
        expect_error("500\n70000\n", 2, "out of range");
        expect_error("500\nnan\n", 2, "not a number");
        expect_error("500\ninf\n", 2, "not a number");
        expect_error("500\n0x1f4\n", 2, "not a number");
        expect_error("500\n12,5\n", 2, "decimal comma");
        expect_error("t_s,speed_kmh\n1,2\n", 1, "no 'rr_ms' column");
        expect_error("rr_ms,rr_ms\n1,2\n", 1, "duplicate column");
        expect_error("rr_ms,t_s\n500,1\n500\n", 3, "expected 2 fields, got 1");
        expect_error("rr_ms,t_s\n500,1\n500,2,3\n", 3, "expected 2 fields, got 3");
        expect_error("rr_ms,t_s\n500,2\n500,1\n", 3, "goes backwards");
        expect_error("rr_ms,speed_kmh\n500,-1\n", 2, "speed_kmh -1 out of range");
        expect_error("rr_ms,hr_bpm\n500,400\n", 2, "hr_bpm 400 out of range");
        expect_error("rr_ms,hr_bpm\n,120\n", 2, "empty rr_ms");
        {
                RrRecording *r = NULL;
                RrCsvError err = {};

                assert_int_equal(rr_csv_parse("500\n\0\n", 6, &r, &err), -EBADMSG);
                assert_non_null(strstr(err.message, "NUL"));
        }
}

static void test_read_from_file(void **state)
{
        char text[] = "rr_ms\n400\n410\n";
        FILE *f = fmemopen(text, strlen(text), "r");
        RrRecording *r = NULL;

        assert_non_null(f);
        assert_int_equal(rr_csv_read(f, &r, NULL), 0);
        fclose(f);
        assert_int_equal(r->n_rows, 2);
        assert_null(rr_recording_free(r));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain_list),
                cmocka_unit_test(test_plain_list_blanks_commas_seconds),
                cmocka_unit_test(test_csv_with_optional_columns),
                cmocka_unit_test(test_semicolon_and_tab),
                cmocka_unit_test(test_errors_have_lines),
                cmocka_unit_test(test_read_from_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
