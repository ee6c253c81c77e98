/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1 /* pthread_setname_np */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "alloc-util.h"
#include "analysis-worker.h"
#include "log.h"
#include "util.h"

typedef struct AnalysisJob {
        int efd; /* the worker's, to say the job is done */
        AnalysisDoneFn done;
        void *userdata;
        int64_t id;
        RrRecording *rec;
        RrAnalysis *result;
        int error;
} AnalysisJob;

struct AnalysisWorker {
        sd_event_source *source;
        int efd;
        AnalysisDoneFn done;
        void *userdata;
        /* The loop's only: the thread touches its job alone, and says it is
         * done through efd (pthread_join() orders the memory). */
        AnalysisJob *running;
        pthread_t thread;
        AnalysisJob **queue;
        size_t n_queue, n_allocated;
};

/*
 * Test hook: with PACED_TEST_ANALYSIS_GATE=PATH, an analysis waits until
 * PATH exists, so that a test can hold one "in progress" as long as it
 * likes and check the loop keeps serving meanwhile, without timing.
 */
static void wait_for_test_gate(void)
{
        const char *gate = getenv("PACED_TEST_ANALYSIS_GATE");
        const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

        if (!gate || !*gate)
                return;
        while (access(gate, F_OK) < 0)
                (void)nanosleep(&tick, NULL);
}

static void job_run(AnalysisJob *j)
{
        RrAnalysisOptions opt = RR_ANALYSIS_OPTIONS_DEFAULT;

        wait_for_test_gate();
        j->error = rr_analysis_run(j->rec, &opt, &j->result);
}

static AnalysisJob *job_free(AnalysisJob *j)
{
        if (!j)
                return NULL;
        rr_recording_free(j->rec);
        rr_analysis_free(j->result);
        free(j);
        return NULL;
}

static void job_finish(AnalysisWorker *w, AnalysisJob *j)
{
        RrAnalysis *a = j->error < 0 ? NULL : TAKE_PTR(j->result);

        j->done(j->id, j->error < 0 ? j->error : 0, a, j->userdata);
        job_free(j);
}

/* The thread knows its job only: the loop may reap it at any time. */
static void *thread_main(void *p)
{
        AnalysisJob *j = p;
        uint64_t one = 1;

        job_run(j);
        /* An eventfd write of 1 cannot fail short; EINTR cannot happen here
         * (the daemon's signals are blocked in every thread). */
        (void)!write(j->efd, &one, sizeof(one));
        return NULL;
}

/* Starts the next queued analysis if none runs. */
static void start_next(AnalysisWorker *w)
{
        AnalysisJob *j;
        int r;

        while (!w->running && w->n_queue > 0) {
                j = w->queue[0];
                memmove(w->queue, w->queue + 1, (w->n_queue - 1) * sizeof(*w->queue));
                w->n_queue--;
                w->running = j;
                r = -pthread_create(&w->thread, NULL, thread_main, j);
                if (r >= 0)
                        (void)pthread_setname_np(w->thread, "paced-analysis");
                if (r < 0) {
                        /* No thread: the analysis still happens, on the loop. */
                        log_warning_errno(r,
                                          "Cannot start the analysis thread, analysing "
                                          "session %" PRIi64 " on the loop: %m",
                                          j->id);
                        w->running = NULL;
                        job_run(j);
                        job_finish(w, j);
                }
        }
}

/* The running analysis is over: join it and apply its result. */
static void reap(AnalysisWorker *w)
{
        AnalysisJob *j = TAKE_PTR(w->running);

        (void)pthread_join(w->thread, NULL);
        job_finish(w, j);
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        AnalysisWorker *w = userdata;
        uint64_t n;

        if (read(w->efd, &n, sizeof(n)) < 0)
                return 0; /* EAGAIN: not yet */
        if (w->running)
                reap(w);
        start_next(w);
        return 0;
}

int analysis_worker_new(AnalysisWorker **ret, sd_event *event, AnalysisDoneFn done, void *userdata)
{
        _cleanup_(analysis_worker_freep) AnalysisWorker *w = NULL;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->efd = -EBADF;
        w->done = done;
        w->userdata = userdata;
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0)
                return -errno;
        r = sd_event_add_io(event, &w->source, w->efd, EPOLLIN, on_done, w);
        if (r < 0)
                return r;
        (void)sd_event_source_set_description(w->source, "analysis-done");
        *ret = TAKE_PTR(w);
        return 0;
}

void analysis_worker_drain(AnalysisWorker *w)
{
        uint64_t n;

        if (!w)
                return;
        if (w->running) {
                reap(w);
                (void)!read(w->efd, &n, sizeof(n));
        }
        for (size_t i = 0; i < w->n_queue; i++) {
                job_run(w->queue[i]);
                job_finish(w, w->queue[i]);
        }
        w->n_queue = 0;
}

AnalysisWorker *analysis_worker_free(AnalysisWorker *w)
{
        if (!w)
                return NULL;
        analysis_worker_drain(w);
        free(w->queue);
        sd_event_source_disable_unref(w->source);
        if (w->efd >= 0)
                close(w->efd);
        free(w);
        return NULL;
}

int analysis_worker_submit(AnalysisWorker *w, int64_t id, RrRecording *rec)
{
        return analysis_worker_submit_with(w, id, rec, w->done, w->userdata);
}

int analysis_worker_submit_with(AnalysisWorker *w, int64_t id, RrRecording *rec,
                                AnalysisDoneFn done, void *userdata)
{
        _cleanup_(rr_recording_freep) RrRecording *owned = rec;
        AnalysisJob *j;

        if (!GREEDY_REALLOC(w->queue, w->n_allocated, w->n_queue + 1))
                return -ENOMEM;
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->efd = w->efd;
        j->done = done;
        j->userdata = userdata;
        j->id = id;
        j->rec = TAKE_PTR(owned);
        w->queue[w->n_queue++] = j;
        start_next(w);
        return 0;
}

size_t analysis_worker_pending(const AnalysisWorker *w)
{
        return w ? w->n_queue + !!w->running : 0;
}
