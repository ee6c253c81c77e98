/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RR files as runners have them (rr-file.h): a real FatMaxxer log
 * (tests/data/rr, see its README) and the same beats in the layouts of HRV
 * Logger, FatMaxxer's current version, Polar Sensor Logger and plain lists
 * must all read as the same RR series, each saying which format it was;
 * byte-order marks are skipped; malformed files say what and where; FIT
 * activities give the RR of their hrv messages (any architecture, developer
 * fields, compressed timestamps, chained files, paced's own export) and the
 * speed of their records. The real log's alpha1 is checked against the
 * reference values published with it, and two more real recordings (a rest
 * and a cycling session of a Polar watch) read as a runner would see them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "export-fit.h"
#include "rr-analysis.h"
#include "rr-file.h"
#include "rr-fit.h"
#include "session-fixture.h"
#include "util.h"

#define DATA PACED_SOURCE_DIR "/tests/data/rr/"

static RrRecording *read_path(const char *name, RrFileFormat *format)
{
        char path[512];
        RrRecording *r = NULL;
        RrCsvError err = {};
        FILE *f;
        int k;

        snprintf(path, sizeof(path), DATA "%s", name);
        f = fopen(path, "re");
        assert_non_null(f);
        k = rr_file_read(f, &r, format, &err);
        fclose(f);
        if (k < 0)
                fail_msg("%s:%u: %s", name, err.line, err.message);
        return r;
}

static void test_layouts_read_the_same_beats(void **state)
{
        static const struct {
                const char *name;
                RrFileFormat format;
                bool has_t;
        } files[] = {
                {"fatmaxxer-new-layout.csv", RR_FILE_FATMAXXER, true},
                {"hrv-logger.csv", RR_FILE_HRV_LOGGER, true},
                {"polar-sensor-logger.txt", RR_FILE_POLAR_SENSOR_LOGGER, false},
                {"kubios-seconds.txt", RR_FILE_PLAIN, false},
                {"welltory-blank-separated.txt", RR_FILE_PLAIN, false},
        };
        RrFileFormat format;
        RrRecording *real = read_path("fatmaxxer-20210606.rr.csv", &format);

        /* the real log: FatMaxxer's first layout, "timestamp,rr" over three columns */
        assert_int_equal(format, RR_FILE_FATMAXXER);
        assert_int_equal(real->n_rows, 1286);
        assert_true(real->has_t);
        assert_float_equal(real->rows[0].rr_ms, 615, 0);
        assert_float_equal(real->rows[0].t_s, 0.615, 1e-9);
        /* its since_start counts to the start of a beat: t_s is the end */
        assert_float_equal(real->rows[1285].t_s, (762489 + 463) / 1000.0, 1e-9);

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                RrRecording *r = read_path(files[i].name, &format);

                assert_int_equal(format, files[i].format);
                assert_int_equal(r->n_rows, 300);
                assert_int_equal(r->has_t, files[i].has_t);
                for (size_t k = 0; k < r->n_rows; k++) {
                        assert_float_equal(r->rows[k].rr_ms, real->rows[k].rr_ms, 1e-9);
                        if (files[i].has_t)
                                assert_float_equal(r->rows[k].t_s, real->rows[k].t_s, 1e-9);
                }
                rr_recording_free(r);
        }
        rr_recording_free(real);
        assert_string_equal(rr_file_format_to_string(RR_FILE_POLAR_SENSOR_LOGGER),
                            "Polar Sensor Logger");
        assert_null(rr_file_format_to_string(_RR_FILE_FORMAT_MAX));
}

static RrRecording *parse_text(const char *text, RrFileFormat *format)
{
        RrRecording *r = NULL;
        RrCsvError err = {};

        if (rr_file_parse(text, strlen(text), &r, format, &err) < 0)
                fail_msg("line %u: %s", err.line, err.message);
        return r;
}

