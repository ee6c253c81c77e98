/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "bus-util.h"
#include "profile.h"
#include "utf8.h"
#include "util.h"

int pacectl_bus_open(sd_bus **ret)
{
        const char *address = getenv("PACED_BUS_ADDRESS");
        sd_bus *bus = NULL;
        int r;

        if (!address || !*address)
                return sd_bus_open_system(ret);
        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

int pacectl_bus_open_failed(int r)
{
        const char *address = getenv("PACED_BUS_ADDRESS");
        bool system = !address || !*address;

        /* No socket, or nobody listening on it: the bus itself is down (on
         * the system bus, dbus.service), so paced cannot be reached or
         * started. The errno alone ("No such file or directory") would not
         * say which file. */
        if (r == -ENOENT || r == -ECONNREFUSED) {
                if (system)
                        fprintf(stderr, "pacectl: cannot reach paced: the system bus is not "
                                        "running (systemctl start dbus)\n");
                else
                        fprintf(stderr, "pacectl: cannot reach paced: no bus at %s\n", address);
                return PACECTL_EXIT_UNAVAILABLE;
        }
        if (r == -EACCES || r == -EPERM) {
                fprintf(stderr,
                        "pacectl: cannot reach paced: %s refused the connection "
                        "(permission denied)\n",
                        system ? "the system bus" : address);
                return PACECTL_EXIT_NOT_PERMITTED;
        }
        fprintf(stderr, "pacectl: cannot reach paced: cannot connect to %s (%s)\n",
                system ? "the system bus" : address, strerror(r < 0 ? -r : r));
        return PACECTL_EXIT_UNAVAILABLE;
}

#define SPAWN_ERROR_PREFIX   "org.freedesktop.DBus.Error.Spawn."
#define SYSTEMD_ERROR_PREFIX "org.freedesktop.systemd1."

/* Nobody owns paced's name and the bus did not start it: no owner and no
 * activation (ServiceUnknown, NameHasNoOwner), or activation failed
 * (Spawn.* from dbus-daemon, org.freedesktop.systemd1.* when systemd could
 * not start paced.service). Those errors name the bus name or the unit;
 * the same errors about paced-sync or paced-web keep their callers' words. */
static bool error_is_paced_not_running(const sd_bus_error *e, bool *ret_activation_failed)
{
        bool activation;

        if (!e->message ||
            (!strstr(e->message, PACED_BUS_NAME) && !strstr(e->message, " paced.service")))
                return false;
        activation = strncmp(e->name, SPAWN_ERROR_PREFIX, strlen(SPAWN_ERROR_PREFIX)) == 0 ||
                     strncmp(e->name, SYSTEMD_ERROR_PREFIX, strlen(SYSTEMD_ERROR_PREFIX)) == 0;
        if (!activation && !streq(e->name, "org.freedesktop.DBus.Error.ServiceUnknown") &&
            !streq(e->name, "org.freedesktop.DBus.Error.NameHasNoOwner"))
                return false;
        *ret_activation_failed = activation;
        return true;
}

/* The bus's own errors in the runner's words: their messages are D-Bus
 * jargon ("Rejected send message, 2 matched rules; type=...") or name
 * interfaces. NULL: the message is shown as it is. */
static const char *standard_error_text(const char *name)
{
        static const struct {
                const char *name, *text;
        } table[] = {
                {"org.freedesktop.DBus.Error.AccessDenied",
                 "permission denied: only root and members of the 'paced' group may do this"},
                {"org.freedesktop.DBus.Error.NoReply",
                 "paced did not answer in time (systemctl status paced)"},
                {"org.freedesktop.DBus.Error.Timeout",
                 "paced did not answer in time (systemctl status paced)"},
                {"org.freedesktop.DBus.Error.Disconnected", "the connection to paced was lost"},
                {"org.freedesktop.DBus.Error.UnknownMethod",
                 "the running paced does not know this request (an older version? systemctl "
                 "restart paced)"},
                {"org.freedesktop.DBus.Error.UnknownInterface",
                 "the running paced does not know this request (an older version? systemctl "
                 "restart paced)"},
                {"org.freedesktop.DBus.Error.UnknownObject",
                 "the running paced does not know this request (an older version? systemctl "
                 "restart paced)"},
                {"org.freedesktop.DBus.Error.UnknownProperty",
                 "the running paced does not know this request (an older version? systemctl "
                 "restart paced)"},
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(name, table[i].name))
                        return table[i].text;
        return NULL;
}

int pacectl_error_exit(const char *what, const sd_bus_error *error, int r)
{
        const char *name = error && sd_bus_error_is_set(error) ? error->name : NULL;
        bool activation_failed;

        if (name && error_is_paced_not_running(error, &activation_failed)) {
                _cleanup_free_ char *msg = utf8_sanitize(error->message);

                if (activation_failed)
                        fprintf(stderr,
                                "pacectl: paced is not running and could not be started: %s "
                                "(systemctl status paced)\n",
                                msg ? msg : error->message);
                else
                        fprintf(stderr, "pacectl: paced is not running (systemctl start paced)\n");
                return PACECTL_EXIT_UNAVAILABLE;
        }
        if (name && standard_error_text(name))
                fprintf(stderr, "pacectl: %s\n", standard_error_text(name));
        else if (name && error->message) {
                /* It may quote a workout file (a .zwo's C1 controls): no escapes. */
                _cleanup_free_ char *msg = utf8_sanitize(error->message);

                /* paced's (and paced-web's, paced-sync's) errors are whole
                 * sentences ("Cannot resume: ..."): the method's name in
                 * front would be D-Bus jargon saying it twice. */
                fprintf(stderr, "pacectl: %s\n", msg ? msg : error->message);
        } else
                fprintf(stderr, "pacectl: %s: %s\n", what, strerror(r < 0 ? -r : r));
        if (!name)
                return r == -ENOENT || r == -ECONNREFUSED ? PACECTL_EXIT_UNAVAILABLE
                                                          : PACECTL_EXIT_FAILURE;
        if (streq(name, PACED_ERROR_NOT_PERMITTED) ||
            streq(name, "org.freedesktop.DBus.Error.AccessDenied"))
                return PACECTL_EXIT_NOT_PERMITTED;
        if (streq(name, PACED_ERROR_INVALID_ARGUMENT) || streq(name, PACED_ERROR_INVALID_WORKOUT) ||
            streq(name, "org.freedesktop.DBus.Error.InvalidArgs"))
                return PACECTL_EXIT_USAGE;
        if (streq(name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
            streq(name, "org.freedesktop.DBus.Error.NameHasNoOwner") ||
            streq(name, "org.freedesktop.DBus.Error.NoReply"))
                return PACECTL_EXIT_UNAVAILABLE;
        return PACECTL_EXIT_FAILURE;
}

/* Long enough for a commit that waits out another process's lock (the store
 * gives up after 2 s and keeps the rows in memory), short enough for a prompt. */
#define SYNC_STORE_TIMEOUT_USEC (5 * 1000 * 1000ULL)

int pacectl_sync_store(void)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (pacectl_bus_open(&bus) < 0)
                return 0; /* no bus, no paced: the file is all there is */
        r = sd_bus_message_new_method_call(bus, &msg, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, "SyncStore");
        if (r < 0)
                return r;
        /* Reading history must not start paced (bus activation). */
        r = sd_bus_message_set_auto_start(msg, false);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, msg, SYNC_STORE_TIMEOUT_USEC, &error, NULL);
        if (r >= 0)
                return 0;
        /* Not running, older than SyncStore, or a user who may not read
         * paced's database anyway (reading a copy with --db). */
        if (sd_bus_error_has_names(&error, "org.freedesktop.DBus.Error.ServiceUnknown",
                                   "org.freedesktop.DBus.Error.NameHasNoOwner",
                                   "org.freedesktop.DBus.Error.UnknownMethod",
                                   "org.freedesktop.DBus.Error.AccessDenied",
                                   PACED_ERROR_NOT_PERMITTED))
                return 0;
        if (sd_bus_error_is_set(&error) && error.message) {
                _cleanup_free_ char *msg_text = utf8_sanitize(error.message);

                fprintf(stderr, "pacectl: warning: %s\n", msg_text ? msg_text : error.message);
        } else
                fprintf(stderr,
                        "pacectl: warning: paced did not confirm that the session store is "
                        "written (%s): the newest rows may be missing.\n",
                        strerror(-r));
        return r;
}

