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
#include <stdio.h>

#include "profile.h"
#include "util.h"

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

/* A cue at a moment inside a step (a Zwift text event at its offset, an
 * intervals.icu timed prompt): `at` seconds after the step started, or `at`
 * metres into it. */
typedef struct StepCue {
        double at;
        bool at_distance;
        char *text;
} StepCue;

/* At most this many timed cues in one step (Zwift files carry a dozen). */
#define STEP_CUES_MAX 64

typedef struct ResolvedStep {
        StepKind kind;
        StepEnd end;
        double end_value; /* s or m */
        StepControl control;
        double speed_start_kmh; /* speed at the start of the step */
        double speed_end_kmh;   /* speed at the end: != start for a ramp */
        double speed_lo_kmh;    /* pace range, informational (== start if none) */
        double speed_hi_kmh;
        double hr_lo_bpm, hr_hi_bpm; /* STEP_CONTROL_HR */
        double hr_fallback_kmh;      /* HR steps: speed when HR is lost / at start */
        bool has_incline;
        double incline_start_pct;
        double incline_end_pct;
        bool speed_clamped; /* a target exceeded a cap and was clamped */
        bool incline_clamped;
        double requested_speed_kmh; /* before clamping (max over the step) */
        double requested_incline_pct;
        unsigned repeat_index; /* 1-based index within its repeat block, 0 if none */
        unsigned repeat_count;
        char label[RESOLVED_STEP_LABEL_MAX]; /* "400 m at 5:20/mi" */
        char *cue;                           /* runner's cue text, may be NULL */
        StepCue *cues;                       /* cues inside the step, in order of `at` */
        size_t n_cues;
} ResolvedStep;

typedef struct ResolvedWorkout {
        char *name;
        char *source; /* file path or library name */
        ResolvedStep *steps;
        size_t n_steps;
        double total_time_s;     /* estimate: distance steps at their speed */
        double total_distance_m; /* estimate: time steps at their speed */
        bool has_open_steps;
        bool any_clamped;
        char **notes; /* how the file was read, fallbacks, warnings (NULL-terminated, may be NULL)
                       */
} ResolvedWorkout;

ResolvedWorkout *resolved_workout_free(ResolvedWorkout *w);

/* Where to skip to: "main" (the first step after the warm-up), "trial" (the
 * first time-trial step), "cooldown" (the first cool-down step after the
 * main set). The step index, -ENOENT if the workout has none, -EINVAL for an
 * unknown target. */
int resolved_workout_find(const ResolvedWorkout *w, const char *target, size_t *ret);

const char *step_kind_to_string(StepKind k);
StepKind step_kind_from_string(const char *s);
/* These names are also what the session store writes: tests pin them. */
const char *step_end_to_string(StepEnd e);
StepEnd step_end_from_string(const char *s);
const char *step_control_to_string(StepControl c);
StepControl step_control_from_string(const char *s);

/*
 * Resolution semantics the engine relies on:
 *  - a ramp (speed_start != speed_end, incline_start != incline_end) is linear
 *    in the step's progress: elapsed time for time steps, covered distance for
 *    distance steps; open steps never ramp;
 *  - every speed and incline is already inside the machine range and caps;
 *    requested_* keep what the workout asked for so the UI can say so.
 */

/* ---- The authored model ------------------------------------------------- */

/* Either an absolute speed or a percentage of one of the runner's reference
 * paces (as a speed: 105 % of mile pace is 5 % faster than mile pace). */
typedef struct SpeedValue {
        bool relative;
        double kmh;  /* !relative */
        PaceRef ref; /* relative */
        double pct;  /* relative */
        /* relative: the profile's Zwift default reference (ZwiftPace=) instead
         * of ref, for a .zwo `pace` attribute that names none. */
        bool default_ref;
        /* !relative and kmh == 0: a pace written without a unit ("5:00
         * Pace"), seconds per km or per mile as the profile's Units say. */
        double pace_s_per_unit;
} SpeedValue;