static void test_byte_order_mark_and_variants(void **state)
{
        RrFileFormat format;
        RrRecording *r;

        r = parse_text("\xef\xbb\xbf"
                       "Phone timestamp;RR-interval [ms]\r\n"
                       "2024-01-01T10:00:00.100;800\r\n2024-01-01T10:00:01.000;810\r\n",
                       &format);
        assert_int_equal(format, RR_FILE_POLAR_SENSOR_LOGGER);
        assert_int_equal(r->n_rows, 2);
        assert_float_equal(r->rows[1].rr_ms, 810, 0);
        rr_recording_free(r);

        r = parse_text("\xef\xbb\xbf"
                       "812\n815\n",
                       &format);
        assert_int_equal(format, RR_FILE_PLAIN);
        assert_int_equal(r->n_rows, 2);
        rr_recording_free(r);

        /* HRV Logger's other spelling, and its column order not assumed */
        r = parse_text("date,since_start,rr\n2024-01-01 10:00:00.000,0,800\n"
                       "2024-01-01 10:00:00.800,800,790\n",
                       &format);
        assert_int_equal(format, RR_FILE_HRV_LOGGER);
        assert_float_equal(r->rows[1].rr_ms, 790, 0);
        assert_float_equal(r->rows[1].t_s, 1.59, 1e-9);
        rr_recording_free(r);

        /* paced's own CSV still is */
        r = parse_text("# rr-synth\nt_s,rr_ms,speed_kmh\n0.5,500,9\n1.0,500,9\n", &format);
        assert_int_equal(format, RR_FILE_PACED_CSV);
        assert_true(r->has_speed);
        rr_recording_free(r);
}

static void expect_error(const char *text, size_t len, unsigned line, const char *substring)
{
        RrRecording *r = NULL;
        RrCsvError err = {};

        assert_int_equal(rr_file_parse(text, len, &r, NULL, &err), -EBADMSG);
        assert_null(r);
        if (err.line != line || !strstr(err.message, substring))
                fail_msg("got line %u: %s", err.line, err.message);
}

static void test_errors_say_what_and_where(void **state)
{
#define E(text, line, what) expect_error(text, sizeof(text) - 1, line, what)
        E("time,heart\n1,2\n", 1, "unknown RR file format, first line 'time,heart'");
        E("date,rr,since start\n2024,800,0\n2024,790,-5\n", 3, "not a number of ms");
        E("date,rr,since start\n2024,800,900\n2024,790,800\n", 3, "goes backwards");
        E("date,rr,since start\n2024,800,0\n2024,790\n", 3, "missing on some rows");
        E("timestamp, rr, since_start\n\n1,0,0\n", 3, "RR 0 out of range");
        E("timestamp, rr, since_start\n\n1,abc,0\n", 3, "RR 'abc' is not a number");
        E("Phone timestamp;RR-interval [ms]\n2024\n", 2, "at least 2 fields");
        E("Phone timestamp;RR-interval [ms]\n", 1, "no RR intervals");
        E("\xef\xbb\xbf", 0, "no RR intervals");
        E("812\n\0\n", 0, "NUL bytes");
        E("812\n812,5\n", 2, "decimal comma");
#undef E
}

/* ---- FIT ---- */

typedef struct Fit {
        uint8_t b[4096];
        size_t n;
} Fit;

static void put(Fit *f, uint64_t v, size_t size, bool big)
{
        for (size_t i = 0; i < size; i++)
                f->b[f->n++] = (uint8_t)(v >> (8 * (big ? size - 1 - i : i)));
}

static void header(Fit *f)
{
        f->n = 0;
        put(f, 14, 1, false);
        put(f, 0x20, 1, false);
        put(f, 2132, 2, false);
        put(f, 0, 4, false); /* data size, set by finish() */
        memcpy(f->b + f->n, ".FIT", 4);
        f->n += 4;
        put(f, 0, 2, false); /* header CRC, set by finish() */
}

