/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile.h"
#include "string-table.h"
#include "suggest.h"
#include "time-util.h"
#include "util.h"

static const char *const pace_ref_table[_PACE_REF_MAX] = {
        [PACE_REF_MILE] = "mile",         [PACE_REF_5K] = "5k",
        [PACE_REF_10K] = "10k",           [PACE_REF_HALF] = "half",
        [PACE_REF_MARATHON] = "marathon", [PACE_REF_THRESHOLD] = "threshold",
        [PACE_REF_EASY] = "easy",         [PACE_REF_GOAL] = "goal",
};

static const char *const pace_ref_label_table[_PACE_REF_MAX] = {
        [PACE_REF_MILE] = "Mile",         [PACE_REF_5K] = "5K",
        [PACE_REF_10K] = "10K",           [PACE_REF_HALF] = "Half marathon",
        [PACE_REF_MARATHON] = "Marathon", [PACE_REF_THRESHOLD] = "Threshold",
        [PACE_REF_EASY] = "Easy",         [PACE_REF_GOAL] = "Goal mile",
};

static const char *const ref_source_table[_REF_SOURCE_MAX] = {
        [REF_SOURCE_UNSET] = "unset",
        [REF_SOURCE_CONFIG] = "configured",
        [REF_SOURCE_RIEGEL] = "riegel",
        [REF_SOURCE_DEFAULT] = "default",
};

static const char *const profile_units_table[_PROFILE_UNITS_MAX] = {
        [PROFILE_UNITS_KM] = "km",
        [PROFILE_UNITS_MI] = "mi",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(pace_ref, PaceRef);

const char *pace_ref_to_label(PaceRef r)
{
        return r >= 0 && r < _PACE_REF_MAX ? pace_ref_label_table[r] : NULL;
}

PaceRef pace_ref_from_string(const char *s)
{
        if (!s)
                return _PACE_REF_INVALID;
        for (PaceRef r = 0; r < _PACE_REF_MAX; r++)
                if (strcasecmp(s, pace_ref_table[r]) == 0)
                        return r;
        if (strcasecmp(s, "1mile") == 0 || strcasecmp(s, "1mi") == 0)
                return PACE_REF_MILE;
        if (strcasecmp(s, "halfmarathon") == 0 || strcasecmp(s, "hm") == 0)
                return PACE_REF_HALF;
        return _PACE_REF_INVALID;
}

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(ref_source, RefSource);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(profile_units, ProfileUnits);

ProfileUnits profile_units_from_string(const char *s)
{
        if (!s)
                return _PROFILE_UNITS_INVALID;
        if (strcasecmp(s, "km") == 0 || strcasecmp(s, "metric") == 0)
                return PROFILE_UNITS_KM;
        if (strcasecmp(s, "mi") == 0 || strcasecmp(s, "mile") == 0 || strcasecmp(s, "miles") == 0 ||
            strcasecmp(s, "imperial") == 0)
                return PROFILE_UNITS_MI;
        return _PROFILE_UNITS_INVALID;
}

double race_distance_m(PaceRef r)
{
        switch (r) {
        case PACE_REF_MILE:
        case PACE_REF_GOAL:
                return RACE_DISTANCE_MILE;
        case PACE_REF_5K:
                return RACE_DISTANCE_5K;
        case PACE_REF_10K:
                return RACE_DISTANCE_10K;
        case PACE_REF_HALF:
                return RACE_DISTANCE_HALF;
        case PACE_REF_MARATHON:
                return RACE_DISTANCE_MARATHON;
        case PACE_REF_THRESHOLD:
        case PACE_REF_EASY:
        case _PACE_REF_MAX:
        case _PACE_REF_INVALID:
                break;
        }
        return 0;
}

void runner_profile_init(RunnerProfile *p)
{
        *p = (RunnerProfile){.units = PROFILE_UNITS_KM, .zwift_pace = PACE_REF_MILE};
        for (PaceRef r = 0; r < _PACE_REF_MAX; r++)
                p->derived_from[r] = _PACE_REF_INVALID;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *ret)
{
        char *end;
        unsigned long x;

        if (!v || !isdigit((unsigned char)*v))
                return -EINVAL;
        errno = 0;
        x = strtoul(v, &end, 10);
        if (errno || *end || x < lo || x > hi)
                return -EINVAL;
        *ret = (unsigned)x;
        return 0;
}

/* A race reference: a finishing time, or a pace if it has a unit. */
static int parse_race(const char *v, PaceRef r, double *ret_pace)
{
        double t;

        if (strchr(v, '/'))
                return parse_pace(v, ret_pace);
        if (parse_clock_time(v, &t) < 0)
                return -EINVAL;
        *ret_pace = t / (race_distance_m(r) / 1000.0);
        return 0;
}

/*
 * The one vocabulary of the [Runner] keys is paced.conf's (config.c); the
 * CamelCase names validate --profile and docs/workouts.md used before are
 * old spellings, still read. Matching is case-insensitive.
 */
static const struct {
        const char *old, *key;
} old_keys[] = {
        {"MileTime", "mile"},
        {"HalfMarathon", "half"},
        {"GoalMile", "goal_mile"},
        {"Goal", "goal_mile"},
        {"ThresholdPace", "threshold_pace"},
        {"Threshold", "threshold_pace"},
        {"EasyPace", "easy_pace"},
        {"Easy", "easy_pace"},
        {"MaxHR", "max_hr"},
        {"RestingHR", "resting_hr"},
        {"ZwiftPace", "zwift_pace"},
};

static const char *const runner_keys[] = {
        "mile",           "5k",        "10k",    "half",       "marathon", "goal_mile",
        "threshold_pace", "easy_pace", "max_hr", "resting_hr", "lthr",     "age",
        "hrvt1",          "hrvt2",     "units",  "zwift_pace",
};

const char *runner_profile_key_renamed(const char *key)
{
        if (!key)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(old_keys); i++)
                if (strcasecmp(key, old_keys[i].old) == 0)
                        return old_keys[i].key;
        return NULL;
}

