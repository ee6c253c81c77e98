/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "ftms-param.h"
#include "ftms.h"
#include "le-cursor.h"
#include "util.h"

typedef enum FieldType {
        FIELD_U8,
        FIELD_U16,
        FIELD_S16,
        FIELD_U24,
} FieldType;

/* How a field is held in FtmsTreadmillData: scaled ones as double, the rest in their wire type. */
typedef enum FieldStorage {
        STORE_DOUBLE,
        STORE_U8,
        STORE_U16,
        STORE_S16,
        STORE_U32,
} FieldStorage;

/*
 * One row per field, in the order the spec sends them. Bits 3, 4, 7 and 12
 * each gate two or three consecutive fields.
 */
typedef struct FieldInfo {
        const char *name;
        unsigned flag_bit;
        FieldType type;
        double resolution;
        size_t offset; /* of its member in FtmsTreadmillData */
        FieldStorage storage;
} FieldInfo;

/* The member's offset and, from its declared type, how it is stored. */
/* clang-format off */
#define MEMBER(m)                                                                                  \
        offsetof(FtmsTreadmillData, m),                                                            \
        _Generic(((FtmsTreadmillData *)NULL)->m,                                                   \
                 double: STORE_DOUBLE,                                                             \
                 uint8_t: STORE_U8,                                                                \
                 uint16_t: STORE_U16,                                                              \
                 int16_t: STORE_S16,                                                               \
                 uint32_t: STORE_U32)
/* clang-format on */

static const FieldInfo field_table[_FTMS_FIELD_MAX] = {
        [FTMS_FIELD_SPEED] = {"speed", 0, FIELD_U16, 0.01, MEMBER(speed_kmh)},
        [FTMS_FIELD_AVG_SPEED] = {"avg-speed", 1, FIELD_U16, 0.01, MEMBER(avg_speed_kmh)},
        [FTMS_FIELD_DISTANCE] = {"distance", 2, FIELD_U24, 1, MEMBER(distance_m)},
        [FTMS_FIELD_INCLINE] = {"incline", 3, FIELD_S16, 0.1, MEMBER(incline_pct)},
        [FTMS_FIELD_RAMP_ANGLE] = {"ramp-angle", 3, FIELD_S16, 0.1, MEMBER(ramp_deg)},
        [FTMS_FIELD_ELEV_POS] = {"elevation-gain-positive", 4, FIELD_U16, 0.1, MEMBER(elev_pos_m)},
        [FTMS_FIELD_ELEV_NEG] = {"elevation-gain-negative", 4, FIELD_U16, 0.1, MEMBER(elev_neg_m)},
        [FTMS_FIELD_INST_PACE] = {"instantaneous-pace", 5, FIELD_U8, 0.1, MEMBER(inst_pace_kmmin)},
        [FTMS_FIELD_AVG_PACE] = {"average-pace", 6, FIELD_U8, 0.1, MEMBER(avg_pace_kmmin)},
        [FTMS_FIELD_ENERGY_TOTAL] = {"total-energy", 7, FIELD_U16, 1, MEMBER(energy_total_kcal)},
        [FTMS_FIELD_ENERGY_PER_HOUR] = {"energy-per-hour", 7, FIELD_U16, 1,
                                        MEMBER(energy_per_hour_kcal)},
        [FTMS_FIELD_ENERGY_PER_MIN] = {"energy-per-minute", 7, FIELD_U8, 1,
                                       MEMBER(energy_per_min_kcal)},
        [FTMS_FIELD_HEART_RATE] = {"heart-rate", 8, FIELD_U8, 1, MEMBER(heart_rate_bpm)},
        [FTMS_FIELD_MET] = {"metabolic-equivalent", 9, FIELD_U8, 0.1, MEMBER(met)},
        [FTMS_FIELD_ELAPSED] = {"elapsed-time", 10, FIELD_U16, 1, MEMBER(elapsed_s)},
        [FTMS_FIELD_REMAINING] = {"remaining-time", 11, FIELD_U16, 1, MEMBER(remaining_s)},
        [FTMS_FIELD_FORCE] = {"force-on-belt", 12, FIELD_S16, 1, MEMBER(force_n)},
        [FTMS_FIELD_POWER] = {"power-output", 12, FIELD_S16, 1, MEMBER(power_w)},
};
#undef MEMBER

