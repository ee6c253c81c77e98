/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

char *format_speed(char *buf, size_t size, double kmh, bool per_mile, TimeFormatFlags flags)
{
        const char *unit = !(flags & TIME_FORMAT_UNIT) ? "" : per_mile ? " mph" : " km/h";

        if (!isfinite(kmh))
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%.1f%s", per_mile ? kmh / KMH_PER_MPH : kmh, unit);
        return buf;
}

char *format_distance(char *buf, size_t size, double m, bool per_mile, TimeFormatFlags flags)
{
        const char *unit = !(flags & TIME_FORMAT_UNIT) ? "" : per_mile ? " mi" : " km";

        if (!isfinite(m))
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%.2f%s", m / (per_mile ? METERS_PER_MILE : 1000.0), unit);
        return buf;
}

SpeedChangeKind parse_speed_change(const char *s, double *ret)
{
        static const struct {
                const char *unit;
                double mult;
        } speed_units[] = {
                {"", 1}, {"km/h", 1}, {"kmh", 1}, {"kph", 1}, {"mph", KMH_PER_MPH},
        };
        SpeedChangeKind kind = SPEED_CHANGE_PACE;
        double sign = 1, v;
        char buf[32];
        const char *slash, *end;
        size_t n;

        if (!s)
                return -EINVAL;
        if (*s == '+' || *s == '-')
                sign = *s++ == '-' ? -1 : 1;
        n = scan_decimal(s, &v);
        if (n == 0)
                return -EINVAL;
        end = s + n;
        while (*end == ' ')
                end++;
        for (size_t i = 0; i < ELEMENTSOF(speed_units); i++)
                if (strcasecmp(end, speed_units[i].unit) == 0) {
                        if (!(v > 0) || !isfinite(v))
                                return -EINVAL;
                        *ret = sign * v * speed_units[i].mult;
                        return SPEED_CHANGE_KMH;
                }
        /* A pace change: "5s", "0:05", "5 sec", "5s/mi". */
        slash = strchr(s, '/');
        if (slash) {
                if (strcasecmp(slash + 1, "km") == 0)
                        kind = SPEED_CHANGE_PACE_KM;
                else if (strcasecmp(slash + 1, "mi") == 0 || strcasecmp(slash + 1, "mile") == 0)
                        kind = SPEED_CHANGE_PACE_MI;
                else
                        return -EINVAL;
        }
        n = slash ? (size_t)(slash - s) : strlen(s);
        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = 0;
        if (strchr(buf, ':') ? parse_clock_time(buf, &v) < 0 : parse_duration(buf, 0, &v) < 0)
                return -EINVAL;
        if (!(v > 0) || !isfinite(v))
                return -EINVAL;
        *ret = sign * v;
        return kind;
}

double speed_for_pace_change(double kmh, double delta_s, bool per_mile)
{
        double unit = per_mile ? KMH_PER_MPH : 1.0, pace;

        if (!isfinite(kmh) || kmh < PACE_MIN_KMH || !isfinite(delta_s))
                return NAN;
        pace = 3600.0 * unit / kmh + delta_s;
        if (!(pace > 0))
                return NAN;
        return 3600.0 * unit / pace;
}

size_t scan_decimal(const char *s, double *ret)
{
        size_t i = 0;
        bool digits = false, dot = false;
        char buf[32];

        while (s[i] && (isdigit((unsigned char)s[i]) || (s[i] == '.' && !dot))) {
                if (s[i] == '.')
                        dot = true;
                else
                        digits = true;
                i++;
        }
        if (!digits || i >= sizeof(buf))
                return 0;
        memcpy(buf, s, i);
        buf[i] = 0;
        *ret = strtod(buf, NULL);
        return i;
}

int parse_clock_time(const char *s, double *ret_s)
{
        double t = 0;
        unsigned n = 0;

        if (!s || !*s)
                return -EINVAL;
        for (;;) {
                double v;
                size_t len = scan_decimal(s, &v);

                if (len == 0 || n == 3)
                        return -EINVAL;
                /* Every field after the first is a sexagesimal digit pair; only
                 * the last one may carry a fraction. */
                if (n > 0 && v >= 60)
                        return -EINVAL;
                t = t * 60 + v;
                n++;
                s += len;
                if (*s != ':')
                        break;
                if (memchr(s - len, '.', len))
                        return -EINVAL;
                s++;
        }
        if (*s || !(t > 0) || !isfinite(t))
                return -EINVAL;
        *ret_s = t;
        return 0;
}

