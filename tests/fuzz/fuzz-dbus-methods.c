/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every D-Bus method with string arguments (StartWorkout, StartWorkoutData,
 * SetSchedule, SetPlannedWorkouts, ExportSession, and the Simulator's
 * PressButton, InjectFault, ClearFault, Reconnect), called through the daemon's own
 * handlers: a real paced Manager (simulated treadmill, connected) serves its
 * Manager and Simulator vtables on one end of a socket pair, and the input
 * becomes a method call made on the other end, as sd-bus delivers it (so the
 * strings are UTF-8 without NUL, as the bus guarantees). After each call:
 * the reply is a return or an error of ours or of sd-bus's, GetAll still
 * works (one string that is not UTF-8 used to make it fail for everyone),
 * and a path never got an answer that shows paced opened it. Then the
 * workout is stopped and faults cleared, so that inputs do not depend on
 * each other.
 *
 * Input: a byte choosing the method, a flag byte, then the arguments
 * separated by NUL bytes.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus-manager.h"
#include "bus-simulator.h"
#include "log.h"
#include "manager-internal.h"
#include "paced-bus.h"
#include "sim-transport.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
        Manager *m;
        sd_bus *server, *client;
        char group[64];
} F;

static void die(const char *what, int r)
{
        fprintf(stderr, "fuzz-dbus-methods: %s: %s\n", what, strerror(-r));
        abort();
}

static void setup(void)
{
        ManagerOptions o = {
                .simulate = true,
                .time_scale = 1,
                /* Never there: sessions wait in memory (bounded), nothing hits a disk. */
                .state_dir = "/nonexistent/paced-fuzz",
                .admin_group = F.group,
        };
        struct group *gr = getgrgid(getegid());
        Config *c = NULL;
        sd_id128_t id;
        int fds[2], r;

        /* The caller (this process) may call the state-changing methods. */
        snprintf(F.group, sizeof(F.group), "%s", gr ? gr->gr_name : "root");
        log_set_max_level(LOG_EMERG);
        r = config_new(&c);
        if (r < 0)
                die("config_new", r);
        r = manager_new(&F.m, &o, c);
        if (r < 0)
                die("manager_new", r);
        r = manager_setup_workout(F.m);
        if (r < 0)
                die("manager_setup_workout", r);

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
                die("socketpair", -errno);
        r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_new(&F.server);
        if (r >= 0)
                r = sd_bus_set_fd(F.server, fds[0], fds[0]);
        if (r >= 0)
                r = sd_bus_set_server(F.server, 1, id);
        if (r >= 0)
                r = sd_bus_set_anonymous(F.server, true);
        if (r >= 0)
                r = sd_bus_negotiate_creds(F.server, true,
                                           SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID |
                                                   SD_BUS_CREDS_EGID | SD_BUS_CREDS_GID);
        if (r >= 0)
                r = sd_bus_start(F.server);
        if (r >= 0)
                r = bus_manager_register(F.m, F.server);
        if (r >= 0)
                r = bus_simulator_register(F.m, F.server);
        if (r >= 0)
                r = sd_bus_new(&F.client);
        if (r >= 0)
                r = sd_bus_set_fd(F.client, fds[1], fds[1]);
        if (r >= 0)
                r = sd_bus_set_anonymous(F.client, true);
        if (r >= 0)
                r = sd_bus_start(F.client);
        if (r < 0)
                die("bus setup", r);
}

static void treadmill_ready(void)
{
        Device *t = manager_get_device(F.m, TRANSPORT_ROLE_TREADMILL);

        /* As if the simulated treadmill had linked and told its ranges. */
        t->connected = true;
        t->has_caps = true;
        t->caps.has_speed_range = true;
        t->caps.speed_range.min = 1;
        t->caps.speed_range.max = 20;
}

typedef struct Reply {
        bool done;
        sd_bus_error error;
} Reply;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Reply *rep = userdata;

        rep->done = true;
        if (sd_bus_message_is_method_error(m, NULL))
                sd_bus_error_copy(&rep->error, sd_bus_message_get_error(m));
        return 0;
}

/* Sends m and runs both ends until the reply came. */
static void call(sd_bus_message *m, Reply *rep)
{
        int r = sd_bus_call_async(F.client, NULL, m, on_reply, rep, 0);

        if (r < 0)
                die("call", r);
        for (unsigned i = 0; !rep->done; i++) {
                if (i > 100000)
                        die("no reply", -ETIMEDOUT);
                while ((r = sd_bus_process(F.server, NULL)) > 0)
                        ;
                if (r < 0)
                        die("server", r);
                while ((r = sd_bus_process(F.client, NULL)) > 0)
                        ;
                if (r < 0)
                        die("client", r);
        }
}

static sd_bus_message *new_call(const char *iface, const char *method)
{
        sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(F.client, &m, NULL, PACED_BUS_PATH, iface, method);

        if (r < 0)
                die("new call", r);
        return m;
}

