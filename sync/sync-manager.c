/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "backoff.h"
#include "log.h"
#include "sync-manager.h"
#include "util.h"

/* A wait when a 429 names no time: Strava counts in 15-minute windows. */
#define RATE_LIMIT_DEFAULT_USEC (15 * 60 * USEC_PER_SEC)

uint64_t sync_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static double jitter(void)
{
        uint32_t x = 0;

        if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != sizeof(x))
                return 0.5;
        return (double)x / 4294967296.0;
}

/* ---- outcomes ---- */

HttpOutcome http_outcome(const HttpResponse *r)
{
        if (r->result != CURLE_OK && !(r->too_large && r->status >= 200 && r->status < 300))
                return r->status >= 400 ? http_outcome(&(HttpResponse){.status = r->status,
                                                                       .result = CURLE_OK})
                                        : HTTP_NETWORK;
        switch (r->status) {
        case 401:
                return HTTP_AUTH;
        case 403:
                return HTTP_FORBIDDEN;
        case 404:
                return HTTP_NOT_FOUND;
        case 429:
                return HTTP_RATE_LIMIT;
        default:
                break;
        }
        if (r->status >= 200 && r->status < 300)
                return r->too_large ? HTTP_BAD_BODY : HTTP_OK;
        if (r->status >= 500)
                return HTTP_SERVER;
        if (r->status >= 400)
                return HTTP_CLIENT;
        return HTTP_NETWORK; /* 1xx/3xx as a final answer: no redirects are followed */
}

char *http_describe(const HttpResponse *r)
{
        char *s = NULL;

        if (r->too_large)
                s = strdup("the answer was larger than 2 MiB");
        else if (r->result != CURLE_OK)
                s = strdup(r->result == CURLE_OPERATION_TIMEDOUT ? "timed out" : r->error);
        else if (asprintf(&s, "HTTP %ld", r->status) < 0)
                s = NULL;
        return s;
}

/* ---- jobs ---- */

static void service_release(SyncService *s)
{
        job_done(&s->job);
        free(s->file);
        s->file = NULL;
        s->file_size = 0;
        s->token_refreshed = false;
        s->busy = false;
}

static int pump_defer(SyncManager *m);

void sync_job_finish(SyncService *s, JobState state, const char *detail_fmt, ...)
{
        SyncManager *m = s->manager;
        char *detail = NULL;
        va_list ap;
        int r;

        if (detail_fmt) {
                va_start(ap, detail_fmt);
                if (vasprintf(&detail, detail_fmt, ap) < 0)
                        detail = NULL;
                va_end(ap);
        }
        free(s->job.detail);
        s->job.detail = detail;
        s->job.state = state;
        /* A step that ended: the count of failures in a row starts again. The caller
         * sets next_usec for a later step (a poll, the next calendar). */
        s->job.failures = 0;
        if (state == JOB_DONE || state == JOB_FAILED) {
                if (s->job.kind != JOB_CALENDAR)
                        s->job.next_usec = 0;
        } else
                s->job.next_usec = MAX(s->job.next_usec, sync_now());
        r = outbox_update(m->outbox, &s->job, sync_now());
        if (r < 0)
                log_error_errno(r, "Cannot record job %" PRIi64 ": %s", s->job.id,
                                outbox_last_error(m->outbox));
        if (s->job.kind == JOB_UPLOAD && (state == JOB_DONE || state == JOB_FAILED))
                log_info("%s: session %" PRIi64 ": %s.", s->name, s->job.session_id,
                         detail ? detail : job_state_to_string(state));
        else if (s->job.kind == JOB_CALENDAR && state == JOB_DONE)
                log_info("%s: calendar: %s.", s->name, detail ? detail : "done");
        service_release(s);
        (void)pump_defer(m);
}