typedef enum SpeedTargetType {
        SPEED_TARGET_NONE,  /* not given: free, or HR-controlled if hr is set */
        SPEED_TARGET_FREE,  /* "freeride": explicitly no speed control */
        SPEED_TARGET_VALUE, /* lo */
        SPEED_TARGET_RANGE, /* lo (slower) .. hi (faster); the engine aims at the middle */
        SPEED_TARGET_RAMP,  /* lo (start) -> hi (end), linear over the step */
        _SPEED_TARGET_MAX,
        _SPEED_TARGET_INVALID = -EINVAL,
} SpeedTargetType;

typedef enum HrTargetType {
        HR_TARGET_NONE,
        HR_TARGET_BPM,      /* lo..hi in bpm */
        HR_TARGET_ZONE,     /* lo..hi zone numbers 1..5 */
        HR_TARGET_PCT_MAX,  /* lo..hi percent of max HR */
        HR_TARGET_PCT_LTHR, /* lo..hi percent of LTHR */
        _HR_TARGET_MAX,
        _HR_TARGET_INVALID = -EINVAL,
} HrTargetType;

typedef struct WorkoutStep {
        StepKind kind;
        StepEnd end;
        double end_value; /* s or m */
        SpeedTargetType speed_type;
        SpeedValue speed_lo, speed_hi;
        double time_offset_s;  /* distance steps: run the step this many s slower (+) */
        double speed_step_kmh; /* per repetition increase inside a repeat block (ramp test) */
        HrTargetType hr_type;
        double hr_lo, hr_hi;
        bool has_incline;
        bool incline_ramp;
        double incline_lo_pct, incline_hi_pct; /* equal unless a ramp */
        char *cue;
        StepCue *cues; /* timed cues, owned */
        size_t n_cues;
        unsigned line; /* source line, 0 if none */
} WorkoutStep;

typedef struct WorkoutNode WorkoutNode;

typedef struct WorkoutBlock {
        WorkoutNode *nodes;
        size_t n_nodes, n_nodes_allocated;
} WorkoutBlock;

struct WorkoutNode {
        bool is_repeat;
        WorkoutStep step;   /* !is_repeat */
        unsigned repeat;    /* is_repeat: how many times */
        WorkoutBlock block; /* is_repeat: the repeated nodes (may nest) */
};

typedef struct Workout {
        char *name;
        char *description;
        WorkoutBlock body;
        char **notes; /* what the parser decided for the runner to know; NULL-terminated */
        size_t n_notes;
} Workout;

/* Upper bound on the expanded step count; parsers reject workouts above it so
 * that a hostile file cannot make the engine allocate without bound. */
#define WORKOUT_STEPS_MAX 2000
/* Totals above these get a warning note (workout_resolve()). */
#define WORKOUT_PLAUSIBLE_TIME_S     (4 * 3600.0)
#define WORKOUT_PLAUSIBLE_DISTANCE_M 50000.0
#define WORKOUT_PLAUSIBLE_STEP_S     (2 * 3600.0)
#define WORKOUT_REPEAT_MAX           99

