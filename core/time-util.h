/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Times as runners read and write them: durations and clock times ("12:34",
 * "1:02:03") and paces ("5:20/km"), and the speeds and distances
 * around them ("11.3 km/h", "3.11 mi"). The one formatter of each, used by the
 * daemon's cues, the reports and pacectl, so that a time or a pace looks the
 * same wherever it appears; and the one parser of each, used by paced.conf,
 * the runner profile and the workout text, so that what one accepts the
 * others accept. Pure code.
 */

#include <errno.h>
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
 * The runner's other numbers, in the same unit system as format_pace(): a
 * speed "11.3 km/h" / "7.0 mph" (one decimal) and a distance "5.00 km" /
 * "3.11 mi" (two decimals). Without TIME_FORMAT_UNIT the number alone (for
 * a column whose header names the unit). Not finite: "-". Returns buf.
 */
char *format_speed(char *buf, size_t size, double kmh, bool per_mile, TimeFormatFlags flags);
char *format_distance(char *buf, size_t size, double m, bool per_mile, TimeFormatFlags flags);

typedef enum SpeedChangeKind {
        SPEED_CHANGE_KMH,     /* "0.5", "0.5km/h", "0.5 kmh", "0.2mph" (converted): km/h */
        SPEED_CHANGE_PACE,    /* "5s", "5 sec", "0:05": seconds per the runner's km or mile */
        SPEED_CHANGE_PACE_KM, /* "5s/km" */
        SPEED_CHANGE_PACE_MI, /* "5s/mi" */
        _SPEED_CHANGE_KIND_MAX,
        _SPEED_CHANGE_KIND_INVALID = -EINVAL,
} SpeedChangeKind;

/*
 * A speed change as a runner says it: a speed (km/h unless "mph"; "0.2mph"
 * is 0.3219 km/h) or a pace change in seconds (a duration as
 * parse_duration() reads it, or a clock time "0:05"), optionally "/km" or
 * "/mi". A leading '+' or '-' is the sign. The kind, with the value in
 * km/h or seconds in *ret; -EINVAL if it is neither or zero.
 */
SpeedChangeKind parse_speed_change(const char *s, double *ret);

/*
 * The speed whose pace per km (per mile with per_mile) is that of kmh plus
 * delta_s seconds (negative: faster). NAN without a pace at kmh or if the
 * pace would not stay above zero.
 */
double speed_for_pace_change(double kmh, double delta_s, bool per_mile);

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

typedef enum ParseDistanceFlags {
        PARSE_DISTANCE_BARE = 1 << 0, /* a bare number is metres ("400") */
        PARSE_DISTANCE_MILE = 1 << 1, /* the word "mile" alone is one mile */
} ParseDistanceFlags;

/*
 * A distance in metres, spelled as in workouts wherever paced reads one (a
 * workout step, paced.conf, pacectl): a number, optional spaces, then mtr,
 * km, mi or mile, any case ("400mtr", "0.4 km", "1.5mi", "1 mile"). 'm' is
 * minutes in workouts (as in intervals.icu), so "400m" is refused here with
 * -EDOM, for the caller to say "metres are 'mtr'"; -EINVAL otherwise.
 */
int parse_distance(const char *s, ParseDistanceFlags flags, double *ret_m);
