/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each route does. Order of checks for every request: route (404/405),
 * token (401; only the pairing page and its files answer without one), then
 * for control: a control token sent in the Authorization header (a cookie
 * alone never changes anything), our own Origin (403), the rate limit
 * (429), the body (413/400); then paced decides, as for pacectl, and its
 * error is passed on with its own words.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "export-csv.h"
#include "export-fit.h"
#include "export-tcx.h"
#include "json-writer.h"
#include "log.h"
#include "report-svg.h"
#include "session-store.h"
#include "session-summary.h"
#include "trial-result.h"
#include "web.h"
#include "workout-library.h"

#define STATIC_FILE_MAX   (2 * 1024 * 1024)
#define CONTROL_RATE      2.0  /* requests a second, sustained */
#define CONTROL_BURST     10.0 /* at once */
#define PAIR_RATE         1.0  /* pairing attempts a second, all clients together */
#define PAIR_BURST        5.0
#define DBUS_TIMEOUT_USEC (10 * USEC_PER_SEC)

/* ---- static files ---- */

static const char *content_type_for(const char *name)
{
        const char *dot = strrchr(name, '.');

        if (!dot)
                return "application/octet-stream";
        if (streq(dot, ".html"))
                return "text/html; charset=utf-8";
        if (streq(dot, ".js"))
                return "text/javascript; charset=utf-8";
        if (streq(dot, ".css"))
                return "text/css; charset=utf-8";
        if (streq(dot, ".svg"))
                return "image/svg+xml";
        if (streq(dot, ".png"))
                return "image/png";
        if (streq(dot, ".json") || streq(dot, ".webmanifest"))
                return "application/manifest+json";
        return "application/octet-stream";
}

/* The files a browser without a token may load: the pairing page's. */
static bool static_is_public(const char *name)
{
        return streq(name, "pair.html") || streq(name, "pair.js") || streq(name, "style.css") ||
               streq(name, "icon.svg");
}

static enum MHD_Result serve_static(Web *w, struct MHD_Connection *c, const char *name)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t done = 0;

        /* The name was checked by web_route_parse(); O_NOFOLLOW keeps a link from leading out. */
        fd = openat(w->static_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_FILE_MAX)
                return web_respond_error(c, 404, "NotFound", "No such file.");
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return MHD_NO;
        while (done < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + done, (size_t)st.st_size - done);

                if (k <= 0)
                        return web_respond_error(c, 500, "Failed", "Cannot read %s.", name);
                done += (size_t)k;
        }
        return web_respond(c, 200, content_type_for(name), buf, done, NULL);
}

/* ---- tokens ---- */

typedef struct Auth {
        WebDevice *device;
        bool from_header;
} Auth;

static Auth authenticate(Web *w, struct MHD_Connection *c)
{
        const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        const char *cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
        const char *token = web_token_from_authorization(h);
        char buf[WEB_TOKEN_LEN + 2];
        Auth a = {};

        if (token) {
                a.device = web_tokens_verify(&w->tokens, token);
                a.from_header = a.device != NULL;
        } else if (web_token_from_cookie(cookie, buf, sizeof(buf)))
                a.device = web_tokens_verify(&w->tokens, buf);
        if (a.device)
                a.device->last_used_usec = web_now_realtime();
        return a;
}

static bool bucket_take(double *tokens, uint64_t *last, double rate, double burst)
{
        uint64_t now = web_now_realtime();

        if (*last == 0)
                *tokens = burst;
        else if (now > *last)
                *tokens = MIN(burst, *tokens + (double)(now - *last) / USEC_PER_SEC * rate);
        *last = now;
        if (*tokens < 1)
                return false;
        *tokens -= 1;
        return true;
}

static bool request_is_tls(struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *i =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_PROTOCOL);

        return i != NULL;
}

/* ---- pairing ---- */

static enum MHD_Result handle_pair(Web *w, struct MHD_Connection *c, WebRequest *req)
{
        uint8_t random[WEB_TOKEN_RANDOM];
        char code[64], err[256], token[WEB_TOKEN_LEN + 1], cookie[256], body[512], name[160];
        const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
        bool tls = request_is_tls(c);
        WebDevice *d;
        int r;

