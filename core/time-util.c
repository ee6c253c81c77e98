/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>

#include "time-util.h"
#include "util.h"

static char *format_none(char *buf, size_t size, const char *unit, TimeFormatFlags flags)
{
        if (flags & TIME_FORMAT_DASH)
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%s%s", TIME_NONE_STR, unit);
        return buf;
}

char *format_duration(char *buf, size_t size, double s, TimeFormatFlags flags)
{
        long long t;

        if (!isfinite(s) || s < 0)
                return format_none(buf, size, "", flags);
        if (flags & TIME_FORMAT_TENTHS) {
                t = llround(s * 10);
                if (t < 3600 * 10) {
                        snprintf(buf, size, "%lld:%02lld.%lld", t / 600, t / 10 % 60, t % 10);
                        return buf;
                }
        }
        t = llround(s);
        if (t >= 3600)
                snprintf(buf, size, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
        else
                snprintf(buf, size, "%lld:%02lld", t / 60, t % 60);
        return buf;
}

char *format_pace(char *buf, size_t size, double kmh, bool per_mile, TimeFormatFlags flags)
{
        const char *unit = !(flags & TIME_FORMAT_UNIT) ? "" : per_mile ? "/mi" : "/km";
        long long t;

        if (!isfinite(kmh) || kmh < PACE_MIN_KMH)
                return format_none(buf, size, unit, flags);
        t = llround(3600.0 / kmh * (per_mile ? KMH_PER_MPH : 1.0));
        snprintf(buf, size, "%lld:%02lld%s", t / 60, t % 60, unit);
        return buf;
}
