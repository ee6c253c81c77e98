/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decodes our own FIT output with an independent minimal reader written from
 * the FIT protocol document (header, definition/data messages, CRC) and
 * checks it against the session it came from. Garmin's own SDK decodes the
 * same file in tests/integration/test-export-fit.sh.
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "export-fit.h"
#include "session-fixture.h"

typedef struct Def {
        bool defined;
        uint16_t global;
        unsigned n;
        uint8_t num[64], size[64], base[64];
        size_t total;
} Def;

typedef struct Msg {
        uint16_t global;
        uint8_t num[64], size[64];
        const uint8_t *field[64];
        unsigned n;
} Msg;

typedef struct Decoded {
        Msg *m;
        size_t n;
} Decoded;

static uint32_t le(const uint8_t *p, size_t size)
{
        uint32_t v = 0;
        for (size_t i = size; i > 0; i--)
                v = v << 8 | p[i - 1];
        return v;
}

/* Returns the value of field num as unsigned, or -1 if absent. */
static int64_t field(const Msg *m, uint8_t num)
{
        for (unsigned i = 0; i < m->n; i++)
                if (m->num[i] == num)
                        return le(m->field[i], MIN(m->size[i], (uint8_t)4));
        return -1;
}

static unsigned base_size(uint8_t base)
{
        switch (base) {
        case 0x83: /* sint16 */
        case 0x84: /* uint16 */
        case 0x8B: /* uint16z */
                return 2;
        case 0x85: /* sint32 */
        case 0x86: /* uint32 */
        case 0x8C: /* uint32z */
        case 0x88: /* float32 */
                return 4;
        default:
                return 1;
        }
}

static void decode(const uint8_t *buf, size_t size, Decoded *out)
{
        Def defs[16] = {};
        size_t data_size, pos;

        assert_true(size >= FIT_HEADER_SIZE + 2);
        assert_int_equal(buf[0], FIT_HEADER_SIZE);
        assert_int_equal(buf[1] >> 4, 2); /* protocol 2.x */
        assert_memory_equal(buf + 8, ".FIT", 4);
        assert_int_equal(le(buf + 12, 2), fit_crc16(0, buf, 12));
        data_size = le(buf + 4, 4);
        assert_int_equal(data_size + FIT_HEADER_SIZE + 2, size);
        /* The CRC over everything including the CRC itself is zero. */
        assert_int_equal(fit_crc16(0, buf, size), 0);
        assert_int_equal(le(buf + size - 2, 2), fit_crc16(0, buf, size - 2));

        out->m = calloc(size, sizeof(Msg));
        assert_non_null(out->m);
        out->n = 0;
        pos = FIT_HEADER_SIZE;
        while (pos < FIT_HEADER_SIZE + data_size) {
                uint8_t h = buf[pos++];
                assert_int_equal(h & 0x80, 0); /* no compressed timestamps */
                assert_int_equal(h & 0x20, 0); /* no developer data */
                Def *def = &defs[h & 0x0F];
                if (h & 0x40) {
                        assert_int_equal(buf[pos + 1], 0); /* little-endian */
                        def->defined = true;
                        def->global = (uint16_t)le(buf + pos + 2, 2);
                        def->n = buf[pos + 4];
                        def->total = 0;
                        pos += 5;
                        for (unsigned i = 0; i < def->n; i++, pos += 3) {
                                def->num[i] = buf[pos];
                                def->size[i] = buf[pos + 1];
                                def->base[i] = buf[pos + 2];
                                def->total += def->size[i];
                                /* Arrays of a base type are multiples of its size. */
                                assert_int_equal(def->size[i] % base_size(def->base[i]), 0);
                        }
                } else {
                        assert_true(def->defined);
                        Msg *m = &out->m[out->n++];
                        m->global = def->global;
                        m->n = def->n;
                        size_t off = pos;
                        for (unsigned i = 0; i < def->n; i++) {
                                m->num[i] = def->num[i];
                                m->size[i] = def->size[i];
                                m->field[i] = buf + off;
                                off += def->size[i];
                        }
                        pos += def->total;
                }
                assert_true(pos <= FIT_HEADER_SIZE + data_size);
        }
        assert_int_equal(pos, FIT_HEADER_SIZE + data_size);
}

