/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paced-web as a client of paced, like pacectl: the Manager's and the
 * devices' properties are cached from GetAll and PropertiesChanged, paced's
 * signals are passed on, and all of it goes to every open page through
 * web-events.c. One set of matches on the bus, however many pages: paced
 * sees a single extra client.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "bus-util.h"
#include "json-writer.h"
#include "log.h"
#include "web.h"

static void refresh_all(Web *w);

/* ---- the status JSON ---- */

char *web_paced_status_json(Web *w)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        /* Exactly pacectl status --json, then paced-web's additions. */
        status_print_json(f, &w->props, w->devices, ELEMENTSOF(w->devices));
        if (fflush(f) != 0 || len < 3) {
                fclose(f);
                free(buf);
                return NULL;
        }
        /* Drop the closing "}\n" and add to the object. */
        fseeko(f, (off_t)len - 2, SEEK_SET);
        fputs(",\"workout_remaining_s\":", f);
        pacectl_json_number(f, w->remaining_s);
        fputs(",\"workout_remaining_m\":", f);
        pacectl_json_number(f, w->remaining_m);
        fprintf(f, ",\"paced_online\":%s}", w->paced_online ? "true" : "false");
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static void broadcast_status(Web *w)
{
        _cleanup_free_ char *json = web_paced_status_json(w);

        if (json)
                web_events_broadcast(w, "status", json);
}

/* ---- the properties paced-web reads beyond pacectl's: Steps, StepCues, WorkoutRemaining ---- */

static void steps_clear(WebStep *steps, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(steps[i].kind);
                free(steps[i].end);
                free(steps[i].label);
        }
        free(steps);
}

static void strv_free_all(char **l)
{
        for (char **p = l; p && *p; p++)
                free(*p);
        free(l);
}

void web_paced_steps_free(Web *w)
{
        steps_clear(w->steps, w->n_steps);
        w->steps = NULL;
        w->n_steps = 0;
        strv_free_all(w->step_cues);
        w->step_cues = NULL;
        free(w->steps_json);
        w->steps_json = NULL;
}

/* The steps as the page reads them: Steps' fields and each step's "cue". */
static char *steps_json(Web *w)
{
        char *buf = NULL;
        size_t len = 0, n_cues = 0;
        FILE *f = open_memstream(&buf, &len);
        JsonWriter jw;

        if (!f)
                return NULL;
        while (w->step_cues && w->step_cues[n_cues])
                n_cues++;
        json_writer_init(&jw, f);
        json_writer_begin_array(&jw);
        for (size_t i = 0; i < w->n_steps; i++) {
                const WebStep *s = &w->steps[i];

                json_writer_begin_object(&jw);
                json_writer_key_string(&jw, "kind", s->kind);
                json_writer_key_string(&jw, "end", s->end);
                json_writer_key_string(&jw, "label", s->label);
                /* The author's words, as pacectl shows them; "" without (or
                 * from a paced without StepCues). Text from a workout file:
                 * the page shows it as text, never as markup. */
                json_writer_key_string(&jw, "cue", i < n_cues ? w->step_cues[i] : "");
                json_writer_key_number(&jw, "value", s->value);
                json_writer_key_number(&jw, "time_s", s->time_s);
                json_writer_key_number(&jw, "speed_start_kmh", s->speed_start_kmh);
                json_writer_key_number(&jw, "speed_end_kmh", s->speed_end_kmh);
                json_writer_key_uint(&jw, "rep", s->rep);
                json_writer_key_uint(&jw, "reps", s->reps);
                json_writer_end_object(&jw);
        }
        json_writer_end_array(&jw);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int read_steps(sd_bus_message *m, WebStep **ret, size_t *ret_n)
{
        WebStep *steps = NULL;
        size_t n = 0, allocated = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a(sssdddduu)");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "(sssdddduu)");
        if (r < 0)
                return r;
        for (;;) {
                const char *kind, *end, *label;
                WebStep s = {};

                r = sd_bus_message_read(m, "(sssdddduu)", &kind, &end, &label, &s.value, &s.time_s,
                                        &s.speed_start_kmh, &s.speed_end_kmh, &s.rep, &s.reps);
                if (r <= 0)
                        break;
                if (!GREEDY_REALLOC(steps, allocated, n + 1)) {
                        r = -ENOMEM;
                        break;
                }
                s.kind = strdup(kind);
                s.end = strdup(end);
                s.label = strdup(label);
                steps[n++] = s;
                if (!s.kind || !s.end || !s.label) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                steps_clear(steps, n);
                return r;
        }
        *ret = steps;
        *ret_n = n;
        return 0;
}

static int read_extra_prop(sd_bus_message *m, const char *name, void *userdata)
{
        Web *w = userdata;
        int r;

        if (streq(name, "Steps")) {
                WebStep *steps;
                size_t n;

                r = read_steps(m, &steps, &n);
                if (r < 0)
                        return r;
                steps_clear(w->steps, w->n_steps);
                w->steps = steps;
                w->n_steps = n;
                w->steps_changed = true;
                return 0;
        }
        if (streq(name, "StepCues")) {
                char **l = NULL;

                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r < 0)
                        return r;
                r = sd_bus_message_read_strv(m, &l);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0) {
                        strv_free_all(l);
                        return r;
                }
                strv_free_all(w->step_cues);
                w->step_cues = l;
                w->steps_changed = true;
                return 0;
        }
        if (streq(name, "WorkoutRemaining"))
                return sd_bus_message_read(m, "v", "(dd)", &w->remaining_s, &w->remaining_m);
        return sd_bus_message_skip(m, "v");
}

