/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * BlueZ client, GATT side: finds the role's characteristics under the right
 * service of the connected device, reads the static ones, subscribes with
 * StartNotify, decodes every Value update with the pure codecs and runs the
 * FTMS Control Point procedure (one write in flight until its indication).
 *
 * StartNotify + PropertiesChanged(Value) is the default everywhere: it works
 * for notify and indicate alike on BlueZ 5.66, whereas AcquireNotify refuses
 * indicate-only characteristics such as the Control Point before 5.80. With
 * acquire_notify, notify characteristics use AcquireNotify (one datagram per
 * value on a socket, no D-Bus message to decode) and fall back to
 * StartNotify when BlueZ says no.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "bluez-internal.h"
#include "hrs.h"
#include "log.h"
#include "rsc.h"
#include "util.h"

static const struct {
        const char *name;
        TransportRole role;
        uint16_t service;
        uint16_t uuid;
        bool required;  /* the device is unusable without it */
        bool read;      /* read once at setup */
        bool subscribe; /* StartNotify */
} char_table[_BLUEZ_CHAR_MAX] = {
        [BLUEZ_CHAR_FEATURE] = {"Fitness Machine Feature", TRANSPORT_ROLE_TREADMILL,
                                FTMS_UUID_SERVICE, FTMS_UUID_FEATURE, false, true, false},
        [BLUEZ_CHAR_SPEED_RANGE] = {"Supported Speed Range", TRANSPORT_ROLE_TREADMILL,
                                    FTMS_UUID_SERVICE, FTMS_UUID_SPEED_RANGE, false, true, false},
        [BLUEZ_CHAR_INCLINE_RANGE] = {"Supported Inclination Range", TRANSPORT_ROLE_TREADMILL,
                                      FTMS_UUID_SERVICE, FTMS_UUID_INCLINE_RANGE, false, true,
                                      false},
        [BLUEZ_CHAR_TRAINING_STATUS] = {"Training Status", TRANSPORT_ROLE_TREADMILL,
                                        FTMS_UUID_SERVICE, FTMS_UUID_TRAINING_STATUS, false, true,
                                        true},
        [BLUEZ_CHAR_TREADMILL_DATA] = {"Treadmill Data", TRANSPORT_ROLE_TREADMILL,
                                       FTMS_UUID_SERVICE, FTMS_UUID_TREADMILL_DATA, true, false,
                                       true},
        [BLUEZ_CHAR_MACHINE_STATUS] = {"Fitness Machine Status", TRANSPORT_ROLE_TREADMILL,
                                       FTMS_UUID_SERVICE, FTMS_UUID_MACHINE_STATUS, false, false,
                                       true},
        [BLUEZ_CHAR_CONTROL_POINT] = {"Fitness Machine Control Point", TRANSPORT_ROLE_TREADMILL,
                                      FTMS_UUID_SERVICE, FTMS_UUID_CONTROL_POINT, false, false,
                                      true},
        [BLUEZ_CHAR_HR_MEASUREMENT] = {"Heart Rate Measurement", TRANSPORT_ROLE_STRAP,
                                       HRS_UUID_SERVICE, HRS_UUID_MEASUREMENT, true, false, true},
        [BLUEZ_CHAR_BATTERY_LEVEL] = {"Battery Level", TRANSPORT_ROLE_STRAP, BAS_UUID_SERVICE,
                                      BAS_UUID_BATTERY_LEVEL, false, true, true},
        [BLUEZ_CHAR_RSC_MEASUREMENT] = {"RSC Measurement", TRANSPORT_ROLE_FOOTPOD, RSC_UUID_SERVICE,
                                        RSC_UUID_MEASUREMENT, true, false, true},
};

uint16_t bluez_char_uuid(BluezCharId id)
{
        return char_table[id].uuid;
}

uint16_t bluez_char_service_uuid(BluezCharId id)
{
        return char_table[id].service;
}

TransportRole bluez_char_role(BluezCharId id)
{
        return char_table[id].role;
}

