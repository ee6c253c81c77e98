/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The outbox: every transfer paced-sync owes a service, in SQLite
 * (outbox.db in its state directory, WAL, synchronous=FULL), so that a
 * session queued is never lost and a restart carries on where it stopped.
 *
 * A job is one session for one service (UNIQUE(service, external_id): it is
 * queued once, whatever triggers ask twice), or a service's calendar. Its
 * state is committed before each step that talks to the service:
 *
 *   pending ──► sending ──► done            (intervals.icu: via marking)
 *      ▲           │  └───► processing ──► done / failed   (Strava's queue)
 *      └───────────┘ (refused before anything was created)
 *
 * "sending" is written before the upload is sent and stays if the answer
 * never came (a timeout, a crash, a kill): the next attempt then asks the
 * service whether the activity exists before sending again, which is what
 * makes a retry never a duplicate. "failed" is final until `pacectl sync
 * retry`; transient trouble stays pending with a later next_usec. A
 * calendar job that is done comes due again at its next_usec.
 * Times are CLOCK_REALTIME usec, passed in. Pure code (SQLite, no sd-*).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define OUTBOX_DB_NAME "outbox.db"

typedef struct Outbox Outbox;

typedef enum JobKind {
        JOB_UPLOAD,
        JOB_CALENDAR,
        _JOB_KIND_MAX,
        _JOB_KIND_INVALID = -EINVAL,
} JobKind;

typedef enum JobState {
        JOB_PENDING,
        JOB_SENDING,    /* the upload may have reached the service: check before resending */
        JOB_PROCESSING, /* accepted, the service is still processing it (remote_id: upload) */
        JOB_MARKING,    /* uploaded (remote_id: activity); its type is being set */
        JOB_DONE,
        JOB_FAILED,
        _JOB_STATE_MAX,
        _JOB_STATE_INVALID = -EINVAL,
} JobState;

typedef struct Job {
        int64_t id;
        char *service; /* "intervals.icu", "strava" */
        JobKind kind;
        int64_t session_id;  /* uploads: paced's session id */
        char *external_id;   /* uploads: "paced-<start usec>-<id>", what the service keeps */
        char *name;          /* uploads: the activity's name */
        uint64_t start_usec; /* uploads: when the session started */
        JobState state;
        unsigned failures;  /* attempts in a row that failed */
        uint64_t next_usec; /* not before this */
        char *remote_id;    /* the service's id: upload or activity */
        char *detail;       /* why it waits or failed, or what it became */
        uint64_t updated_usec;
} Job;

int outbox_open(const char *path, Outbox **ret);
Outbox *outbox_free(Outbox *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(Outbox *, outbox_free);
const char *outbox_last_error(const Outbox *o);

int outbox_begin(Outbox *o);
int outbox_commit(Outbox *o);
void outbox_rollback(Outbox *o);

/* "paced-<start usec>-<session id>": the same for every service and every retry. */
char *outbox_external_id(int64_t session_id, uint64_t start_usec);

/* Queues an upload; 1 if queued now, 0 if it was already queued (or done). */
int outbox_add_upload(Outbox *o, const char *service, int64_t session_id, uint64_t start_usec,
                      const char *name, uint64_t now);
/* Makes sure the service has a calendar job; due now if it is new. */
int outbox_add_calendar(Outbox *o, const char *service, uint64_t now);

/* The service's due job (active, next_usec <= now) that has waited longest; -ENOENT. */
int outbox_next_due(Outbox *o, const char *service, uint64_t now, Job *ret);
/* The earliest next_usec of an active job of service (NULL: any), USEC_INFINITY if none. */
uint64_t outbox_next_wakeup(Outbox *o, const char *service);
/* Writes j's state, failures, next_usec, remote_id and detail. */
int outbox_update(Outbox *o, const Job *j, uint64_t now);
int outbox_get(Outbox *o, int64_t id, Job *ret);
/* Every job, newest first, at most max. */
int outbox_list(Outbox *o, size_t max, Job **ret, size_t *ret_n);
void job_done(Job *j);
void jobs_free(Job *j, size_t n);

/* Active jobs of service (NULL: all) become due now (pacectl sync now). */
int outbox_wake(Outbox *o, const char *service, uint64_t now);
/* Failed uploads become pending again; returns how many. */
int outbox_retry_failed(Outbox *o, uint64_t now);

/* A small key-value store: the sessions seen, when a service was set up, pauses. */
int outbox_get_int(Outbox *o, const char *key, int64_t *ret); /* -ENOENT */
int outbox_set_int(Outbox *o, const char *key, int64_t value);

/* The calendar's last result, one row per event, for the status. */
typedef struct CalendarEntry {
        char *date, *event_id, *name, *type, *outcome;
} CalendarEntry;
int outbox_set_calendar(Outbox *o, const char *service, const CalendarEntry *e, size_t n);
int outbox_list_calendar(Outbox *o, const char *service, CalendarEntry **ret, size_t *ret_n);
void calendar_entries_free(CalendarEntry *e, size_t n);

const char *job_state_to_string(JobState s);
JobState job_state_from_string(const char *s);
const char *job_kind_to_string(JobKind k);
JobKind job_kind_from_string(const char *s);
/* pending, sending, processing and marking: not finished. */
bool job_state_is_active(JobState s);