/* Steps and StepCues come in one GetAll or one PropertiesChanged: one
 * "steps" event for both, once the whole message is read. */
static void steps_flush(Web *w)
{
        char *json;

        if (!w->steps_changed)
                return;
        json = steps_json(w);
        if (!json) {
                log_oom();
                return;
        }
        w->steps_changed = false;
        free(w->steps_json);
        w->steps_json = json;
        web_events_broadcast(w, "steps", json);
}

/* ---- replies and signals ---- */

static int on_manager_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Web *w = userdata;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                log_debug("Cannot read paced's properties: %s",
                          sd_bus_message_get_error(m)->message);
                return 0;
        }
        manager_props_done(&w->props);
        /* All of paced's properties: cues it does not name (a paced before
         * StepCues) are none, not the last paced's. */
        strv_free_all(w->step_cues);
        w->step_cues = NULL;
        w->steps_changed = true;
        r = manager_props_read(m, &w->props);
        if (r >= 0)
                r = sd_bus_message_rewind(m, true);
        if (r >= 0)
                r = bus_message_read_dict(m, "v", read_extra_prop, w);
        if (r < 0)
                log_warning_errno(r, "Cannot parse paced's properties: %m");
        steps_flush(w);
        w->paced_online = true;
        web_events_broadcast(w, "paced", "{\"online\":true}");
        broadcast_status(w);
        return 0;
}

static int on_device_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        WebDeviceSlot *slot = userdata;
        Web *w = slot->web;
        DeviceProps *d = &w->devices[slot->index];
        int r;

        if (sd_bus_message_is_method_error(m, NULL))
                return 0;
        device_props_done(d);
        d->battery = -1;
        r = device_props_read(m, d);
        if (r < 0)
                log_warning_errno(r, "Cannot parse a device's properties: %m");
        broadcast_status(w);
        return 0;
}

static void refresh_device(Web *w, size_t i)
{
        char path[128];
        int r;

        snprintf(path, sizeof(path), "%s/%s", PACED_BUS_DEVICE_PREFIX, pacectl_device_kinds[i]);
        r = sd_bus_call_method_async(w->bus, NULL, PACED_BUS_NAME, path,
                                     "org.freedesktop.DBus.Properties", "GetAll", on_device_all,
                                     &w->device_slots[i], "s", PACED_BUS_IFACE_DEVICE);
        if (r < 0)
                log_warning_errno(r, "Cannot ask paced for its devices: %m");
}