#define FTMS_TD_FLAG_MORE_DATA 0x0001
#define FTMS_TD_FLAG_RFU_MASK  0xE000

const char *ftms_field_to_string(FtmsField f)
{
        if (f < 0 || f >= _FTMS_FIELD_MAX)
                return NULL;
        return field_table[f].name;
}

static size_t field_width(FieldType t)
{
        switch (t) {
        case FIELD_U8:
                return 1;
        case FIELD_U16:
        case FIELD_S16:
                return 2;
        case FIELD_U24:
                return 3;
        }
        return 0;
}

/* "Data not available" values: all ones for unsigned fields, 0x7FFF for signed ones. */
static bool field_is_na(FieldType t, int32_t raw)
{
        switch (t) {
        case FIELD_U8:
                return raw == 0xFF;
        case FIELD_U16:
                return raw == 0xFFFF;
        case FIELD_S16:
                return raw == 0x7FFF;
        case FIELD_U24:
                return raw == 0xFFFFFF;
        }
        return false;
}

double ftms_treadmill_field_value(const FtmsTreadmillData *d, FtmsField f)
{
        const void *p;

        if (f < 0 || f >= _FTMS_FIELD_MAX)
                return NAN;
        p = (const uint8_t *)d + field_table[f].offset;
        switch (field_table[f].storage) {
        case STORE_DOUBLE:
                return *(const double *)p;
        case STORE_U8:
                return *(const uint8_t *)p;
        case STORE_U16:
                return *(const uint16_t *)p;
        case STORE_S16:
                return *(const int16_t *)p;
        case STORE_U32:
                return *(const uint32_t *)p;
        }
        return NAN;
}

void ftms_treadmill_field_set(FtmsTreadmillData *d, FtmsField f, double v)
{
        void *p;

        if (f < 0 || f >= _FTMS_FIELD_MAX)
                return;
        p = (uint8_t *)d + field_table[f].offset;
        switch (field_table[f].storage) {
        case STORE_DOUBLE:
                *(double *)p = v;
                break;
        case STORE_U8:
                *(uint8_t *)p = (uint8_t)lround(v);
                break;
        case STORE_U16:
                *(uint16_t *)p = (uint16_t)lround(v);
                break;
        case STORE_S16:
                *(int16_t *)p = (int16_t)lround(v);
                break;
        case STORE_U32:
                *(uint32_t *)p = (uint32_t)lround(v);
                break;
        }
        d->present |= FTMS_FIELD_BIT(f);
        d->na &= ~FTMS_FIELD_BIT(f);
}

static bool field_flag_set(uint16_t flags, FtmsField f)
{
        bool bit = flags & (1u << field_table[f].flag_bit);

        /* Bit 0 is "More Data": Instantaneous Speed is present when it is 0. */
        return f == FTMS_FIELD_SPEED ? !bit : bit;
}

/*
 * FTMS v1.0, 4.4 Treadmill Data; GATT XML org.bluetooth.characteristic.treadmill_data:
 *   "Flags Field: bit 0 More Data (0 = Instantaneous Speed field present, 1 =
 *    not present); bit 1 Average Speed present; bit 2 Total Distance present;
 *    bit 3 Inclination and Ramp Angle Setting present; bit 4 Elevation Gain
 *    present; bit 5 Instantaneous Pace present; bit 6 Average Pace present;
 *    bit 7 Expended Energy present; bit 8 Heart Rate present; bit 9 Metabolic
 *    Equivalent present; bit 10 Elapsed Time present; bit 11 Remaining Time
 *    present; bit 12 Force on Belt and Power Output present; bits 13-15 RFU."
 *   Fields follow the flags in that order: speed uint16 0.01 km/h; average
 *   speed uint16 0.01 km/h; total distance uint24 1 m; inclination sint16
 *   0.1 %; ramp angle sint16 0.1 degree; positive and negative elevation
 *   gain uint16 0.1 m; instantaneous and average pace uint8 0.1 km/min;
 *   total energy uint16 kcal, energy per hour uint16 kcal, energy per minute
 *   uint8 kcal; heart rate uint8 bpm; MET uint8 0.1; elapsed and remaining
 *   time uint16 s; force on belt sint16 N, power output sint16 W.
 *
 * Real devices cut notifications at the MTU (Matrix): decode the fields
 * that fit, stop at the first one that does not, and say so (truncated,
 * dangling_bytes). RFU flag bits and bytes after the last announced field
 * (Urevo) are reported, not rejected. Malformed: a value too short for the
 * flags themselves, or one cut before the first field its flags announce
 * (a 3-byte record: nothing of it is usable, and a record with no fields
 * would pass as valid data).
 */
