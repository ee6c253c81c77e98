/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Small helpers shared by every module: cleanup attributes in the style of
 * systemd's macro.h, so that error paths need no goto ladders.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(x) __attribute__((__cleanup__(x)))
#define _unused_     __attribute__((__unused__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _pure_       __attribute__((__pure__))
#define _const_      __attribute__((__const__))
#define _likely_(x)   (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hands ownership of a pointer over: returns it and leaves NULL behind. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _ptr_ = (p);                                                         \
                (p) = NULL;                                                                        \
                _ptr_;                                                                             \
        })

/* Same for file descriptors. */
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd_ = (fd);                                                                   \
                (fd) = -EBADF;                                                                     \
                _fd_;                                                                              \
        })

#define MIN(a, b)                                                                                  \
        ({                                                                                         \
                __typeof__(a) _a_ = (a);                                                           \
                __typeof__(b) _b_ = (b);                                                           \
                _a_ < _b_ ? _a_ : _b_;                                                             \
        })
#define MAX(a, b)                                                                                  \
        ({                                                                                         \
                __typeof__(a) _a_ = (a);                                                           \
                __typeof__(b) _b_ = (b);                                                           \
                _a_ > _b_ ? _a_ : _b_;                                                             \
        })
#define CLAMP(x, lo, hi)                                                                           \
        ({                                                                                         \
                __typeof__(x) _x_ = (x);                                                           \
                __typeof__(lo) _lo_ = (lo);                                                        \
                __typeof__(hi) _hi_ = (hi);                                                        \
                _x_ < _lo_ ? _lo_ : (_x_ > _hi_ ? _hi_ : _x_);                                     \
        })

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Defines type##_freep() for a NULL-safe destructor returning NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
        static inline void func##p(type *p)                                                        \
        {                                                                                          \
                if (*p)                                                                            \
                        *p = func(*p);                                                             \
        }

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)
#define MSEC_PER_SEC  UINT64_C(1000)
#define USEC_INFINITY UINT64_MAX

/* A mile, exactly, as the international yard defines it. */
#define METERS_PER_MILE 1609.344
#define KMH_PER_MPH     1.609344
