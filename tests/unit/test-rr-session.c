/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `pacectl analyze SESSION-ID`'s path: a synthetic ramp (known HRVT1 150 /
 * HRVT2 170 bpm) written through the session store like the daemon writes
 * it (RR in whole ms, 1-Hz samples with speed and HR), loaded back,
 * converted, analysed: the thresholds must come out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dfa.h"
#include "rr-analysis.h"
#include "session-store.h"
#include "synth-rr.h"
#include "util.h"

typedef struct Writer {
        SessionStore *s;
        double next_sample;
} Writer;

static void write_beat(double t, double rr, double speed, double hr, void *u)
{
        Writer *w = u;

        while (w->next_sample <= t) {
                SessionSample x = {.t_s = w->next_sample,
                                   .commanded_kmh = speed,
                                   .speed_kmh = speed,
                                   .incline_pct = NAN,
                                   .distance_m = NAN,
                                   .hr_bpm = (unsigned)lround(hr),
                                   .step_index = -1,
                                   .alpha1 = NAN};

                assert_int_equal(session_store_add_sample(w->s, &x), 0);
                w->next_sample += 1;
        }
        assert_int_equal(session_store_add_rr(w->s, &(SessionRr){t, (unsigned)lround(rr), false}),
                         0);
}

static void test_session_ramp_thresholds(void **state)
{
        char dir[] = "/tmp/test-rr-session-XXXXXX";
        char db[sizeof(dir) + 16];
        Writer w = {.next_sample = 0};
        SessionStore *reader = NULL;
        SessionData *d = NULL;
        RrRecording *rec = NULL;
        RrAnalysis *a = NULL;
        int64_t id = 0;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&w.s, dir), 0);
        assert_int_equal(session_store_begin(w.s, UINT64_C(1764000000000000),
                                             &(SessionInfo){.workout_name = "ramp"}, &id),
                         0);
        synth_ramp(1, 150, 170, write_beat, &w);
        assert_int_equal(session_store_end(w.s, UINT64_C(1764000000000000) + 1500 * USEC_PER_SEC,
                                           SESSION_END_FINISHED),
                         0);
        session_store_free(w.s);

        snprintf(db, sizeof(db), "%s/paced.db", dir);
        assert_int_equal(session_store_open_db(&reader, db, true), 0);
        assert_int_equal(session_store_load(reader, id, &d), 0);
        assert_int_equal(rr_recording_from_session(d, &rec), 0);
        assert_int_equal(rec->n_rows, d->n_rr);
        assert_true(rec->has_t && rec->has_speed && rec->has_hr);
        assert_float_equal(rec->rows[rec->n_rows / 2].t_s, d->rr[d->n_rr / 2].t_s, 1e-9);

        assert_int_equal(rr_analysis_run(rec, NULL, &a), 0);
        assert_int_equal(a->ramp.status, RAMP_OK);
        assert_float_equal(a->ramp_start_s, 300, 2);
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT1].hr_bpm, 150, 5);
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT2].hr_bpm, 170, 5);
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT1].speed_kmh, (150 - 60) / 7.0, 0.8);
        assert_float_equal(a->ramp.t[THRESHOLD_HRVT2].speed_kmh, (170 - 60) / 7.0, 0.8);

        rr_analysis_free(a);
        rr_recording_free(rec);
        session_data_free(d);
        session_store_free(reader);
        unlink(db);
        {
                char wal[sizeof(db) + 8];

                snprintf(wal, sizeof(wal), "%s-wal", db);
                unlink(wal);
                snprintf(wal, sizeof(wal), "%s-shm", db);
                unlink(wal);
        }
        rmdir(dir);
}

static void test_session_without_rr(void **state)
{
        SessionData d = {};
        RrRecording *rec = NULL;

        assert_int_equal(rr_recording_from_session(&d, &rec), -ENODATA);
        assert_null(rec);
}

/* The daemon stores beats it already repaired, one flag per repair: the
 * analysis must count those flags, not clean the repaired beats again and
 * find a clean recording. */
static void test_session_artifact_flags_count(void **state)
{
        SessionRr rr[600];
        SessionData d = {.rr = rr, .n_rr = ELEMENTSOF(rr)};
        RrRecording *rec = NULL;
        RrAnalysis *a = NULL;
        double t = 0;

        for (size_t i = 0; i < ELEMENTSOF(rr); i++) {
                t += 0.4 + 0.004 * (double)(i % 5);
                rr[i] = (SessionRr){.t_s = t,
                                    .rr_ms = 400 + 4 * (unsigned)(i % 5),
                                    .artifact = i % 25 == 0};
        }
        assert_int_equal(rr_recording_from_session(&d, &rec), 0);
        assert_int_equal(rr_analysis_run(rec, NULL, &a), 0);
        assert_int_equal(a->n_artifacts, 24);
        assert_float_equal(a->artifact_pct, 4.0, 1e-9);
        assert_int_equal(a->n_beats, ELEMENTSOF(rr));
        rr_analysis_free(a);
        rr_recording_free(rec);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_session_ramp_thresholds),
                cmocka_unit_test(test_session_without_rr),
                cmocka_unit_test(test_session_artifact_flags_count),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
