/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of Strava's upload status (the POST and each poll), and the duplicate
 * it may report.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strava-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        StravaUpload u = {};
        int64_t dup = 0;
        int r = strava_parse_upload((const char *)data, size, &u);

        if (r < 0) {
                if (u.status || u.error)
                        abort();
                return 0;
        }
        if (u.id <= 0 || u.activity_id < 0)
                abort();
        if (strava_upload_duplicate_of(&u, &dup) && dup <= 0)
                abort();
        strava_upload_done(&u);
        return 0;
}
