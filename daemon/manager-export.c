/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finished sessions for paced-sync: which there are, and each as a FIT (or
 * TCX) file. paced-sync has no access to the state directory; this is how
 * it reads sessions, never more than the finished ones.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export-fit.h"
#include "export-tcx.h"
#include "log.h"
#include "manager-internal.h"

/* The session that is being recorded, or that a crash left and may still resume. */
static bool session_is_open(Manager *m, int64_t id)
{
        return (m->session_id > 0 && id == m->session_id) ||
               (m->recover_pending && id == m->recover.id);
}

bool manager_workout_under_way(Manager *m)
{
        EngineState s;

        if (!m->engine || !workout_engine_get_workout(m->engine))
                return false;
        s = workout_engine_get_state(m->engine);
        return s == ENGINE_STATE_RUNNING || s == ENGINE_STATE_PAUSED || s == ENGINE_STATE_ARMED;
}

typedef struct ListJob {
        Manager *manager;
        sd_bus_message *message;
        int64_t after_id;
        size_t max;
        SessionListEntry *list;
        size_t n;
} ListJob;

static int list_job_run(SessionStore *s, void *userdata)
{
        ListJob *j = userdata;

        return session_store_list_finished(s, j->after_id, j->max, &j->list, &j->n);
}

static void list_job_done(int r, const char *error, void *userdata)
{
        ListJob *j = userdata;
        Manager *m = j->manager;
        size_t k = 0;

        if (r < 0)
                (void)sd_bus_reply_method_errorf(j->message, PACED_ERROR_FAILED,
                                                 "Cannot list sessions: %s", error);
        else {
                /* An interrupted session may yet be resumed: not finished until
                 * it is decided (decided now, on the loop, not when read). */
                for (size_t i = 0; i < j->n; i++) {
                        if (session_is_open(m, j->list[i].id)) {
                                free(j->list[i].workout_name);
                                continue;
                        }
                        j->list[k++] = j->list[i];
                }
                r = bus_reply_list_sessions(j->message, j->list, k);
                if (r < 0)
                        (void)sd_bus_reply_method_errnof(j->message, r, "Cannot list sessions: %m");
        }
        session_list_free(j->list, k);
        sd_bus_message_unref(j->message);
        free(j);
}

int manager_list_sessions(Manager *m, sd_bus_message *message, uint64_t after_id, unsigned max,
                          sd_bus_error *error)
{
        ListJob *j;
        int r;

        if (!m->store)
                return sd_bus_error_set(error, PACED_ERROR_FAILED,
                                        "paced runs without a session store.");
        /* paced-sync asks whenever it likes, a workout running or not: the
         * read waits for the writer's batch, so it runs after it, off the loop. */
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (ListJob){
                .manager = m,
                .message = sd_bus_message_ref(message),
                .after_id = after_id > INT64_MAX ? INT64_MAX : (int64_t)after_id,
                .max = max,
        };
        r = manager_store_queue(m, list_job_run, list_job_done, j);
        if (r < 0) {
                sd_bus_message_unref(j->message);
                free(j);
                return r;
        }
        return 1;
}

static int utc_offset(uint64_t wall_usec)
{
        time_t t = (time_t)(wall_usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return 0;
        return (int)tm.tm_gmtoff;
}

int manager_export_session(Manager *m, uint64_t id, const char *format, uint8_t **ret,
                           size_t *ret_size, sd_bus_error *error)
{
        _cleanup_free_ char *buf = NULL;
        SessionData *d = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!streq(format, "fit") && !streq(format, "tcx"))
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Unknown format '%s' (fit, tcx).", format);
        if (!m->store)
                return sd_bus_error_set(error, PACED_ERROR_FAILED,
                                        "paced runs without a session store.");
        if (id == 0 || id > INT64_MAX || session_is_open(m, (int64_t)id))
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "No finished session %" PRIu64 ".", id);
        /* Loading and encoding a long session takes a while: not while the belt
         * runs a workout, whose timers share this loop. So the loop may wait
         * for the writer's batch here: no workout's belt is moving. */
        if (manager_workout_under_way(m))
                return sd_bus_error_set(error, PACED_ERROR_BUSY,
                                        "A workout is running: sessions are exported after it.");
        manager_store_sync(m);
        r = session_store_load(m->store, (int64_t)id, &d);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "No finished session %" PRIu64 ".", id);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_FAILED,
                                         "Cannot read session %" PRIu64 ": %s", id,
                                         session_store_last_error(m->store));
        if (d->end_reason == _SESSION_END_INVALID) {
                session_data_free(d);
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "No finished session %" PRIu64 ".", id);
        }
        if (streq(format, "fit")) {
                FitExportOptions o = {.utc_offset_s = utc_offset(d->start_wall_usec)};

                r = export_fit(d, &o, (uint8_t **)&buf, &size);
        } else {
                f = open_memstream(&buf, &size);
                if (!f)
                        r = -ENOMEM;
                else {
                        r = export_tcx_write(d, f);
                        if (fclose(f) != 0 && r >= 0)
                                r = -ENOMEM;
                }
        }
        session_data_free(d);
        if (r == -ENODATA)
                return sd_bus_error_setf(error, PACED_ERROR_NO_DATA,
                                         "Session %" PRIu64 " has no samples.", id);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_FAILED,
                                         "Cannot export session %" PRIu64 ": %s", id, strerror(-r));
        *ret = (uint8_t *)TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}