static size_t count_global(const Decoded *dec, uint16_t global)
{
        size_t n = 0;
        for (size_t i = 0; i < dec->n; i++)
                n += dec->m[i].global == global;
        return n;
}

static const Msg *nth(const Decoded *dec, uint16_t global, size_t k)
{
        for (size_t i = 0; i < dec->n; i++)
                if (dec->m[i].global == global && k-- == 0)
                        return &dec->m[i];
        return NULL;
}

static SessionData *load_fixture(char *dir)
{
        SessionStore *s = NULL;
        SessionData *d = NULL;
        int64_t id;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(fixture_run(s, 7, 3000, SESSION_END_FINISHED, &id), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        session_store_free(s);
        return d;
}

static void rmdir_rf(const char *dir)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_fit_crc_known_vector(void **state)
{
        /* CRC-16/ARC check value: the FIT CRC is that polynomial, init 0. */
        assert_int_equal(fit_crc16(0, "123456789", 9), 0xBB3D);
        assert_int_equal(fit_crc16(0, "", 0), 0);
}

/*
 * A footpod's cadence (steps a minute, both feet) goes out as a watch writes
 * running cadence: strides in cadence, the half step in fractional_cadence
 * (x128); seconds without it are invalid, and without any the fields are
 * not defined at all.
 */
static void test_fit_footpod_cadence(void **state)
{
        SessionSample x[4];
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC, .samples = x, .n_samples = 4};
        static const unsigned spm[4] = {175, 0, 180, 181};
        uint8_t *buf = NULL;
        size_t size;
        Decoded dec;

        for (unsigned i = 0; i < 4; i++)
                x[i] = (SessionSample){.t_s = i,
                                       .speed_kmh = 10,
                                       .distance_m = i * 2.8,
                                       .incline_pct = NAN,
                                       .step_index = -1,
                                       .alpha1 = NAN,
                                       .cadence_spm = spm[i]};
        assert_int_equal(export_fit(&d, NULL, &buf, &size), 0);
        decode(buf, size, &dec);
        assert_int_equal(count_global(&dec, FIT_MESG_RECORD), 4);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 0), 4), 87);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 0), 53), 64);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 1), 4), 0xFF);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 1), 53), 0xFF);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 2), 4), 90);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 2), 53), 0);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 3), 4), 90);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 3), 53), 64);
        free(dec.m);
        free(buf);

        for (unsigned i = 0; i < 4; i++)
                x[i].cadence_spm = 0;
        assert_int_equal(export_fit(&d, NULL, &buf, &size), 0);
        decode(buf, size, &dec);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 0), 4), -1);
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 0), 53), -1);
        free(dec.m);
        free(buf);
}

