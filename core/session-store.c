/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session store: SQLite in WAL mode, one transaction per flush.
 *
 * Why this is crash safe: rows are only ever written inside
 * BEGIN IMMEDIATE ... COMMIT, and SQLite's WAL makes a commit atomic, so a
 * kill -9 leaves either the previous or the new committed state. The only
 * data lost is what sits in the in-memory buffer, which the manager flushes
 * every second. A power cut (a treadmill's power strip is a plausible way
 * for a Pi to lose power) loses what the kernel had not written yet: the
 * commits are made durable (synchronous = FULL for that commit) every
 * SESSION_STORE_SYNC_INTERVAL_USEC, at a session's end and for the owner's
 * jobs, and not in between (synchronous = NORMAL: in WAL mode a commit
 * then costs no fsync). An fsync a second kept a Pi's SD card writing all
 * through a workout and woke the writer thread several times a second
 * (docs/performance.md); a power cut mid-run loses at most the last 30 s.
 */
#define _GNU_SOURCE 1 /* asprintf */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "alloc-util.h"
#include "json-writer.h"
#include "session-store.h"
#include "string-table.h"
#include "utf8.h"
#include "util.h"

/*
 * While the database cannot be written (another process holds its lock, the
 * disk is full, the directory is read-only or missing), sessions and their
 * rows wait in memory: about four hours of samples, four RR intervals per
 * sample (240 bpm), 4096 laps, events and thresholds, in all sessions
 * waiting together, about 2 MB. Past that, new rows are dropped and counted
 * (the session gets a note saying how many); the workout is unaffected.
 */
#define PENDING_SAMPLES_MAX   (4 * 3600)
#define PENDING_RR_PER_SAMPLE 4
#define PENDING_OTHER_MAX     4096
#define PENDING_SESSIONS_MAX  16

/*
 * The statements every flush runs, prepared once per connection and kept,
 * reset and bound again for each row: preparing them at every flush was the
 * largest part of what a second of workout cost paced (SQLite's parser and
 * the allocator; docs/performance.md).
 */
typedef enum FlushStmt {
        FLUSH_STMT_BEGIN,
        FLUSH_STMT_COMMIT,
        FLUSH_STMT_SAMPLE,
        FLUSH_STMT_RR,
        FLUSH_STMT_LAP,
        FLUSH_STMT_EVENT,
        _FLUSH_STMT_MAX,
} FlushStmt;

static const char *const flush_stmt_sql[_FLUSH_STMT_MAX] = {
        [FLUSH_STMT_BEGIN] = "BEGIN IMMEDIATE",
        [FLUSH_STMT_COMMIT] = "COMMIT",
        [FLUSH_STMT_SAMPLE] = "INSERT INTO samples (session_id, t, commanded_kmh, speed_kmh,"
                              " incline_pct, distance_m, hr_bpm, zone, step_index, alpha1,"
                              " footpod_kmh, cadence_spm, stride_m)"
                              " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [FLUSH_STMT_RR] = "INSERT INTO rr (session_id, t, rr_ms, artifact) VALUES (?,?,?,?)",
        [FLUSH_STMT_LAP] = "INSERT INTO laps (session_id, kind, step_index, start_t, end_t,"
                           " distance_m, avg_hr, max_hr, avg_speed_kmh)"
                           " VALUES (?,?,?,?,?,?,?,?,?)",
        [FLUSH_STMT_EVENT] = ("INSERT INTO events (session_id, t, type, text, json)"
                              " VALUES (?,?,?,?,?)"),
};

typedef struct PendingEvent {
        double t_s;
        SessionEventType type;
        char *text, *json;
} PendingEvent;

typedef struct PendingThreshold {
        char *kind, *method, *json;
        double alpha1, hr_bpm, speed_kmh, t_s, confidence;
} PendingThreshold;

/* A session as the writer keeps it until its rows are committed. */
/* An ended session wholly committed, for session_store_pop_written(). */
typedef struct WrittenSession {
        int64_t id;
        SessionEndReason reason;
        bool ended_unwritten; /* it ended before its row existed: its end had no id */
} WrittenSession;

typedef struct PendingSession {
        int64_t id;    /* its row; 0 until inserted */
        bool resume;   /* an interrupted session reopened: its end is cleared at the next flush */
        bool attached; /* not a session of ours: rows (thresholds) for a stored one */
        uint64_t start_wall_usec;
        char *workout_name, *workout_source, *steps_json, *profile_json, *zones_json;
        char *treadmill_address, *treadmill_name, *hrm_address, *hrm_name;

        SessionSample *samples;
        size_t n_samples, alloc_samples;
        SessionRr *rr;
        size_t n_rr, alloc_rr;
        SessionLap *laps;
        size_t n_laps, alloc_laps;
        PendingEvent *events;
        size_t n_events, alloc_events;
        PendingThreshold *thresholds;
        size_t n_thresholds, alloc_thresholds;
        uint64_t dropped_samples, dropped_rr, dropped_other;

        bool ended; /* session_store_end() was called: closed at the next flush */
        uint64_t end_wall_usec;
        SessionEndReason end_reason;
} PendingSession;

struct SessionStore {
        sqlite3 *db; /* NULL while the writer cannot open it: retried at each flush */
        bool reader;
        char *dir, *db_path; /* the writer's */
        int open_error;      /* the writer's last open, 0 if open */
        bool need_recover;   /* crash recovery (and the spool's import) has not run yet */
        size_t spooled;      /* samples put in the spool at the end */
        int64_t interrupted; /* newest session the recovery marked interrupted */
        uint64_t size_limit;

        PendingSession **sessions; /* oldest first; the newest is current unless ended */
        size_t n_sessions;
        size_t buffered_samples, buffered_rr, buffered_other, max_samples;
        /* Ended sessions now wholly committed (session_store_pop_written()). */
        WrittenSession *written;
        size_t n_written;

        bool flushed_once;
        uint64_t last_flush_usec;
        bool synced_once;
        uint64_t last_sync_usec; /* of the last durable commit */
        bool degraded;
        uint64_t dropped;
        char error[256];

        /* The daemon commits on a writer thread (session_store_set_async()):
         * begin/end/resume then never write at once, and while a batch is in
         * flight only the thread touches db. */
        bool async;
        SessionStoreBatch *in_flight;

        /* The writer's kept statements (_FLUSH_STMT_MAX, NULL until first
         * used), of db: a batch's shadow shares them with the db. */
        sqlite3_stmt **flush_stmts;
        uint64_t n_prepared; /* statements prepared on db, kept or not */
};

/*
 * A flush split for a writer thread: flush_start() moves the rows to write
 * out of the sessions into snapshots (the workout keeps adding rows to the
 * emptied sessions meanwhile), batch_commit() writes the snapshots through
 * a shadow of the store that owns the connection for the time, and
 * flush_finish() applies the outcome: rows forgotten, or put back before
 * whatever came in meanwhile.
 */
struct SessionStoreBatch {
        SessionStore shadow;        /* db, dir, error, recovery state; sessions = snaps */
        PendingSession **originals; /* the store's session each snapshot came from */
        int64_t *ids;
        int64_t interrupted, interrupted_before;
        size_t failed;
        int r;
        bool durable; /* committed with synchronous = FULL */
        uint64_t start_usec;
        /* The owner's own work on the database, run after the rows. */
        SessionStoreJob job;
        void *job_data;
        int job_r;
        char job_error[256];
};

static const char *const session_end_reason_table[_SESSION_END_MAX] = {
        [SESSION_END_FINISHED] = "finished",
        [SESSION_END_ABORTED] = "aborted",
        [SESSION_END_INTERRUPTED] = "interrupted",
};

static const char *const lap_kind_table[_LAP_KIND_MAX] = {
        [LAP_KIND_STEP] = "step",
        [LAP_KIND_400M] = "400m",
        [LAP_KIND_MILE] = "mile",
        [LAP_KIND_TRIAL] = "trial",
};

static const char *const session_event_type_table[_SESSION_EVENT_MAX] = {
        [SESSION_EVENT_START] = "start",
        [SESSION_EVENT_STOP] = "stop",
        [SESSION_EVENT_PAUSE] = "pause",
        [SESSION_EVENT_RESUME] = "resume",
        [SESSION_EVENT_STEP_CHANGE] = "step-change",
        [SESSION_EVENT_CLAMP] = "clamp",
        [SESSION_EVENT_SAFETY] = "safety",
        [SESSION_EVENT_CP_ERROR] = "cp-error",
        [SESSION_EVENT_LINK_LOST] = "link-lost",
        [SESSION_EVENT_LINK_RESTORED] = "link-restored",
        [SESSION_EVENT_CROSSOVER] = "crossover",
        [SESSION_EVENT_NOTE] = "note",
};

DEFINE_STRING_TABLE_LOOKUP(session_end_reason, SessionEndReason);
DEFINE_STRING_TABLE_LOOKUP(lap_kind, LapKind);
DEFINE_STRING_TABLE_LOOKUP(session_event_type, SessionEventType);

/*
 * Schema migrations: migrations[i] takes user_version i to i + 1. A fresh
 * database runs all of them, so the path from every older schema is the path
 * new databases take too and is exercised on every start.
 */
static const char *const migrations[SESSION_STORE_SCHEMA_VERSION] = {
        /* 0 -> 1: the first schema (paced 0.0.x). */
        "CREATE TABLE sessions ("
        "  id INTEGER PRIMARY KEY,"
        "  start_usec INTEGER NOT NULL,"
        "  end_usec INTEGER,"
        "  end_reason TEXT CHECK (end_reason IN ('finished','aborted','interrupted')),"
        "  workout_name TEXT,"
        "  workout_source TEXT,"
        "  steps_json TEXT,"
        "  profile_json TEXT,"
        "  treadmill TEXT,"
        "  hrm TEXT);"
        "CREATE TABLE samples ("
        "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
        "  t REAL NOT NULL,"
        "  commanded_kmh REAL, speed_kmh REAL, incline_pct REAL, distance_m REAL,"
        "  hr_bpm INTEGER, zone INTEGER, step_index INTEGER);"
        "CREATE TABLE rr ("
        "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
        "  t REAL NOT NULL,"
        "  rr_ms INTEGER NOT NULL);"
        "CREATE TABLE laps ("
        "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
        "  kind TEXT NOT NULL,"
        "  step_index INTEGER,"
        "  start_t REAL NOT NULL, end_t REAL NOT NULL,"
        "  distance_m REAL, avg_hr REAL, max_hr REAL, avg_speed_kmh REAL);"
        "CREATE TABLE events ("
        "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
        "  t REAL NOT NULL,"
        "  type TEXT NOT NULL,"
        "  text TEXT);",

        /* 1 -> 2: alpha1 per sample, RR artifact flags, event details as
         * JSON, device names next to addresses (version 1 kept the address
         * only, in one column per device), HR zone bounds, threshold
         * results, and the indexes the readers need. */
        "ALTER TABLE samples ADD COLUMN alpha1 REAL;"
        "ALTER TABLE rr ADD COLUMN artifact INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE events ADD COLUMN json TEXT;"
        "ALTER TABLE sessions ADD COLUMN treadmill_address TEXT;"
        "ALTER TABLE sessions ADD COLUMN treadmill_name TEXT;"
        "ALTER TABLE sessions ADD COLUMN hrm_address TEXT;"
        "ALTER TABLE sessions ADD COLUMN hrm_name TEXT;"
        "ALTER TABLE sessions ADD COLUMN zones_json TEXT;"
        "UPDATE sessions SET treadmill_address = treadmill, hrm_address = hrm;"
        "ALTER TABLE sessions DROP COLUMN treadmill;"
        "ALTER TABLE sessions DROP COLUMN hrm;"
        "CREATE TABLE thresholds ("
        "  id INTEGER PRIMARY KEY,"
        "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
        "  kind TEXT NOT NULL, method TEXT,"
        "  alpha1 REAL, hr_bpm REAL, speed_kmh REAL, t REAL, confidence REAL,"
        "  json TEXT);"
        "CREATE INDEX samples_session ON samples(session_id, t);"
        "CREATE INDEX rr_session ON rr(session_id, t);"
        "CREATE INDEX laps_session ON laps(session_id, start_t);"
        "CREATE INDEX events_session ON events(session_id, t);"
        "CREATE INDEX thresholds_session ON thresholds(session_id);"
        "CREATE INDEX sessions_start ON sessions(start_usec);",

        /* 2 -> 3: thresholds the runner accepted into the profile. The
         * values are copied: deleting the session keeps the profile. */
        "CREATE TABLE accepted_thresholds ("
        "  id INTEGER PRIMARY KEY,"
        "  session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,"
        "  accepted_usec INTEGER NOT NULL,"
        "  hrvt1_bpm REAL, hrvt2_bpm REAL, hrvt1_kmh REAL, hrvt2_kmh REAL);",

        /* 3 -> 4: time-trial results, and results the runner accepted as a
         * reference race (copied, like accepted thresholds). */
        "CREATE TABLE results ("
        "  id INTEGER PRIMARY KEY,"
        "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
        "  distance_m REAL NOT NULL, time_s REAL NOT NULL, goal_s REAL,"
        "  complete INTEGER NOT NULL, best INTEGER NOT NULL DEFAULT 0,"
        "  laps_json TEXT);"
        "CREATE INDEX results_session ON results(session_id);"
        "CREATE TABLE accepted_results ("
        "  id INTEGER PRIMARY KEY,"
        "  session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,"
        "  accepted_usec INTEGER NOT NULL,"
        "  distance_m REAL NOT NULL, time_s REAL NOT NULL);",

        /* 4 -> 5: the footpod's speed, cadence and stride per sample. */
        "ALTER TABLE samples ADD COLUMN footpod_kmh REAL;"
        "ALTER TABLE samples ADD COLUMN cadence_spm INTEGER;"
        "ALTER TABLE samples ADD COLUMN stride_m REAL;",
};

/* SQLite result codes as errnos, so that callers can say what went wrong. */
static int errno_from_sqlite(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_PERM:
        case SQLITE_AUTH:
        case SQLITE_CANTOPEN:
                return -EACCES;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_RANGE:
                return -EINVAL;
        case SQLITE_TOOBIG:
                return -E2BIG;
        default:
                return -EIO;
        }
}

