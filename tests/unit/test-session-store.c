/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "session-store.h"
#include "session-summary.h"
#include "util.h"

typedef struct Fixture {
        char dir[64];
        char db[96];
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-session-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->db, sizeof(f->db), "%s/paced.db", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static ResolvedStep test_steps[2] = {
        {.kind = STEP_KIND_WARMUP,
         .end = STEP_END_TIME,
         .end_value = 300,
         .control = STEP_CONTROL_SPEED,
         .speed_start_kmh = 8,
         .speed_end_kmh = 8,
         .speed_lo_kmh = 8,
         .speed_hi_kmh = 8,
         .label = "5 min easy"},
        {.kind = STEP_KIND_ACTIVE,
         .end = STEP_END_DISTANCE,
         .end_value = 400,
         .control = STEP_CONTROL_SPEED,
         .speed_start_kmh = 12,
         .speed_end_kmh = 12,
         .speed_lo_kmh = 11.8,
         .speed_hi_kmh = 12.2,
         .has_incline = true,
         .incline_start_pct = 1,
         .incline_end_pct = 1,
         .repeat_index = 2,
         .repeat_count = 6,
         .label = "400 m at \"5:00/km\"",
         .cue = (char *)"Fast «400»"},
};

static const ResolvedWorkout test_workout = {
        .name = (char *)"2 steps",
        .source = (char *)"test.txt",
        .steps = test_steps,
        .n_steps = 2,
};

static const SessionInfo test_info = {
        .workout = &test_workout,
        .profile_json = "{\"max_hr\":190}",
        .zone_max_bpm = {120, 140, 155, 170, 190},
        .n_zones = 5,
        .treadmill_address = "AA:BB:CC:DD:EE:01",
        .treadmill_name = "Horizon 7.0AT",
        .hrm_address = "AA:BB:CC:DD:EE:02",
        .hrm_name = "Polar H10",
};

static SessionSample sample_at(unsigned t)
{
        return (SessionSample){.t_s = t,
                               .commanded_kmh = t < 300 ? 8 : 12,
                               .speed_kmh = t < 300 ? 8 : 11.9,
                               .incline_pct = NAN,
                               .distance_m = t * 2.5,
                               .hr_bpm = t % 7 == 0 ? 0 : 120 + t / 10,
                               .zone = 2,
                               .step_index = t < 300 ? 0 : 1,
                               .alpha1 = t > 100 ? 1.0 - t / 1000.0 : NAN};
}

static int64_t count(const char *db, const char *sql)
{
        sqlite3 *h;
        sqlite3_stmt *st;
        int64_t n;

        assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(h);
        return n;
}

static void test_store_roundtrip(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionData *d = NULL;
        SessionListEntry *l = NULL;
        size_t n;
        int64_t id;

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_begin(s, 1700000000000000ULL, &test_info, &id), 0);
        assert_true(id > 0);
        assert_int_equal(session_store_current(s), id);
        for (unsigned t = 0; t < 400; t++) {
                SessionSample x = sample_at(t);
                assert_int_equal(session_store_add_sample(s, &x), 0);
                assert_int_equal(
                        session_store_add_rr(s, &(SessionRr){t + 0.5, 500 + t % 3, t == 50}), 0);
        }
        assert_int_equal(session_store_add_lap(s, &(SessionLap){.kind = LAP_KIND_STEP,
                                                                .step_index = 0,
                                                                .start_s = 0,
                                                                .end_s = 300,
                                                                .distance_m = 750,
                                                                .avg_hr_bpm = 130,
                                                                .max_hr_bpm = 149,
                                                                .avg_speed_kmh = 8}),
                         0);
        assert_int_equal(
                session_store_add_event(s, &(SessionEvent){300, SESSION_EVENT_STEP_CHANGE,
                                                           "Step 2: 400 m", "{\"step\":1}"}),
                0);
        assert_int_equal(session_store_add_event(s, &(SessionEvent){310, SESSION_EVENT_CROSSOVER,
                                                                    NULL, "{\"alpha1\":0.75}"}),
                         0);
        assert_int_equal(session_store_flush(s, 1000), 0);
        assert_int_equal(session_store_add_threshold(
                                 s, id,
                                 &(SessionThreshold){.kind = "aet",
                                                     .method = SESSION_METHOD_RAMP_TEST,
                                                     .alpha1 = 0.75,
                                                     .hr_bpm = 151,
                                                     .speed_kmh = 10.5,
                                                     .t_s = 310,
                                                     .confidence = NAN,
                                                     .json = "{\"test\":true,\"grade\":\"A\","
                                                             "\"ci_lo_bpm\":148.0,"
                                                             "\"ci_hi_bpm\":154.5}"}),
                         0);
        /* Not a threshold: a live crossing (older paced versions stored those). */
        assert_int_equal(
                session_store_add_threshold(
                        s, id,
                        &(SessionThreshold){.kind = "aet", .method = "dfa-a1-live", .hr_bpm = 137}),
                0);
        assert_int_equal(session_store_end(s, 1700000000000000ULL + 400 * USEC_PER_SEC,
                                           SESSION_END_FINISHED),
                         0);
        assert_int_equal(session_store_current(s), 0);
        /* Nothing can be added once ended. */
        SessionSample x = sample_at(401);
        assert_int_equal(session_store_add_sample(s, &x), -EINVAL);
        s = session_store_free(s);

        assert_int_equal(session_store_open_db(&s, f->db, true), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(d->end_reason, SESSION_END_FINISHED);
        assert_int_equal(d->end_wall_usec - d->start_wall_usec, 400 * USEC_PER_SEC);
        assert_string_equal(d->workout_name, "2 steps");
        assert_string_equal(d->workout_source, "test.txt");
        assert_string_equal(d->treadmill_name, "Horizon 7.0AT");
        assert_string_equal(d->hrm_address, "AA:BB:CC:DD:EE:02");
        assert_string_equal(d->profile_json, "{\"max_hr\":190}");
        assert_int_equal(d->n_zones, 5);
        assert_int_equal(d->zone_max_bpm[2], 155);
        assert_int_equal(d->n_steps, 2);
        assert_int_equal(d->steps[1].kind, STEP_KIND_ACTIVE);
        assert_int_equal(d->steps[1].end, STEP_END_DISTANCE);
        assert_float_equal(d->steps[1].end_value, 400, 1e-9);
        assert_float_equal(d->steps[1].speed_lo_kmh, 11.8, 1e-9);
        assert_true(d->steps[1].has_incline);
        assert_false(d->steps[0].has_incline);
        assert_string_equal(d->steps[1].label, "400 m at \"5:00/km\"");
        /* The author's cue and the step's place in its repeat block. */
        assert_string_equal(d->steps[1].cue, "Fast «400»");
        assert_int_equal(d->steps[1].repeat_index, 2);
        assert_int_equal(d->steps[1].repeat_count, 6);
        assert_string_equal(d->steps[0].cue, "");
        assert_int_equal(d->steps[0].repeat_index, 0);
        assert_int_equal(d->steps[0].repeat_count, 0);
        assert_int_equal(d->n_samples, 400);
        for (unsigned t = 0; t < 400; t++) {
                SessionSample e = sample_at(t);
                assert_float_equal(d->samples[t].t_s, t, 1e-9);
                assert_float_equal(d->samples[t].speed_kmh, e.speed_kmh, 1e-9);
                assert_float_equal(d->samples[t].distance_m, e.distance_m, 1e-9);
                assert_int_equal(d->samples[t].hr_bpm, e.hr_bpm);
                assert_int_equal(d->samples[t].step_index, e.step_index);
                assert_true(isnan(d->samples[t].incline_pct));
                assert_int_equal(isnan(d->samples[t].alpha1), isnan(e.alpha1));
        }
        assert_int_equal(d->n_rr, 400);
        assert_true(d->rr[50].artifact);
        assert_false(d->rr[51].artifact);
        assert_int_equal(d->rr[2].rr_ms, 502);
        assert_int_equal(d->n_laps, 1);
        assert_int_equal(d->laps[0].kind, LAP_KIND_STEP);
        assert_float_equal(d->laps[0].max_hr_bpm, 149, 1e-9);
        assert_int_equal(d->n_events, 2);
        assert_int_equal(d->events[0].type, SESSION_EVENT_STEP_CHANGE);
        assert_string_equal(d->events[0].text, "Step 2: 400 m");
        assert_null(d->events[1].text);
        assert_string_equal(d->events[1].json, "{\"alpha1\":0.75}");
        /* Only the threshold test's row is loaded. */
        assert_int_equal(d->n_thresholds, 1);
        assert_string_equal(d->thresholds[0].kind, "aet");
        assert_float_equal(d->thresholds[0].hr_bpm, 151, 1e-9);
        assert_true(isnan(d->thresholds[0].confidence));
        {
                double lo, hi;
                char grade;

                session_threshold_interval(&d->thresholds[0], &lo, &hi, &grade);
                assert_float_equal(lo, 148, 1e-9);
                assert_float_equal(hi, 154.5, 1e-9);
                assert_true(grade == 'A');
        }
        d = session_data_free(d);

        assert_int_equal(session_store_list(s, 0, &l, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(l[0].id, id);
        assert_float_equal(l[0].duration_s, 399, 1e-9);
        assert_float_equal(l[0].distance_m, 399 * 2.5, 1e-9);
        assert_float_equal(l[0].max_hr_bpm, 159, 1e-9);
        assert_float_equal(l[0].threshold_hr_bpm, 151, 1e-9);
        session_list_free(l, n);
        /* --since after the start excludes it. */
        assert_int_equal(session_store_list(s, 1700000000000001ULL, &l, &n), 0);
        assert_int_equal(n, 0);
        session_list_free(l, n);
        assert_int_equal(session_store_load(s, id + 1, &d), -ENOENT);
        session_store_free(s);

        assert_int_equal(count(f->db, "PRAGMA user_version"), SESSION_STORE_SCHEMA_VERSION);
        assert_int_equal(count(f->db, "SELECT count(*) FROM pragma_journal_mode WHERE "
                                      "journal_mode = 'wal'"),
                         1);
}

/* history (the list) and show (the summary) give one session one duration,
 * also when the first sample comes seconds after the start, paced was
 * stopped in the middle (a gap: the distance stayed where it was) and the
 * sample timer fired 20 s late once (the distance ran on, in the sample after
 * the late one: moving time). */
static void test_store_list_duration_is_summary_duration(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionData *d = NULL;
        SessionSummary *sum = NULL;
        SessionListEntry *l = NULL;
        size_t n;
        int64_t id;

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_begin(s, 1700000000000000ULL, &test_info, &id), 0);
        for (unsigned t = 3; t < 200; t++) {
                if (t > 150 && t < 170)
                        continue; /* 150 -> 170: a late timer, the belt ran on */
                SessionSample x = sample_at(t < 100 ? t : t + 60); /* a 60 s outage */
                if (t >= 100)
                        x.distance_m = (t - 1) * 2.5; /* resumed at the last distance */
                if (t == 170)
                        x.distance_m = 149 * 2.5 + 1; /* the distance catches up at 171 */
                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_end(s, 1700000000000000ULL + 260 * USEC_PER_SEC,
                                           SESSION_END_FINISHED),
                         0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(session_summary_compute(d, &sum), 0);
        assert_int_equal(session_store_list(s, 0, &l, &n), 0);
        assert_int_equal(n, 1);
        /* 3 to 259 less the 60 s gap (99 stands for one second before it);
         * the 20 s from 210 to 230 were run. */
        assert_float_equal(sum->duration_s, 196, 1e-9);
        assert_float_equal(sum->gap_s, 60, 1e-9);
        assert_int_equal(sum->n_gaps, 1);
        assert_float_equal(l[0].duration_s, sum->duration_s, 1e-9);
        assert_float_equal(l[0].gap_s, sum->gap_s, 1e-9);
        session_list_free(l, n);
        session_summary_free(sum);
        session_data_free(d);
        session_store_free(s);
}

static void test_store_flush_deadline(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionSample x = sample_at(0);

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_next_flush(s), USEC_INFINITY);
        assert_int_equal(session_store_begin(s, 1, NULL, NULL), 0);
        /* A second session while one runs is refused. */
        assert_int_equal(session_store_begin(s, 2, NULL, NULL), -EBUSY);
        assert_int_equal(session_store_next_flush(s), USEC_INFINITY);
        assert_int_equal(session_store_add_sample(s, &x), 0);
        assert_int_equal(session_store_next_flush(s), 0);
        assert_int_equal(session_store_flush(s, 5 * USEC_PER_SEC), 0);
        assert_int_equal(session_store_next_flush(s), USEC_INFINITY);
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), 1);
        x.t_s = 1;
        assert_int_equal(session_store_add_sample(s, &x), 0);
        /* Buffered, not written, until the next flush one second later. */
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), 1);
        assert_int_equal(session_store_next_flush(s), 6 * USEC_PER_SEC);
        assert_int_equal(session_store_flush(s, 6 * USEC_PER_SEC), 0);
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), 2);
        session_store_free(s);
}

