/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ftms.h"
#include "test-helpers.h"

#define B(f) FTMS_FIELD_BIT(FTMS_FIELD_##f)

static double field_value(const FtmsTreadmillData *d, FtmsField f)
{
        return ftms_treadmill_field_value(d, f);
}

typedef struct TdVector {
        const char *hex;
        uint16_t flags;
        bool more_data;
        uint32_t present;
        uint32_t na;
        double values[_FTMS_FIELD_MAX];
        bool truncated;
        size_t dangling_bytes;
        size_t trailing_bytes;
        uint16_t rfu_bits;
} TdVector;

/*
 * Every Treadmill Data capture in tests/vectors/real-captures.jsonl (sources
 * per row), converted to a table. Values are raw x resolution; "na" lists
 * fields holding the not-available sentinel (0xFFFF, 0xFF, 0xFFFFFF; 0x7FFF
 * for sint16). Life Fitness puts 0x7FFF into the uint16 negative elevation
 * gain: that is not the uint16 sentinel, so it decodes as 3276.7 m.
 */
static const TdVector real_vectors[] = {
        {/* Life Fitness treadmill (commercial, hotel gym):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/life_fitness_treadmill_test.dart
          */
         "9e04730233022500003c00ff7f0000ff7f0200ffffff1f00",
         1182,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN) |
                 B(ELAPSED),
         B(RAMP_ANGLE) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN),
         {[FTMS_FIELD_SPEED] = 6.27,
          [FTMS_FIELD_AVG_SPEED] = 5.63,
          [FTMS_FIELD_DISTANCE] = 37,
          [FTMS_FIELD_INCLINE] = 6.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 0.0,
          [FTMS_FIELD_ELEV_NEG] = 3276.7,
          [FTMS_FIELD_ENERGY_TOTAL] = 2,
          [FTMS_FIELD_ENERGY_PER_HOUR] = 65535,
          [FTMS_FIELD_ENERGY_PER_MIN] = 255,
          [FTMS_FIELD_ELAPSED] = 31},
         false,
         0,
         0,
         0x0},
        {/* Life Fitness treadmill (commercial, hotel gym):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/life_fitness_treadmill_test.dart
          */
         "9e0492014d027a00008200ff7fab00ff7f1000ffffff4d00",
         1182,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN) |
                 B(ELAPSED),
         B(RAMP_ANGLE) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN),
         {[FTMS_FIELD_SPEED] = 4.02,
          [FTMS_FIELD_AVG_SPEED] = 5.89,
          [FTMS_FIELD_DISTANCE] = 122,
          [FTMS_FIELD_INCLINE] = 13.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 17.1,
          [FTMS_FIELD_ELEV_NEG] = 3276.7,
          [FTMS_FIELD_ENERGY_TOTAL] = 16,
          [FTMS_FIELD_ENERGY_PER_HOUR] = 65535,
          [FTMS_FIELD_ENERGY_PER_MIN] = 255,
          [FTMS_FIELD_ELAPSED] = 77},
         false,
         0,
         0,
         0x0},
        {/* Life Fitness treadmill (commercial, hotel gym):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/life_fitness_treadmill_test.dart
          */
         "9e0517059202fb00000000ff7f7c00ff7f1b00ffffff698a00",
         1438,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN) |
                 B(HEART_RATE) | B(ELAPSED),
         B(RAMP_ANGLE) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN),
         {[FTMS_FIELD_SPEED] = 13.03,
          [FTMS_FIELD_AVG_SPEED] = 6.58,
          [FTMS_FIELD_DISTANCE] = 251,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 12.4,
          [FTMS_FIELD_ELEV_NEG] = 3276.7,
          [FTMS_FIELD_ENERGY_TOTAL] = 27,
          [FTMS_FIELD_ENERGY_PER_HOUR] = 65535,
          [FTMS_FIELD_ENERGY_PER_MIN] = 255,
          [FTMS_FIELD_HEART_RATE] = 105,
          [FTMS_FIELD_ELAPSED] = 138},
         false,
         0,
         0,
         0x0},
        {/* Life Fitness treadmill (commercial, hotel gym):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/life_fitness_treadmill_test.dart
          */
         "9e0c5000bd025301000000ff7f7c00ff7f2300ffffffad003b00",
         3230,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN) |
                 B(ELAPSED) | B(REMAINING),
         B(RAMP_ANGLE) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN),
         {[FTMS_FIELD_SPEED] = 0.8,
          [FTMS_FIELD_AVG_SPEED] = 7.01,
          [FTMS_FIELD_DISTANCE] = 339,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 12.4,
          [FTMS_FIELD_ELEV_NEG] = 3276.7,
          [FTMS_FIELD_ENERGY_TOTAL] = 35,
          [FTMS_FIELD_ENERGY_PER_HOUR] = 65535,
          [FTMS_FIELD_ENERGY_PER_MIN] = 255,
          [FTMS_FIELD_ELAPSED] = 173,
          [FTMS_FIELD_REMAINING] = 59},
         false,
         0,
         0,
         0x0},
        {/* Matrix treadmill (commercial console):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/matrix_treadmill_test.dart
          */
         "9e1b000000000000000000ff7f0000ffff000000",
         7070,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL),
         B(RAMP_ANGLE) | B(ELEV_NEG),
         {[FTMS_FIELD_SPEED] = 0.0,
          [FTMS_FIELD_AVG_SPEED] = 0.0,
          [FTMS_FIELD_DISTANCE] = 0,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 0.0,
          [FTMS_FIELD_ELEV_NEG] = 6553.5,
          [FTMS_FIELD_ENERGY_TOTAL] = 0},
         true,
         1,
         0,
         0x0},
        {/* Matrix treadmill (commercial console):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/matrix_treadmill_test.dart
          */
         "9e1f5100b2005800000000ff7f0000ffff0c0097",
         8094,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL),
         B(RAMP_ANGLE) | B(ELEV_NEG),
         {[FTMS_FIELD_SPEED] = 0.81,
          [FTMS_FIELD_AVG_SPEED] = 1.78,
          [FTMS_FIELD_DISTANCE] = 88,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 0.0,
          [FTMS_FIELD_ELEV_NEG] = 6553.5,
          [FTMS_FIELD_ENERGY_TOTAL] = 12},
         true,
         1,
         0,
         0x0},
        {/* Matrix treadmill (commercial console):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/matrix_treadmill_test.dart
          */
         "9e1f51007100d500000000ff7f1e00ffff260097",
         8094,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL),
         B(RAMP_ANGLE) | B(ELEV_NEG),
         {[FTMS_FIELD_SPEED] = 0.81,
          [FTMS_FIELD_AVG_SPEED] = 1.13,
          [FTMS_FIELD_DISTANCE] = 213,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 3.0,
          [FTMS_FIELD_ELEV_NEG] = 6553.5,
          [FTMS_FIELD_ENERGY_TOTAL] = 38},
         true,
         1,
         0,
         0x0},
        {/* Matrix treadmill (commercial console):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/matrix_treadmill_test.dart
          */
         "9e1fc60394023e01005a00ff7f3200ffff2500f4",
         8094,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL),
         B(RAMP_ANGLE) | B(ELEV_NEG),
         {[FTMS_FIELD_SPEED] = 9.66,
          [FTMS_FIELD_AVG_SPEED] = 6.6,
          [FTMS_FIELD_DISTANCE] = 318,
          [FTMS_FIELD_INCLINE] = 9.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 5.0,
          [FTMS_FIELD_ELEV_NEG] = 6553.5,
          [FTMS_FIELD_ENERGY_TOTAL] = 37},
         true,
         1,
         0,
         0x0},
        {/* Matrix treadmill (commercial console):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/matrix_treadmill_test.dart
          */
         "9e1fc6037603b805000000ff7f3c00ffffa9005c",
         8094,
         false,
         B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) |
                 B(ELEV_NEG) | B(ENERGY_TOTAL),
         B(RAMP_ANGLE) | B(ELEV_NEG),
         {[FTMS_FIELD_SPEED] = 9.66,
          [FTMS_FIELD_AVG_SPEED] = 8.86,
          [FTMS_FIELD_DISTANCE] = 1464,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 3276.7,
          [FTMS_FIELD_ELEV_POS] = 6.0,
          [FTMS_FIELD_ELEV_NEG] = 6553.5,
          [FTMS_FIELD_ENERGY_TOTAL] = 169},
         true,
         1,
         0,
         0x0},
        {/* Technogym MyRun:
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/technogym_myrun_test.dart
          */
         "1f0084012a00000000000001000000",
         31,
         true,
         B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) | B(ELEV_NEG),
         0,
         {[FTMS_FIELD_AVG_SPEED] = 3.88,
          [FTMS_FIELD_DISTANCE] = 42,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 0.0,
          [FTMS_FIELD_ELEV_POS] = 0.1,
          [FTMS_FIELD_ELEV_NEG] = 0.0},
         false,
         0,
         0,
         0x0},
        {/* Technogym MyRun:
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/technogym_myrun_test.dart
          */
         "80064e020200ffffff372700",
         1664,
         false,
         B(SPEED) | B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN) | B(MET) | B(ELAPSED),
         B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN),
         {[FTMS_FIELD_SPEED] = 5.9,
          [FTMS_FIELD_ENERGY_TOTAL] = 2,
          [FTMS_FIELD_ENERGY_PER_HOUR] = 65535,
          [FTMS_FIELD_ENERGY_PER_MIN] = 255,
          [FTMS_FIELD_MET] = 5.5,
          [FTMS_FIELD_ELAPSED] = 39},
         false,
         0,
         0,
         0x0},
        {/* Urevo walking pad, model not confirmed (pyftms' test for hassio-ftms issue 3):
            https://github.com/dudanov/pyftms/blob/master/tests/test_models.py */
         "9c25000000000000000000000000000000000000000000000000",
         9628,
         false,
         B(SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(ELEV_POS) | B(ELEV_NEG) |
                 B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN) | B(HEART_RATE) |
                 B(ELAPSED),
         0,
         {[FTMS_FIELD_SPEED] = 0.0,
          [FTMS_FIELD_DISTANCE] = 0,
          [FTMS_FIELD_INCLINE] = 0.0,
          [FTMS_FIELD_RAMP_ANGLE] = 0.0,
          [FTMS_FIELD_ELEV_POS] = 0.0,
          [FTMS_FIELD_ELEV_NEG] = 0.0,
          [FTMS_FIELD_ENERGY_TOTAL] = 0,
          [FTMS_FIELD_ENERGY_PER_HOUR] = 0,
          [FTMS_FIELD_ENERGY_PER_MIN] = 0,
          [FTMS_FIELD_HEART_RATE] = 0,
          [FTMS_FIELD_ELAPSED] = 0},
         false,
         0,
         3,
         0x2000},
};

