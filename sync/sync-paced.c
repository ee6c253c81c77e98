/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paced's side of paced-sync: finished sessions come from ListSessions
 * (after SessionFinished, when paced appears, on `sync now`) and go out as
 * FIT files from ExportSession; planned workouts go in with
 * SetPlannedWorkouts. paced-sync never calls anything else of paced's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "paced-bus.h"
#include "sync-manager.h"

#define WATERMARK_KEY     "sessions.seen"
#define LIST_SESSIONS_MAX 100 /* paced's page size: a full page means ask again */

static int queue_session(SyncManager *m, int64_t id, uint64_t start, uint64_t end, const char *name)
{
        int queued = 0;

        for (int i = 0; i < _SYNC_SERVICE_MAX; i++) {
                SyncService *s = &m->services[i];
                char key[64];
                int64_t since = 0;
                int r;

                if (!s->enabled || !s->upload)
                        continue;
                snprintf(key, sizeof(key), "since.%s", s->name);
                if (outbox_get_int(m->outbox, key, &since) >= 0 && end < (uint64_t)since)
                        continue;
                r = outbox_add_upload(m->outbox, s->name, id, start,
                                      name && *name ? name : "Treadmill run", sync_now());
                if (r < 0)
                        return r;
                if (r > 0) {
                        log_info("%s: session %" PRIi64 " queued.", s->name, id);
                        queued++;
                }
        }
        return queued;
}

static int on_list_sessions(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        SyncManager *m = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int64_t watermark = 0;
        size_t n = 0;
        int r;

        m->list_call = sd_bus_slot_unref(m->list_call);
        if (e) {
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        log_debug("paced is not running: sessions are listed when it starts.");
                else
                        log_warning("Cannot list paced's sessions: %s", e->message);
                goto done;
        }
        (void)outbox_get_int(m->outbox, WATERMARK_KEY, &watermark);
        r = sd_bus_message_enter_container(reply, 'a', "(tttssdd)");
        if (r < 0)
                goto bad;
        r = outbox_begin(m->outbox);
        if (r < 0) {
                log_error("Cannot write the outbox: %s", outbox_last_error(m->outbox));
                goto done;
        }
        for (;;) {
                uint64_t id, start, end;
                const char *reason, *name;
                double duration, distance;

                r = sd_bus_message_read(reply, "(tttssdd)", &id, &start, &end, &reason, &name,
                                        &duration, &distance);
                if (r < 0) {
                        outbox_rollback(m->outbox);
                        goto bad;
                }
                if (r == 0)
                        break;
                n++;
                if (id > INT64_MAX)
                        continue;
                r = queue_session(m, (int64_t)id, start, end, name);
                if (r < 0) {
                        outbox_rollback(m->outbox);
                        log_error("Cannot queue session %" PRIu64 ": %s", id,
                                  outbox_last_error(m->outbox));
                        goto done;
                }
                watermark = MAX(watermark, (int64_t)id);
        }
        /* The sessions and how far they were seen, in one transaction: never one without
         * the other, so that a crash here loses no session. */
        r = outbox_set_int(m->outbox, WATERMARK_KEY, watermark);
        if (r >= 0)
                r = outbox_commit(m->outbox);
        if (r < 0) {
                outbox_rollback(m->outbox);
                log_error("Cannot write the outbox: %s", outbox_last_error(m->outbox));
                goto done;
        }
        if (n >= LIST_SESSIONS_MAX)
                m->list_again = true;
        goto done;
bad:
        log_warning_errno(r, "paced's session list does not parse: %m");
done:
        if (m->list_again) {
                m->list_again = false;
                sync_discover_sessions(m);
        }
        sync_pump(m);
        return 0;
}

void sync_discover_sessions(SyncManager *m)
{
        int64_t watermark = 0;
        bool any = false;
        int r;

        for (int i = 0; i < _SYNC_SERVICE_MAX; i++)
                any = any || (m->services[i].enabled && m->services[i].upload);
        if (!any)
                return;
        if (m->list_call) {
                m->list_again = true;
                return;
        }
        (void)outbox_get_int(m->outbox, WATERMARK_KEY, &watermark);
        r = sd_bus_call_method_async(m->bus, &m->list_call, PACED_BUS_NAME, PACED_BUS_PATH,
                                     PACED_BUS_IFACE_MANAGER, "ListSessions", on_list_sessions, m,
                                     "t", (uint64_t)MAX(watermark, (int64_t)0));
        if (r < 0)
                log_warning_errno(r, "Cannot ask paced for its sessions: %m");
}