const char *bluez_char_id_to_string(BluezCharId id)
{
        if (id < 0 || id >= _BLUEZ_CHAR_MAX)
                return NULL;
        return char_table[id].name;
}

static const char *role_name(BluezLink *l)
{
        return transport_role_to_string(l->role);
}

static bool char_wanted(BluezLink *l, BluezCharId id)
{
        return char_table[id].role == l->role;
}

int bluez_gatt_locate(BluezLink *l, bool final)
{
        BluezClient *c = l->client;
        bool incomplete = false;

        for (int k = 0; k < _BLUEZ_CHAR_MAX; k++) {
                BluezChar *ch = &l->chars[k];

                ch->path = mfree_str(ch->path);
                ch->flags = 0;
                if (!char_wanted(l, k))
                        continue;
                for (size_t i = 0; i < c->n_objects && !ch->path; i++) {
                        BluezObject *o = c->objects[i], *svc;

                        if (!(o->ifaces & BLUEZ_IFACE_CHAR) || !o->has_uuid16 ||
                            o->uuid16 != char_table[k].uuid || !o->parent)
                                continue;
                        /* Under the right service of this very device (one bluetoothd may
                         * show the same peer under several adapters). */
                        svc = bluez_client_find_object(c, o->parent);
                        if (!svc || !(svc->ifaces & BLUEZ_IFACE_SERVICE) || !svc->has_uuid16 ||
                            svc->uuid16 != char_table[k].service ||
                            !streq_ptr(svc->parent, l->device))
                                continue;
                        ch->path = strdup(o->path);
                        if (!ch->path)
                                return -ENOMEM;
                        ch->flags = o->chr_flags;
                }
                if (ch->path)
                        continue;
                if (char_table[k].required) {
                        if (final)
                                log_debug("%s %s: no %s characteristic", role_name(l), l->device,
                                          char_table[k].name);
                        return -ENODEV;
                }
                incomplete = true;
        }
        return incomplete;
}

static void emit_malformed(BluezLink *l, BluezCharId id, int error, size_t len)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_MALFORMED};

        l->client->stats.malformed++;
        /* Debug only: a misbehaving device must not flood the journal. */
        log_debug("%s: malformed %s (%zu bytes): %s", role_name(l), char_table[id].name, len,
                  strerror(-error));
        ev.malformed.uuid = char_table[id].uuid;
        ev.malformed.error = error;
        ev.malformed.len = len;
        bluez_link_emit(l, &ev);
}

/* ---- setup: reads, then subscriptions ---- */

static int on_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezChar *ch = userdata;
        BluezLink *l = ch->link;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        ch->slot = sd_bus_slot_unref(ch->slot);
        l->pending--;
        if (e) {
                _cleanup_free_ char *reason = NULL;

                if (asprintf(&reason, "StartNotify on %s failed: %s: %s", char_table[ch->id].name,
                             e->name, e->message ?: "") < 0)
                        reason = NULL;
                if (char_table[ch->id].required) {
                        bluez_link_fail(l, bluez_error_to_errno(e), reason ?: "StartNotify failed",
                                        true);
                        return 0;
                }
                log_warning("%s: %s", role_name(l), reason ?: "StartNotify failed");
        } else
                ch->subscribed = true;
        if (l->pending == 0)
                bluez_link_setup_done(l);
        return 0;
}

static void subscription_done(BluezLink *l)
{
        if (l->pending == 0)
                bluez_link_setup_done(l);
}

static int send_start_notify(BluezChar *ch)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        BluezClient *c = ch->link->client;
        int r;

        r = bluez_client_new_call(c, &m, ch->path, BLUEZ_GATT_CHR, "StartNotify");
        if (r < 0)
                return r;
        return bluez_client_call(c, m, &ch->slot, 0, on_start_notify, ch);
}

static void notify_socket_close(BluezChar *ch)
{
        ch->io = sd_event_source_disable_unref(ch->io);
        if (ch->fd >= 0)
                close(ch->fd);
        ch->fd = -EBADF;
}