static void check_vector(const TdVector *v, const FtmsTreadmillData *d)
{
        assert_int_equal(d->flags, v->flags);
        assert_int_equal(d->more_data, v->more_data);
        assert_int_equal(d->present, v->present);
        assert_int_equal(d->na, v->na);
        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++)
                if (v->present & FTMS_FIELD_BIT(f))
                        if (fabs(field_value(d, f) - v->values[f]) > 1e-9)
                                fail_msg("%s: field %s is %f, expected %f", v->hex,
                                         ftms_field_to_string(f), field_value(d, f), v->values[f]);
        assert_int_equal(d->truncated, v->truncated);
        assert_int_equal(d->dangling_bytes, v->dangling_bytes);
        assert_int_equal(d->trailing_bytes, v->trailing_bytes);
        assert_int_equal(d->rfu_bits, v->rfu_bits);
}

static void test_treadmill_real_captures(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF_(real_vectors); i++) {
                uint8_t buf[64];
                size_t n = test_unhex(real_vectors[i].hex, buf, sizeof(buf));
                FtmsTreadmillData d;

                assert_int_equal(ftms_parse_treadmill_data(buf, n, &d), 0);
                check_vector(&real_vectors[i], &d);
        }
}

/* The tables in this file must hold every FTMS capture in the jsonl file. */
static void test_real_captures_all_covered(void **state)
{
        static const char *const others[] = {"056900"};
        char hexes[64][TEST_VECTOR_MAX_HEX];
        int n = test_real_vectors("2acd", hexes, 64);

        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                bool found = false;
                for (size_t j = 0; j < ELEMENTSOF_(real_vectors); j++)
                        found = found || strcmp(real_vectors[j].hex, hexes[i]) == 0;
                if (!found)
                        fail_msg("treadmill capture %s is not in the test table", hexes[i]);
        }
        static const char *const uuids[] = {"2acc", "2ad3", "2ad4", "2ad5", "2ad9", "2ada"};
        for (size_t u = 0; u < ELEMENTSOF_(uuids); u++) {
                n = test_real_vectors(uuids[u], hexes, 64);
                for (int i = 0; i < n; i++) {
                        bool found = false;
                        for (size_t j = 0; j < ELEMENTSOF_(others); j++)
                                found = found || strcmp(others[j], hexes[i]) == 0;
                        if (!found)
                                fail_msg("%s capture %s has no test", uuids[u], hexes[i]);
                }
        }
}

/*
 * Spec-derived: every field present (flags 0x1FFE, speed present since bit 0
 * is clear), 34 bytes, signed fields negative. FTMS v1.0 4.4.
 */
