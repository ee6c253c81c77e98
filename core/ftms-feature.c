/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ftms-param.h"
#include "ftms.h"
#include "le-cursor.h"
#include "util.h"

static const char *const machine_feature_table[] = {
        "average-speed",       "cadence",
        "total-distance",      "inclination",
        "elevation-gain",      "pace",
        "step-count",          "resistance-level",
        "stride-count",        "expended-energy",
        "heart-rate",          "metabolic-equivalent",
        "elapsed-time",        "remaining-time",
        "power-measurement",   "force-on-belt-and-power-output",
        "user-data-retention",
};

static const char *const target_feature_table[] = {
        "speed-target",
        "inclination-target",
        "resistance-target",
        "power-target",
        "heart-rate-target",
        "targeted-expended-energy",
        "targeted-step-number",
        "targeted-stride-number",
        "targeted-distance",
        "targeted-training-time",
        "targeted-time-in-two-hr-zones",
        "targeted-time-in-three-hr-zones",
        "targeted-time-in-five-hr-zones",
        "indoor-bike-simulation",
        "wheel-circumference",
        "spin-down-control",
        "targeted-cadence",
};

const char *ftms_feature_bit_to_string(bool machine, unsigned bit)
{
        if (machine)
                return bit < ELEMENTSOF(machine_feature_table) ? machine_feature_table[bit] : NULL;
        return bit < ELEMENTSOF(target_feature_table) ? target_feature_table[bit] : NULL;
}

/*
 * FTMS v1.0, 4.3 Fitness Machine Feature: "The Fitness Machine Feature
 * characteristic [...] Fitness Machine Features field (uint32) [...] Target
 * Setting Features field (uint32)." Bits 17-31 of both are RFU and passed
 * through as they are; the caller decides what to trust (real devices
 * advertise features they lack, so per-packet flags rule). Bytes after the
 * two fields are reported.
 */
int ftms_parse_feature(const uint8_t *buf, size_t len, FtmsFeature *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        FtmsFeature f = {};
        int r;

        r = le_cursor_pull_u32(&c, &f.machine);
        if (r < 0)
                return r;
        r = le_cursor_pull_u32(&c, &f.target);
        if (r < 0)
                return r;
        f.trailing_bytes = le_cursor_remaining(&c);
        *ret = f;
        return 0;
}

int ftms_encode_feature(const FtmsFeature *f, uint8_t *buf, size_t size, size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        int r;

        if (size < 8)
                return -ENOBUFS;
        r = le_writer_put_u32(&w, f->machine);
        if (r >= 0)
                r = le_writer_put_u32(&w, f->target);
        if (r < 0)
                return r;
        *ret_len = w.off;
        return 0;
}

/*
 * FTMS v1.0, 4.11 Supported Speed Range (GATT XML supported_speed_range):
 * "Minimum Speed uint16, Maximum Speed uint16, Minimum Increment uint16",
 * all in km/h with a resolution of 0.01 (the XML's "meters per second" in the
 * increment's description is a typo: its unit is km/h).
 */
int ftms_parse_speed_range(const uint8_t *buf, size_t len, FtmsRange *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        uint16_t lo, hi, inc;
        int r;

        r = le_cursor_pull_u16(&c, &lo);
        if (r >= 0)
                r = le_cursor_pull_u16(&c, &hi);
        if (r >= 0)
                r = le_cursor_pull_u16(&c, &inc);
        if (r < 0)
                return r;
        *ret = (FtmsRange){.min = lo * 0.01, .max = hi * 0.01, .increment = inc * 0.01};
        return 0;
}

/*
 * FTMS v1.0, 4.12 Supported Inclination Range (GATT XML
 * supported_inclination_range): "Minimum Inclination sint16, Maximum
 * Inclination sint16, Minimum Increment uint16", percent with a resolution of
 * 0.1. The minimum is negative on decline treadmills.
 */
int ftms_parse_incline_range(const uint8_t *buf, size_t len, FtmsRange *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        int16_t lo, hi;
        uint16_t inc;
        int r;

        r = le_cursor_pull_s16(&c, &lo);
        if (r >= 0)
                r = le_cursor_pull_s16(&c, &hi);
        if (r >= 0)
                r = le_cursor_pull_u16(&c, &inc);
        if (r < 0)
                return r;
        *ret = (FtmsRange){.min = lo * 0.1, .max = hi * 0.1, .increment = inc * 0.1};
        return 0;
}

int ftms_encode_speed_range(const FtmsRange *rg, uint8_t *buf, size_t size, size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        int32_t lo, hi, inc;
        int r;

        r = ftms_scale_to_raw(rg->min, 0.01, 0, UINT16_MAX, &lo);
        if (r >= 0)
                r = ftms_scale_to_raw(rg->max, 0.01, 0, UINT16_MAX, &hi);
        if (r >= 0)
                r = ftms_scale_to_raw(rg->increment, 0.01, 0, UINT16_MAX, &inc);
        if (r < 0)
                return r;
        if (size < 6)
                return -ENOBUFS;
        (void)le_writer_put_u16(&w, (uint16_t)lo);
        (void)le_writer_put_u16(&w, (uint16_t)hi);
        (void)le_writer_put_u16(&w, (uint16_t)inc);
        *ret_len = w.off;
        return 0;
}

int ftms_encode_incline_range(const FtmsRange *rg, uint8_t *buf, size_t size, size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        int32_t lo, hi, inc;
        int r;

        r = ftms_scale_to_raw(rg->min, 0.1, INT16_MIN, INT16_MAX, &lo);
        if (r >= 0)
                r = ftms_scale_to_raw(rg->max, 0.1, INT16_MIN, INT16_MAX, &hi);
        if (r >= 0)
                r = ftms_scale_to_raw(rg->increment, 0.1, 0, UINT16_MAX, &inc);
        if (r < 0)
                return r;
        if (size < 6)
                return -ENOBUFS;
        (void)le_writer_put_s16(&w, (int16_t)lo);
        (void)le_writer_put_s16(&w, (int16_t)hi);
        (void)le_writer_put_u16(&w, (uint16_t)inc);
        *ret_len = w.off;
        return 0;
}

/* Bluetooth Core Vol 3 Part B 2.5.1: the SIG base UUID 0000xxxx-0000-1000-8000-00805F9B34FB. */
static const char bt_base_suffix[] = "-0000-1000-8000-00805f9b34fb";

int bt_uuid16_from_string(const char *s, uint16_t *ret)
{
        unsigned v = 0;

        if (!s || strlen(s) != 36 || strncmp(s, "0000", 4) != 0)
                return -EINVAL;
        if (strcasecmp(s + 8, bt_base_suffix) != 0)
                return -EINVAL;
        for (size_t i = 4; i < 8; i++) {
                if (!isxdigit((unsigned char)s[i]))
                        return -EINVAL;
                v = v * 16 + (unsigned)(isdigit((unsigned char)s[i])
                                                ? s[i] - '0'
                                                : tolower((unsigned char)s[i]) - 'a' + 10);
        }
        *ret = (uint16_t)v;
        return 0;
}

void bt_uuid16_to_string(uint16_t uuid, char buf[static 37])
{
        snprintf(buf, 37, "0000%04x%s", uuid, bt_base_suffix);
}
