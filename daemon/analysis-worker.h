/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The end-of-session analysis off the event loop. The loop loads the
 * session and hands its RR recording over; one thread at a time runs the
 * pure rr_analysis_run() on it; the result comes back to the loop (an
 * eventfd on sd-event), where the done callback stores it. A 30-minute
 * session takes 0.17 s here and more on a Pi: long enough to make a step
 * change late if it ran on the loop.
 */

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "rr-analysis.h"
#include "rr-csv.h"
#include "util.h"

typedef struct AnalysisWorker AnalysisWorker;

/* On the loop: session id's analysis, or a negative errno; takes a. */
typedef void (*AnalysisDoneFn)(int64_t id, int error, RrAnalysis *a, void *userdata);

int analysis_worker_new(AnalysisWorker **ret, sd_event *event, AnalysisDoneFn done, void *userdata);
/* Finishes what was handed over first (analysis_worker_drain()): a session
 * that ended as paced stops still gets its analysis. */
AnalysisWorker *analysis_worker_free(AnalysisWorker *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(AnalysisWorker *, analysis_worker_free);

/* Queues session id's recording (taken, also on failure) for the worker's
 * done callback. */
int analysis_worker_submit(AnalysisWorker *w, int64_t id, RrRecording *rec);
/* The same with this job's own callback (AcceptThresholds answers its
 * caller from it); on failure done is not called. */
int analysis_worker_submit_with(AnalysisWorker *w, int64_t id, RrRecording *rec,
                                AnalysisDoneFn done, void *userdata);
/* Waits for the running analysis and runs the queued ones here, calling
 * done for each: for shutdown, when the loop no longer runs. */
void analysis_worker_drain(AnalysisWorker *w);
size_t analysis_worker_pending(const AnalysisWorker *w);