static const uint8_t all_fields[] = {
        0xFE, 0x1F,       /* flags */
        0xE8, 0x03,       /* speed 10.00 km/h */
        0xB0, 0x04,       /* average speed 12.00 km/h */
        0x40, 0xE2, 0x01, /* distance 123456 m (uint24) */
        0xC4, 0xFF,       /* incline -6.0 % */
        0xF6, 0xFF,       /* ramp -1.0 deg */
        0x0A, 0x00,       /* elevation +1.0 m */
        0x14, 0x00,       /* elevation -2.0 m */
        0x32,             /* instantaneous pace 5.0 km/min */
        0x28,             /* average pace 4.0 km/min */
        0x2C, 0x01,       /* total energy 300 kcal */
        0x58, 0x02,       /* 600 kcal/h */
        0x0A,             /* 10 kcal/min */
        0x9B,             /* HR 155 bpm */
        0x64,             /* MET 10.0 */
        0x10, 0x0E,       /* elapsed 3600 s */
        0x2C, 0x01,       /* remaining 300 s */
        0x9C, 0xFF,       /* force -100 N */
        0x2C, 0x01,       /* power 300 W */
};

static void test_treadmill_all_fields(void **state)
{
        FtmsTreadmillData d;

        assert_int_equal(sizeof(all_fields), 34);
        assert_int_equal(ftms_parse_treadmill_data(all_fields, sizeof(all_fields), &d), 0);
        assert_int_equal(d.present, (1u << _FTMS_FIELD_MAX) - 1);
        assert_int_equal(d.na, 0);
        assert_false(d.more_data);
        assert_false(d.truncated);
        assert_int_equal(d.trailing_bytes, 0);
        assert_float_equal(d.speed_kmh, 10.0, 1e-9);
        assert_float_equal(d.avg_speed_kmh, 12.0, 1e-9);
        assert_int_equal(d.distance_m, 123456);
        assert_float_equal(d.incline_pct, -6.0, 1e-9);
        assert_float_equal(d.ramp_deg, -1.0, 1e-9);
        assert_float_equal(d.elev_pos_m, 1.0, 1e-9);
        assert_float_equal(d.elev_neg_m, 2.0, 1e-9);
        assert_float_equal(d.inst_pace_kmmin, 5.0, 1e-9);
        assert_float_equal(d.avg_pace_kmmin, 4.0, 1e-9);
        assert_int_equal(d.energy_total_kcal, 300);
        assert_int_equal(d.energy_per_hour_kcal, 600);
        assert_int_equal(d.energy_per_min_kcal, 10);
        assert_int_equal(d.heart_rate_bpm, 155);
        assert_float_equal(d.met, 10.0, 1e-9);
        assert_int_equal(d.elapsed_s, 3600);
        assert_int_equal(d.remaining_s, 300);
        assert_int_equal(d.force_n, -100);
        assert_int_equal(d.power_w, 300);
}

/*
 * Cutting the packet at any length after its first field decodes a prefix of
 * the fields and never fails; cut before the first field (the speed's 2 bytes
 * after the flags) it is malformed.
 */
static void test_treadmill_truncated_at_every_length(void **state)
{
        for (size_t len = 2; len < sizeof(all_fields); len++) {
                FtmsTreadmillData d;
                uint8_t *copy = malloc(len); /* exact size, so ASan sees any over-read */

                memcpy(copy, all_fields, len);
                if (len < 4) {
                        assert_int_equal(ftms_parse_treadmill_data(copy, len, &d), -EBADMSG);
                        free(copy);
                        continue;
                }
                assert_int_equal(ftms_parse_treadmill_data(copy, len, &d), 0);
                free(copy);
                assert_true(d.truncated);
                assert_int_equal(d.trailing_bytes, 0);
                /* present is a prefix of the field list */
                assert_int_equal(d.present & (d.present + 1), 0);
                assert_true(d.dangling_bytes < 3);
        }
        assert_int_equal(ftms_parse_treadmill_data(all_fields, 1, &(FtmsTreadmillData){}),
                         -EBADMSG);
        assert_int_equal(ftms_parse_treadmill_data(NULL, 0, &(FtmsTreadmillData){}), -EBADMSG);
}

/*
 * A 3-byte record (flags announcing the speed, one byte of it) was
 * accepted as a record with no fields. It is malformed, whichever field comes
 * first, and the assembler drops what it had pending.
 */
static void test_treadmill_cut_before_first_field_is_malformed(void **state)
{
        static const uint8_t speed_cut[] = {0x00, 0x00, 0xb0};          /* speed, 1 of 2 */
        static const uint8_t distance_cut[] = {0x05, 0x00, 0x64, 0x00}; /* More Data, distance */
        static const uint8_t more[] = {0x05, 0x00, 0x64, 0x00, 0x00};   /* More Data, distance */
        static const uint8_t speed[] = {0x00, 0x00, 0xb0, 0x04};
        static const uint8_t nothing[] = {0x01, 0x00}; /* More Data, no field announced */
        FtmsTreadmillAssembler a = {};
        FtmsTreadmillData d;

        assert_int_equal(ftms_parse_treadmill_data(speed_cut, sizeof(speed_cut), &d), -EBADMSG);
        assert_int_equal(ftms_parse_treadmill_data(distance_cut, sizeof(distance_cut), &d),
                         -EBADMSG);
        /* Nothing announced, nothing missing: empty, not malformed. */
        assert_int_equal(ftms_parse_treadmill_data(nothing, sizeof(nothing), &d), 0);
        assert_int_equal(d.present, 0);
        assert_false(d.truncated);

        assert_int_equal(ftms_treadmill_assembler_push(&a, more, sizeof(more), &d), 0);
        assert_int_equal(ftms_treadmill_assembler_push(&a, speed_cut, sizeof(speed_cut), &d),
                         -EBADMSG);
        /* The pending distance went with it: the next record is the speed alone. */
        assert_int_equal(ftms_treadmill_assembler_push(&a, speed, sizeof(speed), &d), 1);
        assert_int_equal(d.present, FTMS_FIELD_BIT(FTMS_FIELD_SPEED));
}

static void test_treadmill_more_data_bit_inverted(void **state)
{
        /* Bit 0 = 1: no speed; the next bytes are the average speed (bit 1). */
        static const uint8_t more[] = {0x03, 0x00, 0x10, 0x27};
        /* Bit 0 = 0, no other bits: the speed alone. */
        static const uint8_t speed_only[] = {0x00, 0x00, 0x10, 0x27};
        FtmsTreadmillData d;

        assert_int_equal(ftms_parse_treadmill_data(more, sizeof(more), &d), 0);
        assert_true(d.more_data);
        assert_int_equal(d.present, B(AVG_SPEED));
        assert_float_equal(d.avg_speed_kmh, 100.0, 1e-9);
        assert_int_equal(ftms_parse_treadmill_data(speed_only, sizeof(speed_only), &d), 0);
        assert_false(d.more_data);
        assert_int_equal(d.present, B(SPEED));
        assert_float_equal(d.speed_kmh, 100.0, 1e-9);
}