static int on_notify_socket(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        BluezChar *ch = userdata;
        BluezLink *l = ch->link;
        uint8_t buf[520]; /* ATT_MTU is at most 517 */

        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n <= 0) {
                        /* BlueZ closes the socket when the link or the server goes. */
                        bluez_link_fail(l, n < 0 ? -errno : -ECONNRESET,
                                        "notification socket closed", false);
                        return 0;
                }
                bluez_gatt_value(ch, buf, (size_t)n);
                if (ch->fd != fd)
                        return 0; /* the link went down while handling it */
        }
}

static int on_acquire_notify(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezChar *ch = userdata;
        BluezLink *l = ch->link;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uint16_t mtu;
        int fd, r;

        ch->slot = sd_bus_slot_unref(ch->slot);
        if (e) {
                log_debug("%s: AcquireNotify on %s refused (%s), using StartNotify", role_name(l),
                          char_table[ch->id].name, e->name);
                r = send_start_notify(ch);
                if (r < 0)
                        bluez_link_fail(l, r, "cannot send StartNotify", true);
                return 0;
        }
        r = sd_bus_message_read(m, "hq", &fd, &mtu);
        if (r >= 0) {
                ch->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                r = ch->fd < 0 ? -errno : 0;
        }
        if (r >= 0)
                r = sd_event_add_io(l->client->event, &ch->io, ch->fd, EPOLLIN, on_notify_socket,
                                    ch);
        if (r < 0) {
                notify_socket_close(ch);
                bluez_link_fail(l, r, "cannot use the AcquireNotify socket", true);
                return 0;
        }
        ch->subscribed = true;
        l->pending--;
        subscription_done(l);
        return 0;
}

static int send_acquire_notify(BluezChar *ch)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        BluezClient *c = ch->link->client;
        int r;

        r = bluez_client_new_call(c, &m, ch->path, BLUEZ_GATT_CHR, "AcquireNotify");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 0);
        if (r < 0)
                return r;
        return bluez_client_call(c, m, &ch->slot, 0, on_acquire_notify, ch);
}

static void subscribe_all(BluezLink *l)
{
        BluezClient *c = l->client;

        for (int k = 0; k < _BLUEZ_CHAR_MAX; k++) {
                BluezChar *ch = &l->chars[k];
                int r;

                if (!ch->path || !char_table[k].subscribe)
                        continue;
                if (!char_table[k].required &&
                    !(ch->flags & (BLUEZ_CHR_FLAG_NOTIFY | BLUEZ_CHR_FLAG_INDICATE)))
                        continue;
                if (c->acquire_notify && (ch->flags & BLUEZ_CHR_FLAG_NOTIFY))
                        r = send_acquire_notify(ch);
                else
                        r = send_start_notify(ch);
                if (r < 0) {
                        bluez_link_fail(l, r, "cannot subscribe", true);
                        return;
                }
                l->pending++;
        }
        subscription_done(l);
}

static void store_read(BluezLink *l, BluezCharId id, const uint8_t *buf, size_t len)
{
        int r = 0;

        switch (id) {
        case BLUEZ_CHAR_FEATURE:
                r = ftms_parse_feature(buf, len, &l->caps.feature);
                break;
        case BLUEZ_CHAR_SPEED_RANGE:
                r = ftms_parse_speed_range(buf, len, &l->caps.speed_range);
                l->caps.has_speed_range = r >= 0;
                break;
        case BLUEZ_CHAR_INCLINE_RANGE:
                r = ftms_parse_incline_range(buf, len, &l->caps.incline_range);
                l->caps.has_incline_range = r >= 0;
                break;
        case BLUEZ_CHAR_TRAINING_STATUS:
                r = ftms_parse_training_status(buf, len, &l->training);
                l->have_training = r >= 0;
                break;
        case BLUEZ_CHAR_BATTERY_LEVEL:
                /* BAS 1.0: uint8 percentage, 0-100. */
                if (len < 1 || buf[0] > 100)
                        r = -EBADMSG;
                else {
                        l->battery = buf[0];
                        l->have_battery = true;
                }
                break;
        case BLUEZ_CHAR_TREADMILL_DATA:
        case BLUEZ_CHAR_MACHINE_STATUS:
        case BLUEZ_CHAR_CONTROL_POINT:
        case BLUEZ_CHAR_HR_MEASUREMENT:
        case BLUEZ_CHAR_RSC_MEASUREMENT:
        case _BLUEZ_CHAR_MAX:
        case _BLUEZ_CHAR_INVALID:
                break;
        }
        if (r < 0)
                emit_malformed(l, id, r, len);
}

