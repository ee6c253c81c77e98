/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session side of the Manager: a session begins when a workout starts
 * running and ends when it finishes or is stopped. It owns the 1 Hz sample
 * timer (virtual seconds), the store's flush timer (real seconds, so that a
 * crash loses at most the last second), the RR intervals with their
 * artifact flags, and the live analysis (alpha1, zone, crossovers).
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus-manager.h"
#include "log.h"
#include "manager-internal.h"

static uint64_t wall_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t real_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

/* The next whole virtual second of the session's time: the 1 Hz timers
 * keep to it, so they do not drift. */
static uint64_t session_next_second(Manager *m)
{
        const int64_t sec = (int64_t)USEC_PER_SEC;
        int64_t since = (int64_t)manager_now(m) - m->session_start_usec;

        return (uint64_t)(m->session_start_usec + (since / sec + 1) * sec);
}

double manager_session_t(Manager *m)
{
        return (double)((int64_t)manager_now(m) - m->session_start_usec) / (double)USEC_PER_SEC;
}

/* ---- the session ---- */

static void stop_session_timers(Manager *m)
{
        if (m->sample_timer)
                (void)sd_event_source_set_enabled(m->sample_timer, SD_EVENT_OFF);
        /* The flush timer and the property timer take over from the tick. */
        m->session_ticking = false;
        manager_rearm_flush_timer(m);
        if (m->props_dirty)
                manager_properties_changed(m, 0);
}

void manager_store_event(Manager *m, SessionEventType type, const char *text, const char *json)
{
        SessionEvent ev = {.type = type, .text = text, .json = json};
        int r;

        if (!m->store || !m->session_recorded)
                return;
        ev.t_s = manager_session_t(m);
        r = session_store_add_event(m->store, &ev);
        if (r < 0 && r != -ENOBUFS) /* past the budget: counted, said once (store_changed()) */
                log_warning_errno(r, "Failed to record an event: %m");
        manager_store_changed(m);
}

int manager_store_queue(Manager *m, StoreJobRun run, StoreJobDone done, void *userdata)
{
        int r;

        if (m->store_writer)
                return store_writer_queue(m->store_writer, run, done, userdata);
        /* No writer thread (it could not start): here, as every commit is. */
        r = run(m->store, userdata);
        done(r, session_store_last_error(m->store), userdata);
        return 0;
}

static int flush_timer_handler(sd_event_source *s, uint64_t usec, void *userdata);

