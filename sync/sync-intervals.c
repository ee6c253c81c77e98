/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intervals.icu (https://intervals.icu/api/v1, HTTP basic authentication
 * with the user "API_KEY" and the athlete's API key):
 *
 *   calendar  GET  /athlete/{id}/events?oldest=&newest=&category=WORKOUT
 *             -> the running workouts' text (intervals.icu's workout syntax,
 *                which paced's text format follows) -> SetPlannedWorkouts
 *   upload    POST /athlete/{id}/activities?name=&description=&external_id=
 *             (multipart "file": the FIT)
 *   check     GET  /athlete/{id}/activities?oldest=&newest= (external_id)
 *   mark      PUT  /activity/{activity id} {"type":"VirtualRun","trainer":true}
 *   settings  GET  /athlete/{id}/sport-settings/Run
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intervals-json.h"
#include "log.h"
#include "paced-bus.h"
#include "plan.h"
#include "sync-json.h"
#include "sync-manager.h"
#include "utf8.h"
#include "workout-text.h"

static SyncConfig *config(SyncService *s)
{
        return s->manager->config;
}

/* A request with the athlete's API key. */
static int request_new(SyncService *s, const char *method, const char *path_fmt, ...)
        _printf_(3, 4);
static int request_new(SyncService *s, const char *method, const char *path_fmt, ...)
{
        _cleanup_free_ char *path = NULL, *url = NULL;
        va_list ap;
        int r;

        va_start(ap, path_fmt);
        r = vasprintf(&path, path_fmt, ap);
        va_end(ap);
        if (r < 0 || asprintf(&url, "%s%s", config(s)->intervals.api_url, path) < 0)
                return -ENOMEM;
        r = http_request_new(s->manager->http, method, url, &s->request);
        if (r >= 0)
                r = http_request_set_basic_auth(s->request, "API_KEY", s->secret->value);
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

/*
 * What every step does with an answer that is not a success: 401/403 stop
 * the service until the key is fixed (the job waits, nothing is lost); 404
 * on the athlete's paths means the athlete id is wrong; the rest retries.
 */
static void request_failed(SyncService *s, const HttpResponse *r, const char *what,
                           JobState uncertain, JobState definite)
{
        _cleanup_free_ char *msg = sync_error_message(r->body, r->size);

        switch (http_outcome(r)) {
        case HTTP_AUTH:
        case HTTP_FORBIDDEN:
                sync_service_block(s,
                                   "intervals.icu refused the API key (HTTP %ld%s%s): check "
                                   "the key, then pacectl sync now",
                                   r->status, msg ? ": " : "", msg ? msg : "");
                sync_job_later(s, definite, 0, false, "waiting: %s", s->blocked);
                return;
        case HTTP_NOT_FOUND:
                sync_service_block(s,
                                   "intervals.icu knows no athlete %s (HTTP 404): check "
                                   "athlete_id in sync.conf",
                                   config(s)->intervals.athlete_id);
                sync_job_later(s, definite, 0, false, "waiting: %s", s->blocked);
                return;
        case HTTP_CLIENT:
                sync_job_finish(s, JOB_FAILED, "%s refused by intervals.icu: HTTP %ld%s%s", what,
                                r->status, msg ? ": " : "", msg ? msg : "");
                return;
        case HTTP_RATE_LIMIT:
                sync_job_retry(s, definite, r, what);
                return;
        case HTTP_OK:
        case HTTP_BAD_BODY:
        case HTTP_SERVER:
        case HTTP_NETWORK:
                break;
        }
        sync_job_retry(s, r->maybe_delivered ? uncertain : definite, r, what);
}

/* ---- calendar ---- */

static int64_t today(void)
{
        time_t now = time(NULL);
        struct tm tm;

        localtime_r(&now, &tm);
        return plan_date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                    (unsigned)tm.tm_mday);
}

static void calendar_plan_done(CalendarPlan *p)
{
        calendar_entries_free(p->entries, p->n);
        *p = (CalendarPlan){};
}

/* The workout's text, as paced's parser takes it: its name first. */
static char *event_document(const IntervalsEvent *e)
{
        char *doc;
        const char *name = e->name && *e->name ? e->name : "intervals.icu workout";
        char clean[201];
        size_t n = 0;

        /* A name is one line of text: control characters (a newline, an
         * escape) become spaces, and the cut never halves a character
         * (the parser, and D-Bus, refuse what is not UTF-8, and the whole
         * calendar with it). */
        for (const char *p = name; *p && n < sizeof(clean) - 1; p++)
                clean[n++] = *p;
        clean[n] = '\0';
        utf8_truncate(clean, sizeof(clean) - 1);
        utf8_replace_controls(clean);
        if (asprintf(&doc, "# name: %s\n%s\n", clean, e->description) < 0)
                return NULL;
        return doc;
}

static int add_entry(CalendarPlan *p, const IntervalsEvent *e, const char *outcome_fmt, ...)
        _printf_(3, 4);
static int add_entry(CalendarPlan *p, const IntervalsEvent *e, const char *outcome_fmt, ...)
{
        CalendarEntry *n = reallocarray(p->entries, p->n + 1, sizeof(*n));
        CalendarEntry *x;
        char date[11];
        va_list ap;
        int r;

        if (!n)
                return -ENOMEM;
        p->entries = n;
        x = &p->entries[p->n++];
        *x = (CalendarEntry){};
        va_start(ap, outcome_fmt);
        r = vasprintf(&x->outcome, outcome_fmt, ap);
        va_end(ap);
        x->date = strdup(plan_date_format(e->date, date));
        x->name = strdup(e->name ? e->name : "");
        x->type = strdup(e->type ? e->type : "");
        /* Shown by `pacectl sync status`: text, never a terminal's command. */
        utf8_replace_controls(x->name);
        utf8_replace_controls(x->type);
        if (r < 0 || !x->date || !x->name || !x->type ||
            asprintf(&x->event_id, "%" PRIi64, e->id) < 0)
                return -ENOMEM;
        return 0;
}

static int on_planned_set(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);

static int build_planned(SyncService *s, const IntervalsEvent *ev, size_t n, CalendarPlan *plan,
                         sd_bus_message **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = sd_bus_message_new_method_call(s->manager->bus, &msg, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, "SetPlannedWorkouts");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", SYNC_SERVICE_INTERVALS);
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "(ssss)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const IntervalsEvent *e = &ev[i];
                _cleanup_free_ char *doc = NULL, *filename = NULL;
                _cleanup_(workout_freep) Workout *w = NULL;
                WorkoutError we = {};
                char date[11], buf[600];

                if (!streq(e->category, "WORKOUT"))
                        continue;
                if (!intervals_type_is_run(e->type)) {
                        /* Politely: the calendar may hold rides and swims; they stay there. */
                        log_info("intervals.icu: '%s' on %s is a %s: paced runs only running "
                                 "workouts; left on intervals.icu.",
                                 e->name ? e->name : "a workout", plan_date_format(e->date, date),
                                 e->type ? e->type : "workout without a sport");
                        r = add_entry(plan, e, "skipped: a %s, not a run",
                                      e->type ? e->type : "workout without a sport");
                        plan->skipped++;
                        continue;
                }
                if (!e->description || !strstr(e->description, "- ")) {
                        r = add_entry(plan, e, "skipped: its description has no workout steps");
                        plan->skipped++;
                        continue;
                }
                doc = event_document(e);
                if (!doc || asprintf(&filename, "intervals-%" PRIi64 ".txt", e->id) < 0) {
                        r = -ENOMEM;
                        break;
                }
                /* The same parser paced will use: a workout that cannot run is reported
                 * here, per event, instead of failing the whole day. */
                r = workout_text_parse(doc, strlen(doc), filename, &w, &we);
                if (r < 0) {
                        r = add_entry(plan, e, "skipped: does not load: %s",
                                      we.message[0] ? workout_error_format(&we, buf, sizeof(buf))
                                                    : strerror(-r));
                        plan->skipped++;
                        continue;
                }
                if (plan->runs >= 64) {
                        r = add_entry(plan, e, "skipped: more than 64 planned runs");
                        plan->skipped++;
                        continue;
                }
                r = sd_bus_message_append(msg, "(ssss)", plan_date_format(e->date, date),
                                          w->name ? w->name : (e->name ? e->name : filename),
                                          filename, doc);
                if (r >= 0)
                        r = add_entry(plan, e, "on the schedule");
                plan->runs++;
        }
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(msg);
        return 0;
}

