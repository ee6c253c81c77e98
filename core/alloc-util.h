/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Growing an array one element (or a few) at a time, written once (after
 * systemd's GREEDY_REALLOC): GREEDY_REALLOC(array, allocated, need) makes
 * room for need elements in array, which has room for allocated, growing to
 * twice the need so that appending costs amortized O(1). It returns the
 * (possibly moved) array, or NULL with array and allocated untouched when
 * memory is short or need * size would overflow.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

static inline void *greedy_realloc(void **p, size_t *allocated, size_t need, size_t size)
{
        size_t a;
        void *q;

        if (need <= *allocated && *p)
                return *p;
        if (size == 0 || need > SIZE_MAX / 2 / size)
                return NULL;
        a = MAX(need * 2, (size_t)16);
        q = realloc(*p, a * size);
        if (!q)
                return NULL;
        *p = q;
        *allocated = a;
        return q;
}

#define GREEDY_REALLOC(array, allocated, need)                                                     \
        greedy_realloc((void **)&(array), &(allocated), (need), sizeof((array)[0]))
