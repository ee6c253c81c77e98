/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DEFINE_STRING_TABLE_LOOKUP: in range, out of range either way, holes, unknown strings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "string-table.h"

typedef enum Fruit {
        FRUIT_APPLE,
        FRUIT_PEAR,
        FRUIT_UNNAMED, /* a hole in the table */
        FRUIT_PLUM,
        _FRUIT_MAX,
        _FRUIT_INVALID = -EINVAL,
} Fruit;

static const char *const fruit_table[_FRUIT_MAX] = {
        [FRUIT_APPLE] = "apple",
        [FRUIT_PEAR] = "pear",
        [FRUIT_PLUM] = "plum",
};

/* The macros define non-static functions, as in the modules that use them. */
const char *fruit_to_string(Fruit f);
Fruit fruit_from_string(const char *s);
DEFINE_STRING_TABLE_LOOKUP(fruit, Fruit);

/* A table indexed by a wire byte, as the FTMS codecs' are. */
static const char *const code_table[4] = {[1] = "one", [3] = "three"};
const char *code_to_string(uint8_t c);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(code, uint8_t);

static void test_to_string(void **state)
{
        assert_string_equal(fruit_to_string(FRUIT_APPLE), "apple");
        assert_string_equal(fruit_to_string(FRUIT_PLUM), "plum");
        assert_null(fruit_to_string(FRUIT_UNNAMED));
        assert_null(fruit_to_string(_FRUIT_MAX));
        assert_null(fruit_to_string(_FRUIT_INVALID));
        assert_null(fruit_to_string((Fruit)-1));
        assert_string_equal(code_to_string(3), "three");
        assert_null(code_to_string(0));
        assert_null(code_to_string(4));
        assert_null(code_to_string(255));
}

static void test_from_string(void **state)
{
        assert_int_equal(fruit_from_string("apple"), FRUIT_APPLE);
        assert_int_equal(fruit_from_string("plum"), FRUIT_PLUM);
        assert_int_equal(fruit_from_string("Plum"), _FRUIT_INVALID);
        assert_int_equal(fruit_from_string(""), _FRUIT_INVALID);
        assert_int_equal(fruit_from_string(NULL), _FRUIT_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_to_string),
                cmocka_unit_test(test_from_string),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