/* A child writes, flushes, buffers more and dies without closing: the
 * parent's open marks the session interrupted with the flushed data only. */
static void test_store_crash_marks_interrupted_and_resumes(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionResume res;
        SessionData *d = NULL;
        int64_t id = 0;
        pid_t pid;
        int status;

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                SessionStore *c = NULL;
                if (session_store_open(&c, f->dir) < 0 ||
                    session_store_begin(c, 1000000, &test_info, NULL) < 0)
                        _exit(1);
                for (unsigned t = 0; t < 320; t++) {
                        SessionSample x = sample_at(t);
                        if (session_store_add_sample(c, &x) < 0)
                                _exit(1);
                        if (t == 309 && session_store_flush(c, t * USEC_PER_SEC) < 0)
                                _exit(1);
                }
                _exit(0); /* no free, no flush: like kill -9 */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_get_interrupted(s, &res), 0);
        assert_float_equal(res.last_t_s, 309, 1e-9);
        assert_int_equal(res.last_step_index, 1);
        assert_float_equal(res.last_distance_m, 309 * 2.5, 1e-9);
        assert_int_equal(res.start_wall_usec, 1000000);
        assert_int_equal(count(f->db, "SELECT count(*) FROM sessions WHERE end_reason = "
                                      "'interrupted' AND end_usec = 1000000 + 309000000"),
                         1);
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), 310);

        /* The runner is still on the belt: carry on in the same session. */
        assert_int_equal(session_store_resume(s, res.id), 0);
        assert_int_equal(session_store_get_interrupted(s, &res), -ENOENT);
        for (unsigned t = 310; t < 330; t++) {
                SessionSample x = sample_at(t);
                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        id = session_store_current(s);
        assert_int_equal(session_store_end(s, 331000000, SESSION_END_FINISHED), 0);
        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(d->n_samples, 330);
        assert_int_equal(d->end_reason, SESSION_END_FINISHED);
        session_data_free(d);
        /* Only interrupted sessions can be resumed. */
        assert_int_equal(session_store_resume(s, id), -ENOENT);
        session_store_free(s);

        /* A clean reopen finds nothing to resume. */
        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_get_interrupted(s, &res), -ENOENT);
        session_store_free(s);
        assert_int_equal(count(f->db, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                      "integrity_check = 'ok'"),
                         1);
}

