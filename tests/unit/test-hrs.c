/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "hrs.h"
#include "test-helpers.h"

typedef struct HrVector {
        const char *hex;
        uint8_t flags;
        uint16_t hr;
        bool hr_uint16;
        HrsContact contact;
        size_t n_rr;
        uint16_t rr_raw[4];
        double rr_ms[4]; /* rounded to 2 decimals in the source: compare with a tolerance */
} HrVector;

/*
 * Every Heart Rate Measurement in tests/vectors/real-captures.jsonl, converted
 * to a table (sources per row; expected values decoded from HRS 1.0).
 */
static const HrVector real_vectors[] = {
        {/* unknown HRM ('byte HRM' fixture):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "0454",
         4,
         84,
         false,
         HRS_CONTACT_NOT_DETECTED,
         0,
         {},
         {}},
        {/* unknown HRM ('more HRM' fixture):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "1659a202",
         22,
         89,
         false,
         HRS_CONTACT_DETECTED,
         1,
         {674},
         {658.2}},
        {/* unknown HRM ('more HRM' fixture):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "165a9a02",
         22,
         90,
         false,
         HRS_CONTACT_DETECTED,
         1,
         {666},
         {650.39}},
        {/* unknown HRM ('more HRM' fixture):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "165c8c02",
         22,
         92,
         false,
         HRS_CONTACT_DETECTED,
         1,
         {652},
         {636.72}},
        {/* unknown HRM ('more HRM' fixture):
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "165d8502",
         22,
         93,
         false,
         HRS_CONTACT_DETECTED,
         1,
         {645},
         {629.88}},
        {/* Polar H7:
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "167310020d02",
         22,
         115,
         false,
         HRS_CONTACT_DETECTED,
         2,
         {528, 525},
         {515.62, 512.7}},
        {/* Polar H7:
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "16730f021102",
         22,
         115,
         false,
         HRS_CONTACT_DETECTED,
         2,
         {527, 529},
         {514.65, 516.6}},
        {/* Polar H7:
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "167414021602",
         22,
         116,
         false,
         HRS_CONTACT_DETECTED,
         2,
         {532, 534},
         {519.53, 521.48}},
        {/* Polar H7:
            https://github.com/TrackMyIndoorWorkout/TrackMyIndoorWorkout/blob/master/test/heart_rate_monitor_sensor_test.dart
          */
         "16742902",
         22,
         116,
         false,
         HRS_CONTACT_DETECTED,
         1,
         {553},
         {540.04}},
};

static void test_real_captures_decode(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF_(real_vectors); i++) {
                const HrVector *v = &real_vectors[i];
                uint8_t buf[64];
                size_t n = test_unhex(v->hex, buf, sizeof(buf));
                HrsMeasurement m;

                assert_int_equal(hrs_parse_measurement(buf, n, &m), 0);
                assert_int_equal(m.flags, v->flags);
                assert_int_equal(m.heart_rate_bpm, v->hr);
                assert_int_equal(m.hr_uint16, v->hr_uint16);
                assert_int_equal(m.contact, v->contact);
                assert_false(m.has_energy);
                assert_int_equal(m.n_rr, v->n_rr);
                for (size_t j = 0; j < v->n_rr; j++) {
                        assert_int_equal(m.rr_raw[j], v->rr_raw[j]);
                        assert_true(fabs(hrs_rr_to_ms(m.rr_raw[j]) - v->rr_ms[j]) < 0.006);
                }
                assert_int_equal(m.trailing_bytes, 0);
        }
}

/* The table above must hold every 2a37 capture in the jsonl file. */
static void test_real_captures_all_covered(void **state)
{
        char hexes[64][TEST_VECTOR_MAX_HEX];
        int n = test_real_vectors("2a37", hexes, 64);

        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                bool found = false;
                for (size_t j = 0; j < ELEMENTSOF_(real_vectors); j++)
                        found = found || strcmp(real_vectors[j].hex, hexes[i]) == 0;
                if (!found)
                        fail_msg("capture %s is not in the test table", hexes[i]);
        }
}

static void test_uint16_heart_rate(void **state)
{
        /* HRS 1.0 3.1.1.1: flags bit 0 = 1, heart rate as uint16 (0x012C = 300 bpm). */
        static const uint8_t b[] = {0x01, 0x2C, 0x01};
        HrsMeasurement m;

        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_true(m.hr_uint16);
        assert_int_equal(m.heart_rate_bpm, 300);
        assert_int_equal(m.n_rr, 0);
}