static void finish(Fit *f, size_t start)
{
        uint8_t *h = f->b + start;
        size_t data = f->n - start - 14;

        for (size_t i = 0; i < 4; i++)
                h[4 + i] = (uint8_t)(data >> (8 * i));
        h[12] = (uint8_t)(fit_crc16(0, h, 12) & 0xff);
        h[13] = (uint8_t)(fit_crc16(0, h, 12) >> 8);
        put(f, fit_crc16(0, h, f->n - start), 2, false);
}

/* A watch-like file: a record definition (little-endian, timestamp and
 * enhanced speed, a developer field), records, an hrv definition in
 * big-endian with padding, and one data message under a compressed
 * timestamp header. */
static void make_watch_fit(Fit *f)
{
        header(f);
        /* local 0: record, little-endian, timestamp + enhanced_speed + heart_rate, 1 dev field */
        put(f, 0x40 | 0x20 | 0, 1, false);
        put(f, 0, 1, false);
        put(f, 0, 1, false);
        put(f, FIT_MESG_RECORD, 2, false);
        put(f, 3, 1, false);
        put(f, 253, 1, false), put(f, 4, 1, false), put(f, 0x86, 1, false);
        put(f, 73, 1, false), put(f, 4, 1, false), put(f, 0x86, 1, false);
        put(f, 3, 1, false), put(f, 1, 1, false), put(f, 0x02, 1, false);
        put(f, 1, 1, false);                                           /* one developer field */
        put(f, 0, 1, false), put(f, 2, 1, false), put(f, 0, 1, false); /* 2 bytes */
        /* local 1: hrv, big-endian, time[5] */
        put(f, 0x40 | 1, 1, false);
        put(f, 0, 1, false);
        put(f, 1, 1, false);
        put(f, FIT_MESG_HRV, 2, true);
        put(f, 1, 1, false);
        put(f, 0, 1, false), put(f, 10, 1, false), put(f, 0x84, 1, false);
        /* record at t0: 10.8 km/h (3000 mm/s) */
        put(f, 0, 1, false);
        put(f, 1000000000, 4, false), put(f, 3000, 4, false), put(f, 120, 1, false);
        put(f, 0xbeef, 2, false);
        /* 5 RR of 500 ms, then 3 and padding */
        put(f, 1, 1, false);
        for (int i = 0; i < 5; i++)
                put(f, 500, 2, true);
        put(f, 1, 1, false);
        put(f, 600, 2, true), put(f, 600, 2, true), put(f, 600, 2, true);
        put(f, 0xffff, 2, true), put(f, 0xffff, 2, true);
        /* a record 3 s later under a compressed timestamp header (local 0, offset) */
        put(f, 0x80 | (0 << 5) | ((1000000000 + 3) & 0x1f), 1, false);
        put(f, 0xffffffff, 4, false), put(f, 4000, 4, false), put(f, 125, 1, false);
        put(f, 0xbeef, 2, false);
        finish(f, 0);
}

static void test_fit_hrv_and_speed(void **state)
{
        Fit f;
        RrRecording *r = NULL;
        RrFileFormat format;
        RrCsvError err = {};

        make_watch_fit(&f);
        assert_true(rr_fit_is_fit(f.b, f.n));
        if (rr_file_parse(f.b, f.n, &r, &format, &err) < 0)
                fail_msg("%u: %s", err.line, err.message);
        assert_int_equal(format, RR_FILE_FIT);
        assert_int_equal(r->n_rows, 8);
        assert_float_equal(r->rows[4].rr_ms, 500, 0);
        assert_float_equal(r->rows[7].rr_ms, 600, 0);
        /* the beats end at 0.5 ... 2.5, 3.1, 3.7, 4.3 s: the second record (3 s) applies
         * from the sixth on */
        assert_true(r->has_speed);
        assert_float_equal(r->rows[0].speed_kmh, 10.8, 1e-9);
        assert_float_equal(r->rows[4].speed_kmh, 10.8, 1e-9);
        assert_float_equal(r->rows[5].speed_kmh, 14.4, 1e-9);
        rr_recording_free(r);
        r = NULL;

        /* chained: the same file twice */
        memcpy(f.b + f.n, f.b, f.n);
        f.n *= 2;
        assert_int_equal(rr_fit_parse(f.b, f.n, &r, &err), 0);
        assert_int_equal(r->n_rows, 16);
        rr_recording_free(r);
}

