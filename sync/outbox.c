/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "string-table.h"

#define OUTBOX_SCHEMA_VERSION 1

struct Outbox {
        sqlite3 *db;
        char error[256];
};

static const char *const job_state_table[_JOB_STATE_MAX] = {
        [JOB_PENDING] = "pending", [JOB_SENDING] = "sending", [JOB_PROCESSING] = "processing",
        [JOB_MARKING] = "marking", [JOB_DONE] = "done",       [JOB_FAILED] = "failed",
};

static const char *const job_kind_table[_JOB_KIND_MAX] = {
        [JOB_UPLOAD] = "upload",
        [JOB_CALENDAR] = "calendar",
};

DEFINE_STRING_TABLE_LOOKUP(job_state, JobState);

DEFINE_STRING_TABLE_LOOKUP(job_kind, JobKind);

bool job_state_is_active(JobState s)
{
        return s == JOB_PENDING || s == JOB_SENDING || s == JOB_PROCESSING || s == JOB_MARKING;
}

static inline void finalizep(sqlite3_stmt **st)
{
        if (*st)
                sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(finalizep)

static int fail(Outbox *o, int rc, const char *what)
{
        snprintf(o->error, sizeof(o->error), "%s: %s", what, sqlite3_errmsg(o->db));
        switch (rc & 0xff) {
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN:
                return -EACCES;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        default:
                return -EIO;
        }
}

const char *outbox_last_error(const Outbox *o)
{
        return o ? o->error : "";
}

static int exec(Outbox *o, const char *sql)
{
        int rc = sqlite3_exec(o->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : fail(o, rc, "SQL");
}

static int prepare(Outbox *o, const char *sql, sqlite3_stmt **ret)
{
        int rc = sqlite3_prepare_v2(o->db, sql, -1, ret, NULL);

        return rc == SQLITE_OK ? 0 : fail(o, rc, "prepare");
}

static int step_done(Outbox *o, sqlite3_stmt *st, const char *what)
{
        int rc = sqlite3_step(st);

        return rc == SQLITE_DONE ? 0 : fail(o, rc, what);
}

/* What comes due: unfinished jobs, and a calendar (done, it is fetched again later). */
#define DUE_STATES                                                                                 \
        "(state IN ('pending', 'sending', 'processing', 'marking') OR"                             \
        " (kind = 'calendar' AND state = 'done'))"

static const char schema[] = "CREATE TABLE jobs ("
                             "  id INTEGER PRIMARY KEY,"
                             "  service TEXT NOT NULL,"
                             "  kind TEXT NOT NULL,"
                             "  session_id INTEGER NOT NULL DEFAULT 0,"
                             "  external_id TEXT NOT NULL,"
                             "  name TEXT,"
                             "  start_usec INTEGER NOT NULL DEFAULT 0,"
                             "  state TEXT NOT NULL,"
                             "  failures INTEGER NOT NULL DEFAULT 0,"
                             "  next_usec INTEGER NOT NULL DEFAULT 0,"
                             "  remote_id TEXT,"
                             "  detail TEXT,"
                             "  created_usec INTEGER NOT NULL,"
                             "  updated_usec INTEGER NOT NULL,"
                             "  UNIQUE (service, external_id));"
                             "CREATE INDEX jobs_due ON jobs (service, state, next_usec);"
                             "CREATE TABLE kv (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                             "CREATE TABLE calendar ("
                             "  service TEXT NOT NULL,"
                             "  date TEXT NOT NULL,"
                             "  event_id TEXT NOT NULL,"
                             "  name TEXT NOT NULL,"
                             "  type TEXT NOT NULL,"
                             "  outcome TEXT NOT NULL);";

Outbox *outbox_free(Outbox *o)
{
        if (!o)
                return NULL;
        sqlite3_close_v2(o->db);
        free(o);
        return NULL;
}

int outbox_open(const char *path, Outbox **ret)
{
        _cleanup_(outbox_freep) Outbox *o = calloc(1, sizeof(*o));
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int rc, r, version;

        if (!o)
                return -ENOMEM;
        rc = sqlite3_open_v2(path, &o->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
                             NULL);
        if (rc != SQLITE_OK)
                return o->db ? fail(o, rc, "open") : -ENOMEM;
        sqlite3_busy_timeout(o->db, 5000);
        /* Every state change must survive a power cut: FULL, not NORMAL. */
        r = exec(o, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
        if (r < 0)
                return r;
        r = prepare(o, "PRAGMA user_version", &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail(o, sqlite3_errcode(o->db), "user_version");
        version = sqlite3_column_int(st, 0);
        if (version > OUTBOX_SCHEMA_VERSION) {
                snprintf(o->error, sizeof(o->error), "outbox schema %d is newer than this build",
                         version);
                return -EPROTO;
        }
        if (version == 0) {
                r = exec(o, "BEGIN IMMEDIATE");
                if (r < 0)
                        return r;
                r = exec(o, schema);
                if (r >= 0)
                        r = exec(o, "PRAGMA user_version = 1; COMMIT");
                if (r < 0) {
                        (void)exec(o, "ROLLBACK");
                        return r;
                }
        }
        *ret = TAKE_PTR(o);
        return 0;
}

int outbox_begin(Outbox *o)
{
        return exec(o, "BEGIN IMMEDIATE");
}

int outbox_commit(Outbox *o)
{
        return exec(o, "COMMIT");
}

void outbox_rollback(Outbox *o)
{
        (void)sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
}

char *outbox_external_id(int64_t session_id, uint64_t start_usec)
{
        char *s;

        if (asprintf(&s, "paced-%" PRIu64 "-%" PRIi64, start_usec, session_id) < 0)
                return NULL;
        return s;
}

int outbox_add_upload(Outbox *o, const char *service, int64_t session_id, uint64_t start_usec,
                      const char *name, uint64_t now)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *ext = outbox_external_id(session_id, start_usec);
        int r;

        if (!ext)
                return -ENOMEM;
        r = prepare(o,
                    "INSERT OR IGNORE INTO jobs (service, kind, session_id, external_id, name,"
                    " start_usec, state, next_usec, created_usec, updated_usec)"
                    " VALUES (?, 'upload', ?, ?, ?, ?, 'pending', ?, ?, ?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, session_id);
        sqlite3_bind_text(st, 3, ext, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)start_usec);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)now);
        r = step_done(o, st, "queue an upload");
        if (r < 0)
                return r;
        return sqlite3_changes(o->db) > 0;
}

int outbox_add_calendar(Outbox *o, const char *service, uint64_t now)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(o,
                    "INSERT OR IGNORE INTO jobs (service, kind, external_id, state, next_usec,"
                    " created_usec, updated_usec) VALUES (?, 'calendar', 'calendar', 'pending',"
                    " ?, ?, ?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
        return step_done(o, st, "queue the calendar");
}

void job_done(Job *j)
{
        if (!j)
                return;
        free(j->service);
        free(j->external_id);
        free(j->name);
        free(j->remote_id);
        free(j->detail);
        *j = (Job){};
}

void jobs_free(Job *j, size_t n)
{
        for (size_t i = 0; j && i < n; i++)
                job_done(&j[i]);
        free(j);
}

#define JOB_COLUMNS                                                                                \
        "id, service, kind, session_id, external_id, name, start_usec, state, failures,"           \
        " next_usec, remote_id, detail, updated_usec"

static int column_dup(sqlite3_stmt *st, int col, char **ret)
{
        const unsigned char *t = sqlite3_column_text(st, col);

        *ret = NULL;
        if (!t)
                return 0;
        *ret = strdup((const char *)t);
        return *ret ? 0 : -ENOMEM;
}

static int read_job(sqlite3_stmt *st, Job *j)
{
        *j = (Job){
                .id = sqlite3_column_int64(st, 0),
                .kind = job_kind_from_string((const char *)sqlite3_column_text(st, 2)),
                .session_id = sqlite3_column_int64(st, 3),
                .start_usec = (uint64_t)sqlite3_column_int64(st, 6),
                .state = job_state_from_string((const char *)sqlite3_column_text(st, 7)),
                .failures = (unsigned)sqlite3_column_int(st, 8),
                .next_usec = (uint64_t)sqlite3_column_int64(st, 9),
                .updated_usec = (uint64_t)sqlite3_column_int64(st, 12),
        };
        if (column_dup(st, 1, &j->service) < 0 || column_dup(st, 4, &j->external_id) < 0 ||
            column_dup(st, 5, &j->name) < 0 || column_dup(st, 10, &j->remote_id) < 0 ||
            column_dup(st, 11, &j->detail) < 0) {
                job_done(j);
                return -ENOMEM;
        }
        if (j->kind < 0 || j->state < 0 || !j->service) {
                job_done(j);
                return -EBADMSG;
        }
        return 0;
}

int outbox_next_due(Outbox *o, const char *service, uint64_t now, Job *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(o,
                    "SELECT " JOB_COLUMNS " FROM jobs WHERE service = ? AND " DUE_STATES
                    " AND next_usec <= ?"
                    " ORDER BY next_usec, id LIMIT 1",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)MIN(now, (uint64_t)INT64_MAX));
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return fail(o, rc, "find a due job");
        return read_job(st, ret);
}

uint64_t outbox_next_wakeup(Outbox *o, const char *service)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;

        if (prepare(o,
                    "SELECT min(next_usec) FROM jobs WHERE (?1 IS NULL OR service = ?1) AND"
                    " " DUE_STATES,
                    &st) < 0)
                return USEC_INFINITY;
        if (service)
                sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
                return USEC_INFINITY;
        return (uint64_t)sqlite3_column_int64(st, 0);
}