static void test_uint8_heart_rate_is_unsigned(void **state)
{
        /* A Java signed-byte bug read 0xB4 as -76 (stackoverflow 67024800). */
        static const uint8_t b[] = {0x10, 0xB4, 0x00, 0x02};
        HrsMeasurement m;

        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_int_equal(m.heart_rate_bpm, 180);
        assert_int_equal(m.contact, HRS_CONTACT_NOT_SUPPORTED);
        assert_int_equal(m.n_rr, 1);
        assert_int_equal(m.rr_raw[0], 512);
        assert_true(hrs_rr_to_ms(m.rr_raw[0]) == 500.0);
}

static void test_contact_bits(void **state)
{
        static const struct {
                uint8_t flags;
                HrsContact contact;
        } cases[] = {
                {0x00, HRS_CONTACT_NOT_SUPPORTED},
                {0x02, HRS_CONTACT_NOT_SUPPORTED}, /* bit 1 without bit 2 (real strap, 0x12) */
                {0x04, HRS_CONTACT_NOT_DETECTED},
                {0x06, HRS_CONTACT_DETECTED},
        };

        for (size_t i = 0; i < ELEMENTSOF_(cases); i++) {
                uint8_t b[] = {cases[i].flags, 70};
                HrsMeasurement m;

                assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
                assert_int_equal(m.contact, cases[i].contact);
                assert_int_equal(m.heart_rate_bpm, 70);
        }
        assert_string_equal(hrs_contact_to_string(HRS_CONTACT_DETECTED), "detected");
        assert_null(hrs_contact_to_string(_HRS_CONTACT_MAX));
}

static void test_energy_and_rr_list(void **state)
{
        /* uint16 HR, energy 0x0123 kJ, three RR values: 0x0400, 0x0300, 0x0200. */
        static const uint8_t b[] = {0x19, 0x96, 0x00, 0x23, 0x01, 0x00,
                                    0x04, 0x00, 0x03, 0x00, 0x02};
        HrsMeasurement m;

        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_int_equal(m.heart_rate_bpm, 150);
        assert_true(m.has_energy);
        assert_int_equal(m.energy_kj, 0x0123);
        assert_int_equal(m.n_rr, 3);
        assert_int_equal(m.rr_raw[0], 1024); /* oldest first */
        assert_int_equal(m.rr_raw[1], 768);
        assert_int_equal(m.rr_raw[2], 512);
        assert_true(hrs_rr_to_ms(m.rr_raw[0]) == 1000.0);
        assert_true(hrs_rr_to_ms(m.rr_raw[1]) == 750.0);
}

static void test_nine_rr_fill_a_default_mtu_packet(void **state)
{
        uint8_t b[20] = {0x10, 60};
        HrsMeasurement m;

        for (size_t i = 0; i < 9; i++) {
                b[2 + 2 * i] = (uint8_t)(1000 + i);
                b[3 + 2 * i] = (uint8_t)((1000 + i) >> 8);
        }
        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_int_equal(m.n_rr, 9);
        for (size_t i = 0; i < 9; i++)
                assert_int_equal(m.rr_raw[i], 1000 + i);
}

static void test_rr_beyond_limit_counted(void **state)
{
        uint8_t b[2 + 2 * (HRS_MAX_RR + 3)] = {0x10, 60};
        HrsMeasurement m;

        for (size_t i = 2; i < sizeof(b); i += 2)
                b[i + 1] = 0x03;
        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_int_equal(m.n_rr, HRS_MAX_RR);
        assert_int_equal(m.rr_dropped, 3);
}

static void test_odd_trailing_byte_reported(void **state)
{
        static const uint8_t b[] = {0x10, 60, 0x00, 0x04, 0x55};
        HrsMeasurement m;

        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_int_equal(m.n_rr, 1);
        assert_int_equal(m.trailing_bytes, 1);
}

static void test_rr_flag_without_values(void **state)
{
        static const uint8_t b[] = {0x10, 60};
        HrsMeasurement m;

        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_int_equal(m.n_rr, 0);
}

static void test_rfu_flag_bits_ignored(void **state)
{
        static const uint8_t b[] = {0xE0, 61};
        HrsMeasurement m;

        assert_int_equal(hrs_parse_measurement(b, sizeof(b), &m), 0);
        assert_int_equal(m.heart_rate_bpm, 61);
        assert_false(m.has_energy);
        assert_int_equal(m.n_rr, 0);
}