static void on_events(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        IntervalsEvent *ev = NULL;
        size_t n = 0;
        int k;

        s->request = NULL;
        if (http_outcome(r) != HTTP_OK) {
                request_failed(s, r, "calendar", JOB_PENDING, JOB_PENDING);
                return;
        }
        k = intervals_parse_events(r->body, r->size, &ev, &n);
        if (k < 0) {
                sync_job_later(s, JOB_PENDING, 0, true,
                               "calendar: intervals.icu's answer does not parse (%s)",
                               k == -ENOMEM ? "out of memory" : "truncated or malformed");
                return;
        }
        calendar_plan_done(&s->plan);
        k = build_planned(s, ev, n, &s->plan, &msg);
        intervals_events_free(ev, n);
        if (k >= 0)
                k = sync_paced_set_planned(s, msg, on_planned_set);
        if (k < 0) {
                calendar_plan_done(&s->plan);
                sync_job_later(s, JOB_PENDING, 0, true, "calendar: %s", strerror(-k));
        }
}

static int on_planned_set(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        SyncService *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r;

        s->call = sd_bus_slot_unref(s->call);
        if (e) {
                bool absent = sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                              sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER);

                calendar_plan_done(&s->plan);
                sync_job_later(s, JOB_PENDING, 0, true, "calendar: %s",
                               absent ? "paced is not running" : e->message);
                return 0;
        }
        r = outbox_set_calendar(s->manager->outbox, s->name, s->plan.entries, s->plan.n);
        if (r < 0)
                log_warning("Cannot record the calendar: %s",
                            outbox_last_error(s->manager->outbox));
        s->job.next_usec = sync_now() + config(s)->calendar_interval_usec;
        sync_job_finish(s, JOB_DONE, "%u run%s on the schedule, %u skipped", s->plan.runs,
                        s->plan.runs == 1 ? "" : "s", s->plan.skipped);
        calendar_plan_done(&s->plan);
        return 0;
}

