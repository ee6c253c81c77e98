/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager methods paced-sync calls (planned workouts in, finished
 * sessions out) and the PlannedWorkouts property. They admit the paced-sync
 * group as well as the admin group: none of them moves the belt.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager-internal.h"
#include "plan.h"

/* Sessions per ListSessions reply: the caller asks again after the last id. */
#define LIST_SESSIONS_MAX 100

int bus_property_get_planned_workouts(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error)
{
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->planned.n; i++) {
                const PlannedWorkout *w = &m->planned.items[i];
                char date[11];

                r = sd_bus_message_append(reply, "(ssss)", plan_date_format(w->date, date),
                                          w->source, w->name, w->filename);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static void items_free(PlannedWorkout *items, size_t n)
{
        for (size_t i = 0; i < n; i++)
                planned_workout_done(&items[i]);
        free(items);
}

int bus_method_set_planned_workouts(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        PlannedWorkout *items = NULL;
        const char *source;
        size_t n = 0, alloc = 0;
        int r;

        r = manager_verify_sync_access(m, message, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "s", &source);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(message, 'a', "(ssss)");
        if (r < 0)
                return r;
        for (;;) {
                const char *date, *name, *filename, *contents;
                PlannedWorkout *w;

                r = sd_bus_message_read(message, "(ssss)", &date, &name, &filename, &contents);
                if (r < 0)
                        goto fail;
                if (r == 0)
                        break;
                /* Checked one by one, so the message names the entry. */
                if (n >= PLANNED_PER_SOURCE_MAX) {
                        r = sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                              "More than %d planned workouts.",
                                              PLANNED_PER_SOURCE_MAX);
                        goto fail;
                }
                if (!planned_name_is_valid(name) || !planned_filename_is_valid(filename) ||
                    strlen(contents) > PLANNED_CONTENTS_MAX) {
                        r = sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                              "Planned workout %zu: a name of 1 to %d printable "
                                              "bytes, a filename [A-Za-z0-9._-] ending in .txt "
                                              "or .zwo, and at most %d bytes of contents.",
                                              n + 1, PLANNED_NAME_MAX, PLANNED_CONTENTS_MAX);
                        goto fail;
                }
                if (n >= alloc) {
                        size_t na = alloc ? 2 * alloc : 8;
                        PlannedWorkout *p = reallocarray(items, na, sizeof(*items));

                        if (!p) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        items = p;
                        alloc = na;
                }
                w = &items[n];
                *w = (PlannedWorkout){};
                n++;
                if (plan_date_parse(date, &w->date) < 0) {
                        r = sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                              "Planned workout %zu: '%s' is not a date "
                                              "(YYYY-MM-DD).",
                                              n, date);
                        goto fail;
                }
                w->source = strdup(source);
                w->name = strdup(name);
                w->filename = strdup(filename);
                w->contents = strdup(contents);
                if (!w->source || !w->name || !w->filename || !w->contents) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        r = sd_bus_message_exit_container(message);
        if (r < 0)
                goto fail;
        r = manager_set_planned_workouts(m, source, items, n, error);
        free(items); /* the entries were taken over */
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
fail:
        items_free(items, n);
        return r;
}

int bus_reply_list_sessions(sd_bus_message *message, const SessionListEntry *l, size_t n)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(tttssdd)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(
                        reply, "(tttssdd)", (uint64_t)l[i].id, l[i].start_wall_usec,
                        l[i].end_wall_usec, session_end_reason_to_string(l[i].end_reason) ?: "",
                        l[i].workout_name ?: "", l[i].duration_s, l[i].distance_m);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_list_sessions(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        uint64_t after;
        int r;

        r = manager_verify_sync_access(m, message, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "t", &after);
        if (r < 0)
                return r;
        /* Replied once the database is read (bus_reply_list_sessions()). */
        return manager_list_sessions(m, message, after, LIST_SESSIONS_MAX, error);
}

int bus_method_export_session(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        Manager *m = userdata;
        const char *format;
        uint64_t id;
        size_t size = 0;
        int r;

        r = manager_verify_sync_access(m, message, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "ts", &id, &format);
        if (r < 0)
                return r;
        r = manager_export_session(m, id, format, &data, &size, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', data, size);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
