/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RSC Measurement, RSC Feature and Sensor Location (Running Speed and
 * Cadence Service 1.0): vectors derived from the specification's field
 * definitions (quoted in core/rsc.c), plus the one public fixture found
 * (OpenTracks). No public capture of a real footpod's notifications was
 * found to add (docs/protocol.md, Running Speed and Cadence).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rsc.h"
#include "test-helpers.h"
#include "util.h"

typedef struct RscVector {
        const char *what;
        const char *hex;
        double speed_kmh;
        uint8_t cadence;
        bool has_stride;
        double stride_m;
        bool has_distance;
        double distance_m;
        bool running;
        size_t trailing;
} RscVector;

static const RscVector vectors[] = {
        /* https://github.com/OpenTracksApp/OpenTracks/blob/main/src/androidTest/java/de/
         * dennisguse/opentracks/sensors/BluetoothHandlerRunningSpeedAndCadenceTest.java:
         * {2, 0, 5, 80, 0xFF, 0xFF, 0, 1}: 5 m/s, 80 /min, 6553.5 + 1677721.6 m. */
        {"opentracks fixture", "02000550ffff0001", 18.0, 80, false, 0, true, 1684275.1, false, 0},
        /* Mandatory fields only: 0x0280 = 640/256 = 2.5 m/s, walking, 100 /min. */
        {"speed and cadence", "00800264", 9.0, 100, false, 0, false, 0, false, 0},
        /* Every field, running: 0x0355 = 853/256 m/s, 172 /min, 116 cm, 1234 dm. */
        {"all fields", "075503ac7400d2040000", 853.0 / 256.0 * 3.6, 172, true, 1.16, true, 123.4,
         true, 0},
        /* Stride without distance: 0x0300 = 3 m/s, 180 /min, 0x0078 = 120 cm. */
        {"stride only", "050003b47800", 10.8, 180, true, 1.2, false, 0, true, 0},
        /* Distance without stride, and one byte of a later revision after it. */
        {"distance then extra byte", "0600037800000000ee", 10.8, 120, false, 0, true, 0, true, 1},
        /* RFU flag bits (3-7) say nothing about the layout. */
        {"rfu flags", "f8000300", 10.8, 0, false, 0, false, 0, false, 0},
};

static void test_vectors_decode(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const RscVector *v = &vectors[i];
                uint8_t buf[32];
                size_t len = test_unhex(v->hex, buf, sizeof(buf));
                RscMeasurement m;

                print_message("%s\n", v->what);
                assert_int_equal(rsc_parse_measurement(buf, len, &m), 0);
                assert_true(fabs(rsc_speed_to_kmh(m.speed_raw) - v->speed_kmh) < 1e-9);
                assert_int_equal(m.cadence_spm, v->cadence);
                assert_int_equal(m.has_stride, v->has_stride);
                if (v->has_stride)
                        assert_true(fabs(m.stride_cm / 100.0 - v->stride_m) < 1e-9);
                assert_int_equal(m.has_distance, v->has_distance);
                if (v->has_distance)
                        assert_true(fabs(m.distance_dm / 10.0 - v->distance_m) < 1e-6);
                assert_int_equal(m.running, v->running);
                assert_int_equal(m.trailing_bytes, v->trailing);
                assert_int_equal(m.flags, buf[0]);
        }
}

static void test_truncated_is_malformed(void **state)
{
        static const char *const bad[] = {
                "",                 /* nothing */
                "00",               /* flags only */
                "0000",             /* half the speed */
                "000003",           /* no cadence */
                "010003b474",       /* stride flagged, one byte of it */
                "020003b4d20400",   /* distance flagged, three bytes of it */
                "030003b47800d204", /* both, distance cut */
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint8_t buf[32];
                size_t len = test_unhex(bad[i], buf, sizeof(buf));
                RscMeasurement m = {.cadence_spm = 77};

                assert_int_equal(rsc_parse_measurement(buf, len, &m), -EBADMSG);
                /* *ret untouched on failure. */
                assert_int_equal(m.cadence_spm, 77);
        }
        assert_int_equal(rsc_parse_measurement(NULL, 0, &(RscMeasurement){}), -EBADMSG);
}

/* Every vector without RFU bits or trailing bytes encodes back to its own bytes. */
static void test_encode_matches_vectors(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const RscVector *v = &vectors[i];
                uint8_t in[32], out[RSC_MEASUREMENT_MAX_LEN];
                size_t len = test_unhex(v->hex, in, sizeof(in)), out_len;
                RscMeasurement m;

                if (v->trailing || (in[0] & 0xf8))
                        continue;
                assert_int_equal(rsc_parse_measurement(in, len, &m), 0);
                assert_int_equal(rsc_encode_measurement(&m, out, sizeof(out), &out_len), 0);
                assert_int_equal(out_len, len);
                assert_memory_equal(out, in, len);
        }
}