static void test_treadmill_sentinels(void **state)
{
        /* speed 0xFFFF, distance 0xFFFFFF, incline 0x7FFF, HR 0xFF */
        static const uint8_t b[] = {0x0C, 0x01, 0xFF, 0xFF, 0xFF, 0xFF,
                                    0xFF, 0xFF, 0x7F, 0x00, 0x80, 0xFF};
        FtmsTreadmillData d;

        assert_int_equal(ftms_parse_treadmill_data(b, sizeof(b), &d), 0);
        assert_int_equal(d.present,
                         B(SPEED) | B(DISTANCE) | B(INCLINE) | B(RAMP_ANGLE) | B(HEART_RATE));
        assert_int_equal(d.na, B(SPEED) | B(DISTANCE) | B(INCLINE) | B(HEART_RATE));
        assert_float_equal(d.ramp_deg, -3276.8, 1e-9); /* 0x8000 is a value, not a sentinel */
}

static void fill_distinct(FtmsTreadmillData *d, uint32_t present)
{
        static const double values[_FTMS_FIELD_MAX] = {
                12.34, 9.87, 42195, -3.5, 2.5,  12.3, 4.5, 6.1, 5.9,
                812,   700,  12,    172,  11.2, 3723, 61,  -12, 250,
        };

        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++)
                if (present & FTMS_FIELD_BIT(f))
                        ftms_treadmill_field_set(d, f, values[f]);
        assert_int_equal(d->present, present);
}

/* Maps flag bits 0-12 (bit 0 meaning "speed present" here) to the fields they gate. */
static uint32_t fields_of_bits(unsigned bits)
{
        static const uint32_t gate[13] = {
                B(SPEED),
                B(AVG_SPEED),
                B(DISTANCE),
                B(INCLINE) | B(RAMP_ANGLE),
                B(ELEV_POS) | B(ELEV_NEG),
                B(INST_PACE),
                B(AVG_PACE),
                B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN),
                B(HEART_RATE),
                B(MET),
                B(ELAPSED),
                B(REMAINING),
                B(FORCE) | B(POWER),
        };
        uint32_t r = 0;

        for (unsigned i = 0; i < 13; i++)
                if (bits & (1u << i))
                        r |= gate[i];
        return r;
}

/* All 8192 combinations of the 13 defined flag bits round-trip through the encoder. */
static void test_treadmill_every_flag_combination_round_trips(void **state)
{
        for (unsigned bits = 0; bits < (1u << 13); bits++) {
                FtmsTreadmillData in = {}, out;
                uint32_t present = fields_of_bits(bits);
                uint8_t buf[64];
                size_t len, expect_len = 2;

                fill_distinct(&in, present);
                assert_int_equal(ftms_encode_treadmill_data(&in, buf, sizeof(buf), &len), 0);
                assert_int_equal(ftms_parse_treadmill_data(buf, len, &out), 0);
                assert_int_equal(out.present, present);
                assert_int_equal(out.more_data, !(present & B(SPEED)));
                assert_int_equal(out.flags, (uint16_t)(bits ^ 1));
                assert_int_equal(out.na, 0);
                assert_false(out.truncated);
                assert_int_equal(out.trailing_bytes, 0);
                for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++)
                        if (present & FTMS_FIELD_BIT(f)) {
                                assert_float_equal(field_value(&out, f), field_value(&in, f), 1e-9);
                                expect_len +=
                                        f == FTMS_FIELD_DISTANCE ? 3
                                        : (f == FTMS_FIELD_INST_PACE || f == FTMS_FIELD_AVG_PACE ||
                                           f == FTMS_FIELD_ENERGY_PER_MIN ||
                                           f == FTMS_FIELD_HEART_RATE || f == FTMS_FIELD_MET)
                                                ? 1
                                                : 2;
                        }
                assert_int_equal(len, expect_len);
        }
}

static void test_treadmill_encode_real_bytes(void **state)
{
        /* Technogym packet 2 "80064e020200ffffff372700": energy per hour/minute not available. */
        FtmsTreadmillData d = {
                .present = B(SPEED) | B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN) |
                           B(MET) | B(ELAPSED),
                .na = B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN),
                .speed_kmh = 5.9,
                .energy_total_kcal = 2,
                .met = 5.5,
                .elapsed_s = 39,
        };
        uint8_t buf[32], expect[12];
        size_t len;

        test_unhex("80064e020200ffffff372700", expect, sizeof(expect));
        assert_int_equal(ftms_encode_treadmill_data(&d, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, 12);
        assert_memory_equal(buf, expect, 12);
        assert_int_equal(ftms_encode_treadmill_data(&d, buf, 11, &len), -ENOBUFS);
        d.speed_kmh = 1000;
        assert_int_equal(ftms_encode_treadmill_data(&d, buf, sizeof(buf), &len), -ERANGE);
        d.speed_kmh = NAN;
        assert_int_equal(ftms_encode_treadmill_data(&d, buf, sizeof(buf), &len), -EINVAL);
}

static void test_assembler_merges_technogym_split(void **state)
{
        FtmsTreadmillAssembler a;
        FtmsTreadmillData d;
        uint8_t p1[32], p2[32];
        size_t n1 = test_unhex("1f0084012a00000000000001000000", p1, sizeof(p1));
        size_t n2 = test_unhex("80064e020200ffffff372700", p2, sizeof(p2));

        ftms_treadmill_assembler_reset(&a);
        assert_int_equal(ftms_treadmill_assembler_push(&a, p1, n1, &d), 0);
        assert_int_equal(ftms_treadmill_assembler_push(&a, p2, n2, &d), 1);
        assert_int_equal(d.present, B(SPEED) | B(AVG_SPEED) | B(DISTANCE) | B(INCLINE) |
                                            B(RAMP_ANGLE) | B(ELEV_POS) | B(ELEV_NEG) |
                                            B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) |
                                            B(ENERGY_PER_MIN) | B(MET) | B(ELAPSED));
        assert_int_equal(d.na, B(ENERGY_PER_HOUR) | B(ENERGY_PER_MIN));
        assert_float_equal(d.speed_kmh, 5.9, 1e-9);
        assert_float_equal(d.avg_speed_kmh, 3.88, 1e-9); /* kept from packet 1 */
        assert_int_equal(d.distance_m, 42);
        assert_float_equal(d.elev_pos_m, 0.1, 1e-9);
        assert_float_equal(d.met, 5.5, 1e-9);
        assert_int_equal(d.elapsed_s, 39);
        assert_int_equal(d.flags, 0x001F | 0x0680);
        assert_false(d.more_data);

        /* The next record starts afresh: nothing of the previous one leaks in. */
        assert_int_equal(ftms_treadmill_assembler_push(&a, p2, n2, &d), 1);
        assert_int_equal(d.present, B(SPEED) | B(ENERGY_TOTAL) | B(ENERGY_PER_HOUR) |
                                            B(ENERGY_PER_MIN) | B(MET) | B(ELAPSED));
}