void sync_service_block(SyncService *s, const char *fmt, ...)
{
        va_list ap;
        char *why = NULL;

        va_start(ap, fmt);
        if (vasprintf(&why, fmt, ap) < 0)
                why = NULL;
        va_end(ap);
        if (!why)
                return;
        if (!s->blocked || !streq(s->blocked, why))
                log_warning("%s: %s", s->name, why);
        free(s->blocked);
        s->blocked = why;
}

void sync_job_retry(SyncService *s, JobState state, const HttpResponse *r, const char *what)
{
        SyncManager *m = s->manager;
        _cleanup_free_ char *how = http_describe(r);
        uint64_t now = sync_now(), delay;
        HttpOutcome o = http_outcome(r);

        if (o == HTTP_RATE_LIMIT) {
                /* The service's word, for the whole service, across restarts. */
                s->paused_until =
                        r->retry_after_usec ? r->retry_after_usec : now + RATE_LIMIT_DEFAULT_USEC;
                {
                        char key[64];

                        snprintf(key, sizeof(key), "paused.%s", s->name);
                        (void)outbox_set_int(m->outbox, key, (int64_t)s->paused_until);
                }
                log_notice("%s: rate-limited (429); waiting %" PRIu64 " s as asked.", s->name,
                           (s->paused_until - now + USEC_PER_SEC - 1) / USEC_PER_SEC);
                s->job.next_usec = s->paused_until;
                free(s->job.detail);
                if (asprintf(&s->job.detail, "%s: rate-limited, waiting %" PRIu64 " s", what,
                             (s->paused_until - now + USEC_PER_SEC - 1) / USEC_PER_SEC) < 0)
                        s->job.detail = NULL;
        } else {
                s->job.failures++;
                delay = backoff_delay(m->config->retry_min_usec, m->config->retry_max_usec,
                                      s->job.failures, jitter());
                /* A Retry-After on a 503 counts too. */
                if (r->retry_after_usec > now + delay)
                        delay = r->retry_after_usec - now;
                s->job.next_usec = now + delay;
                free(s->job.detail);
                if (asprintf(&s->job.detail, "%s: %s; attempt %u, next in %" PRIu64 " s", what,
                             how ? how : "failed", s->job.failures + 1,
                             (delay + USEC_PER_SEC - 1) / USEC_PER_SEC) < 0)
                        s->job.detail = NULL;
                log_notice("%s: %s", s->name, s->job.detail ? s->job.detail : what);
        }
        s->job.state = state;
        if (outbox_update(m->outbox, &s->job, now) < 0)
                log_error("Cannot record job %" PRIi64 ": %s", s->job.id,
                          outbox_last_error(m->outbox));
        service_release(s);
        (void)pump_defer(m);
}

void sync_job_later(SyncService *s, JobState state, uint64_t delay, bool count_failure,
                    const char *fmt, ...)
{
        SyncManager *m = s->manager;
        uint64_t now = sync_now();
        va_list ap;

        if (count_failure) {
                s->job.failures++;
                if (delay == 0)
                        delay = backoff_delay(m->config->retry_min_usec, m->config->retry_max_usec,
                                              s->job.failures, jitter());
        }
        free(s->job.detail);
        va_start(ap, fmt);
        if (vasprintf(&s->job.detail, fmt, ap) < 0)
                s->job.detail = NULL;
        va_end(ap);
        s->job.state = state;
        s->job.next_usec = now + delay;
        if (count_failure)
                log_notice("%s: %s; attempt %u, next in %" PRIu64 " s", s->name,
                           s->job.detail ? s->job.detail : "failed", s->job.failures + 1,
                           (delay + USEC_PER_SEC - 1) / USEC_PER_SEC);
        if (outbox_update(m->outbox, &s->job, now) < 0)
                log_error("Cannot record job %" PRIi64 ": %s", s->job.id,
                          outbox_last_error(m->outbox));
        service_release(s);
        (void)pump_defer(m);
}

/* ---- the pump ---- */