static void calendar_fetch(SyncService *s)
{
        char oldest[11], newest[11];
        int64_t t = today();
        int r;

        r = request_new(s, "GET", "/athlete/%s/events?oldest=%s&newest=%s&category=WORKOUT",
                        config(s)->intervals.athlete_id, plan_date_format(t, oldest),
                        plan_date_format(t + config(s)->days_ahead - 1, newest));
        if (r < 0) {
                sync_job_later(s, JOB_PENDING, 0, true, "calendar: %s", strerror(-r));
                return;
        }
        start(s, on_events);
}

/* ---- uploads ---- */

static void on_marked(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;

        s->request = NULL;
        switch (http_outcome(r)) {
        case HTTP_OK:
        case HTTP_BAD_BODY: /* the answer is not needed */
                sync_job_finish(s, JOB_DONE, "uploaded as activity %s (treadmill run)",
                                s->job.remote_id);
                return;
        case HTTP_NOT_FOUND:
        case HTTP_CLIENT:
                /* Uploaded all the same: the type is a nicety, not worth a failure. */
                sync_job_finish(s, JOB_DONE, "uploaded as activity %s (its type not set: HTTP %ld)",
                                s->job.remote_id, r->status);
                return;
        case HTTP_AUTH:
        case HTTP_FORBIDDEN:
        case HTTP_RATE_LIMIT:
        case HTTP_SERVER:
        case HTTP_NETWORK:
                break;
        }
        request_failed(s, r, "setting the activity's type", JOB_MARKING, JOB_MARKING);
}

