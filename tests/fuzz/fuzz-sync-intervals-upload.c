/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of intervals.icu's answer to an upload: the activity id, which goes
 * into the next URL, is letters, digits, '_' and '-' only.
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
        int r = intervals_parse_upload((const char *)data, size, &id);

        if (r < 0) {
                if (id)
                        abort();
                return 0;
        }
        if (!id || !*id ||
            strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789_-") != strlen(id))
                abort();
        free(id);
        return 0;
}
