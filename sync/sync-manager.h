/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * paced-sync's manager: the one place where paced (over D-Bus), the outbox
 * and the services (over HTTPS) meet. One job at a time per service; a
 * realtime timer wakes the pump at the next job's time. The services'
 * protocols are in sync-intervals.c and sync-strava.c, the D-Bus face in
 * bus-sync.c, paced's side in sync-paced.c.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "http.h"
#include "outbox.h"
#include "secret.h"
#include "sync-config.h"
#include "util.h"

#define SYNC_BUS_NAME  "io.paced.sync1"
#define SYNC_BUS_PATH  "/io/paced/sync1"
#define SYNC_BUS_IFACE "io.paced.sync1.Manager"

#define SYNC_SERVICE_INTERVALS "intervals.icu"
#define SYNC_SERVICE_STRAVA    "strava"

/* The Strava refresh token, in the state directory. */
#define SYNC_STRAVA_TOKEN_FILE "strava-token"

typedef struct SyncManager SyncManager;
typedef struct SyncService SyncService;

typedef enum SyncServiceKind {
        SYNC_INTERVALS,
        SYNC_STRAVA,
        _SYNC_SERVICE_MAX,
} SyncServiceKind;

/* What became of a request, for the decisions every job shares. */
typedef enum HttpOutcome {
        HTTP_OK,         /* 2xx with a body that parsed */
        HTTP_BAD_BODY,   /* 2xx, but truncated, malformed or too large */
        HTTP_AUTH,       /* 401 */
        HTTP_FORBIDDEN,  /* 403 */
        HTTP_NOT_FOUND,  /* 404 */
        HTTP_RATE_LIMIT, /* 429 */
        HTTP_SERVER,     /* 5xx */
        HTTP_CLIENT,     /* another 4xx: the request itself is refused */
        HTTP_NETWORK,    /* no answer: timeout, connection, TLS */
} HttpOutcome;

/* A calendar download on its way to paced: every workout event and what became of it. */
typedef struct CalendarPlan {
        CalendarEntry *entries;
        size_t n;
        unsigned runs, skipped;
} CalendarPlan;

struct SyncService {
        SyncManager *manager;
        SyncServiceKind kind;
        const char *name; /* SYNC_SERVICE_* */
        bool enabled, upload, calendar;
        Secret *secret;        /* intervals.icu: the API key; Strava: the client secret */
        Secret *refresh_token; /* Strava */
        Secret *access_token;  /* Strava, in memory only */
        uint64_t access_expires_usec;
        char *blocked;         /* why it waits for the runner (a key, a login), NULL if not */
        uint64_t paused_until; /* Retry-After, CLOCK_REALTIME usec */

        /* The job in progress. */
        bool busy;
        Job job;
        HttpRequest *request;
        sd_bus_slot *call;
        uint8_t *file; /* the session's FIT */
        size_t file_size;
        bool token_refreshed;                /* this job already refreshed the Strava token once */
        void (*after_token)(SyncService *s); /* the step waiting for a fresh Strava token */
        CalendarPlan plan;                   /* the calendar, waiting for SetPlannedWorkouts */
        /* A D-Bus call waiting for this service (StravaLogin, FetchRunnerSettings), and
         * its request, apart from the job's. */
        sd_bus_message *pending_reply;
        HttpRequest *settings_request;
};

struct SyncManager {
        sd_event *event;
        sd_bus *bus;
        const char *bus_address; /* NULL: the system bus */
        char *config_path, *state_dir;
        const char *admin_group;
        SyncConfig *config;
        Outbox *outbox;
        HttpClient *http;
        SyncService services[_SYNC_SERVICE_MAX];
        sd_event_source *pump_timer, *sigterm_source, *sigint_source;
        sd_bus_slot *match_finished, *match_owner;
        /* Sessions are listed one query at a time; a trigger meanwhile asks again. */
        sd_bus_slot *list_call;
        bool list_again;
        bool pumping, pump_again;
        int exit_code;
};

int sync_manager_new(SyncManager **ret);
SyncManager *sync_manager_free(SyncManager *m);
/* Config, secrets, outbox, bus; then the first discovery and pump. */
int sync_manager_start(SyncManager *m);
int sync_manager_run(SyncManager *m);

uint64_t sync_now(void); /* CLOCK_REALTIME usec */

/* Runs what is due and arms the timer for the next. */
void sync_pump(SyncManager *m);
/* Asks paced for finished sessions not seen yet and queues them. */
void sync_discover_sessions(SyncManager *m);
/* pacectl sync now: secrets read again, every waiting job due now (not before a
 * Retry-After), sessions and the calendar fetched. */
void sync_now_all(SyncManager *m);
/* Reads the service's secrets again; clears a block they caused. */
void sync_service_load_secrets(SyncService *s);

/* ---- what the protocol files use ---- */

HttpOutcome http_outcome(const HttpResponse *r);
/* "HTTP 503: Service Unavailable", "timed out", ... for the status (never a secret). */
char *http_describe(const HttpResponse *r);
/* The job ends (done or failed) or waits (pending/sending/...): written, the service freed. */
void sync_job_finish(SyncService *s, JobState state, const char *detail_fmt, ...) _printf_(3, 4);
/* A failed step: backoff, Retry-After, blocks, as the outcome says; state is what the
 * job becomes (the caller knows whether the service may have acted on the request). */
void sync_job_retry(SyncService *s, JobState state, const HttpResponse *r, const char *what);
/* A step that failed without HTTP (paced, the outbox): wait delay, counting a failure if
 * asked (then the backoff decides the delay when delay is 0). */
void sync_job_later(SyncService *s, JobState state, uint64_t delay, bool count_failure,
                    const char *fmt, ...) _printf_(5, 6);
/* Stops the service until the runner acts (a key, a login); the job waits. */
void sync_service_block(SyncService *s, const char *fmt, ...) _printf_(2, 3);

/* sync-paced.c */
/* Asks paced for the job's session as FIT, then sends it (sync_*_send). */
int sync_export_then_send(SyncService *s);
int sync_paced_set_planned(SyncService *s, sd_bus_message *workouts,
                           sd_bus_message_handler_t callback);
int sync_paced_subscribe(SyncManager *m);

/* sync-intervals.c and sync-strava.c: the step the job's state calls for. */
void sync_intervals_run_job(SyncService *s);
void sync_strava_run_job(SyncService *s);
/* The job's FIT (s->file) goes out: the upload request. */
void sync_intervals_send(SyncService *s);
void sync_strava_send(SyncService *s);
int sync_intervals_fetch_settings(SyncService *s, sd_bus_message *reply_to);
char *sync_strava_authorize_url(SyncService *s);
int sync_strava_login(SyncService *s, const char *code, sd_bus_message *reply_to);

/* bus-sync.c */
int bus_sync_register(SyncManager *m);