static void upload_mark(SyncService *s)
{
        _cleanup_free_ char *id = http_escape(s->job.remote_id ? s->job.remote_id : "");
        int r;

        r = id ? request_new(s, "PUT", "/activity/%s", id) : -ENOMEM;
        if (r >= 0)
                r = http_request_set_body(s->request, "application/json",
                                          "{\"type\":\"VirtualRun\",\"trainer\":true}");
        if (r < 0) {
                http_request_free(s->request);
                s->request = NULL;
                sync_job_later(s, JOB_MARKING, 0, true, "%s", strerror(-r));
                return;
        }
        start(s, on_marked);
}

static void on_uploaded(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        char *id = NULL;

        s->request = NULL;
        if (http_outcome(r) != HTTP_OK) {
                request_failed(s, r, "upload", JOB_SENDING, JOB_PENDING);
                return;
        }
        if (intervals_parse_upload(r->body, r->size, &id) < 0) {
                /* It was taken, probably: check before sending it again. */
                sync_job_later(s, JOB_SENDING, 0, true,
                               "upload: intervals.icu's answer does not parse; checking "
                               "before sending again");
                return;
        }
        free(s->job.remote_id);
        s->job.remote_id = id;
        sync_job_finish(s, JOB_MARKING, "uploaded as activity %s; setting its type", id);
}

void sync_intervals_send(SyncService *s)
{
        _cleanup_free_ char *name = http_escape(s->job.name ? s->job.name : "Treadmill run"),
                            *ext = http_escape(s->job.external_id),
                            *desc = http_escape("Treadmill run recorded by paced"),
                            *filename = NULL;
        int r;

        if (!name || !ext || !desc || asprintf(&filename, "%s.fit", s->job.external_id) < 0) {
                sync_job_later(s, s->job.state, 0, true, "out of memory");
                return;
        }
        r = request_new(s, "POST", "/athlete/%s/activities?name=%s&description=%s&external_id=%s",
                        config(s)->intervals.athlete_id, name, desc, ext);
        if (r >= 0)
                r = http_request_add_file(s->request, "file", filename, "application/octet-stream",
                                          s->file, s->file_size);
        if (r < 0) {
                http_request_free(s->request);
                s->request = NULL;
                sync_job_later(s, s->job.state, 0, true, "upload: %s", strerror(-r));
                return;
        }
        /* Written before it goes out: a crash from here on leaves "check first". */
        s->job.state = JOB_SENDING;
        if (outbox_update(s->manager->outbox, &s->job, sync_now()) < 0) {
                http_request_free(s->request);
                s->request = NULL;
                sync_job_later(s, JOB_PENDING, 0, true, "cannot write the outbox: %s",
                               outbox_last_error(s->manager->outbox));
                return;
        }
        log_info("intervals.icu: uploading session %" PRIi64 " (%zu bytes).", s->job.session_id,
                 s->file_size);
        start(s, on_uploaded);
}

static void on_checked(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        char *id = NULL;
        int k;

        s->request = NULL;
        if (http_outcome(r) != HTTP_OK) {
                request_failed(s, r, "checking for an earlier upload", JOB_SENDING, JOB_SENDING);
                return;
        }
        k = intervals_find_external_id(r->body, r->size, s->job.external_id, &id);
        if (k == -ENOENT) {
                /* Not there: the earlier attempt never arrived. Send it. */
                log_info("intervals.icu: session %" PRIi64 " is not there yet; sending it.",
                         s->job.session_id);
                (void)sync_export_then_send(s);
                return;
        }
        if (k < 0) {
                sync_job_later(s, JOB_SENDING, 0, true,
                               "checking for an earlier upload: the answer does not parse");
                return;
        }
        free(s->job.remote_id);
        s->job.remote_id = id;
        log_info("intervals.icu: session %" PRIi64 " arrived before as activity %s: not sent "
                 "again.",
                 s->job.session_id, id);
        sync_job_finish(s, JOB_MARKING,
                        "uploaded as activity %s (found after an interrupted "
                        "upload); setting its type",
                        id);
}

