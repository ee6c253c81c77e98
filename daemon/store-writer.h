/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The session store's writer thread: the SQLite commit, and the fsync that
 * comes with it every 30 s (session-store.c), run here and never on the
 * event loop,
 * so a slow SD card or a held database lock delays no step, sample or bus
 * call. The queue holds one batch (session_store_flush_start()): while it
 * is written the workout keeps adding rows to the store's memory, whose own
 * budget bounds what waits. The loop learns of the outcome through an
 * eventfd and finishes the batch itself, so the store is only ever changed
 * on the loop. A quiet batch (a running session's once-a-second flush) does
 * not wake the loop: its outcome is taken at the next flush, a second
 * later, unless someone needs it sooner (a job, a sync, a flush that is not
 * quiet), which wakes the loop then.
 */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "session-store.h"

typedef struct StoreWriter StoreWriter;

/* Called on the loop when a batch was finished; r as session_store_flush(). */
typedef void (*StoreWriterDone)(int r, void *userdata);

int store_writer_new(StoreWriter **ret, sd_event *e, SessionStore *store, StoreWriterDone done,
                     void *userdata);
/* Hands the next flush to the thread: 1 started, 0 nothing to write,
 * -EBUSY one is in flight already (done() comes, then flush again). First
 * finishes a quiet batch the thread has written. quiet: the caller flushes
 * again within a second and takes the outcome then (no wake-up for it). */
int store_writer_flush(StoreWriter *w, uint64_t now_usec, bool quiet);
/* The outcome of the batch in flight is wanted now: done() comes as soon as
 * it is written (at once if it is). */
void store_writer_wake(StoreWriter *w);
/* Waits for the batch in flight and the jobs queued, and finishes them
 * (done() called): before the loop reads or deletes in the database itself,
 * where no belt is moving, and at shutdown. */
void store_writer_sync(StoreWriter *w);
/*
 * The loop's other work on the database, run on the thread after the batch
 * in flight (and with the rows that wait then): run(store, userdata) on the
 * thread, on a store that is the database only (session_store_job_start());
 * done(run's result, its error message, userdata) back on the loop. In the
 * order queued. done() is always called, at the latest by store_writer_free().
 */
typedef int (*StoreJobRun)(SessionStore *s, void *userdata);
typedef void (*StoreJobDone)(int r, const char *error, void *userdata);
int store_writer_queue(StoreWriter *w, StoreJobRun run, StoreJobDone done, void *userdata);
/* Batches handed to the thread so far (a job's too): each ends in done(). */
uint64_t store_writer_batches(const StoreWriter *w);
bool store_writer_busy(const StoreWriter *w);
/* Syncs, then stops the thread. */
StoreWriter *store_writer_free(StoreWriter *w);