static int fail(SessionStore *s, int rc, const char *what)
{
        int r = errno_from_sqlite(rc);

        if (r == 0)
                r = -EIO;
        if (s)
                snprintf(s->error, sizeof(s->error), "%s: %s", what,
                         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        return r;
}

/* While a writer thread commits, the connection is its own. */
static int check_not_in_flight(SessionStore *s)
{
        if (!s->in_flight)
                return 0;
        snprintf(s->error, sizeof(s->error), "The store is being written");
        return -EBUSY;
}

static int exec(SessionStore *s, const char *sql, const char *what)
{
        int rc;

        if (check_not_in_flight(s) < 0)
                return -EBUSY;
        rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : fail(s, rc, what);
}

static void finalizep(sqlite3_stmt **st)
{
        if (*st)
                sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(finalizep)

static int prepare(SessionStore *s, const char *sql, sqlite3_stmt **ret)
{
        if (check_not_in_flight(s) < 0)
                return -EBUSY;
        if (!s->db) {
                /* The daemon's store before it could be opened. */
                if (!s->error[0])
                        snprintf(s->error, sizeof(s->error), "The database is not open");
                return -ENOMEDIUM;
        }
        int rc = sqlite3_prepare_v2(s->db, sql, -1, ret, NULL);

        s->n_prepared++;

        return rc == SQLITE_OK ? 0 : fail(s, rc, "Failed to prepare statement");
}

/* A kept statement of the flush, prepared at its first use on this
 * connection. The caller resets it when done (_cleanup_kept_). */
static int prepare_kept(SessionStore *s, FlushStmt id, sqlite3_stmt **ret)
{
        sqlite3_stmt **st = &s->flush_stmts[id];
        int r;

        if (!*st) {
                if (check_not_in_flight(s) < 0)
                        return -EBUSY;
                if (!s->db)
                        return prepare(s, flush_stmt_sql[id], st); /* says why */
                r = sqlite3_prepare_v3(s->db, flush_stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, st,
                                       NULL);
                s->n_prepared++;
                if (r != SQLITE_OK)
                        return fail(s, r, "Failed to prepare statement");
        } else if (check_not_in_flight(s) < 0)
                return -EBUSY;
        *ret = *st;
        return 0;
}

/* Done with a kept statement: no lock held, no pointer into the rows kept. */
static void kept_resetp(sqlite3_stmt **st)
{
        if (*st) {
                sqlite3_reset(*st);
                sqlite3_clear_bindings(*st);
        }
}
#define _cleanup_kept_ _cleanup_(kept_resetp)

static int step_kept(SessionStore *s, FlushStmt id, const char *what)
{
        _cleanup_kept_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare_kept(s, id, &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        return rc == SQLITE_DONE ? 0 : fail(s, rc, what);
}

static void finalize_kept(SessionStore *s)
{
        if (!s->flush_stmts)
                return;
        for (size_t i = 0; i < _FLUSH_STMT_MAX; i++) {
                sqlite3_finalize(s->flush_stmts[i]);
                s->flush_stmts[i] = NULL;
        }
}

static void bind_double(sqlite3_stmt *st, int i, double v)
{
        if (isfinite(v))
                sqlite3_bind_double(st, i, v);
        else
                sqlite3_bind_null(st, i);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
        if (v)
                sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(st, i);
}

static double column_double(sqlite3_stmt *st, int i)
{
        return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

bool session_gap_run(const SessionSample *a, const SessionSample *b, const SessionSample *c)
{
        const SessionSample *e = c && c->t_s - b->t_s <= SESSION_SAMPLE_GAP_S ? c : b;
        double span = e->t_s - a->t_s, dd = e->distance_m - a->distance_m;
        double kmh = NAN, need = SESSION_GAP_RUN_KMH;

        if (isfinite(a->speed_kmh))
                kmh = a->speed_kmh;
        if (isfinite(e->speed_kmh))
                kmh = isfinite(kmh) ? fmin(kmh, e->speed_kmh) : e->speed_kmh;
        if (isfinite(kmh))
                need = fmax(need, SESSION_GAP_RUN_FRACTION * kmh);
        /* NAN (a distance unknown) compares false: not run. */
        return span > 0 && dd * 3.6 >= need * span;
}

static double value_double(sqlite3_value *v)
{
        return sqlite3_value_type(v) == SQLITE_NULL ? NAN : sqlite3_value_double(v);
}

/* paced_gap_run(t0, d0, v0, t1, d1, v1, t2, d2, v2): session_gap_run() of the
 * samples (t, distance_m, speed_kmh) before and after an interval and the one
 * after that (NULL t2 if none), so that pacectl history counts the gaps as
 * the summary does. */
static void sql_gap_run(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
        SessionSample x[3];

        (void)argc; /* registered with 9 */
        for (size_t i = 0; i < 3; i++)
                x[i] = (SessionSample){.t_s = value_double(argv[3 * i]),
                                       .distance_m = value_double(argv[3 * i + 1]),
                                       .speed_kmh = value_double(argv[3 * i + 2])};
        sqlite3_result_int(
                ctx, isfinite(x[0].t_s) && isfinite(x[1].t_s) &&
                             session_gap_run(&x[0], &x[1], isfinite(x[2].t_s) ? &x[2] : NULL));
}

static int column_strdup(sqlite3_stmt *st, int i, char **ret)
{
        const unsigned char *t = sqlite3_column_text(st, i);

        *ret = NULL;
        if (!t)
                return 0;
        *ret = strdup((const char *)t);
        return *ret ? 0 : -ENOMEM;
}

/*
 * A column readers show, print, export or send over D-Bus: invalid UTF-8
 * and control characters (a row written by an older paced, or by anyone
 * with the file) come back as U+FFFD. JSON columns are read raw.
 */
static int column_strdup_text(sqlite3_stmt *st, int i, char **ret)
{
        const unsigned char *t = sqlite3_column_text(st, i);

        *ret = NULL;
        if (!t)
                return 0;
        *ret = utf8_sanitize((const char *)t);
        return *ret ? 0 : -ENOMEM;
}

static int user_version(SessionStore *s, int *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s, "PRAGMA user_version", &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return fail(s, rc, "Failed to read the schema version");
        *ret = sqlite3_column_int(st, 0);
        return 0;
}

static int migrate(SessionStore *s)
{
        int v = 0, r;

        r = user_version(s, &v);
        if (r < 0)
                return r;
        if (v > SESSION_STORE_SCHEMA_VERSION) {
                snprintf(s->error, sizeof(s->error),
                         "Database schema version %d is newer than this paced (%d)", v,
                         SESSION_STORE_SCHEMA_VERSION);
                return -EPROTO;
        }
        if (v == SESSION_STORE_SCHEMA_VERSION)
                return 0;
        if (sqlite3_db_readonly(s->db, "main") == 1) {
                snprintf(s->error, sizeof(s->error),
                         "Database schema version %d needs migrating to %d, but it is read-only", v,
                         SESSION_STORE_SCHEMA_VERSION);
                return -EPROTO;
        }

        /* All steps in one transaction: a crash mid-migration leaves the old
         * schema intact. Foreign keys are off during it (they can't be
         * changed inside a transaction) since DROP COLUMN rewrites tables. */
        r = exec(s, "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE", "Failed to start migration");
        if (r < 0)
                return r;
        for (; v < SESSION_STORE_SCHEMA_VERSION; v++) {
                char sql[64];

                r = exec(s, migrations[v], "Failed to migrate the schema");
                if (r < 0)
                        goto rollback;
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
                r = exec(s, sql, "Failed to set the schema version");
                if (r < 0)
                        goto rollback;
        }
        r = exec(s, "COMMIT", "Failed to commit the migration");
        if (r < 0)
                goto rollback;
        return exec(s, "PRAGMA foreign_keys = ON", "Failed to enable foreign keys");

rollback:
        sqlite3_exec(s->db, "ROLLBACK; PRAGMA foreign_keys = ON", NULL, NULL, NULL);
        return r;
}

/* A crash left sessions without an end: close them as interrupted, with the
 * time of their last stored sample as the end time. */
static int recover(SessionStore *s, int64_t *interrupted)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s,
                    "UPDATE sessions SET end_reason = 'interrupted',"
                    "  end_usec = start_usec + CAST(1000000 * coalesce("
                    "    (SELECT max(t) FROM samples WHERE session_id = sessions.id), 0)"
                    "    AS INTEGER)"
                    " WHERE end_reason IS NULL RETURNING id",
                    &st);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                *interrupted = MAX(*interrupted, sqlite3_column_int64(st, 0));
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to mark unfinished sessions interrupted");
        return 0;
}

/* "file:PATH?immutable=1" with the characters URIs reserve escaped. */
static char *uri_for_immutable(const char *path)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fputs("file:", f);
        for (const char *p = path; *p; p++)
                if (*p == '%' || *p == '?' || *p == '#')
                        fprintf(f, "%%%02x", (unsigned char)*p);
                else
                        fputc(*p, f);
        fputs("?immutable=1", f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

char *session_store_db_path(const char *db_opt, const char *state_dir_opt)
{
        const char *dir = state_dir_opt;
        char *p;

        if (db_opt)
                return strdup(db_opt);
        if (!dir)
                dir = getenv("PACED_STATE_DIR");
        if (!dir || !*dir)
                dir = SESSION_STORE_DEFAULT_DIR;
        if (asprintf(&p, "%s/%s", dir, SESSION_STORE_DB_NAME) < 0)
                return NULL;
        return p;
}

const char *session_store_last_error(const SessionStore *s)
{
        return s ? s->error : "";
}

bool session_store_degraded(const SessionStore *s)
{
        return s && s->degraded;
}

uint64_t session_store_dropped(const SessionStore *s)
{
        return s ? s->dropped : 0;
}

uint64_t session_store_statements_prepared(const SessionStore *s)
{
        return s ? s->n_prepared : 0;
}

int session_store_set_size_limit(SessionStore *s, uint64_t max_bytes)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char sql[96];
        int page_size, r;

        if (!s)
                return -EINVAL;
        s->size_limit = max_bytes;
        if (!s->db)
                return 0; /* applied when it opens */
        r = prepare(s, "PRAGMA page_size", &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail(s, SQLITE_ERROR, "Failed to read the page size");
        page_size = sqlite3_column_int(st, 0);
        if (page_size <= 0)
                return -EIO;
        snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %" PRIu64,
                 max_bytes == 0 ? UINT64_C(1073741823) : MAX(max_bytes / page_size, UINT64_C(1)));
        return exec(s, sql, "Failed to set the size limit");
}

static char *steps_to_json(const ResolvedWorkout *w)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fputc('[', f);
        for (size_t i = 0; w && i < w->n_steps; i++) {
                const ResolvedStep *st = &w->steps[i];
                /* The workout model's names: test-session-store pins them,
                 * as stored sessions keep them. */
                const char *kind = step_kind_to_string(st->kind);
                const char *end = step_end_to_string(st->end);
                const char *control = step_control_to_string(st->control);

                fputs(i ? ",{" : "{", f);
                fputs("\"kind\":", f);
                json_write_string(f, kind);
                fputs(",\"end\":", f);
                json_write_string(f, end);
                fputs(",\"end_value\":", f);
                json_write_number(f, st->end_value, 3);
                fputs(",\"control\":", f);
                json_write_string(f, control);
                fputs(",\"speed_start_kmh\":", f);
                json_write_number(f, st->speed_start_kmh, 3);
                fputs(",\"speed_end_kmh\":", f);
                json_write_number(f, st->speed_end_kmh, 3);
                fputs(",\"speed_lo_kmh\":", f);
                json_write_number(f, st->speed_lo_kmh, 3);
                fputs(",\"speed_hi_kmh\":", f);
                json_write_number(f, st->speed_hi_kmh, 3);
                fputs(",\"hr_lo_bpm\":", f);
                json_write_number(f, st->hr_lo_bpm, 1);
                fputs(",\"hr_hi_bpm\":", f);
                json_write_number(f, st->hr_hi_bpm, 1);
                fputs(",\"hr_fallback_kmh\":", f);
                json_write_number(f, st->hr_fallback_kmh, 3);
                fprintf(f, ",\"has_incline\":%s", st->has_incline ? "true" : "false");
                fputs(",\"incline_start_pct\":", f);
                json_write_number(f, st->incline_start_pct, 2);
                fputs(",\"incline_end_pct\":", f);
                json_write_number(f, st->incline_end_pct, 2);
                fprintf(f, ",\"speed_clamped\":%s,\"incline_clamped\":%s",
                        st->speed_clamped ? "true" : "false",
                        st->incline_clamped ? "true" : "false");
                fprintf(f, ",\"repeat_index\":%u,\"repeat_count\":%u", st->repeat_index,
                        st->repeat_count);
                fputs(",\"label\":", f);
                json_write_string(f, st->label);
                fputs(",\"cue\":", f);
                json_write_string(f, st->cue);
                fputc('}', f);
        }
        fputc(']', f);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

static char *zones_to_json(const SessionInfo *info)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (info->n_zones == 0)
                return NULL;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fputc('[', f);
        for (unsigned i = 0; i < MIN(info->n_zones, (unsigned)SESSION_ZONES_MAX); i++)
                fprintf(f, "%s%u", i ? "," : "", info->zone_max_bpm[i]);
        fputc(']', f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* ---- opening ---- */

/* Opens db_path into s->db: WAL, foreign keys, the schema migrated. The
 * writer's connection never waits for a lock (busy_timeout 0): paced runs
 * it on its event loop, and another process holding the write lock must
 * not stall the workout. A busy database is -EBUSY, retried later. */
static int open_connection(SessionStore *s, const char *db_path, bool reader)
{
        _cleanup_free_ char *uri = NULL;
        int flags, rc, r;

        if (reader) {
                if (access(db_path, F_OK) < 0)
                        return -errno;
                flags = access(db_path, W_OK) == 0 ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
        } else
                flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

        if (flags == SQLITE_OPEN_READONLY) {
                /* A user reading the service's database: SQLite can't set up
                 * WAL shared memory in a directory it can't write. With no
                 * -wal file no writer has the database open, so read it as
                 * immutable (a snapshot; nothing is ever written). */
                _cleanup_free_ char *wal = NULL;
                if (asprintf(&wal, "%s-wal", db_path) < 0)
                        return -ENOMEM;
                if (access(wal, F_OK) < 0) {
                        uri = uri_for_immutable(db_path);
                        if (!uri)
                                return -ENOMEM;
                        flags |= SQLITE_OPEN_URI;
                }
        }

        rc = sqlite3_open_v2(uri ? uri : db_path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
                r = fail(s, rc, "Failed to open the database");
                sqlite3_close(s->db);
                s->db = NULL;
                return r;
        }
        sqlite3_extended_result_codes(s->db, 1);
        rc = sqlite3_create_function_v2(s->db, "paced_gap_run", 9,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                        sql_gap_run, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
                r = fail(s, rc, "Failed to register paced_gap_run()");
                sqlite3_close(s->db);
                s->db = NULL;
                return r;
        }
        /* The CLI may read while the daemon commits: it can afford to wait. */
        sqlite3_busy_timeout(s->db, reader ? 2000 : 0);

        r = exec(s, "PRAGMA foreign_keys = ON", "Failed to enable foreign keys");
        if (r >= 0 && !(flags & SQLITE_OPEN_READONLY))
                r = exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL",
                         "Failed to enable WAL");
        /* The daemon's connection lives for days: SQLite's default cache
         * (2 MB) would keep every page a session's flushes and load
         * touched. A flush touches the last pages of each table, so 256 kB
         * adds no reads to a workout's flushes (docs/performance.md) and
         * bounds what an idle paced keeps. */
        if (r >= 0 && !reader)
                r = exec(s, "PRAGMA cache_size = -256", "Failed to set the cache size");
        if (r >= 0)
                r = migrate(s);
        if (r >= 0 && !reader && s->size_limit > 0)
                r = session_store_set_size_limit(s, s->size_limit);
        if (r < 0) {
                sqlite3_close(s->db);
                s->db = NULL;
        }
        return r;
}

/* The writer's open: the directory checked first (SQLite would only say
 * "unable to open"), then the database, then crash recovery if the write
 * lock is free now (else at the next flush, before anything is written). */
static int spool_import(SessionStore *s);

static int writer_open(SessionStore *s)
{
        struct stat st;
        int r;

        if (stat(s->dir, &st) < 0)
                r = -errno;
        else if (!S_ISDIR(st.st_mode))
                r = -ENOTDIR;
        else if (access(s->dir, W_OK) < 0)
                r = errno == EROFS ? -EROFS : -EACCES;
        else {
                r = open_connection(s, s->db_path, false); /* says why in s->error */
                if (r < 0) {
                        struct statvfs vfs;

                        /* SQLite says "disk I/O error" when it cannot create
                         * its -shm file on a full disk: say what the admin can fix. */
                        if (r == -EIO && statvfs(s->dir, &vfs) == 0 && vfs.f_bavail == 0) {
                                size_t n = strlen(s->error);

                                snprintf(s->error + n, sizeof(s->error) - n, " (the disk is full)");
                                r = -ENOSPC;
                        }
                        return r;
                }
                s->need_recover = true;
                if (spool_import(s) >= 0 && recover(s, &s->interrupted) >= 0)
                        s->need_recover = false;
                return 0;
        }
        snprintf(s->error, sizeof(s->error), "Cannot write in %s: %s", s->dir, strerror(-r));
        return r;
}

static SessionStore *store_new(bool reader)
{
        SessionStore *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->flush_stmts = calloc(_FLUSH_STMT_MAX, sizeof(*s->flush_stmts));
        if (!s->flush_stmts) {
                free(s);
                return NULL;
        }
        s->reader = reader;
        s->max_samples = PENDING_SAMPLES_MAX;
        return s;
}

int session_store_open_db(SessionStore **ret, const char *db_path, bool reader)
{
        _cleanup_(session_store_freep) SessionStore *s = NULL;
        int r;

        if (!ret || !db_path)
                return -EINVAL;
        s = store_new(reader);
        if (!s)
                return -ENOMEM;
        if (!reader) {
                s->db_path = strdup(db_path);
                if (!s->db_path)
                        return -ENOMEM;
        }
        r = open_connection(s, db_path, reader);
        if (r >= 0 && !reader)
                r = recover(s, &s->interrupted);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

static int store_new_writer(const char *dir, SessionStore **ret)
{
        _cleanup_(session_store_freep) SessionStore *s = NULL;

        if (!ret || !dir)
                return -EINVAL;
        s = store_new(false);
        if (!s)
                return -ENOMEM;
        s->dir = strdup(dir);
        if (!s->dir || asprintf(&s->db_path, "%s/%s", dir, SESSION_STORE_DB_NAME) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

int session_store_open(SessionStore **ret, const char *dir)
{
        _cleanup_(session_store_freep) SessionStore *s = NULL;
        int r;

        r = store_new_writer(dir, &s);
        if (r < 0)
                return r;
        r = writer_open(s);
        if (r >= 0 && s->need_recover)
                r = recover(s, &s->interrupted);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int session_store_new(SessionStore **ret, const char *dir)
{
        _cleanup_(session_store_freep) SessionStore *s = NULL;
        int r;

        r = store_new_writer(dir, &s);
        if (r < 0)
                return r;
        /* Not now? Then at the first flush that has something to write. */
        s->open_error = writer_open(s);
        *ret = TAKE_PTR(s);
        return 0;
}

bool session_store_is_open(const SessionStore *s)
{
        return s && s->db;
}

/* ---- the writer's memory: sessions waiting to be written ---- */

static int flush_now(SessionStore *s);

/* What a later attempt may get past: a lock, a full disk, a read-only or
 * failing file system. (Not: a constraint, a corrupt or newer database.) */
static bool error_is_transient(int r)
{
        return r == -EBUSY || r == -ENOSPC || r == -EIO || r == -EROFS || r == -EACCES ||
               r == -ENOENT || r == -ENOTDIR;
}

static void pending_session_free(PendingSession *ps)
{
        if (!ps)
                return;
        free(ps->workout_name);
        free(ps->workout_source);
        free(ps->steps_json);
        free(ps->profile_json);
        free(ps->zones_json);
        free(ps->treadmill_address);
        free(ps->treadmill_name);
        free(ps->hrm_address);
        free(ps->hrm_name);
        free(ps->samples);
        free(ps->rr);
        free(ps->laps);
        for (size_t i = 0; i < ps->n_events; i++) {
                free(ps->events[i].text);
                free(ps->events[i].json);
        }
        free(ps->events);
        for (size_t i = 0; i < ps->n_thresholds; i++) {
                free(ps->thresholds[i].kind);
                free(ps->thresholds[i].method);
                free(ps->thresholds[i].json);
        }
        free(ps->thresholds);
        free(ps);
}

/* The rows of ps were committed: forget them, keep the session. */
static void pending_session_clear_rows(SessionStore *s, PendingSession *ps)
{
        s->buffered_samples -= ps->n_samples;
        s->buffered_rr -= ps->n_rr;
        s->buffered_other -= ps->n_laps + ps->n_events + ps->n_thresholds;
        for (size_t i = 0; i < ps->n_events; i++) {
                free(ps->events[i].text);
                free(ps->events[i].json);
        }
        for (size_t i = 0; i < ps->n_thresholds; i++) {
                free(ps->thresholds[i].kind);
                free(ps->thresholds[i].method);
                free(ps->thresholds[i].json);
        }
        ps->n_samples = ps->n_rr = ps->n_laps = ps->n_events = ps->n_thresholds = 0;
        ps->dropped_samples = ps->dropped_rr = ps->dropped_other = 0;
}

static bool pending_session_has_work(const PendingSession *ps)
{
        return ps->id == 0 || ps->resume || ps->ended || ps->n_samples || ps->n_rr || ps->n_laps ||
               ps->n_events || ps->n_thresholds || ps->dropped_samples || ps->dropped_rr ||
               ps->dropped_other;
}

static bool pending_session_has_rows(const PendingSession *ps)
{
        return ps->n_samples || ps->n_rr || ps->n_laps || ps->n_events || ps->n_thresholds ||
               ps->dropped_samples || ps->dropped_rr || ps->dropped_other;
}

static bool store_has_work(const SessionStore *s)
{
        for (size_t i = 0; i < s->n_sessions; i++)
                if (pending_session_has_work(s->sessions[i]))
                        return true;
        return false;
}

/* The session being recorded: the newest, unless it ended. */
static PendingSession *current_session(const SessionStore *s)
{
        PendingSession *ps = s && s->n_sessions ? s->sessions[s->n_sessions - 1] : NULL;

        return ps && !ps->ended ? ps : NULL;
}

static int append_session(SessionStore *s, PendingSession *ps)
{
        PendingSession **n;

        if (s->n_sessions >= PENDING_SESSIONS_MAX)
                return -ENOBUFS;
        n = reallocarray(s->sessions, s->n_sessions + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        s->sessions = n;
        s->sessions[s->n_sessions++] = ps;
        return 0;
}

static void free_pending(SessionStore *s)
{
        for (size_t i = 0; i < s->n_sessions; i++)
                pending_session_free(s->sessions[i]);
        free(s->sessions);
        s->sessions = NULL;
        s->n_sessions = 0;
        s->buffered_samples = s->buffered_rr = s->buffered_other = 0;
}

static int spool_write(SessionStore *s);

size_t session_store_spooled(const SessionStore *s)
{
        return s ? s->spooled : 0;
}

int session_store_finish(SessionStore *s)
{
        int r;

        if (!s || s->reader || !store_has_work(s))
                return 0;
        /* The last chance for what is in memory: the daemon is stopping, so
         * a short wait for a lock costs nothing. */
        if (s->db)
                sqlite3_busy_timeout(s->db, 2000);
        if (flush_now(s) >= 0 && !store_has_work(s))
                return 0;
        r = spool_write(s);
        return r < 0 ? r : 1;
}

SessionStore *session_store_free(SessionStore *s)
{
        if (!s)
                return NULL;
        (void)session_store_finish(s);
        free_pending(s);
        free(s->written);
        /* Statements first: sqlite3_close() refuses a connection that has any. */
        finalize_kept(s);
        free(s->flush_stmts);
        sqlite3_close(s->db);
        free(s->dir);
        free(s->db_path);
        free(s);
        return NULL;
}

/* ---- the writer ---- */

static char *strdup_or_null(const char *s, bool *oom)
{
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *oom = true;
        return c;
}

int session_store_begin(SessionStore *s, uint64_t start_wall_usec, const SessionInfo *info,
                        int64_t *ret_id)
{
        PendingSession *ps;
        const SessionInfo empty = {};
        bool oom = false;
        int r;

        if (!s || s->reader)
                return -EINVAL;
        if (current_session(s))
                return -EBUSY;
        if (!info)
                info = &empty;
        ps = calloc(1, sizeof(*ps));
        if (!ps)
                return -ENOMEM;
        ps->start_wall_usec = start_wall_usec;
        ps->workout_name = strdup_or_null(info->workout_name ? info->workout_name
                                          : info->workout    ? info->workout->name
                                                             : NULL,
                                          &oom);
        ps->workout_source = strdup_or_null(info->workout_source ? info->workout_source
                                            : info->workout      ? info->workout->source
                                                                 : NULL,
                                            &oom);
        ps->steps_json = steps_to_json(info->workout);
        ps->profile_json = strdup_or_null(info->profile_json, &oom);
        if (info->n_zones > 0) {
                ps->zones_json = zones_to_json(info);
                oom = oom || !ps->zones_json;
        }
        ps->treadmill_address = strdup_or_null(info->treadmill_address, &oom);
        ps->treadmill_name = strdup_or_null(info->treadmill_name, &oom);
        ps->hrm_address = strdup_or_null(info->hrm_address, &oom);
        ps->hrm_name = strdup_or_null(info->hrm_name, &oom);
        if (oom || !ps->steps_json) {
                pending_session_free(ps);
                return -ENOMEM;
        }
        r = append_session(s, ps);
        if (r < 0) {
                pending_session_free(ps);
                if (r == -ENOBUFS)
                        snprintf(s->error, sizeof(s->error),
                                 "%d sessions are waiting to be written already",
                                 PENDING_SESSIONS_MAX);
                return r;
        }
        /* Written now if the database lets us, so that the id is known
         * (not by the daemon: its writer thread writes it at the next flush). */
        r = s->async ? -EAGAIN : flush_now(s);
        if (ret_id)
                *ret_id = ps->id;
        return r < 0 ? 1 : 0;
}

/* Room for one more row of a kind in ps, within the memory budget; false
 * (and the row counted as dropped, in ps too) when there is none. */
static bool pending_grow(SessionStore *s, PendingSession *ps, void **array, size_t *alloc, size_t n,
                         size_t size, size_t *buffered, size_t cap, uint64_t *dropped)
{
        size_t na;
        void *p;

        if (*buffered >= cap)
                goto drop;
        if (n < *alloc)
                return true;
        na = MAX(*alloc * 2, (size_t)64);
        p = reallocarray(*array, na, size);
        if (!p)
                goto drop;
        *array = p;
        *alloc = na;
        return true;
drop:
        s->dropped++;
        (*dropped)++;
        return false;
}

#define PENDING_GROW(s, ps, field, buffered, cap, dropped)                                         \
        pending_grow((s), (ps), (void **)&(ps)->field, &(ps)->alloc_##field, (ps)->n_##field,      \
                     sizeof(*(ps)->field), &(s)->buffered, (cap), &(ps)->dropped)

int session_store_add_sample(SessionStore *s, const SessionSample *sample)
{
        PendingSession *ps = current_session(s);

        if (!ps || !sample)
                return -EINVAL;
        if (!PENDING_GROW(s, ps, samples, buffered_samples, s->max_samples, dropped_samples))
                return -ENOBUFS;
        ps->samples[ps->n_samples++] = *sample;
        s->buffered_samples++;
        return 0;
}

int session_store_add_rr(SessionStore *s, const SessionRr *rr)
{
        PendingSession *ps = current_session(s);

        if (!ps || !rr)
                return -EINVAL;
        if (!PENDING_GROW(s, ps, rr, buffered_rr, s->max_samples * PENDING_RR_PER_SAMPLE,
                          dropped_rr))
                return -ENOBUFS;
        ps->rr[ps->n_rr++] = *rr;
        s->buffered_rr++;
        return 0;
}

int session_store_add_lap(SessionStore *s, const SessionLap *lap)
{
        PendingSession *ps = current_session(s);

        if (!ps || !lap || lap->kind < 0 || lap->kind >= _LAP_KIND_MAX)
                return -EINVAL;
        if (!PENDING_GROW(s, ps, laps, buffered_other, PENDING_OTHER_MAX, dropped_other))
                return -ENOBUFS;
        ps->laps[ps->n_laps++] = *lap;
        s->buffered_other++;
        return 0;
}

int session_store_add_event(SessionStore *s, const SessionEvent *event)
{
        PendingSession *ps = current_session(s);
        PendingEvent e = {};

        if (!ps || !event || event->type < 0 || event->type >= _SESSION_EVENT_MAX)
                return -EINVAL;
        if (!PENDING_GROW(s, ps, events, buffered_other, PENDING_OTHER_MAX, dropped_other))
                return -ENOBUFS;
        e.t_s = event->t_s;
        e.type = event->type;
        if (event->text && !(e.text = strdup(event->text)))
                return -ENOMEM;
        if (event->json && !(e.json = strdup(event->json))) {
                free(e.text);
                return -ENOMEM;
        }
        ps->events[ps->n_events++] = e;
        s->buffered_other++;
        return 0;
}

static int insert_threshold(SessionStore *s, int64_t session_id, const SessionThreshold *t)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s,
                    "INSERT INTO thresholds (session_id, kind, method, alpha1, hr_bpm, speed_kmh,"
                    " t, confidence, json) VALUES (?,?,?,?,?,?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, session_id);
        bind_text(st, 2, t->kind);
        bind_text(st, 3, t->method);
        bind_double(st, 4, t->alpha1);
        bind_double(st, 5, t->hr_bpm);
        bind_double(st, 6, t->speed_kmh);
        bind_double(st, 7, t->t_s);
        bind_double(st, 8, t->confidence);
        bind_text(st, 9, t->json);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to store the threshold");
        return 0;
}

int session_store_add_threshold(SessionStore *s, int64_t session_id, const SessionThreshold *t)
{
        PendingSession *ps = NULL;
        SessionThreshold c;
        bool oom = false;

        if (!s || !t || !t->kind || session_id < 0)
                return -EINVAL;
        /* A reader (pacectl analyze) writes at once: it may wait for the lock. */
        if (s->reader)
                return session_id > 0 ? insert_threshold(s, session_id, t) : -EINVAL;

        if (session_id == 0)
                ps = current_session(s);
        else
                for (size_t i = 0; i < s->n_sessions && !ps; i++)
                        if (s->sessions[i]->id == session_id)
                                ps = s->sessions[i];
        if (!ps && session_id == 0)
                return -EINVAL;
        if (!ps && s->db && !s->async) {
                /* A stored session: written at once if the database lets us. */
                int r = insert_threshold(s, session_id, t);

                if (!error_is_transient(r))
                        return r;
        }
        if (!ps) {
                /* A session written already: a holder for its new rows only. */
                ps = calloc(1, sizeof(*ps));
                if (!ps)
                        return -ENOMEM;
                ps->id = session_id;
                ps->ended = true;
                ps->attached = true;
                if (append_session(s, ps) < 0) {
                        pending_session_free(ps);
                        return -ENOBUFS;
                }
        }
        if (!PENDING_GROW(s, ps, thresholds, buffered_other, PENDING_OTHER_MAX, dropped_other))
                return -ENOBUFS;
        c = *t;
        c.kind = strdup_or_null(t->kind, &oom);
        c.method = strdup_or_null(t->method, &oom);
        c.json = strdup_or_null(t->json, &oom);
        if (oom) {
                free((char *)c.kind);
                free((char *)c.method);
                free((char *)c.json);
                return -ENOMEM;
        }
        ps->thresholds[ps->n_thresholds++] = (PendingThreshold){
                .kind = (char *)c.kind,
                .method = (char *)c.method,
                .json = (char *)c.json,
                .alpha1 = c.alpha1,
                .hr_bpm = c.hr_bpm,
                .speed_kmh = c.speed_kmh,
                .t_s = c.t_s,
                .confidence = c.confidence,
        };
        s->buffered_other++;
        return 0;
}

static int insert_session_row(SessionStore *s, const PendingSession *ps, int64_t *ret_id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s,
                    "INSERT INTO sessions (start_usec, workout_name, workout_source, steps_json,"
                    " profile_json, zones_json, treadmill_address, treadmill_name, hrm_address,"
                    " hrm_name) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)ps->start_wall_usec);
        bind_text(st, 2, ps->workout_name);
        bind_text(st, 3, ps->workout_source);
        bind_text(st, 4, ps->steps_json);
        bind_text(st, 5, ps->profile_json);
        bind_text(st, 6, ps->zones_json);
        bind_text(st, 7, ps->treadmill_address);
        bind_text(st, 8, ps->treadmill_name);
        bind_text(st, 9, ps->hrm_address);
        bind_text(st, 10, ps->hrm_name);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to record the session");
        *ret_id = sqlite3_last_insert_rowid(s->db);
        return 0;
}

static int reopen_session_row(SessionStore *s, int64_t id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s,
                    "UPDATE sessions SET end_reason = NULL, end_usec = NULL"
                    " WHERE id = ? AND end_reason = 'interrupted'",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to resume the session");
        if (sqlite3_changes(s->db) != 1) {
                snprintf(s->error, sizeof(s->error), "Session %" PRIi64 " is not interrupted", id);
                return -ENOENT;
        }
        return 0;
}

static int close_session_row(SessionStore *s, int64_t id, uint64_t end_wall_usec,
                             SessionEndReason reason)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s, "UPDATE sessions SET end_usec = ?, end_reason = ? WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)end_wall_usec);
        bind_text(st, 2, session_end_reason_to_string(reason));
        sqlite3_bind_int64(st, 3, id);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to close the session");
        return 0;
}

static int insert_rows(SessionStore *s, const PendingSession *ps, int64_t id)
{
        _cleanup_kept_ sqlite3_stmt *sa = NULL, *rr = NULL, *lap = NULL, *ev = NULL;
        int r, rc;

        r = prepare_kept(s, FLUSH_STMT_SAMPLE, &sa);
        if (r >= 0)
                r = prepare_kept(s, FLUSH_STMT_RR, &rr);
        if (r >= 0)
                r = prepare_kept(s, FLUSH_STMT_LAP, &lap);
        if (r >= 0)
                r = prepare_kept(s, FLUSH_STMT_EVENT, &ev);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ps->n_samples; i++) {
                const SessionSample *x = &ps->samples[i];

                sqlite3_reset(sa);
                sqlite3_bind_int64(sa, 1, id);
                sqlite3_bind_double(sa, 2, x->t_s);
                bind_double(sa, 3, x->commanded_kmh);
                bind_double(sa, 4, x->speed_kmh);
                bind_double(sa, 5, x->incline_pct);
                bind_double(sa, 6, x->distance_m);
                if (x->hr_bpm > 0)
                        sqlite3_bind_int(sa, 7, (int)x->hr_bpm);
                else
                        sqlite3_bind_null(sa, 7);
                if (x->zone > 0)
                        sqlite3_bind_int(sa, 8, (int)x->zone);
                else
                        sqlite3_bind_null(sa, 8);
                if (x->step_index >= 0)
                        sqlite3_bind_int(sa, 9, x->step_index);
                else
                        sqlite3_bind_null(sa, 9);
                bind_double(sa, 10, x->alpha1);
                /* A sample without a footpod leaves these NULL, whatever zero it holds. */
                bind_double(sa, 11, x->footpod_kmh > 0 ? x->footpod_kmh : NAN);
                if (x->cadence_spm > 0)
                        sqlite3_bind_int(sa, 12, (int)x->cadence_spm);
                else
                        sqlite3_bind_null(sa, 12);
                bind_double(sa, 13, x->stride_m > 0 ? x->stride_m : NAN);
                rc = sqlite3_step(sa);
                if (rc != SQLITE_DONE)
                        return fail(s, rc, "Failed to store samples");
        }
        for (size_t i = 0; i < ps->n_rr; i++) {
                sqlite3_reset(rr);
                sqlite3_bind_int64(rr, 1, id);
                sqlite3_bind_double(rr, 2, ps->rr[i].t_s);
                sqlite3_bind_int(rr, 3, (int)ps->rr[i].rr_ms);
                sqlite3_bind_int(rr, 4, ps->rr[i].artifact);
                rc = sqlite3_step(rr);
                if (rc != SQLITE_DONE)
                        return fail(s, rc, "Failed to store RR intervals");
        }
        for (size_t i = 0; i < ps->n_laps; i++) {
                const SessionLap *l = &ps->laps[i];

                sqlite3_reset(lap);
                sqlite3_bind_int64(lap, 1, id);
                bind_text(lap, 2, lap_kind_to_string(l->kind));
                if (l->step_index >= 0)
                        sqlite3_bind_int(lap, 3, l->step_index);
                else
                        sqlite3_bind_null(lap, 3);
                sqlite3_bind_double(lap, 4, l->start_s);
                sqlite3_bind_double(lap, 5, l->end_s);
                bind_double(lap, 6, l->distance_m);
                bind_double(lap, 7, l->avg_hr_bpm);
                bind_double(lap, 8, l->max_hr_bpm);
                bind_double(lap, 9, l->avg_speed_kmh);
                rc = sqlite3_step(lap);
                if (rc != SQLITE_DONE)
                        return fail(s, rc, "Failed to store laps");
        }
        for (size_t i = 0; i <= ps->n_events; i++) {
                const PendingEvent *e = i < ps->n_events ? &ps->events[i] : NULL;
                char text[160], json[128];

                sqlite3_reset(ev);
                sqlite3_bind_int64(ev, 1, id);
                if (e) {
                        sqlite3_bind_double(ev, 2, e->t_s);
                        bind_text(ev, 3, session_event_type_to_string(e->type));
                        bind_text(ev, 4, e->text);
                        bind_text(ev, 5, e->json);
                } else {
                        /* What the memory budget could not keep, said in the session. */
                        if (ps->dropped_samples + ps->dropped_rr + ps->dropped_other == 0)
                                break;
                        snprintf(text, sizeof(text),
                                 "not recorded: %" PRIu64 " samples, %" PRIu64 " RR intervals, "
                                 "%" PRIu64 " other rows (the store could not be written for "
                                 "longer than paced keeps in memory)",
                                 ps->dropped_samples, ps->dropped_rr, ps->dropped_other);
                        snprintf(json, sizeof(json),
                                 "{\"dropped_samples\":%" PRIu64 ",\"dropped_rr\":%" PRIu64
                                 ",\"dropped_other\":%" PRIu64 "}",
                                 ps->dropped_samples, ps->dropped_rr, ps->dropped_other);
                        sqlite3_bind_double(ev, 2,
                                            ps->n_samples ? ps->samples[ps->n_samples - 1].t_s : 0);
                        bind_text(ev, 3, session_event_type_to_string(SESSION_EVENT_NOTE));
                        bind_text(ev, 4, text);
                        bind_text(ev, 5, json);
                }
                rc = sqlite3_step(ev);
                if (rc != SQLITE_DONE)
                        return fail(s, rc, "Failed to store events");
        }
        for (size_t i = 0; i < ps->n_thresholds; i++) {
                const PendingThreshold *t = &ps->thresholds[i];

                r = insert_threshold(s, id,
                                     &(SessionThreshold){
                                             .kind = t->kind,
                                             .method = t->method,
                                             .alpha1 = t->alpha1,
                                             .hr_bpm = t->hr_bpm,
                                             .speed_kmh = t->speed_kmh,
                                             .t_s = t->t_s,
                                             .confidence = t->confidence,
                                             .json = t->json,
                                     });
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Everything ps holds, inside the flush's transaction; its id in *ret_id. */
static int write_session(SessionStore *s, PendingSession *ps, int64_t *ret_id)
{
        int64_t id = ps->id;
        int r;

        if (id == 0) {
                r = insert_session_row(s, ps, &id);
                if (r < 0)
                        return r;
        } else if (ps->resume) {
                r = reopen_session_row(s, id);
                if (r < 0)
                        return r;
        }
        r = insert_rows(s, ps, id);
        if (r >= 0 && ps->ended && !ps->attached)
                r = close_session_row(s, id, ps->end_wall_usec, ps->end_reason);
        if (r < 0)
                return r;
        *ret_id = id;
        return 0;
}

static int push_written(SessionStore *s, const WrittenSession *ws)
{
        WrittenSession *w = reallocarray(s->written, s->n_written + 1, sizeof(*w));

        if (!w)
                return -ENOMEM;
        s->written = w;
        s->written[s->n_written++] = *ws;
        return 0;
}

/* Frees what a snapshot owns: its rows (its strings are the session's). */
static void snapshot_free(PendingSession *snap)
{
        if (!snap)
                return;
        free(snap->samples);
        free(snap->rr);
        free(snap->laps);
        for (size_t i = 0; i < snap->n_events; i++) {
                free(snap->events[i].text);
                free(snap->events[i].json);
        }
        free(snap->events);
        for (size_t i = 0; i < snap->n_thresholds; i++) {
                free(snap->thresholds[i].kind);
                free(snap->thresholds[i].method);
                free(snap->thresholds[i].json);
        }
        free(snap->thresholds);
        free(snap);
}

/* Puts the snapshot's n rows back before the session's m newer ones. On
 * OOM the newer rows are dropped (counted): the older ones are the ones a
 * retry must not lose order with. */
static int rows_restore(void **array, size_t *n, size_t *alloc, void **snap_array, size_t *snap_n,
                        size_t size)
{
        void *merged;

        if (*snap_n == 0)
                return 0;
        if (*n == 0) {
                free(*array);
                *array = TAKE_PTR(*snap_array);
                *n = *snap_n;
                *alloc = *snap_n;
                *snap_n = 0;
                return 0;
        }
        merged = reallocarray(NULL, *n + *snap_n, size);
        if (!merged)
                return -ENOMEM;
        memcpy(merged, *snap_array, *snap_n * size);
        memcpy((char *)merged + *snap_n * size, *array, *n * size);
        free(*array);
        free(*snap_array);
        *snap_array = NULL;
        *array = merged;
        *n += *snap_n;
        *alloc = *n;
        *snap_n = 0;
        return 0;
}

#define ROWS_RESTORE(ps, snap, field)                                                              \
        rows_restore((void **)&(ps)->field, &(ps)->n_##field, &(ps)->alloc_##field,                \
                     (void **)&(snap)->field, &(snap)->n_##field, sizeof(*(ps)->field))

static void snapshot_restore(SessionStore *s, PendingSession *ps, PendingSession *snap)
{
        int r = 0;

        r |= ROWS_RESTORE(ps, snap, samples);
        r |= ROWS_RESTORE(ps, snap, rr);
        r |= ROWS_RESTORE(ps, snap, laps);
        r |= ROWS_RESTORE(ps, snap, events);
        r |= ROWS_RESTORE(ps, snap, thresholds);
        if (r < 0) {
                /* Out of memory merging: what stays in the snapshot is lost. */
                size_t lost = snap->n_samples + snap->n_rr + snap->n_laps + snap->n_events +
                              snap->n_thresholds;

                s->dropped += lost;
                s->buffered_samples -= snap->n_samples;
                s->buffered_rr -= snap->n_rr;
                s->buffered_other -= snap->n_laps + snap->n_events + snap->n_thresholds;
        }
        ps->dropped_samples += snap->dropped_samples;
        ps->dropped_rr += snap->dropped_rr;
        ps->dropped_other += snap->dropped_other;
}

/* Takes a session's rows into a snapshot that shares its strings. */
static PendingSession *snapshot_take(PendingSession *ps)
{
        PendingSession *snap = malloc(sizeof(*snap));

        if (!snap)
                return NULL;
        *snap = *ps;
        ps->samples = NULL;
        ps->rr = NULL;
        ps->laps = NULL;
        ps->events = NULL;
        ps->thresholds = NULL;
        ps->n_samples = ps->n_rr = ps->n_laps = ps->n_events = ps->n_thresholds = 0;
        ps->alloc_samples = ps->alloc_rr = ps->alloc_laps = ps->alloc_events =
                ps->alloc_thresholds = 0;
        ps->dropped_samples = ps->dropped_rr = ps->dropped_other = 0;
        return snap;
}

SessionStoreBatch *session_store_batch_free(SessionStoreBatch *b)
{
        if (!b)
                return NULL;
        for (size_t i = 0; i < b->shadow.n_sessions; i++)
                snapshot_free(b->shadow.sessions[i]);
        free(b->shadow.sessions);
        free(b->originals);
        free(b->ids);
        free(b);
        return NULL;
}

static int flush_start_full(SessionStore *s, uint64_t now_usec, SessionStoreJob job, void *job_data,
                            SessionStoreBatch **ret)
{
        _cleanup_(session_store_batch_freep) SessionStoreBatch *b = NULL;
        size_t n = 0;

        if (!s || s->reader || !ret)
                return -EINVAL;
        if (s->in_flight)
                return -EBUSY;
        s->last_flush_usec = now_usec;
        s->flushed_once = true;
        if (!store_has_work(s) && !job) {
                s->degraded = false; /* nothing waits */
                *ret = NULL;
                return 0;
        }
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->job = job;
        b->job_data = job_data;
        b->start_usec = now_usec;
        b->durable =
                job || !s->synced_once ||
                now_usec - MIN(now_usec, s->last_sync_usec) >= SESSION_STORE_SYNC_INTERVAL_USEC;
        for (size_t i = 0; i < s->n_sessions && !b->durable; i++)
                b->durable = s->sessions[i]->ended;
        b->shadow = (SessionStore){
                .db = s->db,
                .dir = s->dir,
                .db_path = s->db_path,
                .size_limit = s->size_limit,
                .need_recover = s->need_recover,
                .interrupted = s->interrupted,
                .flush_stmts = s->flush_stmts,
        };
        b->interrupted_before = s->interrupted;
        memcpy(b->shadow.error, s->error, sizeof(b->shadow.error));
        b->shadow.sessions = calloc(s->n_sessions, sizeof(*b->shadow.sessions));
        b->originals = calloc(s->n_sessions, sizeof(*b->originals));
        b->ids = calloc(s->n_sessions, sizeof(*b->ids));
        if (!b->shadow.sessions || !b->originals || !b->ids)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_sessions; i++) {
                if (!pending_session_has_work(s->sessions[i]))
                        continue;
                b->shadow.sessions[n] = snapshot_take(s->sessions[i]);
                if (!b->shadow.sessions[n]) {
                        /* Give back what was taken. */
                        for (size_t j = 0; j < n; j++)
                                snapshot_restore(s, b->originals[j], b->shadow.sessions[j]);
                        return -ENOMEM;
                }
                b->originals[n++] = s->sessions[i];
                b->shadow.n_sessions = n;
        }
        b->failed = SIZE_MAX;
        s->in_flight = b;
        *ret = TAKE_PTR(b);
        return 1;
}

int session_store_flush_start(SessionStore *s, uint64_t now_usec, SessionStoreBatch **ret)
{
        return flush_start_full(s, now_usec, NULL, NULL, ret);
}

int session_store_job_start(SessionStore *s, uint64_t now_usec, SessionStoreJob job, void *userdata,
                            SessionStoreBatch **ret)
{
        if (!job)
                return -EINVAL;
        return flush_start_full(s, now_usec, job, userdata, ret);
}

int session_store_batch_job_result(const SessionStoreBatch *b, const char **ret_error)
{
        if (ret_error)
                *ret_error = b->job_error;
        return b->job_r;
}

/* The job, on the batch's store (the connection is the batch's meanwhile),
 * with its own error message: the rows' outcome stays the store's. */
static void batch_run_job(SessionStoreBatch *b, int open_r)
{
        SessionStore *s = &b->shadow;
        char rows_error[sizeof(s->error)];

        if (!b->job)
                return;
        if (open_r < 0) {
                b->job_r = open_r;
                snprintf(b->job_error, sizeof(b->job_error), "%s", s->error);
                return;
        }
        memcpy(rows_error, s->error, sizeof(rows_error));
        s->error[0] = '\0';
        b->job_r = b->job(s, b->job_data);
        memcpy(b->job_error, s->error, sizeof(b->job_error));
        memcpy(s->error, rows_error, sizeof(rows_error));
}

int session_store_batch_commit(SessionStoreBatch *b)
{
        SessionStore *s = &b->shadow;
        int r;

        if (!s->db) {
                r = writer_open(s);
                s->open_error = r;
                if (r < 0) {
                        batch_run_job(b, r);
                        return (b->r = r);
                }
        }
        /* A job alone: no transaction of rows (an empty one would still
         * want the write lock, and fail the store while another holds it). */
        if (s->n_sessions == 0 && !s->need_recover) {
                if (b->durable)
                        sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
                batch_run_job(b, 0);
                if (b->durable && s->db)
                        sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
                return (b->r = 0);
        }
        /* One transaction: all or nothing, so a failure leaves memory as the
         * truth and the next flush starts over. Crash recovery first: it
         * must never see (and close) a session this paced is writing. */
        /* The spool of an earlier stop first, in its own transaction (an
         * attached database cannot be attached inside one). */
        r = s->need_recover ? spool_import(s) : 0;
        if (r >= 0 && b->durable)
                r = exec(s, "PRAGMA synchronous = FULL", "Failed to make the commit durable");
        if (r >= 0)
                r = step_kept(s, FLUSH_STMT_BEGIN, "Failed to start a transaction");
        if (r >= 0 && s->need_recover)
                r = recover(s, &b->interrupted);
        for (size_t i = 0; r >= 0 && i < s->n_sessions; i++) {
                r = write_session(s, s->sessions[i], &b->ids[i]);
                if (r < 0)
                        b->failed = i;
        }
        if (r >= 0)
                r = step_kept(s, FLUSH_STMT_COMMIT, "Failed to commit");
        if (r < 0 && s->db && !sqlite3_get_autocommit(s->db))
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (r >= 0)
                s->need_recover = false;
        b->r = r;
        batch_run_job(b, 0);
        if (b->durable && s->db)
                sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
        return r;
}

static void store_remove_session(SessionStore *s, PendingSession *ps)
{
        for (size_t i = 0; i < s->n_sessions; i++)
                if (s->sessions[i] == ps) {
                        memmove(s->sessions + i, s->sessions + i + 1,
                                (s->n_sessions - i - 1) * sizeof(*s->sessions));
                        s->n_sessions--;
                        return;
                }
}

int session_store_flush_finish(SessionStore *s, SessionStoreBatch *b)
{
        SessionStore *sh;
        int r;

        if (!s || !b || s->in_flight != b)
                return -EINVAL;
        s->in_flight = NULL;
        sh = &b->shadow;
        r = b->r;
        if (r >= 0 && b->durable) {
                s->synced_once = true;
                s->last_sync_usec = b->start_usec;
        }
        s->db = sh->db;
        s->n_prepared += sh->n_prepared;
        s->open_error = sh->open_error;
        memcpy(s->error, sh->error, sizeof(s->error));

        if (r < 0) {
                /* Keep everything for the next attempt; the workout goes on. */
                s->degraded = true;
                for (size_t i = 0; i < sh->n_sessions; i++) {
                        PendingSession *ps = b->originals[i], *snap = sh->sessions[i];

                        /* Except what can never be written (its session vanished, a
                         * constraint refuses it): it would hold back every session. */
                        if (i == b->failed && (r == -ENOENT || r == -EINVAL)) {
                                s->dropped += snap->n_samples + snap->n_rr + snap->n_laps +
                                              snap->n_events + snap->n_thresholds;
                                s->buffered_samples -= snap->n_samples;
                                s->buffered_rr -= snap->n_rr;
                                s->buffered_other -=
                                        snap->n_laps + snap->n_events + snap->n_thresholds;
                                s->dropped += ps->n_samples + ps->n_rr + ps->n_laps + ps->n_events +
                                              ps->n_thresholds;
                                pending_session_clear_rows(s, ps);
                                store_remove_session(s, ps);
                                pending_session_free(ps);
                                continue;
                        }
                        snapshot_restore(s, ps, snap);
                }
                session_store_batch_free(b);
                return r;
        }

        /* Recovery ran when the thread opened the database, or in the transaction. */
        s->need_recover = sh->need_recover;
        if (sh->interrupted != b->interrupted_before)
                s->interrupted = MAX(s->interrupted, sh->interrupted);
        s->interrupted = MAX(s->interrupted, b->interrupted);
        for (size_t i = 0; i < sh->n_sessions; i++) {
                PendingSession *ps = b->originals[i], *snap = sh->sessions[i];

                s->buffered_samples -= snap->n_samples;
                s->buffered_rr -= snap->n_rr;
                s->buffered_other -= snap->n_laps + snap->n_events + snap->n_thresholds;
                ps->id = b->ids[i];
                if (snap->resume)
                        ps->resume = false;
                if (!snap->ended)
                        continue;
                /* Ended and all written: what the caller may now analyse. */
                if (!snap->attached)
                        (void)push_written(s, &(WrittenSession){.id = ps->id,
                                                                .reason = snap->end_reason,
                                                                .ended_unwritten = snap->id == 0});
                if (pending_session_has_rows(ps)) {
                        /* Rows that came for it meanwhile (a threshold): written
                         * later, without closing it again. */
                        ps->attached = true;
                        continue;
                }
                store_remove_session(s, ps);
                pending_session_free(ps);
        }
        s->degraded = false;
        session_store_batch_free(b);
        return 0;
}

void session_store_set_async(SessionStore *s, bool async)
{
        if (s)
                s->async = async;
}

bool session_store_in_flight(const SessionStore *s)
{
        return s && s->in_flight;
}

bool session_store_has_unwritten_end(const SessionStore *s)
{
        for (size_t i = 0; s && i < s->n_sessions; i++)
                if (s->sessions[i]->ended && !s->sessions[i]->attached)
                        return true;
        return false;
}

/* What session_store_flush() does, without touching its cadence: begin(),
 * end() and resume() write at once when they can. */
static int flush_now(SessionStore *s)
{
        SessionStoreBatch *b = NULL;
        uint64_t last = s->last_flush_usec;
        bool once = s->flushed_once;
        int r;

        r = session_store_flush_start(s, last, &b);
        s->last_flush_usec = last;
        s->flushed_once = once;
        if (r <= 0)
                return r;
        (void)session_store_batch_commit(b);
        return session_store_flush_finish(s, b);
}

int session_store_flush(SessionStore *s, uint64_t now_usec)
{
        SessionStoreBatch *b = NULL;
        int r;

        r = session_store_flush_start(s, now_usec, &b);
        if (r <= 0)
                return r;
        (void)session_store_batch_commit(b);
        return session_store_flush_finish(s, b);
}

uint64_t session_store_next_flush(const SessionStore *s)
{
        if (!s || s->reader || !store_has_work(s))
                return USEC_INFINITY;
        if (!s->flushed_once)
                return 0;
        /* A session's end is written at once (a client that heard it ended
         * reads it), unless writing fails: then at the cadence, not in a spin. */
        if (!s->degraded && session_store_has_unwritten_end(s))
                return 0;
        return s->last_flush_usec + SESSION_STORE_FLUSH_INTERVAL_USEC;
}

int session_store_end(SessionStore *s, uint64_t end_wall_usec, SessionEndReason reason)
{
        PendingSession *ps = current_session(s);

        if (!ps || reason < 0 || reason >= _SESSION_END_MAX)
                return -EINVAL;
        ps->ended = true;
        ps->end_wall_usec = end_wall_usec;
        ps->end_reason = reason;
        if (s->async)
                return 1;
        return flush_now(s) < 0 ? 1 : 0;
}

int session_store_pop_written(SessionStore *s, int64_t *ret_id, SessionEndReason *ret_reason,
                              bool *ret_ended_unwritten)
{
        if (!s || !ret_id)
                return -EINVAL;
        if (s->n_written == 0)
                return 0;
        *ret_id = s->written[0].id;
        if (ret_reason)
                *ret_reason = s->written[0].reason;
        if (ret_ended_unwritten)
                *ret_ended_unwritten = s->written[0].ended_unwritten;
        memmove(s->written, s->written + 1, --s->n_written * sizeof(*s->written));
        return 1;
}

static int load_resume(SessionStore *s, int64_t id, SessionResume *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s,
                    "SELECT s.start_usec, m.t, m.distance_m, m.step_index FROM sessions s"
                    " LEFT JOIN samples m ON m.rowid = (SELECT rowid FROM samples"
                    "   WHERE session_id = s.id ORDER BY t DESC LIMIT 1)"
                    " WHERE s.id = ?",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return fail(s, rc, "Failed to read the interrupted session");
        *ret = (SessionResume){
                .id = id,
                .start_wall_usec = (uint64_t)sqlite3_column_int64(st, 0),
                .last_t_s = sqlite3_column_type(st, 1) == SQLITE_NULL
                                    ? 0
                                    : sqlite3_column_double(st, 1),
                .last_distance_m = column_double(st, 2),
                .last_step_index =
                        sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3),
        };
        return 0;
}

int session_store_get_interrupted(const SessionStore *s, SessionResume *ret)
{
        SessionResume r;
        int k;

        if (!s || !ret)
                return -EINVAL;
        if (s->interrupted == 0 || !s->db)
                return -ENOENT;
        k = load_resume((SessionStore *)s, s->interrupted, &r);
        if (k < 0)
                return k;
        *ret = r;
        return 0;
}

int session_store_resume(SessionStore *s, int64_t id)
{
        PendingSession *ps;
        int r;

        if (!s || s->reader || id <= 0)
                return -EINVAL;
        if (current_session(s))
                return -EBUSY;
        /* Reopened now when the database lets us; else at the next flush. */
        r = s->db && !s->async ? reopen_session_row(s, id) : -EBUSY;
        if (r < 0 && r != -EBUSY)
                return r;
        ps = calloc(1, sizeof(*ps));
        if (!ps)
                return -ENOMEM;
        ps->id = id;
        ps->resume = r < 0;
        r = append_session(s, ps);
        if (r < 0) {
                pending_session_free(ps);
                return r;
        }
        if (s->interrupted == id)
                s->interrupted = 0;
        return ps->resume ? 1 : 0;
}

/* ---- state ---- */

static const char *const state_table[_SESSION_STORE_STATE_MAX] = {
        [SESSION_STORE_OK] = "ok",
        [SESSION_STORE_UNAVAILABLE] = "unavailable",
        [SESSION_STORE_BUFFERING] = "buffering",
        [SESSION_STORE_DROPPING] = "dropping",
};

const char *session_store_state_to_string(SessionStoreState st)
{
        return st >= 0 && st < _SESSION_STORE_STATE_MAX ? state_table[st] : NULL;
}

SessionStoreState session_store_get_state(const SessionStore *s)
{
        if (!s)
                return SESSION_STORE_UNAVAILABLE;
        if (s->degraded || (!s->db && store_has_work(s))) {
                bool full = s->buffered_samples >= s->max_samples ||
                            s->buffered_rr >= s->max_samples * PENDING_RR_PER_SAMPLE ||
                            s->buffered_other >= PENDING_OTHER_MAX;
                return full ? SESSION_STORE_DROPPING : SESSION_STORE_BUFFERING;
        }
        return s->db ? SESSION_STORE_OK : SESSION_STORE_UNAVAILABLE;
}

int session_store_set_buffer_limit(SessionStore *s, size_t max_samples)
{
        if (!s || max_samples == 0)
                return -EINVAL;
        s->max_samples = max_samples;
        return 0;
}

size_t session_store_buffered(const SessionStore *s)
{
        return s ? s->buffered_samples : 0;
}

int64_t session_store_current(const SessionStore *s)
{
        PendingSession *ps = current_session(s);

        return ps ? ps->id : 0;
}

/* Reader */

void session_list_free(SessionListEntry *l, size_t n)
{
        for (size_t i = 0; l && i < n; i++)
                free(l[i].workout_name);
        free(l);
}

/* The sessions the WHERE clause selects (its ? bound to arg), in order, at most limit. */
static int list_where(SessionStore *s, const char *where, int64_t arg, int64_t limit,
                      SessionListEntry **ret, size_t *ret_n)
{
        _cleanup_free_ char *sql = NULL;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        SessionListEntry *l = NULL;
        size_t n = 0, alloc = 0;
        int r, rc;

        if (!s || !ret || !ret_n)
                return -EINVAL;
        if (asprintf(&sql,
                     "SELECT s.id, s.start_usec, s.end_usec, s.end_reason, s.workout_name,"
                     /* From the first sample to the last, as the summary counts it. */
                     " (SELECT max(t) - min(t) FROM samples WHERE session_id = s.id),"
                     " (SELECT max(distance_m) FROM samples WHERE session_id = s.id),"
                     " (SELECT avg(hr_bpm) FROM samples WHERE session_id = s.id AND hr_bpm > 0),"
                     " (SELECT max(hr_bpm) FROM samples WHERE session_id = s.id),"
                     " (SELECT hr_bpm FROM thresholds WHERE session_id = s.id AND kind = 'aet'"
                     "   AND method = '" SESSION_METHOD_RAMP_TEST "' ORDER BY id LIMIT 1),"
                     " (SELECT speed_kmh FROM thresholds WHERE session_id = s.id AND kind = 'aet'"
                     "   AND method = '" SESSION_METHOD_RAMP_TEST "' ORDER BY id LIMIT 1),"
                     " (SELECT json FROM thresholds WHERE session_id = s.id AND kind = 'aet'"
                     "   AND method = '" SESSION_METHOD_RAMP_TEST "' ORDER BY id LIMIT 1),"
                     /* The gaps: time paced did not record, by session_sample_gap()'s
                      * rule (an interval the distance ran on across was run). */
                     " (SELECT coalesce(sum(dt - 1), 0) FROM (SELECT t - lag(t) OVER w AS dt,"
                     "   paced_gap_run(lag(t) OVER w, lag(distance_m) OVER w,"
                     "   lag(speed_kmh) OVER w, t, distance_m, speed_kmh, lead(t) OVER w,"
                     "   lead(distance_m) OVER w, lead(speed_kmh) OVER w) AS run"
                     "   FROM samples WHERE session_id = s.id WINDOW w AS (ORDER BY t))"
                     "   WHERE dt > " SESSION_SAMPLE_GAP_S_STR " AND NOT run),"
                     " r.time_s, r.distance_m, r.complete, r.best"
                     " FROM sessions s LEFT JOIN results r ON r.id = (SELECT id FROM results"
                     "   WHERE session_id = s.id ORDER BY complete DESC, id DESC LIMIT 1)"
                     " WHERE %s LIMIT ?",
                     where) < 0)
                return -ENOMEM;
        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)arg);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                SessionListEntry *e;

                if (!GREEDY_REALLOC(l, alloc, n + 1)) {
                        session_list_free(l, n);
                        return -ENOMEM;
                }
                e = &l[n];
                *e = (SessionListEntry){
                        .id = sqlite3_column_int64(st, 0),
                        .start_wall_usec = (uint64_t)sqlite3_column_int64(st, 1),
                        .end_wall_usec = (uint64_t)sqlite3_column_int64(st, 2),
                        .end_reason = session_end_reason_from_string(
                                (const char *)sqlite3_column_text(st, 3)),
                        .duration_s = sqlite3_column_double(st, 5) - sqlite3_column_double(st, 12),
                        .gap_s = sqlite3_column_double(st, 12),
                        .distance_m = column_double(st, 6),
                        .avg_hr_bpm = column_double(st, 7),
                        .max_hr_bpm = column_double(st, 8),
                        .threshold_hr_bpm = column_double(st, 9),
                        .threshold_speed_kmh = column_double(st, 10),
                        .result_time_s = column_double(st, 13),
                        .result_distance_m = column_double(st, 14),
                        .result_complete = sqlite3_column_int(st, 15) != 0,
                        .result_best = sqlite3_column_int(st, 16) != 0,
                };
                {
                        SessionThresholdRow t = {.json = (char *)sqlite3_column_text(st, 11)};

                        session_threshold_interval(&t, &e->threshold_ci_lo_bpm,
                                                   &e->threshold_ci_hi_bpm, NULL);
                }
                n++;
                if (column_strdup_text(st, 4, &e->workout_name) < 0) {
                        session_list_free(l, n);
                        return -ENOMEM;
                }
        }
        if (rc != SQLITE_DONE) {
                session_list_free(l, n);
                return fail(s, rc, "Failed to list sessions");
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int session_store_list(SessionStore *s, uint64_t since_wall_usec, SessionListEntry **ret,
                       size_t *ret_n)
{
        if (since_wall_usec > INT64_MAX)
                since_wall_usec = INT64_MAX;
        return list_where(s, "s.start_usec >= ? ORDER BY s.start_usec, s.id",
                          (int64_t)since_wall_usec, -1, ret, ret_n);
}

int session_store_list_finished(SessionStore *s, int64_t after_id, size_t max,
                                SessionListEntry **ret, size_t *ret_n)
{
        return list_where(s, "s.id > ? AND s.end_usec IS NOT NULL ORDER BY s.id", after_id,
                          max > INT64_MAX ? -1 : (int64_t)max, ret, ret_n);
}

SessionData *session_data_free(SessionData *d)
{
        if (!d)
                return NULL;
        free(d->workout_name);
        free(d->workout_source);
        free(d->steps_json);
        free(d->profile_json);
        free(d->treadmill_address);
        free(d->treadmill_name);
        free(d->hrm_address);
        free(d->hrm_name);
        free(d->steps);
        free(d->samples);
        free(d->rr);
        free(d->laps);
        for (size_t i = 0; i < d->n_events; i++) {
                free(d->events[i].text);
                free(d->events[i].json);
        }
        free(d->events);
        for (size_t i = 0; i < d->n_thresholds; i++) {
                free(d->thresholds[i].kind);
                free(d->thresholds[i].method);
                free(d->thresholds[i].json);
        }
        free(d->thresholds);
        free(d->results);
        free(d);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(SessionData *, session_data_free);

/* Runs a per-session query and appends one element per row via fill(). */
static int load_rows(SessionStore *s, const char *sql, int64_t id, void **array, size_t *n,
                     size_t size, int (*fill)(sqlite3_stmt *st, void *elem))
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        size_t alloc = 0;
        int r, rc;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (!greedy_realloc(array, &alloc, *n + 1, size))
                        return -ENOMEM;
                memset((char *)*array + *n * size, 0, size);
                r = fill(st, (char *)*array + *n * size);
                (*n)++;
                if (r < 0)
                        return r;
        }
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to load the session");
        return 0;
}

/* Stored text into a fixed field: valid UTF-8, cut at a character. */
static int column_copy_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
        const unsigned char *v = sqlite3_column_text(st, col);
        _cleanup_free_ char *t = NULL;

        buf[0] = 0;
        if (!v)
                return 0;
        t = utf8_sanitize((const char *)v);
        if (!t)
                return -ENOMEM;
        snprintf(buf, size, "%s", t);
        utf8_truncate(buf, size - 1);
        return 0;
}

static int fill_step(sqlite3_stmt *st, void *elem)
{
        SessionStep *x = elem;
        int r;

        x->kind = step_kind_from_string((const char *)sqlite3_column_text(st, 0));
        x->end = step_end_from_string((const char *)sqlite3_column_text(st, 1));
        x->end_value = column_double(st, 2);
        x->control = step_control_from_string((const char *)sqlite3_column_text(st, 3));
        x->speed_start_kmh = column_double(st, 4);
        x->speed_end_kmh = column_double(st, 5);
        x->speed_lo_kmh = column_double(st, 6);
        x->speed_hi_kmh = column_double(st, 7);
        x->hr_lo_bpm = column_double(st, 8);
        x->hr_hi_bpm = column_double(st, 9);
        x->has_incline = sqlite3_column_int(st, 10) != 0;
        x->incline_start_pct = column_double(st, 11);
        x->incline_end_pct = column_double(st, 12);
        /* A count that does not fit a repeat block is no repeat block. */
        x->repeat_index = (unsigned)MAX(sqlite3_column_int(st, 15), 0);
        x->repeat_count = (unsigned)MAX(sqlite3_column_int(st, 16), 0);
        if (x->repeat_index == 0 || x->repeat_index > x->repeat_count)
                x->repeat_index = x->repeat_count = 0;
        r = column_copy_text(st, 13, x->label, sizeof(x->label));
        if (r >= 0)
                r = column_copy_text(st, 14, x->cue, sizeof(x->cue));
        return r;
}

static int fill_sample(sqlite3_stmt *st, void *elem)
{
        SessionSample *x = elem;

        *x = (SessionSample){
                .t_s = sqlite3_column_double(st, 0),
                .commanded_kmh = column_double(st, 1),
                .speed_kmh = column_double(st, 2),
                .incline_pct = column_double(st, 3),
                .distance_m = column_double(st, 4),
                .hr_bpm = (unsigned)MAX(sqlite3_column_int(st, 5), 0),
                .zone = (unsigned)MAX(sqlite3_column_int(st, 6), 0),
                .step_index =
                        sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 7),
                .alpha1 = column_double(st, 8),
                .footpod_kmh = column_double(st, 9),
                .cadence_spm = (unsigned)MAX(sqlite3_column_int(st, 10), 0),
                .stride_m = column_double(st, 11),
        };
        return 0;
}

static int fill_rr(sqlite3_stmt *st, void *elem)
{
        SessionRr *x = elem;

        *x = (SessionRr){
                .t_s = sqlite3_column_double(st, 0),
                .rr_ms = (unsigned)MAX(sqlite3_column_int(st, 1), 0),
                .artifact = sqlite3_column_int(st, 2) != 0,
        };
        return 0;
}

static int fill_lap(sqlite3_stmt *st, void *elem)
{
        SessionLap *x = elem;

        *x = (SessionLap){
                .kind = lap_kind_from_string((const char *)sqlite3_column_text(st, 0)),
                .step_index =
                        sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1),
                .start_s = sqlite3_column_double(st, 2),
                .end_s = sqlite3_column_double(st, 3),
                .distance_m = column_double(st, 4),
                .avg_hr_bpm = column_double(st, 5),
                .max_hr_bpm = column_double(st, 6),
                .avg_speed_kmh = column_double(st, 7),
        };
        return 0;
}

