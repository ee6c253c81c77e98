/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "json-util.h"

static int parse(const char *s)
{
        _cleanup_json_ json_object *o = NULL;

        return json_parse(s, strlen(s), &o);
}

static void test_parse_strict(void **state)
{
        assert_int_equal(parse("{\"a\":1}"), 0);
        assert_int_equal(parse(" [1, 2.5, \"x\", null, true] \n"), 0);
        assert_int_equal(parse("42"), 0);
        /* Truncated, trailing garbage, sloppy syntax, bad UTF-8, empty. */
        assert_int_equal(parse("{\"a\":1"), -EBADMSG);
        assert_int_equal(parse("{\"a\":1} x"), -EBADMSG);
        assert_int_equal(parse("{\"a\":1}{}"), -EBADMSG);
        assert_int_equal(parse("[1,]"), -EBADMSG);
        assert_int_equal(parse("{\"a\" 1}"), -EBADMSG);
        assert_int_equal(parse("['a']"), -EBADMSG);
        assert_int_equal(parse("\"\xff\""), -EBADMSG);
        assert_int_equal(parse(""), -EBADMSG);
        assert_int_equal(parse("nul"), -EBADMSG);
}

static int parse_nested(size_t depth)
{
        char buf[256];

        assert_true(2 * depth < sizeof(buf));
        memset(buf, '[', depth);
        memset(buf + depth, ']', depth);
        buf[2 * depth] = '\0';
        return parse(buf);
}

static void test_depth_limit(void **state)
{
        assert_int_equal(parse_nested(JSON_PARSE_MAX_DEPTH - 1), 0);
        assert_int_equal(parse_nested(JSON_PARSE_MAX_DEPTH + 1), -EBADMSG);
        assert_int_equal(parse_nested(100), -EBADMSG);
}

static void test_getters_check_types(void **state)
{
        _cleanup_json_ json_object *o = NULL;
        json_object *sub = NULL;
        const char *s = NULL;
        double d = 0;
        int64_t i = 0;
        bool b = false;
        const char *text = "{\"n\":12,\"f\":2.5,\"s\":\"12\",\"z\":\"a\\u0000b\",\"t\":true,"
                           "\"nul\":null,\"big\":1e999,\"huge\":99999999999999999999,"
                           "\"whole\":3.0}";

        assert_int_equal(json_parse(text, strlen(text), &o), 0);
        assert_int_equal(json_get_int64(o, "n", 0, 100, &i), 0);
        assert_int_equal(i, 12);
        assert_int_equal(json_get_int64(o, "n", 0, 10, &i), -EBADMSG);
        assert_int_equal(json_get_int64(o, "s", 0, 100, &i), -EBADMSG); /* no "12" -> 12 */
        assert_int_equal(json_get_int64(o, "f", 0, 100, &i), -EBADMSG);
        assert_int_equal(json_get_int64(o, "whole", 0, 100, &i), 0);
        assert_int_equal(i, 3);
        assert_int_equal(json_get_int64(o, "huge", INT64_MIN, INT64_MAX, &i), -EBADMSG);
        assert_int_equal(json_get_double(o, "f", &d), 0);
        assert_true(d == 2.5);
        assert_int_equal(json_get_double(o, "n", &d), 0);
        assert_int_equal(json_get_double(o, "big", &d), -EBADMSG);
        assert_int_equal(json_get_string(o, "s", &s), 0);
        assert_string_equal(s, "12");
        assert_int_equal(json_get_string(o, "z", &s), -EBADMSG);
        assert_int_equal(json_get_string(o, "n", &s), -EBADMSG);
        assert_int_equal(json_get_bool(o, "t", &b), 0);
        assert_true(b);
        assert_int_equal(json_get_string(o, "nul", &s), -ENOENT);
        assert_int_equal(json_get_string(o, "missing", &s), -ENOENT);
        assert_int_equal(json_get_object(o, "n", &sub), -EBADMSG);
        assert_int_equal(json_get_array(o, "t", &sub), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_strict),
                cmocka_unit_test(test_depth_limit),
                cmocka_unit_test(test_getters_check_types),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