int outbox_update(Outbox *o, const Job *j, uint64_t now)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(o,
                    "UPDATE jobs SET state = ?, failures = ?, next_usec = ?, remote_id = ?,"
                    " detail = ?, updated_usec = ? WHERE id = ?",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, job_state_to_string(j->state), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, (int)MIN(j->failures, 1000000u));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)MIN(j->next_usec, (uint64_t)INT64_MAX));
        sqlite3_bind_text(st, 4, j->remote_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, j->detail, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 7, j->id);
        return step_done(o, st, "update a job");
}

int outbox_get(Outbox *o, int64_t id, Job *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(o, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return fail(o, rc, "read a job");
        return read_job(st, ret);
}

int outbox_list(Outbox *o, size_t max, Job **ret, size_t *ret_n)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        Job *l = NULL;
        size_t n = 0;
        int r, rc;

        r = prepare(o,
                    "SELECT " JOB_COLUMNS " FROM jobs ORDER BY kind = 'calendar' DESC,"
                    " session_id DESC, service LIMIT ?",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)MIN(max, (size_t)INT64_MAX));
        l = calloc(max + 1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
                r = read_job(st, &l[n]);
                if (r < 0) {
                        jobs_free(l, n);
                        return r;
                }
                n++;
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                jobs_free(l, n);
                return fail(o, rc, "list jobs");
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int outbox_wake(Outbox *o, const char *service, uint64_t now)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(o,
                    "UPDATE jobs SET next_usec = ?2 WHERE (?1 IS NULL OR service = ?1) AND"
                    " " DUE_STATES " AND next_usec > ?2",
                    &st);
        if (r < 0)
                return r;
        if (service)
                sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
        return step_done(o, st, "wake jobs");
}