static void refresh_all(Web *w)
{
        int r;

        r = sd_bus_call_method_async(w->bus, NULL, PACED_BUS_NAME, PACED_BUS_PATH,
                                     "org.freedesktop.DBus.Properties", "GetAll", on_manager_all, w,
                                     "s", PACED_BUS_IFACE_MANAGER);
        if (r < 0)
                log_warning_errno(r, "Cannot ask paced for its state: %m");
        for (size_t i = 0; i < ELEMENTSOF(w->devices); i++)
                refresh_device(w, i);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Web *w = userdata;
        const char *path = sd_bus_message_get_path(m);
        int r;

        if (!path)
                return 0;
        if (streq(path, PACED_BUS_PATH)) {
                const char *iface;

                r = manager_props_update(m, &w->props);
                if (r >= 0)
                        r = sd_bus_message_rewind(m, true);
                if (r >= 0)
                        r = sd_bus_message_read(m, "s", &iface);
                if (r >= 0 && streq(iface, PACED_BUS_IFACE_MANAGER))
                        r = bus_message_read_dict(m, "v", read_extra_prop, w);
                if (r < 0)
                        log_debug_errno(r, "Cannot parse PropertiesChanged: %m");
                steps_flush(w);
                broadcast_status(w);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(w->devices); i++) {
                char p[128];

                snprintf(p, sizeof(p), "%s/%s", PACED_BUS_DEVICE_PREFIX, pacectl_device_kinds[i]);
                if (streq(path, p))
                        refresh_device(w, i);
        }
        return 0;
}

/* paced's signals, as JSON events of the same names in lower case. */
static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Web *w = userdata;
        const char *member = sd_bus_message_get_member(m);
        char *buf = NULL;
        size_t len = 0;
        const char *event = NULL;
        FILE *f;
        JsonWriter jw;
        int r = -EINVAL;

        if (!member)
                return 0;
        f = open_memstream(&buf, &len);
        if (!f)
                return 0;
        json_writer_init(&jw, f);
        json_writer_begin_object(&jw);
        if (streq(member, "Cue")) {
                const char *kind, *text;
                int32_t secs;

                r = sd_bus_message_read(m, "ssi", &kind, &text, &secs);
                if (r >= 0) {
                        event = "cue";
                        json_writer_key_string(&jw, "kind", kind);
                        json_writer_key_string(&jw, "text", text);
                        json_writer_key_int(&jw, "seconds", secs);
                }
        } else if (streq(member, "StepChanged")) {
                const char *name, *kind;
                int32_t index;

                r = sd_bus_message_read(m, "iss", &index, &name, &kind);
                if (r >= 0) {
                        event = "step";
                        json_writer_key_int(&jw, "index", index);
                        json_writer_key_string(&jw, "name", name);
                        json_writer_key_string(&jw, "kind", kind);
                }
        } else if (streq(member, "SafetyAction")) {
                const char *rule, *msg;
                int active;

                r = sd_bus_message_read(m, "sbs", &rule, &active, &msg);
                if (r >= 0) {
                        event = "safety";
                        json_writer_key_string(&jw, "rule", rule);
                        json_writer_key_bool(&jw, "active", active);
                        json_writer_key_string(&jw, "message", msg);
                }
        } else if (streq(member, "Crossover")) {
                const char *kind;
                double a1, t, v;
                uint32_t hr;

                r = sd_bus_message_read(m, "sddud", &kind, &a1, &t, &hr, &v);
                if (r >= 0) {
                        event = "crossover";
                        json_writer_key_string(&jw, "kind", kind);
                        json_writer_key_number(&jw, "alpha1", a1);
                        json_writer_key_number(&jw, "t_s", t);
                        json_writer_key_uint(&jw, "hr_bpm", hr);
                        json_writer_key_number(&jw, "speed_kmh", v);
                }
        } else if (streq(member, "Lap")) {
                const char *kind;
                uint32_t n;
                double d, t, v;

                r = sd_bus_message_read(m, "usddd", &n, &kind, &d, &t, &v);
                if (r >= 0) {
                        event = "lap";
                        json_writer_key_uint(&jw, "number", n);
                        json_writer_key_string(&jw, "kind", kind);
                        json_writer_key_number(&jw, "distance_m", d);
                        json_writer_key_number(&jw, "duration_s", t);
                        json_writer_key_number(&jw, "avg_speed_kmh", v);
                }
        } else if (streq(member, "SessionFinished")) {
                const char *reason;
                uint64_t id;

                r = sd_bus_message_read(m, "ts", &id, &reason);
                if (r >= 0) {
                        event = "finished";
                        json_writer_key_uint(&jw, "id", id);
                        json_writer_key_string(&jw, "reason", reason);
                }
        }
        json_writer_end_object(&jw);
        if (fclose(f) == 0 && event && r >= 0)
                web_events_broadcast(w, event, buf);
        free(buf);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Web *w = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (*new_owner) {
                log_info("paced is on the bus.");
                refresh_all(w);
        } else {
                log_notice("paced left the bus.");
                w->paced_online = false;
                web_events_broadcast(w, "paced", "{\"online\":false}");
                broadcast_status(w);
        }
        return 0;
}

