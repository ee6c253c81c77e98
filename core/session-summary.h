/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a runner wants to know about a stored session, computed from its
 * samples: totals, per-step target vs actual, splits per 400 m and per mile.
 * Threshold detection lives in the analysis module; this is bookkeeping.
 * Pure code: no I/O, no logging.
 */

#include <stdbool.h>
#include <stddef.h>

#include "session-store.h"

/* Seconds not recorded between samples first and last (inclusive) and how many gaps. */
double session_samples_gap_s(const SessionSample *x, size_t first, size_t last, size_t *ret_n);

/* Measured speed within this much (or 2 %, whichever is larger) of the
 * target counts as "on target" for time-to-target. */
#define SESSION_SUMMARY_ON_TARGET_KMH 0.2

typedef struct StepSummary {
        int step_index;
        double start_s, end_s; /* elapsed time is end_s - start_s, pauses included */
        double moving_s;       /* the same without the pauses (FIT's timer time) */
        double distance_m;
        double target_kmh; /* step's target (start speed; mid of HR range for HR) */
        double target_lo_kmh, target_hi_kmh;
        double avg_commanded_kmh; /* NAN if never commanded */
        double avg_speed_kmh;     /* measured, NAN if unknown */
        double time_to_target_s;  /* from step start until on target, NAN if never */
        double avg_hr_bpm, max_hr_bpm;
        double zone_s[SESSION_ZONES_MAX + 1]; /* [0]: zone unknown */
} StepSummary;

typedef struct SessionSummary {
        double duration_s; /* recorded time: elapsed_s without the gaps */
        double elapsed_s;  /* first to last sample */
        double gap_s;      /* not recorded: paced was stopped (see SESSION_SAMPLE_GAP_S) */
        size_t n_gaps;
        double distance_m;
        double avg_speed_kmh; /* distance / duration (recorded time) */
        double max_speed_kmh;
        double avg_hr_bpm, max_hr_bpm;
        double zone_s[SESSION_ZONES_MAX + 1];
        bool has_incline; /* any non-zero incline */
        size_t n_rr, n_artifacts;
        double artifact_pct; /* NAN if no RR */

        StepSummary *steps;
        size_t n_steps;
        SessionLap *laps; /* one per step run (LAP_KIND_STEP), from samples */
        size_t n_laps;
        /* Splits are counted from the start of the time trial if there is one,
         * else from the end of the warm-up, else from the start. */
        const char *splits_from; /* "the time trial", "the main set", "the start" */
        double splits_from_s;
        SessionLap *splits_400m;
        size_t n_splits_400m;
        SessionLap *splits_mile;
        size_t n_splits_mile;
        /* The session's time-trial results (copied from SessionData). */
        const TrialResult *results;
        size_t n_results;
} SessionSummary;

int session_summary_compute(const SessionData *d, SessionSummary **ret);

/*
 * Seconds of [from_s, to_s) the workout spent paused, from the stored pause and
 * resume events (a pause never resumed lasts to the end), or not recorded at
 * all (the gaps in the samples, SESSION_SAMPLE_GAP_S: paced was stopped).
 * Moving time is the elapsed time minus this, as FIT's timer time is.
 */
double session_summary_paused_s(const SessionData *d, double from_s, double to_s);
SessionSummary *session_summary_free(SessionSummary *s);

/*
 * Cuts the samples into laps every every_m metres of distance (crossings
 * interpolated between samples); the last, partial lap is included when it
 * is at least 10 % of every_m long. Laps are tagged with kind.
 */
int session_summary_splits(const SessionSample *samples, size_t n, double every_m, LapKind kind,
                           SessionLap **ret, size_t *ret_n);
/* The same with the boundaries at origin_m + k * every_m. */
int session_summary_splits_from(const SessionSample *samples, size_t n, double origin_m,
                                double every_m, LapKind kind, SessionLap **ret, size_t *ret_n);

/* One lap per run of consecutive samples with the same step_index >= 0. */
int session_summary_step_laps(const SessionSample *samples, size_t n, SessionLap **ret,
                              size_t *ret_n);