static int pump_timer_handler(sd_event_source *es, uint64_t usec, void *userdata)
{
        sync_pump(userdata);
        return 0;
}

static void arm_pump(SyncManager *m, uint64_t when)
{
        int r;

        if (when == USEC_INFINITY) {
                if (m->pump_timer)
                        (void)sd_event_source_set_enabled(m->pump_timer, SD_EVENT_OFF);
                return;
        }
        if (m->pump_timer) {
                r = sd_event_source_set_time(m->pump_timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->pump_timer, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(m->event, &m->pump_timer, CLOCK_REALTIME, when,
                                      USEC_PER_SEC / 10, pump_timer_handler, m);
                if (r >= 0)
                        (void)sd_event_source_set_description(m->pump_timer, "pump");
        }
        if (r < 0)
                log_warning_errno(r, "Cannot arm the job timer: %m");
}

/* A job ended: the pump runs again, from the event loop (or once more, if this is the pump). */
static int pump_defer(SyncManager *m)
{
        if (m->pumping)
                m->pump_again = true;
        else
                arm_pump(m, 1);
        return 0;
}

/* When a service that can run next has something due. */
static uint64_t next_wakeup(SyncManager *m, uint64_t now)
{
        uint64_t next = USEC_INFINITY;

        for (int i = 0; i < _SYNC_SERVICE_MAX; i++) {
                SyncService *s = &m->services[i];

                /* Busy services pump again when their job ends; blocked ones on sync now. */
                if (!s->enabled || s->blocked || s->busy)
                        continue;
                if (s->paused_until > now)
                        next = MIN(next, s->paused_until);
                else
                        next = MIN(next, outbox_next_wakeup(m->outbox, s->name));
        }
        return next;
}

void sync_pump(SyncManager *m)
{
        uint64_t now;

        if (m->pumping) {
                m->pump_again = true;
                return;
        }
        m->pumping = true;
        do {
                m->pump_again = false;
                now = sync_now();
                for (int i = 0; i < _SYNC_SERVICE_MAX; i++) {
                        SyncService *s = &m->services[i];
                        int r;

                        if (!s->enabled || s->blocked || s->busy || s->paused_until > now)
                                continue;
                        r = outbox_next_due(m->outbox, s->name, now, &s->job);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0) {
                                log_error_errno(r, "Cannot read the outbox: %s",
                                                outbox_last_error(m->outbox));
                                continue;
                        }
                        /* The step may end at once (a refusal, a missing login): then
                         * pump_again says to look again. */
                        s->busy = true;
                        if (s->kind == SYNC_INTERVALS)
                                sync_intervals_run_job(s);
                        else
                                sync_strava_run_job(s);
                }
        } while (m->pump_again);
        m->pumping = false;
        arm_pump(m, next_wakeup(m, sync_now()));
}

void sync_now_all(SyncManager *m)
{
        uint64_t now = sync_now();

        for (int i = 0; i < _SYNC_SERVICE_MAX; i++) {
                SyncService *s = &m->services[i];

                if (!s->enabled)
                        continue;
                sync_service_load_secrets(s);
                /* Not before a Retry-After: that is the service's word. */
                (void)outbox_wake(m->outbox, s->name, MAX(now, s->paused_until));
        }
        sync_discover_sessions(m);
        sync_pump(m);
}

/* ---- secrets ---- */

static Secret *load_secret(const char *service, const char *credential, const char *file,
                           char **ret_why)
{
        Secret *s = NULL;
        int r;

        *ret_why = NULL;
        r = secret_read_credential(credential, &s);
        if (r >= 0)
                return s;
        if (r != -ENOENT)
                log_warning_errno(r, "%s: cannot read the credential %s: %m", service, credential);
        if (!file) {
                if (asprintf(ret_why,
                             "no credential %s (LoadCredential=) and no key file configured",
                             credential) < 0)
                        *ret_why = NULL;
                return NULL;
        }
        r = secret_read_file(file, &s);
        if (r >= 0)
                return s;
        if (r == -EPERM) {
                if (asprintf(ret_why, "%s is readable by others: chmod 0600 %s", file, file) < 0)
                        *ret_why = NULL;
        } else if (asprintf(ret_why, "cannot read %s: %s", file,
                            r == -EBADMSG ? "not a key (empty, or spaces inside)" : strerror(-r)) <
                   0)
                *ret_why = NULL;
        return NULL;
}

