/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Running Speed and Cadence Service 1.0 (RSCS): RSC Measurement (0x2A53),
 * RSC Feature (0x2A54) and Sensor Location (0x2A5D). Pure codec: no I/O, no
 * logging. Parsers return 0 or -EBADMSG (malformed) and fill *ret only on
 * success; encoders return -ENOBUFS when the buffer is too small. paced reads
 * a footpod with them and serves the treadmill as one (docs/protocol.md).
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RSC_UUID_SERVICE         0x1814
#define RSC_UUID_MEASUREMENT     0x2A53
#define RSC_UUID_FEATURE         0x2A54
#define RSC_UUID_SC_CONTROL      0x2A55
#define RSC_UUID_SENSOR_LOCATION 0x2A5D

/* RSC Measurement flags (RSCS 1.0 3.1.1.1). */
#define RSC_FLAG_STRIDE   0x01 /* Instantaneous Stride Length present */
#define RSC_FLAG_DISTANCE 0x02 /* Total Distance present */
#define RSC_FLAG_RUNNING  0x04 /* Walking or Running Status: 1 = running */

/* RSC Feature bits (RSCS 1.0 3.2). */
#define RSC_FEATURE_STRIDE             (1u << 0)
#define RSC_FEATURE_DISTANCE           (1u << 1)
#define RSC_FEATURE_RUNNING_STATUS     (1u << 2)
#define RSC_FEATURE_CALIBRATION        (1u << 3)
#define RSC_FEATURE_MULTIPLE_LOCATIONS (1u << 4)

/* The largest RSC Measurement: flags, speed, cadence, stride, distance. */
#define RSC_MEASUREMENT_MAX_LEN 10

typedef struct RscMeasurement {
        uint8_t flags;       /* as received (parse); derived from the fields (encode) */
        uint16_t speed_raw;  /* Instantaneous Speed, 1/256 m/s */
        uint8_t cadence_spm; /* Instantaneous Cadence, footfalls (steps) per minute */
        bool has_stride;
        uint16_t stride_cm; /* Instantaneous Stride Length, 1/100 m */
        bool has_distance;
        uint32_t distance_dm; /* Total Distance, 1/10 m */
        bool running;         /* Walking or Running Status bit */
        size_t trailing_bytes;
} RscMeasurement;

/* Sensor Location values (GATT Specification Supplement, Sensor Location): 0-16
 * are assigned, the rest reserved. */
#define RSC_LOCATION_OTHER       0
#define RSC_LOCATION_TOP_OF_SHOE 1
#define RSC_LOCATION_IN_SHOE     2
#define RSC_LOCATION_HIP         3
#define RSC_LOCATION_CHEST       14

int rsc_parse_measurement(const uint8_t *buf, size_t len, RscMeasurement *ret);
/* Encodes m; the flags come from has_stride, has_distance and running. */
int rsc_encode_measurement(const RscMeasurement *m, uint8_t *buf, size_t size, size_t *ret_len);

int rsc_parse_feature(const uint8_t *buf, size_t len, uint16_t *ret);
int rsc_encode_feature(uint16_t features, uint8_t *buf, size_t size, size_t *ret_len);

/* -EBADMSG for an empty value; reserved values decode (the caller shows them as such). */
int rsc_parse_sensor_location(const uint8_t *buf, size_t len, uint8_t *ret);
/* "top-of-shoe" etc., NULL for a reserved value. */
const char *rsc_sensor_location_to_string(uint8_t location);

/* Unit conversions: the field's resolution, exactly. */
static inline double rsc_speed_to_kmh(uint16_t raw)
{
        return (double)raw / 256.0 * 3.6;
}

/* Rounds to the field's 1/256 m/s; -ERANGE outside 0..65535/256 m/s, -EINVAL for NaN. */
int rsc_speed_from_kmh(double kmh, uint16_t *ret);
/* Rounds to the field's 0.1 m; -ERANGE past the uint32 field, -EINVAL for NaN. */
int rsc_distance_from_m(double m, uint32_t *ret);
