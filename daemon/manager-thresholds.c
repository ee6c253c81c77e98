/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threshold results between the store and the live profile: the offline
 * ramp fit stored when a session ends, and the thresholds the runner
 * accepted (AcceptThresholds) laid over the config's [Runner] values.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "alloc-util.h"
#include "log.h"
#include "manager-internal.h"
#include "rr-analysis.h"
#include "time-util.h"

static uint64_t now_wall_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

void manager_load_accepted(Manager *m)
{
        int r;

        m->have_accepted = false;
        if (!session_store_is_open(m->store))
                return; /* not now: the configuration's values stand */
        /* At startup, before any workout: the loop may wait for the writer. */
        manager_store_sync(m);
        r = session_store_get_accepted(m->store, &m->accepted);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                log_warning("Cannot read the accepted thresholds: %s",
                            session_store_last_error(m->store));
                return;
        }
        m->have_accepted = true;
        log_info("Using the thresholds accepted from session %" PRIi64
                 " where the configuration sets none.",
                 m->accepted.session_id);
        manager_apply_config(m);
}

void manager_load_accepted_result(Manager *m)
{
        char t[32];
        int r;

        m->have_accepted_mile = false;
        if (!m->store)
                return;
        /* At startup, before any workout: the loop may wait for the writer. */
        manager_store_sync(m);
        r = session_store_get_accepted_result(m->store, METERS_PER_MILE, &m->accepted_mile);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                log_warning("Cannot read the accepted results: %s",
                            session_store_last_error(m->store));
                return;
        }
        m->have_accepted_mile = true;
        log_info("Using the mile accepted from session %" PRIi64 ": %s.",
                 m->accepted_mile.session_id,
                 format_duration(t, sizeof(t), m->accepted_mile.time_s, TIME_FORMAT_DASH));
        manager_apply_config(m);
}

int manager_accept_result(Manager *m, int64_t id, SessionAcceptedResult *ret)
{
        SessionAcceptedResult a;
        char t[32];
        int r;

        if (!m->store)
                return -ENOMEDIUM;
        /* AcceptResult refuses while a workout is under way: no belt runs
         * under the loop's timers while it waits for the writer. */
        manager_store_sync(m);
        r = session_store_accept_result(m->store, id, now_wall_usec(), &a);
        if (r < 0)
                return r;
        if (fabs(a.distance_m - METERS_PER_MILE) >= 1)
                return -EMEDIUMTYPE; /* stored, but no mile: not the mile reference */
        m->accepted_mile = a;
        m->have_accepted_mile = true;
        log_info("Accepted session %" PRIi64 "'s mile as the runner's: %s.", id,
                 format_duration(t, sizeof(t), a.time_s, TIME_FORMAT_DASH));
        manager_apply_config(m);
        if (ret)
                *ret = a;
        return 0;
}

void manager_update_announce(Manager *m, int step_index)
{
        const ResolvedWorkout *w = m->engine ? workout_engine_get_workout(m->engine) : NULL;
        size_t first, last;
        bool in_ramp;

        if (!m->analysis)
                return;
        /* Elsewhere alpha1 crosses its levels in every hard effort, and in a
         * cool-down its 2-min window "comes back" at peak HR. */
        in_ramp = w && step_index >= 0 && threshold_test_workout_ramp(w, &first, &last) &&
                  (size_t)step_index >= first && (size_t)step_index <= last;
        live_analysis_set_announce(m->analysis, in_ramp);
}

/* The session's RR intervals as the analysis reads them: from the store, on
 * the loop (AcceptThresholds only, refused while a workout is under way). */
static int load_recording(Manager *m, int64_t id, RrRecording **ret)
{
        SessionData *d = NULL;
        int r;

        manager_store_sync(m);
        r = session_store_load(m->store, id, &d);
        if (r < 0)
                return r;
        r = rr_recording_from_session(d, ret);
        session_data_free(d);
        return r;
}

