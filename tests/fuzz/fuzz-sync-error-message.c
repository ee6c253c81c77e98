/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes paced-sync's parser of The message of an error body, shown in the status: printable ASCII,
 * at most 200 bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *m = sync_error_message((const char *)data, size);

        if (!m)
                return 0;
        if (strlen(m) > 200)
                abort();
        for (const char *p = m; *p; p++)
                if (*p < 0x20 || *p >= 0x7f)
                        abort();
        free(m);
        return 0;
}