static void test_fit_errors(void **state)
{
        Fit f, g;
        RrRecording *r = NULL;
        RrCsvError err = {};

        make_watch_fit(&f);
        g = f;
        g.b[40] ^= 1;
        assert_int_equal(rr_fit_parse(g.b, g.n, &r, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "CRC mismatch"));
        assert_int_equal(rr_fit_parse(f.b, f.n - 3, &r, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "truncated"));
        assert_int_equal(rr_fit_parse(f.b, 10, &r, &err), -EBADMSG);

        /* a data message of a local type never defined */
        header(&g);
        put(&g, 5, 1, false);
        finish(&g, 0);
        assert_int_equal(rr_fit_parse(g.b, g.n, &r, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "undefined local type 5"));

        /* no hrv messages */
        header(&g);
        put(&g, 0x40, 1, false), put(&g, 0, 1, false), put(&g, 0, 1, false);
        put(&g, FIT_MESG_RECORD, 2, false), put(&g, 1, 1, false);
        put(&g, 253, 1, false), put(&g, 4, 1, false), put(&g, 0x86, 1, false);
        put(&g, 0, 1, false), put(&g, 1000, 4, false);
        finish(&g, 0);
        assert_int_equal(rr_fit_parse(g.b, g.n, &r, &err), -EBADMSG);
        assert_non_null(strstr(err.message, "no hrv messages"));
        assert_null(r);
}

/* paced's own FIT export carries the session's RR: reading it back gives them. */
static void test_fit_roundtrip_paced_export(void **state)
{
        char dir[] = "/tmp/test-rr-file-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        uint8_t *buf = NULL;
        size_t size = 0;
        RrRecording *r = NULL;
        RrCsvError err = {};
        int64_t id;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 3, 600, SESSION_END_FINISHED, &id), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        session_store_free(s);
        assert_int_equal(export_fit(d, NULL, &buf, &size), 0);
        if (rr_fit_parse(buf, size, &r, &err) < 0)
                fail_msg("%u: %s", err.line, err.message);
        assert_int_equal(r->n_rows, d->n_rr);
        for (size_t i = 0; i < d->n_rr; i++)
                assert_float_equal(r->rows[i].rr_ms, d->rr[i].rr_ms, 0);
        assert_true(r->has_speed);
        rr_recording_free(r);
        free(buf);
        session_data_free(d);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

/*
 * The real FatMaxxer log against the alpha1 its author published with it,
 * from Marco Altini's Python code (the reference FatMaxxer is validated
 * against; its rows are windows [t, t + 120 s]). Definitions differ (box
 * sizes, boxes from both ends, artifact handling, paced's smoothness
 * priors), so this is a loose guard against a broken reader, not a figure:
 * docs/analysis.md records the agreement.
 */
