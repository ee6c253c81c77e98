/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Heart-rate zone models (docs/analysis.md, docs/physiology.md): five zones of
 * %HRmax, five zones of heart-rate reserve (Karvonen), Friel's running zones
 * from LTHR (1, 2, 3, 4, 5a, 5b, 5c) and the three-zone model from the two
 * DFA-alpha1 thresholds. Zone k covers [lo, hi) in bpm; the lowest zone is
 * open below and the highest open above, so every HR has a zone. Plus time in
 * zone accumulation per step, lap and session. Pure code.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum ZoneModel {
        ZONE_MODEL_HRMAX, /* Z1..Z5 = 50-60-70-80-90-100 % HRmax */
        ZONE_MODEL_HRR,   /* same percentages of the heart-rate reserve */
        ZONE_MODEL_FRIEL, /* running zones, % LTHR */
        ZONE_MODEL_THREE, /* below HRVT1 / between / above HRVT2 */
        _ZONE_MODEL_MAX,
        _ZONE_MODEL_INVALID = -EINVAL,
} ZoneModel;

const char *zone_model_to_string(ZoneModel m);
ZoneModel zone_model_from_string(const char *s);

/* Where a profile value came from: shown beside it, so that an age estimate is never
 * mistaken for a measurement. */
typedef enum HrSource {
        HR_SOURCE_UNSET,
        HR_SOURCE_DEFAULT, /* resting HR 60 when unknown */
        HR_SOURCE_AGE,     /* Tanaka 208 - 0.7 age: "estimated" */
        HR_SOURCE_MANUAL,
        HR_SOURCE_OBSERVED,  /* highest HR seen */
        HR_SOURCE_RAMP_TEST, /* DFA alpha1 regression */
        HR_SOURCE_TIME_TRIAL,
        HR_SOURCE_FROM_MAX, /* LTHR as 90 % of max HR: "estimated" */
        _HR_SOURCE_MAX,
        _HR_SOURCE_INVALID = -EINVAL,
} HrSource;

const char *hr_source_to_string(HrSource s);

typedef struct HrProfile {
        double rest_bpm;
        double max_bpm;
        double lthr_bpm;  /* lactate threshold HR; seeded from HRVT2 when unset */
        double hrvt1_bpm; /* aerobic threshold (alpha1 = 0.75) */
        double hrvt2_bpm; /* anaerobic threshold, the "anaerobic crossover" (alpha1 = 0.5) */
        HrSource rest_source, max_source, lthr_source, hrvt1_source, hrvt2_source;
} HrProfile;

#define HR_REST_DEFAULT_BPM 60.0

/* Tanaka, Monahan & Seals 2001: 208 - 0.7 * age. -EDOM for ages outside 5..110. */
int hr_max_from_age(double age_years, double *ret_bpm);
/* Fills max_bpm from age (source HR_SOURCE_AGE) and rest_bpm with the default if unset. */
int hr_profile_fill_defaults(HrProfile *p, double age_years);
/*
 * The HR anchors of the configured runner profile (profile.h, after
 * runner_profile_derive()), with their sources: an age-derived max HR and a
 * max-derived LTHR are marked as estimates, a default resting HR as default.
 */
struct RunnerProfile;
void hr_profile_from_runner(HrProfile *ret, const struct RunnerProfile *rp);
/* True when max HR (and so every %HRmax/HRR zone) is only an age estimate. */
bool hr_profile_is_estimated(const HrProfile *p);
/* Raises max_bpm to an observed HR above it (source HR_SOURCE_OBSERVED). */
void hr_profile_observe_hr(HrProfile *p, double hr_bpm);

#define ZONES_MAX 7

typedef struct Zone {
        char name[8];          /* "Z1", "5a" ... */
        double lo_bpm, hi_bpm; /* [lo, hi) */
} Zone;

typedef struct ZoneTable {
        ZoneModel model;
        size_t n_zones;
        Zone zones[ZONES_MAX];
        bool estimated; /* derived from an age-estimated max HR */
} ZoneTable;

/*
 * Builds the table of a model from the profile. -ENODATA when a value the
 * model needs is missing (HRmax; HRmax and HRrest; LTHR; HRVT1 and HRVT2),
 * -EINVAL when the values are inconsistent (rest >= max, HRVT1 >= HRVT2).
 */
int zone_table_build(ZoneModel model, const HrProfile *p, ZoneTable *ret);
/* Index of the zone of hr (0 = lowest), -EINVAL for a non-finite or <= 0 HR. */
int zone_table_classify(const ZoneTable *t, double hr_bpm);

/* Time in each zone of one scope (a step, a lap, the session). */
typedef struct ZoneTimes {
        double s[ZONES_MAX];
        double total_s;
} ZoneTimes;

typedef enum ZoneScope {
        ZONE_SCOPE_SESSION,
        ZONE_SCOPE_STEP,
        ZONE_SCOPE_LAP,
        _ZONE_SCOPE_MAX,
        _ZONE_SCOPE_INVALID = -EINVAL,
} ZoneScope;

/* Samples further apart than this are a gap (strap lost): the gap is not counted. */
#define ZONE_MAX_SAMPLE_GAP_S 5.0

/*
 * Accumulates time in zone from HR samples: the interval between two samples
 * counts for the zone of the earlier one (sample and hold), unless longer
 * than ZONE_MAX_SAMPLE_GAP_S.
 */
typedef struct ZoneAccumulator {
        ZoneTable table;
        ZoneTimes times[_ZONE_SCOPE_MAX];
        double last_t_s;
        int last_zone; /* -1 before the first sample */
        unsigned step_index, lap_index;
} ZoneAccumulator;

void zone_accumulator_init(ZoneAccumulator *a, const ZoneTable *t);
/* -EINVAL for time going backwards or a bad HR (the sample is then ignored). */
int zone_accumulator_sample(ZoneAccumulator *a, double t_s, double hr_bpm);
/*
 * Closes the current step / lap at t_s (the held zone counts up to t_s),
 * stores its times in *ret_closed (may be NULL) and starts a new one.
 */
void zone_accumulator_new_step(ZoneAccumulator *a, double t_s, ZoneTimes *ret_closed);
void zone_accumulator_new_lap(ZoneAccumulator *a, double t_s, ZoneTimes *ret_closed);
