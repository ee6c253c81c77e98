/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdlib.h>

#include "json-writer.h"

/* Runs fn on a memstream writer and compares what it printed. */
static void check_output(void (*fn)(JsonWriter *w), const char *expect)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        JsonWriter w;

        assert_non_null(f);
        json_writer_init(&w, f);
        fn(&w);
        fclose(f);
        assert_string_equal(buf, expect);
        free(buf);
}

static void nested(JsonWriter *w)
{
        json_writer_begin_object(w);
        json_writer_key_number(w, "speed_kmh", 6.27);
        json_writer_key(w, "rr_ms");
        json_writer_begin_array(w);
        json_writer_number(w, 658.203125);
        json_writer_number(w, 650.390625);
        json_writer_end_array(w);
        json_writer_key(w, "empty");
        json_writer_begin_array(w);
        json_writer_end_array(w);
        json_writer_key(w, "obj");
        json_writer_begin_object(w);
        json_writer_key_bool(w, "t", true);
        json_writer_key_null(w, "n");
        json_writer_end_object(w);
        json_writer_key_int(w, "neg", -5);
        json_writer_key_uint(w, "big", UINT64_MAX);
        json_writer_key_string(w, "s", NULL);
        json_writer_end_object(w);
}

static void test_nested_commas(void **state)
{
        check_output(nested, "{\"speed_kmh\":6.27,\"rr_ms\":[658.203125,650.390625],\"empty\":[],"
                             "\"obj\":{\"t\":true,\"n\":null},\"neg\":-5,"
                             "\"big\":18446744073709551615,\"s\":null}");
}

static void escapes(JsonWriter *w)
{
        json_writer_begin_array(w);
        json_writer_string(w, "a\"b\\c\n\t\x01");
        json_writer_string(w, "caf\xc3\xa9");  /* valid UTF-8 passes */
        json_writer_string(w, "bad\xff\xc3");  /* invalid bytes become U+FFFD */
        json_writer_string(w, "\xed\xa0\x80"); /* a surrogate is invalid */
        json_writer_end_array(w);
}

static void test_string_escaping(void **state)
{
        /* U+FFFD as UTF-8 (json-c escapes only what JSON requires). */
        check_output(escapes, "[\"a\\\"b\\\\c\\n\\t\\u0001\",\"caf\xc3\xa9\","
                              "\"bad\xef\xbf\xbd\xef\xbf\xbd\","
                              "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"]");
}

static void numbers(JsonWriter *w)
{
        json_writer_begin_array(w);
        json_writer_number(w, NAN);
        json_writer_number(w, INFINITY);
        json_writer_number(w, -0.0);
        json_writer_number(w, 0.1 * 3);
        json_writer_number(w, 1e300);
        json_writer_end_array(w);
}

static void test_numbers(void **state)
{
        check_output(numbers, "[null,null,0,0.3,1e+300]");
}

static void test_stateless_helpers(void **state)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        json_write_string(f, "x\"y");
        fputc(' ', f);
        json_write_string(f, NULL);
        fputc(' ', f);
        json_write_number(f, 1.23456, 2);
        fputc(' ', f);
        json_write_number(f, NAN, 2);
        fclose(f);
        assert_string_equal(buf, "\"x\\\"y\" null 1.23 null");
        free(buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nested_commas),
                cmocka_unit_test(test_string_escaping),
                cmocka_unit_test(test_numbers),
                cmocka_unit_test(test_stateless_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