int pacectl_call_manager(const char *method, const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        va_list ap;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_message_new_method_call(bus, &msg, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, method);
        if (r < 0)
                return pacectl_error_exit(method, NULL, r);
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
                if (r < 0)
                        return pacectl_error_exit(method, NULL, r);
        }
        r = sd_bus_call(bus, msg, 0, &error, &reply);
        if (r < 0)
                return pacectl_error_exit(method, &error, r);
        /* A method that says what it did (Stop: what the belt does now). */
        if (streq_ptr(sd_bus_message_get_signature(reply, true), "s")) {
                const char *note = NULL;

                if (sd_bus_message_read(reply, "s", &note) >= 0 && note && *note)
                        printf("%s\n", note);
        }
        return PACECTL_EXIT_OK;
}

int pacectl_say_next(const char *what, int code)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        ManagerProps p;
        const char *next, *workout;

        if (code != PACECTL_EXIT_OK || pacectl_bus_open(&bus) < 0)
                return code;
        manager_props_init(&p);
        if (manager_props_get(bus, &p, &error) < 0) {
                manager_props_done(&p);
                return code;
        }
        next = p.next_action ? p.next_action : "";
        workout = p.workout && *p.workout ? p.workout : "the workout";
        if (streq(what, "start") && streq_ptr(p.state, "armed"))
                printf("Loaded %s. %s\n", workout, next);
        else if (streq(what, "start"))
                printf("Started %s.%s%s\n", workout, *next ? " " : "", next);
        else if (streq(what, "pause"))
                printf("Paused. %s\n", next);
        else if (streq(what, "resume"))
                printf("Resumed: step %d/%u, %s.\n", p.step_index + 1, p.step_count,
                       p.step_name ? p.step_name : "");
        else if (streq(what, "stop"))
                printf("Stopped.\n");
        else if (streq(what, "skip") && p.step_index >= 0)
                printf("Now: step %d/%u, %s.\n", p.step_index + 1, p.step_count,
                       p.step_name ? p.step_name : "");
        else if (*next)
                printf("%s\n", next);
        manager_props_done(&p);
        return code;
}