void manager_rearm_flush_timer(Manager *m)
{
        uint64_t next;
        int r;

        /* After the loop ended (the last flushes at shutdown): no timers. */
        if (!m->store || sd_event_get_state(m->event) == SD_EVENT_FINISHED)
                return;
        next = session_store_next_flush(m->store);
        if (next == USEC_INFINITY || (m->session_ticking && next > 0)) {
                /* Nothing to write, or the session's tick flushes (not the
                 * session's first write, due now: its id is wanted now). */
                if (m->flush_timer)
                        (void)sd_event_source_set_enabled(m->flush_timer, SD_EVENT_OFF);
                return;
        }
        if (!m->flush_timer) {
                r = sd_event_add_time(m->event, &m->flush_timer, CLOCK_MONOTONIC, next, 0,
                                      flush_timer_handler, m);
                if (r >= 0)
                        (void)sd_event_source_set_description(m->flush_timer, "store-flush");
        } else {
                r = sd_event_source_set_time(m->flush_timer, next);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->flush_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to arm the store flush timer: %m");
}

/*
 * After anything that may have written (or failed to write) the store: the
 * state and the current session's id as the bus and the log tell them. A
 * failure is logged once per change of error, not at every retry (a full
 * disk fails every second until space returns).
 */
void manager_store_changed(Manager *m)
{
        SessionStoreState st;
        SessionEndReason reason;
        bool ended_unwritten;
        int64_t id, done;

        if (!m->store)
                return;
        st = session_store_get_state(m->store);
        if (st != m->store_state) {
                switch (st) {
                case SESSION_STORE_OK:
                        if (m->store_state == SESSION_STORE_BUFFERING ||
                            m->store_state == SESSION_STORE_DROPPING)
                                log_info("The session is being written again.");
                        m->store_logged[0] = '\0';
                        break;
                case SESSION_STORE_DROPPING:
                        log_error("Sessions have waited in memory for as long as paced keeps "
                                  "them (%zu samples): new rows are dropped, and counted, until "
                                  "the store can be written: %s",
                                  session_store_buffered(m->store),
                                  session_store_last_error(m->store));
                        break;
                case SESSION_STORE_BUFFERING:
                case SESSION_STORE_UNAVAILABLE:
                case _SESSION_STORE_STATE_MAX:
                case _SESSION_STORE_STATE_INVALID:
                        break;
                }
                m->store_state = st;
                manager_properties_changed(m, MANAGER_PROP_STORAGE);
        }
        id = session_store_current(m->store);
        if (m->session_active && id > 0 && m->session_id != id) {
                char buf[32];

                log_notice("Session %" PRIi64 " is recorded now (it was kept in memory).", id);
                m->session_id = id;
                snprintf(buf, sizeof(buf), "%" PRIi64, id);
                (void)log_context_set("SESSION_ID", buf);
                manager_properties_changed(m, MANAGER_PROP_SESSION);
        }
        /* Sessions whose every row is committed now: the offline analysis. */
        while (session_store_pop_written(m->store, &done, &reason, &ended_unwritten) > 0) {
                /* Its SessionFinished said 0: say it again with the id, so
                 * that a client (paced-sync) can fetch it now. */
                if (ended_unwritten) {
                        log_notice("Session %" PRIi64 " (%s while kept in memory) is recorded now.",
                                   done, session_end_reason_to_string(reason));
                        (void)bus_manager_emit_session_finished(
                                m, (uint64_t)done, session_end_reason_to_string(reason));
                }
                manager_store_ramp_thresholds(m, done);
        }
}

/* After a flush was written or failed: log a new error, tell the bus. */
static void store_flushed(Manager *m, int r)
{
        if (r < 0 && !streq(session_store_last_error(m->store), m->store_logged)) {
                log_warning_errno(r,
                                  "Failed to write the session, the session store cannot be "
                                  "written now (%s): it is kept in memory and written when it "
                                  "can be.",
                                  session_store_last_error(m->store));
                snprintf(m->store_logged, sizeof(m->store_logged), "%s",
                         session_store_last_error(m->store));
                manager_properties_changed(m, MANAGER_PROP_STORAGE);
        }
        manager_store_changed(m);
        manager_rearm_flush_timer(m);
}

/* Hands the next batch to the writer thread (store_writer_batches() counts
 * it, and the jobs' batches, for SyncStore: each finishes in
 * store_written(), and each writes what waited when it started). */
static int store_start_batch(Manager *m)
{
        return store_writer_flush(m->store_writer, real_usec(), false);
}

static void store_reply_waiter(StoreWaiter *w, const Manager *m, int r)
{
        if (r < 0)
                (void)sd_bus_reply_method_errorf(
                        w->message, PACED_ERROR_FAILED,
                        "The session store cannot be written now (%s): the newest rows are "
                        "kept in memory and written when it can be.",
                        session_store_last_error(m->store));
        else
                (void)sd_bus_reply_method_return(w->message, NULL);
        w->message = sd_bus_message_unref(w->message);
}

/* After batch number store_batches_done: answers who waited for it; who
 * waits for a later one gets it started now, not at the next flush. */
static void store_answer_waiters(Manager *m, int r)
{
        size_t k = 0;

        for (size_t i = 0; i < m->n_store_waiters; i++) {
                StoreWaiter *w = &m->store_waiters[i];

                /* A failed write fails every wait: a retry now would fail
                 * the same way (a full disk), and the flush timer retries. */
                if (w->batch <= m->store_batches_done || r < 0)
                        store_reply_waiter(w, m, r);
                else
                        m->store_waiters[k++] = *w;
        }
        m->n_store_waiters = k;
        if (k == 0 || session_store_in_flight(m->store))
                return;
        r = store_start_batch(m);
        if (r > 0)
                return;
        /* Nothing left to write (0), or it cannot start: answer all now. */
        for (size_t i = 0; i < m->n_store_waiters; i++)
                store_reply_waiter(&m->store_waiters[i], m, r);
        m->n_store_waiters = 0;
}

static void store_written(int r, void *userdata)
{
        Manager *m = userdata;

        m->store_batches_done++;
        store_flushed(m, r);
        store_answer_waiters(m, r);
}

/* At most this many SyncStore calls wait at once: each is a message kept. */
#define STORE_WAITERS_MAX 32

int manager_sync_store(Manager *m, sd_bus_message *message, sd_bus_error *error)
{
        StoreWaiter *n;
        uint64_t batch;
        int r;

        if (!m->store)
                return sd_bus_reply_method_return(message, NULL);
        if (!m->store_writer) {
                r = session_store_flush(m->store, real_usec());
                store_flushed(m, r);
                if (r < 0)
                        return sd_bus_error_setf(error, PACED_ERROR_FAILED,
                                                 "The session store cannot be written now (%s).",
                                                 session_store_last_error(m->store));
                return sd_bus_reply_method_return(message, NULL);
        }
        if (m->n_store_waiters >= STORE_WAITERS_MAX)
                return sd_bus_error_set(error, PACED_ERROR_BUSY,
                                        "Too many callers wait for the session store.");
        if (session_store_in_flight(m->store))
                /* The batch in flight may have started before what the caller
                 * saw was buffered: wait for the one after it. */
                batch = store_writer_batches(m->store_writer) + 1;
        else {
                r = store_start_batch(m);
                if (r == 0)
                        return sd_bus_reply_method_return(message, NULL); /* all written */
                if (r < 0)
                        return sd_bus_error_setf(error, PACED_ERROR_FAILED,
                                                 "The session store cannot be written now: %s",
                                                 strerror(-r));
                batch = store_writer_batches(m->store_writer);
        }
        n = reallocarray(m->store_waiters, m->n_store_waiters + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        m->store_waiters = n;
        m->store_waiters[m->n_store_waiters++] = (StoreWaiter){
                .message = sd_bus_message_ref(message),
                .batch = batch,
        };
        /* A quiet batch in flight: its end is wanted now, not at the next tick. */
        store_writer_wake(m->store_writer);
        return 1;
}

void manager_store_waiters_free(Manager *m)
{
        for (size_t i = 0; i < m->n_store_waiters; i++)
                sd_bus_message_unref(m->store_waiters[i].message);
        free(m->store_waiters);
        m->store_waiters = NULL;
        m->n_store_waiters = 0;
}

void manager_flush_store(Manager *m)
{
        int r;

        if (!m->store)
                return;
        if (m->store_writer) {
                /* The commit runs on the writer thread; store_written() follows.
                 * -EBUSY: one is in flight, its end re-arms the timer. */
                r = store_start_batch(m);
                if (r == 0 || (r < 0 && r != -EBUSY))
                        store_flushed(m, r);
                return;
        }
        store_flushed(m, session_store_flush(m->store, real_usec()));
}

/* Writes what waits now, and waits for it (the loop waits: only where no
 * belt is moving). */
void manager_store_write_out(Manager *m)
{
        if (!m->store_writer) {
                store_flushed(m, session_store_flush(m->store, real_usec()));
                return;
        }
        store_writer_sync(m->store_writer);
        if (store_start_batch(m) > 0)
                store_writer_sync(m->store_writer);
}

void manager_store_sync(Manager *m)
{
        if (!m->store_writer)
                return;
        store_writer_sync(m->store_writer);
        /* A session that just ended is written before anyone reads the
         * store (its end was written at once before the writer thread). */
        if (session_store_has_unwritten_end(m->store) && store_start_batch(m) > 0)
                store_writer_sync(m->store_writer);
}

static int flush_timer_handler(sd_event_source *s, uint64_t usec, void *userdata)
{
        manager_flush_store(userdata);
        return 0;
}

static void store_sample(Manager *m, const SessionSample *sample)
{
        int r;

        r = session_store_add_sample(m->store, sample);
        if (r < 0 && r != -ENOBUFS) /* past the budget: counted, said once (store_changed()) */
                log_warning_errno(r, "Failed to buffer a sample: %m");
        m->last_sample = *sample;
        m->have_last_sample = true;
}

/*
 * The loop was held up (a CPU starved by other work, a stopped process)
 * past one or more whole seconds: the samples of those seconds, spread
 * evenly between the last one and now, distance interpolated, the rest as
 * now. Not past SESSION_SAMPLE_GAP_S: that long is an outage, and stays a
 * gap (nothing was measured).
 */
static void catch_up_samples(Manager *m, const SessionSample *now)
{
        const SessionSample last = m->last_sample; /* store_sample() moves it on */
        double span;
        long missed;

        if (!m->have_last_sample)
                return;
        span = now->t_s - last.t_s;
        missed = lround(floor(now->t_s) - floor(last.t_s)) - 1;
        if (missed <= 0 || span > SESSION_SAMPLE_GAP_S)
                return;
        for (long k = 1; k <= missed; k++) {
                double f = (double)k / (double)(missed + 1);
                SessionSample x = *now;

                x.t_s = last.t_s + f * span;
                if (isfinite(last.distance_m) && isfinite(now->distance_m))
                        x.distance_m = last.distance_m + f * (now->distance_m - last.distance_m);
                store_sample(m, &x);
        }
        m->samples_caught_up += (uint64_t)missed;
}

static void add_sample_full(Manager *m, bool catch_up)
{
        EngineStatus st;
        SessionSample sample;

        if (!m->store || !m->session_recorded || !m->engine)
                return;
        workout_engine_get_status(m->engine, manager_now(m), &st);
        sample = (SessionSample){
                .t_s = manager_session_t(m),
                .commanded_kmh = st.target_speed_kmh,
                .speed_kmh = st.measured_speed_kmh,
                .incline_pct = st.measured_incline_pct,
                .distance_m = st.distance_m,
                .hr_bpm = m->live.heart_rate_bpm,
                .zone = m->live.zone,
                .step_index = st.step_index,
                .alpha1 = m->live.alpha1,
        };
        if (manager_footpod_fresh(m)) {
                sample.footpod_kmh = m->live.footpod_kmh;
                sample.cadence_spm = m->live.cadence_spm;
                sample.stride_m = m->live.stride_m;
        }
        if ((isfinite(sample.speed_kmh) && sample.speed_kmh >= 0.1) ||
            (isfinite(sample.distance_m) && sample.distance_m > 0))
                m->session_moved = true;
        if (catch_up)
                catch_up_samples(m, &sample);
        store_sample(m, &sample);
        manager_store_changed(m);
        manager_rearm_flush_timer(m);
}

static void add_sample(Manager *m)
{
        add_sample_full(m, false);
}

/* How early a flush or an emission may ride the tick: the tick comes once
 * a second (of session time), the flush and the emission are due a second
 * (of real time) after the last; at the test clock's scales the tick comes
 * more often and they ride every scale-th one. */
#define TICK_SLACK_USEC (50 * USEC_PER_MSEC)

/* The tick's flush, when due: quiet (the writer does not wake the loop for
 * it, the next flush takes its outcome) once the session has its id; the
 * first write, which gives it, is answered at once (SessionId, a client
 * waiting for it). */
static void tick_flush_store(Manager *m)
{
        uint64_t next;
        int r;

        if (!m->store || !m->store_writer) {
                manager_flush_store(m);
                return;
        }
        next = session_store_next_flush(m->store);
        if (next == USEC_INFINITY || real_usec() + TICK_SLACK_USEC < next)
                return;
        r = store_writer_flush(m->store_writer, real_usec(), m->session_id > 0);
        if (r == 0 || (r < 0 && r != -EBUSY))
                store_flushed(m, r);
}

/*
 * The session's tick, once a second of session time: the sample, the
 * store's flush and the live PropertiesChanged, in one wake-up. On their
 * own timers they drifted apart and woke paced three or four times a
 * second besides the notifications (issue 28).
 */
static int sample_timer_handler(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        uint64_t next_virt;
        int r;

        add_sample_full(m, true);
        tick_flush_store(m);
        manager_properties_changed(m, MANAGER_PROP_LIVE);
        manager_properties_tick(m, TICK_SLACK_USEC);
        next_virt = session_next_second(m);
        r = sd_event_source_set_time(s, paced_clock_to_real(&m->clock, next_virt));
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to re-arm the sample timer: %m");
        return 0;
}

/* The live side of a session, new or resumed: analysis and the 1 Hz sample timer. */
void manager_session_runtime_start(Manager *m)
{
        uint64_t next_virt;
        char id[32];
        int r;

        m->rr_cleaner = rr_cleaner_free(m->rr_cleaner);
        m->analysis = live_analysis_free(m->analysis);
        rr_clock_reset(&m->rr_clock);
        r = rr_cleaner_new(&m->rr_cleaner, true);
        if (r >= 0) {
                LiveAnalysisConfig lc = {
                        .profile = m->hr_profile,
                        .zone_model = m->have_zones ? m->zone_model : _ZONE_MODEL_INVALID,
                        .correct = true,
                };

                r = live_analysis_new(&m->analysis, m->have_zones ? &lc : NULL);
        }
        if (r < 0)
                log_warning_errno(r, "Live alpha1 is not available: %m");
        if (m->engine) {
                EngineStatus st;

                workout_engine_get_status(m->engine, manager_now(m), &st);
                manager_update_announce(m, st.step_index);
        }
        m->live.alpha1 = NAN;
        m->live.crossover_kind[0] = '\0';
        /* A resumed session's outage stays a gap: nothing to catch up. */
        m->have_last_sample = false;

        /* Until a session kept in memory is written, it has no id yet. */
        snprintf(id, sizeof(id), "%" PRIi64, m->session_id);
        (void)log_context_set("SESSION_ID", m->session_id > 0 ? id : NULL);

        next_virt = session_next_second(m);
        if (!m->sample_timer) {
                /* 1 ms, not sd-event's default 250 ms: the tick keeps its
                 * phase, so the emission and the flush it carries, due a
                 * second after the last, are due at every tick. */
                r = sd_event_add_time(m->event, &m->sample_timer, CLOCK_MONOTONIC,
                                      paced_clock_to_real(&m->clock, next_virt), USEC_PER_MSEC,
                                      sample_timer_handler, m);
                if (r >= 0)
                        (void)sd_event_source_set_description(m->sample_timer, "sample");
        } else {
                r = sd_event_source_set_time(m->sample_timer,
                                             paced_clock_to_real(&m->clock, next_virt));
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->sample_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "Failed to arm the sample timer: %m");
        m->session_ticking = r >= 0;
        manager_properties_changed(m, MANAGER_PROP_SESSION | MANAGER_PROP_CROSSOVER);
}

void manager_session_begin(Manager *m)
{
        const ResolvedWorkout *w = workout_engine_get_workout(m->engine);
        const Device *t = &m->devices[TRANSPORT_ROLE_TREADMILL];
        const Device *h = &m->devices[TRANSPORT_ROLE_STRAP];
        SessionInfo info = {
                .workout_name = w ? w->name : NULL,
                .workout_source = w ? w->source : NULL,
                .workout = w,
                .treadmill_address = t->address,
                .treadmill_name = t->name,
                .hrm_address = h->address,
                .hrm_name = h->name,
        };
        int r;

        if (m->session_active)
                return;
        m->session_active = true;
        m->session_id = 0;
        m->session_start_usec = (int64_t)manager_now(m);
        m->session_start_wall_usec = wall_usec();
        m->last_step_index = -1;
        m->session_moved = false;
        m->lap_hr_sum = m->lap_hr_max = 0;
        m->lap_hr_n = 0;
        if (m->last_result[0]) {
                m->last_result[0] = 0;
                manager_properties_changed(m, MANAGER_PROP_RESULT);
        }
        if (m->have_zones) {
                info.n_zones = (unsigned)MIN(m->zones.n_zones, (size_t)SESSION_ZONES_MAX);
                for (unsigned i = 0; i < info.n_zones; i++)
                        info.zone_max_bpm[i] = (unsigned)lround(m->zones.zones[i].hi_bpm);
        }
        r = m->store ? session_store_begin(m->store, m->session_start_wall_usec, &info,
                                           &m->session_id)
                     : -ENOMEDIUM;
        m->session_recorded = r >= 0;
        if (r < 0)
                log_error_errno(r, "This session is not recorded: %s",
                                m->store ? session_store_last_error(m->store) : "no store");
        else if (r > 0 && session_store_degraded(m->store))
                log_warning("The session store cannot be written now (%s): the session is kept "
                            "in memory and written when it can be.",
                            session_store_last_error(m->store));
        if (r > 0 && session_store_degraded(m->store)) /* the flush logs only a different error */
                snprintf(m->store_logged, sizeof(m->store_logged), "%s",
                         session_store_last_error(m->store));
        manager_session_runtime_start(m);
        manager_prefetch_trial_best(m);
        if (m->session_id > 0)
                log_info("Session %" PRIi64 ": '%s' started.", m->session_id,
                         info.workout_name ? info.workout_name : "?");
        else
                log_info("Session (not recorded yet): '%s' started.",
                         info.workout_name ? info.workout_name : "?");
        manager_store_changed(m);
        manager_rearm_flush_timer(m);
}

void manager_session_end(Manager *m, SessionEndReason reason)
{
        const char *why = session_end_reason_to_string(reason);
        int r;

        if (!m->session_active)
                return;
        add_sample(m);
        stop_session_timers(m);
        if (m->samples_caught_up > 0)
                log_notice("The event loop was held up during the session: %" PRIu64
                           " samples were filled in between their neighbours.",
                           m->samples_caught_up);
        m->samples_caught_up = 0;
        if (m->store && m->session_recorded) {
                if (!m->session_moved && reason != SESSION_END_FINISHED && m->session_id == 0) {
                        /* To be discarded below, it needs its row (and id) first:
                         * the writer thread may not have written it yet. */
                        manager_store_write_out(m);
                        if (session_store_current(m->store) > 0)
                                m->session_id = session_store_current(m->store);
                }
                r = session_store_end(m->store, wall_usec(), reason);
                if (r < 0)
                        log_error_errno(r, "Failed to close the session: %s",
                                        session_store_last_error(m->store));
                else if (r > 0 && session_store_degraded(m->store))
                        log_warning("The session ended while the store cannot be written (%s): "
                                    "it is kept in memory and written when it can be.",
                                    session_store_last_error(m->store));
                else if (!m->session_moved && reason != SESSION_END_FINISHED && m->session_id > 0) {
                        /* A workout whose belt never moved is no run: nothing
                         * to keep in the history (an empty "aborted" row). */
                        /* Written out first: a session still pending is not deleted.
                         * (On the loop: the belt never moved, no workout runs.) */
                        manager_store_sync(m);
                        r = session_store_delete(m->store, m->session_id);
                        if (r >= 0) {
                                why = "discarded";
                                log_info("Session %" PRIi64 " discarded: the belt never moved.",
                                         m->session_id);
                        } else
                                log_warning_errno(r, "Failed to discard session %" PRIi64 ": %s",
                                                  m->session_id,
                                                  session_store_last_error(m->store));
                }
        }
        /* A session still in memory has no id yet: SessionFinished says 0. */
        if (m->session_id > 0)
                log_info("Session %" PRIi64 " %s.", m->session_id, why);
        else
                log_info("Session (not recorded yet) %s.", why);
        (void)bus_manager_emit_session_finished(m, m->session_id > 0 ? (uint64_t)m->session_id : 0,
                                                why);
        (void)log_context_set("SESSION_ID", NULL);
        (void)log_context_set("STEP", NULL);
        m->session_active = m->session_recorded = false;
        m->session_id = 0;
        manager_properties_changed(m, MANAGER_PROP_SESSION);
        manager_store_changed(m);
        manager_rearm_flush_timer(m);
        if (m->options.exit_when_done && !m->shutting_down) {
                log_info("Session over, exiting (--exit-when-done).");
                m->shutting_down = true;
                manager_finish_shutdown(m);
        }
}

/*
 * The RR intervals of one notification at session time t, stored as the
 * cleaner decides them, each at the end of its beat (docs/sessions.md): the
 * beats the cleaner returns stand for the input beat rr_cleaner_pending()
 * before the newest, and the ones before them end an interval earlier each.
 */
static void store_rr(Manager *m, double t, const double *rr_ms, size_t n)
{
        double later = 0;

        for (size_t i = 0; i < n; i++)
                later += rr_ms[i];
        for (size_t i = 0; i < n && m->rr_cleaner; i++) {
                const RrBeat *beats = NULL;
                double end;
                int k;

                later -= rr_ms[i];
                (void)rr_clock_push(&m->rr_clock, t, rr_ms[i], later);
                k = rr_cleaner_push(m->rr_cleaner, rr_ms[i], &beats);
                if (k <= 0)
                        continue;
                end = rr_clock_end(&m->rr_clock, rr_cleaner_pending(m->rr_cleaner));
                if (!isfinite(end))
                        end = t;
                for (int j = k - 1; j >= 0; j--) {
                        SessionRr rr = {
                                .t_s = end,
                                .rr_ms = (unsigned)lround(beats[j].rr_ms),
                                .artifact = beats[j].counted,
                        };

                        if (m->store && m->session_recorded)
                                (void)session_store_add_rr(m->store, &rr);
                        end -= beats[j].rr_ms / 1000.0;
                }
        }
}

static void handle_crossover(Manager *m, const CrossoverEvent *ev)
{
        const char *key = threshold_kind_key_to_string(ev->threshold);
        char text[160], json[192];

        snprintf(text, sizeof(text), "%s the %s at %.0f bpm, %.1f km/h (alpha1 %.2f)",
                 ev->above ? "Crossed" : "Back below", threshold_kind_to_string(ev->threshold),
                 ev->hr_bpm, ev->speed_kmh, ev->alpha1);
        snprintf(json, sizeof(json),
                 "{\"alpha1\":%.3f,\"hr_bpm\":%.1f,\"speed_kmh\":%.2f,\"above\":%s}",
                 threshold_kind_alpha1(ev->threshold), ev->hr_bpm,
                 isfinite(ev->speed_kmh) ? ev->speed_kmh : 0.0, ev->above ? "true" : "false");
        log_info("%s", text);
        manager_store_event(m, SESSION_EVENT_CROSSOVER, text, json);
        /* An event of the session, never a threshold: only the end-of-session
         * analysis of a threshold test stores thresholds. */
        if (!ev->above)
                return;
        snprintf(m->live.crossover_kind, sizeof(m->live.crossover_kind), "%s", key);
        m->live.crossover_t_s = ev->t_s;
        m->live.crossover_hr_bpm = (unsigned)lround(ev->hr_bpm);
        m->live.crossover_speed_kmh = ev->speed_kmh;
        (void)bus_manager_emit_crossover(m, key, ev->alpha1, ev->t_s, m->live.crossover_hr_bpm,
                                         ev->speed_kmh);
        manager_properties_changed(m, MANAGER_PROP_CROSSOVER);
}

void manager_handle_heart_rate(Manager *m, const HrsMeasurement *hr)
{
        double rr_ms[HRS_MAX_RR];
        CrossoverEvent ev;
        LiveStatus st;
        int zone;

        m->live.heart_rate_bpm = hr->heart_rate_bpm;
        zone = m->have_zones && hr->heart_rate_bpm > 0
                       ? zone_table_classify(&m->zones, hr->heart_rate_bpm)
                       : -1;
        m->live.zone = zone >= 0 ? (unsigned)zone + 1 : 0;
        for (size_t i = 0; i < hr->n_rr; i++)
                rr_ms[i] = rr_ticks_to_ms(hr->rr_raw[i]);
        /* Shown live: many straps send no RR at all, and alpha1 needs them. */
        if (hr->n_rr > 0) {
                m->live.last_rr_ms = (unsigned)lround(rr_ms[hr->n_rr - 1]);
                m->live.rr_count += hr->n_rr;
        }
        if (!m->session_active)
                return;
        /* The lap's heart rate: what the runner's laps show next to their times. */
        if (hr->heart_rate_bpm > 0 && m->engine &&
            workout_engine_get_state(m->engine) == ENGINE_STATE_RUNNING) {
                m->lap_hr_sum += hr->heart_rate_bpm;
                m->lap_hr_max = MAX(m->lap_hr_max, (double)hr->heart_rate_bpm);
                m->lap_hr_n++;
        }

        store_rr(m, manager_session_t(m), rr_ms, hr->n_rr);
        if (!m->analysis)
                return;
        if (live_analysis_push(m->analysis, manager_session_t(m), hr->heart_rate_bpm, rr_ms,
                               hr->n_rr, m->live.speed_kmh) < 0)
                return;
        live_analysis_get_status(m->analysis, &st);
        m->live.alpha1 = st.alpha1;
        if (st.zone >= 0)
                m->live.zone = (unsigned)st.zone + 1;
        while (live_analysis_pop_event(m->analysis, &ev) > 0)
                handle_crossover(m, &ev);
}

/* ---- setup ---- */

int manager_open_store(Manager *m)
{
        const char *dir = m->options.state_dir        ? m->options.state_dir
                          : m->config->state_dir      ? m->config->state_dir
                          : getenv("STATE_DIRECTORY") ? getenv("STATE_DIRECTORY")
                                                      : SESSION_STORE_DEFAULT_DIR;
        char spool[PATH_MAX];
        SessionResume resume;
        bool spooled;
        int r;

        free(m->state_dir);
        m->state_dir = strdup(dir);
        if (!m->state_dir)
                return log_oom();
        /* What the last stop could not write waits in the spool: the
         * store's open imports it (docs/sessions.md). */
        snprintf(spool, sizeof(spool), "%s/%s", dir, SESSION_STORE_SPOOL_NAME);
        spooled = access(spool, F_OK) >= 0;
        r = session_store_new(&m->store, dir);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the session store: %m");
        if (spooled && access(spool, F_OK) < 0)
                log_notice("Imported what the last stop could not write (%s).", spool);
        else if (spooled)
                log_warning("Cannot import %s yet (%s): it is imported once the database can "
                            "be written.",
                            spool, session_store_last_error(m->store));
        m->store_state = session_store_get_state(m->store);
        if (m->options.simulate && getenv("PACED_TEST_STORE_BUDGET")) {
                /* Tests: the memory budget (samples) spent in seconds, not hours. */
                unsigned long n = strtoul(getenv("PACED_TEST_STORE_BUDGET"), NULL, 10);

                if (n > 0 && session_store_set_buffer_limit(m->store, n) >= 0)
                        log_notice("Test: the store keeps at most %lu samples in memory.", n);
        }
        r = store_writer_new(&m->store_writer, m->event, m->store, store_written, m);
        if (r < 0)
                log_warning_errno(r, "Cannot start the store's writer thread, commits run on the "
                                     "event loop: %m");
        if (!session_store_is_open(m->store))
                /* The workout still runs safely, and its session waits in memory. */
                log_error("Cannot open the session store in %s now (sessions are kept in memory "
                          "and written once it can be opened): %s",
                          dir, session_store_last_error(m->store));
        if (session_store_get_interrupted(m->store, &resume) >= 0) {
                log_notice("Session %" PRIi64 " was interrupted (paced stopped uncleanly): it "
                           "resumes if the treadmill's belt is still running.",
                           resume.id);
                m->recover = resume;
                m->recover_pending = true;
        }
        return 0;
}
