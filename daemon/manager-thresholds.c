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
        if (!m->store)
                return;
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

static int analyse_session(Manager *m, int64_t id, RrAnalysis **ret)
{
        _cleanup_(rr_recording_freep) RrRecording *rec = NULL;
        RrAnalysisOptions opt = RR_ANALYSIS_OPTIONS_DEFAULT;
        SessionData *d = NULL;
        int r;

        r = session_store_load(m->store, id, &d);
        if (r < 0)
                return r;
        r = rr_recording_from_session(d, &rec);
        session_data_free(d);
        if (r < 0)
                return r;
        return rr_analysis_run(rec, &opt, ret);
}

void manager_store_ramp_thresholds(Manager *m, int64_t id)
{
        RrAnalysis *a = NULL;
        int r;

        if (!m->store || id <= 0)
                return;
        r = analyse_session(m, id, &a);
        if (r < 0) {
                if (r != -ENODATA)
                        log_warning_errno(r, "Cannot analyse session %" PRIi64 ": %m", id);
                return;
        }
        /* Only a recognised speed ramp with a good fit over enough valid
         * windows (threshold_ramp_fit's RAMP_OK) gives thresholds worth
         * keeping; a steady run or an interval session does not. */
        if (!isfinite(a->ramp_start_s) || a->ramp.status != RAMP_OK) {
                log_debug("Session %" PRIi64 ": no ramp-test thresholds (%s).", id,
                          isfinite(a->ramp_start_s) ? ramp_status_to_string(a->ramp.status)
                                                    : "no ramp");
                rr_analysis_free(a);
                return;
        }
        for (ThresholdKind k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                const ThresholdEstimate *t = &a->ramp.t[k];
                char json[192];
                SessionThreshold th = {
                        .kind = k == THRESHOLD_HRVT1 ? "aet" : "ant",
                        .method = SESSION_METHOD_RAMP,
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
                         "{\"grade\":\"%c\",\"reached\":%s,\"windows\":%zu,\"r\":%.3f}", t->grade,
                         t->reached ? "true" : "false", a->ramp.n_windows, a->ramp.r);
                if (session_store_add_threshold(m->store, id, &th) < 0)
                        log_warning("Failed to store the ramp-test threshold: %s",
                                    session_store_last_error(m->store));
                else
                        log_info("Session %" PRIi64 ": %s %.0f bpm (ramp fit, confidence %c).", id,
                                 threshold_kind_to_string(k), t->hr_bpm, t->grade);
        }
        rr_analysis_free(a);
}

int manager_accept_thresholds(Manager *m, int64_t id, SessionAccepted *ret)
{
        SessionAccepted a;
        int r;

        if (!m->store)
                return -ENOMEDIUM; /* running without a store */
        r = session_store_accept_thresholds(m->store, id, now_wall_usec(), &a);
        if (r < 0)
                return r;
        m->accepted = a;
        m->have_accepted = true;
        log_info("Accepted the thresholds of session %" PRIi64 ": HRVT1 %.0f bpm, HRVT2 %.0f bpm.",
                 id, a.hrvt1_bpm, a.hrvt2_bpm);
        manager_apply_config(m);
        if (ret)
                *ret = a;
        return 0;
}
