/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What paced-web reads from a request: routes, control bodies, tokens, Origin. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "utf8.h"
#include "web-request.h"

static void test_routes(void **state)
{
        WebRoute r;

        assert_int_equal(web_route_parse("GET", "/", &r), 0);
        assert_int_equal(r.kind, WEB_ROUTE_INDEX);
        assert_int_equal(web_route_parse("HEAD", "/api/status", &r), 0);
        assert_int_equal(web_route_parse("GET", "/static/app.js", &r), 0);
        assert_string_equal(r.name, "app.js");
        assert_int_equal(web_route_parse("POST", "/api/control/faster", &r), 0);
        assert_int_equal(r.action, WEB_ACTION_FASTER);
        assert_int_equal(web_route_parse("GET", "/api/sessions/42/export.tcx", &r), 0);
        assert_int_equal(r.kind, WEB_ROUTE_EXPORT);
        assert_int_equal(r.session_id, 42);
        assert_int_equal(r.format, WEB_EXPORT_TCX);
        assert_int_equal(web_route_parse("GET", "/api/sessions/7/report.svg", &r), 0);
        assert_int_equal(r.kind, WEB_ROUTE_REPORT);

        /* Wrong method: 405, not 404. */
        assert_int_equal(web_route_parse("GET", "/api/control/pause", &r), -EBADRQC);
        assert_int_equal(web_route_parse("POST", "/api/status", &r), -EBADRQC);
        assert_int_equal(web_route_parse("DELETE", "/", &r), -EBADRQC);
        /* Unknown. */
        assert_int_equal(web_route_parse("GET", "/api/control", &r), -ENOENT);
        assert_int_equal(web_route_parse("POST", "/api/control/reboot", &r), -ENOENT);
        assert_int_equal(web_route_parse("GET", "/api/sessions/1/export.exe", &r), -ENOENT);
        assert_int_equal(web_route_parse("GET", "/api/sessions/1/", &r), -ENOENT);
}

/* Every path that could leave the static directory is refused. */
static void test_traversal(void **state)
{
        static const char *const bad[] = {
                "/static/../../etc/passwd",
                "/static/..",
                "/static/.hidden",
                "/static/a/b",
                "/static/a..b",
                "/static/",
                "/static/APP.JS",
                "/static/a\\b",
                "/static/%2e%2e",
                "/api/sessions/0",
                "/api/sessions/-1",
                "/api/sessions/01",
                "/api/sessions/99999999999999999999",
                "/api/sessions/1x",
        };
        WebRoute r;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int k = web_route_parse("GET", bad[i], &r);

                if (k != -EINVAL && k != -ENOENT)
                        fail_msg("%s parsed as a route (%d)", bad[i], k);
        }
}

static void test_control_bodies(void **state)
{
        WebControlArgs a;
        char err[256];

        assert_int_equal(web_control_args_parse(WEB_ACTION_EXTEND, "", 0, &a, err, sizeof(err)), 0);
        assert_int_equal(a.seconds, 30);
        assert_int_equal(web_control_args_parse(WEB_ACTION_SLOWER, NULL, 0, &a, err, sizeof(err)),
                         0);
        assert_true(a.delta_kmh == -0.5);
#define OK(act, body)                                                                              \
        assert_int_equal(web_control_args_parse(act, body, strlen(body), &a, err, sizeof(err)), 0)
#define BAD(act, body)                                                                             \
        assert_int_equal(web_control_args_parse(act, body, strlen(body), &a, err, sizeof(err)),    \
                         -EINVAL)
        OK(WEB_ACTION_START, "{\"workout\":\"easy-run\",\"arm\":true}");
        assert_string_equal(a.workout, "easy-run");
        assert_true(a.arm);
        OK(WEB_ACTION_FASTER, " {\"kmh\": 1} ");
        assert_true(a.delta_kmh == 1);
        OK(WEB_ACTION_EXTEND, "{\"seconds\":3600}");
        BAD(WEB_ACTION_EXTEND, "{\"seconds\":3601}");
        BAD(WEB_ACTION_EXTEND, "{\"seconds\":0}");
        BAD(WEB_ACTION_EXTEND, "{\"seconds\":1.5}");
        BAD(WEB_ACTION_EXTEND, "{\"seconds\":\"30\"}");
        BAD(WEB_ACTION_FASTER, "{\"kmh\":5.01}");
        BAD(WEB_ACTION_FASTER, "{\"kmh\":-1}");
        BAD(WEB_ACTION_FASTER, "{\"kmh\":NaN}");
        BAD(WEB_ACTION_PAUSE, "{\"seconds\":30}"); /* a key the action does not take */
        BAD(WEB_ACTION_START, "{\"workout\":1}");
        BAD(WEB_ACTION_START, "{\"workout\":\"x\"} trailing");
        BAD(WEB_ACTION_START, "[]");
        BAD(WEB_ACTION_START, "{");
        BAD(WEB_ACTION_START, "{\"a\":[[[[[[1]]]]]]}");
        assert_int_equal(
                web_control_args_parse(WEB_ACTION_START, "{\"a\":1}\0x", 9, &a, err, sizeof(err)),
                -EINVAL);
        assert_non_null(strstr(err, "not JSON"));
        {
                char big[WEB_BODY_MAX + 2];

                memset(big, ' ', sizeof(big));
                assert_int_equal(web_control_args_parse(WEB_ACTION_START, big, sizeof(big), &a, err,
                                                        sizeof(err)),
                                 -EMSGSIZE);
        }
}