int parse_pace(const char *s, double *ret_s_per_km)
{
        static const struct {
                const char *unit;
                double metres;
        } units[] = {
                {"km", 1000.0},  {"mi", METERS_PER_MILE}, {"mile", METERS_PER_MILE},
                {"400m", 400.0}, {"100m", 100.0},         {"200m", 200.0},
                {"500m", 500.0}, {"250m", 250.0},
        };
        const char *slash;
        char buf[32];
        double t;

        if (!s)
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash || (size_t)(slash - s) >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, slash - s);
        buf[slash - s] = 0;
        if (parse_clock_time(buf, &t) < 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcasecmp(slash + 1, units[i].unit) == 0) {
                        *ret_s_per_km = t * 1000.0 / units[i].metres;
                        return 0;
                }
        return -EINVAL;
}

int parse_duration(const char *s, ParseDurationFlags flags, double *ret_s)
{
        /* Longest spelling first: "min" before "m", "sec" before "s". */
        static const struct {
                const char *unit;
                double mult;
                int rank;
        } units[] = {
                {"h", 3600, 3}, {"min", 60, 2}, {"m", 60, 2}, {"'", 60, 2},
                {"sec", 1, 1},  {"s", 1, 1},    {"\"", 1, 1},
        };
        double total = 0;
        int last_rank = 4;
        bool first = true;

        if (!s)
                return -EINVAL;
        if (flags & PARSE_DURATION_BARE) {
                double x;
                size_t n = scan_decimal(s, &x);

                if (n > 0 && s[n] == 0) {
                        *ret_s = x;
                        return 0;
                }
        }
        while (*s) {
                double x, mult = 0;
                size_t n = scan_decimal(s, &x);
                int rank = 0;

                if (n == 0)
                        return -EINVAL;
                /* Only the leading number may have a fraction: "1.5h", not "1h1.5m". */
                if (!first && memchr(s, '.', n))
                        return -EINVAL;
                s += n;
                while (*s == ' ')
                        s++;
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (strncmp(s, units[i].unit, strlen(units[i].unit)) == 0) {
                                rank = units[i].rank;
                                mult = units[i].mult;
                                s += strlen(units[i].unit);
                                break;
                        }
                if (rank == 0) {
                        /* A bare trailing number is the next smaller unit:
                         * "1m30" = 90 s, "1h30" = 90 min. */
                        if (*s || first || last_rank <= 1)
                                return -EINVAL;
                        rank = last_rank - 1;
                        mult = rank == 2 ? 60 : 1;
                        if (x >= 60)
                                return -EINVAL;
                }
                if (rank >= last_rank)
                        return -EINVAL;
                if (!first && x >= 60)
                        return -EINVAL;
                total += x * mult;
                last_rank = rank;
                first = false;
        }
        if (first)
                return -EINVAL;
        *ret_s = total;
        return 0;
}

int parse_distance(const char *s, ParseDistanceFlags flags, double *ret_m)
{
        static const struct {
                const char *unit;
                double metres;
        } units[] = {
                {"mtr", 1.0},
                {"km", 1000.0},
                {"mi", METERS_PER_MILE},
                {"mile", METERS_PER_MILE},
                {"miles", METERS_PER_MILE},
        };
        double x;
        size_t n;

        if (!s)
                return -EINVAL;
        if ((flags & PARSE_DISTANCE_MILE) && strcasecmp(s, "mile") == 0) {
                *ret_m = METERS_PER_MILE;
                return 0;
        }
        n = scan_decimal(s, &x);
        if (n == 0 || !isfinite(x))
                return -EINVAL;
        s += n;
        while (*s == ' ')
                s++;
        if (*s == 0) {
                if (!(flags & PARSE_DISTANCE_BARE))
                        return -EINVAL;
                *ret_m = x;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcasecmp(s, units[i].unit) == 0) {
                        *ret_m = x * units[i].metres;
                        return 0;
                }
        /* "400m", "400 M": minutes to a workout, never metres. */
        if (strcasecmp(s, "m") == 0)
                return -EDOM;
        return -EINVAL;
}