static void test_fit_structure_matches_session(void **state)
{
        char dir[] = "/tmp/test-export-fit-XXXXXX";
        SessionData *d = load_fixture(dir);
        uint8_t *buf = NULL;
        size_t size;
        Decoded dec;

        assert_int_equal(export_fit(d, NULL, &buf, &size), 0);
        decode(buf, size, &dec);

        /* Order: file_id first, activity last. */
        assert_int_equal(dec.m[0].global, FIT_MESG_FILE_ID);
        assert_int_equal(field(&dec.m[0], 0), 4); /* type activity */
        assert_int_equal(dec.m[dec.n - 1].global, FIT_MESG_ACTIVITY);
        assert_int_equal(count_global(&dec, FIT_MESG_DEVICE_INFO), 3);
        assert_int_equal(count_global(&dec, FIT_MESG_SESSION), 1);
        assert_int_equal(count_global(&dec, FIT_MESG_ACTIVITY), 1);

        /* One record per sample with the same values. */
        assert_int_equal(count_global(&dec, FIT_MESG_RECORD), d->n_samples);
        uint32_t t0 = (uint32_t)(FIXTURE_START_USEC / USEC_PER_SEC - FIT_EPOCH_OFFSET);
        for (size_t i = 0; i < d->n_samples; i++) {
                const Msg *r = nth(&dec, FIT_MESG_RECORD, i);
                const SessionSample *x = &d->samples[i];
                assert_int_equal(field(r, 253), t0 + (uint32_t)x->t_s);
                assert_int_equal(field(r, 5), lround(x->distance_m * 100));
                assert_int_equal(field(r, 6), lround(x->speed_kmh / 3.6 * 1000));
                assert_int_equal(field(r, 3), x->hr_bpm > 0 ? x->hr_bpm : 0xFF);
                /* grade is there: the repeats are at 1 %. */
                assert_int_equal((int16_t)field(r, 9), lround(x->incline_pct * 100));
        }

        /* Every RR interval, in order, in hrv messages of five (0xFFFF padding). */
        size_t k = 0, n_hrv = count_global(&dec, FIT_MESG_HRV);
        for (size_t i = 0; i < n_hrv; i++) {
                const Msg *h = nth(&dec, FIT_MESG_HRV, i);
                assert_int_equal(h->n, 1);
                assert_int_equal(h->size[0], 10);
                for (size_t j = 0; j < 5; j++) {
                        uint32_t v = le(h->field[0] + 2 * j, 2);
                        if (v == 0xFFFF)
                                continue;
                        assert_true(k < d->n_rr);
                        assert_int_equal(v, d->rr[k].rr_ms);
                        k++;
                }
        }
        assert_int_equal(k, d->n_rr);

        /* The planned workout, step by step (planned vs actual). */
        assert_int_equal(count_global(&dec, FIT_MESG_WORKOUT), 1);
        assert_int_equal(field(nth(&dec, FIT_MESG_WORKOUT, 0), 6), d->n_steps);
        assert_int_equal(field(nth(&dec, FIT_MESG_WORKOUT, 0), 4), FIT_SPORT_RUNNING);
        assert_int_equal(field(nth(&dec, FIT_MESG_WORKOUT, 0), 11), FIT_SUB_SPORT_TREADMILL);
        assert_int_equal(count_global(&dec, FIT_MESG_WORKOUT_STEP), d->n_steps);
        for (size_t i = 0; i < d->n_steps; i++) {
                const Msg *w = nth(&dec, FIT_MESG_WORKOUT_STEP, i);
                const SessionStep *st = &d->steps[i];

                assert_int_equal(field(w, 254), i);
                assert_int_equal(field(w, 1), st->end == STEP_END_TIME ? 0 : 1);
                assert_int_equal(field(w, 2), st->end == STEP_END_TIME
                                                      ? lround(st->end_value * 1000)
                                                      : lround(st->end_value * 100));
                assert_int_equal(field(w, 3), 0); /* a speed target */
                /* The range (400 m at 13.8-14.2 km/h), in m/s x 1000. */
                assert_int_equal(field(w, 5),
                                 lround(fmin(st->speed_lo_kmh, st->speed_start_kmh) / 3.6 * 1000));
                assert_int_equal(field(w, 6),
                                 lround(fmax(st->speed_hi_kmh, st->speed_start_kmh) / 3.6 * 1000));
                assert_int_equal(field(w, 7), i == 0 ? 2 : i + 1 == d->n_steps ? 3 : i % 2 ? 0 : 4);
        }

        /* A lap per step, covering the session end to end. */
        size_t n_laps = count_global(&dec, FIT_MESG_LAP);
        assert_int_equal(n_laps, FIXTURE_N_STEPS);
        uint32_t prev_end = t0, dist = 0;
        for (size_t i = 0; i < n_laps; i++) {
                const Msg *l = nth(&dec, FIT_MESG_LAP, i);
                assert_int_equal(field(l, 254), i);
                assert_int_equal(field(l, 2), prev_end); /* start_time */
                assert_int_equal(field(l, 71), i);       /* wkt_step_index */
                assert_int_equal(field(l, 25), FIT_SPORT_RUNNING);
                prev_end = (uint32_t)field(l, 253);
                assert_int_equal(field(l, 7), (prev_end - field(l, 2)) * 1000);
                dist += (uint32_t)field(l, 9);
        }
        /* Step 1 is the 400 m repeat ending on distance; step 0 on time. */
        assert_int_equal(field(nth(&dec, FIT_MESG_LAP, 1), 24), 2);
        assert_int_equal(field(nth(&dec, FIT_MESG_LAP, 0), 24), 1);
        assert_int_equal(field(nth(&dec, FIT_MESG_LAP, 0), 23), 2);          /* warmup */
        assert_int_equal(field(nth(&dec, FIT_MESG_LAP, n_laps - 1), 24), 7); /* session end */

        const Msg *s = nth(&dec, FIT_MESG_SESSION, 0);
        assert_int_equal(field(s, 5), FIT_SPORT_RUNNING);
        assert_int_equal(field(s, 6), FIT_SUB_SPORT_TREADMILL);
        assert_int_equal(field(s, 26), n_laps);
        assert_int_equal(field(s, 253), prev_end);
        /* Laps add up to the session, give or take a centimetre of rounding each. */
        assert_true(labs((long)field(s, 9) - (long)dist) <= (long)n_laps);
        assert_int_equal(field(s, 9), lround(d->samples[d->n_samples - 1].distance_m * 100 -
                                             d->samples[0].distance_m * 100));
        assert_int_equal(field(s, 7), (prev_end - t0) * 1000);

        /* Timer start first, stop last. */
        const Msg *e0 = nth(&dec, FIT_MESG_EVENT, 0);
        assert_int_equal(field(e0, 0), 0);
        assert_int_equal(field(e0, 1), 0);
        const Msg *e1 = nth(&dec, FIT_MESG_EVENT, count_global(&dec, FIT_MESG_EVENT) - 1);
        assert_int_equal(field(e1, 1), 4);

        free(dec.m);
        free(buf);
        session_data_free(d);
        rmdir_rf(dir);
}