        if (!web_origin_is_same(origin, host, tls))
                return web_respond_error(c, 403, "WrongOrigin",
                                         "Pairing must come from this server's own page.");
        if (!bucket_take(&w->pair_tokens, &w->pair_refill_usec, PAIR_RATE, PAIR_BURST))
                return web_respond_error(c, 429, "TooManyRequests",
                                         "Too many pairing attempts; wait a moment.");
        if (req->too_large)
                return web_respond_error(c, 413, "TooLarge", "The request body is too large.");
        r = web_pair_args_parse(req->body ? req->body : "", req->body_len, code, sizeof(code), err,
                                sizeof(err));
        if (r < 0)
                return web_respond_error(c, r == -EMSGSIZE ? 413 : 400, "BadRequest", "%s", err);
        r = web_random_bytes(random, sizeof(random));
        if (r < 0)
                return web_respond_error(c, 500, "Failed", "No random bytes.");
        r = web_tokens_redeem(&w->tokens, code, web_now_realtime(), random, token, &d);
        if (r == -ENOSPC)
                return web_respond_error(c, 409, "TooManyDevices",
                                         "Too many paired devices: revoke one with pacectl web "
                                         "revoke.");
        if (r < 0)
                return web_respond_error(c, 403, "BadCode",
                                         "That code is wrong, used or expired: run pacectl web "
                                         "pair again.");
        r = web_pairing_save(w);
        if (r < 0) {
                (void)web_tokens_revoke(&w->tokens, d->id);
                return web_respond_error(c, 500, "Failed", "Cannot store the device.");
        }
        log_info("Paired device %s '%s' (%s).", d->id, d->name, web_token_kind_to_string(d->kind));
        /* The cookie lets the browser load pages, reports and downloads; control
         * requests need the token in a header as well, which only our page sends. */
        snprintf(cookie, sizeof(cookie),
                 "paced_token=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict%s", token,
                 tls ? "; Secure" : "");
        web_json_escape(d->name, name, sizeof(name));
        snprintf(body, sizeof(body),
                 "{\"token\":\"%s\",\"id\":\"%s\",\"kind\":\"%s\",\"name\":\"%s\"}", token, d->id,
                 web_token_kind_to_string(d->kind), name);
        return web_respond(c, 200, "application/json", body, strlen(body),
                           (const char *const[]){"Set-Cookie", cookie, NULL});
}

/* ---- control: an async call to paced ---- */

static unsigned status_for_error(const char *name)
{
        static const struct {
                const char *suffix;
                unsigned status;
        } map[] = {
                {"paced1.Error.NotPermitted", 403},    {"DBus.Error.AccessDenied", 403},
                {"paced1.Error.InvalidArgument", 422}, {"paced1.Error.InvalidWorkout", 422},
                {"DBus.Error.InvalidArgs", 422},       {"paced1.Error.Busy", 409},
                {"paced1.Error.NoWorkout", 409},       {"paced1.Error.NotConnected", 409},
                {"paced1.Error.MonitorOnly", 409},     {"paced1.Error.NotSupported", 409},
                {"DBus.Error.ServiceUnknown", 503},    {"DBus.Error.NameHasNoOwner", 503},
                {"DBus.Error.NoReply", 503},           {"DBus.Error.Timeout", 503},
        };
        size_t n = name ? strlen(name) : 0;

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                size_t k = strlen(map[i].suffix);

                if (n >= k && streq(name + n - k, map[i].suffix))
                        return map[i].status;
        }
        return 500;
}

static void reply_set(WebRequest *req, unsigned status, const char *error, const char *message)
{
        char esc[1100];
        char *body = NULL;

        web_json_escape(message ? message : "", esc, sizeof(esc));
        if (error) {
                char e[128];

                web_json_escape(error, e, sizeof(e));
                if (asprintf(&body, "{\"error\":\"%s\",\"message\":\"%s\"}", e, esc) < 0)
                        body = NULL;
        } else if (asprintf(&body, "{\"ok\":true,\"message\":\"%s\"}", esc) < 0)
                body = NULL;
        free(req->reply);
        req->reply = body;
        req->status = status;
}

static int on_start_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        WebRequest *req = userdata;
        ManagerProps p;

        req->slot = sd_bus_slot_unref(req->slot);
        manager_props_init(&p);
        if (!sd_bus_message_is_method_error(m, NULL) && manager_props_read(m, &p) >= 0 && p.state &&
            (streq(p.state, "armed") ||
             (streq(p.state, "paused") && streq_ptr(p.pause_reason, "belt-stopped"))))
                reply_set(req, 200, NULL, PACECTL_TEXT_PRESS_START);
        else
                reply_set(req, 200, NULL, "");
        manager_props_done(&p);
        web_request_resume(req);
        return 0;
}

