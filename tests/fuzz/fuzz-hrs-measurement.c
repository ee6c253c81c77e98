/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "hrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        HrsMeasurement m, again;
        uint8_t buf[2 + 2 + 2 + 2 * HRS_MAX_RR];
        size_t len;

        if (hrs_parse_measurement(data, size, &m) < 0)
                return 0;
        /* What we decoded must encode and decode to the same values. */
        if (hrs_encode_measurement(&m, buf, sizeof(buf), &len) < 0)
                abort();
        if (hrs_parse_measurement(buf, len, &again) < 0)
                abort();
        if (again.heart_rate_bpm != m.heart_rate_bpm || again.n_rr != m.n_rr ||
            again.contact != m.contact || again.has_energy != m.has_energy ||
            memcmp(again.rr_raw, m.rr_raw, m.n_rr * sizeof(uint16_t)) != 0)
                abort();
        return 0;
}