static int fill_event(sqlite3_stmt *st, void *elem)
{
        SessionEventRow *x = elem;
        int r;

        x->t_s = sqlite3_column_double(st, 0);
        x->type = session_event_type_from_string((const char *)sqlite3_column_text(st, 1));
        r = column_strdup_text(st, 2, &x->text);
        if (r >= 0)
                r = column_strdup(st, 3, &x->json);
        return r;
}

static int fill_threshold(sqlite3_stmt *st, void *elem)
{
        SessionThresholdRow *x = elem;
        int r;

        x->alpha1 = column_double(st, 2);
        x->hr_bpm = column_double(st, 3);
        x->speed_kmh = column_double(st, 4);
        x->t_s = column_double(st, 5);
        x->confidence = column_double(st, 6);
        r = column_strdup_text(st, 0, &x->kind);
        if (r >= 0)
                r = column_strdup_text(st, 1, &x->method);
        if (r >= 0)
                r = column_strdup(st, 7, &x->json);
        return r;
}

static int fill_result(sqlite3_stmt *st, void *elem)
{
        TrialResult *x = elem;
        const unsigned char *laps = sqlite3_column_text(st, 5);

        *x = (TrialResult){
                .distance_m = sqlite3_column_double(st, 0),
                .time_s = sqlite3_column_double(st, 1),
                .goal_s = column_double(st, 2),
                .complete = sqlite3_column_int(st, 3) != 0,
                .best = sqlite3_column_int(st, 4) != 0,
        };
        /* Laps that do not parse are left out, the result stands. */
        if (!laps || trial_laps_from_json((const char *)laps, x) < 0)
                x->n_laps = 0;
        return 0;
}