static void test_tokens_and_origin(void **state)
{
        char buf[128];

        assert_string_equal(web_token_from_authorization("Bearer abc.def"), "abc.def");
        assert_string_equal(web_token_from_authorization("bearer   abc"), "abc");
        assert_null(web_token_from_authorization("Basic abc"));
        assert_null(web_token_from_authorization("Bearer "));
        assert_null(web_token_from_authorization(NULL));
        assert_true(web_token_from_cookie("a=1; paced_token=xyz; b=2", buf, sizeof(buf)));
        assert_string_equal(buf, "xyz");
        assert_false(web_token_from_cookie("xpaced_token=1", buf, sizeof(buf)));
        assert_false(web_token_from_cookie("paced_token=", buf, sizeof(buf)));
        assert_false(web_token_from_cookie(NULL, buf, sizeof(buf)));

        assert_true(web_origin_is_same("http://pi.local:8080", "pi.local:8080", false));
        assert_true(web_origin_is_same("https://PI.local", "pi.local", true));
        assert_false(web_origin_is_same("http://pi.local:8080", "pi.local:8080", true));
        assert_false(web_origin_is_same("http://evil.example", "pi.local:8080", false));
        assert_false(
                web_origin_is_same("http://pi.local:8080.evil.example", "pi.local:8080", false));
        assert_false(web_origin_is_same("null", "pi.local", false));
        assert_false(web_origin_is_same(NULL, "pi.local", false));
        assert_false(web_origin_is_same("http://", "", false));

        web_json_escape("a\"b\\c\n\x01", buf, sizeof(buf));
        assert_string_equal(buf, "a\\\"b\\\\c\\u000a\\u0001");
        web_json_escape("\"\"\"\"", buf, 5);
        assert_string_equal(buf, "\\\"\\\"");
}

/* What a response carries is UTF-8 whatever it quotes: a request that is not
 * UTF-8 is refused without echoing it; the escape never halves a character
 * and turns a stray byte into U+FFFD, a C1 control into \u00XX. */
static void test_utf8(void **state)
{
        WebControlArgs a;
        char err[256], buf[64];

        const char *bad_key = "{\"\xff\xfe\":1}", *bad_value = "{\"workout\":\"Caf\xe9\"}",
                   *key = "{\"L\xc3\xa4ufe\":1}";

        assert_int_equal(web_control_args_parse(WEB_ACTION_START, bad_key, strlen(bad_key), &a, err,
                                                sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "Malformed JSON"));
        assert_true(utf8_is_valid(err));
        assert_null(strchr(err, '\xff'));
        assert_int_equal(web_control_args_parse(WEB_ACTION_START, bad_value, strlen(bad_value), &a,
                                                err, sizeof(err)),
                         -EINVAL);
        assert_true(utf8_is_valid(err));
        /* A key that is UTF-8 is still quoted back, as text. */
        assert_int_equal(
                web_control_args_parse(WEB_ACTION_START, key, strlen(key), &a, err, sizeof(err)),
                -EINVAL);
        assert_non_null(strstr(err, "L\xc3\xa4ufe"));

        web_json_escape("Caf\xe9 \xc2\x9b"
                        "2J",
                        buf, sizeof(buf));
        assert_string_equal(buf, "Caf\\ufffd \\u009b2J");
        /* "äää" into 6 bytes: two whole characters, never one and a half. */
        web_json_escape("\xc3\xa4\xc3\xa4\xc3\xa4", buf, 6);
        assert_string_equal(buf, "\xc3\xa4\xc3\xa4");
        web_json_escape("\xf0\x9f\x8f\x83", buf, 4);
        assert_string_equal(buf, "");
        web_json_escape("\xe2\x82", buf, sizeof(buf)); /* cut short at the end */
        assert_string_equal(buf, "\\ufffd\\ufffd");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_routes),         cmocka_unit_test(test_traversal),
                cmocka_unit_test(test_control_bodies), cmocka_unit_test(test_tokens_and_origin),
                cmocka_unit_test(test_utf8),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
