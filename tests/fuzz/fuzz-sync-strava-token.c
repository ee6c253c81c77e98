/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of Strava's token endpoint: tokens that go into a header and a file
 * are printable without spaces; a failure leaves nothing allocated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strava-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        StravaToken t = {};
        int r = strava_parse_token((const char *)data, size, &t);

        if (r < 0) {
                if (t.access_token || t.refresh_token || t.athlete)
                        abort();
                return 0;
        }
        for (const char *p = t.access_token; *p; p++)
                if (*p <= 0x20 || *p >= 0x7f)
                        abort();
        for (const char *p = t.refresh_token; *p; p++)
                if (*p <= 0x20 || *p >= 0x7f)
                        abort();
        strava_token_done(&t);
        return 0;
}