static int fill_zone(sqlite3_stmt *st, void *elem)
{
        *(unsigned *)elem = (unsigned)MAX(sqlite3_column_int(st, 0), 0);
        return 0;
}

int session_store_load(SessionStore *s, int64_t id, SessionData **ret)
{
        _cleanup_(session_data_freep) SessionData *d = NULL;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ unsigned *zones = NULL;
        size_t n_zones = 0;
        int r, rc;

        if (!s || !ret || id <= 0)
                return -EINVAL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;

        r = prepare(s,
                    "SELECT start_usec, end_usec, end_reason, workout_name, workout_source,"
                    " steps_json, profile_json, treadmill_address, treadmill_name, hrm_address,"
                    " hrm_name FROM sessions WHERE id = ?",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return fail(s, rc, "Failed to load the session");
        d->id = id;
        d->start_wall_usec = (uint64_t)sqlite3_column_int64(st, 0);
        d->end_wall_usec = (uint64_t)sqlite3_column_int64(st, 1);
        d->end_reason = session_end_reason_from_string((const char *)sqlite3_column_text(st, 2));
        char **strings[] = {&d->workout_name, &d->workout_source,    &d->steps_json,
                            &d->profile_json, &d->treadmill_address, &d->treadmill_name,
                            &d->hrm_address,  &d->hrm_name};
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                bool json = strings[i] == &d->steps_json || strings[i] == &d->profile_json;

                if ((json ? column_strdup : column_strdup_text)(st, 3 + (int)i, strings[i]) < 0)
                        return -ENOMEM;
        }

        /* The steps come back out of their JSON through SQLite's json1. */
        r = load_rows(s,
                      "SELECT json_extract(j.value, '$.kind'), json_extract(j.value, '$.end'),"
                      " json_extract(j.value, '$.end_value'), json_extract(j.value, '$.control'),"
                      " json_extract(j.value, '$.speed_start_kmh'),"
                      " json_extract(j.value, '$.speed_end_kmh'),"
                      " json_extract(j.value, '$.speed_lo_kmh'),"
                      " json_extract(j.value, '$.speed_hi_kmh'),"
                      " json_extract(j.value, '$.hr_lo_bpm'), json_extract(j.value, '$.hr_hi_bpm'),"
                      " json_extract(j.value, '$.has_incline'),"
                      " json_extract(j.value, '$.incline_start_pct'),"
                      " json_extract(j.value, '$.incline_end_pct'),"
                      " json_extract(j.value, '$.label'), json_extract(j.value, '$.cue'),"
                      " json_extract(j.value, '$.repeat_index'),"
                      " json_extract(j.value, '$.repeat_count')"
                      " FROM sessions s, json_each(CASE WHEN json_valid(s.steps_json)"
                      "   THEN s.steps_json ELSE '[]' END) j WHERE s.id = ? ORDER BY j.key",
                      id, (void **)&d->steps, &d->n_steps, sizeof(*d->steps), fill_step);
        if (r >= 0)
                r = load_rows(s,
                              "SELECT j.value FROM sessions s, json_each(CASE WHEN"
                              " json_valid(s.zones_json) THEN s.zones_json ELSE '[]' END) j"
                              " WHERE s.id = ? ORDER BY j.key",
                              id, (void **)&zones, &n_zones, sizeof(*zones), fill_zone);
        if (r >= 0)
                r = load_rows(s,
                              "SELECT t, commanded_kmh, speed_kmh, incline_pct, distance_m,"
                              " hr_bpm, zone, step_index, alpha1, footpod_kmh, cadence_spm,"
                              " stride_m FROM samples"
                              " WHERE session_id = ? ORDER BY t, rowid",
                              id, (void **)&d->samples, &d->n_samples, sizeof(*d->samples),
                              fill_sample);
        if (r >= 0)
                r = load_rows(s,
                              "SELECT t, rr_ms, artifact FROM rr WHERE session_id = ?"
                              " ORDER BY t, rowid",
                              id, (void **)&d->rr, &d->n_rr, sizeof(*d->rr), fill_rr);
        if (r >= 0)
                r = load_rows(s,
                              "SELECT kind, step_index, start_t, end_t, distance_m, avg_hr,"
                              " max_hr, avg_speed_kmh FROM laps WHERE session_id = ?"
                              " ORDER BY start_t, rowid",
                              id, (void **)&d->laps, &d->n_laps, sizeof(*d->laps), fill_lap);
        if (r >= 0)
                r = load_rows(s,
                              "SELECT t, type, text, json FROM events WHERE session_id = ?"
                              " ORDER BY t, rowid",
                              id, (void **)&d->events, &d->n_events, sizeof(*d->events),
                              fill_event);
        if (r >= 0)
                r = load_rows(s,
                              "SELECT kind, method, alpha1, hr_bpm, speed_kmh, t, confidence,"
                              " json FROM thresholds WHERE session_id = ?"
                              " AND method = '" SESSION_METHOD_RAMP_TEST "' ORDER BY id",
                              id, (void **)&d->thresholds, &d->n_thresholds, sizeof(*d->thresholds),
                              fill_threshold);
        if (r >= 0)
                r = load_rows(s,
                              "SELECT distance_m, time_s, goal_s, complete, best, laps_json"
                              " FROM results WHERE session_id = ? ORDER BY id",
                              id, (void **)&d->results, &d->n_results, sizeof(*d->results),
                              fill_result);
        if (r < 0)
                return r;
        d->n_zones = (unsigned)MIN(n_zones, (size_t)SESSION_ZONES_MAX);
        for (unsigned i = 0; i < d->n_zones; i++)
                d->zone_max_bpm[i] = zones[i];

        *ret = TAKE_PTR(d);
        return 0;
}