const char *runner_profile_key_suggest(const char *key)
{
        if (!key)
                return NULL;
        return suggest_closest(key, runner_keys, ELEMENTSOF(runner_keys));
}

int runner_profile_set_key(RunnerProfile *p, const char *key, const char *value)
{
        static const struct {
                const char *key;
                PaceRef ref;
        } refs[] = {
                {"mile", PACE_REF_MILE},         {"5k", PACE_REF_5K},
                {"10k", PACE_REF_10K},           {"half", PACE_REF_HALF},
                {"marathon", PACE_REF_MARATHON}, {"threshold_pace", PACE_REF_THRESHOLD},
                {"easy_pace", PACE_REF_EASY},    {"goal_mile", PACE_REF_GOAL},
        };
        const char *renamed = runner_profile_key_renamed(key);
        unsigned u;
        double pace;

        if (!p || !key || !value)
                return -EINVAL;
        if (renamed)
                key = renamed;
        for (size_t i = 0; i < ELEMENTSOF(refs); i++) {
                PaceRef r = refs[i].ref;
                int k;

                if (strcasecmp(key, refs[i].key) != 0)
                        continue;
                if (race_distance_m(r) > 0)
                        k = parse_race(value, r, &pace);
                else
                        k = parse_pace(value, &pace);
                /* Slower than 30:00/km or faster than 1:30/km is not running. */
                if (k < 0 || pace < 90 || pace > 1800)
                        return -EINVAL;
                p->pace_s_per_km[r] = pace;
                p->source[r] = REF_SOURCE_CONFIG;
                p->derived_from[r] = _PACE_REF_INVALID;
                return 0;
        }
        if (strcasecmp(key, "max_hr") == 0) {
                if (parse_uint(value, 100, 240, &u) < 0)
                        return -EINVAL;
                p->max_hr = u;
                p->max_hr_derived = false;
        } else if (strcasecmp(key, "resting_hr") == 0) {
                if (parse_uint(value, 25, 120, &u) < 0)
                        return -EINVAL;
                p->resting_hr = u;
                p->resting_hr_derived = false;
        } else if (strcasecmp(key, "lthr") == 0) {
                if (parse_uint(value, 80, 230, &u) < 0)
                        return -EINVAL;
                p->lthr = u;
                p->lthr_derived = false;
        } else if (strcasecmp(key, "age") == 0) {
                if (parse_uint(value, 5, 110, &u) < 0)
                        return -EINVAL;
                p->age = u;
        } else if (strcasecmp(key, "hrvt1") == 0 || strcasecmp(key, "hrvt2") == 0) {
                /* The zones' thresholds: no pace depends on them, but a
                 * paced.conf that sets them is a valid profile. */
                if (parse_uint(value, 60, 230, &u) < 0)
                        return -EINVAL;
        } else if (strcasecmp(key, "zwift_pace") == 0) {
                PaceRef r = pace_ref_from_string(value);

                if (r < 0 || race_distance_m(r) <= 0)
                        return -EINVAL;
                p->zwift_pace = r;
        } else if (strcasecmp(key, "units") == 0) {
                ProfileUnits x = profile_units_from_string(value);

                if (x < 0)
                        return -EINVAL;
                p->units = x;
        } else
                return -ENOENT;
        return 0;
}