static int on_control_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        WebRequest *req = userdata;
        Web *w = req->web;
        const sd_bus_error *e;
        int r;

        req->slot = sd_bus_slot_unref(req->slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const char *short_name;

                e = sd_bus_message_get_error(m);
                short_name = strrchr(e->name, '.');
                reply_set(req, status_for_error(e->name), short_name ? short_name + 1 : e->name,
                          e->message ? e->message : e->name);
                log_info("%s from the web refused: %s", web_action_to_string(req->action),
                         e->message ? e->message : e->name);
                web_request_resume(req);
                return 0;
        }
        if (req->action == WEB_ACTION_START) {
                /* As pacectl start: tell the runner when the belt must be started. */
                r = sd_bus_call_method_async(w->bus, &req->slot, PACED_BUS_NAME, PACED_BUS_PATH,
                                             "org.freedesktop.DBus.Properties", "GetAll",
                                             on_start_state, req, "s", PACED_BUS_IFACE_MANAGER);
                if (r >= 0)
                        return 0;
        }
        reply_set(req, 200, NULL, "");
        web_request_resume(req);
        return 0;
}

static enum MHD_Result handle_control(Web *w, struct MHD_Connection *c, WebRequest *req, Auth *a)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
        static const char *const methods[_WEB_ACTION_MAX] = {
                [WEB_ACTION_START] = "StartWorkout", [WEB_ACTION_PAUSE] = "Pause",
                [WEB_ACTION_RESUME] = "Resume",      [WEB_ACTION_STOP] = "Stop",
                [WEB_ACTION_SKIP] = "SkipStep",      [WEB_ACTION_EXTEND] = "ExtendStep",
                [WEB_ACTION_FASTER] = "AdjustSpeed", [WEB_ACTION_SLOWER] = "AdjustSpeed",
        };
        WebControlArgs args;
        char err[256];
        int r;

        if (!a->from_header)
                return web_respond_error(c, 401, "NoToken",
                                         "Control requests need the device token in the "
                                         "Authorization header.");
        if (a->device->kind != WEB_TOKEN_CONTROL)
                return web_respond_error(c, 403, "ReadOnly",
                                         "This device was paired read-only: it may watch, not "
                                         "control.");
        if (!web_origin_is_same(origin, host, request_is_tls(c)))
                return web_respond_error(c, 403, "WrongOrigin",
                                         "Control requests must come from this server's own page.");
        if (!bucket_take(&a->device->rate_tokens, &a->device->rate_usec, CONTROL_RATE,
                         CONTROL_BURST))
                return web_respond_error(c, 429, "TooManyRequests",
                                         "Too many control requests; wait a moment.");
        if (req->too_large)
                return web_respond_error(c, 413, "TooLarge", "The request body is too large.");
        r = web_control_args_parse(req->route.action, req->body, req->body_len, &args, err,
                                   sizeof(err));
        if (r < 0)
                return web_respond_error(c, r == -EMSGSIZE ? 413 : 400, "BadRequest", "%s", err);
        if (!w->paced_online)
                return web_respond_error(c, 503, "ServiceUnknown", "paced is not running.");

        r = sd_bus_message_new_method_call(w->bus, &msg, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, methods[req->route.action]);
        if (r >= 0)
                switch (req->route.action) {
                case WEB_ACTION_START:
                        r = sd_bus_message_append(msg, "sb", args.workout, (int)args.arm);
                        break;
                case WEB_ACTION_EXTEND:
                        r = sd_bus_message_append(msg, "u", (uint32_t)args.seconds);
                        break;
                case WEB_ACTION_FASTER:
                case WEB_ACTION_SLOWER:
                        r = sd_bus_message_append(msg, "d", args.delta_kmh);
                        break;
                case WEB_ACTION_PAUSE:
                case WEB_ACTION_RESUME:
                case WEB_ACTION_STOP:
                case WEB_ACTION_SKIP:
                case _WEB_ACTION_MAX:
                case _WEB_ACTION_INVALID:
                        break;
                }
        if (r >= 0)
                r = sd_bus_call_async(w->bus, &req->slot, msg, on_control_reply, req,
                                      DBUS_TIMEOUT_USEC);
        if (r < 0)
                return web_respond_error(c, 500, "Failed", "Cannot call paced.");
        log_info("%s from device %s '%s'.", web_action_to_string(req->route.action), a->device->id,
                 a->device->name);
        req->action = req->route.action;
        web_request_park(req);
        return MHD_YES;
}