/* A threshold test's thresholds, from its end-of-session analysis, into the store. */
static void store_ramp_fit(Manager *m, int64_t id, int error, const RrAnalysis *a)
{
        char why[256];

        if (error < 0) {
                if (error != -ENODATA)
                        log_warning_errno(error, "Cannot analyse session %" PRIi64 ": %m", id);
                return;
        }
        if (!m->store)
                return;
        /* Only a threshold test gives thresholds (threshold-test.h); a steady
         * run, intervals or a time trial does not, whatever alpha1 did. */
        if (a->test.status != THRESHOLD_TEST_VALID) {
                log_info("Session %" PRIi64 ": %s.", id,
                         threshold_test_describe(&a->test, why, sizeof(why)));
                return;
        }
        for (ThresholdKind k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                const ThresholdEstimate *t = &a->ramp.t[k];
                char json[256];
                SessionThreshold th = {
                        .kind = k == THRESHOLD_HRVT1 ? "aet" : "ant",
                        .method = SESSION_METHOD_RAMP_TEST,
                        .alpha1 = threshold_kind_alpha1(k),
                        .hr_bpm = t->hr_bpm,
                        .speed_kmh = t->speed_kmh,
                        .t_s = NAN,
                        .confidence = t->confidence,
                        .json = json,
                };

                if (!t->found)
                        continue;
                snprintf(json, sizeof(json),
                         "{\"test\":true,\"grade\":\"%c\",\"ci_lo_bpm\":%.1f,\"ci_hi_bpm\":%.1f,"
                         "\"reached\":%s,\"windows\":%zu,\"r\":%.3f}",
                         t->grade, isfinite(t->hr_ci_lo_bpm) ? t->hr_ci_lo_bpm : -1.0,
                         isfinite(t->hr_ci_hi_bpm) ? t->hr_ci_hi_bpm : -1.0,
                         t->reached ? "true" : "false", a->ramp.n_windows, a->ramp.r);
                if (session_store_add_threshold(m->store, id, &th) < 0)
                        log_warning("Failed to store the ramp-test threshold: %s",
                                    session_store_last_error(m->store));
                else
                        log_info("Session %" PRIi64 ": %s %.0f bpm (95 %% interval %.0f-%.0f, "
                                 "grade %c).",
                                 id, threshold_kind_to_string(k), t->hr_bpm, t->hr_ci_lo_bpm,
                                 t->hr_ci_hi_bpm, t->grade);
        }
        /* Kept with the session's other unwritten rows: written by the next
         * flush, which nothing else schedules once the session has ended. */
        manager_rearm_flush_timer(m);
}

static void ramp_pending_add(Manager *m, int64_t id)
{
        /* Without room the accept does not wait: it analyses, as it used to. */
        if (GREEDY_REALLOC(m->ramp_pending, m->alloc_ramp_pending, m->n_ramp_pending + 1))
                m->ramp_pending[m->n_ramp_pending++] = id;
}

static bool ramp_pending_remove(Manager *m, int64_t id)
{
        for (size_t i = 0; i < m->n_ramp_pending; i++)
                if (m->ramp_pending[i] == id) {
                        m->ramp_pending[i] = m->ramp_pending[--m->n_ramp_pending];
                        return true;
                }
        return false;
}

static bool ramp_pending(const Manager *m, int64_t id)
{
        for (size_t i = 0; i < m->n_ramp_pending; i++)
                if (m->ramp_pending[i] == id)
                        return true;
        return false;
}

static void accept_answer_waiting(Manager *m, int64_t id, int error, const RrAnalysis *a);

/* Back on the loop with a session's end-of-session analysis: a threshold
 * test's thresholds are stored, and the AcceptThresholds calls that waited
 * for them take the very same fit. */
static void store_ramp_thresholds(int64_t id, int error, RrAnalysis *analysis, void *userdata)
{
        _cleanup_(rr_analysis_freep) RrAnalysis *a = analysis;
        Manager *m = userdata;

        store_ramp_fit(m, id, error, a);
        if (ramp_pending_remove(m, id))
                accept_answer_waiting(m, id, error, a);
}

/* The worker, set up at its first use; NULL (analyse on the loop) if it cannot be. */
static AnalysisWorker *manager_analysis_worker(Manager *m)
{
        int r;

        if (!m->analysis_worker) {
                r = analysis_worker_new(&m->analysis_worker, m->event, store_ramp_thresholds, m);
                /* -ESTALE: the loop is shutting down (a session ended by the
                 * stop itself); analysing in place is what is wanted then. */
                if (r == -ESTALE)
                        log_debug("Analysing on the loop while shutting down.");
                else if (r < 0)
                        log_warning_errno(r, "Cannot set up the analysis worker, analysing on "
                                             "the loop: %m");
        }
        return m->analysis_worker;
}

typedef struct LoadJob {
        Manager *manager;
        int64_t id;
        RrRecording *rec;
} LoadJob;

static int load_job_run(SessionStore *s, void *userdata)
{
        LoadJob *j = userdata;
        SessionData *d = NULL;
        int r;

        r = session_store_load(s, j->id, &d);
        if (r < 0)
                return r;
        r = rr_recording_from_session(d, &j->rec);
        session_data_free(d);
        return r;
}