static const char *strempty(const char *s)
{
        return s ? s : "";
}

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* An error must be one of paced's, or sd-bus's own (a bad argument, or an
 * errno a handler passed on: System.Error.E*). */
static void check_error(const Reply *rep)
{
        const char *n = rep->error.name;

        if (!n)
                return;
        if (!has_prefix(n, PACED_BUS_ERROR_PREFIX) &&
            !has_prefix(n, "org.freedesktop.DBus.Error.") && !has_prefix(n, "System.Error.E"))
                die(n, -EPROTO);
        if (rep->error.message && !utf8_is_valid(rep->error.message))
                die("error message not UTF-8", -EILSEQ);
}

static void check_getall(void)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        Reply rep = {.error = SD_BUS_ERROR_NULL};
        int r;

        r = sd_bus_message_new_method_call(F.client, &m, NULL, PACED_BUS_PATH,
                                           "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", PACED_BUS_IFACE_MANAGER);
        if (r < 0)
                die("GetAll call", r);
        call(m, &rep);
        if (sd_bus_error_is_set(&rep.error)) {
                fprintf(stderr, "GetAll failed: %s: %s\n", rep.error.name, rep.error.message);
                abort();
        }
        sd_bus_error_free(&rep.error);
}

/* The next NUL-separated string of the input, or "" past its end. */
static const char *next_string(const char **p, const char *end)
{
        const char *s = *p;
        const char *nul = memchr(s, '\0', (size_t)(end - s));

        if (s >= end)
                return "";
        *p = nul ? nul + 1 : end;
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const sim_methods[] = {"PressButton", "InjectFault", "ClearFault",
                                                  "Reconnect"};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *note;
        _cleanup_free_ char *buf = NULL;
        Reply rep = {.error = SD_BUS_ERROR_NULL};
        const char *p, *end, *a, *b, *c, *d, *e2;
        unsigned method;
        int arm, r;

        if (size < 2 || size > 1024 * 1024)
                return 0;
        if (!F.m)
                setup();
        method = data[0] % 9;
        arm = data[1] & 1;
        buf = malloc(size - 1);
        if (!buf)
                return 0;
        memcpy(buf, data + 2, size - 2);
        buf[size - 2] = '\0';
        p = buf;
        end = buf + size - 2;
        a = next_string(&p, end);
        b = next_string(&p, end);
        c = next_string(&p, end);
        d = next_string(&p, end);
        e2 = next_string(&p, end);
        /* What the bus lets through: UTF-8 strings. */
        if (!utf8_is_valid(a) || !utf8_is_valid(b) || !utf8_is_valid(c) || !utf8_is_valid(d) ||
            !utf8_is_valid(e2))
                return 0;

        treadmill_ready();
        switch (method) {
        case 0:
                m = new_call(PACED_BUS_IFACE_MANAGER, "StartWorkout");
                r = sd_bus_message_append(m, "sb", a, arm);
                break;
        case 1:
                m = new_call(PACED_BUS_IFACE_MANAGER, "StartWorkoutData");
                r = sd_bus_message_append(m, "ssb", a, b, arm);
                break;
        case 2:
                m = new_call(PACED_BUS_IFACE_MANAGER, "SetSchedule");
                r = sd_bus_message_append(m, "s", a);
                break;
        case 3:
        case 4:
        case 5:
        case 6:
                m = new_call(PACED_BUS_IFACE_SIMULATOR, sim_methods[method - 3]);
                r = sd_bus_message_append(m, "s", a);
                break;
        case 7:
                /* source, then one entry: date, name, filename, contents. */
                m = new_call(PACED_BUS_IFACE_MANAGER, "SetPlannedWorkouts");
                r = sd_bus_message_append(m, "sa(ssss)", a, arm ? 0 : 1, b, c, d, e2);
                break;
        default:
                m = new_call(PACED_BUS_IFACE_MANAGER, "ExportSession");
                r = sd_bus_message_append(m, "ts", (uint64_t)data[1], a);
                break;
        }
        if (r < 0)
                return 0;
        call(m, &rep);
        if (getenv("FUZZ_DEBUG"))
                fprintf(stderr, "%u '%s': %s %s\n", method, a, strempty(rep.error.name),
                        strempty(rep.error.message));
        check_error(&rep);
        /* A path is never opened: the answer is always the refusal. */
        if (method == 0 && strchr(a, '/') && !sd_bus_error_has_name(&rep.error, PACED_ERROR_BUSY) &&
            !sd_bus_error_has_name(&rep.error, PACED_ERROR_INVALID_ARGUMENT))
                die("StartWorkout opened a path?", -EPROTO);
        check_getall();
        sd_bus_error_free(&rep.error);

        /* Back to where every input starts. */
        (void)manager_stop(F.m, &note, &e);
        for (SimFault f = 0; f < _SIM_FAULT_MAX; f++)
                (void)sim_transport_clear(F.m->transport, f);
        return 0;
}