/* The CLI reads while the daemon writes: it must not mark the running
 * session interrupted. */
static void test_store_reader_leaves_running_session(void **state)
{
        Fixture *f = *state;
        SessionStore *w = NULL, *r = NULL;
        SessionListEntry *l = NULL;
        SessionSample x = sample_at(0);
        size_t n;

        assert_int_equal(session_store_open_db(&r, f->db, true), -ENOENT);
        assert_int_equal(session_store_open(&w, f->dir), 0);
        assert_int_equal(session_store_begin(w, 5, NULL, NULL), 0);
        assert_int_equal(session_store_add_sample(w, &x), 0);
        assert_int_equal(session_store_flush(w, 0), 0);
        assert_int_equal(session_store_open_db(&r, f->db, true), 0);
        assert_int_equal(session_store_list(r, 0, &l, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(l[0].end_reason, _SESSION_END_INVALID);
        session_list_free(l, n);
        session_store_free(r);
        x.t_s = 1;
        assert_int_equal(session_store_add_sample(w, &x), 0);
        assert_int_equal(session_store_flush(w, USEC_PER_SEC), 0);
        assert_int_equal(session_store_end(w, 10, SESSION_END_ABORTED), 0);
        session_store_free(w);
        assert_int_equal(count(f->db, "SELECT count(*) FROM sessions WHERE end_reason = "
                                      "'aborted'"),
                         1);
}

/* A full disk: flushes fail with -ENOSPC, the data stays buffered and the
 * caller carries on; once space is back everything is written. */
static void test_store_full_disk_degrades(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        unsigned t = 0;
        int r = 0;

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_begin(s, 1, &test_info, NULL), 0);
        assert_int_equal(session_store_set_size_limit(s, 64 * 1024), 0);
        for (; t < 20000 && r == 0; t++) {
                SessionSample x = sample_at(t);
                assert_int_equal(session_store_add_sample(s, &x), 0);
                if (t % 10 == 9)
                        r = session_store_flush(s, t * USEC_PER_SEC);
        }
        assert_int_equal(r, -ENOSPC);
        assert_true(session_store_degraded(s));
        assert_non_null(strstr(session_store_last_error(s), "full"));
        /* Still accepting data. */
        for (unsigned k = 0; k < 5; k++, t++) {
                SessionSample x = sample_at(t);
                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_flush(s, t * USEC_PER_SEC), -ENOSPC);
        assert_int_equal(session_store_set_size_limit(s, 0), 0);
        assert_int_equal(session_store_flush(s, (t + 1) * USEC_PER_SEC), 0);
        assert_false(session_store_degraded(s));
        assert_int_equal(session_store_dropped(s), 0);
        session_store_free(s);
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), t);
        assert_int_equal(count(f->db, "SELECT count(DISTINCT t) FROM samples"), t);
}

