/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "le-cursor.h"
#include "rsc.h"
#include "util.h"

/*
 * Running Speed and Cadence Service 1.0, 3.1 RSC Measurement (and the GATT
 * Specification Supplement's RSC Measurement):
 *   "Flags: bit 0 Instantaneous Stride Length Present; bit 1 Total Distance
 *    Present; bit 2 Walking or Running Status (0 = walking, 1 = running);
 *    bits 3-7 RFU."
 *   "Instantaneous Speed: uint16, unit 1/256 m/s."
 *   "Instantaneous Cadence: uint8, unit 1/min."
 *   "Instantaneous Stride Length: uint16, unit 1/100 m" (if bit 0).
 *   "Total Distance: uint32, unit 1/10 m" (if bit 1).
 * Speed and cadence are mandatory: a value without them is malformed. Bytes
 * after the last field (a later revision's) are counted in trailing_bytes.
 */
int rsc_parse_measurement(const uint8_t *buf, size_t len, RscMeasurement *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        RscMeasurement m = {};
        int r;

        r = le_cursor_pull_u8(&c, &m.flags);
        if (r >= 0)
                r = le_cursor_pull_u16(&c, &m.speed_raw);
        if (r >= 0)
                r = le_cursor_pull_u8(&c, &m.cadence_spm);
        if (r >= 0 && (m.flags & RSC_FLAG_STRIDE)) {
                m.has_stride = true;
                r = le_cursor_pull_u16(&c, &m.stride_cm);
        }
        if (r >= 0 && (m.flags & RSC_FLAG_DISTANCE)) {
                m.has_distance = true;
                r = le_cursor_pull_u32(&c, &m.distance_dm);
        }
        if (r < 0)
                return r;
        m.running = m.flags & RSC_FLAG_RUNNING;
        m.trailing_bytes = le_cursor_remaining(&c);

        *ret = m;
        return 0;
}

int rsc_encode_measurement(const RscMeasurement *m, uint8_t *buf, size_t size, size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        uint8_t flags = (m->has_stride ? RSC_FLAG_STRIDE : 0) |
                        (m->has_distance ? RSC_FLAG_DISTANCE : 0) |
                        (m->running ? RSC_FLAG_RUNNING : 0);
        int r;

        r = le_writer_put_u8(&w, flags);
        if (r >= 0)
                r = le_writer_put_u16(&w, m->speed_raw);
        if (r >= 0)
                r = le_writer_put_u8(&w, m->cadence_spm);
        if (r >= 0 && m->has_stride)
                r = le_writer_put_u16(&w, m->stride_cm);
        if (r >= 0 && m->has_distance)
                r = le_writer_put_u32(&w, m->distance_dm);
        if (r < 0)
                return r;
        *ret_len = w.off;
        return 0;
}

/* RSCS 1.0, 3.2 RSC Feature: "uint16, bit field" (bits 5-15 RFU, ignored). */
int rsc_parse_feature(const uint8_t *buf, size_t len, uint16_t *ret)
{
        LeCursor c = le_cursor_init(buf, len);

        return le_cursor_pull_u16(&c, ret);
}

int rsc_encode_feature(uint16_t features, uint8_t *buf, size_t size, size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        int r;

        r = le_writer_put_u16(&w, features);
        if (r < 0)
                return r;
        *ret_len = w.off;
        return 0;
}

/* RSCS 1.0, 3.3 Sensor Location: "uint8" (the values the Supplement assigns). */
int rsc_parse_sensor_location(const uint8_t *buf, size_t len, uint8_t *ret)
{
        LeCursor c = le_cursor_init(buf, len);

        return le_cursor_pull_u8(&c, ret);
}

const char *rsc_sensor_location_to_string(uint8_t location)
{
        static const char *const table[] = {
                "other",        "top-of-shoe", "in-shoe",    "hip",         "front-wheel",
                "left-crank",   "right-crank", "left-pedal", "right-pedal", "front-hub",
                "rear-dropout", "chainstay",   "rear-wheel", "rear-hub",    "chest",
                "spider",       "chain-ring",
        };

        if (location >= ELEMENTSOF(table))
                return NULL;
        return table[location];
}

int rsc_speed_from_kmh(double kmh, uint16_t *ret)
{
        double raw;

        if (isnan(kmh))
                return -EINVAL;
        raw = round(kmh / 3.6 * 256.0);
        if (raw < 0 || raw > UINT16_MAX)
                return -ERANGE;
        *ret = (uint16_t)raw;
        return 0;
}

int rsc_distance_from_m(double m, uint32_t *ret)
{
        double raw;

        if (isnan(m))
                return -EINVAL;
        raw = round(m * 10.0);
        if (raw < 0 || raw > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t)raw;
        return 0;
}
