/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "log.h"

static void test_errno_return_is_negative(void **state)
{
        log_set_target(LOG_TARGET_CONSOLE);
        assert_int_equal(log_error_errno(EIO, "failed: %m"), -EIO);
        assert_int_equal(log_error_errno(-EIO, "failed: %m"), -EIO);
        /* Suppressed by the level, still returns the error. */
        log_set_max_level(LOG_ERR);
        assert_int_equal(log_debug_errno(-ENOENT, "quiet"), -ENOENT);
        log_set_max_level(LOG_INFO);
}

static void test_errno_preserved(void **state)
{
        errno = EAGAIN;
        log_set_target(LOG_TARGET_CONSOLE);
        (void)log_warning_errno(EPERM, "denied: %m");
        assert_int_equal(errno, EAGAIN);
}

static void test_level_from_string(void **state)
{
        assert_int_equal(log_level_from_string("debug"), LOG_DEBUG);
        assert_int_equal(log_level_from_string("err"), LOG_ERR);
        assert_int_equal(log_level_from_string("error"), LOG_ERR);
        assert_int_equal(log_level_from_string("6"), LOG_INFO);
        assert_int_equal(log_level_from_string("loud"), -EINVAL);
        assert_string_equal(log_level_to_string(LOG_WARNING), "warning");
}

static void test_max_level_clamped(void **state)
{
        log_set_max_level(99);
        assert_int_equal(log_get_max_level(), LOG_DEBUG);
        log_set_max_level(-3);
        assert_int_equal(log_get_max_level(), LOG_EMERG);
        log_set_max_level(LOG_INFO);
}

static void test_context_fields(void **state)
{
        char key[16];

        log_context_clear();
        assert_int_equal(log_context_set("SESSION_ID", "42"), 0);
        assert_int_equal(log_context_set("SESSION_ID", "43"), 0); /* replaces, no new slot */
        assert_int_equal(log_context_set("session", "x"), -EINVAL);
        assert_int_equal(log_context_set("_PID", "x"), -EINVAL);
        assert_int_equal(log_context_set("STEP", NULL), 0);
        for (int i = 0; i < 7; i++) {
                snprintf(key, sizeof(key), "K%d", i);
                assert_int_equal(log_context_set(key, "v"), 0);
        }
        assert_int_equal(log_context_set("FULL", "v"), -E2BIG);
        assert_int_equal(log_context_set("K0", NULL), 0);
        assert_int_equal(log_context_set("FULL", "v"), 0);
        log_context_clear();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_errno_return_is_negative),
                cmocka_unit_test(test_errno_preserved),
                cmocka_unit_test(test_level_from_string),
                cmocka_unit_test(test_max_level_clamped),
                cmocka_unit_test(test_context_fields),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
