/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RSC Measurement from a footpod (and, on the same bytes, RSC Feature and
 * Sensor Location): whatever decodes must encode and decode to the same
 * values.
 */
#include <stdlib.h>

#include "rsc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        RscMeasurement m, again;
        uint8_t buf[RSC_MEASUREMENT_MAX_LEN], loc;
        uint16_t feature;
        size_t len;

        (void)rsc_parse_feature(data, size, &feature);
        if (rsc_parse_sensor_location(data, size, &loc) >= 0)
                (void)rsc_sensor_location_to_string(loc);
        if (rsc_parse_measurement(data, size, &m) < 0)
                return 0;
        if (rsc_encode_measurement(&m, buf, sizeof(buf), &len) < 0)
                abort();
        if (rsc_parse_measurement(buf, len, &again) < 0)
                abort();
        if (again.speed_raw != m.speed_raw || again.cadence_spm != m.cadence_spm ||
            again.has_stride != m.has_stride || again.stride_cm != m.stride_cm ||
            again.has_distance != m.has_distance || again.distance_dm != m.distance_dm ||
            again.running != m.running || again.trailing_bytes != 0)
                abort();
        return 0;
}