static void test_store_unwritable_dir(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        char sub[128];

        assert_int_equal(session_store_open(&s, "/nonexistent/paced"), -ENOENT);
        snprintf(sub, sizeof(sub), "%s/paced.db", f->dir);
        assert_int_equal(session_store_open(&s, f->db), -ENOENT);
        /* A file where the directory should be. */
        fclose(fopen(sub, "w"));
        assert_int_equal(session_store_open(&s, sub), -ENOTDIR);
        unlink(sub);

        /* A read-only state directory. Root writes anywhere, so the check
         * runs in a child that drops to "nobody" when we are root. */
        assert_int_equal(chmod(f->dir, 0555), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(2);
                _exit(session_store_open(&s, f->dir) == -EACCES && !s ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(chmod(f->dir, 0755), 0);
}

/* A user reading the service's database: neither the directory nor the
 * file is writable, and no -wal file exists after a clean shutdown. */
static void test_store_reader_unwritable_dir(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionSample x = sample_at(0);
        int status;
        pid_t pid;

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_begin(s, 5, &test_info, NULL), 0);
        assert_int_equal(session_store_add_sample(s, &x), 0);
        assert_int_equal(session_store_end(s, 6, SESSION_END_FINISHED), 0);
        s = session_store_free(s);
        assert_int_equal(chmod(f->db, 0444), 0);
        assert_int_equal(chmod(f->dir, 0555), 0);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                SessionListEntry *l = NULL;
                size_t n = 0;
                if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(2);
                if (session_store_open_db(&s, f->db, true) < 0)
                        _exit(3);
                if (session_store_list(s, 0, &l, &n) < 0 || n != 1 ||
                    l[0].end_reason != SESSION_END_FINISHED)
                        _exit(4);
                session_list_free(l, n);
                session_store_free(s);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(chmod(f->dir, 0755), 0);
}

/* The first released schema, as paced 0.0.x created it. */
static const char schema_v1[] =
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY, start_usec INTEGER NOT NULL,"
        " end_usec INTEGER, end_reason TEXT CHECK (end_reason IN"
        " ('finished','aborted','interrupted')), workout_name TEXT, workout_source TEXT,"
        " steps_json TEXT, profile_json TEXT, treadmill TEXT, hrm TEXT);"
        "CREATE TABLE samples (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE"
        " CASCADE, t REAL NOT NULL, commanded_kmh REAL, speed_kmh REAL, incline_pct REAL,"
        " distance_m REAL, hr_bpm INTEGER, zone INTEGER, step_index INTEGER);"
        "CREATE TABLE rr (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE"
        " CASCADE, t REAL NOT NULL, rr_ms INTEGER NOT NULL);"
        "CREATE TABLE laps (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE"
        " CASCADE, kind TEXT NOT NULL, step_index INTEGER, start_t REAL NOT NULL, end_t REAL NOT"
        " NULL, distance_m REAL, avg_hr REAL, max_hr REAL, avg_speed_kmh REAL);"
        "CREATE TABLE events (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE"
        " CASCADE, t REAL NOT NULL, type TEXT NOT NULL, text TEXT);"
        "INSERT INTO sessions VALUES (7, 1600000000000000, 1600000060000000, 'finished',"
        " 'Old run', 'old.txt', '[{\"kind\":\"active\",\"end\":\"time\",\"end_value\":60,"
        "\"control\":\"speed\",\"speed_start_kmh\":10,\"speed_end_kmh\":10,\"speed_lo_kmh\":10,"
        "\"speed_hi_kmh\":10,\"label\":\"1 min\"}]', NULL, 'AA:BB:CC:DD:EE:01', "
        "'AA:BB:CC:DD:EE:02');"
        "INSERT INTO samples VALUES (7, 0, 10, 9.9, 0, 0, 140, 3, 0),"
        " (7, 1, 10, 10.0, 0, 2.8, 141, 3, 0);"
        "INSERT INTO rr VALUES (7, 0.4, 420), (7, 0.85, 430);"
        "INSERT INTO events VALUES (7, 0, 'start', 'Started');"
        "PRAGMA user_version = 1;";

static void test_store_migrates_v1(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionData *d = NULL;
        sqlite3 *h;

        assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, schema_v1, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h);

        /* A reader can't migrate a read-only file... */
        assert_int_equal(chmod(f->db, 0444), 0);
        if (geteuid() != 0)
                assert_int_equal(session_store_open_db(&s, f->db, true), -EPROTO);
        assert_int_equal(chmod(f->db, 0644), 0);

        /* ...the daemon's open does. */
        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(count(f->db, "PRAGMA user_version"), SESSION_STORE_SCHEMA_VERSION);
        assert_int_equal(session_store_load(s, 7, &d), 0);
        assert_string_equal(d->workout_name, "Old run");
        assert_string_equal(d->treadmill_address, "AA:BB:CC:DD:EE:01");
        assert_null(d->treadmill_name);
        assert_string_equal(d->hrm_address, "AA:BB:CC:DD:EE:02");
        assert_int_equal(d->n_steps, 1);
        assert_float_equal(d->steps[0].speed_start_kmh, 10, 1e-9);
        assert_string_equal(d->steps[0].label, "1 min");
        /* A step stored without a cue or repeat block reads as none. */
        assert_string_equal(d->steps[0].cue, "");
        assert_int_equal(d->steps[0].repeat_count, 0);
        assert_int_equal(d->n_samples, 2);
        assert_true(isnan(d->samples[1].alpha1));
        assert_int_equal(d->samples[1].hr_bpm, 141);
        assert_int_equal(d->n_rr, 2);
        assert_false(d->rr[1].artifact);
        assert_int_equal(d->rr[1].rr_ms, 430);
        assert_int_equal(d->n_events, 1);
        assert_int_equal(d->events[0].type, SESSION_EVENT_START);
        assert_null(d->events[0].json);
        assert_int_equal(d->n_zones, 0);
        session_data_free(d);
        /* New tables work on the migrated database. */
        assert_int_equal(
                session_store_add_threshold(s, 7,
                                            &(SessionThreshold){.kind = "aet",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 150}),
                0);
        assert_int_equal(
                session_store_add_threshold(s, 7,
                                            &(SessionThreshold){.kind = "ant",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 170}),
                0);
        /* Version 3's table too: the old session's estimate can be accepted. */
        assert_int_equal(session_store_accept_thresholds(s, 7, 1700000000000000ULL, NULL), 0);
        /* Foreign keys are on: no threshold for a missing session. */
        assert_int_equal(session_store_add_threshold(s, 8, &(SessionThreshold){.kind = "aet"}),
                         -EINVAL);
        session_store_free(s);
        assert_int_equal(count(f->db, "SELECT count(*) FROM pragma_table_info('sessions') "
                                      "WHERE name IN ('treadmill','hrm')"),
                         0);
        assert_int_equal(count(f->db, "SELECT count(*) FROM pragma_integrity_check WHERE "
                                      "integrity_check = 'ok'"),
                         1);
}

static void test_store_refuses_newer_schema(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        sqlite3 *h;

        assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h);
        assert_int_equal(session_store_open(&s, f->dir), -EPROTO);
        assert_int_equal(session_store_open_db(&s, f->db, true), -EPROTO);
        assert_null(s);
}

static void test_store_db_path(void **state)
{
        char *p;

        unsetenv("PACED_STATE_DIR");
        p = session_store_db_path(NULL, NULL);
        assert_string_equal(p, "/var/lib/paced/paced.db");
        free(p);
        setenv("PACED_STATE_DIR", "/tmp/x", 1);
        p = session_store_db_path(NULL, NULL);
        assert_string_equal(p, "/tmp/x/paced.db");
        free(p);
        p = session_store_db_path(NULL, "/srv/st");
        assert_string_equal(p, "/srv/st/paced.db");
        free(p);
        p = session_store_db_path("/a/b.db", "/srv/st");
        assert_string_equal(p, "/a/b.db");
        free(p);
        unsetenv("PACED_STATE_DIR");
}

static void test_store_enum_strings(void **state)
{
        for (int i = 0; i < _SESSION_END_MAX; i++)
                assert_int_equal(session_end_reason_from_string(session_end_reason_to_string(i)),
                                 i);
        for (int i = 0; i < _LAP_KIND_MAX; i++)
                assert_int_equal(lap_kind_from_string(lap_kind_to_string(i)), i);
        for (int i = 0; i < _SESSION_EVENT_MAX; i++)
                assert_int_equal(session_event_type_from_string(session_event_type_to_string(i)),
                                 i);
        assert_int_equal(session_end_reason_from_string("bogus"), -EINVAL);
        assert_null(lap_kind_to_string(_LAP_KIND_MAX));
}

/* Stored sessions keep the workout model's step names: renaming one breaks
 * every database already written, so they are pinned here. */