static void test_fit_auto_lap_and_pause(void **state)
{
        SessionSample x[120];
        SessionEventRow ev[2] = {{30, SESSION_EVENT_PAUSE, NULL, NULL},
                                 {40, SESSION_EVENT_RESUME, NULL, NULL}};
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC,
                         .samples = x,
                         .n_samples = 120,
                         .events = ev,
                         .n_events = 2};
        uint8_t *buf = NULL;
        size_t size;
        Decoded dec;

        for (unsigned i = 0; i < 120; i++)
                x[i] = (SessionSample){.t_s = i,
                                       .speed_kmh = 36,
                                       .distance_m = i * 10.0,
                                       .incline_pct = 0,
                                       .step_index = -1,
                                       .alpha1 = NAN,
                                       .commanded_kmh = NAN};
        /* No steps, no auto-lap asked: a lap per kilometre. */
        assert_int_equal(export_fit(&d, NULL, &buf, &size), 0);
        decode(buf, size, &dec);
        assert_int_equal(count_global(&dec, FIT_MESG_LAP), 2);
        assert_int_equal(field(nth(&dec, FIT_MESG_LAP, 0), 9), 100000);
        /* No incline: no grade field. */
        assert_int_equal(field(nth(&dec, FIT_MESG_RECORD, 0), 9), -1);
        /* Pause -> timer stop_all and start; timer time excludes it. */
        assert_int_equal(count_global(&dec, FIT_MESG_EVENT), 4);
        assert_int_equal(field(nth(&dec, FIT_MESG_EVENT, 1), 1), 4);
        assert_int_equal(field(nth(&dec, FIT_MESG_EVENT, 2), 1), 0);
        const Msg *s = nth(&dec, FIT_MESG_SESSION, 0);
        assert_int_equal(field(s, 7), 120000);
        assert_int_equal(field(s, 8), 110000);
        /* No HR at all: invalid, not zero. */
        assert_int_equal(field(s, 16), 0xFF);
        free(dec.m);
        free(buf);

        FitExportOptions o = {.auto_lap_m = 400};
        assert_int_equal(export_fit(&d, &o, &buf, &size), 0);
        decode(buf, size, &dec);
        assert_int_equal(count_global(&dec, FIT_MESG_LAP), 3);
        free(dec.m);
        free(buf);

        d.n_samples = 0;
        assert_int_equal(export_fit(&d, NULL, &buf, &size), -ENODATA);
}

/* paced was stopped for a minute: the timer stops with the last sample
 * before the gap and starts with the first after it; elapsed time goes on. */
