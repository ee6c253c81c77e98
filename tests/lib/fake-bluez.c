/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fake org.bluez of fake-bluez.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "fake-bluez.h"

/* ---- private bus ---- */

int test_bus_start(TestBus *b)
{
        char conf[128];
        int fds[2];
        pid_t parent;
        FILE *f;
        ssize_t n;
        size_t off = 0;

        snprintf(b->dir, sizeof(b->dir), "/tmp/paced-test-bus-XXXXXX");
        if (!mkdtemp(b->dir))
                return -errno;
        snprintf(conf, sizeof(conf), "%s/bus.conf", b->dir);
        f = fopen(conf, "we");
        if (!f)
                return -errno;
        fprintf(f,
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                "1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig><type>session</type><listen>unix:path=%s/socket</listen>"
                "<auth>EXTERNAL</auth><policy context=\"default\">"
                "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
                "<allow own=\"*\"/></policy></busconfig>\n",
                b->dir);
        fclose(f);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        parent = getpid();
        b->pid = fork();
        if (b->pid < 0)
                return -errno;
        if (b->pid == 0) {
                char fdarg[32], cfarg[160];

                /* A test that crashes or is killed by ctest's timeout must not
                 * leave its bus running. */
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                        _exit(127);
                int null = open("/dev/null", O_WRONLY);

                /* Quiet: it complains about fd limits it may not raise in containers. */
                if (null >= 0)
                        dup2(null, STDERR_FILENO);
                dup2(fds[1], 3);
                snprintf(fdarg, sizeof(fdarg), "--print-address=3");
                snprintf(cfarg, sizeof(cfarg), "--config-file=%s", conf);
                execlp("dbus-daemon", "dbus-daemon", cfarg, "--nofork", fdarg, (char *)NULL);
                _exit(127);
        }
        close(fds[1]);
        /* dbus-daemon prints the address once it listens: no sleeping, no polling. */
        while (off < sizeof(b->address) - 1 &&
               (n = read(fds[0], b->address + off, sizeof(b->address) - 1 - off)) > 0) {
                off += (size_t)n;
                if (memchr(b->address, '\n', off))
                        break;
        }
        close(fds[0]);
        b->address[off] = '\0';
        if (!strchr(b->address, '\n'))
                return -EIO;
        *strchr(b->address, '\n') = '\0';
        return 0;
}