/* ---- property maps ---- */

typedef struct PropMap {
        const char *name;
        char type;
        size_t offset;
} PropMap;

#define P(name, type, field)                                                                       \
        {                                                                                          \
                name, type, offsetof(ManagerProps, field)                                          \
        }
static const PropMap manager_map[] = {
        P("Version", 's', version),
        P("State", 's', state),
        P("PauseReason", 's', pause_reason),
        P("Workout", 's', workout),
        P("StepName", 's', step_name),
        P("NextStepName", 's', next_step_name),
        P("StepRepeat", 'u', step_repeat),
        P("StepRepeatCount", 'u', step_repeat_count),
        P("ControlStatus", 's', control_status),
        P("Schedule", 's', schedule),
        P("NextAction", 's', next_action),
        P("LastResult", 's', last_result),
        P("Units", 's', units),
        P("Storage", 's', storage),
        P("StorageError", 's', storage_error),
        P("StepIndex", 'i', step_index),
        P("StepCount", 'u', step_count),
        P("HeartRate", 'u', heart_rate),
        P("Zone", 'u', zone),
        P("StepRemaining", 'd', step_remaining),
        P("StepElapsed", 'd', step_elapsed),
        P("TargetSpeed", 'd', target_speed),
        P("SpeedOverride", 'd', speed_override),
        P("TargetIncline", 'd', target_incline),
        P("Speed", 'd', speed),
        P("Incline", 'd', incline),
        P("Distance", 'd', distance),
        P("WorkoutDistance", 'd', workout_distance),
        P("Elapsed", 'd', elapsed),
        P("TotalTime", 'd', total_time),
        P("Alpha1", 'd', alpha1),
        P("FootpodSpeed", 'd', footpod_speed),
        P("Cadence", 'u', cadence),
        P("StrideLength", 'd', stride),
        P("LastRR", 'u', last_rr),
        P("RRCount", 't', rr_count),
        P("TimeScale", 'd', time_scale),
        P("MonitorOnly", 'b', monitor_only),
        P("Simulated", 'b', simulated),
        P("SessionId", 't', session_id),
};
#undef P

