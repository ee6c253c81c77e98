/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "cue.h"
#include "util.h"

static const char *const kind_table[_CUE_KIND_MAX] = {
        [CUE_KIND_UPCOMING] = "upcoming", [CUE_KIND_STEP_START] = "step-start",
        [CUE_KIND_HALFWAY] = "halfway",   [CUE_KIND_STEP_END] = "step-end",
        [CUE_KIND_LAP] = "lap",           [CUE_KIND_SAFETY] = "safety",
        [CUE_KIND_INFO] = "info",         [CUE_KIND_RESULT] = "result",
};

static void copy_str(char *dst, size_t size, const char *src)
{
        size_t n = strnlen(src, size - 1);

        memcpy(dst, src, n);
        dst[n] = 0;
}

const char *cue_kind_to_string(CueKind k)
{
        if (k < 0 || k >= _CUE_KIND_MAX)
                return NULL;
        return kind_table[k];
}

void cue_format_pace(double kmh, bool per_mile, char buf[static 16])
{
        double s;
        long total;

        if (!isfinite(kmh) || kmh <= 0.01) {
                snprintf(buf, 16, "--:--");
                return;
        }
        s = 3600.0 / kmh * (per_mile ? KMH_PER_MPH : 1.0);
        total = lround(s);
        if (total >= 100 * 60) {
                snprintf(buf, 16, "--:--");
                return;
        }
        char tmp[64];

        snprintf(tmp, sizeof(tmp), "%ld:%02ld/%s", total / 60, total % 60, per_mile ? "mi" : "km");
        copy_str(buf, 16, tmp);
}

void cue_format_duration(double seconds, bool tenths, char buf[static 24])
{
        char tmp[96];
        long t;

        if (!isfinite(seconds) || seconds < 0)
                seconds = 0;
        if (seconds >= 3600) {
                t = lround(seconds);
                snprintf(tmp, sizeof(tmp), "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
                copy_str(buf, 24, tmp);
                return;
        }
        if (tenths) {
                t = lround(seconds * 10);
                snprintf(tmp, sizeof(tmp), "%ld:%02ld.%ld", t / 600, (t / 10) % 60, t % 10);
                copy_str(buf, 24, tmp);
                return;
        }
        t = lround(seconds);
        snprintf(tmp, sizeof(tmp), "%ld:%02ld", t / 60, t % 60);
        copy_str(buf, 24, tmp);
}
