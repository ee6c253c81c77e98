/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* utf8.h: what every string boundary of paced relies on. */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

static void test_utf8_valid(void **state)
{
        assert_true(utf8_is_valid("plain ASCII"));
        assert_true(utf8_is_valid("Schwellenläufe 5×1 km \xf0\x9f\x8f\x83")); /* 🏃 */
        assert_true(utf8_is_valid(NULL));
        assert_false(utf8_is_valid("Caf\xe9"));            /* Latin-1 */
        assert_false(utf8_is_valid("\xe2\x82"));           /* cut short */
        assert_false(utf8_is_valid("\xc0\x80"));           /* overlong NUL */
        assert_false(utf8_is_valid("\xed\xa0\x80"));       /* a surrogate */
        assert_false(utf8_is_valid("\xf4\x90\x80\x80"));   /* beyond U+10FFFF */
        assert_false(utf8_is_valid("\x80"));               /* a lone continuation */
        assert_true(utf8_is_valid_n("ab\xe2\x82\xac", 5)); /* € */
        assert_false(utf8_is_valid_n("ab\xe2\x82\xac", 4));
}

static void test_utf8_controls(void **state)
{
        assert_true(utf8_is_printable("Läufe", false));
        assert_false(utf8_is_printable("a\x1b[2J", false));
        assert_false(utf8_is_printable("a\xc2\x9b"
                                       "2J",
                                       false)); /* C1 CSI */
        assert_false(utf8_is_printable("a\x7f", false));
        assert_false(utf8_is_printable("a\tb", false));
        assert_true(utf8_is_printable("a\tb", true));
        assert_false(utf8_is_printable("a\nb", true));
        assert_int_equal(utf8_find_bad("ok\r\n\tok", 7, true), 7);
        assert_int_equal(utf8_find_bad("ok\r\n\tok", 7, false), 2);
        assert_int_equal(utf8_find_bad("äb\x1b", 4, true), 3);
        assert_int_equal(utf8_find_bad("äb\xff", 4, true), 3);
}

static void test_utf8_sanitize(void **state)
{
        char *s = utf8_sanitize("Caf\xe9 \x1b[31mred\xc2\x9b!");

        assert_string_equal(s, "Caf\xef\xbf\xbd \xef\xbf\xbd[31mred\xef\xbf\xbd!");
        assert_true(utf8_is_printable(s, false));
        free(s);
        s = utf8_sanitize("fine: 5×1 km");
        assert_string_equal(s, "fine: 5×1 km");
        free(s);
        assert_null(utf8_sanitize(NULL));
}

static void test_utf8_replace_controls(void **state)
{
        char s[] = "Tempo\xc2\x9b"
                   "2J\xc2\x85L\xc3\xa4ufe\n\x1b"
                   "x\xff";

        utf8_replace_controls(s);
        assert_string_equal(s, "Tempo 2J Läufe  x?");
}

static void test_utf8_truncate(void **state)
{
        char a[] = "ab\xe2\x82\xac"
                   "cd";         /* "ab€cd" */
        char b[] = "ab\xe2\x82"; /* what snprintf leaves when € is cut */
        char c[] = "a\xff"
                   "bc";

        utf8_truncate(a, 4); /* € needs bytes 3..5: dropped whole */
        assert_string_equal(a, "ab");
        utf8_truncate(b, 100);
        assert_string_equal(b, "ab");
        utf8_truncate(c, 100); /* an invalid byte is not a cut character: kept */
        assert_string_equal(c, "a\xff"
                               "bc");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utf8_valid),    cmocka_unit_test(test_utf8_controls),
                cmocka_unit_test(test_utf8_sanitize), cmocka_unit_test(test_utf8_replace_controls),
                cmocka_unit_test(test_utf8_truncate),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