/* Was an upload whose answer was lost taken? The activities of the session's days say. */
static void upload_check(SyncService *s)
{
        time_t t = (time_t)(s->job.start_usec / USEC_PER_SEC);
        struct tm tm;
        int64_t day;
        char oldest[11], newest[11];
        int r;

        localtime_r(&t, &tm);
        day = plan_date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                   (unsigned)tm.tm_mday);
        r = request_new(s, "GET", "/athlete/%s/activities?oldest=%s&newest=%s",
                        config(s)->intervals.athlete_id, plan_date_format(day - 1, oldest),
                        plan_date_format(day + 1, newest));
        if (r < 0) {
                sync_job_later(s, JOB_SENDING, 0, true, "%s", strerror(-r));
                return;
        }
        start(s, on_checked);
}

void sync_intervals_run_job(SyncService *s)
{
        if (s->job.kind == JOB_CALENDAR) {
                calendar_fetch(s);
                return;
        }
        switch (s->job.state) {
        case JOB_PENDING:
                (void)sync_export_then_send(s);
                return;
        case JOB_SENDING:
        case JOB_PROCESSING:
                upload_check(s);
                return;
        case JOB_MARKING:
                upload_mark(s);
                return;
        case JOB_DONE:
        case JOB_FAILED:
        case _JOB_STATE_MAX:
        case _JOB_STATE_INVALID:
                break;
        }
        sync_job_finish(s, s->job.state, "%s", s->job.detail ? s->job.detail : "");
}

/* ---- running settings ---- */

static void on_settings(const HttpResponse *r, void *userdata)
{
        SyncService *s = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = TAKE_PTR(s->pending_reply);
        IntervalsRunSettings set;
        _cleanup_free_ char *how = http_describe(r);

        s->settings_request = NULL;
        if (!call)
                return;
        if (http_outcome(r) != HTTP_OK) {
                (void)sd_bus_reply_method_errorf(call, "io.paced.sync1.Error.Failed",
                                                 "intervals.icu: %s", how ? how : "failed");
                return;
        }
        if (intervals_parse_sport_settings(r->body, r->size, &set) < 0) {
                (void)sd_bus_reply_method_errorf(call, "io.paced.sync1.Error.Failed",
                                                 "intervals.icu's running settings do not "
                                                 "parse");
                return;
        }
        (void)sd_bus_reply_method_return(call, "uud", set.max_hr, set.lthr,
                                         set.threshold_pace_s_per_km);
}

int sync_intervals_fetch_settings(SyncService *s, sd_bus_message *reply_to)
{
        _cleanup_free_ char *url = NULL;
        int r;

        if (s->pending_reply)
                return -EBUSY;
        if (!s->secret)
                return -ENOKEY;
        if (asprintf(&url, "%s/athlete/%s/sport-settings/Run", config(s)->intervals.api_url,
                     config(s)->intervals.athlete_id) < 0)
                return -ENOMEM;
        r = http_request_new(s->manager->http, "GET", url, &s->settings_request);
        if (r >= 0)
                r = http_request_set_basic_auth(s->settings_request, "API_KEY", s->secret->value);
        if (r >= 0)
                r = http_request_start(s->settings_request, on_settings, s);
        if (r < 0) {
                http_request_free(s->settings_request);
                s->settings_request = NULL;
                return r;
        }
        s->pending_reply = sd_bus_message_ref(reply_to);
        return 0;
}