int ftms_parse_treadmill_data(const uint8_t *buf, size_t len, FtmsTreadmillData *ret)
{
        LeCursor c = le_cursor_init(buf, len);
        FtmsTreadmillData d = {};
        int r;

        r = le_cursor_pull_u16(&c, &d.flags);
        if (r < 0)
                return r;
        d.more_data = d.flags & FTMS_TD_FLAG_MORE_DATA;
        d.rfu_bits = d.flags & FTMS_TD_FLAG_RFU_MASK;

        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++) {
                const FieldInfo *fi = &field_table[f];
                int32_t raw;

                if (!field_flag_set(d.flags, f))
                        continue;
                if (d.truncated)
                        continue;
                if (le_cursor_remaining(&c) < field_width(fi->type)) {
                        d.truncated = true;
                        d.dangling_bytes = le_cursor_remaining(&c);
                        (void)le_cursor_pull_bytes(&c, NULL, d.dangling_bytes);
                        continue;
                }

                switch (fi->type) {
                case FIELD_U8: {
                        uint8_t v;
                        r = le_cursor_pull_u8(&c, &v);
                        raw = v;
                        break;
                }
                case FIELD_U16: {
                        uint16_t v;
                        r = le_cursor_pull_u16(&c, &v);
                        raw = v;
                        break;
                }
                case FIELD_S16: {
                        int16_t v;
                        r = le_cursor_pull_s16(&c, &v);
                        raw = v;
                        break;
                }
                case FIELD_U24: {
                        uint32_t v;
                        r = le_cursor_pull_u24(&c, &v);
                        raw = (int32_t)v;
                        break;
                }
                default:
                        return -EBADMSG;
                }
                if (r < 0)
                        return r;

                /* Integer fields have resolution 1: their raw value is stored as is. */
                ftms_treadmill_field_set(&d, f, raw * fi->resolution);
                if (field_is_na(fi->type, raw))
                        d.na |= FTMS_FIELD_BIT(f);
        }
        d.trailing_bytes = le_cursor_remaining(&c);
        if (d.truncated && d.present == 0)
                return -EBADMSG;

        *ret = d;
        return 0;
}

static int field_to_raw(const FtmsTreadmillData *d, FtmsField f, int32_t *ret)
{
        const FieldInfo *fi = &field_table[f];
        double lo, hi;

        switch (fi->type) {
        case FIELD_U8:
                lo = 0, hi = 0xFF;
                break;
        case FIELD_U16:
                lo = 0, hi = 0xFFFF;
                break;
        case FIELD_S16:
                lo = INT16_MIN, hi = INT16_MAX;
                break;
        case FIELD_U24:
                lo = 0, hi = 0xFFFFFF;
                break;
        default:
                return -EINVAL;
        }

        /* A field marked "not available", or a group member not given, carries the sentinel. */
        if ((d->na & FTMS_FIELD_BIT(f)) || !(d->present & FTMS_FIELD_BIT(f))) {
                *ret = fi->type == FIELD_S16 ? 0x7FFF : (int32_t)hi;
                return 0;
        }

        return ftms_scale_to_raw(ftms_treadmill_field_value(d, f), fi->resolution, lo, hi, ret);
}

int ftms_encode_treadmill_data(const FtmsTreadmillData *d, uint8_t *buf, size_t size,
                               size_t *ret_len)
{
        LeWriter w = le_writer_init(buf, size);
        uint16_t flags = 0;
        int r;

        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++)
                if (d->present & FTMS_FIELD_BIT(f))
                        flags |= 1u << field_table[f].flag_bit;
        /* The bit that would mean "speed present" is the inverted More Data bit. */
        flags ^= FTMS_TD_FLAG_MORE_DATA;

        r = le_writer_put_u16(&w, flags);
        if (r < 0)
                return r;

        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++) {
                int32_t raw;

                if (!field_flag_set(flags, f))
                        continue;
                r = field_to_raw(d, f, &raw);
                if (r < 0)
                        return r;
                switch (field_table[f].type) {
                case FIELD_U8:
                        r = le_writer_put_u8(&w, (uint8_t)raw);
                        break;
                case FIELD_U16:
                        r = le_writer_put_u16(&w, (uint16_t)raw);
                        break;
                case FIELD_S16:
                        r = le_writer_put_s16(&w, (int16_t)raw);
                        break;
                case FIELD_U24:
                        r = le_writer_put_u24(&w, (uint32_t)raw);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }

        *ret_len = w.off;
        return 0;
}

