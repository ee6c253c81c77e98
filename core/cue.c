/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "cue.h"
#include "string-table.h"
#include "util.h"

static const char *const cue_kind_table[_CUE_KIND_MAX] = {
        [CUE_KIND_UPCOMING] = "upcoming", [CUE_KIND_STEP_START] = "step-start",
        [CUE_KIND_HALFWAY] = "halfway",   [CUE_KIND_STEP_END] = "step-end",
        [CUE_KIND_LAP] = "lap",           [CUE_KIND_SAFETY] = "safety",
        [CUE_KIND_INFO] = "info",         [CUE_KIND_RESULT] = "result",
        [CUE_KIND_PROMPT] = "prompt",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(cue_kind, CueKind);