/* ---- Threshold trend and accepted thresholds ---- */

/* The number after "key": in our own JSON, NAN if absent or negative (unknown). */
static double json_number(const char *json, const char *key)
{
        char pat[48];
        const char *p;
        char *end;
        double v;

        if (!json)
                return NAN;
        snprintf(pat, sizeof(pat), "\"%s\":", key);
        p = strstr(json, pat);
        if (!p)
                return NAN;
        v = strtod(p + strlen(pat), &end);
        return end == p + strlen(pat) || v < 0 ? NAN : v;
}

void session_threshold_interval(const SessionThresholdRow *t, double *ret_lo, double *ret_hi,
                                char *ret_grade)
{
        const char *g = t && t->json ? strstr(t->json, "\"grade\":\"") : NULL;

        *ret_lo = json_number(t ? t->json : NULL, "ci_lo_bpm");
        *ret_hi = json_number(t ? t->json : NULL, "ci_hi_bpm");
        if (ret_grade)
                *ret_grade = g && g[9] >= 'A' && g[9] <= 'C' ? g[9] : '-';
}

static void estimate_from_row(sqlite3_stmt *st, SessionThresholdEstimate *e)
{
        const unsigned char *method = sqlite3_column_text(st, 4);

        e->hr_bpm = column_double(st, 5);
        e->speed_kmh = column_double(st, 6);
        e->confidence = column_double(st, 7);
        snprintf(e->method, sizeof(e->method), "%s", method ? (const char *)method : "");
        e->ci_lo_bpm = json_number((const char *)sqlite3_column_text(st, 8), "ci_lo_bpm");
        e->ci_hi_bpm = json_number((const char *)sqlite3_column_text(st, 8), "ci_hi_bpm");
}