/* Riegel: time over distance d given a time t0 over d0. */
static double riegel_time(double t0, double d0, double d)
{
        return t0 * pow(d / d0, RIEGEL_EXPONENT);
}

void runner_profile_derive(RunnerProfile *p)
{
        bool any_race = false;

        for (PaceRef r = 0; r <= PACE_REF_MARATHON; r++)
                if (p->source[r] == REF_SOURCE_CONFIG)
                        any_race = true;

        /* Nothing raced: anchor on the threshold pace (a one-hour race), else
         * on easy pace (marathon pace + 20 %), else on the default 5 km. */
        if (!any_race) {
                PaceRef m = PACE_REF_MARATHON;

                if (p->source[PACE_REF_THRESHOLD] == REF_SOURCE_CONFIG) {
                        double t = p->pace_s_per_km[PACE_REF_THRESHOLD];
                        double d = 3600.0 / t * 1000.0; /* metres in one hour */

                        p->pace_s_per_km[m] = riegel_time(3600.0, d, RACE_DISTANCE_MARATHON) /
                                              (RACE_DISTANCE_MARATHON / 1000.0);
                        p->source[m] = REF_SOURCE_RIEGEL;
                        p->derived_from[m] = PACE_REF_THRESHOLD;
                } else if (p->source[PACE_REF_EASY] == REF_SOURCE_CONFIG) {
                        p->pace_s_per_km[m] = p->pace_s_per_km[PACE_REF_EASY] / EASY_PACE_FACTOR;
                        p->source[m] = REF_SOURCE_RIEGEL;
                        p->derived_from[m] = PACE_REF_EASY;
                } else {
                        p->pace_s_per_km[PACE_REF_5K] = DEFAULT_5K_TIME_S / 5.0;
                        p->source[PACE_REF_5K] = REF_SOURCE_DEFAULT;
                }
        }

        /* Each missing race from the known race nearest in log-distance:
         * Riegel's exponent fits neighbouring distances best. */
        for (PaceRef r = 0; r <= PACE_REF_MARATHON; r++) {
                PaceRef best = _PACE_REF_INVALID;
                double best_gap = INFINITY;

                if (p->source[r] != REF_SOURCE_UNSET)
                        continue;
                for (PaceRef k = 0; k <= PACE_REF_MARATHON; k++) {
                        double gap;

                        if (p->source[k] == REF_SOURCE_UNSET ||
                            (p->source[k] == REF_SOURCE_RIEGEL &&
                             p->derived_from[k] <= PACE_REF_MARATHON))
                                continue;
                        gap = fabs(log(race_distance_m(k) / race_distance_m(r)));
                        if (gap < best_gap) {
                                best_gap = gap;
                                best = k;
                        }
                }
                if (best < 0)
                        continue; /* cannot happen: an anchor was set above */
                double d0 = race_distance_m(best), d = race_distance_m(r);
                double t0 = p->pace_s_per_km[best] * d0 / 1000.0;

                p->pace_s_per_km[r] = riegel_time(t0, d0, d) / (d / 1000.0);
                p->source[r] = REF_SOURCE_RIEGEL;
                p->derived_from[r] = best;
        }

        if (p->source[PACE_REF_THRESHOLD] == REF_SOURCE_UNSET) {
                /* One-hour race: solve T(d) = 3600 s from the 10 km (itself
                 * configured or derived from the nearest race). */
                double t0 = p->pace_s_per_km[PACE_REF_10K] * 10.0;
                double d = RACE_DISTANCE_10K * pow(3600.0 / t0, 1.0 / RIEGEL_EXPONENT);

                p->pace_s_per_km[PACE_REF_THRESHOLD] = 3600.0 / (d / 1000.0);
                p->source[PACE_REF_THRESHOLD] = REF_SOURCE_RIEGEL;
                p->derived_from[PACE_REF_THRESHOLD] = PACE_REF_10K;
        }
        if (p->source[PACE_REF_EASY] == REF_SOURCE_UNSET) {
                p->pace_s_per_km[PACE_REF_EASY] =
                        p->pace_s_per_km[PACE_REF_MARATHON] * EASY_PACE_FACTOR;
                p->source[PACE_REF_EASY] = REF_SOURCE_RIEGEL;
                p->derived_from[PACE_REF_EASY] = PACE_REF_MARATHON;
        }
        /* No goal: race pace is the current mile. */
        if (p->source[PACE_REF_GOAL] == REF_SOURCE_UNSET) {
                p->pace_s_per_km[PACE_REF_GOAL] = p->pace_s_per_km[PACE_REF_MILE];
                p->source[PACE_REF_GOAL] = REF_SOURCE_RIEGEL;
                p->derived_from[PACE_REF_GOAL] = PACE_REF_MILE;
        }

        /* Heart rate: Tanaka 208 - 0.7 age for max HR (Tanaka, Monahan &
         * Seals 2001), LTHR at 90 % of max (LTHR sits at 88-92 % HRmax),
         * resting 60 (see docs/physiology.md, "Zones"). */
        if (p->max_hr == 0 && p->age > 0) {
                p->max_hr = (unsigned)lround(208.0 - 0.7 * p->age);
                p->max_hr_derived = true;
        }
        if (p->lthr == 0 && p->max_hr > 0) {
                p->lthr = (unsigned)lround(0.90 * p->max_hr);
                p->lthr_derived = true;
        }
        if (p->resting_hr == 0) {
                p->resting_hr = 60;
                p->resting_hr_derived = true;
        }
}