static void test_assembler_single_packet_records(void **state)
{
        FtmsTreadmillAssembler a;
        FtmsTreadmillData d;

        ftms_treadmill_assembler_reset(&a);
        for (size_t i = 0; i < ELEMENTSOF_(real_vectors); i++) {
                uint8_t buf[64];
                size_t n = test_unhex(real_vectors[i].hex, buf, sizeof(buf));

                if (real_vectors[i].more_data)
                        continue;
                assert_int_equal(ftms_treadmill_assembler_push(&a, buf, n, &d), 1);
                check_vector(&real_vectors[i], &d);
        }
}

static void test_assembler_flushes_when_more_data_repeats(void **state)
{
        /* A device that never clears bit 0: each packet repeats the average speed. */
        static const uint8_t a1[] = {0x03, 0x00, 0x64, 0x00};
        static const uint8_t a2[] = {0x03, 0x00, 0xC8, 0x00};
        FtmsTreadmillAssembler a;
        FtmsTreadmillData d;

        ftms_treadmill_assembler_reset(&a);
        assert_int_equal(ftms_treadmill_assembler_push(&a, a1, sizeof(a1), &d), 0);
        assert_int_equal(ftms_treadmill_assembler_push(&a, a2, sizeof(a2), &d), 1);
        assert_float_equal(d.avg_speed_kmh, 1.0, 1e-9);
        assert_int_equal(a.n_packets, 1);
        assert_float_equal(a.pending.avg_speed_kmh, 2.0, 1e-9);
}

static void test_assembler_drops_pending_on_malformed(void **state)
{
        static const uint8_t p1[] = {0x05, 0x00, 0x2A, 0x00, 0x00}; /* more data + distance */
        static const uint8_t bad[] = {0x00};
        static const uint8_t p2[] = {0x00, 0x00, 0xE8, 0x03};
        FtmsTreadmillAssembler a;
        FtmsTreadmillData d;

        ftms_treadmill_assembler_reset(&a);
        assert_int_equal(ftms_treadmill_assembler_push(&a, p1, sizeof(p1), &d), 0);
        assert_int_equal(ftms_treadmill_assembler_push(&a, bad, sizeof(bad), &d), -EBADMSG);
        assert_int_equal(ftms_treadmill_assembler_push(&a, p2, sizeof(p2), &d), 1);
        assert_int_equal(d.present, B(SPEED));
}

static void test_field_names(void **state)
{
        for (FtmsField f = 0; f < _FTMS_FIELD_MAX; f++)
                assert_non_null(ftms_field_to_string(f));
        assert_string_equal(ftms_field_to_string(FTMS_FIELD_SPEED), "speed");
        assert_null(ftms_field_to_string(_FTMS_FIELD_MAX));
}

static void test_feature_fitshow(void **state)
{
        /* Real, FitShow FS-6041F1 (docs/protocol.md, "Fitness Machine Feature"). */
        static const uint8_t b[] = {0x5C, 0x16, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00};
        FtmsFeature f;
        uint8_t out[8];
        size_t len;

        assert_int_equal(ftms_parse_feature(b, sizeof(b), &f), 0);
        assert_int_equal(f.machine, 0x165C);
        assert_int_equal(f.target, FTMS_TARGET_SPEED | FTMS_TARGET_INCLINATION);
        assert_true(f.machine & FTMS_FEATURE_INCLINATION);
        assert_true(f.machine & FTMS_FEATURE_ELAPSED_TIME);
        assert_false(f.machine & FTMS_FEATURE_AVG_SPEED);
        assert_int_equal(f.trailing_bytes, 0);
        assert_int_equal(ftms_encode_feature(&f, out, sizeof(out), &len), 0);
        assert_int_equal(len, 8);
        assert_memory_equal(out, b, 8);

        assert_int_equal(ftms_parse_feature(b, 7, &f), -EBADMSG);
        assert_string_equal(ftms_feature_bit_to_string(true, 3), "inclination");
        assert_string_equal(ftms_feature_bit_to_string(false, 0), "speed-target");
        assert_string_equal(ftms_feature_bit_to_string(true, 16), "user-data-retention");
        assert_null(ftms_feature_bit_to_string(true, 17));
        assert_null(ftms_feature_bit_to_string(false, 31));
}

static void test_feature_trailing_bytes(void **state)
{
        static const uint8_t b[] = {0, 0, 0, 0, 0, 0, 0, 0, 0xAA, 0xBB};
        FtmsFeature f;

        assert_int_equal(ftms_parse_feature(b, sizeof(b), &f), 0);
        assert_int_equal(f.trailing_bytes, 2);
}

static void test_speed_range(void **state)
{
        /* 1.00 - 18.00 km/h by 0.10 (FTMS 4.11: three uint16, 0.01 km/h). */
        static const uint8_t b[] = {0x64, 0x00, 0x08, 0x07, 0x0A, 0x00};
        FtmsRange r;
        uint8_t out[6];
        size_t len;

        assert_int_equal(ftms_parse_speed_range(b, sizeof(b), &r), 0);
        assert_float_equal(r.min, 1.0, 1e-9);
        assert_float_equal(r.max, 18.0, 1e-9);
        assert_float_equal(r.increment, 0.1, 1e-9);
        assert_int_equal(ftms_encode_speed_range(&r, out, sizeof(out), &len), 0);
        assert_memory_equal(out, b, 6);
        assert_int_equal(ftms_parse_speed_range(b, 5, &r), -EBADMSG);
        assert_int_equal(ftms_encode_speed_range(&r, out, 5, &len), -ENOBUFS);
        r.max = 700;
        assert_int_equal(ftms_encode_speed_range(&r, out, 6, &len), -ERANGE);
}

static void test_incline_range_negative(void **state)
{
        /* Sole F89: -6 % to +15 % by 0.5 (docs/protocol.md, "Supported ... Range"). */
        static const uint8_t b[] = {0xC4, 0xFF, 0x96, 0x00, 0x05, 0x00};
        FtmsRange r;
        uint8_t out[6];
        size_t len;

        assert_int_equal(ftms_parse_incline_range(b, sizeof(b), &r), 0);
        assert_float_equal(r.min, -6.0, 1e-9);
        assert_float_equal(r.max, 15.0, 1e-9);
        assert_float_equal(r.increment, 0.5, 1e-9);
        assert_int_equal(ftms_encode_incline_range(&r, out, sizeof(out), &len), 0);
        assert_memory_equal(out, b, 6);
        assert_int_equal(ftms_parse_incline_range(b, 4, &r), -EBADMSG);
}

static void test_training_status_fitshow_empty_string(void **state)
{
        /* FitShow: "01 01", the flags claim a string that is not there. */
        static const uint8_t b[] = {0x01, 0x01};
        FtmsTrainingStatus s;

        assert_int_equal(ftms_parse_training_status(b, sizeof(b), &s), 0);
        assert_int_equal(s.status, FTMS_TRAINING_IDLE);
        assert_true(s.string_missing);
        assert_string_equal(s.string, "");
        assert_string_equal(ftms_training_status_to_string(s.status), "idle");
}