void sync_service_load_secrets(SyncService *s)
{
        SyncManager *m = s->manager;
        _cleanup_free_ char *why = NULL, *token_path = NULL;
        const char *cred, *file;
        Secret *sec;
        int r;

        if (!s->enabled)
                return;
        cred = s->kind == SYNC_INTERVALS ? SYNC_CREDENTIAL_INTERVALS_KEY
                                         : SYNC_CREDENTIAL_STRAVA_SECRET;
        file = s->kind == SYNC_INTERVALS ? m->config->intervals.api_key_file
                                         : m->config->strava.client_secret_file;
        sec = load_secret(s->name, cred, file, &why);
        secret_free(s->secret);
        s->secret = sec;
        free(s->blocked);
        s->blocked = NULL;
        if (!sec) {
                sync_service_block(s, "%s", why ? why : "the secret could not be read");
                return;
        }
        if (s->kind != SYNC_STRAVA)
                return;
        if (asprintf(&token_path, "%s/%s", m->state_dir, SYNC_STRAVA_TOKEN_FILE) < 0)
                return;
        s->refresh_token = secret_free(s->refresh_token);
        r = secret_read_file(token_path, &s->refresh_token);
        if (r < 0)
                sync_service_block(s,
                                   r == -ENOENT ? "not logged in: run pacectl sync strava-login"
                                                : "cannot read the Strava login (%s): run "
                                                  "pacectl sync strava-login",
                                   strerror(-r));
}

/* ---- setup ---- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        SyncManager *m = userdata;

        log_info("Exiting on signal %u.", si->ssi_signo);
        (void)sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

int sync_manager_new(SyncManager **ret)
{
        SyncManager *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        for (int i = 0; i < _SYNC_SERVICE_MAX; i++) {
                m->services[i].manager = m;
                m->services[i].kind = (SyncServiceKind)i;
                m->services[i].name =
                        i == SYNC_INTERVALS ? SYNC_SERVICE_INTERVALS : SYNC_SERVICE_STRAVA;
        }
        *ret = m;
        return 0;
}

SyncManager *sync_manager_free(SyncManager *m)
{
        if (!m)
                return NULL;
        for (int i = 0; i < _SYNC_SERVICE_MAX; i++) {
                SyncService *s = &m->services[i];

                http_request_cancel(s->request);
                sd_bus_slot_unref(s->call);
                sd_bus_message_unref(s->pending_reply);
                service_release(s);
                secret_free(s->secret);
                secret_free(s->refresh_token);
                secret_free(s->access_token);
                free(s->blocked);
        }
        sd_bus_slot_unref(m->list_call);
        sd_bus_slot_unref(m->match_finished);
        sd_bus_slot_unref(m->match_owner);
        http_client_free(m->http);
        sd_event_source_disable_unref(m->pump_timer);
        sd_event_source_disable_unref(m->sigterm_source);
        sd_event_source_disable_unref(m->sigint_source);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        outbox_free(m->outbox);
        sync_config_free(m->config);
        free(m->config_path);
        free(m->state_dir);
        free(m);
        return NULL;
}

static int open_bus(SyncManager *m)
{
        int r;

        if (!m->bus_address)
                r = sd_bus_open_system(&m->bus);
        else {
                r = sd_bus_new(&m->bus);
                if (r >= 0)
                        r = sd_bus_set_address(m->bus, m->bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(m->bus, true);
                if (r >= 0)
                        r = sd_bus_start(m->bus);
        }
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the bus: %m");
        return sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
}

static void setup_service(SyncManager *m, SyncService *s)
{
        const SyncConfig *c = m->config;
        char key[64];
        int64_t v;

        if (s->kind == SYNC_INTERVALS) {
                s->enabled = c->intervals.enabled;
                s->upload = c->intervals.upload;
                s->calendar = c->intervals.calendar;
        } else {
                s->enabled = c->strava.enabled;
                s->upload = c->strava.upload;
                s->calendar = false;
        }
        if (!s->enabled)
                return;
        /* Sessions that ended before the service was set up are not uploaded on
         * their own (pacectl sync upload ID does that): a new account does not
         * receive the runner's whole history unasked. */
        snprintf(key, sizeof(key), "since.%s", s->name);
        if (outbox_get_int(m->outbox, key, &v) == -ENOENT)
                (void)outbox_set_int(m->outbox, key, (int64_t)sync_now());
        snprintf(key, sizeof(key), "paused.%s", s->name);
        if (outbox_get_int(m->outbox, key, &v) >= 0 && v > 0)
                s->paused_until = (uint64_t)v;
        if (s->calendar)
                (void)outbox_add_calendar(m->outbox, s->name, sync_now());
        sync_service_load_secrets(s);
        log_info("%s: on (uploads %s, calendar %s)%s%s.", s->name, s->upload ? "on" : "off",
                 s->calendar ? "on" : "off", s->blocked ? "; waiting: " : "",
                 s->blocked ? s->blocked : "");
}