static const SessionThresholdEstimate no_estimate = {NAN, NAN, NAN, NAN, NAN, ""};

/* since_wall_usec filters by start; only_id > 0 selects one session. */
static int trend_query(SessionStore *s, uint64_t since_wall_usec, int64_t only_id,
                       SessionTrendEntry **ret, size_t *ret_n)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        SessionTrendEntry *l = NULL;
        size_t n = 0, cap = 0;
        int r, rc;

        r = prepare(s,
                    "SELECT s.id, s.start_usec, s.workout_name, t.kind, t.method, t.hr_bpm,"
                    " t.speed_kmh, t.confidence, t.json FROM thresholds t JOIN sessions s"
                    " ON s.id = t.session_id WHERE s.start_usec >= ? AND (? = 0 OR s.id = ?)"
                    " AND t.kind IN ('aet', 'ant') AND t.hr_bpm IS NOT NULL"
                    " AND t.method = '" SESSION_METHOD_RAMP_TEST "'"
                    " ORDER BY s.start_usec, s.id, t.id",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)since_wall_usec);
        sqlite3_bind_int64(st, 2, only_id);
        sqlite3_bind_int64(st, 3, only_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                int64_t id = sqlite3_column_int64(st, 0);
                const char *kind = (const char *)sqlite3_column_text(st, 3);
                SessionThresholdEstimate *e;

                if (n == 0 || l[n - 1].id != id) {
                        if (!GREEDY_REALLOC(l, cap, n + 1)) {
                                session_trend_free(l, n);
                                return -ENOMEM;
                        }
                        l[n] = (SessionTrendEntry){
                                .id = id,
                                .start_wall_usec = (uint64_t)sqlite3_column_int64(st, 1),
                                .aet = no_estimate,
                                .ant = no_estimate,
                        };
                        r = column_strdup_text(st, 2, &l[n].workout_name);
                        n++;
                        if (r < 0) {
                                session_trend_free(l, n);
                                return r;
                        }
                }
                /* Keep the first of each kind (a session stores one test result). */
                e = streq(kind, "aet") ? &l[n - 1].aet : &l[n - 1].ant;
                if (isnan(e->hr_bpm))
                        estimate_from_row(st, e);
        }
        if (rc != SQLITE_DONE) {
                session_trend_free(l, n);
                return fail(s, rc, "Failed to read the thresholds");
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int session_store_threshold_trend(SessionStore *s, uint64_t since_wall_usec,
                                  SessionTrendEntry **ret, size_t *ret_n)
{
        if (!s || !ret || !ret_n)
                return -EINVAL;
        return trend_query(s, since_wall_usec, 0, ret, ret_n);
}

void session_trend_free(SessionTrendEntry *l, size_t n)
{
        for (size_t i = 0; l && i < n; i++)
                free(l[i].workout_name);
        free(l);
}

static int session_exists(SessionStore *s, int64_t id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s, "SELECT 1 FROM sessions WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 1;
        return rc == SQLITE_DONE ? 0 : fail(s, rc, "Failed to look up the session");
}

static int insert_accepted(SessionStore *s, const SessionAccepted *a)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s,
                    "INSERT INTO accepted_thresholds (session_id, accepted_usec, hrvt1_bpm,"
                    " hrvt2_bpm, hrvt1_kmh, hrvt2_kmh) VALUES (?,?,?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, a->session_id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)a->accepted_wall_usec);
        bind_double(st, 3, a->hrvt1_bpm);
        bind_double(st, 4, a->hrvt2_bpm);
        bind_double(st, 5, a->hrvt1_kmh);
        bind_double(st, 6, a->hrvt2_kmh);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to store the accepted thresholds");
        return 0;
}