/* ---- sessions (paced's database, read-only, like pacectl history) ---- */

static int open_store(Web *w, SessionStore **ret)
{
        _cleanup_free_ char *path = session_store_db_path(NULL, w->config.paced_state_dir);

        if (!path)
                return -ENOMEM;
        return session_store_open_db(ret, path, true);
}

static int memstream_done(FILE *f, char **buf, int r)
{
        if (fclose(f) != 0 && r >= 0)
                r = -EIO;
        if (r < 0) {
                free(*buf);
                *buf = NULL;
        }
        return r;
}

static enum MHD_Result handle_sessions(Web *w, struct MHD_Connection *c)
{
        _cleanup_free_ char *buf = NULL;
        SessionListEntry *l = NULL;
        SessionStore *s = NULL;
        size_t n = 0, len = 0;
        JsonWriter jw;
        FILE *f;
        int r;

        r = open_store(w, &s);
        if (r == -ENOENT)
                return web_respond_json(c, 200, "[]");
        if (r < 0)
                return web_respond_error(c, 500, "Failed", "Cannot open the session database.");
        r = session_store_list(s, 0, &l, &n);
        session_store_free(s);
        if (r < 0)
                return web_respond_error(c, 500, "Failed", "Cannot list the sessions.");
        f = open_memstream(&buf, &len);
        if (!f) {
                session_list_free(l, n);
                return MHD_NO;
        }
        json_writer_init(&jw, f);
        json_writer_begin_array(&jw);
        /* Newest first: what a runner looks for after a run. */
        for (size_t k = n; k-- > 0;) {
                const SessionListEntry *e = &l[k];

                json_writer_begin_object(&jw);
                json_writer_key_int(&jw, "id", e->id);
                json_writer_key_uint(&jw, "start_usec", e->start_wall_usec);
                json_writer_key_string(&jw, "end_reason",
                                       e->end_reason >= 0
                                               ? session_end_reason_to_string(e->end_reason)
                                               : "running");
                json_writer_key_string(&jw, "workout", e->workout_name);
                json_writer_key_number(&jw, "duration_s", e->duration_s);
                json_writer_key_number(&jw, "distance_m", e->distance_m);
                json_writer_key_number(&jw, "avg_hr_bpm", e->avg_hr_bpm);
                json_writer_key_number(&jw, "max_hr_bpm", e->max_hr_bpm);
                json_writer_key_number(&jw, "threshold_hr_bpm", e->threshold_hr_bpm);
                json_writer_key_number(&jw, "threshold_speed_kmh", e->threshold_speed_kmh);
                json_writer_end_object(&jw);
        }
        json_writer_end_array(&jw);
        session_list_free(l, n);
        if (memstream_done(f, &buf, 0) < 0)
                return MHD_NO;
        return web_respond_json(c, 200, buf);
}

static int load_session(Web *w, int64_t id, SessionData **ret)
{
        SessionStore *s = NULL;
        int r;

        r = open_store(w, &s);
        if (r < 0)
                return r;
        r = session_store_load(s, id, ret);
        session_store_free(s);
        return r;
}

static void write_laps(JsonWriter *jw, const char *key, const SessionLap *l, size_t n)
{
        json_writer_key(jw, key);
        json_writer_begin_array(jw);
        for (size_t i = 0; i < n; i++) {
                json_writer_begin_object(jw);
                json_writer_key_string(jw, "kind", lap_kind_to_string(l[i].kind));
                json_writer_key_int(jw, "step", l[i].step_index);
                json_writer_key_number(jw, "start_s", l[i].start_s);
                json_writer_key_number(jw, "end_s", l[i].end_s);
                json_writer_key_number(jw, "distance_m", l[i].distance_m);
                json_writer_key_number(jw, "avg_speed_kmh", l[i].avg_speed_kmh);
                json_writer_key_number(jw, "avg_hr_bpm", l[i].avg_hr_bpm);
                json_writer_key_number(jw, "max_hr_bpm", l[i].max_hr_bpm);
                json_writer_end_object(jw);
        }
        json_writer_end_array(jw);
}

