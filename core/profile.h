/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The runner's profile: the reference paces that relative workout targets
 * refer to, and the heart-rate anchors. Filled from the [Runner] section of
 * paced.conf with runner_profile_set_key(), then completed by
 * runner_profile_derive(): a missing race reference is derived from the known
 * one nearest in distance with Riegel's formula T2 = T1 * (D2 / D1)^1.06;
 * threshold pace is the Riegel-equivalent one-hour race pace; easy pace is
 * marathon pace plus 20 % (time per km). Every derived value records where
 * it came from, so that the CLI can show the derivation.
 * Pure code, no I/O, no logging.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#define RIEGEL_EXPONENT 1.06

/* The race distances behind the references, in metres. */
#define RACE_DISTANCE_MILE     1609.344
#define RACE_DISTANCE_5K       5000.0
#define RACE_DISTANCE_10K      10000.0
#define RACE_DISTANCE_HALF     21097.5
#define RACE_DISTANCE_MARATHON 42195.0

/* Easy pace, when not given, is marathon pace slowed by this factor (pace). */
#define EASY_PACE_FACTOR 1.20
/* With no reference at all: a 25:00 5 km, a middle-of-the-pack runner. */
#define DEFAULT_5K_TIME_S 1500.0

typedef enum PaceRef {
        PACE_REF_MILE,
        PACE_REF_5K,
        PACE_REF_10K,
        PACE_REF_HALF,
        PACE_REF_MARATHON,
        PACE_REF_THRESHOLD, /* about one-hour race pace (lactate threshold, LT2) */
        PACE_REF_EASY,
        /* The mile the runner trains for (a plan's goal): race-pace work runs at
         * it, everything else at current fitness. The current mile when unset. */
        PACE_REF_GOAL,
        _PACE_REF_MAX,
        _PACE_REF_INVALID = -EINVAL,
} PaceRef;

typedef enum RefSource {
        REF_SOURCE_UNSET,
        REF_SOURCE_CONFIG,  /* given by the runner */
        REF_SOURCE_RIEGEL,  /* derived from another reference (derived_from) */
        REF_SOURCE_DEFAULT, /* nothing known: from DEFAULT_5K_TIME_S */
        _REF_SOURCE_MAX,
        _REF_SOURCE_INVALID = -EINVAL,
} RefSource;

typedef enum ProfileUnits {
        PROFILE_UNITS_KM,
        PROFILE_UNITS_MI,
        _PROFILE_UNITS_MAX,
        _PROFILE_UNITS_INVALID = -EINVAL,
} ProfileUnits;

typedef struct RunnerProfile {
        /* Pace of each reference in seconds per km; 0 = unknown. For the
         * races this is race time / distance. */
        double pace_s_per_km[_PACE_REF_MAX];
        RefSource source[_PACE_REF_MAX];
        PaceRef derived_from[_PACE_REF_MAX]; /* REF_SOURCE_RIEGEL only */

        unsigned max_hr;     /* bpm, 0 = unknown */
        unsigned resting_hr; /* bpm, 0 = unknown */
        unsigned lthr;       /* lactate threshold HR, bpm, 0 = unknown */
        unsigned age;        /* years, 0 = unknown */
        bool max_hr_derived, resting_hr_derived, lthr_derived;
        ProfileUnits units; /* how paces are shown */
        /* A .zwo step whose `pace` attribute names no reference (Zwift's own
         * files carry values such as 8268) runs at this one (ZwiftPace=). */
        PaceRef zwift_pace;
} RunnerProfile;

void runner_profile_init(RunnerProfile *p);

/*
 * Sets one [Runner] key from its string value. Keys (case-insensitive):
 * Mile, 5K, 10K, HalfMarathon (Half), Marathon, GoalMile (Goal): race times
 * "5:30", "19:45", "1:29:30" or paces "4:00/km", "6:00/mi";
 * ThresholdPace (Threshold), EasyPace (Easy): paces "4:10/km", "6:40/mi";
 * MaxHR, RestingHR, LTHR, Age: integers; Units: km or mi; ZwiftPace: mile,
 * 5k, 10k, half or marathon.
 * Returns -ENOENT for an unknown key, -EINVAL for a bad value.
 */
int runner_profile_set_key(RunnerProfile *p, const char *key, const char *value);

/* Fills every unknown reference and HR anchor (see above). Idempotent. */
void runner_profile_derive(RunnerProfile *p);

/* Speed of a reference in km/h (after derive: always > 0). */
double runner_profile_speed_kmh(const RunnerProfile *p, PaceRef r);
double race_distance_m(PaceRef r); /* 0 for threshold and easy; a mile for the goal */

/* "derived from 5K 19:45 with Riegel (exponent 1.06)", "configured", … */
const char *runner_profile_derivation(const RunnerProfile *p, PaceRef r, char *buf, size_t n);

const char *pace_ref_to_string(PaceRef r);   /* "mile", "5k", "10k", "half", … */
PaceRef pace_ref_from_string(const char *s); /* also "halfmarathon", "1mile" */
const char *pace_ref_to_label(PaceRef r);    /* "Mile", "5K", … */
const char *ref_source_to_string(RefSource s);
const char *profile_units_to_string(ProfileUnits u);
ProfileUnits profile_units_from_string(const char *s);
