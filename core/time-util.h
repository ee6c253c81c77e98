/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Times as runners read and write them: durations and clock times ("12:34",
 * "1:02:03") and paces ("5:20/km"). The one formatter of each, used by the
 * daemon's cues, the reports and pacectl, so that a time or a pace looks the
 * same wherever it appears; and the one parser of each, used by paced.conf,
 * the runner profile and the workout text, so that what one accepts the
 * others accept. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>

/* What stands where there is no value: an unknown time, no pace. */
#define TIME_NONE_STR "--:--"

typedef enum TimeFormatFlags {
        TIME_FORMAT_TENTHS = 1 << 0, /* durations under an hour: "1:20.4" */
        TIME_FORMAT_UNIT = 1 << 1,   /* paces: "/km" or "/mi" after the time, and the placeholder */
        TIME_FORMAT_DASH = 1 << 2,   /* no value: "-", the empty cell of a table */
} TimeFormatFlags;

/*
 * Seconds as "m:ss", from an hour on (after rounding) "h:mm:ss"; with
 * TIME_FORMAT_TENTHS "m:ss.t" under an hour. Negative or not finite: the
 * placeholder. Returns buf.
 */
char *format_duration(char *buf, size_t size, double s, TimeFormatFlags flags);

/* Below this speed there is no pace: the belt is as good as standing (> 2 h/km). */
#define PACE_MIN_KMH 0.5

/*
 * The time per km (per mile with per_mile) at kmh as "m:ss", rounded to the
 * second, the minutes never folded into hours. Below PACE_MIN_KMH or not
 * finite: the placeholder. Returns buf.
 */
char *format_pace(char *buf, size_t size, double kmh, bool per_mile, TimeFormatFlags flags);

/*
 * The unsigned decimal at the start of s ("12", "1.5", ".5"; no sign, no
 * exponent): its length, 0 if there is none.
 */
size_t scan_decimal(const char *s, double *ret);

/*
 * A clock time "[[h:]m:]s[.f]" ("5:30", "1:29:30", "330", "5:30.5") in
 * seconds: decimal digits only, every field after the first below 60, a
 * fraction on the last field only, more than zero. -EINVAL otherwise.
 */
int parse_clock_time(const char *s, double *ret_s);

/*
 * A pace "<clock time>/<distance>" ("4:00/km", "6:00/mi", "80/400m"; km, mi,
 * mile, 100m, 200m, 250m, 400m or 500m, any case) in seconds per km.
 */
int parse_pace(const char *s, double *ret_s_per_km);

typedef enum ParseDurationFlags {
        PARSE_DURATION_BARE = 1 << 0, /* a bare number is seconds ("30") */
} ParseDurationFlags;

/*
 * A duration in seconds: numbers with units, largest first, each unit once:
 * h; min, m or '; sec, s or " ("30s", "10 sec", "2min", "1.5h", "1h10m",
 * "5'30\""). A bare number after a unit counts in the next smaller one ("1m30"
 * is 90 s, "1h30" 90 min). Only the first number may have a fraction; the
 * ones after it are below 60. -EINVAL otherwise.
 */
int parse_duration(const char *s, ParseDurationFlags flags, double *ret_s);