double runner_profile_speed_kmh(const RunnerProfile *p, PaceRef r)
{
        if (r < 0 || r >= _PACE_REF_MAX || !(p->pace_s_per_km[r] > 0))
                return 0;
        return 3600.0 / p->pace_s_per_km[r];
}

const char *runner_profile_derivation(const RunnerProfile *p, PaceRef r, char *buf, size_t n)
{
        char t[32];
        PaceRef f;

        if (r < 0 || r >= _PACE_REF_MAX) {
                snprintf(buf, n, "invalid");
                return buf;
        }
        f = p->derived_from[r];
        switch (p->source[r]) {
        case REF_SOURCE_UNSET:
                snprintf(buf, n, "unknown");
                break;
        case REF_SOURCE_CONFIG:
                snprintf(buf, n, "configured");
                break;
        case REF_SOURCE_DEFAULT:
                snprintf(buf, n, "default (5K in %s, no reference configured)",
                         format_duration(t, sizeof(t), DEFAULT_5K_TIME_S, TIME_FORMAT_DASH));
                break;
        case REF_SOURCE_RIEGEL:
                if (r == PACE_REF_GOAL)
                        snprintf(buf, n, "no goal set: the current mile");
                else if (r == PACE_REF_EASY)
                        snprintf(buf, n, "marathon pace + %.0f %%",
                                 (EASY_PACE_FACTOR - 1.0) * 100.0);
                else if (r == PACE_REF_MARATHON && f == PACE_REF_EASY)
                        snprintf(buf, n, "easy pace - %.0f %%",
                                 (1.0 - 1.0 / EASY_PACE_FACTOR) * 100.0);
                else if (r == PACE_REF_THRESHOLD)
                        snprintf(buf, n, "one-hour race pace from %s %s, Riegel (exponent %.2f)",
                                 pace_ref_to_label(f),
                                 format_duration(t, sizeof(t),
                                                 p->pace_s_per_km[f] * race_distance_m(f) / 1000.0,
                                                 TIME_FORMAT_DASH),
                                 RIEGEL_EXPONENT);
                else if (f == PACE_REF_THRESHOLD)
                        snprintf(buf, n,
                                 "from threshold pace as a one-hour race, Riegel (exponent %.2f)",
                                 RIEGEL_EXPONENT);
                else
                        snprintf(buf, n, "from %s %s, Riegel (exponent %.2f)", pace_ref_to_label(f),
                                 format_duration(t, sizeof(t),
                                                 p->pace_s_per_km[f] * race_distance_m(f) / 1000.0,
                                                 TIME_FORMAT_DASH),
                                 RIEGEL_EXPONENT);
                break;
        case _REF_SOURCE_MAX:
        case _REF_SOURCE_INVALID:
                snprintf(buf, n, "invalid");
                break;
        }
        return buf;
}
