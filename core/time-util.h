/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Times as runners read and write them: durations and clock times ("12:34",
 * "1:02:03") and paces ("5:20/km"). The one formatter of each, used by the
 * daemon's cues, the reports and pacectl, so that a time or a pace looks the
 * same wherever it appears. Pure code.
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
