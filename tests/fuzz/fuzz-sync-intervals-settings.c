/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of intervals.icu's running settings: what a diff would offer for the
 * runner profile is within a runner's range or absent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intervals-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        IntervalsRunSettings s;
        int r = intervals_parse_sport_settings((const char *)data, size, &s);

        if (r < 0)
                return 0;
        if (s.max_hr > 300 || s.lthr > 300 ||
            !(s.threshold_pace_s_per_km == 0 || (s.threshold_pace_s_per_km >= 1000.0 / 7.0 &&
                                                 s.threshold_pace_s_per_km <= 1000.0 / 1.1)))
                abort();
        return 0;
}