int workout_new(Workout **ret, const char *name);
Workout *workout_free(Workout *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(Workout *, workout_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ResolvedWorkout *, resolved_workout_free);

/* Appends a note ("read as metres: …") shown by validate and the start reply.
 * 0 or -ENOMEM. At most WORKOUT_NOTES_MAX are kept. */
#define WORKOUT_NOTES_MAX 16
int workout_add_note(Workout *w, const char *fmt, ...) _printf_(2, 3);
void workout_notes_free(char **notes);
char **workout_notes_copy(char *const *notes);

/* Adds a timed cue to a step (copying text); 0, -E2BIG above STEP_CUES_MAX, -ENOMEM. */
int workout_step_add_cue(WorkoutStep *s, double at, bool at_distance, const char *text);
void step_cues_free(StepCue *cues, size_t n);

/* Appends a copy of *step (taking ownership of step->cue and step->cues) or an empty repeat
 * block to block; returns the new node. NULL on OOM. */
WorkoutNode *workout_block_add_step(WorkoutBlock *block, WorkoutStep *step);
WorkoutNode *workout_block_add_repeat(WorkoutBlock *block, unsigned repeat);
void workout_block_done(WorkoutBlock *block);
void workout_step_init(WorkoutStep *s);

/* The number of steps after expanding repeats (not counting ramp-test
 * truncation); saturates at SIZE_MAX/2. */
size_t workout_count_steps(const Workout *w);

const char *speed_target_type_to_string(SpeedTargetType t);
const char *hr_target_type_to_string(HrTargetType t);

/* Where a workout file went wrong: file:line:column and what was expected. */
typedef struct WorkoutError {
        char file[256];
        unsigned line, column; /* 1-based; 0 if unknown */
        char message[256];
} WorkoutError;

/* "file:line:column: message" */
const char *workout_error_format(const WorkoutError *e, char *buf, size_t n);

/* ---- Resolution ---------------------------------------------------------- */

typedef struct ResolveLimits {
        double min_speed_kmh, max_speed_kmh;     /* the machine's supported range */
        double min_incline_pct, max_incline_pct; /* both 0 when it has no incline */
        double speed_cap_kmh;                    /* configured cap, INFINITY for none */
        double incline_cap_pct;                  /* configured cap, INFINITY for none */
} ResolveLimits;

/* A typical home treadmill (1–20 km/h, 0–15 %) and no caps, for validation
 * without a machine; the engine fills in the real FTMS supported ranges. */
void resolve_limits_init(ResolveLimits *l);

/*
 * Expands repeats and turns every target into concrete speed and incline for
 * this runner and machine. Targets outside the machine range or the caps are
 * clamped and flagged (speed_clamped / incline_clamped / any_clamped), never
 * passed through. A step with a per-repetition speed increase (ramp test)
 * stops repeating once the next increase would exceed the speed limit, and its
 * last repetition becomes open-ended: the runner holds the top speed until
 * they stop. Returns -EINVAL for bad arguments, -E2BIG if the expansion
 * exceeds WORKOUT_STEPS_MAX, -ENODATA if a heart-rate target needs a max HR
 * or LTHR the profile lacks, -EDOM if a target works out to no speed (a time
 * offset larger than the step), -ENOMEM.
 */
int workout_resolve(const Workout *w, const RunnerProfile *p, const ResolveLimits *limits,
                    ResolvedWorkout **ret);

/* Time and distance of one step: time steps cover speed x time, distance
 * steps take distance / speed (ramps linear in progress); free steps are
 * counted at free_kmh (easy pace); open steps count nothing. */
/*
 * The step's target as a runner reads it, in the runner's units: "400 m at
 * 5:20/mi", "20:00 at HR 140-150 bpm", "1.0 km at 4:00/km, incline 2.0 %".
 * What ResolvedStep.label holds when resolved (ASCII, cut to size).
 */
void resolved_step_format_label(const ResolvedStep *o, bool per_mile, char *buf, size_t size);

void resolved_step_estimate(const ResolvedStep *s, double free_kmh, double *ret_time_s,
                            double *ret_distance_m);

/* The resolved workout as one JSON object (see docs/workouts.md), for
 * pacectl --json, the daemon and the session store. */
int resolved_workout_to_json(const ResolvedWorkout *w, FILE *f);

/* Reads a whole workout file (at most max bytes: -EFBIG above), NUL-terminated. */
int workout_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Sets *e (if not NULL) to file:line:column: message. */
void workout_error_set(WorkoutError *e, const char *file, unsigned line, unsigned column,
                       const char *fmt, ...) _printf_(5, 6);
/* "easy-run" for "/usr/share/paced/workouts/easy-run.txt"; malloc'd. */
char *workout_name_from_path(const char *path);
