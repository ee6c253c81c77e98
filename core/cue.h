/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Cues: what the runner is told (D-Bus signal, `pacectl watch`, optional
 * espeak-ng in the glue). The engine only produces the text.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define CUE_TEXT_MAX 160

typedef enum CueKind {
        CUE_KIND_UPCOMING,   /* "Next: 400 m at 5:20/mi in 5 s" before a change */
        CUE_KIND_STEP_START, /* "Go: 400 m at 5:20/mi" */
        CUE_KIND_HALFWAY,    /* "Halfway: 1:30 to go" */
        CUE_KIND_STEP_END,   /* "Step done" (the last one: "Workout complete") */
        CUE_KIND_LAP,        /* "Lap 3: 1:20.4" */
        CUE_KIND_SAFETY,     /* "Heart rate above 185: slowing to 5.0 km/h" */
        CUE_KIND_INFO,       /* paused, resumed, link lost, start the belt, ... */
        CUE_KIND_RESULT,     /* "Mile 6:35.0 (goal 6:31, +4 s); laps 1:47.5 / ..." */
        CUE_KIND_PROMPT,     /* the workout's own text at its moment in the step */
        _CUE_KIND_MAX,
        _CUE_KIND_INVALID = -EINVAL,
} CueKind;

typedef struct Cue {
        CueKind kind;
        uint64_t time_usec;
        int seconds_to_change; /* UPCOMING: whole seconds to the change, else -1 */
        int step_index;        /* 0-based, -1 if none */
        char text[CUE_TEXT_MAX];
} Cue;

const char *cue_kind_to_string(CueKind k);
