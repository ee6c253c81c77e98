/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of Strava's activity list, searched for an external id.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strava-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int64_t id = 0;
        int r = strava_find_external_id((const char *)data, size, "paced-1-1", &id);

        if (r >= 0 && id <= 0)
                abort();
        return 0;
}