int sync_manager_start(SyncManager *m)
{
        _cleanup_free_ char *db = NULL;
        SyncConfigError e = {};
        int r;

        r = sync_config_load_file(m->config_path, &m->config, &e);
        if (r == -ENOENT)
                /* Installed but not set up: nothing to do, and that is no error. */
                r = sync_config_load_string("", 0, &m->config, &e);
        if (r < 0) {
                if (e.line)
                        log_error("%s:%u: %s", m->config_path, e.line, e.message);
                else
                        log_error("%s", e.message);
                return -EINVAL;
        }
        if (asprintf(&db, "%s/%s", m->state_dir, OUTBOX_DB_NAME) < 0)
                return -ENOMEM;
        r = outbox_open(db, &m->outbox);
        if (r < 0)
                return log_error_errno(r, "Cannot open %s: %s", db, m->outbox ? "" : "");
        r = http_client_new(m->event,
                            &(HttpOptions){.ca_file = m->config->ca_file,
                                           .timeout_usec = m->config->timeout_usec,
                                           .user_agent = "paced-sync/" PACED_VERSION},
                            &m->http);
        if (r < 0)
                return log_error_errno(r, "Cannot set up HTTPS: %m");
        for (int i = 0; i < _SYNC_SERVICE_MAX; i++)
                setup_service(m, &m->services[i]);
        if (!m->config->intervals.enabled && !m->config->strava.enabled)
                log_notice("No service configured in %s: nothing to do (see paced-sync(8)).",
                           m->config_path);

        r = open_bus(m);
        if (r < 0)
                return r;
        r = bus_sync_register(m);
        if (r < 0)
                return log_error_errno(r, "Cannot register on the bus: %m");
        r = sd_bus_request_name(m->bus, SYNC_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot take the bus name " SYNC_BUS_NAME ": %m");
        r = sync_paced_subscribe(m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch paced's signals: %m");

        r = sd_event_add_signal(m->event, &m->sigterm_source, SIGTERM | SD_EVENT_SIGNAL_PROCMASK,
                                on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sigint_source,
                                        SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_signal, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch signals: %m");

        sync_discover_sessions(m);
        sync_pump(m);
        (void)sd_notify(false, "READY=1\nSTATUS=Syncing");
        return 0;
}

int sync_manager_run(SyncManager *m)
{
        return sd_event_loop(m->event);
}
