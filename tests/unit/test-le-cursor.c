/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "le-cursor.h"

static void test_pulls_are_little_endian(void **state)
{
        static const uint8_t b[] = {0x01, 0x34, 0x12, 0x56, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12};
        LeCursor c = le_cursor_init(b, sizeof(b));
        uint8_t u8;
        uint16_t u16;
        uint32_t u24, u32;

        assert_int_equal(le_cursor_pull_u8(&c, &u8), 0);
        assert_int_equal(u8, 0x01);
        assert_int_equal(le_cursor_pull_u16(&c, &u16), 0);
        assert_int_equal(u16, 0x1234);
        assert_int_equal(le_cursor_pull_u24(&c, &u24), 0);
        assert_int_equal(u24, 0x123456);
        assert_int_equal(le_cursor_pull_u32(&c, &u32), 0);
        assert_int_equal(u32, 0x12345678);
        assert_int_equal(le_cursor_remaining(&c), 0);
}

static void test_s16_sign_extends(void **state)
{
        static const uint8_t b[] = {0xC4, 0xFF, 0xFF, 0x7F, 0x00, 0x80};
        LeCursor c = le_cursor_init(b, sizeof(b));
        int16_t v;

        assert_int_equal(le_cursor_pull_s16(&c, &v), 0);
        assert_int_equal(v, -60);
        assert_int_equal(le_cursor_pull_s16(&c, &v), 0);
        assert_int_equal(v, INT16_MAX);
        assert_int_equal(le_cursor_pull_s16(&c, &v), 0);
        assert_int_equal(v, INT16_MIN);
}

static void test_short_pull_fails_and_leaves_state(void **state)
{
        static const uint8_t b[] = {0xAA, 0xBB};
        LeCursor c = le_cursor_init(b, sizeof(b));
        uint32_t u32 = 7;
        uint16_t u16 = 7;
        uint8_t out[4] = {};

        assert_int_equal(le_cursor_pull_u24(&c, &u32), -EBADMSG);
        assert_int_equal(u32, 7);
        assert_int_equal(c.off, 0);
        assert_int_equal(le_cursor_pull_u32(&c, &u32), -EBADMSG);
        assert_int_equal(le_cursor_pull_bytes(&c, out, 3), -EBADMSG);
        assert_int_equal(out[0], 0);
        assert_int_equal(le_cursor_pull_bytes(&c, NULL, 1), 0);
        assert_int_equal(le_cursor_pull_u16(&c, &u16), -EBADMSG);
        assert_int_equal(u16, 7);
        assert_int_equal(le_cursor_remaining(&c), 1);
}

static void test_null_buffer_is_empty(void **state)
{
        LeCursor c = le_cursor_init(NULL, 10);
        uint8_t u8;

        assert_int_equal(le_cursor_remaining(&c), 0);
        assert_int_equal(le_cursor_pull_u8(&c, &u8), -EBADMSG);
}

static void test_writer_round_trip(void **state)
{
        uint8_t buf[12];
        LeWriter w = le_writer_init(buf, sizeof(buf));
        LeCursor c;
        uint8_t u8;
        uint16_t u16;
        int16_t s16;
        uint32_t u24, u32;

        assert_int_equal(le_writer_put_u8(&w, 0x9E), 0);
        assert_int_equal(le_writer_put_u16(&w, 0x0473), 0);
        assert_int_equal(le_writer_put_s16(&w, -60), 0);
        assert_int_equal(le_writer_put_u24(&w, 0xABCDEF), 0);
        assert_int_equal(le_writer_put_u32(&w, 0xDEADBEEF), 0);
        assert_int_equal(w.off, 12);
        assert_int_equal(buf[1], 0x73);
        assert_int_equal(buf[2], 0x04);
        assert_int_equal(buf[3], 0xC4);
        assert_int_equal(buf[4], 0xFF);

        c = le_cursor_init(buf, w.off);
        assert_int_equal(le_cursor_pull_u8(&c, &u8), 0);
        assert_int_equal(le_cursor_pull_u16(&c, &u16), 0);
        assert_int_equal(le_cursor_pull_s16(&c, &s16), 0);
        assert_int_equal(le_cursor_pull_u24(&c, &u24), 0);
        assert_int_equal(le_cursor_pull_u32(&c, &u32), 0);
        assert_int_equal(u8, 0x9E);
        assert_int_equal(u16, 0x0473);
        assert_int_equal(s16, -60);
        assert_int_equal(u24, 0xABCDEF);
        assert_int_equal(u32, 0xDEADBEEF);
}

static void test_writer_full_buffer_is_unchanged(void **state)
{
        uint8_t buf[3] = {1, 2, 3};
        LeWriter w = le_writer_init(buf, sizeof(buf));

        assert_int_equal(le_writer_put_u16(&w, 0xFFFF), 0);
        assert_int_equal(le_writer_put_u16(&w, 0xEEEE), -ENOBUFS);
        assert_int_equal(le_writer_put_u32(&w, 0xEEEEEEEE), -ENOBUFS);
        assert_int_equal(le_writer_put_bytes(&w, "ab", 2), -ENOBUFS);
        assert_int_equal(w.off, 2);
        assert_int_equal(buf[2], 3);
        assert_int_equal(le_writer_put_u8(&w, 9), 0);
        assert_int_equal(le_writer_put_u8(&w, 9), -ENOBUFS);
        assert_int_equal(le_writer_put_u24(&w, 0x1000000), -ERANGE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pulls_are_little_endian),
                cmocka_unit_test(test_s16_sign_extends),
                cmocka_unit_test(test_short_pull_fails_and_leaves_state),
                cmocka_unit_test(test_null_buffer_is_empty),
                cmocka_unit_test(test_writer_round_trip),
                cmocka_unit_test(test_writer_full_buffer_is_unchanged),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
