/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One bounds-checked little-endian cursor for every BLE payload (Bluetooth
 * Core Vol 3 Part G 3.3.3: multi-octet fields are sent least significant octet
 * first). Every pull checks the remaining length first and never reads past
 * the end; a failed pull leaves the cursor and *ret untouched and returns
 * -EBADMSG. The writer side is the mirror image for the encoders.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

typedef struct LeCursor {
        const uint8_t *data;
        size_t len;
        size_t off;
} LeCursor;

static inline LeCursor le_cursor_init(const void *data, size_t len)
{
        return (LeCursor){ .data = data, .len = data ? len : 0, .off = 0 };
}

static inline size_t le_cursor_remaining(const LeCursor *c)
{
        return c->len - c->off;
}

int le_cursor_pull_u8(LeCursor *c, uint8_t *ret);
int le_cursor_pull_u16(LeCursor *c, uint16_t *ret);
int le_cursor_pull_s16(LeCursor *c, int16_t *ret);
int le_cursor_pull_u24(LeCursor *c, uint32_t *ret);
int le_cursor_pull_u32(LeCursor *c, uint32_t *ret);
/* Copies n bytes out (or skips them when ret is NULL). */
int le_cursor_pull_bytes(LeCursor *c, void *ret, size_t n);

typedef struct LeWriter {
        uint8_t *data;
        size_t size;
        size_t off;
} LeWriter;

static inline LeWriter le_writer_init(void *data, size_t size)
{
        return (LeWriter){ .data = data, .size = size, .off = 0 };
}

/* Each returns -ENOBUFS when the buffer is too small, leaving it unchanged. */
int le_writer_put_u8(LeWriter *w, uint8_t v);
int le_writer_put_u16(LeWriter *w, uint16_t v);
int le_writer_put_s16(LeWriter *w, int16_t v);
int le_writer_put_u24(LeWriter *w, uint32_t v);
int le_writer_put_u32(LeWriter *w, uint32_t v);
int le_writer_put_bytes(LeWriter *w, const void *p, size_t n);