static void test_store_step_names_are_stable(void **state)
{
        static const char *const kinds[_STEP_KIND_MAX] = {
                [STEP_KIND_WARMUP] = "warmup",         [STEP_KIND_ACTIVE] = "active",
                [STEP_KIND_RECOVERY] = "recovery",     [STEP_KIND_REST] = "rest",
                [STEP_KIND_COOLDOWN] = "cooldown",     [STEP_KIND_STRIDE] = "stride",
                [STEP_KIND_TIME_TRIAL] = "time-trial",
        };
        static const char *const ends[_STEP_END_MAX] = {[STEP_END_TIME] = "time",
                                                        [STEP_END_DISTANCE] = "distance",
                                                        [STEP_END_OPEN] = "open"};
        static const char *const controls[_STEP_CONTROL_MAX] = {[STEP_CONTROL_SPEED] = "speed",
                                                                [STEP_CONTROL_HR] = "hr",
                                                                [STEP_CONTROL_FREE] = "free"};

        for (int i = 0; i < _STEP_KIND_MAX; i++) {
                assert_string_equal(step_kind_to_string(i), kinds[i]);
                assert_int_equal(step_kind_from_string(kinds[i]), i);
        }
        for (int i = 0; i < _STEP_END_MAX; i++) {
                assert_string_equal(step_end_to_string(i), ends[i]);
                assert_int_equal(step_end_from_string(ends[i]), i);
        }
        for (int i = 0; i < _STEP_CONTROL_MAX; i++) {
                assert_string_equal(step_control_to_string(i), controls[i]);
                assert_int_equal(step_control_from_string(controls[i]), i);
        }
}

static int64_t add_session(SessionStore *s, uint64_t start_usec)
{
        int64_t id;

        assert_int_equal(session_store_begin(s, start_usec, &test_info, &id), 0);
        assert_int_equal(session_store_end(s, start_usec + 60000000ULL, SESSION_END_FINISHED), 0);
        return id;
}

/* Only a threshold test's result is a threshold, in the trend and in history. */
static void test_store_threshold_trend_lists_tests_only(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionTrendEntry *l = NULL;
        SessionListEntry *h = NULL;
        size_t n = 0;
        int64_t a, b, c;

        assert_int_equal(session_store_open(&s, f->dir), 0);
        a = add_session(s, 1700000000000000ULL);
        b = add_session(s, 1700100000000000ULL);
        c = add_session(s, 1700200000000000ULL);
        /* Session a: a live crossover first (an older paced stored those), then
         * the end-of-session result of a threshold test. */
        assert_int_equal(session_store_add_threshold(s, a,
                                                     &(SessionThreshold){.kind = "aet",
                                                                         .method = "dfa-a1-live",
                                                                         .hr_bpm = 146,
                                                                         .speed_kmh = 10.5,
                                                                         .confidence = 0.5}),
                         0);
        assert_int_equal(
                session_store_add_threshold(s, a,
                                            &(SessionThreshold){.kind = "aet",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 148,
                                                                .speed_kmh = 10.9,
                                                                .confidence = 0.93}),
                0);
        assert_int_equal(
                session_store_add_threshold(s, a,
                                            &(SessionThreshold){.kind = "ant",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 170,
                                                                .speed_kmh = 13.5,
                                                                .confidence = 0.64,
                                                                .alpha1 = NAN}),
                0);
        /* Session b: a live HRVT1 only; c: an unchecked ramp fit of an older paced
         * (a time trial could give one). Neither is a threshold. */
        assert_int_equal(session_store_add_threshold(s, b,
                                                     &(SessionThreshold){.kind = "aet",
                                                                         .method = "dfa-a1-live",
                                                                         .hr_bpm = 151,
                                                                         .speed_kmh = NAN,
                                                                         .confidence = NAN}),
                         0);
        assert_int_equal(
                session_store_add_threshold(s, c,
                                            &(SessionThreshold){.kind = "aet",
                                                                .method = SESSION_METHOD_RAMP,
                                                                .hr_bpm = 181}),
                0);

        assert_int_equal(session_store_threshold_trend(s, 0, &l, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(l[0].id, a);
        assert_float_equal(l[0].aet.hr_bpm, 148, 1e-9);
        assert_string_equal(l[0].aet.method, SESSION_METHOD_RAMP_TEST);
        assert_float_equal(l[0].ant.hr_bpm, 170, 1e-9);
        assert_float_equal(l[0].ant.speed_kmh, 13.5, 1e-9);
        session_trend_free(l, n);

        /* --since drops the test. */
        assert_int_equal(session_store_threshold_trend(s, 1700050000000000ULL, &l, &n), 0);
        assert_int_equal(n, 0);
        session_trend_free(l, n);

        /* history's threshold column: the test's, and nothing for the others. */
        assert_int_equal(session_store_list(s, 0, &h, &n), 0);
        assert_int_equal(n, 3);
        assert_float_equal(h[0].threshold_hr_bpm, 148, 1e-9);
        assert_true(isnan(h[1].threshold_hr_bpm));
        assert_true(isnan(h[2].threshold_hr_bpm));
        session_list_free(h, n);
        session_store_free(s);
}

static void test_store_accepts_thresholds(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL, *reader = NULL;
        SessionAccepted got;
        int64_t a, b, c;

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_get_accepted(s, &got), -ENOENT);
        a = add_session(s, 1700000000000000ULL);
        b = add_session(s, 1700100000000000ULL);
        c = add_session(s, 1700200000000000ULL);
        assert_int_equal(
                session_store_add_threshold(s, a,
                                            &(SessionThreshold){.kind = "aet",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 148,
                                                                .speed_kmh = 10.9}),
                0);
        assert_int_equal(
                session_store_add_threshold(s, a,
                                            &(SessionThreshold){.kind = "ant",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 170,
                                                                .speed_kmh = 13.5}),
                0);
        /* b's "thresholds" are inverted: refused, nothing recorded. */
        assert_int_equal(
                session_store_add_threshold(s, b,
                                            &(SessionThreshold){.kind = "aet",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 172}),
                0);
        assert_int_equal(
                session_store_add_threshold(s, b,
                                            &(SessionThreshold){.kind = "ant",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 160}),
                0);
        /* c has HRVT1 only, and not from a test: nothing to accept. */
        assert_int_equal(
                session_store_add_threshold(
                        s, c,
                        &(SessionThreshold){.kind = "aet", .method = "dfa-a1-live", .hr_bpm = 137}),
                0);

        assert_int_equal(session_store_accept_thresholds(s, 999, 1, &got), -ENOENT);
        assert_int_equal(session_store_accept_thresholds(s, c, 1, &got), -ENODATA);
        assert_int_equal(session_store_accept_thresholds(s, b, 1, &got), -EINVAL);
        assert_int_equal(session_store_get_accepted(s, &got), -ENOENT);

        assert_int_equal(session_store_accept_thresholds(s, a, 1700300000000000ULL, &got), 0);
        assert_int_equal(got.session_id, a);
        assert_float_equal(got.hrvt1_bpm, 148, 1e-9);
        assert_float_equal(got.hrvt2_bpm, 170, 1e-9);
        assert_float_equal(got.hrvt2_kmh, 13.5, 1e-9);
        session_store_free(s);

        /* A reader (pacectl profile) sees the newest acceptance but cannot accept. */
        assert_int_equal(session_store_open_db(&reader, f->db, true), 0);
        memset(&got, 0, sizeof(got));
        assert_int_equal(session_store_get_accepted(reader, &got), 0);
        assert_int_equal(got.session_id, a);
        assert_int_equal(got.accepted_wall_usec, 1700300000000000ULL);
        assert_float_equal(got.hrvt1_bpm, 148, 1e-9);
        assert_float_equal(got.hrvt1_kmh, 10.9, 1e-9);
        assert_int_equal(session_store_accept_thresholds(reader, a, 2, NULL), -EROFS);
        session_store_free(reader);

        /* Values the daemon worked out itself: both needed, in order. */
        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_record_accepted(
                                 s, &(SessionAccepted){.session_id = c,
                                                       .accepted_wall_usec = 1700400000000000ULL,
                                                       .hrvt1_bpm = 152,
                                                       .hrvt2_bpm = NAN}),
                         -EINVAL);
        assert_int_equal(session_store_record_accepted(s, &(SessionAccepted){.session_id = 999,
                                                                             .hrvt1_bpm = 150,
                                                                             .hrvt2_bpm = 170}),
                         -ENOENT);
        assert_int_equal(session_store_record_accepted(
                                 s, &(SessionAccepted){.session_id = c,
                                                       .accepted_wall_usec = 1700400000000000ULL,
                                                       .hrvt1_bpm = 150,
                                                       .hrvt2_bpm = 171,
                                                       .hrvt1_kmh = NAN,
                                                       .hrvt2_kmh = NAN}),
                         0);
        assert_int_equal(session_store_get_accepted(s, &got), 0);
        assert_int_equal(got.session_id, c);
        assert_float_equal(got.hrvt2_bpm, 171, 1e-9);
        session_store_free(s);
}