static void load_job_done(int r, const char *error, void *userdata)
{
        LoadJob *j = userdata;
        Manager *m = j->manager;
        int64_t id = j->id;
        RrRecording *rec = TAKE_PTR(j->rec);

        free(j);
        if (r < 0) {
                rr_recording_free(rec);
                store_ramp_thresholds(id, r, NULL, m);
                return;
        }
        if (manager_analysis_worker(m)) {
                log_info("Session %" PRIi64 ": analysing in the background.", id);
                r = analysis_worker_submit(m->analysis_worker, id, rec);
                if (r < 0) /* said there, and an accept waiting for it answered */
                        store_ramp_thresholds(id, r, NULL, m);
                return;
        }
        {
                _cleanup_(rr_recording_freep) RrRecording *owned = rec;
                RrAnalysisOptions opt = RR_ANALYSIS_OPTIONS_DEFAULT;
                RrAnalysis *a = NULL;

                r = rr_analysis_run(owned, &opt, &a);
                store_ramp_thresholds(id, r, a, m);
        }
}

/*
 * A written session's offline analysis: loaded on the store's writer thread
 * (after its batch: the session has just ended, and the belt is slowing to
 * its cool-down under the loop's timers), analysed on the worker's thread
 * (0.17 s for 30 minutes here, more on a Pi), stored when it comes back.
 * Without a worker it runs here, as before.
 */
void manager_store_ramp_thresholds(Manager *m, int64_t id)
{
        LoadJob *j;

        if (!m->store || id <= 0)
                return;
        j = calloc(1, sizeof(*j));
        if (!j) {
                log_oom();
                return;
        }
        *j = (LoadJob){.manager = m, .id = id};
        /* Before the queue: without a writer thread it runs at once. */
        ramp_pending_add(m, id);
        if (manager_store_queue(m, load_job_run, load_job_done, j) < 0) {
                free(j);
                (void)ramp_pending_remove(m, id);
                log_oom();
        }
}

/*
 * A session stored before its result was checked as a test, or one that
 * is not a test: analyse it now. Only a test's two thresholds, or with
 * force the fit of anything that crossed both levels, are accepted; a
 * one-sided result (HRVT1 only) never is, since HRVT2 is what sets LTHR and
 * the zones need both.
 */
static int accept_from_analysis(Manager *m, int64_t id, bool force, const RrAnalysis *a,
                                SessionAccepted *ret, bool *ret_forced, char *why, size_t why_size)
{
        const ThresholdEstimate *t1, *t2;

        (void)threshold_test_describe(&a->test, why, why_size);
        t1 = &a->ramp.t[THRESHOLD_HRVT1];
        t2 = &a->ramp.t[THRESHOLD_HRVT2];
        if (a->test.one_sided)
                return -EDOM;
        if (a->test.status != THRESHOLD_TEST_VALID) {
                if (!force)
                        return -EBADE;
                /* Forced: the fit must still have crossed both levels within its data. */
                if (a->ramp.status != RAMP_OK || !t1->found || !t2->found)
                        return -ENODATA;
                if (!t2->reached)
                        return t1->reached ? -EDOM : -ENODATA;
                *ret_forced = true;
        }
        *ret = (SessionAccepted){
                .session_id = id,
                .accepted_wall_usec = now_wall_usec(),
                .hrvt1_bpm = t1->hr_bpm,
                .hrvt2_bpm = t2->hr_bpm,
                .hrvt1_kmh = t1->speed_kmh,
                .hrvt2_kmh = t2->speed_kmh,
        };
        if (!(t1->hr_bpm < t2->hr_bpm))
                return -EINVAL;
        manager_store_sync(m);
        return session_store_record_accepted(m->store, ret);
}

typedef struct AcceptJob {
        Manager *manager;
        bool force;
        ManagerAcceptDoneFn done;
        void *userdata;
        int64_t id;             /* while waiting for its session's analysis */
        struct AcceptJob *next; /* Manager.accept_waiting */
} AcceptJob;

/* Applies an accepted result, and answers the caller either way. */
static void accept_finish(AcceptJob *j, int64_t id, int r, const SessionAccepted *a, bool forced,
                          const char *why)
{
        Manager *m = j->manager;

        if (r >= 0) {
                m->accepted = *a;
                m->have_accepted = true;
                log_info("Accepted the thresholds of session %" PRIi64
                         ": HRVT1 %.0f bpm, HRVT2 %.0f bpm%s%s.",
                         id, a->hrvt1_bpm, a->hrvt2_bpm, forced ? ", forced: " : "",
                         forced ? why : "");
                manager_apply_config(m);
        }
        j->done(m, id, r < 0 ? r : 0, r < 0 ? NULL : a, why, j->userdata);
}

