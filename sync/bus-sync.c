/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paced-sync on the bus: io.paced.sync1.Manager at /io/paced/sync1, what
 * `pacectl sync` calls. Every method needs root or the paced group, like
 * paced's own (the D-Bus policy says so too). Nothing here returns a
 * secret: status details are written by paced-sync, never copied from a
 * token endpoint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "paced-bus.h"
#include "sync-manager.h"

#define SYNC_ERROR_PREFIX         "io.paced.sync1.Error."
#define SYNC_ERROR_NOT_PERMITTED  SYNC_ERROR_PREFIX "NotPermitted"
#define SYNC_ERROR_NOT_CONFIGURED SYNC_ERROR_PREFIX "NotConfigured"
#define SYNC_ERROR_INVALID        SYNC_ERROR_PREFIX "InvalidArgument"
#define SYNC_ERROR_BUSY           SYNC_ERROR_PREFIX "Busy"
#define SYNC_ERROR_FAILED         SYNC_ERROR_PREFIX "Failed"

static int verify_access(SyncManager *m, sd_bus_message *msg, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *group = m->admin_group ? m->admin_group : PACED_ADMIN_GROUP;
        struct group *gr = getgrnam(group);
        const gid_t *gids = NULL;
        uid_t uid;
        gid_t gid;
        int n, r;

        r = sd_bus_query_sender_creds(msg,
                                      SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID |
                                              SD_BUS_CREDS_SUPPLEMENTARY_GIDS |
                                              SD_BUS_CREDS_AUGMENT,
                                      &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return sd_bus_error_set(error, SYNC_ERROR_NOT_PERMITTED,
                                        "Cannot establish the caller's credentials; refusing.");
        if (uid == 0)
                return 0;
        if (gr && sd_bus_creds_get_egid(creds, &gid) >= 0 && gid == gr->gr_gid)
                return 0;
        n = gr ? sd_bus_creds_get_supplementary_gids(creds, &gids) : -ENODATA;
        for (int i = 0; i < n; i++)
                if (gids[i] == gr->gr_gid)
                        return 0;
        return sd_bus_error_setf(error, SYNC_ERROR_NOT_PERMITTED,
                                 "Only root and members of the '%s' group may use paced-sync.",
                                 group);
}

#define REQUIRE_ACCESS(m, msg, error)                                                              \
        do {                                                                                       \
                int _r_ = verify_access((m), (msg), (error));                                      \
                if (_r_ < 0)                                                                       \
                        return _r_;                                                                \
        } while (0)

static int method_sync_now(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        SyncManager *m = userdata;

        REQUIRE_ACCESS(m, msg, error);
        log_info("Syncing now, as asked.");
        sync_now_all(m);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_retry_failed(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        SyncManager *m = userdata;
        int n;

        REQUIRE_ACCESS(m, msg, error);
        n = outbox_retry_failed(m->outbox, sync_now());
        if (n < 0)
                return sd_bus_error_setf(error, SYNC_ERROR_FAILED, "%s",
                                         outbox_last_error(m->outbox));
        sync_pump(m);
        return sd_bus_reply_method_return(msg, "u", (uint32_t)n);
}

static const char *service_state(SyncService *s, uint64_t now, const char **detail, uint64_t *until)
{
        *detail = "";
        *until = 0;
        if (!s->enabled)
                return "off";
        if (s->blocked) {
                *detail = s->blocked;
                return "waiting";
        }
        if (s->paused_until > now) {
                *detail = "rate-limited (429): waiting as the service asked";
                *until = s->paused_until;
                return "paused";
        }
        return "ok";
}

static int method_get_status(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SyncManager *m = userdata;
        uint64_t now = sync_now();
        Job *jobs = NULL;
        size_t n = 0;
        int r;

        REQUIRE_ACCESS(m, msg, error);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssst)");
        for (int i = 0; r >= 0 && i < _SYNC_SERVICE_MAX; i++) {
                const char *detail, *state;
                uint64_t until;

                state = service_state(&m->services[i], now, &detail, &until);
                r = sd_bus_message_append(reply, "(ssst)", m->services[i].name, state, detail,
                                          until);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        r = outbox_list(m->outbox, 200, &jobs, &n);
        if (r < 0)
                return sd_bus_error_setf(error, SYNC_ERROR_FAILED, "%s",
                                         outbox_last_error(m->outbox));
        r = sd_bus_message_open_container(reply, 'a', "(tsstssstu)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const Job *j = &jobs[i];

                r = sd_bus_message_append(reply, "(tsstssstu)", (uint64_t)j->id, j->service,
                                          job_kind_to_string(j->kind), (uint64_t)j->session_id,
                                          job_state_to_string(j->state), j->detail ?: "",
                                          j->remote_id ?: "", j->next_usec, j->failures);
        }
        jobs_free(jobs, n);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);

        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssss)");
        for (int i = 0; r >= 0 && i < _SYNC_SERVICE_MAX; i++) {
                CalendarEntry *c = NULL;
                size_t k = 0;

                if (!m->services[i].calendar)
                        continue;
                if (outbox_list_calendar(m->outbox, m->services[i].name, &c, &k) < 0)
                        continue;
                for (size_t j = 0; r >= 0 && j < k; j++)
                        r = sd_bus_message_append(reply, "(ssssss)", m->services[i].name, c[j].date,
                                                  c[j].event_id, c[j].name, c[j].type,
                                                  c[j].outcome);
                calendar_entries_free(c, k);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static SyncService *service_or_error(SyncManager *m, SyncServiceKind k, sd_bus_error *error)
{
        SyncService *s = &m->services[k];

        if (!s->enabled) {
                sd_bus_error_setf(error, SYNC_ERROR_NOT_CONFIGURED,
                                  "%s is not set up in %s (see paced-sync(8)).", s->name,
                                  m->config_path);
                return NULL;
        }
        return s;
}

static int method_strava_authorize_url(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        SyncManager *m = userdata;
        _cleanup_free_ char *url = NULL;
        SyncService *s;

        REQUIRE_ACCESS(m, msg, error);
        s = service_or_error(m, SYNC_STRAVA, error);
        if (!s)
                return -EINVAL;
        url = sync_strava_authorize_url(s);
        if (!url)
                return -ENOMEM;
        return sd_bus_reply_method_return(msg, "s", url);
}

static int method_strava_login(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        SyncManager *m = userdata;
        const char *code;
        SyncService *s;
        int r;

        REQUIRE_ACCESS(m, msg, error);
        r = sd_bus_message_read(msg, "s", &code);
        if (r < 0)
                return r;
        s = service_or_error(m, SYNC_STRAVA, error);
        if (!s)
                return -EINVAL;
        /* Strava's codes are hex; anything else is not one (and not logged). */
        if (strlen(code) < 8 || strlen(code) > 256 ||
            strspn(code, "0123456789abcdefABCDEF") != strlen(code))
                return sd_bus_error_set(error, SYNC_ERROR_INVALID,
                                        "That is not a Strava authorization code.");
        if (!s->secret)
                sync_service_load_secrets(s);
        r = s->secret ? sync_strava_login(s, code, msg) : -ENOKEY;
        if (r == -ENOKEY)
                return sd_bus_error_setf(error, SYNC_ERROR_NOT_CONFIGURED,
                                         "No Strava client secret: %s",
                                         s->blocked ? s->blocked : "see paced-sync(8)");
        if (r == -EBUSY)
                return sd_bus_error_set(error, SYNC_ERROR_BUSY, "A login is under way.");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot reach Strava: %m");
        return 1; /* replied later */
}

static int method_fetch_runner_settings(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        SyncManager *m = userdata;
        SyncService *s;
        int r;

        REQUIRE_ACCESS(m, msg, error);
        s = service_or_error(m, SYNC_INTERVALS, error);
        if (!s)
                return -EINVAL;
        if (!s->secret)
                sync_service_load_secrets(s);
        r = s->secret ? sync_intervals_fetch_settings(s, msg) : -ENOKEY;
        if (r == -ENOKEY)
                return sd_bus_error_setf(error, SYNC_ERROR_NOT_CONFIGURED,
                                         "No intervals.icu API key: %s",
                                         s->blocked ? s->blocked : "see paced-sync(8)");
        if (r == -EBUSY)
                return sd_bus_error_set(error, SYNC_ERROR_BUSY, "A request is under way.");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot reach intervals.icu: %m");
        return 1;
}

/* QueueUpload: the session's row from paced, then a job per service. */
typedef struct QueueCall {
        SyncManager *m;
        sd_bus_message *call;
        uint64_t id;
} QueueCall;

static int on_queue_listed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        QueueCall *q = userdata;
        SyncManager *m = q->m;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint64_t id, start, end;
        const char *reason, *name;
        double d1, d2;
        unsigned queued = 0;
        int r;

        if (e) {
                (void)sd_bus_reply_method_errorf(q->call, SYNC_ERROR_FAILED, "paced: %s",
                                                 e->message);
                goto out;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(tttssdd)");
        if (r >= 0)
                r = sd_bus_message_read(reply, "(tttssdd)", &id, &start, &end, &reason, &name, &d1,
                                        &d2);
        if (r <= 0 || id != q->id) {
                (void)sd_bus_reply_method_errorf(q->call, SYNC_ERROR_INVALID,
                                                 "paced has no finished session %" PRIu64 ".",
                                                 q->id);
                goto out;
        }
        for (int i = 0; i < _SYNC_SERVICE_MAX; i++) {
                SyncService *s = &m->services[i];

                if (!s->enabled || !s->upload)
                        continue;
                r = outbox_add_upload(m->outbox, s->name, (int64_t)id, start,
                                      *name ? name : "Treadmill run", sync_now());
                if (r > 0)
                        queued++;
        }
        (void)sd_bus_reply_method_return(q->call, "u", queued);
        sync_pump(m);
out:
        sd_bus_message_unref(q->call);
        free(q);
        return 0;
}

static int method_queue_upload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        SyncManager *m = userdata;
        QueueCall *q;
        uint64_t id;
        int r;

        REQUIRE_ACCESS(m, msg, error);
        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        if (id == 0 || id > INT64_MAX)
                return sd_bus_error_set(error, SYNC_ERROR_INVALID, "No such session.");
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        *q = (QueueCall){.m = m, .call = sd_bus_message_ref(msg), .id = id};
        r = sd_bus_call_method_async(m->bus, NULL, PACED_BUS_NAME, PACED_BUS_PATH,
                                     PACED_BUS_IFACE_MANAGER, "ListSessions", on_queue_listed, q,
                                     "t", id - 1);
        if (r < 0) {
                sd_bus_message_unref(q->call);
                free(q);
                return sd_bus_error_set_errnof(error, r, "Cannot ask paced: %m");
        }
        return 1;
}

static const sd_bus_vtable sync_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("SyncNow", "", "", method_sync_now, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetStatus", "", , "a(ssst)a(tsstssstu)a(ssssss)",
                                 SD_BUS_PARAM(services) SD_BUS_PARAM(jobs) SD_BUS_PARAM(calendar),
                                 method_get_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RetryFailed", "", , "u", SD_BUS_PARAM(count), method_retry_failed,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("QueueUpload", "t", SD_BUS_PARAM(session_id), "u",
                                 SD_BUS_PARAM(queued), method_queue_upload,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StravaAuthorizeUrl", "", , "s", SD_BUS_PARAM(url),
                                 method_strava_authorize_url, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StravaLogin", "s", SD_BUS_PARAM(code), "s", SD_BUS_PARAM(athlete),
                                 method_strava_login, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("FetchRunnerSettings", "", , "uud",
                                 SD_BUS_PARAM(max_hr) SD_BUS_PARAM(lthr)
                                         SD_BUS_PARAM(threshold_pace_s_per_km),
                                 method_fetch_runner_settings, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_sync_register(SyncManager *m)
{
        return sd_bus_add_object_vtable(m->bus, NULL, SYNC_BUS_PATH, SYNC_BUS_IFACE, sync_vtable,
                                        m);
}
