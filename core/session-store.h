/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The session store: every run kept in one SQLite database in the state
 * directory (WAL, foreign keys, schema versioned through PRAGMA user_version
 * with migrations from older schemas; see docs/sessions.md).
 *
 * Writer side (the daemon's manager): session_store_new() opens the database
 * if it can (else it keeps trying at each flush) and marks any session left
 * unfinished by a crash as interrupted; begin() starts a session; add_*()
 * only buffer in memory; flush() commits everything buffered in one
 * transaction. The manager arms a one-shot timer to next_flush() after
 * adding data, so a kill -9 loses at most the last second. Nothing ever
 * waits for a lock (busy_timeout 0: paced runs this on its event loop):
 * a locked database, a full disk or a read-only directory fail the flush at
 * once with a negative errno plus session_store_last_error(), the sessions
 * and their rows stay in memory (within a budget of hours, see
 * docs/sessions.md) and the next flush tries again, so the workout carries
 * on and nothing is lost to a transient fault.
 *
 * Reader side (pacectl history/show/export/report/analyze): list() and
 * load() on a store opened with session_store_open_db(..., reader=true),
 * which never marks anything interrupted (the daemon may be mid-session).
 *
 * Times: wall-clock times are CLOCK_REALTIME in microseconds; everything
 * within a session is elapsed seconds since its start (double). The flush
 * clock is whatever monotonic usec the caller uses for its timers.
 * Unknown values: NAN for doubles, 0 for hr_bpm / zone, -1 for step_index.
 *
 * No logging, no sd-*: errors are returned and the caller logs.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trial-result.h"
#include "workout.h"

#define SESSION_STORE_DB_NAME "paced.db"
/* What paced could not write when it stopped: imported at the next open. */
#define SESSION_STORE_SPOOL_NAME  "paced-spool.db"
#define SESSION_STORE_DEFAULT_DIR "/var/lib/paced"
/* Current schema version (PRAGMA user_version). */
#define SESSION_STORE_SCHEMA_VERSION 5
/* Commit at most this often: the bound on what a crash of paced can lose. */
#define SESSION_STORE_FLUSH_INTERVAL_USEC (1000 * 1000ULL)
/* Make the commits durable (fsync) at least this often: the bound on what a
 * power cut can lose. Commits in between are not synced (WAL with
 * synchronous = NORMAL): a crash of paced loses none of them, the kernel
 * has them. Session ends and the owner's jobs are synced at once. */
#define SESSION_STORE_SYNC_INTERVAL_USEC (30 * 1000 * 1000ULL)
#define SESSION_ZONES_MAX                5

typedef struct SessionStore SessionStore;

typedef enum SessionEndReason {
        SESSION_END_FINISHED,    /* workout completed */
        SESSION_END_ABORTED,     /* stopped by the runner or by a safety rule */
        SESSION_END_INTERRUPTED, /* daemon died mid-session: found on the next open */
        _SESSION_END_MAX,
        _SESSION_END_INVALID = -EINVAL,
} SessionEndReason;

typedef enum LapKind {
        LAP_KIND_STEP,  /* one per workout step */
        LAP_KIND_400M,  /* auto-lap every 400 m */
        LAP_KIND_MILE,  /* auto-lap every mile */
        LAP_KIND_TRIAL, /* a lap of a time trial (numbered from 1 in the trial) */
        _LAP_KIND_MAX,
        _LAP_KIND_INVALID = -EINVAL,
} LapKind;

typedef enum SessionEventType {
        SESSION_EVENT_START,
        SESSION_EVENT_STOP,
        SESSION_EVENT_PAUSE,
        SESSION_EVENT_RESUME,
        SESSION_EVENT_STEP_CHANGE, /* json: {"step":N} */
        SESSION_EVENT_CLAMP,       /* a target was limited by a cap */
        SESSION_EVENT_SAFETY,      /* a safety action (belt stopped, speed held, ...) */
        SESSION_EVENT_CP_ERROR,    /* FTMS control point refused/failed */
        SESSION_EVENT_LINK_LOST,   /* json: {"device":"treadmill"|"hrm"} */
        SESSION_EVENT_LINK_RESTORED,
        SESSION_EVENT_CROSSOVER, /* alpha1 crossed a threshold; json: {"alpha1":0.75,
                                  * "hr_bpm":..,"speed_kmh":..} */
        SESSION_EVENT_NOTE,
        _SESSION_EVENT_MAX,
        _SESSION_EVENT_INVALID = -EINVAL,
} SessionEventType;

/* What begin() records about the session; strings may be NULL. Copied. */
typedef struct SessionInfo {
        const char *workout_name;
        const char *workout_source;
        const ResolvedWorkout *workout; /* steps stored as JSON; NULL for a free run */
        const char *profile_json;       /* snapshot of the runner's profile, NULL if none */
        /* Upper HR bound (bpm) of zones 1..n, ascending; n_zones = 0 if unknown. */
        unsigned zone_max_bpm[SESSION_ZONES_MAX];
        unsigned n_zones;
        const char *treadmill_address, *treadmill_name;
        const char *hrm_address, *hrm_name;
} SessionInfo;

typedef struct SessionSample {
        double t_s;           /* elapsed since session start, 1 Hz */
        double commanded_kmh; /* last speed commanded through the CP; NAN if none */
        double speed_kmh;     /* measured by the treadmill; NAN if unknown */
        double incline_pct;   /* NAN if unknown */
        double distance_m;    /* treadmill distance since session start; NAN if unknown */
        unsigned hr_bpm;      /* 0 if unknown */
        unsigned zone;        /* 1..n, 0 if unknown */
        int step_index;       /* index into the resolved steps, -1 if none */
        double alpha1;        /* NAN until known */
        /* The footpod's ([Devices] footpod); stored only while it reports. */
        double footpod_kmh;   /* stored only when > 0 (NAN when read back) */
        unsigned cadence_spm; /* steps per minute, both feet; 0 if unknown */
        double stride_m;      /* one step; stored only when > 0 */
} SessionSample;

/*
 * A longer interval between two samples is time paced did not record: it
 * was stopped (a crash, then a resumed session). The samples stay on the
 * session's real clock, so the outage is a gap: not time at the last
 * sample's values, not timer time (FIT), a new track (TCX), a break in the
 * report's lines. A sample stands for the second after it.
 *
 * Unless the distance ran on across it (session_gap_run()): a resumed
 * session carries on from the last stored distance, so across an outage the
 * distance stays where it was, while a sample timer that fired late (a
 * loaded machine at a high --time-scale) leaves a long interval the runner
 * did run, and the belt's distance with it. Such an interval is moving
 * time, no gap (docs/sessions.md, "Crashes").
 */
#define SESSION_SAMPLE_GAP_S     5.0
#define SESSION_SAMPLE_GAP_S_STR "5.0" /* for SQL */
/* An interval was run when its distance advanced at this fraction of the
 * belt's speed (the lower of the two ends'), and at least at
 * SESSION_GAP_RUN_KMH: an outage's distance is flat but for a second or two
 * of running after the resume, less than half of any gap's 6 s or more. */
#define SESSION_GAP_RUN_FRACTION 0.5
#define SESSION_GAP_RUN_KMH      1.0

/*
 * Whether the interval from sample a to b was run. c is the sample after b
 * (NULL if none): the treadmill's record that brings the distance a late
 * loop missed may come just after b was taken, so the distance is read up to
 * c when c is less than SESSION_SAMPLE_GAP_S after b. An unknown distance
 * is not run. The session store's SQL calls it too (paced_gap_run()).
 */
bool session_gap_run(const SessionSample *a, const SessionSample *b, const SessionSample *c);

/* True when samples i-1 and i (of n) are a gap apart: paced was stopped. */
static inline bool session_sample_gap(const SessionSample *x, size_t n, size_t i)
{
        return i > 0 && i < n && x[i].t_s - x[i - 1].t_s > SESSION_SAMPLE_GAP_S &&
               !session_gap_run(&x[i - 1], &x[i], i + 1 < n ? &x[i + 1] : NULL);
}

typedef struct SessionRr {
        double t_s; /* elapsed time at which the beat ended */
        unsigned rr_ms;
        bool artifact; /* one per repair by the RR cleaner (RrBeat.counted) */
} SessionRr;

typedef struct SessionLap {
        LapKind kind;
        int step_index; /* LAP_KIND_STEP: the step; -1 otherwise */
        double start_s, end_s;
        double distance_m;
        double avg_hr_bpm; /* NAN if no HR */
        double max_hr_bpm; /* NAN if no HR */
        double avg_speed_kmh;
} SessionLap;

typedef struct SessionEvent {
        double t_s;
        SessionEventType type;
        const char *text; /* human-readable, may be NULL */
        const char *json; /* details as a JSON object, may be NULL */
} SessionEvent;

/* A threshold estimate (DFA alpha1 crossover or other method). */
typedef struct SessionThreshold {
        const char *kind;   /* "aet" (alpha1 0.75), "ant" (alpha1 0.5), ... */
        const char *method; /* "dfa-a1-crossover", ... */
        double alpha1;      /* the alpha1 level crossed, NAN if n/a */
        double hr_bpm;      /* NAN if unknown */
        double speed_kmh;   /* NAN if unknown */
        double t_s;         /* when in the session, NAN if n/a */
        double confidence;  /* 0..1, NAN if unknown */
        const char *json;   /* details, may be NULL */
} SessionThreshold;

/* What open() found about a crash: the newest session it marked interrupted. */
typedef struct SessionResume {
        int64_t id;
        uint64_t start_wall_usec;
        double last_t_s; /* elapsed time of the last stored sample */
        double last_distance_m;
        int last_step_index; /* -1 if none */
} SessionResume;

/*
 * Opens (creating if needed) dir/paced.db for writing, migrates the schema
 * and marks unfinished sessions interrupted. -EROFS/-EACCES for a read-only
 * directory, -ENOSPC for a full disk, -EBUSY if another process holds the
 * write lock, -EPROTO for a schema newer than this build. On failure *ret
 * is untouched. (Tools and tests; the daemon uses session_store_new().)
 */
int session_store_open(SessionStore **ret, const char *dir);
/*
 * The daemon's store: as session_store_open(), but a database that cannot
 * be opened now is not an error (only -ENOMEM and -EINVAL are): sessions are
 * kept in memory and the open is retried at each flush that has something
 * to write. session_store_is_open() and session_store_last_error() tell.
 */
int session_store_new(SessionStore **ret, const char *dir);
bool session_store_is_open(const SessionStore *s);
/*
 * Opens a database file directly. reader=true (the CLI): never creates the
 * file (-ENOENT), never marks sessions interrupted (the daemon may be
 * mid-session); an older schema is migrated when the file is writable, else
 * -EPROTO. reader=false behaves as session_store_open().
 */
int session_store_open_db(SessionStore **ret, const char *db_path, bool reader);
/* Flushes what it can, then closes. What it cannot write (the database
 * locked, full, read-only) goes to SESSION_STORE_SPOOL_NAME beside it,
 * which the next writer's open imports before its crash recovery. */
SessionStore *session_store_free(SessionStore *s);
/* What free() does first: 0 all written, 1 the rest spooled
 * (session_store_spooled() samples), or a negative errno: it is lost. */
int session_store_finish(SessionStore *s);
size_t session_store_spooled(const SessionStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(SessionStore *, session_store_free);

/* The path the CLI uses: --db, else --state-dir, else $PACED_STATE_DIR, else default.
 * Returns a malloc'd string or NULL on OOM. */
char *session_store_db_path(const char *db_opt, const char *state_dir_opt);

/* The last SQLite/errno message for a failure, "" if none. Valid until the next call. */
const char *session_store_last_error(const SessionStore *s);
/* True while the last flush failed (data kept in memory, retried). */
bool session_store_degraded(const SessionStore *s);

typedef enum SessionStoreState {
        SESSION_STORE_OK,          /* open, and the last write worked */
        SESSION_STORE_UNAVAILABLE, /* cannot be opened; nothing is waiting to be written */
        SESSION_STORE_BUFFERING,   /* cannot be written now: kept in memory, retried */
        SESSION_STORE_DROPPING,    /* ... and the memory budget is spent: new rows dropped */
        _SESSION_STORE_STATE_MAX,
        _SESSION_STORE_STATE_INVALID = -EINVAL,
} SessionStoreState;

SessionStoreState session_store_get_state(const SessionStore *s);
const char *session_store_state_to_string(SessionStoreState st);
/* The memory budget in samples (default four hours; RR intervals four per
 * sample). For tests, and a Pi with little memory. */
int session_store_set_buffer_limit(SessionStore *s, size_t max_samples);
/* Samples waiting in memory, all sessions together. */
size_t session_store_buffered(const SessionStore *s);
/* Caps the database size (0: no cap); past it, flushes fail with -ENOSPC as on a full
 * disk. A quota for small SD cards, and how the tests make a disk "full". */
int session_store_set_size_limit(SessionStore *s, uint64_t max_bytes);
/* Samples/RR/events dropped because the in-memory buffer hit its cap while degraded. */
uint64_t session_store_dropped(const SessionStore *s);
/* SQL statements the store prepared so far (tests and benchmarks: a flush
 * reuses its statements, only the first prepares them). */
uint64_t session_store_statements_prepared(const SessionStore *s);

/*
 * Writer. begin() starts a session and tries to commit its row at once:
 * 0 if it did (*ret_id its id), 1 if the session is kept in memory for now
 * (*ret_id 0; session_store_current() has the id once a flush wrote it), a
 * negative errno if it was refused (-EBUSY: a session is current; -ENOBUFS:
 * too many sessions wait to be written already).
 */
int session_store_begin(SessionStore *s, uint64_t start_wall_usec, const SessionInfo *info,
                        int64_t *ret_id);
/* Rows of the current session: -EINVAL without one, -ENOBUFS when the memory
 * budget is spent (the row is dropped and counted). */
int session_store_add_sample(SessionStore *s, const SessionSample *sample);
int session_store_add_rr(SessionStore *s, const SessionRr *rr);
int session_store_add_lap(SessionStore *s, const SessionLap *lap);
int session_store_add_event(SessionStore *s, const SessionEvent *event);
/* A threshold result for a session: 0 for the current one. The daemon's
 * store buffers it like any row; a reader (`pacectl analyze`) writes it at once. */
int session_store_add_threshold(SessionStore *s, int64_t session_id, const SessionThreshold *t);
/* Commits all buffered rows in one transaction. now_usec: the caller's monotonic clock. */
int session_store_flush(SessionStore *s, uint64_t now_usec);
/*
 * The same flush in three parts, for a writer thread that keeps the commit
 * and its fsync off the event loop (daemon/store-writer.c). No threads
 * here: the caller guarantees that
 *  - flush_start() and flush_finish() run on the thread that owns the store;
 *  - between the two, batch_commit() runs once, anywhere, and the owner
 *    calls nothing of the store that touches the database (those calls
 *    return -EBUSY meanwhile; adding rows, begin() and end() are fine).
 * flush_start(): 1 and *ret a batch, 0 if nothing waits (*ret NULL), -EBUSY
 * if a batch is in flight. flush_finish() applies the commit's outcome,
 * frees the batch and returns what session_store_flush() would have.
 */
typedef struct SessionStoreBatch SessionStoreBatch;
int session_store_flush_start(SessionStore *s, uint64_t now_usec, SessionStoreBatch **ret);
int session_store_batch_commit(SessionStoreBatch *b);
int session_store_flush_finish(SessionStore *s, SessionStoreBatch *b);
SessionStoreBatch *session_store_batch_free(SessionStoreBatch *b); /* a batch never finished */
DEFINE_TRIVIAL_CLEANUP_FUNC(SessionStoreBatch *, session_store_batch_free);
/*
 * The owner's other work on the database (a read, a delete, a result),
 * done the same way: job_start() takes the rows that wait as flush_start()
 * does (a batch even if none wait) and batch_commit() runs job(batch's
 * store, userdata) after committing them, on the batch's own store (no
 * rows in memory: use it for the database only). Its return value and
 * error message: batch_job_result(), before flush_finish() frees the batch.
 */
typedef int (*SessionStoreJob)(SessionStore *s, void *userdata);
int session_store_job_start(SessionStore *s, uint64_t now_usec, SessionStoreJob job, void *userdata,
                            SessionStoreBatch **ret);
int session_store_batch_job_result(const SessionStoreBatch *b, const char **ret_error);
bool session_store_in_flight(const SessionStore *s);
/* A session ended whose end is not written yet (its row not closed). */
bool session_store_has_unwritten_end(const SessionStore *s);
/* async: begin(), end() and resume() only buffer (they return 1), the
 * flushes write; so that nothing writes on the owner's thread. */
void session_store_set_async(SessionStore *s, bool async);
/* When the next flush is due (monotonic usec), USEC_INFINITY (UINT64_MAX) if nothing buffered. */
uint64_t session_store_next_flush(const SessionStore *s);
/* Ends the current session with its end time and reason and tries to write
 * it all: 0 written, 1 kept in memory (written by a later flush). A new
 * session may begin either way. */
int session_store_end(SessionStore *s, uint64_t end_wall_usec, SessionEndReason reason);
/* The id of the session being written, 0 if none or not written yet. */
int64_t session_store_current(const SessionStore *s);
/*
 * An ended session whose every row is now committed: 1, its id and how it
 * ended, 0 if none. ret_ended_unwritten: it ended while it waited in memory
 * without a row, so whoever announced its end had no id to give (may be
 * NULL, like ret_reason).
 */
int session_store_pop_written(SessionStore *s, int64_t *ret_id, SessionEndReason *ret_reason,
                              bool *ret_ended_unwritten);

/* Crash-resume: the newest session this open() marked interrupted. -ENOENT if none. */
int session_store_get_interrupted(const SessionStore *s, SessionResume *ret);
/* Reopens an interrupted session for appending (end reason cleared): 0 done,
 * 1 done in memory (the row is reopened at the next flush). */
int session_store_resume(SessionStore *s, int64_t id);

/* Reader. */
typedef struct SessionListEntry {
        int64_t id;
        uint64_t start_wall_usec;
        uint64_t end_wall_usec;      /* 0 if still running */
        SessionEndReason end_reason; /* _SESSION_END_INVALID while running */
        char *workout_name;
        double duration_s;             /* last sample time, less the gaps */
        double gap_s;                  /* not recorded: paced was stopped */
        double distance_m;             /* NAN if unknown */
        double avg_hr_bpm, max_hr_bpm; /* NAN if unknown */
        double threshold_hr_bpm;       /* the threshold test's HRVT1, NAN if not a test */
        double threshold_speed_kmh;
        double result_time_s;     /* the session's time-trial result, NAN if none */
        double result_distance_m; /* NAN if none */
        bool result_complete, result_best;
        double threshold_ci_lo_bpm, threshold_ci_hi_bpm; /* its 95 % interval, NAN if unknown */
} SessionListEntry;

/* Sessions started at or after since_wall_usec (0: all), oldest first. */
int session_store_list(SessionStore *s, uint64_t since_wall_usec, SessionListEntry **ret,
                       size_t *ret_n);
/* Finished sessions (end time set) with an id above after_id, by id, at most max:
 * what paced-sync has not seen yet. */
int session_store_list_finished(SessionStore *s, int64_t after_id, size_t max,
                                SessionListEntry **ret, size_t *ret_n);
void session_list_free(SessionListEntry *l, size_t n);

/* A resolved step as read back from the stored JSON. */
typedef struct SessionStep {
        StepKind kind;
        StepEnd end;
        double end_value;
        StepControl control;
        double speed_start_kmh, speed_end_kmh;
        double speed_lo_kmh, speed_hi_kmh;
        double hr_lo_bpm, hr_hi_bpm;
        bool has_incline;
        double incline_start_pct, incline_end_pct;
        char label[RESOLVED_STEP_LABEL_MAX]; /* the resolved target: "400 m at 5:20/mi" */
        char cue[RESOLVED_STEP_LABEL_MAX];   /* the author's words: "Jog", "" if none */
        /* Its place in a repeat block: 1-based rep and the block's count, 0 if
         * none. Every schema version stores both in steps_json, so older
         * sessions read them too. */
        unsigned repeat_index, repeat_count;
} SessionStep;

typedef struct SessionEventRow {
        double t_s;
        SessionEventType type;
        char *text; /* NULL if none */
        char *json; /* NULL if none */
} SessionEventRow;

typedef struct SessionThresholdRow {
        char *kind, *method;
        double alpha1, hr_bpm, speed_kmh, t_s, confidence;
        char *json;
} SessionThresholdRow;

/* A threshold row's 95 % interval (NAN if unknown) and grade ('-' if unknown), from its json. */
void session_threshold_interval(const SessionThresholdRow *t, double *ret_lo, double *ret_hi,
                                char *ret_grade);

typedef struct SessionData {
        int64_t id;
        uint64_t start_wall_usec, end_wall_usec;
        SessionEndReason end_reason; /* _SESSION_END_INVALID while running */
        char *workout_name, *workout_source;
        char *steps_json, *profile_json;
        char *treadmill_address, *treadmill_name, *hrm_address, *hrm_name;
        unsigned zone_max_bpm[SESSION_ZONES_MAX];
        unsigned n_zones;

        SessionStep *steps;
        size_t n_steps;
        SessionSample *samples;
        size_t n_samples;
        SessionRr *rr;
        size_t n_rr;
        SessionLap *laps;
        size_t n_laps;
        SessionEventRow *events;
        size_t n_events;
        SessionThresholdRow *thresholds; /* SESSION_METHOD_RAMP_TEST rows only */
        size_t n_thresholds;
        TrialResult *results; /* time-trial results, in the order they were run */
        size_t n_results;
} SessionData;

/* -ENOENT if no such session. */
int session_store_load(SessionStore *s, int64_t id, SessionData **ret);
SessionData *session_data_free(SessionData *d);

const char *session_end_reason_to_string(SessionEndReason r);
SessionEndReason session_end_reason_from_string(const char *s);
const char *lap_kind_to_string(LapKind k);
LapKind lap_kind_from_string(const char *s);
const char *session_event_type_to_string(SessionEventType t);
SessionEventType session_event_type_from_string(const char *s);

/*
 * Thresholds are the HRVT1 ("aet") and HRVT2 ("ant") rows of method
 * SESSION_METHOD_RAMP_TEST: the fit of a session that was a threshold test
 * (threshold-test.h), stored by the daemon when the session ends, with
 * {"test":true,"grade":..,"ci_lo_bpm":..,"ci_hi_bpm":..} in json. Nothing
 * else stored in the table is a threshold: the readers below (history,
 * trend, accept) and the report only ever use these rows. Older paced
 * versions stored "dfa-a1-ramp" fits of any speed rise (a time trial too)
 * and "dfa-a1-live" crossings; those rows are kept but not trusted
 * (pacectl analyze ID re-checks such a session).
 */
#define SESSION_METHOD_RAMP_TEST "dfa-a1-ramp-test"
#define SESSION_METHOD_RAMP      "dfa-a1-ramp" /* before tests were checked: not trusted */

typedef struct SessionThresholdEstimate {
        double hr_bpm;               /* NAN: no estimate */
        double speed_kmh;            /* NAN if unknown */
        double confidence;           /* 0..1, NAN if unknown */
        double ci_lo_bpm, ci_hi_bpm; /* 95 % interval, NAN if unknown */
        char method[24];
} SessionThresholdEstimate;

typedef struct SessionTrendEntry {
        int64_t id;
        uint64_t start_wall_usec;
        char *workout_name;
        SessionThresholdEstimate aet, ant;
} SessionTrendEntry;

/* Threshold tests started at or after since_wall_usec, oldest first. */
int session_store_threshold_trend(SessionStore *s, uint64_t since_wall_usec,
                                  SessionTrendEntry **ret, size_t *ret_n);
void session_trend_free(SessionTrendEntry *l, size_t n);

/*
 * Accepted thresholds (pacectl profile --accept-thresholds): a session's
 * estimates the runner chose to train with. The newest acceptance wins.
 */
typedef struct SessionAccepted {
        int64_t session_id;
        uint64_t accepted_wall_usec;
        double hrvt1_bpm, hrvt2_bpm; /* NAN if that threshold was not found */
        double hrvt1_kmh, hrvt2_kmh; /* NAN if unknown */
} SessionAccepted;

/* Records session_id's threshold-test result (both thresholds) as accepted. -ENOENT: no
 * such session; -ENODATA: it stored no threshold-test result; -EINVAL: HRVT1 not below
 * HRVT2. ret may be NULL. */
int session_store_accept_thresholds(SessionStore *s, int64_t session_id, uint64_t now_wall_usec,
                                    SessionAccepted *ret);
/* Records thresholds the caller worked out (a fresh analysis of a session) as accepted:
 * both must be known, HRVT1 below HRVT2 (-EINVAL). */
int session_store_record_accepted(SessionStore *s, const SessionAccepted *a);
/* The newest accepted thresholds; -ENOENT if none were ever accepted. */
int session_store_get_accepted(SessionStore *s, SessionAccepted *ret);

/*
 * Time-trial results (core/trial-result.h), stored as the trial ends and
 * shown by show, history, the report and the FIT laps. best: faster than
 * every earlier complete result at the same distance (within 1 m).
 */
int session_store_add_result(SessionStore *s, int64_t session_id, const TrialResult *r);
/* The fastest complete result at distance_m in sessions other than exclude_id;
 * -ENOENT if none. */
int session_store_best_result(SessionStore *s, double distance_m, int64_t exclude_id,
                              double *ret_time_s);

/*
 * A result the runner took as a reference race (pacectl profile
 * --accept-result ID): the session's last complete result, copied (deleting
 * the session keeps the profile). -ENOENT: no such session; -ENODATA: it has
 * no complete result. The newest acceptance per distance wins.
 */
typedef struct SessionAcceptedResult {
        int64_t session_id; /* 0 once the session was deleted */
        uint64_t accepted_wall_usec;
        double distance_m, time_s;
} SessionAcceptedResult;

int session_store_accept_result(SessionStore *s, int64_t session_id, uint64_t now_wall_usec,
                                SessionAcceptedResult *ret);
/* The newest accepted result at distance_m (within 1 m); -ENOENT if none. */
int session_store_get_accepted_result(SessionStore *s, double distance_m,
                                      SessionAcceptedResult *ret);

/* Deletes a finished session and everything recorded in it. -ENOENT: no such
 * session; -EBUSY: it is the session being recorded. */
int session_store_delete(SessionStore *s, int64_t id);
/* Rows of session id still wait in memory (delete() would say -EBUSY). */
bool session_store_is_pending(const SessionStore *s, int64_t id);