static void test_training_status_string(void **state)
{
        static const uint8_t b[] = {0x01, 0x0D, 'Q', 'u', 'i', 'c', 'k'};
        static const uint8_t no_string[] = {0x00, 0x0F, 0x99};
        FtmsTrainingStatus s;
        uint8_t out[16];
        size_t len;

        assert_int_equal(ftms_parse_training_status(b, sizeof(b), &s), 0);
        assert_int_equal(s.status, FTMS_TRAINING_MANUAL_MODE);
        assert_false(s.string_missing);
        assert_string_equal(s.string, "Quick");
        assert_int_equal(ftms_encode_training_status(&s, out, sizeof(out), &len), 0);
        assert_int_equal(len, sizeof(b));
        assert_memory_equal(out, b, sizeof(b));

        assert_int_equal(ftms_parse_training_status(no_string, sizeof(no_string), &s), 0);
        assert_int_equal(s.status, FTMS_TRAINING_POST_WORKOUT);
        assert_int_equal(s.trailing_bytes, 1);
        assert_int_equal(ftms_parse_training_status(b, 1, &s), -EBADMSG);
        assert_null(ftms_training_status_to_string(0x10));
}

static void test_training_status_long_string_truncated(void **state)
{
        uint8_t b[2 + 100];
        FtmsTrainingStatus s;

        b[0] = 0x01;
        b[1] = 0x02;
        memset(b + 2, 'x', 100);
        assert_int_equal(ftms_parse_training_status(b, sizeof(b), &s), 0);
        assert_int_equal(strlen(s.string), sizeof(s.string) - 1);
}

static void test_machine_status_real_capture(void **state)
{
        /* pyftms tests/test_models.py: "056900" Target Speed Changed to 1.05 km/h. */
        static const uint8_t b[] = {0x05, 0x69, 0x00};
        FtmsMachineStatus s;

        assert_int_equal(ftms_parse_machine_status(b, sizeof(b), &s), 0);
        assert_int_equal(s.op, FTMS_STATUS_TARGET_SPEED_CHANGED);
        assert_true(s.known);
        assert_float_equal(s.value, 1.05, 1e-9);
        assert_int_equal(s.trailing_bytes, 0);
        assert_string_equal(ftms_status_op_to_string(s.op), "target-speed-changed");
}

typedef struct StatusCase {
        const char *hex;
        uint8_t op;
        double value;
        uint8_t stop_pause;
        size_t n_zones;
} StatusCase;

/* FTMS v1.0 4.17: one case per op code with its parameter. */
static const StatusCase status_cases[] = {
        {"01", FTMS_STATUS_RESET, 0, 0, 0},
        {"0201", FTMS_STATUS_STOPPED_OR_PAUSED, 1, FTMS_STOP_PARAM_STOP, 0},
        {"0202", FTMS_STATUS_STOPPED_OR_PAUSED, 2, FTMS_STOP_PARAM_PAUSE, 0},
        {"03", FTMS_STATUS_STOPPED_SAFETY_KEY, 0, 0, 0},
        {"04", FTMS_STATUS_STARTED_OR_RESUMED, 0, 0, 0},
        {"05e803", FTMS_STATUS_TARGET_SPEED_CHANGED, 10.0, 0, 0},
        {"06c4ff", FTMS_STATUS_TARGET_INCLINE_CHANGED, -6.0, 0, 0},
        {"0714", FTMS_STATUS_TARGET_RESISTANCE_CHANGED, 2.0, 0, 0},
        {"0838ff", FTMS_STATUS_TARGET_POWER_CHANGED, -200, 0, 0},
        {"0996", FTMS_STATUS_TARGET_HR_CHANGED, 150, 0, 0},
        {"0ae803", FTMS_STATUS_TARGETED_ENERGY_CHANGED, 1000, 0, 0},
        {"0b1027", FTMS_STATUS_TARGETED_STEPS_CHANGED, 10000, 0, 0},
        {"0c8813", FTMS_STATUS_TARGETED_STRIDES_CHANGED, 5000, 0, 0},
        {"0d13a400", FTMS_STATUS_TARGETED_DISTANCE_CHANGED, 42003, 0, 0},
        {"0e100e", FTMS_STATUS_TARGETED_TIME_CHANGED, 3600, 0, 0},
        {"0f3c007800", FTMS_STATUS_TARGETED_TIME_2ZONES_CHANGED, 0, 0, 2},
        {"103c007800b400", FTMS_STATUS_TARGETED_TIME_3ZONES_CHANGED, 0, 0, 3},
        {"113c007800b400f0002c01", FTMS_STATUS_TARGETED_TIME_5ZONES_CHANGED, 0, 0, 5},
        {"120000f4010000", FTMS_STATUS_BIKE_SIM_CHANGED, 5.0, 0, 0},
        {"13ec51", FTMS_STATUS_WHEEL_CIRCUMFERENCE_CHANGED, 2097.2, 0, 0},
        {"1402", FTMS_STATUS_SPIN_DOWN, 2, 0, 0},
        {"15b400", FTMS_STATUS_TARGETED_CADENCE_CHANGED, 90, 0, 0},
        {"ff", FTMS_STATUS_CONTROL_PERMISSION_LOST, 0, 0, 0},
};

static void test_machine_status_every_op(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF_(status_cases); i++) {
                const StatusCase *c = &status_cases[i];
                uint8_t b[16], out[16];
                size_t n = test_unhex(c->hex, b, sizeof(b)), len;
                FtmsMachineStatus s;

                assert_int_equal(ftms_parse_machine_status(b, n, &s), 0);
                assert_int_equal(s.op, c->op);
                assert_true(s.known);
                assert_non_null(ftms_status_op_to_string(s.op));
                assert_float_equal(s.value, c->value, 1e-9);
                assert_int_equal(s.stop_pause, c->stop_pause);
                assert_int_equal(s.n_zone_times, c->n_zones);
                for (size_t z = 0; z < c->n_zones; z++)
                        assert_int_equal(s.zone_times[z], 60 * (z + 1));
                assert_int_equal(s.trailing_bytes, 0);
                assert_int_equal(s.n_raw_param, n - 1);
                /* encoder round trip (bike simulation keeps only the grade) */
                assert_int_equal(ftms_encode_machine_status(&s, out, sizeof(out), &len), 0);
                assert_int_equal(len, n);
                if (c->op != FTMS_STATUS_BIKE_SIM_CHANGED)
                        assert_memory_equal(out, b, n);
                /* any shorter parameter is malformed, except stop/pause without its byte */
                if (n > 1 && c->op != FTMS_STATUS_STOPPED_OR_PAUSED)
                        assert_int_equal(ftms_parse_machine_status(b, n - 1, &s), -EBADMSG);
        }
}