void ftms_treadmill_assembler_reset(FtmsTreadmillAssembler *a)
{
        *a = (FtmsTreadmillAssembler){};
}

static void merge(FtmsTreadmillData *into, const FtmsTreadmillData *p)
{
        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++) {
                uint32_t bit = FTMS_FIELD_BIT(f);

                if (!(p->present & bit))
                        continue;
                into->present |= bit;
                into->na = (into->na & ~bit) | (p->na & bit);
        }
        into->flags |= p->flags;
        into->more_data = p->more_data;
        into->truncated |= p->truncated;
        into->dangling_bytes += p->dangling_bytes;
        into->trailing_bytes += p->trailing_bytes;
        into->rfu_bits |= p->rfu_bits;
}

/* Copies the values of the fields present in p into d (struct members one by one). */
static void merge_values(FtmsTreadmillData *d, const FtmsTreadmillData *p)
{
#define TAKE(field, member)                                                                        \
        if (p->present & FTMS_FIELD_BIT(field))                                                    \
        d->member = p->member
        TAKE(FTMS_FIELD_SPEED, speed_kmh);
        TAKE(FTMS_FIELD_AVG_SPEED, avg_speed_kmh);
        TAKE(FTMS_FIELD_DISTANCE, distance_m);
        TAKE(FTMS_FIELD_INCLINE, incline_pct);
        TAKE(FTMS_FIELD_RAMP_ANGLE, ramp_deg);
        TAKE(FTMS_FIELD_ELEV_POS, elev_pos_m);
        TAKE(FTMS_FIELD_ELEV_NEG, elev_neg_m);
        TAKE(FTMS_FIELD_INST_PACE, inst_pace_kmmin);
        TAKE(FTMS_FIELD_AVG_PACE, avg_pace_kmmin);
        TAKE(FTMS_FIELD_ENERGY_TOTAL, energy_total_kcal);
        TAKE(FTMS_FIELD_ENERGY_PER_HOUR, energy_per_hour_kcal);
        TAKE(FTMS_FIELD_ENERGY_PER_MIN, energy_per_min_kcal);
        TAKE(FTMS_FIELD_HEART_RATE, heart_rate_bpm);
        TAKE(FTMS_FIELD_MET, met);
        TAKE(FTMS_FIELD_ELAPSED, elapsed_s);
        TAKE(FTMS_FIELD_REMAINING, remaining_s);
        TAKE(FTMS_FIELD_FORCE, force_n);
        TAKE(FTMS_FIELD_POWER, power_w);
#undef TAKE
}

/*
 * FTMS v1.0, 4.4 Treadmill Data, Flags field (More Data): a server that cannot fit all fields in
 * one notification splits the record; every packet but the last has bit 0 set and no Instantaneous
 * Speed, the last one has bit 0 = 0 and the speed. We merge field by field and never reset a field
 * a later packet does not carry. A More Data packet that repeats a field already pending starts a
 * new record: the pending one is delivered as it is, so a device that never
 * clears bit 0 is not silenced.
 */
int ftms_treadmill_assembler_push(FtmsTreadmillAssembler *a, const uint8_t *buf, size_t len,
                                  FtmsTreadmillData *ret)
{
        FtmsTreadmillData p;
        int r;

        r = ftms_parse_treadmill_data(buf, len, &p);
        if (r < 0) {
                ftms_treadmill_assembler_reset(a);
                return r;
        }

        if (p.more_data && a->n_packets > 0 && (a->pending.present & p.present)) {
                *ret = a->pending;
                a->pending = p;
                a->n_packets = 1;
                return 1;
        }

        if (a->n_packets == 0)
                a->pending = p;
        else {
                merge_values(&a->pending, &p);
                merge(&a->pending, &p);
        }
        a->n_packets++;

        if (p.more_data)
                return 0;

        *ret = a->pending;
        ftms_treadmill_assembler_reset(a);
        return 1;
}