static void test_encode_fields(void **state)
{
        RscMeasurement m = {.cadence_spm = 170, .has_distance = true, .running = true};
        uint8_t buf[RSC_MEASUREMENT_MAX_LEN], want[16];
        size_t len;

        /* 12 km/h = 3.333 m/s = 853.33/256: rounds to 853 = 0x0355. 5 km = 50000 dm. */
        assert_int_equal(rsc_speed_from_kmh(12.0, &m.speed_raw), 0);
        assert_int_equal(m.speed_raw, 853);
        assert_int_equal(rsc_distance_from_m(5000.0, &m.distance_dm), 0);
        assert_int_equal(rsc_encode_measurement(&m, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, test_unhex("065503aa50c30000", want, sizeof(want)));
        assert_memory_equal(buf, want, len);

        /* Too small a buffer: nothing written, -ENOBUFS. */
        assert_int_equal(rsc_encode_measurement(&m, buf, 7, &len), -ENOBUFS);
        m.has_stride = true;
        m.stride_cm = 250;
        assert_int_equal(rsc_encode_measurement(&m, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, RSC_MEASUREMENT_MAX_LEN);
}

static void test_unit_conversions(void **state)
{
        uint16_t raw;
        uint32_t dm;

        /* The resolution is 1/256 m/s = 0.0140625 km/h: round trip within half of it. */
        for (double kmh = 0; kmh <= 30.0; kmh += 0.1) {
                assert_int_equal(rsc_speed_from_kmh(kmh, &raw), 0);
                assert_true(fabs(rsc_speed_to_kmh(raw) - kmh) <= 0.0140625 / 2 + 1e-12);
        }
        assert_int_equal(rsc_speed_from_kmh(-1.0, &raw), -ERANGE);
        assert_int_equal(rsc_speed_from_kmh(NAN, &raw), -EINVAL);
        /* 65535/256 m/s = 921.59 km/h is the field's top. */
        assert_int_equal(rsc_speed_from_kmh(921.58, &raw), 0);
        assert_int_equal(raw, 65535);
        assert_int_equal(rsc_speed_from_kmh(921.6, &raw), -ERANGE);
        assert_int_equal(rsc_distance_from_m(1609.344, &dm), 0);
        assert_int_equal(dm, 16093);
        assert_int_equal(rsc_distance_from_m(-0.5, &dm), -ERANGE);
        assert_int_equal(rsc_distance_from_m(5e8, &dm), -ERANGE);
        assert_int_equal(rsc_distance_from_m(NAN, &dm), -EINVAL);
}

static void test_feature(void **state)
{
        uint8_t buf[4];
        uint16_t f = 0xdead;
        size_t len;

        /* Stride, distance and walking/running status supported. */
        assert_int_equal(rsc_parse_feature(buf, test_unhex("0700", buf, sizeof(buf)), &f), 0);
        assert_int_equal(f, RSC_FEATURE_STRIDE | RSC_FEATURE_DISTANCE | RSC_FEATURE_RUNNING_STATUS);
        /* Calibration and multiple locations, and an RFU bit that is kept. */
        assert_int_equal(rsc_parse_feature(buf, test_unhex("1880", buf, sizeof(buf)), &f), 0);
        assert_int_equal(f, RSC_FEATURE_CALIBRATION | RSC_FEATURE_MULTIPLE_LOCATIONS | 0x8000);
        f = 0xdead;
        assert_int_equal(rsc_parse_feature(buf, test_unhex("07", buf, sizeof(buf)), &f), -EBADMSG);
        assert_int_equal(f, 0xdead);
        assert_int_equal(rsc_encode_feature(RSC_FEATURE_DISTANCE | RSC_FEATURE_RUNNING_STATUS, buf,
                                            sizeof(buf), &len),
                         0);
        assert_int_equal(len, 2);
        assert_int_equal(buf[0], 0x06);
        assert_int_equal(buf[1], 0x00);
        assert_int_equal(rsc_encode_feature(0, buf, 1, &len), -ENOBUFS);
}

static void test_sensor_location(void **state)
{
        uint8_t buf[2], loc;

        assert_int_equal(rsc_parse_sensor_location(buf, test_unhex("02", buf, sizeof(buf)), &loc),
                         0);
        assert_int_equal(loc, RSC_LOCATION_IN_SHOE);
        assert_string_equal(rsc_sensor_location_to_string(loc), "in-shoe");
        assert_string_equal(rsc_sensor_location_to_string(RSC_LOCATION_TOP_OF_SHOE), "top-of-shoe");
        assert_string_equal(rsc_sensor_location_to_string(RSC_LOCATION_HIP), "hip");
        assert_string_equal(rsc_sensor_location_to_string(RSC_LOCATION_CHEST), "chest");
        assert_string_equal(rsc_sensor_location_to_string(16), "chain-ring");
        assert_null(rsc_sensor_location_to_string(17));
        assert_int_equal(rsc_parse_sensor_location(buf, 0, &loc), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vectors_decode),
                cmocka_unit_test(test_truncated_is_malformed),
                cmocka_unit_test(test_encode_matches_vectors),
                cmocka_unit_test(test_encode_fields),
                cmocka_unit_test(test_unit_conversions),
                cmocka_unit_test(test_feature),
                cmocka_unit_test(test_sensor_location),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