static void test_machine_status_quirks(void **state)
{
        static const uint8_t stop_no_param[] = {0x02};
        static const uint8_t rfu[] = {0x42, 0x01, 0x02};
        static const uint8_t padded[] = {0x05, 0x69, 0x00, 0x00};
        FtmsMachineStatus s;

        assert_int_equal(ftms_parse_machine_status(stop_no_param, 1, &s), 0);
        assert_int_equal(s.op, FTMS_STATUS_STOPPED_OR_PAUSED);
        assert_int_equal(s.stop_pause, 0);
        assert_int_equal(ftms_parse_machine_status(rfu, sizeof(rfu), &s), 0);
        assert_false(s.known);
        assert_int_equal(s.trailing_bytes, 2);
        assert_null(ftms_status_op_to_string(0x42));
        assert_int_equal(ftms_parse_machine_status(padded, sizeof(padded), &s), 0);
        assert_int_equal(s.trailing_bytes, 1);
        assert_int_equal(ftms_parse_machine_status(NULL, 0, &s), -EBADMSG);
        assert_int_equal(ftms_status_op_to_cp_op(FTMS_STATUS_TARGET_SPEED_CHANGED),
                         FTMS_CP_SET_TARGET_SPEED);
        assert_int_equal(ftms_status_op_to_cp_op(FTMS_STATUS_TARGETED_ENERGY_CHANGED),
                         FTMS_CP_SET_TARGETED_ENERGY);
        assert_int_equal(ftms_status_op_to_cp_op(FTMS_STATUS_TARGETED_CADENCE_CHANGED),
                         FTMS_CP_SET_TARGETED_CADENCE);
        assert_int_equal(ftms_status_op_to_cp_op(FTMS_STATUS_STOPPED_OR_PAUSED), -EINVAL);
}

static void test_cp_encoders_exact_bytes(void **state)
{
        uint8_t b[FTMS_CP_MAX_LEN];
        size_t len;

        assert_int_equal(ftms_cp_encode_request_control(b, sizeof(b), &len), 0);
        assert_int_equal(len, 1);
        assert_int_equal(b[0], 0x00);
        assert_int_equal(ftms_cp_encode_reset(b, sizeof(b), &len), 0);
        assert_int_equal(len, 1);
        assert_int_equal(b[0], 0x01);
        assert_int_equal(ftms_cp_encode_set_target_speed(10.5, b, sizeof(b), &len), 0);
        assert_int_equal(len, 3);
        assert_memory_equal(b, ((uint8_t[]){0x02, 0x1A, 0x04}), 3);
        /* rounded to 0.01 km/h, not truncated: 8.0 km/h from float arithmetic */
        assert_int_equal(ftms_cp_encode_set_target_speed(0.1 * 80, b, sizeof(b), &len), 0);
        assert_memory_equal(b, ((uint8_t[]){0x02, 0x20, 0x03}), 3);
        assert_int_equal(ftms_cp_encode_set_target_incline(-2.5, b, sizeof(b), &len), 0);
        assert_int_equal(len, 3);
        assert_memory_equal(b, ((uint8_t[]){0x03, 0xE7, 0xFF}), 3);
        assert_int_equal(ftms_cp_encode_start_resume(b, sizeof(b), &len), 0);
        assert_int_equal(len, 1);
        assert_int_equal(b[0], 0x07);
        assert_int_equal(ftms_cp_encode_stop_pause(FTMS_STOP_PARAM_STOP, b, sizeof(b), &len), 0);
        assert_int_equal(len, 2);
        assert_memory_equal(b, ((uint8_t[]){0x08, 0x01}), 2);
        assert_int_equal(ftms_cp_encode_stop_pause(FTMS_STOP_PARAM_PAUSE, b, sizeof(b), &len), 0);
        assert_memory_equal(b, ((uint8_t[]){0x08, 0x02}), 2);
}

static void test_cp_encoders_reject_bad_values(void **state)
{
        uint8_t b[FTMS_CP_MAX_LEN] = {0xAA};
        size_t len = 99;

        assert_int_equal(ftms_cp_encode_set_target_speed(-1, b, sizeof(b), &len), -ERANGE);
        assert_int_equal(ftms_cp_encode_set_target_speed(655.36, b, sizeof(b), &len), -ERANGE);
        assert_int_equal(ftms_cp_encode_set_target_speed(NAN, b, sizeof(b), &len), -EINVAL);
        assert_int_equal(ftms_cp_encode_set_target_speed(INFINITY, b, sizeof(b), &len), -EINVAL);
        assert_int_equal(ftms_cp_encode_set_target_incline(3276.8, b, sizeof(b), &len), -ERANGE);
        assert_int_equal(ftms_cp_encode_set_target_incline(-3276.9, b, sizeof(b), &len), -ERANGE);
        assert_int_equal(ftms_cp_encode_stop_pause(3, b, sizeof(b), &len), -EINVAL);
        assert_int_equal(ftms_cp_encode_set_target_speed(5, b, 2, &len), -ENOBUFS);
        assert_int_equal(ftms_cp_encode_request_control(b, 0, &len), -ENOBUFS);
        assert_int_equal(b[0], 0xAA);
        assert_int_equal(len, 99);
}

static void test_cp_request_parse(void **state)
{
        /* simcline padded every write to 8 bytes; trainers still accepted them. */
        static const uint8_t padded[] = {0x02, 0x4C, 0x04, 0, 0, 0, 0, 0};
        static const uint8_t incline[] = {0x03, 0xE7, 0xFF};
        static const uint8_t stop[] = {0x08, 0x02};
        static const uint8_t stop_short[] = {0x08};
        static const uint8_t rfu[] = {0x33, 0x01, 0x02};
        FtmsCpRequest q;

        assert_int_equal(ftms_cp_parse_request(padded, sizeof(padded), &q), 0);
        assert_int_equal(q.op, FTMS_CP_SET_TARGET_SPEED);
        assert_float_equal(q.value, 11.0, 1e-9);
        assert_int_equal(q.n_raw_param, 2);
        assert_int_equal(q.trailing_bytes, 5);
        assert_int_equal(ftms_cp_parse_request(incline, sizeof(incline), &q), 0);
        assert_float_equal(q.value, -2.5, 1e-9);
        assert_int_equal(ftms_cp_parse_request(stop, sizeof(stop), &q), 0);
        assert_int_equal(q.stop_pause, FTMS_STOP_PARAM_PAUSE);
        assert_int_equal(ftms_cp_parse_request(stop_short, sizeof(stop_short), &q), -EBADMSG);
        assert_int_equal(ftms_cp_parse_request(rfu, sizeof(rfu), &q), 0);
        assert_int_equal(q.op, 0x33);
        assert_int_equal(q.n_raw_param, 2);
        assert_null(ftms_cp_op_to_string(0x33));
        assert_int_equal(ftms_cp_parse_request(NULL, 0, &q), -EBADMSG);
}