static int read_basic(sd_bus_message *m, char type, void *field)
{
        int r;

        switch (type) {
        case 's': {
                const char *s;
                char *copy;

                r = sd_bus_message_read_basic(m, 's', &s);
                if (r < 0)
                        return r;
                /* Names from workout files and devices end up on a terminal:
                 * no escape sequence gets through (see utf8.h). */
                copy = utf8_sanitize(s);
                if (!copy)
                        return -ENOMEM;
                free(*(char **)field);
                *(char **)field = copy;
                return 0;
        }
        case 'b': {
                int b;

                r = sd_bus_message_read_basic(m, 'b', &b);
                if (r >= 0)
                        *(bool *)field = b;
                return r;
        }
        case 'i':
        case 'u':
        case 't':
        case 'd':
                return sd_bus_message_read_basic(m, type, field);
        default:
                return -EINVAL;
        }
}

/* Reads one dict entry's value (the name already read); unknown properties are skipped. */
static int read_manager_prop(sd_bus_message *m, const char *name, void *userdata)
{
        ManagerProps *p = userdata;
        int r;

        if (streq(name, "LastCrossover")) {
                const char *kind;
                char *copy;

                r = sd_bus_message_enter_container(m, 'v', "(sdud)");
                if (r < 0)
                        return r;
                r = sd_bus_message_read(m, "(sdud)", &kind, &p->crossover_time, &p->crossover_hr,
                                        &p->crossover_speed);
                if (r < 0)
                        return r;
                copy = utf8_sanitize(kind);
                if (!copy)
                        return -ENOMEM;
                free(p->crossover_kind);
                p->crossover_kind = copy;
                return sd_bus_message_exit_container(m);
        }
        for (size_t i = 0; i < ELEMENTSOF(manager_map); i++) {
                char sig[2] = {manager_map[i].type, 0};

                if (!streq(manager_map[i].name, name))
                        continue;
                r = sd_bus_message_enter_container(m, 'v', sig);
                if (r < 0)
                        return r;
                r = read_basic(m, manager_map[i].type, (uint8_t *)p + manager_map[i].offset);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }
        return sd_bus_message_skip(m, "v");
}

static int read_manager_dict(sd_bus_message *m, ManagerProps *p)
{
        return bus_message_read_dict(m, "v", read_manager_prop, p);
}

void manager_props_init(ManagerProps *p)
{
        *p = (ManagerProps){
                .step_index = -1,
                .step_remaining = NAN,
                .target_speed = NAN,
                .target_incline = NAN,
                .speed = NAN,
                .incline = NAN,
                .distance = NAN,
                .alpha1 = NAN,
                .footpod_speed = NAN,
                .stride = NAN,
                .total_time = NAN,
                .crossover_time = NAN,
                .crossover_speed = NAN,
        };
}

void manager_props_done(ManagerProps *p)
{
        for (size_t i = 0; i < ELEMENTSOF(manager_map); i++)
                if (manager_map[i].type == 's')
                        free(*(char **)((uint8_t *)p + manager_map[i].offset));
        free(p->crossover_kind);
        manager_props_init(p);
}

int manager_props_get(sd_bus *bus, ManagerProps *p, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH,
                               "org.freedesktop.DBus.Properties", "GetAll", error, &reply, "s",
                               PACED_BUS_IFACE_MANAGER);
        if (r < 0)
                return r;
        return read_manager_dict(reply, p);
}

int manager_props_read(sd_bus_message *m, ManagerProps *p)
{
        return read_manager_dict(m, p);
}

