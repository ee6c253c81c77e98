/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "ftms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        FtmsCpRequest v, again;

        if (ftms_cp_parse_request(data, size, &v) < 0)
                return 0;
        /* The defined parameter plus padding accounts for every byte. */
        if (1 + v.n_raw_param + v.trailing_bytes != size)
                abort();
        (void)again;
        return 0;
}