static int on_read(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezChar *ch = userdata;
        BluezLink *l = ch->link;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const void *p;
        size_t n;
        int r;

        ch->slot = sd_bus_slot_unref(ch->slot);
        l->pending--;
        if (e)
                /* Optional data: the link works without it (no ranges = no clamping info). */
                log_warning("%s %s: reading %s failed: %s: %s", role_name(l), l->address ?: "",
                            char_table[ch->id].name, e->name, e->message ?: "");
        else {
                r = sd_bus_message_read_array(m, 'y', &p, &n);
                if (r < 0)
                        emit_malformed(l, ch->id, -EBADMSG, 0);
                else
                        store_read(l, ch->id, p, n);
        }
        if (l->pending == 0)
                subscribe_all(l);
        return 0;
}

int bluez_gatt_start(BluezLink *l)
{
        BluezClient *c = l->client;

        l->pending = 0;
        l->caps = (TransportCapabilities){};
        l->caps.has_control_point = l->chars[BLUEZ_CHAR_CONTROL_POINT].path != NULL;
        l->have_training = l->have_battery = false;
        ftms_treadmill_assembler_reset(&l->assembler);

        for (int k = 0; k < _BLUEZ_CHAR_MAX; k++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                BluezChar *ch = &l->chars[k];
                int r;

                /* "Read them only if they exist" (FTMS: ranges are conditional). */
                if (!ch->path || !char_table[k].read || !(ch->flags & BLUEZ_CHR_FLAG_READ))
                        continue;
                r = bluez_client_new_call(c, &m, ch->path, BLUEZ_GATT_CHR, "ReadValue");
                if (r >= 0)
                        r = sd_bus_message_append(m, "a{sv}", 0);
                if (r >= 0)
                        r = bluez_client_call(c, m, &ch->slot, 0, on_read, ch);
                if (r < 0)
                        return r;
                l->pending++;
        }
        if (l->pending == 0)
                subscribe_all(l);
        return 0;
}

/* ---- control point ---- */

static void cp_pump(BluezLink *l);

static void cp_emit_failed(BluezLink *l, int error, const char *message)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_CP_WRITE_FAILED};

        ev.cp_write_error.error = error;
        ev.cp_write_error.message = message;
        bluez_link_emit(l, &ev);
}

static void cp_finish(BluezLink *l)
{
        l->cp_inflight = false;
        l->cp_write_done = l->cp_indicated = false;
        l->cp_slot = sd_bus_slot_unref(l->cp_slot);
        l->cp_timer = sd_event_source_disable_unref(l->cp_timer);
        cp_pump(l);
}

static int on_cp_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezLink *l = userdata;

        l->cp_timer = sd_event_source_disable_unref(l->cp_timer);
        log_warning("treadmill %s: no Control Point indication for op 0x%02x", l->address ?: "",
                    l->cp_op);
        cp_emit_failed(l, -ETIMEDOUT, "no control point indication");
        cp_finish(l);
        return 0;
}

static int on_cp_write(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezLink *l = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        int r;

        l->cp_slot = sd_bus_slot_unref(l->cp_slot);
        if (e) {
                _cleanup_free_ char *msg = NULL;

                if (asprintf(&msg, "%s: %s", e->name, e->message ?: "") < 0)
                        msg = NULL;
                log_info("treadmill: Control Point write 0x%02x failed: %s", l->cp_op,
                         msg ?: e->name);
                cp_emit_failed(l, bluez_error_to_errno(e), msg ?: e->name);
                cp_finish(l);
                return 0;
        }
        if (l->cp_indicated) {
                cp_finish(l);
                return 0;
        }
        l->cp_write_done = true;
        r = sd_event_add_time_relative(l->client->event, &l->cp_timer, CLOCK_MONOTONIC,
                                       l->client->cp_timeout, 0, on_cp_timeout, l);
        if (r < 0) {
                cp_emit_failed(l, r, "cannot arm indication timer");
                cp_finish(l);
        }
        return 0;
}