/* Accepts from a session's analysis (or its error) and answers. */
static void accept_with_analysis(AcceptJob *j, int64_t id, int error, const RrAnalysis *a)
{
        SessionAccepted acc = {};
        char why[256] = "";
        bool forced = false;
        int r = error;

        if (r == -ENODATA)
                snprintf(why, sizeof(why), "it has no RR intervals");
        else if (r >= 0 && !j->manager->store)
                r = -ENOMEDIUM;
        else if (r >= 0)
                r = accept_from_analysis(j->manager, id, j->force, a, &acc, &forced, why,
                                         sizeof(why));
        accept_finish(j, id, r, &acc, forced, why);
}

/* Back on the loop with the analysis AcceptThresholds asked for. */
static void on_accept_analysed(int64_t id, int error, RrAnalysis *analysis, void *userdata)
{
        _cleanup_free_ AcceptJob *j = userdata;
        _cleanup_(rr_analysis_freep) RrAnalysis *a = analysis;

        accept_with_analysis(j, id, error, a);
}

/*
 * The session's end-of-session analysis came back: the calls that waited
 * for it accept its fit, the one store_ramp_fit() just stored (a test's
 * thresholds are stored as these very doubles), or its verdict.
 */
static void accept_answer_waiting(Manager *m, int64_t id, int error, const RrAnalysis *a)
{
        AcceptJob **p = &m->accept_waiting;

        while (*p) {
                AcceptJob *j = *p;

                if (j->id != id) {
                        p = &j->next;
                        continue;
                }
                *p = j->next;
                accept_with_analysis(j, id, error, a);
                free(j);
        }
}

void manager_accept_waiting_free(Manager *m)
{
        while (m->accept_waiting) {
                AcceptJob *j = m->accept_waiting;

                m->accept_waiting = j->next;
                accept_finish(j, j->id, -ESHUTDOWN, NULL, false, "");
                free(j);
        }
        free(m->ramp_pending);
        m->ramp_pending = NULL;
        m->n_ramp_pending = m->alloc_ramp_pending = 0;
}

void manager_accept_thresholds(Manager *m, int64_t id, bool force, ManagerAcceptDoneFn done,
                               void *userdata)
{
        AcceptJob now = {.manager = m, .force = force, .done = done, .userdata = userdata}, *j;
        RrAnalysisOptions opt = RR_ANALYSIS_OPTIONS_DEFAULT;
        RrRecording *rec = NULL;
        RrAnalysis *a = NULL;
        SessionAccepted acc = {};
        int r;

        if (!m->store)
                r = -ENOMEDIUM; /* running without a store */
        else if (id <= 0)
                r = -ENOENT;
        else {
                /* The result stored when the session ended, as pacectl thresholds shows it,
                 * written out first: stored a moment ago, it may still wait in
                 * memory for the next flush, where SQL does not see it.
                 * (AcceptThresholds refuses while a workout is under way: the
                 * loop may wait for the writer here.) */
                manager_store_write_out(m);
                r = session_store_accept_thresholds(m->store, id, now_wall_usec(), &acc);
        }
        if (r != -ENODATA) {
                accept_finish(&now, id, r, &acc, false, "");
                return;
        }

        j = malloc(sizeof(*j));
        if (!j) {
                accept_finish(&now, id, -ENOMEM, NULL, false, "");
                return;
        }
        *j = now;
        j->id = id;
        /* None stored yet, but the session's end-of-session analysis is under
         * way (the session just ended): wait for it and take its fit, the one
         * pacectl thresholds will show, rather than fit the session again. */
        if (ramp_pending(m, id)) {
                log_info("Session %" PRIi64 ": waiting for its analysis to accept its thresholds.",
                         id);
                j->next = m->accept_waiting;
                m->accept_waiting = j;
                return;
        }
        /* None stored and none coming: a session paced did not analyse when
         * it ended (one an older version stored, or whose analysis failed),
         * or no threshold test (--force takes its fit). Analyse it, off the
         * loop as at its end (the loading stays here), and answer when the
         * analysis comes back. */
        r = load_recording(m, id, &rec);
        if (r >= 0 && manager_analysis_worker(m)) {
                r = analysis_worker_submit_with(m->analysis_worker, id, rec, on_accept_analysed, j);
                if (r >= 0) {
                        log_info("Session %" PRIi64 ": analysing in the background to accept "
                                 "its thresholds.",
                                 id);
                        return;
                }
        } else if (r >= 0) {
                r = rr_analysis_run(rec, &opt, &a);
                rr_recording_free(rec);
        }
        on_accept_analysed(id, r, a, j);
}