static enum MHD_Result session_error(struct MHD_Connection *c, int64_t id, int r)
{
        if (r == -ENOENT)
                return web_respond_error(c, 404, "NoSession", "No session %" PRId64 ".", id);
        if (r == -ENODATA)
                return web_respond_error(c, 404, "NoSamples", "Session %" PRId64 " has no samples.",
                                         id);
        return web_respond_error(c, 500, "Failed", "Cannot read session %" PRId64 ".", id);
}

static enum MHD_Result handle_session(Web *w, struct MHD_Connection *c, int64_t id)
{
        _cleanup_free_ char *buf = NULL;
        SessionSummary *sum = NULL;
        SessionData *d = NULL;
        size_t len = 0;
        JsonWriter jw;
        FILE *f;
        int r;

        r = load_session(w, id, &d);
        if (r < 0)
                return session_error(c, id, r);
        r = session_summary_compute(d, &sum);
        if (r < 0) {
                session_data_free(d);
                return session_error(c, id, r);
        }
        f = open_memstream(&buf, &len);
        if (!f) {
                session_summary_free(sum);
                session_data_free(d);
                return MHD_NO;
        }
        json_writer_init(&jw, f);
        json_writer_begin_object(&jw);
        json_writer_key_int(&jw, "id", d->id);
        json_writer_key_uint(&jw, "start_usec", d->start_wall_usec);
        json_writer_key_string(&jw, "end_reason",
                               d->end_reason >= 0 ? session_end_reason_to_string(d->end_reason)
                                                  : "running");
        json_writer_key_string(&jw, "workout", d->workout_name);
        json_writer_key(&jw, "summary");
        json_writer_begin_object(&jw);
        json_writer_key_number(&jw, "duration_s", sum->duration_s);
        json_writer_key_number(&jw, "distance_m", sum->distance_m);
        json_writer_key_number(&jw, "avg_speed_kmh", sum->avg_speed_kmh);
        json_writer_key_number(&jw, "max_speed_kmh", sum->max_speed_kmh);
        json_writer_key_number(&jw, "avg_hr_bpm", sum->avg_hr_bpm);
        json_writer_key_number(&jw, "max_hr_bpm", sum->max_hr_bpm);
        json_writer_end_object(&jw);
        /* Splits count from the time trial or the main set: the page says which. */
        json_writer_key_string(&jw, "splits_from", sum->splits_from);
        write_laps(&jw, "splits_mile", sum->splits_mile, sum->n_splits_mile);
        write_laps(&jw, "splits_400m", sum->splits_400m, sum->n_splits_400m);
        json_writer_key(&jw, "results");
        json_writer_begin_array(&jw);
        for (size_t i = 0; i < sum->n_results; i++) {
                const TrialResult *t = &sum->results[i];
                char text[256];

                json_writer_begin_object(&jw);
                json_writer_key_number(&jw, "distance_m", t->distance_m);
                json_writer_key_number(&jw, "time_s", t->time_s);
                json_writer_key_bool(&jw, "complete", t->complete);
                json_writer_key_bool(&jw, "best", t->best);
                json_writer_key_string(&jw, "text", trial_result_format(t, text, sizeof(text)));
                json_writer_end_object(&jw);
        }
        json_writer_end_array(&jw);
        write_laps(&jw, "laps", d->laps, d->n_laps);
        json_writer_key(&jw, "thresholds");
        json_writer_begin_array(&jw);
        for (size_t i = 0; i < d->n_thresholds; i++) {
                const SessionThresholdRow *t = &d->thresholds[i];

                json_writer_begin_object(&jw);
                json_writer_key_string(&jw, "kind", t->kind);
                json_writer_key_string(&jw, "method", t->method);
                json_writer_key_number(&jw, "alpha1", t->alpha1);
                json_writer_key_number(&jw, "hr_bpm", t->hr_bpm);
                json_writer_key_number(&jw, "speed_kmh", t->speed_kmh);
                json_writer_key_number(&jw, "t_s", t->t_s);
                json_writer_end_object(&jw);
        }
        json_writer_end_array(&jw);
        json_writer_end_object(&jw);
        session_summary_free(sum);
        session_data_free(d);
        if (memstream_done(f, &buf, 0) < 0)
                return MHD_NO;
        return web_respond_json(c, 200, buf);
}

