/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Mile training plans: 6-10 weeks of easy and long runs, race-pace and VO2max
 * intervals, strides, hill sprints, tempo and threshold runs, a mid-plan time
 * trial, rest and cross-training days, tapering into a final mile time trial
 * on the plan's last day. The load progresses: weekly volume and reps grow
 * through the base and build weeks, ease in the sharpening weeks and drop in
 * the taper (docs/workouts.md has the tables). Race-pace work runs at the
 * goal mile ("goal Pace"), everything else at current fitness.
 * Deterministic: the same options always give the same plan, so a stored
 * plan is its options plus the days the runner swapped (plan_from_json()).
 * Run days name the library workout they are a form of (conf/workouts) and
 * carry their own text with this week's reps and minutes
 * (plan_day_workout_text()). Dates are days since 1970-01-01 (civil dates,
 * no time zone). Pure code.
 */

#include <stdint.h>
#include <stdio.h>

#include "util.h"

#define PLAN_WEEKS_MIN         6
#define PLAN_WEEKS_MAX         10
#define PLAN_DAYS_PER_WEEK_MIN 3
#define PLAN_DAYS_PER_WEEK_MAX 6

typedef enum PlanDayType {
        PLAN_DAY_RUN, /* a treadmill workout from the library */
        PLAN_DAY_REST,
        PLAN_DAY_CROSS, /* cross-training, off the treadmill: listed, not run */
        _PLAN_DAY_TYPE_MAX,
        _PLAN_DAY_TYPE_INVALID = -EINVAL,
} PlanDayType;

typedef enum PlanPhase {
        PLAN_PHASE_BASE,
        PLAN_PHASE_BUILD,
        PLAN_PHASE_SHARPEN,
        PLAN_PHASE_TAPER,
        _PLAN_PHASE_MAX,
        _PLAN_PHASE_INVALID = -EINVAL,
} PlanPhase;

typedef struct PlanOptions {
        double goal_mile_s;     /* goal mile time, seconds */
        double current_mile_s;  /* the runner's mile now, seconds; 0 unknown */
        unsigned weeks;         /* PLAN_WEEKS_MIN..MAX */
        unsigned days_per_week; /* running days, PLAN_DAYS_PER_WEEK_MIN..MAX */
        int64_t start;          /* first day, days since 1970-01-01 */
} PlanOptions;

typedef struct PlanDay {
        int64_t date;
        unsigned week; /* 1-based */
        PlanPhase phase;
        PlanDayType type;
        const char *workout; /* library name for PLAN_DAY_RUN, else NULL (static) */
        const char *note;    /* static text */
        unsigned reps;       /* this week's reps of the main set, 0 if none */
        unsigned minutes;    /* this week's minutes of the main part, 0 if none */
        char detail[64];     /* "8 x 400 m at goal pace", "" if none */
} PlanDay;

/* Days the runner swapped, in order (plan_swap_days()). */
#define PLAN_SWAPS_MAX 64

typedef struct Plan {
        PlanOptions options;
        PlanDay *days;
        size_t n_days; /* weeks * 7 */
        int64_t swaps[PLAN_SWAPS_MAX][2];
        size_t n_swaps;
} Plan;

/* -EINVAL for options out of range. */
int plan_generate(const PlanOptions *o, Plan **ret);
Plan *plan_free(Plan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Plan *, plan_free);

/* The day of the plan at date, NULL before its start or after its end. */
const PlanDay *plan_day_at(const Plan *p, int64_t date);
/* The library workout scheduled at date, NULL on rest/cross days and
 * outside the plan: what "pacectl start" runs by default. */
const char *plan_workout_for_date(const Plan *p, int64_t date);

/*
 * The workout of a run day as text in the library format (docs/workouts.md),
 * with this week's reps and minutes: what StartWorkout("") runs on that day.
 * malloc'd; -EINVAL for a rest or cross-training day.
 */
int plan_day_workout_text(const PlanDay *d, char **ret);

/* The planned minutes of a day's workout (rest and cross days: 0). */
double plan_day_minutes(const PlanDay *d);

/*
 * Swaps two days of the plan (a runner moving a session): the dates stay,
 * what is done on them changes places. -ERANGE: a date outside the plan;
 * -EDEADLK: it would put two hard sessions on consecutive days; -E2BIG:
 * too many swaps; -EINVAL: the same day twice.
 */
int plan_swap_days(Plan *p, int64_t a, int64_t b);

/*
 * How plausible the goal is against the current mile in the plan's weeks:
 * 0 fine; 1 and a sentence in buf for a warning (ambitious, or slower than
 * now, or the current mile unknown); -EDOM and a sentence when no plan gets
 * there (faster than the world record, or more than 1 % faster per week).
 */
int plan_check_goal(double goal_mile_s, double current_mile_s, unsigned weeks, char *buf, size_t n);

/* The plan as JSON (options, swaps and every day); plan_from_json() reads the
 * options and swaps back and regenerates, which gives the same days. */
int plan_to_json(const Plan *p, FILE *f);
int plan_from_json(const char *json, Plan **ret);

/* "2026-12-01" <-> days since 1970-01-01. */
int plan_date_parse(const char *s, int64_t *ret);
const char *plan_date_format(int64_t days, char buf[static 11]);
int64_t plan_date_from_civil(int y, unsigned m, unsigned d);
/* 0 = Monday … 6 = Sunday */
unsigned plan_date_weekday(int64_t days);

const char *plan_day_type_to_string(PlanDayType t);
const char *plan_phase_to_string(PlanPhase p);
