/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1 /* pthread_setname_np */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store-writer.h"
#include "util.h"

typedef struct StoreJob StoreJob;
struct StoreJob {
        StoreJobRun run;
        StoreJobDone done;
        void *userdata;
        StoreJob *next;
};

struct StoreWriter {
        SessionStore *store;
        /* On the loop only: jobs waiting for the thread, oldest first, and
         * the one whose batch is in flight. */
        StoreJob *jobs, **jobs_tail;
        StoreJob *job;
        uint64_t batches; /* handed over, rows' and jobs' */
        StoreWriterDone done;
        void *userdata;
        sd_event_source *source;
        int efd;

        pthread_t thread;
        bool thread_started;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        /* Under lock: the batch handed over, whether it is written, stop. */
        SessionStoreBatch *batch;
        bool committed, stop;
        bool wake; /* the loop wants the eventfd when the batch is written */
};

static void *writer_thread(void *userdata)
{
        StoreWriter *w = userdata;

        pthread_mutex_lock(&w->lock);
        for (;;) {
                SessionStoreBatch *b;
                uint64_t one = 1;

                while (!w->stop && (!w->batch || w->committed))
                        pthread_cond_wait(&w->cond, &w->lock);
                if (w->stop)
                        break;
                b = w->batch;
                pthread_mutex_unlock(&w->lock);

                (void)session_store_batch_commit(b); /* the outcome is kept in b */

                pthread_mutex_lock(&w->lock);
                w->committed = true;
                pthread_cond_broadcast(&w->cond);
                /* Wake the loop, unless the batch is quiet; a full counter
                 * (never) would be woken already. */
                if (w->wake)
                        (void)!write(w->efd, &one, sizeof(one));
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

/* The flush cadence's clock, as manager_flush_store() gives it. */
static uint64_t monotonic_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static void writer_hand_over(StoreWriter *w, SessionStoreBatch *b, bool quiet)
{
        w->batches++;
        pthread_mutex_lock(&w->lock);
        w->batch = b;
        w->committed = false;
        w->wake = !quiet;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

/* On the loop, with no batch in flight: the next job's batch to the thread.
 * One that cannot start (no memory) is told so at once. */
static void writer_start_job(StoreWriter *w, uint64_t now_usec)
{
        if (session_store_in_flight(w->store))
                return; /* after this batch (writer_finish()) */
        while (w->jobs && !w->job) {
                SessionStoreBatch *b = NULL;
                StoreJob *j = w->jobs;
                int r;

                w->jobs = j->next;
                if (!w->jobs)
                        w->jobs_tail = &w->jobs;
                r = session_store_job_start(w->store, now_usec, j->run, j->userdata, &b);
                if (r > 0) {
                        w->job = j;
                        writer_hand_over(w, b, false);
                        return;
                }
                j->done(r < 0 ? r : -EIO, "The store cannot take the job", j->userdata);
                free(j);
        }
}

/* On the loop: finishes the batch if it is written (wait: until it is). */
static void writer_finish(StoreWriter *w, bool wait)
{
        SessionStoreBatch *b = NULL;
        StoreJob *j;
        const char *error = "";
        int r, job_r = 0;

        pthread_mutex_lock(&w->lock);
        while (wait && w->batch && !w->committed)
                pthread_cond_wait(&w->cond, &w->lock);
        if (w->batch && w->committed) {
                b = w->batch;
                w->batch = NULL;
                w->committed = false;
        }
        pthread_mutex_unlock(&w->lock);
        if (!b)
                return;
        j = TAKE_PTR(w->job);
        if (j)
                job_r = session_store_batch_job_result(b, &error);
        /* The message lives in the batch: the job's done() gets a copy. */
        _cleanup_free_ char *msg = j ? strdup(error) : NULL;
        r = session_store_flush_finish(w->store, b);
        if (w->done)
                w->done(r, w->userdata);
        if (j) {
                j->done(job_r, msg ?: "", j->userdata);
                free(j);
        }
        writer_start_job(w, monotonic_usec());
}

static int writer_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        uint64_t n;

        (void)!read(fd, &n, sizeof(n));
        writer_finish(userdata, false);
        return 0;
}

int store_writer_new(StoreWriter **ret, sd_event *e, SessionStore *store, StoreWriterDone done,
                     void *userdata)
{
        StoreWriter *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->store = store;
        w->done = done;
        w->userdata = userdata;
        w->efd = -EBADF;
        w->jobs_tail = &w->jobs;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);

        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(e, &w->source, w->efd, EPOLLIN, writer_io, w);
        if (r < 0)
                goto fail;
        (void)sd_event_source_set_description(w->source, "store-writer");
        r = -pthread_create(&w->thread, NULL, writer_thread, w);
        if (r < 0)
                goto fail;
        w->thread_started = true;
        /* Named, so that top -H, /proc and the benchmarks tell it from the loop. */
        (void)pthread_setname_np(w->thread, "paced-store");
        session_store_set_async(store, true);
        *ret = w;
        return 0;
fail:
        store_writer_free(w);
        return r;
}

void store_writer_wake(StoreWriter *w)
{
        bool written;

        pthread_mutex_lock(&w->lock);
        w->wake = true;
        written = w->batch && w->committed;
        pthread_mutex_unlock(&w->lock);
        /* Written before it was wanted: the thread did not signal it. */
        if (written)
                writer_finish(w, false);
}

int store_writer_flush(StoreWriter *w, uint64_t now_usec, bool quiet)
{
        SessionStoreBatch *b = NULL;
        int r;

        writer_finish(w, false); /* a quiet batch, written since */
        r = session_store_flush_start(w->store, now_usec, &b);
        if (r == -EBUSY && !quiet)
                store_writer_wake(w);
        if (r <= 0)
                return r;
        writer_hand_over(w, b, quiet);
        return 1;
}

int store_writer_queue(StoreWriter *w, StoreJobRun run, StoreJobDone done, void *userdata)
{
        StoreJob *j;

        assert(run && done);
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (StoreJob){.run = run, .done = done, .userdata = userdata};
        *w->jobs_tail = j;
        w->jobs_tail = &j->next;
        if (session_store_in_flight(w->store))
                store_writer_wake(w); /* the job starts when the batch is done */
        else
                writer_start_job(w, monotonic_usec());
        return 0;
}

void store_writer_sync(StoreWriter *w)
{
        if (!w)
                return;
        /* The jobs queued go first: whoever syncs reads what they wrote. */
        for (;;) {
                writer_finish(w, true);
                /* Its done() callbacks may have started another batch (a
                 * job queued meanwhile, a SyncStore): that one too. */
                if (session_store_in_flight(w->store))
                        continue;
                if (!w->jobs)
                        break;
                writer_start_job(w, monotonic_usec());
        }
}

uint64_t store_writer_batches(const StoreWriter *w)
{
        return w ? w->batches : 0;
}

bool store_writer_busy(const StoreWriter *w)
{
        return w && session_store_in_flight(w->store);
}

StoreWriter *store_writer_free(StoreWriter *w)
{
        if (!w)
                return NULL;
        if (w->thread_started) {
                store_writer_sync(w);
                pthread_mutex_lock(&w->lock);
                w->stop = true;
                pthread_cond_broadcast(&w->cond);
                pthread_mutex_unlock(&w->lock);
                pthread_join(w->thread, NULL);
                session_store_set_async(w->store, false);
        }
        sd_event_source_disable_unref(w->source);
        if (w->efd >= 0)
                close(w->efd);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
}