static int utc_offset(uint64_t wall_usec)
{
        time_t t = (time_t)(wall_usec / USEC_PER_SEC);
        struct tm tm;

        return localtime_r(&t, &tm) ? (int)tm.tm_gmtoff : 0;
}

static enum MHD_Result handle_file(Web *w, struct MHD_Connection *c, const WebRoute *route)
{
        _cleanup_free_ char *buf = NULL;
        SessionData *d = NULL;
        size_t len = 0;
        const char *type = "application/octet-stream";
        char disp[96];
        FILE *f;
        int r;

        r = load_session(w, route->session_id, &d);
        if (r < 0)
                return session_error(c, route->session_id, r);
        f = open_memstream(&buf, &len);
        if (!f) {
                session_data_free(d);
                return MHD_NO;
        }
        if (route->kind == WEB_ROUTE_REPORT) {
                r = report_svg_write(d, utc_offset(d->start_wall_usec),
                                     streq_ptr(w->props.units, "mi"), f);
                type = "image/svg+xml";
        } else
                switch (route->format) {
                case WEB_EXPORT_FIT: {
                        FitExportOptions o = {.utc_offset_s = utc_offset(d->start_wall_usec)};

                        r = export_fit_write(d, &o, f);
                        type = "application/vnd.ant.fit";
                        break;
                }
                case WEB_EXPORT_TCX:
                        r = export_tcx_write(d, f);
                        type = "application/vnd.garmin.tcx+xml";
                        break;
                case WEB_EXPORT_CSV:
                case _WEB_EXPORT_MAX:
                case _WEB_EXPORT_INVALID:
                        r = export_csv_samples_write(d, f);
                        type = "text/csv; charset=utf-8";
                        break;
                }
        session_data_free(d);
        r = memstream_done(f, &buf, r);
        if (r < 0)
                return session_error(c, route->session_id, r);
        if (route->kind == WEB_ROUTE_REPORT)
                return web_respond(c, 200, type, buf, len,
                                   (const char *const[]){"Content-Security-Policy",
                                                         "default-src 'none'; style-src "
                                                         "'unsafe-inline'",
                                                         NULL});
        snprintf(disp, sizeof(disp), "attachment; filename=\"paced-%" PRId64 ".%s\"",
                 route->session_id, web_export_format_to_string(route->format));
        return web_respond(c, 200, type, buf, len,
                           (const char *const[]){"Content-Disposition", disp, NULL});
}

static enum MHD_Result handle_workouts(Web *w, struct MHD_Connection *c)
{
        _cleanup_free_ char *buf = NULL;
        char **names = NULL;
        size_t len = 0;
        JsonWriter jw;
        FILE *f;
        int r;

        r = workout_library_list(workout_library_default_dirs(), &names);
        if (r < 0)
                return web_respond_error(c, 500, "Failed", "Cannot list the workout library.");
        f = open_memstream(&buf, &len);
        if (!f) {
                workout_library_strv_free(names);
                return MHD_NO;
        }
        json_writer_init(&jw, f);
        json_writer_begin_object(&jw);
        json_writer_key(&jw, "library");
        json_writer_begin_array(&jw);
        for (char **n = names; n && *n; n++)
                json_writer_string(&jw, *n);
        json_writer_end_array(&jw);
        json_writer_key_string(&jw, "today", w->props.schedule ? w->props.schedule : "");
        json_writer_end_object(&jw);
        workout_library_strv_free(names);
        if (memstream_done(f, &buf, 0) < 0)
                return MHD_NO;
        return web_respond_json(c, 200, buf);
}

/* SyncStore answered (or failed, or timed out): read the database now, as
 * it is. The request is dispatched again, as if it had just arrived. */
static int on_store_synced(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        WebRequest *req = userdata;

        req->slot = sd_bus_slot_unref(req->slot);
        if (sd_bus_message_is_method_error(m, NULL))
                log_info("Reading sessions without paced's last rows: %s",
                         sd_bus_message_get_error(m)->message ?: "no answer");
        req->store_synced = true;
        req->replied = false;
        web_request_resume(req);
        return 0;
}

/*
 * paced writes its sessions off its event loop: a session that has just
 * ended reaches the database a moment later. Before reading it, ask paced
 * to write what it holds (SyncStore) and park the request until it has,
 * so that the phone shows the run just finished as finished, whole. 1:
 * parked; 0: read now (paced is not running, or the call cannot be made).
 */