static void cp_pump(BluezLink *l)
{
        BluezClient *c = l->client;

        while (!l->cp_inflight && l->cp_len > 0) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                BluezCpWrite w = l->cp_queue[l->cp_head];
                int r;

                l->cp_head = (l->cp_head + 1) % BLUEZ_CP_QUEUE_MAX;
                l->cp_len--;
                l->cp_op = w.buf[0];
                r = bluez_client_new_call(c, &m, l->chars[BLUEZ_CHAR_CONTROL_POINT].path,
                                          BLUEZ_GATT_CHR, "WriteValue");
                if (r >= 0)
                        r = sd_bus_message_append_array(m, 'y', w.buf, w.len);
                /* Write With Response: the FTMS CP needs the ATT write response. */
                if (r >= 0)
                        r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", "request");
                if (r >= 0)
                        r = bluez_client_call(c, m, &l->cp_slot, 0, on_cp_write, l);
                if (r < 0) {
                        cp_emit_failed(l, r, "cannot send WriteValue");
                        continue;
                }
                l->cp_inflight = true;
        }
}

int bluez_gatt_cp_write(BluezLink *l, const uint8_t *buf, size_t len)
{
        BluezCpWrite *w;

        if (!buf || len == 0 || len > FTMS_CP_MAX_LEN)
                return -EINVAL;
        if (l->state != BLUEZ_LINK_READY)
                return -ENOTCONN;
        if (!l->chars[BLUEZ_CHAR_CONTROL_POINT].subscribed)
                return -EOPNOTSUPP;
        if (l->cp_len >= BLUEZ_CP_QUEUE_MAX)
                return -ENOBUFS;
        w = &l->cp_queue[(l->cp_head + l->cp_len) % BLUEZ_CP_QUEUE_MAX];
        memcpy(w->buf, buf, len);
        w->len = len;
        l->cp_len++;
        cp_pump(l);
        return 0;
}

static void cp_indication(BluezLink *l)
{
        if (!l->cp_inflight)
                return; /* unsolicited: reported, nothing to correlate */
        if (l->cp_write_done)
                cp_finish(l);
        else
                l->cp_indicated = true;
}

/* ---- values ---- */

bool bluez_link_char_is_ours(BluezLink *l, const char *path, BluezChar **ret)
{
        if (!IN_SET_STATE(l->state, BLUEZ_LINK_SETUP, BLUEZ_LINK_READY))
                return false;
        for (int k = 0; k < _BLUEZ_CHAR_MAX; k++)
                if (l->chars[k].path && streq(l->chars[k].path, path)) {
                        *ret = &l->chars[k];
                        return true;
                }
        return false;
}

static void treadmill_hr(BluezLink *l, const FtmsTreadmillData *d)
{
        BluezLink *strap = &l->client->links[TRANSPORT_ROLE_STRAP];
        TransportEvent ev = {.type = TRANSPORT_EVENT_HEART_RATE};

        if (strap->state == BLUEZ_LINK_READY)
                return;
        if (transport_hr_from_treadmill(d, &ev.hr) < 0)
                return;
        bluez_link_emit(l, &ev);
}