/* Another process's write transaction: what holds the lock in the tests below. */
static sqlite3 *lock_db(const char *db)
{
        sqlite3 *h = NULL;

        assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        return h;
}

static void unlock_db(sqlite3 *h)
{
        assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h);
}

/*
 * The write lock is held by someone else when a session begins, through its
 * end and the beginning of the next: nothing waits, nothing is refused, and
 * both sessions reach the database whole once the lock is released.
 */
static void test_store_lock_held_at_begin(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionData *d = NULL;
        sqlite3 *lock;
        SessionEndReason reason;
        bool ended_unwritten;
        int64_t id = -1, a, b;

        assert_int_equal(session_store_new(&s, f->dir), 0);
        assert_true(session_store_is_open(s));
        lock = lock_db(f->db);

        /* Kept in memory: accepted (1), no id yet. */
        assert_int_equal(session_store_begin(s, 1700000000000000ULL, &test_info, &id), 1);
        assert_int_equal(id, 0);
        assert_int_equal(session_store_current(s), 0);
        assert_int_equal(session_store_get_state(s), SESSION_STORE_BUFFERING);
        for (unsigned t = 0; t < 30; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
                assert_int_equal(session_store_add_rr(s, &(SessionRr){.t_s = t, .rr_ms = 500}), 0);
        }
        assert_int_equal(
                session_store_add_event(s, &(SessionEvent){.t_s = 1, .type = SESSION_EVENT_START}),
                0);
        assert_int_equal(
                session_store_add_threshold(s, 0,
                                            &(SessionThreshold){.kind = "aet",
                                                                .method = SESSION_METHOD_RAMP_TEST,
                                                                .hr_bpm = 150}),
                0);
        assert_int_equal(session_store_flush(s, 1 * USEC_PER_SEC), -EBUSY);
        assert_non_null(strstr(session_store_last_error(s), "locked"));
        assert_true(session_store_degraded(s));
        assert_int_equal(session_store_buffered(s), 30);
        assert_int_equal(session_store_next_flush(s), 2 * USEC_PER_SEC);
        /* It ends, and the next begins, all in memory. */
        assert_int_equal(
                session_store_end(s, 1700000000000000ULL + 30 * USEC_PER_SEC, SESSION_END_FINISHED),
                1);
        assert_int_equal(session_store_pop_written(s, &id, NULL, NULL), 0);
        assert_int_equal(session_store_begin(s, 1700000100000000ULL, NULL, &id), 1);
        assert_int_equal(session_store_add_sample(s, &(SessionSample){.t_s = 0, .step_index = -1}),
                         0);
        assert_int_equal(count(f->db, "SELECT count(*) FROM sessions"), 0);

        unlock_db(lock);
        assert_int_equal(session_store_flush(s, 2 * USEC_PER_SEC), 0);
        assert_int_equal(session_store_get_state(s), SESSION_STORE_OK);
        assert_int_equal(session_store_buffered(s), 0);
        b = session_store_current(s);
        assert_true(b > 0);
        /* The first ended without a row: its end was announced without an
         * id, so the caller learns it is written, and how it ended. */
        assert_int_equal(session_store_pop_written(s, &a, &reason, &ended_unwritten), 1);
        assert_true(a > 0 && a < b);
        assert_int_equal(reason, SESSION_END_FINISHED);
        assert_true(ended_unwritten);
        assert_int_equal(session_store_pop_written(s, &id, NULL, NULL), 0);

        assert_int_equal(session_store_load(s, a, &d), 0);
        assert_int_equal(d->n_samples, 30);
        assert_int_equal(d->n_rr, 30);
        assert_int_equal(d->n_events, 1);
        assert_int_equal(d->n_thresholds, 1);
        assert_int_equal(d->end_reason, SESSION_END_FINISHED);
        assert_int_equal(d->start_wall_usec, 1700000000000000ULL);
        assert_string_equal(d->workout_name, "2 steps");
        assert_int_equal(d->n_steps, 2);
        d = session_data_free(d);
        assert_int_equal(session_store_load(s, b, &d), 0);
        assert_int_equal(d->n_samples, 1);
        assert_int_equal(d->end_reason, _SESSION_END_INVALID); /* still running */
        session_data_free(d);
        /* The second had its row before it ended: its end had an id. */
        assert_int_equal(session_store_end(s, 1700000200000000ULL, SESSION_END_ABORTED), 0);
        assert_int_equal(session_store_pop_written(s, &id, &reason, &ended_unwritten), 1);
        assert_int_equal(id, b);
        assert_int_equal(reason, SESSION_END_ABORTED);
        assert_false(ended_unwritten);
        session_store_free(s);
}

/* The state directory is not there when paced starts (an unmounted disk):
 * sessions wait in memory until it is. */