void test_bus_stop(TestBus *b)
{
        char p[128];

        if (b->pid > 0) {
                kill(b->pid, SIGTERM);
                waitpid(b->pid, NULL, 0);
                b->pid = 0;
        }
        snprintf(p, sizeof(p), "%s/bus.conf", b->dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/socket", b->dir);
        unlink(p);
        rmdir(b->dir);
}

int test_bus_connect(const TestBus *b, sd_event *e, sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, b->address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0 && e)
                r = sd_bus_attach_event(bus, e, 0);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

/* ---- the fake ---- */

static void fake_log(FakeBluez *f, const char *path, const char *member)
{
        if (f->n_calls < 512)
                snprintf(f->calls[f->n_calls++], 200, "%s %s", path, member);
}

unsigned fake_count(FakeBluez *f, const char *path, const char *member)
{
        char want[200];
        unsigned n = 0;

        snprintf(want, sizeof(want), "%s %s", path, member);
        for (size_t i = 0; i < f->n_calls; i++)
                if (strcmp(f->calls[i], want) == 0)
                        n++;
        return n;
}

/* The next `count` calls of method on path fail with error (count UINT32_MAX: always). */
void fake_fail(FakeBluez *f, const char *path, const char *method, const char *error,
               unsigned count)
{
        FakeFailure *x = &f->failures[f->n_failures++];

        snprintf(x->path, sizeof(x->path), "%s", path);
        snprintf(x->method, sizeof(x->method), "%s", method);
        snprintf(x->error, sizeof(x->error), "%s", error);
        x->count = count;
}

static int fake_check_fail(FakeBluez *f, FakeObject *o, const char *method, sd_bus_error *err)
{
        for (size_t i = 0; i < f->n_failures; i++) {
                FakeFailure *x = &f->failures[i];

                if (x->count == 0 || strcmp(x->path, o->path) != 0 ||
                    strcmp(x->method, method) != 0)
                        continue;
                if (x->count != UINT32_MAX)
                        x->count--;
                /* "name: message" gives the message too. */
                const char *sep = strstr(x->error, ": ");
                if (sep) {
                        char name[64];

                        snprintf(name, sizeof(name), "%.*s", (int)(sep - x->error), x->error);
                        return sd_bus_error_set(err, name, sep + 2);
                }
                return sd_bus_error_setf(err, x->error, "scripted failure of %s", method);
        }
        return 0;
}

static const char *fake_iface(int kind)
{
        switch (kind) {
        case FAKE_ADAPTER:
                return "org.bluez.Adapter1";
        case FAKE_DEVICE:
                return "org.bluez.Device1";
        case FAKE_SERVICE:
                return "org.bluez.GattService1";
        default:
                return "org.bluez.GattCharacteristic1";
        }
}

int fake_emit(FakeObject *o, const char *prop)
{
        if (!o->exported)
                return 0;
        return sd_bus_emit_properties_changed(o->f->bus, o->path, fake_iface(o->kind), prop, NULL);
}

static int prop_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        FakeObject *o = userdata;

#define P(name) (strcmp(property, name) == 0)
        if (P("Powered"))
                return sd_bus_message_append(reply, "b", o->powered);
        if (P("Discovering"))
                return sd_bus_message_append(reply, "b", o->discovering);
        if (P("Address"))
                return sd_bus_message_append(reply, "s", o->address);
        if (P("Name"))
                return sd_bus_message_append(reply, "s", o->name ? o->name : "");
        if (P("Alias"))
                return sd_bus_message_append(reply, "s", o->name ? o->name : o->address);
        if (P("Adapter"))
                return sd_bus_message_append(reply, "o", o->adapter);
        if (P("Connected"))
                return sd_bus_message_append(reply, "b", o->connected);
        if (P("ServicesResolved"))
                return sd_bus_message_append(reply, "b", o->resolved);
        if (P("UUIDs"))
                return sd_bus_message_append_strv(reply, o->uuids);
        if (P("ServiceData")) {
                /* FTMS 3.1.1: Flags (0x01: available), Fitness Machine Type (uint16) */
                uint8_t sd[3] = {0x01, (uint8_t)o->ftms_type, (uint8_t)(o->ftms_type >> 8)};
                int r;

                if (o->ftms_type < 0)
                        return sd_bus_message_append(reply, "a{sv}", 0);
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s",
                                                  "00001826-0000-1000-8000-00805f9b34fb");
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', "ay");
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', sd, sizeof(sd));
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                return r;
        }
        if (P("RSSI"))
                return sd_bus_message_append(reply, "n", o->rssi);
        if (P("UUID"))
                return sd_bus_message_append(reply, "s", o->uuid);
        if (P("Primary"))
                return sd_bus_message_append(reply, "b", 1);
        if (P("Device") || P("Service"))
                return sd_bus_message_append(reply, "o", o->parent);
        if (P("Flags"))
                return sd_bus_message_append_strv(reply, (char **)o->flags);
        if (P("Notifying"))
                return sd_bus_message_append(reply, "b", o->notifying);
        if (P("Value"))
                return sd_bus_message_append_array(reply, 'y', o->value, o->value_len);
#undef P
        return -EINVAL;
}

static int fake_export(FakeObject *o);
static void fake_release(FakeObject *c);