int session_store_accept_thresholds(SessionStore *s, int64_t session_id, uint64_t now_wall_usec,
                                    SessionAccepted *ret)
{
        SessionTrendEntry *l = NULL;
        SessionAccepted a;
        size_t n = 0;
        int r;

        if (!s || session_id <= 0)
                return -EINVAL;
        if (s->reader)
                return -EROFS;
        r = session_exists(s, session_id);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        r = trend_query(s, 0, session_id, &l, &n);
        if (r < 0)
                return r;
        a = (SessionAccepted){
                .session_id = session_id,
                .accepted_wall_usec = now_wall_usec,
                .hrvt1_bpm = n ? l[0].aet.hr_bpm : NAN,
                .hrvt2_bpm = n ? l[0].ant.hr_bpm : NAN,
                .hrvt1_kmh = n ? l[0].aet.speed_kmh : NAN,
                .hrvt2_kmh = n ? l[0].ant.speed_kmh : NAN,
        };
        session_trend_free(l, n);
        /* A threshold test stores both: anything less is not one. */
        if (!isfinite(a.hrvt1_bpm) || !isfinite(a.hrvt2_bpm))
                return -ENODATA;
        /* A fit that puts the aerobic threshold above the anaerobic one is not a profile. */
        if (a.hrvt1_bpm >= a.hrvt2_bpm)
                return -EINVAL;
        r = insert_accepted(s, &a);
        if (r < 0)
                return r;
        if (ret)
                *ret = a;
        return 0;
}

int session_store_record_accepted(SessionStore *s, const SessionAccepted *a)
{
        int r;

        if (!s || !a || a->session_id <= 0)
                return -EINVAL;
        if (s->reader)
                return -EROFS;
        if (!isfinite(a->hrvt1_bpm) || !isfinite(a->hrvt2_bpm) || a->hrvt1_bpm >= a->hrvt2_bpm)
                return -EINVAL;
        r = session_exists(s, a->session_id);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        return insert_accepted(s, a);
}

