/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of intervals.icu's calendar (GET /athlete/{id}/events): any bytes give
 * events or -EBADMSG; every event has a valid date and a category.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intervals-json.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        IntervalsEvent *e = NULL;
        size_t n = 0;
        int r = intervals_parse_events((const char *)data, size, &e, &n);

        if (r < 0) {
                if (e || (r != -EBADMSG && r != -ENOMEM))
                        abort();
                return 0;
        }
        if (n > INTERVALS_EVENTS_MAX)
                abort();
        for (size_t i = 0; i < n; i++) {
                char d[11];

                if (!e[i].category || e[i].id <= 0 || strlen(plan_date_format(e[i].date, d)) != 10)
                        abort();
                (void)intervals_type_is_run(e[i].type);
        }
        intervals_events_free(e, n);
        return 0;
}
