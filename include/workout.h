/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Workouts. Two levels:
 *  - the authored model (Workout: steps and nested repeat blocks, targets
 *    relative to the runner's profile), built by the text and .zwo parsers;
 *  - the resolved form (ResolvedWorkout: a flat list of concrete steps with
 *    speeds in km/h and inclines in %, already clamped to the machine and the
 *    configured caps), which is all the engine and the store consume.
 * Pure code: no I/O except the file loaders, no logging.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum StepKind {
        STEP_KIND_WARMUP,
        STEP_KIND_ACTIVE,
        STEP_KIND_RECOVERY,
        STEP_KIND_REST,
        STEP_KIND_COOLDOWN,
        STEP_KIND_STRIDE,
        STEP_KIND_TIME_TRIAL,
        _STEP_KIND_MAX,
        _STEP_KIND_INVALID = -EINVAL,
} StepKind;

typedef enum StepEnd {
        STEP_END_TIME,     /* end_value in seconds */
        STEP_END_DISTANCE, /* end_value in metres of treadmill distance */
        STEP_END_OPEN,     /* until skipped */
        _STEP_END_MAX,
        _STEP_END_INVALID = -EINVAL,
} StepEnd;

typedef enum StepControl {
        STEP_CONTROL_SPEED, /* speed_start_kmh .. speed_end_kmh (equal unless ramp) */
        STEP_CONTROL_HR,    /* closed loop: keep HR in hr_lo_bpm .. hr_hi_bpm */
        STEP_CONTROL_FREE,  /* no speed commands */
        _STEP_CONTROL_MAX,
        _STEP_CONTROL_INVALID = -EINVAL,
} StepControl;

#define RESOLVED_STEP_LABEL_MAX 96

typedef struct ResolvedStep {
        StepKind kind;
        StepEnd end;
        double end_value;        /* s or m */
        StepControl control;
        double speed_start_kmh;  /* speed at the start of the step */
        double speed_end_kmh;    /* speed at the end: != start for a ramp */
        double speed_lo_kmh;     /* pace range, informational (== start if none) */
        double speed_hi_kmh;
        double hr_lo_bpm, hr_hi_bpm;  /* STEP_CONTROL_HR */
        double hr_fallback_kmh;  /* HR steps: speed when HR is lost / at start */
        bool has_incline;
        double incline_start_pct;
        double incline_end_pct;
        bool speed_clamped;      /* a target exceeded a cap and was clamped */
        bool incline_clamped;
        double requested_speed_kmh;   /* before clamping (max over the step) */
        double requested_incline_pct;
        unsigned repeat_index;   /* 1-based index within its repeat block, 0 if none */
        unsigned repeat_count;
        char label[RESOLVED_STEP_LABEL_MAX]; /* "400 m at 5:20/mi" */
        char *cue;               /* runner's cue text, may be NULL */
} ResolvedStep;

typedef struct ResolvedWorkout {
        char *name;
        char *source; /* file path or library name */
        ResolvedStep *steps;
        size_t n_steps;
        double total_time_s;      /* estimate: distance steps at their speed */
        double total_distance_m;  /* estimate: time steps at their speed */
        bool has_open_steps;
        bool any_clamped;
} ResolvedWorkout;

ResolvedWorkout *resolved_workout_free(ResolvedWorkout *w);

const char *step_kind_to_string(StepKind k);
StepKind step_kind_from_string(const char *s);
const char *step_end_to_string(StepEnd e);
const char *step_control_to_string(StepControl c);
