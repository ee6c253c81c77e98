/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bounds-checked little-endian cursor (Core Vol 3 Part G 3.3.3: multi-octet
 * values are sent least significant octet first). Every pull checks the
 * remaining length before touching the buffer and leaves cursor and output
 * untouched on failure.
 */
#include <string.h>

#include "le-cursor.h"

static int pull_le(LeCursor *c, size_t n, uint32_t *ret)
{
        uint32_t v = 0;

        if (le_cursor_remaining(c) < n)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++)
                v |= (uint32_t)c->data[c->off + i] << (8 * i);
        c->off += n;
        *ret = v;
        return 0;
}

int le_cursor_pull_u8(LeCursor *c, uint8_t *ret)
{
        uint32_t v;
        int r = pull_le(c, 1, &v);

        if (r < 0)
                return r;
        *ret = (uint8_t)v;
        return 0;
}

int le_cursor_pull_u16(LeCursor *c, uint16_t *ret)
{
        uint32_t v;
        int r = pull_le(c, 2, &v);

        if (r < 0)
                return r;
        *ret = (uint16_t)v;
        return 0;
}

int le_cursor_pull_s16(LeCursor *c, int16_t *ret)
{
        uint32_t v;
        int r = pull_le(c, 2, &v);

        if (r < 0)
                return r;
        /* Two's complement without relying on implementation-defined conversion. */
        *ret = v >= 0x8000 ? (int16_t)((int32_t)v - 0x10000) : (int16_t)v;
        return 0;
}

int le_cursor_pull_u24(LeCursor *c, uint32_t *ret)
{
        return pull_le(c, 3, ret);
}

int le_cursor_pull_u32(LeCursor *c, uint32_t *ret)
{
        return pull_le(c, 4, ret);
}

int le_cursor_pull_bytes(LeCursor *c, void *ret, size_t n)
{
        if (le_cursor_remaining(c) < n)
                return -EBADMSG;
        if (ret && n > 0)
                memcpy(ret, c->data + c->off, n);
        c->off += n;
        return 0;
}

static int put_le(LeWriter *w, size_t n, uint32_t v)
{
        if (!w->data || w->size - w->off < n || w->off > w->size)
                return -ENOBUFS;
        for (size_t i = 0; i < n; i++)
                w->data[w->off + i] = (uint8_t)(v >> (8 * i));
        w->off += n;
        return 0;
}

int le_writer_put_u8(LeWriter *w, uint8_t v)
{
        return put_le(w, 1, v);
}

int le_writer_put_u16(LeWriter *w, uint16_t v)
{
        return put_le(w, 2, v);
}

int le_writer_put_s16(LeWriter *w, int16_t v)
{
        return put_le(w, 2, (uint16_t)v);
}

int le_writer_put_u24(LeWriter *w, uint32_t v)
{
        if (v > 0xFFFFFF)
                return -ERANGE;
        return put_le(w, 3, v);
}

int le_writer_put_u32(LeWriter *w, uint32_t v)
{
        return put_le(w, 4, v);
}

int le_writer_put_bytes(LeWriter *w, const void *p, size_t n)
{
        if (n == 0)
                return 0;
        if (!w->data || w->off > w->size || w->size - w->off < n)
                return -ENOBUFS;
        memcpy(w->data + w->off, p, n);
        w->off += n;
        return 0;
}
