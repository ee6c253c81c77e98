/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "ftms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        FtmsRange v, again;
        uint8_t buf[128];
        size_t len;

        if (ftms_parse_incline_range(data, size, &v) < 0)
                return 0;
        /* A decoded value that the encoder accepts must decode again. */
        if (ftms_encode_incline_range(&v, buf, sizeof(buf), &len) >= 0 &&
            ftms_parse_incline_range(buf, len, &again) < 0)
                abort();
        return 0;
}