int outbox_retry_failed(Outbox *o, uint64_t now)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(o,
                    "UPDATE jobs SET state = 'pending', failures = 0, next_usec = ?1,"
                    " updated_usec = ?1, detail = 'queued again' WHERE state = 'failed'",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
        r = step_done(o, st, "retry failed jobs");
        return r < 0 ? r : sqlite3_changes(o->db);
}

int outbox_get_int(Outbox *o, const char *key, int64_t *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(o, "SELECT value FROM kv WHERE key = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return fail(o, rc, "read a value");
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

int outbox_set_int(Outbox *o, const char *key, int64_t value)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(o, "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, value);
        return step_done(o, st, "store a value");
}

int outbox_set_calendar(Outbox *o, const char *service, const CalendarEntry *e, size_t n)
{
        _cleanup_stmt_ sqlite3_stmt *del = NULL, *ins = NULL;
        int r;

        r = outbox_begin(o);
        if (r < 0)
                return r;
        r = prepare(o, "DELETE FROM calendar WHERE service = ?", &del);
        if (r >= 0) {
                sqlite3_bind_text(del, 1, service, -1, SQLITE_STATIC);
                r = step_done(o, del, "clear the calendar");
        }
        if (r >= 0)
                r = prepare(o,
                            "INSERT INTO calendar (service, date, event_id, name, type, outcome)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            &ins);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                sqlite3_reset(ins);
                sqlite3_bind_text(ins, 1, service, -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 2, e[i].date, -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 3, e[i].event_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 4, e[i].name ? e[i].name : "", -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 5, e[i].type ? e[i].type : "", -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 6, e[i].outcome, -1, SQLITE_STATIC);
                r = step_done(o, ins, "store the calendar");
        }
        if (r < 0) {
                outbox_rollback(o);
                return r;
        }
        return outbox_commit(o);
}

void calendar_entries_free(CalendarEntry *e, size_t n)
{
        for (size_t i = 0; e && i < n; i++) {
                free(e[i].date);
                free(e[i].event_id);
                free(e[i].name);
                free(e[i].type);
                free(e[i].outcome);
        }
        free(e);
}

int outbox_list_calendar(Outbox *o, const char *service, CalendarEntry **ret, size_t *ret_n)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        CalendarEntry *l = NULL;
        size_t n = 0, alloc = 0;
        int r, rc;

        r = prepare(o,
                    "SELECT date, event_id, name, type, outcome FROM calendar WHERE service = ?"
                    " ORDER BY date, rowid",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                CalendarEntry *e;

                if (n >= alloc) {
                        size_t na = alloc ? 2 * alloc : 16;
                        CalendarEntry *p = reallocarray(l, na, sizeof(*l));

                        if (!p) {
                                calendar_entries_free(l, n);
                                return -ENOMEM;
                        }
                        l = p;
                        alloc = na;
                }
                e = &l[n++];
                *e = (CalendarEntry){};
                if (column_dup(st, 0, &e->date) < 0 || column_dup(st, 1, &e->event_id) < 0 ||
                    column_dup(st, 2, &e->name) < 0 || column_dup(st, 3, &e->type) < 0 ||
                    column_dup(st, 4, &e->outcome) < 0) {
                        calendar_entries_free(l, n);
                        return -ENOMEM;
                }
        }
        if (rc != SQLITE_DONE) {
                calendar_entries_free(l, n);
                return fail(o, rc, "list the calendar");
        }
        *ret = l;
        *ret_n = n;
        return 0;
}