static void test_store_unavailable_then_back(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        char dir[96], db[128];
        int64_t id = -1;

        snprintf(dir, sizeof(dir), "%s/later", f->dir);
        snprintf(db, sizeof(db), "%s/paced.db", dir);
        assert_int_equal(session_store_new(&s, dir), 0);
        assert_false(session_store_is_open(s));
        assert_int_equal(session_store_get_state(s), SESSION_STORE_UNAVAILABLE);
        assert_non_null(strstr(session_store_last_error(s), "later"));
        /* Idle, nothing to write: no retries. */
        assert_int_equal(session_store_next_flush(s), USEC_INFINITY);

        assert_int_equal(session_store_begin(s, 1, &test_info, &id), 1);
        assert_int_equal(session_store_get_state(s), SESSION_STORE_BUFFERING);
        for (unsigned t = 0; t < 5; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_flush(s, 0), -ENOENT);
        assert_int_equal(mkdir(dir, 0755), 0);
        assert_int_equal(session_store_flush(s, USEC_PER_SEC), 0);
        assert_true(session_store_is_open(s));
        assert_true(session_store_current(s) > 0);
        assert_int_equal(count(db, "SELECT count(*) FROM samples"), 5);
        session_store_free(s);
}

/* Past the memory budget new rows are dropped, counted, and said in the session. */
static void test_store_memory_budget(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionData *d = NULL;
        sqlite3 *lock;
        int64_t id;

        assert_int_equal(session_store_new(&s, f->dir), 0);
        assert_int_equal(session_store_set_buffer_limit(s, 10), 0);
        assert_int_equal(session_store_begin(s, 1, NULL, &id), 0);
        assert_true(id > 0);
        lock = lock_db(f->db);
        for (unsigned t = 0; t < 25; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), t < 10 ? 0 : -ENOBUFS);
        }
        assert_int_equal(session_store_flush(s, 0), -EBUSY);
        assert_int_equal(session_store_get_state(s), SESSION_STORE_DROPPING);
        assert_int_equal(session_store_dropped(s), 15);
        unlock_db(lock);
        assert_int_equal(session_store_flush(s, USEC_PER_SEC), 0);
        assert_int_equal(session_store_get_state(s), SESSION_STORE_OK);
        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(d->n_samples, 10);
        assert_float_equal(d->samples[9].t_s, 9, 1e-9);
        assert_int_equal(d->n_events, 1);
        assert_non_null(strstr(d->events[0].text, "not recorded: 15 samples"));
        assert_non_null(strstr(d->events[0].json, "\"dropped_samples\":15"));
        session_data_free(d);
        /* Room again: new rows are kept. */
        assert_int_equal(session_store_add_sample(s, &(SessionSample){.t_s = 30}), 0);
        session_store_free(s);
}

/*
 * The flush in three parts, as the daemon's writer thread runs it: rows
 * added while a batch is in flight are kept; a batch that fails (a held
 * lock) puts its rows back before the newer ones, in order; the database
 * is not the caller's meanwhile (-EBUSY); an async store's begin() and
 * end() write nothing themselves.
 */
static void test_store_split_flush(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionStoreBatch *b = NULL;
        SessionData *d = NULL;
        SessionEndReason reason;
        sqlite3 *lock;
        int64_t id = -1, done;
        unsigned t = 0;

        assert_int_equal(session_store_new(&s, f->dir), 0);
        session_store_set_async(s, true);
        assert_int_equal(session_store_begin(s, 1, &test_info, &id), 1);
        assert_int_equal(id, 0);
        assert_int_equal(count(f->db, "SELECT count(*) FROM sessions"), 0);
        for (; t < 3; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
        }

        /* In flight, with the lock held by someone else: it fails. */
        lock = lock_db(f->db);
        assert_int_equal(session_store_flush_start(s, 0, &b), 1);
        assert_true(session_store_in_flight(s));
        assert_int_equal(session_store_flush_start(s, 0, &(SessionStoreBatch *){NULL}), -EBUSY);
        assert_int_equal(session_store_delete(s, 1), -EBUSY);
        for (; t < 5; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_buffered(s), 5);
        assert_int_equal(session_store_batch_commit(b), -EBUSY);
        assert_int_equal(session_store_flush_finish(s, b), -EBUSY);
        assert_false(session_store_in_flight(s));
        assert_int_equal(session_store_get_state(s), SESSION_STORE_BUFFERING);
        assert_int_equal(session_store_buffered(s), 5);
        unlock_db(lock);

        /* In flight again; the session gets more rows and ends meanwhile. */
        assert_int_equal(session_store_flush_start(s, USEC_PER_SEC, &b), 1);
        for (; t < 8; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_end(s, 2, SESSION_END_FINISHED), 1);
        assert_int_equal(session_store_batch_commit(b), 0);
        assert_int_equal(session_store_flush_finish(s, b), 0);
        id = session_store_current(s);
        assert_int_equal(id, 0);                                              /* ended */
        assert_int_equal(session_store_pop_written(s, &done, NULL, NULL), 0); /* end not written */
        assert_true(session_store_has_unwritten_end(s));
        assert_int_equal(session_store_buffered(s), 3);
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), 5);

        assert_int_equal(session_store_flush_start(s, 2 * USEC_PER_SEC, &b), 1);
        assert_int_equal(session_store_batch_commit(b), 0);
        assert_int_equal(session_store_flush_finish(s, b), 0);
        assert_int_equal(session_store_pop_written(s, &done, &reason, NULL), 1);
        assert_int_equal(reason, SESSION_END_FINISHED);
        assert_false(session_store_has_unwritten_end(s));
        assert_int_equal(session_store_buffered(s), 0);
        assert_int_equal(session_store_flush_start(s, 3 * USEC_PER_SEC, &b), 0);
        assert_null(b);

        assert_int_equal(session_store_load(s, done, &d), 0);
        assert_int_equal(d->n_samples, 8);
        for (size_t i = 0; i < d->n_samples; i++)
                assert_float_equal(d->samples[i].t_s, (double)i, 1e-9);
        assert_int_equal(d->end_reason, SESSION_END_FINISHED);
        session_data_free(d);
        session_store_free(s);
}

/*
 * A minute of workout flushed every second: the flush prepares its
 * statements once and keeps them, through a flush refused by another
 * writer's lock and a schema change by another connection (SQLite prepares
 * a kept statement again by itself), and every row lands once, in order.
 */