/* paced's answer to ExportSession: the FIT, or why not. */
static int on_exported(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        SyncService *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const void *data;
        size_t size;
        int r;

        s->call = sd_bus_slot_unref(s->call);
        if (e) {
                if (sd_bus_error_has_name(e, PACED_ERROR_NO_DATA))
                        sync_job_finish(s, JOB_FAILED, "nothing to upload: %s", e->message);
                else if (sd_bus_error_has_name(e, PACED_ERROR_BUSY))
                        sync_job_later(s, s->job.state, 60 * USEC_PER_SEC, false,
                                       "waiting for the workout on the belt to end");
                else if (sd_bus_error_has_name(e, PACED_ERROR_INVALID_ARGUMENT))
                        sync_job_finish(s, JOB_FAILED, "paced: %s", e->message);
                else if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                         sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        sync_job_later(s, s->job.state, 0, true, "paced is not running");
                else
                        sync_job_later(s, s->job.state, 0, true, "paced: %s", e->message);
                return 0;
        }
        r = sd_bus_message_read_array(reply, 'y', &data, &size);
        if (r < 0 || size == 0) {
                sync_job_later(s, s->job.state, 0, true, "paced's export does not read");
                return 0;
        }
        free(s->file);
        s->file = malloc(size);
        if (!s->file) {
                sync_job_later(s, s->job.state, 0, true, "out of memory");
                return 0;
        }
        memcpy(s->file, data, size);
        s->file_size = size;
        if (s->kind == SYNC_INTERVALS)
                sync_intervals_send(s);
        else
                sync_strava_send(s);
        return 0;
}

int sync_export_then_send(SyncService *s)
{
        SyncManager *m = s->manager;
        int r;

        /* The file of an earlier step of this job is still good. */
        if (s->file) {
                if (s->kind == SYNC_INTERVALS)
                        sync_intervals_send(s);
                else
                        sync_strava_send(s);
                return 0;
        }
        r = sd_bus_call_method_async(m->bus, &s->call, PACED_BUS_NAME, PACED_BUS_PATH,
                                     PACED_BUS_IFACE_MANAGER, "ExportSession", on_exported, s, "ts",
                                     (uint64_t)s->job.session_id, "fit");
        if (r < 0)
                sync_job_later(s, s->job.state, 0, true, "cannot ask paced for the session: %s",
                               strerror(-r));
        return r;
}

int sync_paced_set_planned(SyncService *s, sd_bus_message *workouts,
                           sd_bus_message_handler_t callback)
{
        return sd_bus_call_async(s->manager->bus, &s->call, workouts, callback, s, 0);
}

static int on_session_finished(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        SyncManager *m = userdata;
        uint64_t id = 0;
        const char *reason = "";

        (void)sd_bus_message_read(msg, "ts", &id, &reason);
        log_debug("paced finished session %" PRIu64 " (%s).", id, reason);
        sync_discover_sessions(m);
        return 0;
}

static int on_name_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        SyncManager *m = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner) < 0 || !*new_owner)
                return 0;
        log_info("paced is on the bus: looking for sessions, handing over the calendar.");
        /* What waited for paced (exports, the planned workouts) goes now. */
        (void)outbox_wake(m->outbox, NULL, sync_now());
        sync_discover_sessions(m);
        sync_pump(m);
        return 0;
}

int sync_paced_subscribe(SyncManager *m)
{
        int r;

        r = sd_bus_match_signal_async(m->bus, &m->match_finished, PACED_BUS_NAME, PACED_BUS_PATH,
                                      PACED_BUS_IFACE_MANAGER, "SessionFinished",
                                      on_session_finished, NULL, m);
        if (r < 0)
                return r;
        return sd_bus_add_match_async(m->bus, &m->match_owner,
                                      "type='signal',sender='org.freedesktop.DBus',"
                                      "path='/org/freedesktop/DBus',"
                                      "interface='org.freedesktop.DBus',"
                                      "member='NameOwnerChanged',arg0='" PACED_BUS_NAME "'",
                                      on_name_owner_changed, NULL, m);
}
