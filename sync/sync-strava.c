/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strava (https://www.strava.com/api/v3; OAuth at /oauth):
 *
 *   login     the runner authorizes paced-sync in a browser (authorize URL,
 *             scope activity:write), pastes the address Strava sent the
 *             browser to; its code goes to POST /oauth/token
 *             (grant_type=authorization_code) for a refresh token, kept in
 *             the state directory (0600)
 *   token     POST /oauth/token (grant_type=refresh_token): a 6-hour access
 *             token, in memory; a new refresh token replaces the old one
 *   upload    POST /uploads (multipart: file, data_type=fit, external_id,
 *             name, description, trainer=1: an indoor run)
 *   poll      GET  /uploads/{id} until it names the activity, an error, or
 *             "duplicate of activity N" (reported as such: not sent twice)
 *   check     GET  /athlete/activities?after=&before= (external_id)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strava-json.h"
#include "sync-json.h"
#include "sync-manager.h"

#define STRAVA_REDIRECT_URI "http://localhost/exchange_token"
#define STRAVA_SCOPE        "activity:write,read"
/* Strava asks for polls a second or more apart; processing takes a few seconds. */
#define POLL_USEC (2 * USEC_PER_SEC)

static SyncConfig *config(SyncService *s)
{
        return s->manager->config;
}

static int request_new(SyncService *s, const char *method, const char *path_fmt, ...)
        _printf_(3, 4);
static int request_new(SyncService *s, const char *method, const char *path_fmt, ...)
{
        _cleanup_free_ char *path = NULL, *url = NULL, *auth = NULL;
        va_list ap;
        int r;

        va_start(ap, path_fmt);
        r = vasprintf(&path, path_fmt, ap);
        va_end(ap);
        if (r < 0 || asprintf(&url, "%s%s", config(s)->strava.api_url, path) < 0 ||
            asprintf(&auth, "Authorization: Bearer %s", s->access_token->value) < 0)
                return -ENOMEM;
        r = http_request_new(s->manager->http, method, url, &s->request);
        if (r >= 0)
                r = http_request_add_header(s->request, auth);
        explicit_bzero(auth, strlen(auth));
        if (r < 0) {
                http_request_free(s->request);
                s->request = NULL;
        }
        return r;
}

static void start(SyncService *s, HttpCallback cb)
{
        int r = http_request_start(s->request, cb, s);

        if (r < 0) {
                http_request_free(s->request);
                s->request = NULL;
                sync_job_later(s, s->job.state, 0, true, "cannot start a request: %s",
                               strerror(-r));
        }
}

static void need_login(SyncService *s, const char *why)
{
        s->access_token = secret_free(s->access_token);
        sync_service_block(s, "%s: run pacectl sync strava-login", why);
}

/* ---- tokens ---- */

/* A token answer: the tokens replace the old ones, the refresh token on disk first. */
static int take_token(SyncService *s, const HttpResponse *r, char **ret_athlete)
{
        _cleanup_free_ char *path = NULL;
        StravaToken t = {};
        Secret *access = NULL, *refresh = NULL;
        int k;

        k = strava_parse_token(r->body, r->size, &t);
        if (k < 0)
                return k;
        if (asprintf(&path, "%s/%s", s->manager->state_dir, SYNC_STRAVA_TOKEN_FILE) < 0) {
                strava_token_done(&t);
                return -ENOMEM;
        }
        /* Strava may hand out a new refresh token: the old one may stop working, so the
         * new one is on disk before anything else uses it. */
        if (!s->refresh_token || !streq(s->refresh_token->value, t.refresh_token)) {
                k = secret_write_file(path, t.refresh_token);
                if (k < 0) {
                        log_error_errno(k, "Cannot store the Strava login in %s: %m", path);
                        strava_token_done(&t);
                        return k;
                }
        }
        if (secret_new(t.access_token, &access) < 0 || secret_new(t.refresh_token, &refresh) < 0) {
                secret_free(access);
                strava_token_done(&t);
                return -ENOMEM;
        }
        secret_free(s->access_token);
        secret_free(s->refresh_token);
        s->access_token = access;
        s->refresh_token = refresh;
        s->access_expires_usec = t.expires_at > 0 ? (uint64_t)t.expires_at * USEC_PER_SEC : 0;
        if (ret_athlete)
                *ret_athlete = TAKE_PTR(t.athlete);
        strava_token_done(&t);
        return 0;
}

static char *token_form(SyncService *s, const char *grant, const char *key, const char *value)
{
        const char *pairs[] = {
                "client_id",
                config(s)->strava.client_id,
                "client_secret",
                s->secret->value,
                "grant_type",
                grant,
                key,
                value,
                NULL,
                NULL,
        };

        return http_form_encode(pairs);
}

static int token_request(SyncService *s, const char *form, HttpRequest **ret)
{
        _cleanup_free_ char *url = NULL;
        int r;

        if (asprintf(&url, "%s/token", config(s)->strava.oauth_url) < 0)
                return -ENOMEM;
        r = http_request_new(s->manager->http, "POST", url, ret);
        if (r >= 0)
                r = http_request_set_body(*ret, "application/x-www-form-urlencoded", form);
        if (r < 0) {
                http_request_free(*ret);
                *ret = NULL;
        }
        return r;
}

static void on_token(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        void (*next)(SyncService *) = s->after_token;
        int k;

        s->request = NULL;
        s->after_token = NULL;
        switch (http_outcome(r)) {
        case HTTP_OK:
                break;
        case HTTP_AUTH:
        case HTTP_FORBIDDEN:
        case HTTP_CLIENT:
        case HTTP_NOT_FOUND:
                /* The refresh token was revoked, or the client secret is wrong. Never the
                 * body in a log: it is the token endpoint's. */
                need_login(s, "Strava refused the login");
                sync_job_later(s, s->job.state, 0, false, "waiting: %s", s->blocked);
                return;
        case HTTP_BAD_BODY:
        case HTTP_RATE_LIMIT:
        case HTTP_SERVER:
        case HTTP_NETWORK:
                sync_job_retry(s, s->job.state, r, "Strava login");
                return;
        }
        k = take_token(s, r, NULL);
        if (k < 0) {
                sync_job_later(s, s->job.state, 0, true, "Strava login: %s",
                               k == -EBADMSG ? "the answer does not parse" : strerror(-k));
                return;
        }
        next(s);
}

/* Runs next with a valid access token, refreshing it first if needed. */
static void with_token(SyncService *s, void (*next)(SyncService *))
{
        _cleanup_free_ char *form = NULL;
        int r;

        if (s->access_token && s->access_expires_usec > sync_now() + 120 * USEC_PER_SEC) {
                next(s);
                return;
        }
        if (!s->refresh_token) {
                need_login(s, "not logged in");
                sync_job_later(s, s->job.state, 0, false, "waiting: %s", s->blocked);
                return;
        }
        form = token_form(s, "refresh_token", "refresh_token", s->refresh_token->value);
        r = form ? token_request(s, form, &s->request) : -ENOMEM;
        if (form)
                explicit_bzero(form, strlen(form));
        if (r < 0) {
                sync_job_later(s, s->job.state, 0, true, "Strava login: %s", strerror(-r));
                return;
        }
        s->after_token = next;
        start(s, on_token);
}

/* A 401 on an API call: the access token died early. Once per job, refresh and redo. */
static bool retry_with_new_token(SyncService *s, const HttpResponse *r, void (*step)(SyncService *))
{
        if (http_outcome(r) != HTTP_AUTH || s->token_refreshed)
                return false;
        s->token_refreshed = true;
        s->access_token = secret_free(s->access_token);
        with_token(s, step);
        return true;
}

static void request_failed(SyncService *s, const HttpResponse *r, const char *what,
                           JobState uncertain, JobState definite)
{
        _cleanup_free_ char *msg = sync_error_message(r->body, r->size);

        switch (http_outcome(r)) {
        case HTTP_AUTH:
                need_login(s, "Strava refused the access token (HTTP 401)");
                sync_job_later(s, definite, 0, false, "waiting: %s", s->blocked);
                return;
        case HTTP_FORBIDDEN:
                /* Typically the login lacks activity:write (unticked on Strava's page). */
                need_login(s, "Strava refused (HTTP 403): the login may not upload activities "
                              "(allow 'Upload your activities')");
                sync_job_later(s, definite, 0, false, "waiting: %s", s->blocked);
                return;
        case HTTP_CLIENT:
                if (msg && strstr(msg, "duplicate of")) {
                        sync_job_finish(s, JOB_DONE, "already on Strava: %s", msg);
                        return;
                }
                sync_job_finish(s, JOB_FAILED, "%s refused by Strava: HTTP %ld%s%s", what,
                                r->status, msg ? ": " : "", msg ? msg : "");
                return;
        case HTTP_RATE_LIMIT:
                sync_job_retry(s, definite, r, what);
                return;
        case HTTP_OK:
        case HTTP_BAD_BODY:
        case HTTP_NOT_FOUND:
        case HTTP_SERVER:
        case HTTP_NETWORK:
                break;
        }
        sync_job_retry(s, r->maybe_delivered ? uncertain : definite, r, what);
}

/* ---- upload, poll, check ---- */

static void poll_upload(SyncService *s);

/* What an upload's state (from the POST or a poll) makes of the job. */
static void upload_state(SyncService *s, const StravaUpload *u)
{
        int64_t dup;

        if (strava_upload_duplicate_of(u, &dup)) {
                sync_job_finish(s, JOB_DONE, "already on Strava: duplicate of activity %" PRIi64,
                                dup);
                return;
        }
        if (u->error) {
                char err[201];

                snprintf(err, sizeof(err), "%s", u->error);
                for (char *p = err; *p; p++)
                        if ((unsigned char)*p < 0x20 || *p == 0x7f)
                                *p = '?';
                sync_job_finish(s, JOB_FAILED, "Strava could not process the file: %s", err);
                return;
        }
        if (u->activity_id > 0) {
                sync_job_finish(s, JOB_DONE, "uploaded as activity %" PRIi64 " (indoor run)",
                                u->activity_id);
                return;
        }
        free(s->job.remote_id);
        if (asprintf(&s->job.remote_id, "%" PRIi64, u->id) < 0)
                s->job.remote_id = NULL;
        s->job.next_usec = sync_now() + POLL_USEC;
        sync_job_finish(s, JOB_PROCESSING, "Strava is processing upload %" PRIi64, u->id);
}

static void on_polled(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        StravaUpload u = {};

        s->request = NULL;
        if (retry_with_new_token(s, r, poll_upload))
                return;
        if (http_outcome(r) == HTTP_NOT_FOUND) {
                /* The upload is gone: check for the activity, send again if absent. */
                sync_job_later(s, JOB_SENDING, 0, true, "Strava lost upload %s",
                               s->job.remote_id ? s->job.remote_id : "?");
                return;
        }
        if (http_outcome(r) != HTTP_OK) {
                request_failed(s, r, "polling the upload", JOB_PROCESSING, JOB_PROCESSING);
                return;
        }
        if (strava_parse_upload(r->body, r->size, &u) < 0) {
                sync_job_later(s, JOB_PROCESSING, 0, true,
                               "polling the upload: the answer does not parse");
                return;
        }
        upload_state(s, &u);
        strava_upload_done(&u);
}

static void poll_upload(SyncService *s)
{
        int r;

        if (!s->job.remote_id) {
                sync_job_later(s, JOB_SENDING, 0, false, "no upload id: checking");
                return;
        }
        r = request_new(s, "GET", "/uploads/%s", s->job.remote_id);
        if (r < 0) {
                sync_job_later(s, JOB_PROCESSING, 0, true, "%s", strerror(-r));
                return;
        }
        start(s, on_polled);
}

static void send_upload(SyncService *s);

static void on_uploaded(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        StravaUpload u = {};

        s->request = NULL;
        /* A 401 means nothing was taken: refresh and send again. */
        if (retry_with_new_token(s, r, send_upload))
                return;
        if (http_outcome(r) != HTTP_OK) {
                request_failed(s, r, "upload", JOB_SENDING, JOB_PENDING);
                return;
        }
        if (strava_parse_upload(r->body, r->size, &u) < 0) {
                sync_job_later(s, JOB_SENDING, 0, true,
                               "upload: Strava's answer does not parse; checking before "
                               "sending again");
                return;
        }
        upload_state(s, &u);
        strava_upload_done(&u);
}

static void send_upload(SyncService *s)
{
        _cleanup_free_ char *filename = NULL;
        int r;

        if (asprintf(&filename, "%s.fit", s->job.external_id) < 0) {
                sync_job_later(s, s->job.state, 0, true, "out of memory");
                return;
        }
        r = request_new(s, "POST", "/uploads");
        if (r >= 0)
                r = http_request_add_file(s->request, "file", filename, "application/octet-stream",
                                          s->file, s->file_size);
        if (r >= 0)
                r = http_request_add_field(s->request, "data_type", "fit");
        if (r >= 0)
                r = http_request_add_field(s->request, "external_id", s->job.external_id);
        if (r >= 0)
                r = http_request_add_field(s->request, "name",
                                           s->job.name ? s->job.name : "Treadmill run");
        if (r >= 0)
                r = http_request_add_field(s->request, "description",
                                           "Treadmill run recorded by paced");
        /* trainer=1: an indoor activity, as a treadmill run is. */
        if (r >= 0)
                r = http_request_add_field(s->request, "trainer", "1");
        if (r < 0) {
                http_request_free(s->request);
                s->request = NULL;
                sync_job_later(s, s->job.state, 0, true, "upload: %s", strerror(-r));
                return;
        }
        s->job.state = JOB_SENDING;
        if (outbox_update(s->manager->outbox, &s->job, sync_now()) < 0) {
                http_request_free(s->request);
                s->request = NULL;
                sync_job_later(s, JOB_PENDING, 0, true, "cannot write the outbox: %s",
                               outbox_last_error(s->manager->outbox));
                return;
        }
        log_info("strava: uploading session %" PRIi64 " (%zu bytes).", s->job.session_id,
                 s->file_size);
        start(s, on_uploaded);
}

void sync_strava_send(SyncService *s)
{
        with_token(s, send_upload);
}

static void export_and_send(SyncService *s)
{
        (void)sync_export_then_send(s);
}

static void check_activity(SyncService *s);

static void on_checked(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        int64_t id;
        int k;

        s->request = NULL;
        if (retry_with_new_token(s, r, check_activity))
                return;
        if (http_outcome(r) != HTTP_OK) {
                request_failed(s, r, "checking for an earlier upload", JOB_SENDING, JOB_SENDING);
                return;
        }
        k = strava_find_external_id(r->body, r->size, s->job.external_id, &id);
        if (k == -ENOENT) {
                /* Not (yet) an activity: send again; if the first is still being
                 * processed, Strava reports the second as its duplicate. */
                log_info("strava: session %" PRIi64 " is not there yet; sending it.",
                         s->job.session_id);
                (void)sync_export_then_send(s);
                return;
        }
        if (k < 0) {
                sync_job_later(s, JOB_SENDING, 0, true,
                               "checking for an earlier upload: the answer does not parse");
                return;
        }
        log_info("strava: session %" PRIi64 " arrived before as activity %" PRIi64
                 ": not sent again.",
                 s->job.session_id, id);
        sync_job_finish(s, JOB_DONE,
                        "uploaded as activity %" PRIi64 " (found after an "
                        "interrupted upload)",
                        id);
}

static void check_activity(SyncService *s)
{
        uint64_t t = s->job.start_usec / USEC_PER_SEC;
        int r;

        r = request_new(s, "GET",
                        "/athlete/activities?after=%" PRIu64 "&before=%" PRIu64 "&per_page=100",
                        t > 3600 ? t - 3600 : 0, t + 86400);
        if (r < 0) {
                sync_job_later(s, JOB_SENDING, 0, true, "%s", strerror(-r));
                return;
        }
        start(s, on_checked);
}

void sync_strava_run_job(SyncService *s)
{
        switch (s->job.kind == JOB_UPLOAD ? s->job.state : _JOB_STATE_INVALID) {
        case JOB_PENDING:
                with_token(s, export_and_send);
                return;
        case JOB_SENDING:
                with_token(s, check_activity);
                return;
        case JOB_PROCESSING:
        case JOB_MARKING:
                with_token(s, poll_upload);
                return;
        case JOB_DONE:
        case JOB_FAILED:
        case _JOB_STATE_MAX:
        case _JOB_STATE_INVALID:
                break;
        }
        sync_job_finish(s, JOB_FAILED, "not a Strava job");
}

/* ---- login ---- */

char *sync_strava_authorize_url(SyncService *s)
{
        _cleanup_free_ char *id = http_escape(config(s)->strava.client_id),
                            *redirect = http_escape(STRAVA_REDIRECT_URI),
                            *scope = http_escape(STRAVA_SCOPE);
        char *url;

        if (!id || !redirect || !scope ||
            asprintf(&url,
                     "%s/authorize?client_id=%s&response_type=code&redirect_uri=%s"
                     "&approval_prompt=force&scope=%s",
                     config(s)->strava.oauth_url, id, redirect, scope) < 0)
                return NULL;
        return url;
}

static void on_login(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = TAKE_PTR(s->pending_reply);
        _cleanup_free_ char *athlete = NULL, *how = http_describe(r);
        int k;

        s->settings_request = NULL;
        if (!call)
                return;
        switch (http_outcome(r)) {
        case HTTP_OK:
                break;
        case HTTP_CLIENT:
        case HTTP_AUTH:
        case HTTP_FORBIDDEN:
                (void)sd_bus_reply_method_errorf(call, "io.paced.sync1.Error.LoginRefused",
                                                 "Strava refused the code (%s): a code works "
                                                 "once and only for minutes; run "
                                                 "strava-login again. If it keeps failing, "
                                                 "check client_id and the client secret.",
                                                 how ? how : "refused");
                return;
        case HTTP_NOT_FOUND:
        case HTTP_BAD_BODY:
        case HTTP_RATE_LIMIT:
        case HTTP_SERVER:
        case HTTP_NETWORK:
                (void)sd_bus_reply_method_errorf(call, "io.paced.sync1.Error.Failed",
                                                 "Cannot reach Strava (%s): try again.",
                                                 how ? how : "failed");
                return;
        }
        k = take_token(s, r, &athlete);
        if (k < 0) {
                (void)sd_bus_reply_method_errorf(
                        call, "io.paced.sync1.Error.Failed", "Strava's answer was not usable: %s",
                        k == -EBADMSG ? "it does not parse" : strerror(-k));
                return;
        }
        free(s->blocked);
        s->blocked = NULL;
        log_info("strava: logged in%s%s%s.", athlete ? " (" : "", athlete ? athlete : "",
                 athlete ? ")" : "");
        /* What waited for the login goes now. */
        (void)outbox_wake(s->manager->outbox, s->name, sync_now());
        sync_pump(s->manager);
        (void)sd_bus_reply_method_return(call, "s", athlete ? athlete : "");
}

int sync_strava_login(SyncService *s, const char *code, sd_bus_message *reply_to)
{
        _cleanup_free_ char *form = NULL;
        int r;

        if (s->pending_reply)
                return -EBUSY;
        if (!s->secret)
                return -ENOKEY;
        form = token_form(s, "authorization_code", "code", code);
        if (!form)
                return -ENOMEM;
        r = token_request(s, form, &s->settings_request);
        explicit_bzero(form, strlen(form));
        if (r >= 0)
                r = http_request_start(s->settings_request, on_login, s);
        if (r < 0) {
                http_request_free(s->settings_request);
                s->settings_request = NULL;
                return r;
        }
        s->pending_reply = sd_bus_message_ref(reply_to);
        return 0;
}