int web_paced_subscribe(Web *w)
{
        int r;

        if (w->subscribed)
                return 0;
        r = sd_bus_match_signal_async(w->bus, &w->match_props, PACED_BUS_NAME, NULL,
                                      "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                      on_properties_changed, NULL, w);
        if (r >= 0)
                r = sd_bus_match_signal_async(w->bus, &w->match_signals, PACED_BUS_NAME,
                                              PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER, NULL,
                                              on_manager_signal, NULL, w);
        if (r < 0) {
                web_paced_unsubscribe(w);
                return log_error_errno(r, "Cannot subscribe to paced's signals: %m");
        }
        w->subscribed = true;
        log_debug("Subscribed to paced's signals.");
        /* What changed while nobody listened. */
        refresh_all(w);
        return 0;
}

void web_paced_unsubscribe(Web *w)
{
        w->match_props = sd_bus_slot_unref(w->match_props);
        w->match_signals = sd_bus_slot_unref(w->match_signals);
        if (w->subscribed)
                log_debug("No page open: unsubscribed from paced's signals.");
        w->subscribed = false;
}

void web_paced_refresh_now(Web *w)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ManagerProps p;

        if (w->subscribed)
                return;
        manager_props_init(&p);
        if (manager_props_get(w->bus, &p, &error) < 0) {
                manager_props_done(&p);
                w->paced_online = false;
                return;
        }
        manager_props_done(&w->props);
        w->props = p;
        w->paced_online = true;
        for (size_t i = 0; i < ELEMENTSOF(w->devices); i++) {
                DeviceProps d;

                if (device_props_get(w->bus, pacectl_device_kinds[i], &d, NULL) >= 0) {
                        device_props_done(&w->devices[i]);
                        w->devices[i] = d;
                } else
                        device_props_done(&d);
        }
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int r;

                r = sd_bus_call_method(w->bus, PACED_BUS_NAME, PACED_BUS_PATH,
                                       "org.freedesktop.DBus.Properties", "GetAll", NULL, &reply,
                                       "s", PACED_BUS_IFACE_MANAGER);
                if (r >= 0)
                        (void)bus_message_read_dict(reply, "v", read_extra_prop, w);
                steps_flush(w);
        }
}

int web_paced_connect(Web *w)
{
        int r;

        r = pacectl_bus_open(&w->bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the bus: %m");
        /* A paced that hangs must not hang the pages for long. */
        (void)sd_bus_set_method_call_timeout(w->bus, 5 * USEC_PER_SEC);
        r = sd_bus_attach_event(w->bus, w->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the bus: %m");
        /* paced coming and going is rare: always watched. Its signals only
         * while a page is open (web_paced_subscribe()). */
        r = sd_bus_add_match_async(w->bus, NULL,
                                   "type='signal',sender='org.freedesktop.DBus',"
                                   "path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',"
                                   "member='NameOwnerChanged',arg0='" PACED_BUS_NAME "'",
                                   on_owner_changed, NULL, w);
        if (r < 0)
                return log_error_errno(r, "Cannot watch paced on the bus: %m");
        for (size_t i = 0; i < ELEMENTSOF(w->devices); i++) {
                w->devices[i] = (DeviceProps){.battery = -1};
                w->device_slots[i] = (WebDeviceSlot){.web = w, .index = i};
        }
        refresh_all(w);
        return 0;
}
