/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GREEDY_REALLOC: grows ahead of the need, keeps the contents, refuses overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "alloc-util.h"

static void test_greedy_realloc(void **state)
{
        int *v = NULL;
        size_t allocated = 0, reallocs = 0;

        for (int i = 0; i < 10000; i++) {
                int *before = v;
                size_t had = allocated;

                assert_non_null(GREEDY_REALLOC(v, allocated, (size_t)i + 1));
                assert_true(allocated >= (size_t)i + 1);
                if (allocated != had || v != before)
                        reallocs++;
                v[i] = i;
        }
        for (int i = 0; i < 10000; i++)
                assert_int_equal(v[i], i);
        /* Doubling: a handful of reallocations, not one per element. */
        assert_true(reallocs <= 12);
        /* Enough room already: nothing moves. */
        int *same = v;
        assert_ptr_equal(GREEDY_REALLOC(v, allocated, 5), same);
        free(v);
}

static void test_greedy_realloc_overflow(void **state)
{
        uint64_t *v = NULL;
        size_t allocated = 0;

        assert_null(GREEDY_REALLOC(v, allocated, SIZE_MAX / 4));
        assert_null(v);
        assert_int_equal(allocated, 0);
        assert_non_null(GREEDY_REALLOC(v, allocated, 1));
        assert_true(allocated >= 1);
        assert_null(GREEDY_REALLOC(v, allocated, SIZE_MAX));
        assert_non_null(v); /* untouched on failure */
        free(v);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_greedy_realloc),
                cmocka_unit_test(test_greedy_realloc_overflow),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