static void test_fit_gap_is_not_timer_time(void **state)
{
        SessionSample x[120];
        SessionEventRow ev[2] = {{20, SESSION_EVENT_PAUSE, NULL, NULL},
                                 {30, SESSION_EVENT_RESUME, NULL, NULL}};
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC,
                         .samples = x,
                         .n_samples = 120,
                         .events = ev,
                         .n_events = 2};
        uint8_t *buf = NULL;
        size_t size;
        Decoded dec;

        for (unsigned i = 0; i < 120; i++)
                x[i] = (SessionSample){.t_s = i < 60 ? i : i + 60,
                                       .speed_kmh = 12,
                                       .distance_m = i * 3.3,
                                       .incline_pct = 0,
                                       .step_index = -1,
                                       .alpha1 = NAN,
                                       .commanded_kmh = NAN};
        assert_int_equal(export_fit(&d, NULL, &buf, &size), 0);
        decode(buf, size, &dec);
        /* start, pause stop, resume start, gap stop (t 60), gap start (t 120), end stop */
        assert_int_equal(count_global(&dec, FIT_MESG_EVENT), 6);
        assert_int_equal(field(nth(&dec, FIT_MESG_EVENT, 3), 1), 4);
        assert_int_equal(field(nth(&dec, FIT_MESG_EVENT, 3), 253) -
                                 field(nth(&dec, FIT_MESG_EVENT, 0), 253),
                         60);
        assert_int_equal(field(nth(&dec, FIT_MESG_EVENT, 4), 1), 0);
        assert_int_equal(field(nth(&dec, FIT_MESG_EVENT, 4), 253) -
                                 field(nth(&dec, FIT_MESG_EVENT, 0), 253),
                         120);
        const Msg *s = nth(&dec, FIT_MESG_SESSION, 0);
        assert_int_equal(field(s, 7), 180000);                 /* elapsed: t 0 .. 180 */
        assert_int_equal(field(s, 8), 180000 - 60000 - 10000); /* less the gap and the pause */
        /* No record in the gap. */
        assert_int_equal(count_global(&dec, FIT_MESG_RECORD), 120);
        free(dec.m);
        free(buf);
}

/* The first bytes, by hand from the FIT protocol document: the 14-byte
 * header, then the file_id definition and data message. */
static void test_fit_header_and_file_id_bytes(void **state)
{
        SessionSample x[2] = {
                {.t_s = 0,
                 .speed_kmh = 10,
                 .distance_m = 0,
                 .incline_pct = 0,
                 .step_index = -1,
                 .alpha1 = NAN,
                 .commanded_kmh = NAN},
                {.t_s = 1,
                 .speed_kmh = 10,
                 .distance_m = 2.78,
                 .incline_pct = 0,
                 .step_index = -1,
                 .alpha1 = NAN,
                 .commanded_kmh = NAN},
        };
        SessionData d = {.start_wall_usec = FIXTURE_START_USEC, .samples = x, .n_samples = 2};
        uint32_t t0 = (uint32_t)(FIXTURE_START_USEC / USEC_PER_SEC - FIT_EPOCH_OFFSET);
        uint8_t *buf = NULL;
        size_t size;

        assert_int_equal(export_fit(&d, NULL, &buf, &size), 0);
        const uint8_t header[12] = {
                14,
                0x20, /* header size, protocol 2.0 */
                0x54,
                0x08, /* profile 21.32 */
                (uint8_t)(size - 16),
                (uint8_t)((size - 16) >> 8),
                0,
                0, /* data size */
                '.',
                'F',
                'I',
                'T',
        };
        assert_memory_equal(buf, header, sizeof(header));
        const uint8_t file_id[] = {
                0x40,
                0,
                0,
                0,
                0,
                4, /* definition, local 0, LE, global 0 */
                0,
                1,
                0x00,
                1,
                2,
                0x84,
                2,
                2,
                0x84,
                4,
                4,
                0x86, /* type, manuf., product, time */
                0x00,
                4,
                255,
                0,
                1,
                0, /* data: activity, development, 1 */
                (uint8_t)t0,
                (uint8_t)(t0 >> 8),
                (uint8_t)(t0 >> 16),
                (uint8_t)(t0 >> 24),
        };
        assert_memory_equal(buf + 14, file_id, sizeof(file_id));
        free(buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fit_crc_known_vector),
                cmocka_unit_test(test_fit_header_and_file_id_bytes),
                cmocka_unit_test(test_fit_structure_matches_session),
                cmocka_unit_test(test_fit_footpod_cadence),
                cmocka_unit_test(test_fit_auto_lap_and_pause),
                cmocka_unit_test(test_fit_gap_is_not_timer_time),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
