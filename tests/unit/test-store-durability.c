/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How often the session store makes its commits durable: an fsync at the
 * first commit, then at least every SESSION_STORE_SYNC_INTERVAL_USEC of
 * flushes, at a session's end and for a job; never one per 1 Hz flush (the
 * writer thread's wake-ups and a Pi's SD card, issue 28). The syncs are
 * counted by a VFS that wraps the default one and is made the default, so
 * the store's own connection goes through it unchanged.
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "session-store.h"
#include "util.h"

/* ---- a VFS that counts xSync ---- */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs counting_vfs;
static int n_syncs;

typedef struct CountingFile {
        sqlite3_file base; /* pMethods: counting_io */
        sqlite3_file *real;
} CountingFile;

static sqlite3_io_methods counting_io;

static int c_close(sqlite3_file *f)
{
        CountingFile *c = (CountingFile *)f;
        int r = c->real->pMethods ? c->real->pMethods->xClose(c->real) : SQLITE_OK;

        sqlite3_free(c->real);
        return r;
}
#define REAL(f) (((CountingFile *)(f))->real)
static int c_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
        return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int c_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
        return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int c_truncate(sqlite3_file *f, sqlite3_int64 size)
{
        return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int c_sync(sqlite3_file *f, int flags)
{
        n_syncs++;
        return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int c_size(sqlite3_file *f, sqlite3_int64 *size)
{
        return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int c_lock(sqlite3_file *f, int l)
{
        return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int c_unlock(sqlite3_file *f, int l)
{
        return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int c_check(sqlite3_file *f, int *out)
{
        return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int c_control(sqlite3_file *f, int op, void *arg)
{
        return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int c_sector(sqlite3_file *f)
{
        return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int c_chars(sqlite3_file *f)
{
        return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int c_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **p)
{
        return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, p);
}
static int c_shm_lock(sqlite3_file *f, int o, int n, int flags)
{
        return REAL(f)->pMethods->xShmLock(REAL(f), o, n, flags);
}
static void c_shm_barrier(sqlite3_file *f)
{
        REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int c_shm_unmap(sqlite3_file *f, int del)
{
        return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int c_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
        CountingFile *c = (CountingFile *)f;
        int r;

        c->real = sqlite3_malloc(real_vfs->szOsFile);
        if (!c->real)
                return SQLITE_NOMEM;
        memset(c->real, 0, (size_t)real_vfs->szOsFile);
        r = real_vfs->xOpen(real_vfs, name, c->real, flags, out);
        if (r != SQLITE_OK || !c->real->pMethods) {
                sqlite3_free(c->real);
                c->base.pMethods = NULL;
                return r;
        }
        c->base.pMethods = &counting_io;
        return r;
}

static int c_delete(sqlite3_vfs *v, const char *n, int s)
{
        return real_vfs->xDelete(real_vfs, n, s);
}
static int c_access(sqlite3_vfs *v, const char *n, int fl, int *o)
{
        return real_vfs->xAccess(real_vfs, n, fl, o);
}
static int c_fullpath(sqlite3_vfs *v, const char *n, int sz, char *o)
{
        return real_vfs->xFullPathname(real_vfs, n, sz, o);
}
static int c_random(sqlite3_vfs *v, int n, char *o)
{
        return real_vfs->xRandomness(real_vfs, n, o);
}
static int c_sleep(sqlite3_vfs *v, int us)
{
        return real_vfs->xSleep(real_vfs, us);
}
static int c_time(sqlite3_vfs *v, double *o)
{
        return real_vfs->xCurrentTime(real_vfs, o);
}
static int c_lasterror(sqlite3_vfs *v, int n, char *o)
{
        return real_vfs->xGetLastError(real_vfs, n, o);
}

static void counting_vfs_register(void)
{
        real_vfs = sqlite3_vfs_find(NULL);
        assert_non_null(real_vfs);
        counting_io = (sqlite3_io_methods){
                .iVersion = 2,
                .xClose = c_close,
                .xRead = c_read,
                .xWrite = c_write,
                .xTruncate = c_truncate,
                .xSync = c_sync,
                .xFileSize = c_size,
                .xLock = c_lock,
                .xUnlock = c_unlock,
                .xCheckReservedLock = c_check,
                .xFileControl = c_control,
                .xSectorSize = c_sector,
                .xDeviceCharacteristics = c_chars,
                .xShmMap = c_shm_map,
                .xShmLock = c_shm_lock,
                .xShmBarrier = c_shm_barrier,
                .xShmUnmap = c_shm_unmap,
        };
        counting_vfs = (sqlite3_vfs){
                .iVersion = 1,
                .szOsFile = (int)sizeof(CountingFile),
                .mxPathname = real_vfs->mxPathname,
                .zName = "paced-test-counting",
                .xOpen = c_open,
                .xDelete = c_delete,
                .xAccess = c_access,
                .xFullPathname = c_fullpath,
                .xRandomness = c_random,
                .xSleep = c_sleep,
                .xCurrentTime = c_time,
                .xGetLastError = c_lasterror,
        };
        assert_int_equal(sqlite3_vfs_register(&counting_vfs, 1), SQLITE_OK);
}

/* ---- the store ---- */

static ResolvedStep steps[1] = {{
        .kind = STEP_KIND_ACTIVE,
        .end = STEP_END_TIME,
        .end_value = 3600,
        .control = STEP_CONTROL_SPEED,
        .speed_start_kmh = 10,
        .speed_end_kmh = 10,
        .speed_lo_kmh = 10,
        .speed_hi_kmh = 10,
        .label = "1 h at 10 km/h",
}};

static const ResolvedWorkout workout = {
        .name = (char *)"steady",
        .source = (char *)"steady.txt",
        .steps = steps,
        .n_steps = 1,
};

static const SessionInfo info = {.workout = &workout};

/* A job that writes: `pacectl delete` of the session. */
static int job_delete(SessionStore *s, void *userdata)
{
        return session_store_delete(s, *(int64_t *)userdata);
}

static void test_syncs_bounded_and_at_the_end(void **state)
{
        char dir[] = "/tmp/test-store-durability-XXXXXX", cmd[64];
        const uint64_t wall0 = 1700000000000000ULL;
        SessionStoreBatch *b = NULL;
        SessionStore *s = NULL;
        int64_t id;
        int before;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        assert_int_equal(session_store_begin(s, wall0, &info, &id), 0);

        /* Ten minutes of a workout: a sample and a flush each second. */
        before = n_syncs;
        for (unsigned t = 1; t <= 600; t++) {
                SessionSample x = {.t_s = t,
                                   .commanded_kmh = 10,
                                   .speed_kmh = 10,
                                   .incline_pct = 0,
                                   .distance_m = t * 2.78,
                                   .hr_bpm = 140,
                                   .zone = 2,
                                   .step_index = 0,
                                   .alpha1 = NAN};

                assert_int_equal(session_store_add_sample(s, &x), 0);
                assert_true(session_store_flush(s, t * USEC_PER_SEC) >= 0);
        }
        /* Durable at least every 30 s (20 times in 600 s, and the first),
         * never at every one of the 600 commits: FULL synced each. */
        print_message("%d syncs for 600 one-second commits\n", n_syncs - before);
        assert_true(n_syncs - before >= 600 / 30);
        assert_true(n_syncs - before <= 2 * (600 / 30 + 1) + 2);

        /* A session's end is durable at once. */
        before = n_syncs;
        assert_int_equal(session_store_end(s, wall0 + 601 * USEC_PER_SEC, SESSION_END_FINISHED), 0);
        assert_true(session_store_flush(s, 601 * USEC_PER_SEC + 1) >= 0);
        assert_true(n_syncs > before);

        /* So is a job's write (a session deleted, a result stored). */
        before = n_syncs;
        assert_int_equal(session_store_job_start(s, 602 * USEC_PER_SEC, job_delete, &id, &b), 1);
        (void)session_store_batch_commit(b);
        assert_int_equal(session_store_batch_job_result(b, NULL), 0);
        assert_true(session_store_flush_finish(s, b) >= 0);
        assert_true(n_syncs > before);

        session_store_free(s);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_syncs_bounded_and_at_the_end),
        };

        counting_vfs_register();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