int session_store_get_accepted(SessionStore *s, SessionAccepted *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        if (!s || !ret)
                return -EINVAL;
        r = prepare(s,
                    "SELECT session_id, accepted_usec, hrvt1_bpm, hrvt2_bpm, hrvt1_kmh, hrvt2_kmh"
                    " FROM accepted_thresholds ORDER BY id DESC LIMIT 1",
                    &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return fail(s, rc, "Failed to read the accepted thresholds");
        *ret = (SessionAccepted){
                .session_id =
                        sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0),
                .accepted_wall_usec = (uint64_t)sqlite3_column_int64(st, 1),
                .hrvt1_bpm = column_double(st, 2),
                .hrvt2_bpm = column_double(st, 3),
                .hrvt1_kmh = column_double(st, 4),
                .hrvt2_kmh = column_double(st, 5),
        };
        return 0;
}

/* ---- Time-trial results ---- */

int session_store_add_result(SessionStore *s, int64_t session_id, const TrialResult *t)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char laps[TRIAL_LAPS_MAX * 12 + 4];
        int r, rc;

        if (!s || !t || session_id <= 0 || !isfinite(t->distance_m) || !isfinite(t->time_s))
                return -EINVAL;
        if (s->reader)
                return -EROFS;
        r = prepare(s,
                    "INSERT INTO results (session_id, distance_m, time_s, goal_s, complete, best,"
                    " laps_json) VALUES (?,?,?,?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, session_id);
        sqlite3_bind_double(st, 2, t->distance_m);
        sqlite3_bind_double(st, 3, t->time_s);
        bind_double(st, 4, t->goal_s);
        sqlite3_bind_int(st, 5, t->complete);
        sqlite3_bind_int(st, 6, t->best);
        bind_text(st, 7, trial_laps_to_json(t, laps, sizeof(laps)));
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to store the result");
        return 0;
}

int session_store_best_result(SessionStore *s, double distance_m, int64_t exclude_id,
                              double *ret_time_s)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        if (!s || !ret_time_s || !isfinite(distance_m))
                return -EINVAL;
        r = prepare(s,
                    "SELECT min(time_s) FROM results WHERE complete AND session_id != ?"
                    " AND abs(distance_m - ?) < 1",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, exclude_id);
        sqlite3_bind_double(st, 2, distance_m);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return fail(s, rc, "Failed to read the results");
        if (sqlite3_column_type(st, 0) == SQLITE_NULL)
                return -ENOENT;
        *ret_time_s = sqlite3_column_double(st, 0);
        return 0;
}

int session_store_accept_result(SessionStore *s, int64_t session_id, uint64_t now_wall_usec,
                                SessionAcceptedResult *ret)
{
        _cleanup_stmt_ sqlite3_stmt *q = NULL, *st = NULL;
        SessionAcceptedResult a;
        int r, rc;

        if (!s || session_id <= 0)
                return -EINVAL;
        if (s->reader)
                return -EROFS;
        r = session_exists(s, session_id);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        r = prepare(s,
                    "SELECT distance_m, time_s FROM results WHERE session_id = ? AND complete"
                    " ORDER BY id DESC LIMIT 1",
                    &q);
        if (r < 0)
                return r;
        sqlite3_bind_int64(q, 1, session_id);
        rc = sqlite3_step(q);
        if (rc == SQLITE_DONE)
                return -ENODATA;
        if (rc != SQLITE_ROW)
                return fail(s, rc, "Failed to read the results");
        a = (SessionAcceptedResult){
                .session_id = session_id,
                .accepted_wall_usec = now_wall_usec,
                .distance_m = sqlite3_column_double(q, 0),
                .time_s = sqlite3_column_double(q, 1),
        };
        r = prepare(s,
                    "INSERT INTO accepted_results (session_id, accepted_usec, distance_m, time_s)"
                    " VALUES (?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, session_id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now_wall_usec);
        sqlite3_bind_double(st, 3, a.distance_m);
        sqlite3_bind_double(st, 4, a.time_s);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to store the accepted result");
        if (ret)
                *ret = a;
        return 0;
}

int session_store_get_accepted_result(SessionStore *s, double distance_m,
                                      SessionAcceptedResult *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        if (!s || !ret)
                return -EINVAL;
        r = prepare(s,
                    "SELECT session_id, accepted_usec, distance_m, time_s FROM accepted_results"
                    " WHERE abs(distance_m - ?) < 1 ORDER BY id DESC LIMIT 1",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_double(st, 1, distance_m);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return fail(s, rc, "Failed to read the accepted results");
        *ret = (SessionAcceptedResult){
                .session_id =
                        sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0),
                .accepted_wall_usec = (uint64_t)sqlite3_column_int64(st, 1),
                .distance_m = sqlite3_column_double(st, 2),
                .time_s = sqlite3_column_double(st, 3),
        };
        return 0;
}

/* ---- Deleting a session ---- */

bool session_store_is_pending(const SessionStore *s, int64_t id)
{
        for (size_t i = 0; s && id > 0 && i < s->n_sessions; i++)
                if (s->sessions[i]->id == id)
                        return true;
        return false;
}

int session_store_delete(SessionStore *s, int64_t id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        if (!s || id <= 0)
                return -EINVAL;
        /* Rows of it still wait to be written: not now. */
        for (size_t i = 0; i < s->n_sessions; i++)
                if (s->sessions[i]->id == id)
                        return -EBUSY;
        /* Samples, RR, laps, events, thresholds and results go with it
         * (ON DELETE CASCADE); accepted values keep their copies. */
        r = prepare(s, "DELETE FROM sessions WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to delete the session");
        return sqlite3_changes(s->db) == 1 ? 0 : -ENOENT;
}

/* ---- the spool: what could not be written when paced stopped ---- */

static char *spool_path(const SessionStore *s)
{
        char *p = NULL;

        if (!s->dir || asprintf(&p, "%s/%s", s->dir, SESSION_STORE_SPOOL_NAME) < 0)
                return NULL;
        return p;
}

static void spool_unlink(const char *path)
{
        char extra[PATH_MAX];

        (void)unlink(path);
        snprintf(extra, sizeof(extra), "%s-wal", path);
        (void)unlink(extra);
        snprintf(extra, sizeof(extra), "%s-shm", path);
        (void)unlink(extra);
        snprintf(extra, sizeof(extra), "%s-journal", path);
        (void)unlink(extra);
}

/*
 * Every session that waits in memory, into the spool: a database of the
 * same schema beside paced.db, which no other process holds (a locked,
 * full or read-only paced.db is why we are here; a full or read-only
 * directory fails this too, and then the rows are lost as before). Each
 * session gets a row of its own in the spool, and spool_sessions says
 * which row of paced.db (if any) it continues. Appends to a spool an
 * earlier stop left unimported.
 */
static int spool_write(SessionStore *s)
{
        _cleanup_(session_store_freep) SessionStore *sp = NULL;
        _cleanup_free_ char *path = spool_path(s);
        size_t samples = 0;
        int r;

        if (!path)
                return -ENOMEM;
        sp = store_new(false);
        if (!sp)
                return -ENOMEM;
        r = open_connection(sp, path, false);
        if (r >= 0)
                r = exec(sp,
                         "CREATE TABLE IF NOT EXISTS spool_sessions ("
                         "  spool_id INTEGER PRIMARY KEY REFERENCES sessions(id),"
                         "  main_id INTEGER NOT NULL, attached INTEGER NOT NULL,"
                         "  ended INTEGER NOT NULL, resume INTEGER NOT NULL)",
                         "Failed to set up the spool");
        if (r >= 0)
                r = exec(sp, "BEGIN IMMEDIATE", "Failed to start a transaction");
        for (size_t i = 0; r >= 0 && i < s->n_sessions; i++) {
                PendingSession *ps = s->sessions[i];
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                int64_t sid = 0;
                int rc;

                if (!pending_session_has_work(ps))
                        continue;
                r = insert_session_row(sp, ps, &sid);
                if (r >= 0)
                        r = insert_rows(sp, ps, sid);
                if (r >= 0 && ps->ended && !ps->attached)
                        r = close_session_row(sp, sid, ps->end_wall_usec, ps->end_reason);
                if (r >= 0)
                        r = prepare(sp,
                                    "INSERT INTO spool_sessions (spool_id, main_id, attached,"
                                    " ended, resume) VALUES (?,?,?,?,?)",
                                    &st);
                if (r < 0)
                        break;
                sqlite3_bind_int64(st, 1, sid);
                sqlite3_bind_int64(st, 2, ps->id);
                sqlite3_bind_int(st, 3, ps->attached);
                sqlite3_bind_int(st, 4, ps->ended);
                sqlite3_bind_int(st, 5, ps->resume);
                rc = sqlite3_step(st);
                if (rc != SQLITE_DONE)
                        r = fail(sp, rc, "Failed to write the spool");
                samples += ps->n_samples;
        }
        if (r >= 0)
                r = exec(sp, "COMMIT", "Failed to commit the spool");
        if (r < 0) {
                if (sp->db && !sqlite3_get_autocommit(sp->db))
                        sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
                snprintf(s->error, sizeof(s->error), "%s", sp->error);
                return r;
        }
        /* Written: nothing of it waits in memory any more. */
        free_pending(s);
        s->spooled += samples;
        return 0;
}

/* "a, b, c": table's columns in the spool but id and session_id, or NULL. */
static char *spool_columns(SessionStore *s, const char *table, bool with_session_id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *sql = NULL;
        char *buf = NULL;
        size_t size = 0;
        bool first = true;
        FILE *f;
        int rc;

        if (asprintf(&sql, "SELECT name FROM pragma_table_info('%s', 'spool')", table) < 0 ||
            prepare(s, sql, &st) < 0)
                return NULL;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *c = (const char *)sqlite3_column_text(st, 0);

                if (!c || streq(c, "id") || (!with_session_id && streq(c, "session_id")))
                        continue;
                fprintf(f, "%s\"%s\"", first ? "" : ", ", c);
                first = false;
        }
        if (fclose(f) != 0 || rc != SQLITE_DONE || first) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* Runs sql (one statement, ?1 = a, ?2 = b if it has one). */
static int spool_exec2(SessionStore *s, const char *sql, int64_t a, int64_t b)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, a);
        sqlite3_bind_int64(st, 2, b);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return fail(s, rc, "Failed to import the spool");
        return 0;
}

/* One spooled session into paced.db: continues main_id if it is still there. */
static int spool_import_session(SessionStore *s, int64_t sid, int64_t main_id, bool attached,
                                bool ended)
{
        static const char *const tables[] = {"samples", "rr", "laps", "events", "thresholds"};
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int64_t target = 0;
        int r, rc;

        if (main_id > 0) {
                r = prepare(s, "SELECT 1 FROM main.sessions WHERE id = ?", &st);
                if (r < 0)
                        return r;
                sqlite3_bind_int64(st, 1, main_id);
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW)
                        target = main_id;
                else if (rc != SQLITE_DONE)
                        return fail(s, rc, "Failed to import the spool");
        }
        if (target == 0 && attached)
                return 0; /* rows for a session since deleted */
        if (target == 0) {
                _cleanup_free_ char *cols = spool_columns(s, "sessions", false);
                _cleanup_free_ char *sql = NULL;

                if (!cols || asprintf(&sql,
                                      "INSERT INTO main.sessions (%s) SELECT %s FROM "
                                      "spool.sessions WHERE id = ?1",
                                      cols, cols) < 0)
                        return -ENOMEM;
                r = spool_exec2(s, sql, sid, 0);
                if (r < 0)
                        return r;
                target = sqlite3_last_insert_rowid(s->db);
        } else if (ended && !attached) {
                /* Its end, which the stop could not write (recovery would
                 * have called it interrupted). */
                r = spool_exec2(
                        s,
                        "UPDATE main.sessions SET"
                        " end_usec = (SELECT end_usec FROM spool.sessions WHERE id = ?1),"
                        " end_reason = (SELECT end_reason FROM spool.sessions WHERE id = ?1)"
                        " WHERE id = ?2",
                        sid, target);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(tables); i++) {
                _cleanup_free_ char *cols = spool_columns(s, tables[i], false);
                _cleanup_free_ char *sql = NULL;

                if (!cols || asprintf(&sql,
                                      "INSERT INTO main.%s (session_id, %s) SELECT ?2, %s FROM "
                                      "spool.%s WHERE session_id = ?1",
                                      tables[i], cols, cols, tables[i]) < 0)
                        return -ENOMEM;
                r = spool_exec2(s, sql, sid, target);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * The spool an earlier stop left, into paced.db in one transaction, then
 * removed: 0 if there was none or it is imported. Runs before the crash
 * recovery, so that a session whose end is in the spool is not called
 * interrupted. A spool that cannot be read stays for a later start.
 */
static int spool_import(SessionStore *s)
{
        _cleanup_free_ char *path = spool_path(s);
        _cleanup_stmt_ sqlite3_stmt *att = NULL, *st = NULL;
        int r, rc;

        if (!path)
                return -ENOMEM;
        if (access(path, F_OK) < 0)
                return 0;
        r = prepare(s, "ATTACH ? AS spool", &att);
        if (r < 0)
                return r;
        sqlite3_bind_text(att, 1, path, -1, SQLITE_STATIC);
        rc = sqlite3_step(att);
        if (rc != SQLITE_DONE)
                return fail(s, rc, "Failed to open the spool");
        r = exec(s, "BEGIN IMMEDIATE", "Failed to start a transaction");
        if (r >= 0)
                r = prepare(s,
                            "SELECT spool_id, main_id, attached, ended FROM spool.spool_sessions"
                            " ORDER BY spool_id",
                            &st);
        while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                r = spool_import_session(s, sqlite3_column_int64(st, 0),
                                         sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2),
                                         sqlite3_column_int(st, 3));
        if (r >= 0 && rc != SQLITE_DONE)
                r = fail(s, rc, "Failed to read the spool");
        sqlite3_finalize(st);
        st = NULL;
        if (r >= 0)
                r = exec(s, "COMMIT", "Failed to commit the spool's import");
        if (r < 0 && !sqlite3_get_autocommit(s->db))
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_exec(s->db, "DETACH spool", NULL, NULL, NULL);
        if (r >= 0)
                spool_unlink(path);
        return r;
}
