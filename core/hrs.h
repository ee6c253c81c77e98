/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Heart Rate Service 1.0: Heart Rate Measurement (0x2A37). Pure codec: no I/O,
 * no logging. Parsers return 0 or -EBADMSG (malformed) and fill *ret only on
 * success.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HRS_UUID_SERVICE          0x180D
#define HRS_UUID_MEASUREMENT      0x2A37
#define HRS_UUID_BODY_SENSOR_LOC  0x2A38
#define BAS_UUID_SERVICE          0x180F
#define BAS_UUID_BATTERY_LEVEL    0x2A19

/* A 512-byte ATT MTU could carry ~250 RR values; no strap sends more than a few. */
#define HRS_MAX_RR 32

typedef enum HrsContact {
        HRS_CONTACT_NOT_SUPPORTED, /* bits 1-2 = 00 or 01 */
        HRS_CONTACT_NOT_DETECTED,  /* 10: supported, no contact */
        HRS_CONTACT_DETECTED,      /* 11 */
        _HRS_CONTACT_MAX,
        _HRS_CONTACT_INVALID = -EINVAL,
} HrsContact;

typedef struct HrsMeasurement {
        uint8_t flags;
        uint16_t heart_rate_bpm;
        bool hr_uint16; /* flags bit 0 */
        HrsContact contact;
        bool has_energy;
        uint16_t energy_kj;
        size_t n_rr;
        uint16_t rr_raw[HRS_MAX_RR]; /* units of 1/1024 s, oldest first */
        size_t rr_dropped;           /* RR values beyond HRS_MAX_RR (counted, not stored) */
        size_t trailing_bytes;       /* an odd byte left after the RR list */
} HrsMeasurement;

const char *hrs_contact_to_string(HrsContact c);

int hrs_parse_measurement(const uint8_t *buf, size_t len, HrsMeasurement *ret);
/* Encodes m (flags derived from hr_uint16/contact/has_energy/n_rr). -ENOBUFS if too small. */
int hrs_encode_measurement(const HrsMeasurement *m, uint8_t *buf, size_t size, size_t *ret_len);

/* Exact conversion of 1/1024 s ticks to milliseconds (x * 1000 / 1024, no rounding). */
static inline double hrs_rr_to_ms(uint16_t raw)
{
        return (double)raw * (1000.0 / 1024.0);
}