void bluez_gatt_value(BluezChar *ch, const uint8_t *buf, size_t len)
{
        BluezLink *l = ch->link;
        TransportEvent ev = {};
        int r = 0;

        /* Reads update Value too; only subscribed characteristics stream. */
        if (!ch->subscribed)
                return;
        l->client->stats.notifications++;

        switch (ch->id) {
        case BLUEZ_CHAR_TREADMILL_DATA:
                r = ftms_treadmill_assembler_push(&l->assembler, buf, len, &ev.treadmill);
                if (r > 0) {
                        ev.type = TRANSPORT_EVENT_TREADMILL_DATA;
                        bluez_link_emit(l, &ev);
                        treadmill_hr(l, &ev.treadmill);
                }
                break;
        case BLUEZ_CHAR_MACHINE_STATUS:
                r = ftms_parse_machine_status(buf, len, &ev.status);
                if (r >= 0) {
                        ev.type = TRANSPORT_EVENT_MACHINE_STATUS;
                        bluez_link_emit(l, &ev);
                }
                break;
        case BLUEZ_CHAR_TRAINING_STATUS:
                r = ftms_parse_training_status(buf, len, &ev.training);
                if (r >= 0) {
                        ev.type = TRANSPORT_EVENT_TRAINING_STATUS;
                        bluez_link_emit(l, &ev);
                }
                break;
        case BLUEZ_CHAR_CONTROL_POINT:
                r = ftms_cp_parse_response(buf, len, &ev.cp_response);
                if (r >= 0) {
                        ev.type = TRANSPORT_EVENT_CP_RESPONSE;
                        bluez_link_emit(l, &ev);
                }
                /* Even a garbled indication ends the procedure: the server answered. */
                cp_indication(l);
                break;
        case BLUEZ_CHAR_HR_MEASUREMENT:
                r = hrs_parse_measurement(buf, len, &ev.hr);
                if (r >= 0) {
                        ev.type = TRANSPORT_EVENT_HEART_RATE;
                        bluez_link_emit(l, &ev);
                }
                break;
        case BLUEZ_CHAR_BATTERY_LEVEL:
                if (len < 1 || buf[0] > 100)
                        r = -EBADMSG;
                else {
                        ev.type = TRANSPORT_EVENT_BATTERY;
                        ev.battery_pct = buf[0];
                        bluez_link_emit(l, &ev);
                }
                break;
        case BLUEZ_CHAR_RSC_MEASUREMENT:
                r = rsc_parse_measurement(buf, len, &ev.footpod);
                if (r >= 0) {
                        ev.type = TRANSPORT_EVENT_FOOTPOD;
                        bluez_link_emit(l, &ev);
                }
                break;
        case BLUEZ_CHAR_FEATURE:
        case BLUEZ_CHAR_SPEED_RANGE:
        case BLUEZ_CHAR_INCLINE_RANGE:
        case _BLUEZ_CHAR_MAX:
        case _BLUEZ_CHAR_INVALID:
                break;
        }
        if (r < 0)
                emit_malformed(l, ch->id, r, len);
}

/* ---- teardown ---- */

void bluez_gatt_reset(BluezLink *l, int error)
{
        size_t n_failed = l->cp_len + (l->cp_inflight ? 1 : 0);

        for (int k = 0; k < _BLUEZ_CHAR_MAX; k++) {
                l->chars[k].slot = sd_bus_slot_unref(l->chars[k].slot);
                l->chars[k].subscribed = false;
                /* Closing the socket is how an acquired notification is released. */
                notify_socket_close(&l->chars[k]);
        }
        l->pending = 0;
        ftms_treadmill_assembler_reset(&l->assembler);
        l->cp_slot = sd_bus_slot_unref(l->cp_slot);
        l->cp_timer = sd_event_source_disable_unref(l->cp_timer);
        l->cp_inflight = l->cp_write_done = l->cp_indicated = false;
        l->cp_head = l->cp_len = 0;
        /* Every accepted write gets exactly one result, even when the link dies. */
        for (size_t i = 0; i < n_failed; i++)
                cp_emit_failed(l, error, "link lost");
}

void bluez_gatt_stop_notify(BluezLink *l)
{
        for (int k = 0; k < _BLUEZ_CHAR_MAX; k++) {
                if (l->chars[k].subscribed && l->chars[k].fd < 0)
                        bluez_client_call_no_reply(l->client, l->chars[k].path, BLUEZ_GATT_CHR,
                                                   "StopNotify");
        }
}