/* Runs cb once on the next loop iteration (after the current reply went out). */
static void fake_defer(FakeBluez *f, sd_event_handler_t cb, void *userdata)
{
        sd_event_source *s = NULL;

        if (sd_event_add_defer(f->event, &s, cb, userdata) < 0)
                return;
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        /* Owned by the loop from now on. */
        sd_event_source_set_floating(s, 1);
        sd_event_source_unref(s);
}

/* Runs cb once, usec from now. */
static void fake_after(FakeBluez *f, uint64_t usec, sd_event_time_handler_t cb, void *userdata)
{
        sd_event_source *s = NULL;

        if (sd_event_add_time_relative(f->event, &s, CLOCK_MONOTONIC, usec, 0, cb, userdata) < 0)
                return;
        sd_event_source_set_floating(s, 1);
        sd_event_source_unref(s);
}

/* -- Adapter1 -- */

static int m_set_filter(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *o = userdata;
        FakeBluez *f = o->f;
        int r;

        fake_log(f, o->path, "SetDiscoveryFilter");
        r = fake_check_fail(f, o, "SetDiscoveryFilter", err);
        if (r < 0)
                return r;
        f->n_filter_uuids = 0;
        f->filter_transport[0] = '\0';
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *s;

                sd_bus_message_read(m, "s", &key);
                if (strcmp(key, "UUIDs") == 0) {
                        sd_bus_message_enter_container(m, 'v', "as");
                        sd_bus_message_enter_container(m, 'a', "s");
                        while (sd_bus_message_read(m, "s", &s) > 0)
                                if (f->n_filter_uuids < 4)
                                        snprintf(f->filter_uuids[f->n_filter_uuids++], 37, "%s", s);
                        sd_bus_message_exit_container(m);
                        sd_bus_message_exit_container(m);
                } else if (strcmp(key, "Transport") == 0) {
                        sd_bus_message_read(m, "v", "s", &s);
                        snprintf(f->filter_transport, sizeof(f->filter_transport), "%s", s);
                } else
                        sd_bus_message_skip(m, "v");
                sd_bus_message_exit_container(m);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int m_start_discovery(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *o = userdata;
        FakeBluez *f = o->f;
        int r;

        fake_log(f, o->path, "StartDiscovery");
        r = fake_check_fail(f, o, "StartDiscovery", err);
        if (r < 0)
                return r;
        r = sd_bus_reply_method_return(m, NULL);
        o->discovering = true;
        fake_emit(o, "Discovering");
        /* Devices "in range" show up once someone scans. */
        for (size_t i = 0; i < f->n_objects; i++) {
                FakeObject *d = f->objects[i];

                if (d->kind == FAKE_DEVICE && d->hidden && strcmp(d->adapter, o->path) == 0) {
                        d->hidden = false;
                        fake_export(d);
                }
        }
        return r;
}

static int m_stop_discovery(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *o = userdata;

        fake_log(o->f, o->path, "StopDiscovery");
        o->discovering = false;
        fake_emit(o, "Discovering");
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable adapter_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Powered", "b", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Discovering", "b", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("SetDiscoveryFilter", "a{sv}", "", m_set_filter, 0),
        SD_BUS_METHOD("StartDiscovery", "", "", m_start_discovery, 0),
        SD_BUS_METHOD("StopDiscovery", "", "", m_stop_discovery, 0),
        SD_BUS_VTABLE_END,
};

/* -- Device1 -- */

bool fake_is_child(FakeObject *d, FakeObject *o)
{
        size_t n = strlen(d->path);

        return strncmp(o->path, d->path, n) == 0 && o->path[n] == '/';
}

static void export_children(FakeObject *d)
{
        FakeBluez *f = d->f;

        for (size_t i = 0; i < f->n_objects; i++)
                if (fake_is_child(d, f->objects[i]))
                        fake_export(f->objects[i]);
}

static int export_children_late(sd_event_source *s, uint64_t usec, void *userdata)
{
        FakeObject *d = userdata;

        if (d->connected)
                export_children(d);
        return 0;
}

/* The characteristics a client cannot work without come first. */
static bool exported_early(FakeObject *o)
{
        return o->kind != FAKE_CHAR || strncmp(o->uuid, "00002acd-", 9) == 0 ||
               strncmp(o->uuid, "00002a37-", 9) == 0;
}

static int export_next_child(sd_event_source *s, uint64_t usec, void *userdata)
{
        FakeObject *d = userdata;
        FakeBluez *f = d->f;

        if (!d->connected)
                return 0;
        for (size_t i = 0; i < f->n_objects; i++)
                if (fake_is_child(d, f->objects[i]) && !f->objects[i]->exported) {
                        fake_export(f->objects[i]);
                        fake_after(f, 100 * 1000, export_next_child, d);
                        break;
                }
        return 0;
}

static int resolve_services(sd_event_source *s, void *userdata)
{
        FakeObject *d = userdata;

        if (!d->connected)
                return 0;
        if (d->staggered) {
                for (size_t i = 0; i < d->f->n_objects; i++)
                        if (fake_is_child(d, d->f->objects[i]) && exported_early(d->f->objects[i]))
                                fake_export(d->f->objects[i]);
                fake_after(d->f, 100 * 1000, export_next_child, d);
        } else if (d->resolved_first)
                fake_after(d->f, 200 * 1000, export_children_late, d);
        else
                export_children(d);
        d->resolved = true;
        if (!d->silent_connect)
                fake_emit(d, "ServicesResolved");
        return 0;
}

void fake_device_drop(FakeObject *d)
{
        FakeBluez *f = d->f;

        /* bluetoothd unregisters the GATT objects when the link goes. */
        for (size_t i = f->n_objects; i > 0; i--)
                if (fake_is_child(d, f->objects[i - 1])) {
                        f->objects[i - 1]->notifying = false;
                        fake_release(f->objects[i - 1]);
                        fake_unexport(f->objects[i - 1]);
                }
        if (d->resolved) {
                d->resolved = false;
                fake_emit(d, "ServicesResolved");
        }
        if (d->connected) {
                d->connected = false;
                fake_emit(d, "Connected");
        }
}

static int connect_done(sd_event_source *s, uint64_t usec, void *userdata)
{
        FakeObject *d = userdata;
        sd_bus_message *m = d->connecting;

        if (!m)
                return 0;
        d->connecting = NULL;
        if (!d->connected) {
                d->connected = true;
                if (!d->silent_connect)
                        fake_emit(d, "Connected");
        }
        (void)sd_bus_reply_method_return(m, NULL);
        sd_bus_message_unref(m);
        if (!d->resolved && !d->no_resolve)
                fake_defer(d->f, resolve_services, d);
        return 0;
}

static int connect_elsewhere(sd_event_source *s, uint64_t usec, void *userdata)
{
        FakeObject *d = userdata;

        if (!d->connected) {
                d->connected = true;
                if (!d->silent_connect)
                        fake_emit(d, "Connected");
        }
        if (!d->resolved && !d->no_resolve)
                fake_defer(d->f, resolve_services, d);
        return 0;
}

void fake_device_connect_later(FakeObject *d, uint64_t usec)
{
        fake_after(d->f, usec, connect_elsewhere, d);
}

static int m_connect(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *d = userdata;
        int r;

        fake_log(d->f, d->path, "Connect");
        r = fake_check_fail(d->f, d, "Connect", err);
        if (r < 0)
                return r;
        if (d->connect_usec > 0 && !d->connected) {
                if (d->connecting) {
                        /* The kernel's LE connect is already pending (EALREADY). */
                        d->f->connects_refused++;
                        return sd_bus_error_set(err, "org.bluez.Error.Failed",
                                                "Operation already in progress");
                }
                d->connecting = sd_bus_message_ref(m);
                fake_after(d->f, d->connect_usec, connect_done, d);
                return 1; /* answered by connect_done() */
        }
        if (!d->connected) {
                d->connected = true;
                if (!d->silent_connect)
                        fake_emit(d, "Connected");
        }
        r = sd_bus_reply_method_return(m, NULL);
        if (!d->resolved && !d->no_resolve)
                fake_defer(d->f, resolve_services, d);
        return r;
}

static int m_disconnect(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *d = userdata;

        fake_log(d->f, d->path, "Disconnect");
        fake_device_drop(d);
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Alias", "s", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Adapter", "o", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Connected", "b", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ServicesResolved", "b", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("UUIDs", "as", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RSSI", "n", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ServiceData", "a{sv}", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Connect", "", "", m_connect, 0),
        SD_BUS_METHOD("Disconnect", "", "", m_disconnect, 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable service_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Primary", "b", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Device", "o", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

/* -- GattCharacteristic1 -- */

static void fake_release(FakeObject *c)
{
        if (c->acquired_fd >= 0)
                close(c->acquired_fd);
        c->acquired_fd = -1;
}

static void fake_set_value(FakeObject *c, const uint8_t *buf, size_t len)
{
        if (len > 0)
                memcpy(c->value, buf, len);
        c->value_len = len;
        fake_emit(c, "Value");
}

static int cp_indicate(sd_event_source *s, void *userdata)
{
        FakeObject *c = userdata;
        FakeBluez *f = c->f;
        uint8_t ind[3] = {0x80, f->last_write[0], f->cp_result};

        if (f->cp_outstanding > 0)
                f->cp_outstanding--;
        if (c->exported && c->notifying)
                fake_set_value(c, ind, sizeof(ind));
        return 0;
}

static int m_read_value(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *c = userdata;
        sd_bus_message *reply = NULL;
        int r;

        fake_log(c->f, c->path, "ReadValue");
        r = fake_check_fail(c->f, c, "ReadValue", err);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        /* bluetoothd updates the cached Value after a read, with a signal. */
        fake_emit(c, "Value");
        return r;
}

static int m_write_value(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *c = userdata;
        FakeBluez *f = c->f;
        const void *p;
        size_t n;
        int r;

        fake_log(f, c->path, "WriteValue");
        r = sd_bus_message_read_array(m, 'y', &p, &n);
        if (r < 0)
                return r;
        f->last_write_len = n < sizeof(f->last_write) ? n : sizeof(f->last_write);
        memcpy(f->last_write, p, f->last_write_len);
        f->last_write_type[0] = '\0';
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *s;

                sd_bus_message_read(m, "s", &key);
                if (strcmp(key, "type") == 0) {
                        sd_bus_message_read(m, "v", "s", &s);
                        snprintf(f->last_write_type, sizeof(f->last_write_type), "%s", s);
                } else
                        sd_bus_message_skip(m, "v");
                sd_bus_message_exit_container(m);
        }
        r = fake_check_fail(f, c, "WriteValue", err);
        if (r < 0)
                return r;
        if (c->is_cp && !c->notifying)
                return sd_bus_error_set(err, "org.bluez.Error.Failed",
                                        "Operation failed with ATT error: 0xfd");
        f->cp_writes++;
        if (c->is_cp) {
                /* FTMS: one procedure at a time; count clients that do not wait. */
                if (f->cp_outstanding > 0)
                        f->cp_overlaps++;
                f->cp_outstanding++;
        }
        r = sd_bus_reply_method_return(m, NULL);
        if (c->is_cp && !f->cp_silent)
                fake_defer(f, cp_indicate, c);
        return r;
}

static int m_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *c = userdata;
        int r;

        fake_log(c->f, c->path, "StartNotify");
        r = fake_check_fail(c->f, c, "StartNotify", err);
        if (r < 0)
                return r;
        /* bluetoothd locks StartNotify while a client holds the acquired socket. */
        if (c->acquired_fd >= 0)
                return sd_bus_error_set(err, "org.bluez.Error.NotPermitted", "Notify acquired");
        if (!c->notifying) {
                c->notifying = true;
                fake_emit(c, "Notifying");
        }
        return sd_bus_reply_method_return(m, NULL);
}

/* BlueZ 5.66: notify flag required; refused while a StartNotify session exists. */
static int m_acquire_notify(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *c = userdata;
        sd_bus_message *reply = NULL;
        bool notify = false;
        int sv[2], r;

        fake_log(c->f, c->path, "AcquireNotify");
        r = fake_check_fail(c->f, c, "AcquireNotify", err);
        if (r < 0)
                return r;
        for (size_t i = 0; c->flags[i]; i++)
                notify |= strcmp(c->flags[i], "notify") == 0;
        if (!notify)
                return sd_bus_error_set(err, "org.bluez.Error.NotSupported", "Not supported");
        if (c->notifying)
                return sd_bus_error_set(err, "org.bluez.Error.InProgress", "In Progress");
        /* A previous owner's socket: bluetoothd would have seen its HUP. */
        fake_release(c);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
                return -errno;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "hq", sv[1], (uint16_t)517);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        close(sv[1]);
        if (r < 0) {
                close(sv[0]);
                return r;
        }
        c->acquired_fd = sv[0];
        return 0;
}

static int m_stop_notify(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
        FakeObject *c = userdata;

        fake_log(c->f, c->path, "StopNotify");
        if (c->notifying) {
                c->notifying = false;
                fake_emit(c, "Notifying");
        }
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable char_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Service", "o", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Flags", "as", prop_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Notifying", "b", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Value", "ay", prop_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("ReadValue", "a{sv}", "ay", m_read_value, 0),
        SD_BUS_METHOD("WriteValue", "aya{sv}", "", m_write_value, 0),
        SD_BUS_METHOD("StartNotify", "", "", m_start_notify, 0),
        SD_BUS_METHOD("StopNotify", "", "", m_stop_notify, 0),
        SD_BUS_METHOD("AcquireNotify", "a{sv}", "hq", m_acquire_notify, 0),
        SD_BUS_VTABLE_END,
};

static int fake_export(FakeObject *o)
{
        static const sd_bus_vtable *const vt[] = {adapter_vtable, device_vtable, service_vtable,
                                                  char_vtable};
        int r;

        if (o->exported)
                return 0;
        r = sd_bus_add_object_vtable(o->f->bus, &o->slot, o->path, fake_iface(o->kind), vt[o->kind],
                                     o);
        if (r < 0)
                return r;
        o->exported = true;
        return sd_bus_emit_interfaces_added(o->f->bus, o->path, fake_iface(o->kind), NULL);
}

void fake_unexport(FakeObject *o)
{
        if (!o->exported)
                return;
        sd_bus_emit_interfaces_removed(o->f->bus, o->path, fake_iface(o->kind), NULL);
        o->slot = sd_bus_slot_unref(o->slot);
        o->exported = false;
}

static FakeObject *fake_add(FakeBluez *f, int kind, const char *path)
{
        FakeObject *o = calloc(1, sizeof(*o));

        o->f = f;
        o->kind = kind;
        o->acquired_fd = -1;
        o->ftms_type = -1;
        o->path = strdup(path);
        f->objects[f->n_objects++] = o;
        return o;
}

FakeObject *fake_add_adapter(FakeBluez *f, const char *name, const char *address, bool powered)
{
        char path[64];
        FakeObject *o;

        snprintf(path, sizeof(path), "/org/bluez/%s", name);
        o = fake_add(f, FAKE_ADAPTER, path);
        snprintf(o->address, sizeof(o->address), "%s", address);
        o->powered = powered;
        fake_export(o);
        return o;
}

void fake_set_powered(FakeObject *a, bool powered)
{
        a->powered = powered;
        fake_emit(a, "Powered");
}

static void uuid16(char buf[37], uint16_t u)
{
        snprintf(buf, 37, "0000%04x-0000-1000-8000-00805f9b34fb", u);
}

/* A device under adapter; hidden ones appear only once discovery starts. */
FakeObject *fake_add_device(FakeBluez *f, FakeObject *adapter, const char *address,
                            const char *name, const uint16_t *svcs, size_t n_svcs, bool hidden)
{
        char path[128], mac[18];
        FakeObject *o;

        snprintf(mac, sizeof(mac), "%s", address);
        for (char *p = mac; *p; p++)
                if (*p == ':')
                        *p = '_';
        snprintf(path, sizeof(path), "%s/dev_%s", adapter->path, mac);
        o = fake_add(f, FAKE_DEVICE, path);
        snprintf(o->address, sizeof(o->address), "%s", address);
        o->adapter = strdup(adapter->path);
        o->name = name ? strdup(name) : NULL;
        for (size_t i = 0; i < n_svcs && i < 7; i++) {
                o->uuids[i] = malloc(37);
                uuid16(o->uuids[i], svcs[i]);
        }
        o->hidden = hidden;
        o->has_rssi = true;
        o->rssi = -60;
        if (!hidden)
                fake_export(o);
        return o;
}

FakeObject *fake_add_service(FakeBluez *f, FakeObject *dev, unsigned handle, uint16_t uuid)
{
        char path[192];
        FakeObject *o;

        snprintf(path, sizeof(path), "%s/service%04x", dev->path, handle);
        o = fake_add(f, FAKE_SERVICE, path);
        uuid16(o->uuid, uuid);
        o->parent = strdup(dev->path);
        if (dev->resolved)
                fake_export(o);
        return o;
}

FakeObject *fake_add_char(FakeBluez *f, FakeObject *svc, unsigned handle, uint16_t uuid,
                          const char *flags, const uint8_t *value, size_t len)
{
        char path[224];
        FakeObject *o;
        char *fl, *save = NULL;
        size_t n = 0;

        snprintf(path, sizeof(path), "%s/char%04x", svc->path, handle);
        o = fake_add(f, FAKE_CHAR, path);
        uuid16(o->uuid, uuid);
        o->parent = strdup(svc->path);
        fl = strdup(flags);
        for (char *t = strtok_r(fl, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
                o->flags[n++] = strdup(t);
        free(fl);
        if (value) {
                memcpy(o->value, value, len);
                o->value_len = len;
        }
        o->is_cp = uuid == 0x2AD9;
        return o;
}

/* Notification: only delivered if subscribed, as in bluetoothd. */
bool fake_notify(FakeBluez *f, FakeObject *c, const uint8_t *buf, size_t len)
{
        /* While acquired, values go to the socket and Value is not updated. */
        if (c->exported && c->acquired_fd >= 0)
                return send(c->acquired_fd, buf, len, 0) == (ssize_t)len;
        if (!c->exported || !c->notifying)
                return false;
        fake_set_value(c, buf, len);
        return true;
}

/* Device removed (RemoveDevice, or bluetoothd forgetting a temporary device). */
void fake_remove_device(FakeBluez *f, FakeObject *d)
{
        fake_device_drop(d);
        fake_unexport(d);
        d->hidden = true;
}

int fake_bluez_new(FakeBluez **ret, sd_event *e, const TestBus *b)
{
        FakeBluez *f = calloc(1, sizeof(*f));
        int r;

        f->event = sd_event_ref(e);
        f->cp_result = 0x01;
        r = test_bus_connect(b, e, &f->bus);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(f->bus, &f->manager, "/");
        if (r < 0)
                return r;
        r = sd_bus_request_name(f->bus, "org.bluez", 0);
        if (r < 0)
                return r;
        *ret = f;
        return 0;
}

/* bluetoothd exiting: its connection closes, the bus announces the name is gone. */
FakeBluez *fake_bluez_free(FakeBluez *f)
{
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_objects; i++) {
                FakeObject *o = f->objects[i];

                sd_bus_slot_unref(o->slot);
                sd_bus_message_unref(o->connecting);
                fake_release(o);
                free(o->path);
                free(o->adapter);
                free(o->name);
                free(o->parent);
                for (size_t k = 0; k < 8; k++)
                        free(o->uuids[k]);
                for (size_t k = 0; k < 6; k++)
                        free((char *)o->flags[k]);
                free(o);
        }
        sd_bus_slot_unref(f->manager);
        sd_bus_flush_close_unref(f->bus);
        sd_event_unref(f->event);
        free(f);
        return NULL;
}

/* ---- standard GATT profiles ---- */

/*
 * Feature bytes: the FitShow FS-6041F1 read (docs/protocol.md, "Fitness
 * Machine Feature"): features 0x165C, targets speed + inclination. Training
 * Status "01 01" is the FitShow quirk (flags claim a string, none follows;
 * docs/protocol.md, "Training Status").
 */
void fake_treadmill_gatt(FakeBluez *f, FakeTreadmillGatt *t)
{
        static const uint8_t feature[] = {0x5C, 0x16, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00};
        /* 1.00-18.00 km/h step 0.10; -3.0..15.0 % step 0.5 */
        static const uint8_t speed[] = {0x64, 0x00, 0x08, 0x07, 0x0A, 0x00};
        static const uint8_t incline[] = {0xE2, 0xFF, 0x96, 0x00, 0x05, 0x00};
        static const uint8_t training[] = {0x01, 0x01};
        FakeObject *svc = fake_add_service(f, t->dev, 0x000a, 0x1826);

        t->feature = fake_add_char(f, svc, 0x000b, 0x2ACC, "read", feature, sizeof(feature));
        t->data = fake_add_char(f, svc, 0x000d, 0x2ACD, "notify", NULL, 0);
        t->training =
                fake_add_char(f, svc, 0x0010, 0x2AD3, "read,notify", training, sizeof(training));
        t->speed_range = fake_add_char(f, svc, 0x0013, 0x2AD4, "read", speed, sizeof(speed));
        t->incline_range = fake_add_char(f, svc, 0x0015, 0x2AD5, "read", incline, sizeof(incline));
        t->cp = fake_add_char(f, svc, 0x0017, 0x2AD9, "write,indicate", NULL, 0);
        t->status = fake_add_char(f, svc, 0x001a, 0x2ADA, "notify", NULL, 0);
}

void fake_strap_gatt(FakeBluez *f, FakeStrapGatt *s, bool battery)
{
        static const uint8_t level[] = {87};
        FakeObject *svc = fake_add_service(f, s->dev, 0x0010, 0x180D);

        s->hrm = fake_add_char(f, svc, 0x0011, 0x2A37, "notify", NULL, 0);
        if (battery) {
                FakeObject *bas = fake_add_service(f, s->dev, 0x0020, 0x180F);

                s->battery = fake_add_char(f, bas, 0x0021, 0x2A19, "read,notify", level, 1);
        }
}

/* ---- running the loop ---- */

static uint64_t test_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Runs the loop until pred() holds. The 10 s bound only keeps a broken build
 * from hanging: nothing is asserted about how long anything takes.
 */
bool run_until(sd_event *e, bool (*pred)(void *), void *userdata)
{
        uint64_t end = test_now_usec() + 10 * 1000000u;

        while (!pred(userdata)) {
                if (test_now_usec() > end)
                        return false;
                if (sd_event_run(e, 50000) < 0)
                        return false;
        }
        return true;
}

/* Runs the loop for a while (lets timers fire; used to show that nothing happens). */
void run_for(sd_event *e, uint64_t usec)
{
        uint64_t end = test_now_usec() + usec;

        while (test_now_usec() < end)
                sd_event_run(e, end - test_now_usec());
}