static void test_fatmaxxer_alpha1_reference(void **state)
{
        RrRecording *rec = read_path("fatmaxxer-20210606.rr.csv", NULL);
        RrAnalysis *a = NULL;
        FILE *f = fopen(DATA "fatmaxxer-20210606.python-alpha1.csv", "re");
        double t, hr, ref, sum = 0, sum2 = 0;
        size_t n = 0, w = 0;
        char line[128];

        assert_non_null(f);
        assert_int_equal(rr_analysis_run(rec, NULL, &a), 0);
        assert_non_null(fgets(line, sizeof(line), f)); /* header */
        while (fscanf(f, "%lf,%lf,%lf", &t, &hr, &ref) == 3) {
                while (w < a->n_windows && a->windows[w].t_s < t + 120 - 1e-6)
                        w++;
                assert_true(w < a->n_windows);
                assert_float_equal(a->windows[w].t_s, t + 120, 1e-6);
                /* the same beats in the same window: the same HR */
                assert_float_equal(a->windows[w].hr_bpm, hr, 0.35);
                assert_true(fabs(a->windows[w].alpha1 - ref) < 0.35);
                sum += a->windows[w].alpha1 - ref;
                sum2 += (a->windows[w].alpha1 - ref) * (a->windows[w].alpha1 - ref);
                n++;
        }
        fclose(f);
        fprintf(stderr, "FatMaxxer sample, %zu windows: paced - reference %+.3f (sd %.3f)\n", n,
                sum / (double)n, sqrt(sum2 / (double)n - (sum / (double)n) * (sum / (double)n)));
        assert_int_equal(n, 129);
        assert_true(fabs(sum / (double)n) < 0.15);
        rr_analysis_free(a);
        rr_recording_free(rec);
}

/*
 * Real recordings of other people's devices (tests/data/rr/README.md), read
 * as a runner would: every RR value, the artifacts paced repairs, and the
 * verdict. Neither is a ramp, so neither may give a threshold.
 */
static void test_real_rest_recording(void **state)
{
        RrFileFormat format;
        RrRecording *rec = read_path("hrv-sampledata-rest.txt", &format);
        RrAnalysis *a = NULL;

        /* 15 minutes supine, one RR in ms a line, CRLF and a blank line at the end */
        assert_int_equal(format, RR_FILE_PLAIN);
        assert_int_equal(rec->n_rows, 910);
        assert_int_equal(rr_analysis_run(rec, NULL, &a), 0);
        assert_true(a->hr_mean_bpm > 50 && a->hr_mean_bpm < 65);
        /* sinus arrhythmia at rest is not an artifact: well under the 3 % gate */
        assert_true(a->artifact_pct < 2);
        assert_true(a->n_valid > 150);
        assert_int_equal(a->test.status, THRESHOLD_TEST_NO_RAMP);
        assert_int_equal(a->ramp.status, RAMP_NO_RAMP);
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                assert_false(a->ramp.t[k].found);
        rr_analysis_free(a);
        rr_recording_free(rec);
}

static void test_real_cycling_recording(void **state)
{
        RrFileFormat format;
        RrRecording *rec = read_path("polar-hrm-cycling.txt", &format);
        RrAnalysis *a = NULL;

        assert_int_equal(format, RR_FILE_PLAIN);
        assert_int_equal(rec->n_rows, 4117);
        assert_int_equal(rr_analysis_run(rec, NULL, &a), 0);
        /* the watch's own header says Length=00:42:41.7: the RR sum to it */
        assert_float_equal(a->duration_s, 2561.7, 0.5);
        /* six intervals are two beats the watch missed (README): each split in two */
        assert_int_equal(a->n_beats, rec->n_rows + 6);
        assert_true(a->artifact_pct > 0.1 && a->artifact_pct < 0.5);
        /* 5 min seated, 30 min steady submaximal cycling, 5 min recovery: no ramp */
        assert_int_equal(a->test.status, THRESHOLD_TEST_NO_RAMP);
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                assert_false(a->ramp.t[k].found);
        rr_analysis_free(a);
        rr_recording_free(rec);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_layouts_read_the_same_beats),
                cmocka_unit_test(test_byte_order_mark_and_variants),
                cmocka_unit_test(test_errors_say_what_and_where),
                cmocka_unit_test(test_fit_hrv_and_speed),
                cmocka_unit_test(test_fit_errors),
                cmocka_unit_test(test_fit_roundtrip_paced_export),
                cmocka_unit_test(test_fatmaxxer_alpha1_reference),
                cmocka_unit_test(test_real_rest_recording),
                cmocka_unit_test(test_real_cycling_recording),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
