/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of intervals.icu's activity list, searched for an external id (the
 * check before an upload is sent again).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intervals-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *id = NULL;
        int r = intervals_find_external_id((const char *)data, size, "paced-1-1", &id);

        if (r < 0) {
                if (id || (r != -EBADMSG && r != -ENOENT && r != -ENOMEM))
                        abort();
                return 0;
        }
        if (!id || !*id)
                abort();
        free(id);
        return 0;
}