int manager_props_update(sd_bus_message *m, ManagerProps *p)
{
        const char *iface;
        int r;

        r = sd_bus_message_read_basic(m, 's', &iface);
        if (r < 0)
                return r;
        if (!streq(iface, PACED_BUS_IFACE_MANAGER))
                return 0;
        return read_manager_dict(m, p);
}

/* Reads one Device property's value (the name already read); unknown ones are skipped. */
static int read_device_prop(sd_bus_message *m, const char *name, void *userdata)
{
        DeviceProps *p = userdata;
        int r;

        if (streq(name, "Kind") || streq(name, "Address") || streq(name, "Name")) {
                char **field = streq(name, "Kind")      ? &p->kind
                               : streq(name, "Address") ? &p->address
                                                        : &p->name;

                r = sd_bus_message_enter_container(m, 'v', "s");
                if (r >= 0)
                        r = read_basic(m, 's', field);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r;
        }
        if (streq(name, "Connected")) {
                r = sd_bus_message_enter_container(m, 'v', "b");
                if (r >= 0)
                        r = read_basic(m, 'b', &p->connected);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r;
        }
        if (streq(name, "Battery"))
                return sd_bus_message_read(m, "v", "i", &p->battery);
        if (streq(name, "Malformed"))
                return sd_bus_message_read(m, "v", "t", &p->malformed);
        if (streq(name, "Features")) {
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_read_strv(m, &p->features);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r;
        }
        if (streq(name, "SpeedRange") || streq(name, "InclineRange")) {
                double *v = streq(name, "SpeedRange") ? p->speed_range : p->incline_range;

                return sd_bus_message_read(m, "v", "(ddd)", &v[0], &v[1], &v[2]);
        }
        return sd_bus_message_skip(m, "v");
}

void device_props_done(DeviceProps *p)
{
        free(p->kind);
        free(p->address);
        free(p->name);
        if (p->features)
                for (char **f = p->features; *f; f++)
                        free(*f);
        free(p->features);
        *p = (DeviceProps){};
}

int device_props_get(sd_bus *bus, const char *kind, DeviceProps *p, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char path[128];
        int r;

        snprintf(path, sizeof(path), "%s/%s", PACED_BUS_DEVICE_PREFIX, kind);
        *p = (DeviceProps){.battery = -1};
        r = sd_bus_call_method(bus, PACED_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                               "GetAll", error, &reply, "s", PACED_BUS_IFACE_DEVICE);
        if (r < 0)
                return r;
        return bus_message_read_dict(reply, "v", read_device_prop, p);
}

int device_props_read(sd_bus_message *m, DeviceProps *p)
{
        return bus_message_read_dict(m, "v", read_device_prop, p);
}

/* ---- formatting ---- */

