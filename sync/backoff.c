/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* strptime, timegm */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "util.h"

uint64_t backoff_delay(uint64_t min_usec, uint64_t max_usec, unsigned failures, double jitter)
{
        uint64_t d = min_usec;
        double spread;

        for (unsigned i = 1; i < failures && d < max_usec; i++)
                d = d > UINT64_MAX / 2 ? UINT64_MAX : 2 * d;
        d = MIN(d, max_usec);
        if (!(jitter >= 0 && jitter < 1))
                jitter = 0.5;
        spread = (double)d * 0.1 * (2 * jitter - 1);
        return (uint64_t)((double)d + spread);
}

int retry_after_parse(const char *value, uint64_t now_usec, uint64_t *ret)
{
        const char *p = value;
        uint64_t when;

        if (!value)
                return -EINVAL;
        while (*p == ' ' || *p == '\t')
                p++;
        if (isdigit((unsigned char)*p)) {
                char *end;
                unsigned long long s;

                errno = 0;
                s = strtoull(p, &end, 10);
                while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
                        end++;
                if (errno || *end)
                        return -EINVAL;
                when = s > RETRY_AFTER_MAX_USEC / USEC_PER_SEC ? now_usec + RETRY_AFTER_MAX_USEC
                                                               : now_usec + s * USEC_PER_SEC;
        } else {
                struct tm tm = {};
                const char *end = strptime(p, "%a, %d %b %Y %H:%M:%S GMT", &tm);
                time_t t;

                if (!end)
                        return -EINVAL;
                while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
                        end++;
                if (*end)
                        return -EINVAL;
                t = timegm(&tm);
                if (t == (time_t)-1)
                        return -EINVAL;
                when = t <= 0 ? 0 : (uint64_t)t * USEC_PER_SEC;
        }
        *ret = CLAMP(when, now_usec, now_usec + RETRY_AFTER_MAX_USEC);
        return 0;
}