static void test_store_flush_keeps_statements(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionData *d = NULL;
        sqlite3 *lock = NULL;
        uint64_t prepared = 0;
        int64_t id;

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(session_store_begin(s, 1700000000000000ULL, &test_info, &id), 0);
        for (unsigned t = 0; t < 60; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
                assert_int_equal(session_store_add_rr(s, &(SessionRr){t + 0.5, 500, false}), 0);
                if (t % 10 == 0)
                        assert_int_equal(session_store_add_event(
                                                 s, &(SessionEvent){.t_s = t,
                                                                    .type = SESSION_EVENT_NOTE,
                                                                    .text = "note"}),
                                         0);
                if (t == 20)
                        lock = lock_db(f->db);
                if (t == 25) {
                        unlock_db(lock);
                        lock = NULL;
                }
                if (t == 40) {
                        sqlite3 *h;

                        assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READWRITE, NULL),
                                         SQLITE_OK);
                        assert_int_equal(sqlite3_exec(h, "CREATE INDEX test_t ON samples (t)", NULL,
                                                      NULL, NULL),
                                         SQLITE_OK);
                        sqlite3_close(h);
                }
                assert_int_equal(session_store_flush(s, (t + 1) * USEC_PER_SEC),
                                 t >= 20 && t < 25 ? -EBUSY : 0);
                if (t == 0)
                        prepared = session_store_statements_prepared(s);
        }
        /* Nothing prepared after the first flush. */
        assert_true(prepared > 0);
        assert_int_equal(session_store_statements_prepared(s), prepared);

        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(d->n_samples, 60);
        assert_int_equal(d->n_rr, 60);
        assert_int_equal(d->n_events, 6);
        for (size_t i = 0; i < d->n_samples; i++) {
                assert_float_equal(d->samples[i].t_s, (double)i, 1e-9);
                assert_float_equal(d->rr[i].t_s, i + 0.5, 1e-9);
        }
        session_data_free(d);
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), 60);
        session_store_free(s);
}

/*
 * paced stops while another process holds the lock: what the last attempt
 * cannot write goes to the spool, and the next open imports it before its
 * crash recovery: the session written in part gets the rest and its end
 * (not "interrupted"), the one never written comes whole.
 */
static void test_store_spool(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionData *d = NULL;
        SessionListEntry *l = NULL;
        SessionResume res;
        char spool[160];
        sqlite3 *lock;
        int64_t id, id2;
        size_t n = 0;

        snprintf(spool, sizeof(spool), "%s/%s", f->dir, SESSION_STORE_SPOOL_NAME);
        assert_int_equal(session_store_new(&s, f->dir), 0);
        assert_int_equal(session_store_begin(s, 1, &test_info, &id), 0);
        for (unsigned t = 0; t < 5; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_flush(s, 0), 0);
        lock = lock_db(f->db);
        for (unsigned t = 5; t < 10; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_end(s, 11 * USEC_PER_SEC, SESSION_END_ABORTED), 1);
        assert_int_equal(session_store_begin(s, 20 * USEC_PER_SEC, &test_info, &id2), 1);
        for (unsigned t = 0; t < 3; t++) {
                SessionSample x = sample_at(t);

                assert_int_equal(session_store_add_sample(s, &x), 0);
        }
        assert_int_equal(session_store_end(s, 24 * USEC_PER_SEC, SESSION_END_FINISHED), 1);
        assert_int_equal(session_store_finish(s), 1);
        assert_int_equal(session_store_spooled(s), 8);
        assert_int_equal(session_store_buffered(s), 0);
        session_store_free(s);
        assert_int_equal(access(spool, F_OK), 0);
        assert_int_equal(count(f->db, "SELECT count(*) FROM samples"), 5);
        unlock_db(lock);

        assert_int_equal(session_store_open(&s, f->dir), 0);
        assert_int_equal(access(spool, F_OK), -1);
        assert_int_equal(session_store_get_interrupted(s, &res), -ENOENT);
        assert_int_equal(session_store_load(s, id, &d), 0);
        assert_int_equal(d->n_samples, 10);
        assert_float_equal(d->samples[9].t_s, 9, 1e-9);
        assert_int_equal(d->end_reason, SESSION_END_ABORTED);
        assert_int_equal(d->end_wall_usec, 11 * USEC_PER_SEC);
        session_data_free(d);
        assert_int_equal(session_store_list_finished(s, id, 10, &l, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(l[0].end_reason, SESSION_END_FINISHED);
        assert_int_equal(session_store_load(s, l[0].id, &d), 0);
        assert_int_equal(d->n_samples, 3);
        assert_non_null(d->workout_name);
        session_data_free(d);
        session_list_free(l, n);
        session_store_free(s);
}

static int count_samples_job(SessionStore *s, void *userdata)
{
        SessionListEntry *l = NULL;
        size_t n = 0;
        int r;

        r = session_store_list(s, 0, &l, &n);
        session_list_free(l, n);
        return r < 0 ? r : (int)n;
}

static int delete_job(SessionStore *s, void *userdata)
{
        return session_store_delete(s, *(int64_t *)userdata);
}

/* A job runs after the batch's rows, on the batch's store, with its own
 * outcome; the rows' outcome stays the store's. */
static void test_store_job(void **state)
{
        Fixture *f = *state;
        SessionStore *s = NULL;
        SessionStoreBatch *b = NULL;
        const char *error;
        sqlite3 *lock;
        int64_t id = 0;

        assert_int_equal(session_store_new(&s, f->dir), 0);
        session_store_set_async(s, true);
        assert_int_equal(session_store_begin(s, 1, &test_info, &id), 1);
        assert_int_equal(session_store_job_start(s, 0, count_samples_job, NULL, &b), 1);
        assert_int_equal(session_store_delete(s, 1), -EBUSY); /* the batch's meanwhile */
        assert_int_equal(session_store_batch_commit(b), 0);
        assert_int_equal(session_store_batch_job_result(b, &error), 1); /* it saw the row */
        assert_int_equal(session_store_flush_finish(s, b), 0);
        assert_int_equal(session_store_end(s, 2, SESSION_END_FINISHED), 1);
        assert_int_equal(session_store_flush(s, 0), 0);
        id = 1;
        /* A job alone takes no lock for rows: only its own fails. */
        lock = lock_db(f->db);
        assert_int_equal(session_store_job_start(s, 0, delete_job, &id, &b), 1);
        assert_int_equal(session_store_batch_commit(b), 0);
        assert_int_equal(session_store_batch_job_result(b, &error), -EBUSY);
        assert_non_null(strstr(error, "locked"));
        assert_int_equal(session_store_flush_finish(s, b), 0);
        assert_false(session_store_degraded(s));
        unlock_db(lock);
        assert_int_equal(session_store_job_start(s, 0, delete_job, &id, &b), 1);
        assert_int_equal(session_store_batch_commit(b), 0);
        assert_int_equal(session_store_batch_job_result(b, &error), 0);
        assert_int_equal(session_store_flush_finish(s, b), 0);
        assert_int_equal(count(f->db, "SELECT count(*) FROM sessions"), 0);
        session_store_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_store_roundtrip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_lock_held_at_begin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_unavailable_then_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_memory_budget, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_split_flush, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_spool, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_job, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_flush_keeps_statements, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_flush_deadline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_list_duration_is_summary_duration, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_store_crash_marks_interrupted_and_resumes,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_reader_leaves_running_session, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_store_full_disk_degrades, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_unwritable_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_reader_unwritable_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_migrates_v1, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_refuses_newer_schema, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_threshold_trend_lists_tests_only, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_store_accepts_thresholds, setup, teardown),
                cmocka_unit_test(test_store_db_path),
                cmocka_unit_test(test_store_enum_strings),
                cmocka_unit_test(test_store_step_names_are_stable),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