static void test_truncated_is_malformed(void **state)
{
        static const uint8_t hr16[] = {0x01, 0x50};
        static const uint8_t energy[] = {0x08, 0x50, 0x01};
        static const uint8_t flags_only[] = {0x00};
        HrsMeasurement m = {.heart_rate_bpm = 42};

        assert_int_equal(hrs_parse_measurement(NULL, 0, &m), -EBADMSG);
        assert_int_equal(hrs_parse_measurement(flags_only, sizeof(flags_only), &m), -EBADMSG);
        assert_int_equal(hrs_parse_measurement(hr16, sizeof(hr16), &m), -EBADMSG);
        assert_int_equal(hrs_parse_measurement(energy, sizeof(energy), &m), -EBADMSG);
        assert_int_equal(m.heart_rate_bpm, 42); /* untouched on failure */
}

static void test_rr_ms_does_not_accumulate_rounding(void **state)
{
        double sum = 0;

        /* 1024 beats of 1/1024 s * 1000 = exactly 1000 s; per-beat rounding to ms would drift. */
        for (unsigned i = 0; i < 1024; i++)
                sum += hrs_rr_to_ms(1000);
        assert_true(fabs(sum - 1000.0 * 1000.0) < 1e-6);
        assert_true(hrs_rr_to_ms(1) == 1000.0 / 1024.0);
}

static void test_encode_round_trip(void **state)
{
        for (unsigned combo = 0; combo < 48; combo++) {
                HrsMeasurement in =
                                       {
                                               .hr_uint16 = combo & 1,
                                               .heart_rate_bpm = (combo & 1) ? 260 : 170,
                                               .contact = (HrsContact)((combo >> 1) % 3),
                                               .has_energy = combo & 8,
                                               .energy_kj = 0xFFFF,
                                               .n_rr = (combo >> 4) * 3,
                                       },
                               out;
                uint8_t buf[64];
                size_t len;

                for (size_t i = 0; i < in.n_rr; i++)
                        in.rr_raw[i] = (uint16_t)(600 + 7 * i);
                assert_int_equal(hrs_encode_measurement(&in, buf, sizeof(buf), &len), 0);
                assert_int_equal(hrs_parse_measurement(buf, len, &out), 0);
                assert_int_equal(out.heart_rate_bpm, in.heart_rate_bpm);
                assert_int_equal(out.hr_uint16, in.hr_uint16);
                assert_int_equal(out.contact, in.contact);
                assert_int_equal(out.has_energy, in.has_energy);
                if (in.has_energy)
                        assert_int_equal(out.energy_kj, in.energy_kj);
                assert_int_equal(out.n_rr, in.n_rr);
                assert_memory_equal(out.rr_raw, in.rr_raw, in.n_rr * sizeof(uint16_t));
                assert_int_equal(out.trailing_bytes, 0);
        }
}

static void test_encode_real_capture_bytes(void **state)
{
        /* Polar H7 "167310020d02": contact detected, HR 115, RR 528 and 525. */
        HrsMeasurement m = {.heart_rate_bpm = 115,
                            .contact = HRS_CONTACT_DETECTED,
                            .n_rr = 2,
                            .rr_raw = {528, 525}};
        static const uint8_t expect[] = {0x16, 0x73, 0x10, 0x02, 0x0d, 0x02};
        uint8_t buf[6];
        size_t len;

        assert_int_equal(hrs_encode_measurement(&m, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, sizeof(expect));
        assert_memory_equal(buf, expect, sizeof(expect));
        assert_int_equal(hrs_encode_measurement(&m, buf, 5, &len), -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real_captures_decode),
                cmocka_unit_test(test_real_captures_all_covered),
                cmocka_unit_test(test_uint16_heart_rate),
                cmocka_unit_test(test_uint8_heart_rate_is_unsigned),
                cmocka_unit_test(test_contact_bits),
                cmocka_unit_test(test_energy_and_rr_list),
                cmocka_unit_test(test_nine_rr_fill_a_default_mtu_packet),
                cmocka_unit_test(test_rr_beyond_limit_counted),
                cmocka_unit_test(test_odd_trailing_byte_reported),
                cmocka_unit_test(test_rr_flag_without_values),
                cmocka_unit_test(test_rfu_flag_bits_ignored),
                cmocka_unit_test(test_truncated_is_malformed),
                cmocka_unit_test(test_rr_ms_does_not_accumulate_rounding),
                cmocka_unit_test(test_encode_round_trip),
                cmocka_unit_test(test_encode_real_capture_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