static int sync_store_first(Web *w, WebRequest *req)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        if (req->store_synced || !w->paced_online)
                return 0;
        r = sd_bus_message_new_method_call(w->bus, &msg, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, "SyncStore");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(msg, false);
        if (r >= 0)
                r = sd_bus_call_async(w->bus, &req->slot, msg, on_store_synced, req,
                                      DBUS_TIMEOUT_USEC);
        if (r < 0)
                return 0;
        web_request_park(req);
        return 1;
}

/* ---- dispatch ---- */

enum MHD_Result web_api_handle(Web *w, struct MHD_Connection *c, WebRequest *req)
{
        const WebRoute *route = &req->route;
        struct MHD_Response *resp;
        Auth a;
        int r;

        /* An async call has answered: its reply, now that the connection is back. */
        if (req->status) {
                if (req->sent)
                        return MHD_YES;
                req->sent = true;
                return web_respond_json(c, req->status,
                                        req->reply ? req->reply
                                                   : "{\"error\":\"Failed\",\"message\":\"\"}");
        }
        if (req->replied)
                return MHD_YES; /* parked on a D-Bus call */
        req->replied = true;
        if (req->route_r == -EBADRQC)
                return web_respond_error(c, 405, "MethodNotAllowed", "Method not allowed here.");
        if (req->route_r < 0)
                return web_respond_error(c, 404, "NotFound", "No such page.");

        /* What answers without a token: the pairing page and its files. */
        if (route->kind == WEB_ROUTE_PAIR_PAGE)
                return serve_static(w, c, "pair.html");
        if (route->kind == WEB_ROUTE_PAIR)
                return handle_pair(w, c, req);
        if (route->kind == WEB_ROUTE_STATIC && static_is_public(route->name))
                return serve_static(w, c, route->name);
        a = authenticate(w, c);
        if (!a.device) {
                if (route->kind == WEB_ROUTE_INDEX)
                        return serve_static(w, c, "pair.html");
                return web_respond_error(c, 401, "NoToken",
                                         "Pair this device first: run pacectl web pair on the "
                                         "computer next to the treadmill.");
        }
        switch (route->kind) {
        case WEB_ROUTE_INDEX:
                return serve_static(w, c, "index.html");
        case WEB_ROUTE_STATIC:
                return serve_static(w, c, route->name);
        case WEB_ROUTE_STATUS: {
                _cleanup_free_ char *json = NULL;

                web_paced_refresh_now(w);
                json = web_paced_status_json(w);

                return json ? web_respond_json(c, 200, json) : MHD_NO;
        }
        case WEB_ROUTE_EVENTS:
                r = web_events_open(w, c, a.device, &resp);
                if (r < 0)
                        return MHD_NO;
                r = MHD_queue_response(c, 200, resp);
                MHD_destroy_response(resp);
                return r;
        case WEB_ROUTE_WHOAMI: {
                char body[256], name[160];

                web_json_escape(a.device->name, name, sizeof(name));
                snprintf(body, sizeof(body), "{\"id\":\"%s\",\"kind\":\"%s\",\"name\":\"%s\"}",
                         a.device->id, web_token_kind_to_string(a.device->kind), name);
                return web_respond_json(c, 200, body);
        }
        case WEB_ROUTE_WORKOUTS:
                web_paced_refresh_now(w);
                return handle_workouts(w, c);
        case WEB_ROUTE_SESSIONS:
                if (sync_store_first(w, req) > 0)
                        return MHD_YES;
                return handle_sessions(w, c);
        case WEB_ROUTE_SESSION:
                if (sync_store_first(w, req) > 0)
                        return MHD_YES;
                return handle_session(w, c, route->session_id);
        case WEB_ROUTE_REPORT:
        case WEB_ROUTE_EXPORT:
                if (sync_store_first(w, req) > 0)
                        return MHD_YES;
                return handle_file(w, c, route);
        case WEB_ROUTE_CONTROL:
                return handle_control(w, c, req, &a);
        case WEB_ROUTE_PAIR_PAGE:
        case WEB_ROUTE_PAIR:
        case _WEB_ROUTE_KIND_MAX:
        case _WEB_ROUTE_KIND_INVALID:
                break;
        }
        return web_respond_error(c, 404, "NotFound", "No such page.");
}