void pacectl_json_string(FILE *f, const char *s)
{
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
                if (*p == '"' || *p == '\\')
                        fprintf(f, "\\%c", *p);
                else if (*p < 0x20)
                        fprintf(f, "\\u%04x", *p);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

void pacectl_json_number(FILE *f, double v)
{
        if (isfinite(v))
                fprintf(f, "%.10g", v);
        else
                fputs("null", f);
}

/* ---- JSON status ---- */

const char *const pacectl_device_kinds[2] = {"treadmill", "strap"};

static void print_device_json(FILE *f, const DeviceProps *d)
{
        fputs("{\"address\":", f);
        pacectl_json_string(f, d->address);
        fputs(",\"name\":", f);
        pacectl_json_string(f, d->name);
        fprintf(f, ",\"connected\":%s,\"battery\":", d->connected ? "true" : "false");
        if (d->battery >= 0)
                fprintf(f, "%d", d->battery);
        else
                fputs("null", f);
        fputs(",\"features\":[", f);
        for (char **p = d->features; p && *p; p++) {
                if (p != d->features)
                        fputc(',', f);
                pacectl_json_string(f, *p);
        }
        fputs("],\"speed_range\":", f);
        if (d->speed_range[1] > 0)
                fprintf(f, "[%g,%g,%g]", d->speed_range[0], d->speed_range[1], d->speed_range[2]);
        else
                fputs("null", f);
        fputs(",\"incline_range\":", f);
        if (d->incline_range[1] != 0 || d->incline_range[0] != 0)
                fprintf(f, "[%g,%g,%g]", d->incline_range[0], d->incline_range[1],
                        d->incline_range[2]);
        else
                fputs("null", f);
        fprintf(f, ",\"malformed\":%" PRIu64 "}", d->malformed);
}

void status_print_json(FILE *f, const ManagerProps *p, const DeviceProps *devs, size_t n_devs)
{

#define S(key, v)                                                                                  \
        do {                                                                                       \
                fputs(",\"" key "\":", f);                                                         \
                pacectl_json_string(f, v);                                                         \
        } while (0)
#define D(key, v)                                                                                  \
        do {                                                                                       \
                fputs(",\"" key "\":", f);                                                         \
                pacectl_json_number(f, v);                                                         \
        } while (0)
/* A count where 0 means "none yet": null. */
#define U(key, v)                                                                                  \
        do {                                                                                       \
                if (v)                                                                             \
                        fprintf(f, ",\"" key "\":%u", (unsigned)(v));                              \
                else                                                                               \
                        fputs(",\"" key "\":null", f);                                             \
        } while (0)
        fputs("{\"version\":", f);
        pacectl_json_string(f, p->version);
        S("state", p->state);
        S("pause_reason", p->pause_reason);
        S("next_action", p->next_action);
        S("workout", p->workout);
        fprintf(f, ",\"step_index\":%d,\"step_count\":%u", p->step_index, p->step_count);
        fprintf(f, ",\"step_repeat\":%u,\"step_repeat_count\":%u", p->step_repeat,
                p->step_repeat_count);
        S("step_name", p->step_name);
        S("next_step_name", p->next_step_name);
        D("step_remaining_s", p->step_remaining);
        D("step_elapsed_s", p->step_elapsed);
        D("target_speed_kmh", p->target_speed);
        D("speed_override_kmh", p->speed_override);
        D("target_incline_pct", p->target_incline);
        D("speed_kmh", p->speed);
        D("incline_pct", p->incline);
        D("distance_m", p->distance);
        D("workout_distance_m", p->workout_distance);
        D("elapsed_s", p->elapsed);
        D("total_time_s", p->total_time);
        U("heart_rate_bpm", p->heart_rate);
        U("zone", p->zone);
        U("rr_ms", p->last_rr);
        fprintf(f, ",\"rr_count\":%" PRIu64, p->rr_count);
        D("alpha1", p->alpha1);
        D("footpod_speed_kmh", p->footpod_speed);
        U("cadence_spm", p->cadence);
        D("stride_m", p->stride);
        fputs(",\"last_crossover\":", f);
        if (p->crossover_kind && *p->crossover_kind) {
                fputs("{\"kind\":", f);
                pacectl_json_string(f, p->crossover_kind);
                fputs(",\"t_s\":", f);
                pacectl_json_number(f, p->crossover_time);
                fprintf(f, ",\"hr_bpm\":%u,\"speed_kmh\":", p->crossover_hr);
                pacectl_json_number(f, p->crossover_speed);
                fputc('}', f);
        } else
                fputs("null", f);
        fprintf(f, ",\"session_id\":%llu", (unsigned long long)p->session_id);
        fprintf(f, ",\"monitor_only\":%s", p->monitor_only ? "true" : "false");
        S("control_status", p->control_status);
        S("schedule", p->schedule);
        S("units", p->units);
        S("storage", p->storage);
        S("storage_error", p->storage_error);
        fprintf(f, ",\"simulated\":%s", p->simulated ? "true" : "false");
        D("time_scale", p->time_scale);
        if (n_devs > 0) {
                fputs(",\"devices\":{", f);
                for (size_t i = 0; i < n_devs; i++) {
                        fprintf(f, "%s\"%s\":", i ? "," : "", pacectl_device_kinds[i]);
                        print_device_json(f, &devs[i]);
                }
                fputc('}', f);
        }
        fputs("}\n", f);
#undef S
#undef D
#undef U
}