static void test_cp_request_round_trip_every_op(void **state)
{
        for (unsigned op = 0; op <= FTMS_CP_SET_TARGETED_CADENCE; op++) {
                uint8_t b[FTMS_CP_MAX_LEN] = {(uint8_t)op, 0x01, 0x01, 0x01, 0x01, 0x01,
                                              0x01,        0x01, 0x01, 0x01, 0x01};
                FtmsCpRequest q;

                assert_non_null(ftms_cp_op_to_string((uint8_t)op));
                assert_int_equal(ftms_cp_parse_request(b, 11, &q), 0);
                assert_int_equal(q.op, op);
                assert_int_equal(q.n_raw_param + q.trailing_bytes, 10);
                /* one byte shorter than the defined parameter is malformed */
                if (q.n_raw_param > 0)
                        assert_int_equal(ftms_cp_parse_request(b, q.n_raw_param, &q), -EBADMSG);
        }
}

static void test_cp_response(void **state)
{
        /* Elite / Zwift Hub: "80 00 01" and "80 11 01" (docs/protocol.md). */
        static const uint8_t ok[] = {0x80, 0x00, 0x01};
        static const uint8_t sim_ok[] = {0x80, 0x11, 0x01};
        static const uint8_t spin[] = {0x80, 0x13, 0x01, 0x10, 0x27, 0x20, 0x4E};
        FtmsCpResponse r;
        uint8_t out[16];
        size_t len;

        assert_int_equal(ftms_cp_parse_response(ok, sizeof(ok), &r), 0);
        assert_int_equal(r.request_op, FTMS_CP_REQUEST_CONTROL);
        assert_int_equal(r.result, FTMS_RESULT_SUCCESS);
        assert_int_equal(r.n_param, 0);
        assert_int_equal(ftms_cp_parse_response(sim_ok, sizeof(sim_ok), &r), 0);
        assert_int_equal(r.request_op, FTMS_CP_SET_BIKE_SIM);
        assert_int_equal(ftms_cp_parse_response(spin, sizeof(spin), &r), 0);
        assert_int_equal(r.n_param, 4);
        assert_int_equal(ftms_cp_encode_response(&r, out, sizeof(out), &len), 0);
        assert_int_equal(len, sizeof(spin));
        assert_memory_equal(out, spin, sizeof(spin));
        assert_int_equal(ftms_cp_encode_response(&r, out, 6, &len), -ENOBUFS);

        assert_int_equal(ftms_cp_parse_response(ok, 2, &r), -EBADMSG);
        assert_int_equal(ftms_cp_parse_response((const uint8_t[]){0x00, 0x00, 0x01}, 3, &r),
                         -EBADMSG);
        uint8_t long_resp[3 + FTMS_CP_MAX_LEN + 1] = {0x80, 0x02, 0x01};
        assert_int_equal(ftms_cp_parse_response(long_resp, sizeof(long_resp), &r), -EBADMSG);
}

static void test_cp_result_names(void **state)
{
        assert_string_equal(ftms_cp_result_to_string(FTMS_RESULT_SUCCESS), "success");
        assert_string_equal(ftms_cp_result_to_string(FTMS_RESULT_NOT_SUPPORTED),
                            "op-code-not-supported");
        assert_string_equal(ftms_cp_result_to_string(FTMS_RESULT_INVALID_PARAMETER),
                            "invalid-parameter");
        assert_string_equal(ftms_cp_result_to_string(FTMS_RESULT_OPERATION_FAILED),
                            "operation-failed");
        assert_string_equal(ftms_cp_result_to_string(FTMS_RESULT_CONTROL_NOT_PERMITTED),
                            "control-not-permitted");
        assert_null(ftms_cp_result_to_string(0x00));
        assert_null(ftms_cp_result_to_string(0x06));
        assert_string_equal(ftms_cp_op_to_string(FTMS_CP_REQUEST_CONTROL), "request-control");
        assert_string_equal(ftms_cp_op_to_string(FTMS_CP_RESET), "reset");
}

static void test_uuid_strings(void **state)
{
        char s[37];
        uint16_t u;

        bt_uuid16_to_string(FTMS_UUID_TREADMILL_DATA, s);
        assert_string_equal(s, "00002acd-0000-1000-8000-00805f9b34fb");
        assert_int_equal(bt_uuid16_from_string(s, &u), 0);
        assert_int_equal(u, 0x2ACD);
        assert_int_equal(bt_uuid16_from_string("00002A37-0000-1000-8000-00805F9B34FB", &u), 0);
        assert_int_equal(u, 0x2A37);
        assert_int_equal(bt_uuid16_from_string("12342a37-0000-1000-8000-00805f9b34fb", &u),
                         -EINVAL);
        assert_int_equal(bt_uuid16_from_string("00002a37-0000-1000-8000-00805f9b34fc", &u),
                         -EINVAL);
        assert_int_equal(bt_uuid16_from_string("0000zz37-0000-1000-8000-00805f9b34fb", &u),
                         -EINVAL);
        assert_int_equal(bt_uuid16_from_string("2a37", &u), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_treadmill_real_captures),
                cmocka_unit_test(test_real_captures_all_covered),
                cmocka_unit_test(test_treadmill_all_fields),
                cmocka_unit_test(test_treadmill_truncated_at_every_length),
                cmocka_unit_test(test_treadmill_cut_before_first_field_is_malformed),
                cmocka_unit_test(test_treadmill_more_data_bit_inverted),
                cmocka_unit_test(test_treadmill_sentinels),
                cmocka_unit_test(test_treadmill_every_flag_combination_round_trips),
                cmocka_unit_test(test_treadmill_encode_real_bytes),
                cmocka_unit_test(test_assembler_merges_technogym_split),
                cmocka_unit_test(test_assembler_single_packet_records),
                cmocka_unit_test(test_assembler_flushes_when_more_data_repeats),
                cmocka_unit_test(test_assembler_drops_pending_on_malformed),
                cmocka_unit_test(test_field_names),
                cmocka_unit_test(test_feature_fitshow),
                cmocka_unit_test(test_feature_trailing_bytes),
                cmocka_unit_test(test_speed_range),
                cmocka_unit_test(test_incline_range_negative),
                cmocka_unit_test(test_training_status_fitshow_empty_string),
                cmocka_unit_test(test_training_status_string),
                cmocka_unit_test(test_training_status_long_string_truncated),
                cmocka_unit_test(test_machine_status_real_capture),
                cmocka_unit_test(test_machine_status_every_op),
                cmocka_unit_test(test_machine_status_quirks),
                cmocka_unit_test(test_cp_encoders_exact_bytes),
                cmocka_unit_test(test_cp_encoders_reject_bad_values),
                cmocka_unit_test(test_cp_request_parse),
                cmocka_unit_test(test_cp_request_round_trip_every_op),
                cmocka_unit_test(test_cp_response),
                cmocka_unit_test(test_cp_result_names),
                cmocka_unit_test(test_uuid_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
