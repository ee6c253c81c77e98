/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml_put_escaped(): the one escaper the TCX export and the SVG report share. */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "xml-escape.h"

static char *escape(const char *s, XmlEscapeFlags flags)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        xml_put_escaped(f, s, flags);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void test_xml_escape_markup_characters(void **state)
{
        char *s = escape("<5k> & \"more\" it's", 0);

        /* The apostrophe needs no escaping: we never quote attributes with it. */
        assert_string_equal(s, "&lt;5k&gt; &amp; &quot;more&quot; it's");
        free(s);
}

static void test_xml_escape_drops_control_characters(void **state)
{
        char *s = escape("a\x01\tb\nc\x1f", 0);

        assert_string_equal(s, "abc");
        free(s);
        s = escape("a\x01\tb\nc\x1f", XML_ESCAPE_KEEP_WHITESPACE);
        assert_string_equal(s, "a\tb\nc");
        free(s);
}

static void test_xml_escape_keeps_utf8_and_null(void **state)
{
        char *s = escape("Schwellenläufe 5×1 km", 0);

        assert_string_equal(s, "Schwellenläufe 5×1 km");
        free(s);
        s = escape(NULL, 0);
        assert_string_equal(s, "");
        free(s);
}

/* Whatever the store holds, the document stays well-formed: invalid UTF-8
 * (Latin-1, a cut sequence, an overlong NUL) and C1 controls never get through. */
static void test_xml_escape_invalid_utf8(void **state)
{
        char *s = escape("Caf\xe9 \xe2\x82 x\xc0\x80y \xc2\x9b"
                         "2J \xef\xbf\xbe.",
                         0);

        assert_string_equal(s,
                            "Caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd x\xef\xbf\xbd\xef\xbf\xbdy "
                            "2J \xef\xbf\xbd.");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_xml_escape_markup_characters),
                cmocka_unit_test(test_xml_escape_invalid_utf8),
                cmocka_unit_test(test_xml_escape_drops_control_characters),
                cmocka_unit_test(test_xml_escape_keeps_utf8_and_null),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
