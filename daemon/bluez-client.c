/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * BlueZ client, connection side: tracks bluetoothd's objects through the
 * ObjectManager (GetManagedObjects once, then InterfacesAdded/Removed and
 * PropertiesChanged; nothing is polled), selects the adapter and the devices,
 * runs one small state machine per role and reconnects with a capped
 * exponential backoff. The GATT side lives in bluez-gatt.c.
 *
 *   WAITING --Connect()--> CONNECTING --ok--> RESOLVING --ServicesResolved--> SETUP
 *      ^                                                                       |
 *      |                                                        reads, StartNotify
 *   BACKOFF <--- any failure: Connect error, disconnect, removal, ------ READY (link up)
 *                bluetoothd exit, adapter off, timeouts
 *
 * A failure is logged at warning level once per distinct reason; repeats of
 * the same failure while retrying are logged at debug level only.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <time.h>

#include "alloc-util.h"
#include "bluez-internal.h"
#include "bus-util.h"
#include "log.h"
#include "string-table.h"
#include "util.h"

#define DEFAULT_CALL_TIMEOUT    (10 * USEC_PER_SEC)
#define DEFAULT_CONNECT_TIMEOUT (30 * USEC_PER_SEC)
#define DEFAULT_RESOLVE_TIMEOUT (30 * USEC_PER_SEC)
/* How long no GATT object may appear under a resolved device before a missing
 * characteristic counts as missing (see link_locate()). */
#define GATT_SETTLE_USEC    (1500 * USEC_PER_MSEC)
#define DEFAULT_CP_TIMEOUT  (30 * USEC_PER_SEC)
#define DEFAULT_BACKOFF_MIN (1 * USEC_PER_SEC)
#define DEFAULT_BACKOFF_MAX (30 * USEC_PER_SEC)

static void reconcile(BluezClient *c);
static void discovery_update(BluezClient *c);
static void link_connect(BluezLink *l);
static bool device_shared(BluezLink *l);
static void link_wait_resolved(BluezLink *l);

/* ---- small string-vector helpers ---- */

static char **strv_free(char **l)
{
        if (l)
                for (char **i = l; *i; i++)
                        free(*i);
        free(l);
        return NULL;
}

static bool strv_contains(char *const *l, const char *s)
{
        if (l)
                for (char *const *i = l; *i; i++)
                        if (streq(*i, s))
                                return true;
        return false;
}

static int strv_push(char ***l, const char *s)
{
        size_t n = 0;
        char **nl, *d;

        if (*l)
                while ((*l)[n])
                        n++;
        d = strdup(s);
        if (!d)
                return -ENOMEM;
        nl = realloc(*l, (n + 2) * sizeof(char *));
        if (!nl) {
                free(d);
                return -ENOMEM;
        }
        nl[n] = d;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

static int free_and_strdup(char **p, const char *s)
{
        char *d = NULL;

        if (streq_ptr(*p, s))
                return 0;
        if (s) {
                d = strdup(s);
                if (!d)
                        return -ENOMEM;
        }
        free(*p);
        *p = d;
        return 1;
}

/* ---- enums ---- */

static const char *const bluez_link_state_table[_BLUEZ_LINK_STATE_MAX] = {
        [BLUEZ_LINK_DISABLED] = "disabled",     [BLUEZ_LINK_WAITING] = "waiting",
        [BLUEZ_LINK_CONNECTING] = "connecting", [BLUEZ_LINK_RESOLVING] = "resolving",
        [BLUEZ_LINK_SETUP] = "setup",           [BLUEZ_LINK_READY] = "ready",
        [BLUEZ_LINK_BACKOFF] = "backoff",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(bluez_link_state, BluezLinkState);

static const char *const bluez_scan_mode_table[_BLUEZ_SCAN_MODE_MAX] = {
        [BLUEZ_SCAN_AUTO] = "auto",
        [BLUEZ_SCAN_NEVER] = "never",
};

DEFINE_STRING_TABLE_LOOKUP(bluez_scan_mode, BluezScanMode);

void bluez_config_set_role(BluezConfig *cfg, TransportRole role, const char *value)
{
        if (role < 0 || role >= _TRANSPORT_ROLE_MAX)
                return;
        if (role == TRANSPORT_ROLE_FOOTPOD) {
                cfg->enable_footpod = value && *value && !streq(value, "none");
                cfg->selector[role] = cfg->enable_footpod && !streq(value, "auto") ? value : NULL;
                return;
        }
        cfg->disabled[role] = value && streq(value, "none");
        cfg->selector[role] = value && *value && !cfg->disabled[role] ? value : NULL;
}

uint64_t bluez_backoff_delay(uint64_t min_usec, uint64_t max_usec, unsigned failures)
{
        uint64_t d = min_usec;

        for (unsigned i = 0; i < failures && d < max_usec; i++)
                d *= 2;
        return MIN(d, max_usec);
}

/* ---- helpers shared with bluez-gatt.c ---- */

uint64_t bluez_client_now(BluezClient *c)
{
        struct timespec ts;

        if (c->clock)
                return paced_clock_now(c->clock);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

int bluez_error_to_errno(const sd_bus_error *e)
{
        static const struct {
                const char *name;
                int error;
        } map[] = {
                {"org.bluez.Error.InProgress", EBUSY},
                {"org.bluez.Error.NotPermitted", EPERM},
                {"org.bluez.Error.NotAuthorized", EACCES},
                {"org.bluez.Error.NotSupported", EOPNOTSUPP},
                {"org.bluez.Error.NotConnected", ENOTCONN},
                {"org.bluez.Error.AlreadyConnected", EALREADY},
                {"org.bluez.Error.NotReady", ENETDOWN},
                {"org.bluez.Error.InvalidValueLength", EMSGSIZE},
                {"org.bluez.Error.InvalidArguments", EINVAL},
                {"org.bluez.Error.InvalidOffset", EINVAL},
                {"org.bluez.Error.DoesNotExist", ENOENT},
                {"org.bluez.Error.Failed", EIO},
        };

        if (!e || !e->name)
                return -EIO;
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(e->name, map[i].name))
                        return -map[i].error;
        /* Standard D-Bus errors (NoReply, Timeout, UnknownObject, ...) map in sd-bus. */
        return -abs(sd_bus_error_get_errno(e) ?: EIO);
}

BluezObject *bluez_client_find_object(BluezClient *c, const char *path)
{
        for (size_t i = 0; i < c->n_objects; i++)
                if (streq(c->objects[i]->path, path))
                        return c->objects[i];
        return NULL;
}

int bluez_client_new_call(BluezClient *c, sd_bus_message **ret, const char *path, const char *iface,
                          const char *member)
{
        return sd_bus_message_new_method_call(c->bus, ret, BLUEZ_SERVICE, path, iface, member);
}

int bluez_client_call(BluezClient *c, sd_bus_message *m, sd_bus_slot **ret_slot, uint64_t timeout,
                      sd_bus_message_handler_t cb, void *userdata)
{
        return sd_bus_call_async(c->bus, ret_slot, m, cb, userdata,
                                 timeout ? timeout : c->call_timeout);
}

/* A call whose answer nobody waits for (shutdown, giving up a device). */
void bluez_client_call_no_reply(BluezClient *c, const char *path, const char *iface,
                                const char *member)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

        if (bluez_client_new_call(c, &m, path, iface, member) < 0)
                return;
        (void)sd_bus_message_set_expect_reply(m, 0);
        (void)sd_bus_send(c->bus, m, NULL);
}

/* ---- objects ---- */

static BluezObject *object_free(BluezObject *o)
{
        if (!o)
                return NULL;
        free(o->path);
        free(o->adapter_address);
        free(o->adapter);
        free(o->address);
        free(o->name);
        free(o->alias);
        strv_free(o->uuids);
        free(o->parent);
        free(o);
        return NULL;
}

static BluezObject *object_get_or_add(BluezClient *c, const char *path)
{
        BluezObject *o = bluez_client_find_object(c, path);

        if (o)
                return o;
        if (!GREEDY_REALLOC(c->objects, c->n_objects_allocated, c->n_objects + 1))
                return NULL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return NULL;
        o->path = strdup(path);
        if (!o->path)
                return object_free(o);
        o->ftms_machine_type = -1;
        c->objects[c->n_objects++] = o;
        return o;
}

static void object_remove(BluezClient *c, BluezObject *o)
{
        for (size_t i = 0; i < c->n_objects; i++)
                if (c->objects[i] == o) {
                        memmove(c->objects + i, c->objects + i + 1,
                                (c->n_objects - i - 1) * sizeof(*c->objects));
                        c->n_objects--;
                        break;
                }
        object_free(o);
}

static void objects_clear(BluezClient *c)
{
        for (size_t i = 0; i < c->n_objects; i++)
                object_free(c->objects[i]);
        free(c->objects);
        c->objects = NULL;
        c->n_objects = 0;
}

static unsigned iface_bit(const char *iface)
{
        if (streq(iface, BLUEZ_ADAPTER))
                return BLUEZ_IFACE_ADAPTER;
        if (streq(iface, BLUEZ_DEVICE))
                return BLUEZ_IFACE_DEVICE;
        if (streq(iface, BLUEZ_GATT_SVC))
                return BLUEZ_IFACE_SERVICE;
        if (streq(iface, BLUEZ_GATT_CHR))
                return BLUEZ_IFACE_CHAR;
        return 0;
}

static int read_variant_str(sd_bus_message *m, const char *sig, char **p)
{
        const char *s;
        int r;

        r = sd_bus_message_read(m, "v", sig, &s);
        if (r < 0)
                return r;
        return free_and_strdup(p, s);
}

static int read_variant_bool(sd_bus_message *m, bool *p)
{
        int b, r;

        r = sd_bus_message_read(m, "v", "b", &b);
        if (r < 0)
                return r;
        if (*p == !!b)
                return 0;
        *p = b;
        return 1;
}

static int read_variant_strv(sd_bus_message *m, char ***p)
{
        char **l = NULL;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "as");
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(m, &l);
        if (r < 0)
                return r;
        strv_free(*p);
        *p = l;
        return sd_bus_message_exit_container(m);
}

/*
 * FTMS 1.0 section 3.1.1 (advertising): Service Data for 0x1826 is Flags
 * (uint8) then Fitness Machine Type (uint16, bit 0 = Treadmill).
 */
static int read_service_data_entry(sd_bus_message *m, const char *key, void *userdata)
{
        BluezObject *o = userdata;
        char ftms[37];
        const void *p;
        size_t n;
        int r;

        bt_uuid16_to_string(FTMS_UUID_SERVICE, ftms);
        if (!streq(key, ftms))
                return sd_bus_message_skip(m, "v");
        r = sd_bus_message_enter_container(m, 'v', "ay");
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(m, 'y', &p, &n);
        if (r < 0)
                return r;
        if (n >= 3)
                o->ftms_machine_type = ((const uint8_t *)p)[1] | ((const uint8_t *)p)[2] << 8;
        return sd_bus_message_exit_container(m);
}

static int read_service_data(sd_bus_message *m, BluezObject *o)
{
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a{sv}");
        if (r < 0)
                return r;
        r = bus_message_read_dict(m, "v", read_service_data_entry, o);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int parse_uuid(sd_bus_message *m, BluezObject *o)
{
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_variant_str(m, "s", &s);
        if (r < 0)
                return r;
        o->has_uuid16 = bt_uuid16_from_string(s, &o->uuid16) >= 0;
        return 0;
}

static int parse_chr_flags(sd_bus_message *m, BluezObject *o)
{
        char **l = NULL;
        int r;

        r = read_variant_strv(m, &l);
        if (r < 0)
                return r;
        o->chr_flags = (strv_contains(l, "read") ? BLUEZ_CHR_FLAG_READ : 0) |
                       (strv_contains(l, "write") ? BLUEZ_CHR_FLAG_WRITE : 0) |
                       (strv_contains(l, "notify") ? BLUEZ_CHR_FLAG_NOTIFY : 0) |
                       (strv_contains(l, "indicate") ? BLUEZ_CHR_FLAG_INDICATE : 0);
        strv_free(l);
        return 0;
}

/* One property: m is positioned at its variant. Unknown ones are skipped. */
static int parse_property(BluezObject *o, unsigned iface, const char *key, sd_bus_message *m,
                          unsigned *changed)
{
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v')
                return -EBADMSG;

#define IS(k, sig) (streq(key, k) && streq(contents, sig))
        switch (iface) {
        case BLUEZ_IFACE_ADAPTER:
                if (IS("Powered", "b")) {
                        r = read_variant_bool(m, &o->powered);
                        if (r > 0)
                                *changed |= BLUEZ_CHANGED_POWERED;
                        return r;
                }
                if (IS("Address", "s"))
                        return read_variant_str(m, "s", &o->adapter_address);
                break;
        case BLUEZ_IFACE_DEVICE:
                if (IS("Adapter", "o"))
                        return read_variant_str(m, "o", &o->adapter);
                if (IS("Connected", "b")) {
                        r = read_variant_bool(m, &o->connected);
                        /* Report the edge even if repeated: BlueZ only sends real changes. */
                        if (r >= 0)
                                *changed |= BLUEZ_CHANGED_CONNECTED;
                        /* bluetoothd does not always send ServicesResolved false before
                         * Connected false: a stale true would start the next setup early. */
                        if (r >= 0 && !o->connected)
                                o->resolved = false;
                        return r;
                }
                if (IS("ServicesResolved", "b")) {
                        r = read_variant_bool(m, &o->resolved);
                        if (r >= 0)
                                *changed |= BLUEZ_CHANGED_RESOLVED;
                        return r;
                }
                if (IS("RSSI", "n")) {
                        int16_t v;

                        r = sd_bus_message_read(m, "v", "n", &v);
                        if (r >= 0) {
                                o->rssi = v;
                                o->has_rssi = true;
                        }
                        return r;
                }
                if (IS("Address", "s") || IS("Name", "s") || IS("Alias", "s") ||
                    IS("UUIDs", "as") || IS("ServiceData", "a{sv}"))
                        *changed |= BLUEZ_CHANGED_IDENTITY;
                if (IS("Address", "s"))
                        return read_variant_str(m, "s", &o->address);
                if (IS("Name", "s"))
                        return read_variant_str(m, "s", &o->name);
                if (IS("Alias", "s"))
                        return read_variant_str(m, "s", &o->alias);
                if (IS("UUIDs", "as"))
                        return read_variant_strv(m, &o->uuids);
                if (IS("ServiceData", "a{sv}"))
                        return read_service_data(m, o);
                break;
        case BLUEZ_IFACE_SERVICE:
                if (IS("UUID", "s"))
                        return parse_uuid(m, o);
                if (IS("Device", "o"))
                        return read_variant_str(m, "o", &o->parent);
                break;
        case BLUEZ_IFACE_CHAR:
                if (IS("UUID", "s"))
                        return parse_uuid(m, o);
                if (IS("Service", "o"))
                        return read_variant_str(m, "o", &o->parent);
                if (IS("Flags", "as"))
                        return parse_chr_flags(m, o);
                break;
        default:
                break;
        }
#undef IS
        return sd_bus_message_skip(m, "v");
}

typedef struct PropertyContext {
        BluezObject *object;
        unsigned iface;
        unsigned *changed;
} PropertyContext;

static int parse_property_entry(sd_bus_message *m, const char *key, void *userdata)
{
        PropertyContext *ctx = userdata;

        return parse_property(ctx->object, ctx->iface, key, m, ctx->changed);
}

/* m at an a{sv} of one interface's properties. */
static int parse_properties(BluezObject *o, unsigned iface, sd_bus_message *m, unsigned *changed)
{
        PropertyContext ctx = {.object = o, .iface = iface, .changed = changed};

        return bus_message_read_dict(m, "v", parse_property_entry, &ctx);
}

static int parse_interface_entry(sd_bus_message *m, const char *iface, void *userdata)
{
        PropertyContext *ctx = userdata;
        unsigned bit = iface_bit(iface);

        if (!bit)
                return sd_bus_message_skip(m, "a{sv}");
        ctx->object->ifaces |= bit;
        return parse_properties(ctx->object, bit, m, ctx->changed);
}

/* m at an a{sa{sv}} (InterfacesAdded, one GetManagedObjects entry). */
static int parse_interfaces(BluezObject *o, sd_bus_message *m, unsigned *changed)
{
        PropertyContext ctx = {.object = o, .changed = changed};

        return bus_message_read_dict(m, "a{sv}", parse_interface_entry, &ctx);
}

/* ---- links ---- */

static const char *link_role(BluezLink *l)
{
        return transport_role_to_string(l->role);
}

static const char *link_label(BluezLink *l)
{
        return l->address ?: (l->device ?: "(none)");
}

/*
 * The one place a link changes state, logged with the device it concerns,
 * so that the journal holds each link's life (debug level: the transitions
 * that matter to a runner have their own info and warning lines).
 */
static void link_enter_state(BluezLink *l, BluezLinkState state, const char *why)
{
        char device[128];
        const char *fields[] = {device, NULL};

        if (l->state == state)
                return;
        snprintf(device, sizeof(device), "DEVICE=%s", link_label(l));
        log_fields(LOG_DEBUG, 0, fields, "%s %s: %s -> %s (%s)", link_role(l), link_label(l),
                   bluez_link_state_to_string(l->state), bluez_link_state_to_string(state), why);
        l->state = state;
}

void bluez_link_emit(BluezLink *l, TransportEvent *ev)
{
        ev->role = l->role;
        ev->time_usec = bluez_client_now(l->client);
        transport_emit(&l->client->transport, ev);
}

static void link_stop_timer(BluezLink *l)
{
        l->timer = sd_event_source_disable_unref(l->timer);
}

static int link_arm_timer(BluezLink *l, uint64_t usec, sd_event_time_handler_t cb)
{
        link_stop_timer(l);
        return sd_event_add_time_relative(l->client->event, &l->timer, CLOCK_MONOTONIC, usec, 0, cb,
                                          l);
}

static int on_backoff_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezLink *l = userdata;

        l->timer = sd_event_source_disable_unref(l->timer);
        if (l->state != BLUEZ_LINK_BACKOFF)
                return 0;
        link_enter_state(l, BLUEZ_LINK_WAITING, "retrying");
        reconcile(l->client);
        return 0;
}

static void link_forget_device(BluezLink *l)
{
        l->device = mfree_str(l->device);
        l->address = mfree_str(l->address);
        l->name = mfree_str(l->name);
}

/*
 * One Connect per device at a time. When one peripheral serves both roles, the
 * second link waits for the first one's Connect instead of sending its own:
 * bluetoothd 5.66 answers a Connect of a device whose LE connection is being
 * made with org.bluez.Error.Failed "Operation already in progress".
 */
static BluezLink *connect_owner(BluezLink *l)
{
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                BluezLink *o = &l->client->links[r];

                if (o != l && o->state == BLUEZ_LINK_CONNECTING && o->call_slot &&
                    streq_ptr(o->device, l->device))
                        return o;
        }
        return NULL;
}

static int on_connect_wait_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezLink *l = userdata;

        l->timer = sd_event_source_disable_unref(l->timer);
        bluez_link_fail(l, -ETIMEDOUT, "the device's Connect was never answered", false);
        return 0;
}

/* The owner's Connect was answered (ok) or abandoned: the links waiting for it go on. */
static void connect_waiters_go_on(BluezLink *owner, bool ok)
{
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                BluezLink *o = &owner->client->links[r];

                if (o == owner || o->state != BLUEZ_LINK_CONNECTING || o->call_slot ||
                    !streq_ptr(o->device, owner->device))
                        continue;
                link_stop_timer(o);
                if (ok)
                        link_wait_resolved(o);
                else
                        /* Its own Connect now: the failure may have been the other link's. */
                        link_connect(o);
        }
}

void bluez_link_fail(BluezLink *l, int error, const char *reason, bool disconnect)
{
        BluezClient *c = l->client;
        _cleanup_free_ char *msg = NULL;
        bool was_up = l->state == BLUEZ_LINK_READY;
        bool was_connecting = l->state == BLUEZ_LINK_CONNECTING && l->call_slot;
        uint64_t delay;

        if (IN_SET_STATE(l->state, BLUEZ_LINK_DISABLED, BLUEZ_LINK_BACKOFF, BLUEZ_LINK_WAITING))
                return;

        /* Down before any event goes out: a handler writing to the control point
         * from its callback gets -ENOTCONN. */
        link_enter_state(l, BLUEZ_LINK_BACKOFF, reason);
        l->call_slot = sd_bus_slot_unref(l->call_slot);
        l->refresh_slot = sd_bus_slot_unref(l->refresh_slot);
        l->refresh_again = l->locating = false;
        link_stop_timer(l);
        bluez_gatt_reset(l, -ENOTCONN);
        if (disconnect && l->device && !device_shared(l))
                bluez_client_call_no_reply(c, l->device, BLUEZ_DEVICE, "Disconnect");

        if (was_up) {
                TransportEvent ev = {.type = TRANSPORT_EVENT_LINK};

                c->stats.link_losses++;
                ev.link.up = false;
                ev.link.reason = reason;
                bluez_link_emit(l, &ev);
        }

        if (c->shutting_down) {
                log_debug("%s %s: %s", link_role(l), link_label(l), reason);
                return;
        }
        if (asprintf(&msg, "%s %s: %s", link_role(l), link_label(l), reason) < 0)
                msg = NULL;
        if (msg && !streq_ptr(msg, l->last_logged)) {
                if (error < 0)
                        log_warning_errno(error, "%s (%m), retrying", msg);
                else
                        log_warning("%s, retrying", msg);
                free(l->last_logged);
                l->last_logged = TAKE_PTR(msg);
        } else
                log_debug("%s %s: %s, retrying", link_role(l), link_label(l), reason);

        delay = bluez_backoff_delay(c->backoff_min, c->backoff_max, l->failures);
        if (l->failures < 64)
                l->failures++;
        if (link_arm_timer(l, delay, on_backoff_timer) < 0) {
                /* Without a timer, retry on the next object change rather than never. */
                link_enter_state(l, BLUEZ_LINK_WAITING, "no retry timer");
        }
        /* A link waiting for this one's Connect must not wait for nothing. */
        if (was_connecting)
                connect_waiters_go_on(l, false);
}

void bluez_link_setup_done(BluezLink *l)
{
        TransportEvent ev = {};

        link_enter_state(l, BLUEZ_LINK_READY, "subscribed");
        l->failures = 0;
        l->last_logged = mfree_str(l->last_logged);
        log_info("%s %s (%s) connected and subscribed", link_role(l), l->name ?: "unnamed",
                 link_label(l));

        ev = (TransportEvent){.type = TRANSPORT_EVENT_IDENTITY};
        ev.identity.name = l->name;
        ev.identity.address = l->address;
        bluez_link_emit(l, &ev);
        if (l->role == TRANSPORT_ROLE_TREADMILL) {
                /* Control means indications enabled: a CP without them answers nothing. */
                l->caps.has_control_point = l->chars[BLUEZ_CHAR_CONTROL_POINT].subscribed;
                ev = (TransportEvent){.type = TRANSPORT_EVENT_CAPABILITIES};
                ev.caps = l->caps;
                bluez_link_emit(l, &ev);
        }
        ev = (TransportEvent){.type = TRANSPORT_EVENT_LINK};
        ev.link.up = true;
        bluez_link_emit(l, &ev);
        if (l->have_training) {
                ev = (TransportEvent){.type = TRANSPORT_EVENT_TRAINING_STATUS};
                ev.training = l->training;
                bluez_link_emit(l, &ev);
        }
        if (l->have_battery) {
                ev = (TransportEvent){.type = TRANSPORT_EVENT_BATTERY};
                ev.battery_pct = l->battery;
                bluez_link_emit(l, &ev);
        }
}

static bool has_service(BluezObject *o, uint16_t uuid)
{
        char buf[37];

        bt_uuid16_to_string(uuid, buf);
        return strv_contains(o->uuids, buf);
}

static bool device_auto_match(BluezLink *l, BluezObject *o)
{
        /* A treadmill that also serves RSC measures nothing a footpod would: not one. */
        if (l->role == TRANSPORT_ROLE_FOOTPOD)
                return has_service(o, RSC_UUID_SERVICE) && !has_service(o, FTMS_UUID_SERVICE);
        if (l->role == TRANSPORT_ROLE_TREADMILL) {
                if (!has_service(o, FTMS_UUID_SERVICE))
                        return false;
                /* Fitness Machine Type bit 0: Treadmill. Unknown: find out after connecting. */
                return o->ftms_machine_type < 0 || (o->ftms_machine_type & 1);
        }
        /* Treadmills with a chest-strap receiver may serve HRS themselves: usable too. */
        return has_service(o, HRS_UUID_SERVICE);
}

static bool address_like(const char *s)
{
        if (strlen(s) != 17)
                return false;
        for (size_t i = 0; i < 17; i++)
                if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
                        return false;
        return true;
}

/* The device is paced's own relay, seen from paced's adapter. */
static bool device_is_relay(BluezClient *c, BluezObject *o)
{
        if (!c->cfg_exclude_adapter || !o->address)
                return false;
        for (size_t i = 0; i < c->n_objects; i++) {
                BluezObject *a = c->objects[i];
                const char *base = strrchr(a->path, '/');

                if ((a->ifaces & BLUEZ_IFACE_ADAPTER) && base &&
                    streq(base + 1, c->cfg_exclude_adapter) && a->adapter_address &&
                    strcasecmp(a->adapter_address, o->address) == 0)
                        return true;
        }
        return false;
}

static bool device_matches(BluezLink *l, BluezObject *o)
{
        const char *sel = l->client->cfg_selector[l->role];

        if (!(o->ifaces & BLUEZ_IFACE_DEVICE) || !streq_ptr(o->adapter, l->client->adapter))
                return false;
        /* paced never takes its own relay as a device: it would feed itself. */
        if (device_is_relay(l->client, o))
                return false;
        if (!sel)
                return !strv_contains(l->rejected, o->path) && device_auto_match(l, o);
        if (address_like(sel))
                return o->address && strcasecmp(o->address, sel) == 0;
        return streq_ptr(o->name, sel) || streq_ptr(o->alias, sel);
}

/*
 * Whether a is a better pick than b: for the strap a dedicated one over a
 * treadmill that also serves HRS, then a device already connected, then the
 * stronger signal, then a stable order.
 */
static bool device_better(BluezLink *l, BluezObject *a, BluezObject *b)
{
        if (l->role == TRANSPORT_ROLE_STRAP) {
                bool da = !has_service(a, FTMS_UUID_SERVICE),
                     db = !has_service(b, FTMS_UUID_SERVICE);

                if (da != db)
                        return da;
        }
        if (a->connected != b->connected)
                return a->connected;
        if (a->has_rssi != b->has_rssi)
                return a->has_rssi;
        if (a->has_rssi && a->rssi != b->rssi)
                return a->rssi > b->rssi;
        return strcmp(a->path, b->path) < 0;
}

static BluezObject *link_pick_device(BluezLink *l)
{
        BluezClient *c = l->client;
        BluezObject *best = NULL;

        for (size_t i = 0; i < c->n_objects; i++) {
                BluezObject *o = c->objects[i];

                if (device_matches(l, o) && (!best || device_better(l, o, best)))
                        best = o;
        }
        return best;
}

/* One peripheral may serve both roles: the other link may still be using it. */
static bool device_shared(BluezLink *l)
{
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                BluezLink *o = &l->client->links[r];

                if (o != l && streq_ptr(o->device, l->device) &&
                    IN_SET_STATE(o->state, BLUEZ_LINK_CONNECTING, BLUEZ_LINK_RESOLVING,
                                 BLUEZ_LINK_SETUP, BLUEZ_LINK_READY))
                        return true;
        }
        return false;
}

static int on_resolve_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezLink *l = userdata;

        l->timer = sd_event_source_disable_unref(l->timer);
        bluez_link_fail(l, -ETIMEDOUT, "services not resolved in time", true);
        return 0;
}

static void link_locate(BluezLink *l, bool final);

static int on_gatt_settle_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezLink *l = userdata;

        l->timer = sd_event_source_disable_unref(l->timer);
        link_locate(l, true);
        return 0;
}

/*
 * Finds the characteristics, then subscribes. bluetoothd 5.66 may announce
 * ServicesResolved before it has exported the GATT objects (both go out from
 * idle handlers, in either order, one object at a time), so a missing
 * characteristic is final only once no new object has appeared under the
 * device for GATT_SETTLE_USEC: link_objects_added() calls this again for every
 * one that does. That holds for the optional ones too: setting up as soon as
 * Treadmill Data shows up, before Feature does, leaves a treadmill that
 * supports speed control in monitor-only mode.
 */
static void link_locate(BluezLink *l, bool final)
{
        int r = bluez_gatt_locate(l, final);

        if (r != 0 && !final) {
                l->locating = true;
                if (link_arm_timer(l, GATT_SETTLE_USEC, on_gatt_settle_timeout) < 0)
                        bluez_link_fail(l, -ENOMEM, "cannot arm timer", true);
                return;
        }
        l->locating = false;
        link_stop_timer(l);
        if (r == -ENODEV && !l->client->cfg_selector[l->role]) {
                /* Auto selection picked something that is not a treadmill (a bike). */
                log_notice("%s candidate %s lacks the required characteristic, skipping it",
                           link_role(l), link_label(l));
                (void)strv_push(&l->rejected, l->device);
                bluez_link_fail(l, r, "required characteristic missing", true);
                link_forget_device(l);
                return;
        }
        if (r < 0) {
                bluez_link_fail(l, r, "required characteristic missing", true);
                return;
        }
        if (r > 0)
                log_debug("%s %s: setting up without some optional characteristics", link_role(l),
                          link_label(l));
        r = bluez_gatt_start(l);
        if (r < 0)
                bluez_link_fail(l, r, "failed to start GATT setup", true);
}

static void link_start_setup(BluezLink *l)
{
        BluezObject *o = bluez_client_find_object(l->client, l->device);

        link_stop_timer(l);
        l->refresh_slot = sd_bus_slot_unref(l->refresh_slot);
        link_enter_state(l, BLUEZ_LINK_SETUP, "services resolved");
        if (o) {
                (void)free_and_strdup(&l->address, o->address);
                (void)free_and_strdup(&l->name, o->name ?: o->alias);
        }
        link_locate(l, false);
}

static void link_refresh(BluezLink *l);

static int on_refresh_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezLink *l = userdata;
        BluezObject *o = bluez_client_find_object(l->client, l->device);
        unsigned changed = 0;

        l->refresh_slot = sd_bus_slot_unref(l->refresh_slot);
        if (l->state != BLUEZ_LINK_RESOLVING || !o)
                return 0;
        if (!sd_bus_message_is_method_error(m, NULL) &&
            parse_properties(o, BLUEZ_IFACE_DEVICE, m, &changed) >= 0 && o->connected &&
            o->resolved) {
                log_debug("%s %s: services resolved (read back, not signalled)", link_role(l),
                          link_label(l));
                link_start_setup(l);
                return 0;
        }
        if (l->refresh_again)
                link_refresh(l);
        return 0;
}

/*
 * Reads Device1's properties once. Against bluetoothd 5.66 the first Connect
 * of a device often succeeds without Connected or ServicesResolved ever being
 * signalled (its ATT channel comes up before the kernel reports the link), so
 * waiting for the signals alone would wait for the resolve timeout. Called
 * after Connect returns and whenever GATT objects appear under the device:
 * event-driven, not polling.
 */
static void link_refresh(BluezLink *l)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (l->refresh_slot) {
                l->refresh_again = true;
                return;
        }
        l->refresh_again = false;
        r = bluez_client_new_call(l->client, &m, l->device, "org.freedesktop.DBus.Properties",
                                  "GetAll");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", BLUEZ_DEVICE);
        if (r >= 0)
                r = bluez_client_call(l->client, m, &l->refresh_slot, 0, on_refresh_reply, l);
        if (r < 0)
                log_debug_errno(r, "%s %s: cannot read the device's properties: %m", link_role(l),
                                link_label(l));
}

/* A GATT object appeared under the link's device. */
static void link_objects_added(BluezLink *l)
{
        if (l->state == BLUEZ_LINK_RESOLVING)
                link_refresh(l);
        else if (l->state == BLUEZ_LINK_SETUP && l->locating)
                link_locate(l, false);
}

static void link_wait_resolved(BluezLink *l)
{
        BluezObject *o = bluez_client_find_object(l->client, l->device);

        if (o && o->connected && o->resolved) {
                link_start_setup(l);
                return;
        }
        link_enter_state(l, BLUEZ_LINK_RESOLVING, "connected");
        if (link_arm_timer(l, l->client->resolve_timeout, on_resolve_timeout) < 0) {
                bluez_link_fail(l, -ENOMEM, "cannot arm timer", true);
                return;
        }
        link_refresh(l);
}

static int on_connect_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezLink *l = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        _cleanup_free_ char *reason = NULL;
        int r;

        l->call_slot = sd_bus_slot_unref(l->call_slot);
        if (l->state != BLUEZ_LINK_CONNECTING)
                return 0;
        r = e ? bluez_error_to_errno(e) : 0;
        /*
         * Already connected, or someone else (another client) is connecting it: wait
         * for the properties. bluetoothd 5.66 says the latter as Failed with the
         * message of EALREADY for an LE connection under way.
         */
        if (!e || r == -EALREADY || r == -EBUSY ||
            (sd_bus_error_has_name(e, "org.bluez.Error.Failed") &&
             streq_ptr(e->message, "Operation already in progress"))) {
                link_wait_resolved(l);
                connect_waiters_go_on(l, true);
                return 0;
        }
        if (asprintf(&reason, "Connect failed: %s: %s", e->name, e->message ?: "") < 0)
                reason = NULL;
        bluez_link_fail(l, r, reason ?: "Connect failed", false);
        connect_waiters_go_on(l, false);
        return 0;
}

static void link_connect(BluezLink *l)
{
        BluezClient *c = l->client;
        BluezObject *o = bluez_client_find_object(c, l->device);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        link_enter_state(l, BLUEZ_LINK_CONNECTING, "device found");
        if (o) {
                (void)free_and_strdup(&l->address, o->address);
                (void)free_and_strdup(&l->name, o->name ?: o->alias);
        }
        if (o && o->connected && o->resolved) {
                link_start_setup(l);
                return;
        }
        if (connect_owner(l)) {
                log_debug("%s %s: connecting with the %s link", link_role(l), link_label(l),
                          transport_role_to_string(connect_owner(l)->role));
                /* Bounded: a stuck Connect of the other link fails this one too. */
                if (link_arm_timer(l, l->client->connect_timeout + l->client->call_timeout,
                                   on_connect_wait_timeout) < 0)
                        bluez_link_fail(l, -ENOMEM, "cannot arm timer", false);
                return;
        }
        log_debug("%s %s: connecting", link_role(l), link_label(l));
        c->stats.connects++;
        r = bluez_client_new_call(c, &m, l->device, BLUEZ_DEVICE, "Connect");
        if (r >= 0)
                r = bluez_client_call(c, m, &l->call_slot, c->connect_timeout, on_connect_reply, l);
        if (r < 0)
                bluez_link_fail(l, r, "cannot send Connect", false);
}

/* The link's device object changed, appeared, or went away. */
static void link_device_changed(BluezLink *l, BluezObject *o, unsigned changed)
{
        switch (l->state) {
        case BLUEZ_LINK_RESOLVING:
                if ((changed & BLUEZ_CHANGED_CONNECTED) && !o->connected)
                        bluez_link_fail(l, -ENOTCONN, "disconnected while resolving", false);
                else if (o->connected && o->resolved)
                        link_start_setup(l);
                break;
        case BLUEZ_LINK_SETUP:
        case BLUEZ_LINK_READY:
                if ((changed & BLUEZ_CHANGED_CONNECTED) && !o->connected)
                        bluez_link_fail(l, -ENOTCONN, "disconnected", false);
                else if ((changed & BLUEZ_CHANGED_RESOLVED) && !o->resolved)
                        bluez_link_fail(l, -ENOTCONN, "services no longer resolved", false);
                break;
        case BLUEZ_LINK_DISABLED:
        case BLUEZ_LINK_WAITING:
        case BLUEZ_LINK_CONNECTING:
        case BLUEZ_LINK_BACKOFF:
        case _BLUEZ_LINK_STATE_MAX:
        case _BLUEZ_LINK_STATE_INVALID:
                break;
        }
}

/* ---- adapter and discovery ---- */

static BluezObject *pick_adapter(BluezClient *c)
{
        BluezObject *best = NULL;

        for (size_t i = 0; i < c->n_objects; i++) {
                BluezObject *o = c->objects[i];
                const char *base;

                if (!(o->ifaces & BLUEZ_IFACE_ADAPTER) || !o->powered)
                        continue;
                base = strrchr(o->path, '/');
                if (c->cfg_adapter) {
                        if (base && streq(base + 1, c->cfg_adapter))
                                return o;
                        continue;
                }
                if (!best || strcmp(o->path, best->path) < 0)
                        best = o;
        }
        return best;
}

static void log_once(char **last, int level, const char *msg)
{
        if (streq_ptr(*last, msg))
                return;
        log_full(level, "%s", msg);
        (void)free_and_strdup(last, msg);
}

static void fail_all_links(BluezClient *c, int error, const char *reason)
{
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++)
                bluez_link_fail(&c->links[r], error, reason, false);
}

static void select_adapter(BluezClient *c)
{
        BluezObject *a = pick_adapter(c);
        _cleanup_free_ char *msg = NULL;

        if (a && streq_ptr(a->path, c->adapter))
                return;
        if (c->adapter) {
                /* The adapter went away or was powered off: every link on it is gone. */
                c->adapter = mfree_str(c->adapter);
                c->discovering = false;
                c->discovery_slot = sd_bus_slot_unref(c->discovery_slot);
                fail_all_links(c, -ENETDOWN, "adapter gone or powered off");
        }
        if (a) {
                c->adapter = strdup(a->path);
                if (asprintf(&msg, "Using Bluetooth adapter %s", a->path) >= 0)
                        log_once(&c->last_adapter_msg, LOG_INFO, msg);
                return;
        }
        if (asprintf(&msg, "No powered Bluetooth adapter%s%s, waiting for one",
                     c->cfg_adapter ? " named " : "", c->cfg_adapter ?: "") >= 0)
                log_once(&c->last_adapter_msg, LOG_WARNING, msg);
}

static bool want_discovery(BluezClient *c)
{
        if (!c->adapter || c->shutting_down)
                return false;
        if (c->scan_timer)
                return true;
        if (c->scan_mode != BLUEZ_SCAN_AUTO || c->discovery_paused)
                return false;
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++)
                if (c->links[r].state == BLUEZ_LINK_WAITING && !c->links[r].device)
                        return true;
        return false;
}

static int on_discovery_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezClient *c = userdata;

        c->discovery_timer = sd_event_source_disable_unref(c->discovery_timer);
        discovery_update(c);
        return 0;
}

static void discovery_failed(BluezClient *c, const sd_bus_error *e, const char *what)
{
        _cleanup_free_ char *msg = NULL;
        uint64_t delay = bluez_backoff_delay(c->backoff_min, c->backoff_max, c->discovery_failures);

        if (c->discovery_failures < 64)
                c->discovery_failures++;
        if (asprintf(&msg, "%s on %s failed: %s: %s, retrying", what, c->adapter ?: "?", e->name,
                     e->message ?: "") >= 0)
                log_once(&c->last_discovery_msg, LOG_WARNING, msg);
        (void)sd_event_add_time_relative(c->event, &c->discovery_timer, CLOCK_MONOTONIC, delay, 0,
                                         on_discovery_retry, c);
}

static int on_scan_pause_end(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezClient *c = userdata;

        c->scan_pause_timer = sd_event_source_disable_unref(c->scan_pause_timer);
        c->discovery_paused = false;
        discovery_update(c);
        return 0;
}

static int on_scan_window_end(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezClient *c = userdata;

        c->scan_window_timer = sd_event_source_disable_unref(c->scan_window_timer);
        if (!c->discovering || c->scan_timer)
                return 0;
        if (!c->scan_cycle_logged)
                log_info("Wanted devices not found yet, scanning again after %.1f s pauses",
                         (double)c->backoff_max / USEC_PER_SEC);
        c->scan_cycle_logged = true;
        c->discovery_paused = true;
        (void)sd_event_add_time_relative(c->event, &c->scan_pause_timer, CLOCK_MONOTONIC,
                                         c->backoff_max, 0, on_scan_pause_end, c);
        discovery_update(c);
        return 0;
}

static int on_start_discovery(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        c->discovery_slot = sd_bus_slot_unref(c->discovery_slot);
        if (!e || bluez_error_to_errno(e) == -EBUSY) {
                c->discovering = true;
                c->discovery_failures = 0;
                c->last_discovery_msg = mfree_str(c->last_discovery_msg);
                log_full(c->scan_cycle_logged ? LOG_DEBUG : LOG_INFO, "Scanning for devices on %s",
                         c->adapter);
                if (c->scan_timeout && !c->scan_window_timer)
                        (void)sd_event_add_time_relative(c->event, &c->scan_window_timer,
                                                         CLOCK_MONOTONIC, c->scan_timeout, 0,
                                                         on_scan_window_end, c);
        } else
                discovery_failed(c, e, "StartDiscovery");
        discovery_update(c);
        return 0;
}

static int on_set_filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        c->discovery_slot = sd_bus_slot_unref(c->discovery_slot);
        /* Without the filter discovery still works, only less targeted. */
        if (e)
                log_debug("SetDiscoveryFilter failed: %s: %s", e->name, e->message ?: "");
        if (!want_discovery(c))
                return 0;
        r = bluez_client_new_call(c, &call, c->adapter, BLUEZ_ADAPTER, "StartDiscovery");
        if (r >= 0)
                r = bluez_client_call(c, call, &c->discovery_slot, 0, on_start_discovery, c);
        if (r < 0)
                log_error_errno(r, "Failed to send StartDiscovery: %m");
        return 0;
}

static int on_stop_discovery(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;

        c->discovery_slot = sd_bus_slot_unref(c->discovery_slot);
        /* Whatever the answer, our session is gone (or never was). */
        c->discovering = false;
        c->scan_window_timer = sd_event_source_disable_unref(c->scan_window_timer);
        if (!c->discovery_paused)
                c->scan_cycle_logged = false; /* found what we wanted */
        log_debug("Stopped scanning on %s", c->adapter ?: "?");
        discovery_update(c);
        return 0;
}

static int append_discovery_filter(BluezClient *c, sd_bus_message *m)
{
        char ftms[37], hrs[37], rsc[37];

        bt_uuid16_to_string(FTMS_UUID_SERVICE, ftms);
        bt_uuid16_to_string(HRS_UUID_SERVICE, hrs);
        bt_uuid16_to_string(RSC_UUID_SERVICE, rsc);
        if (c->links[TRANSPORT_ROLE_FOOTPOD].state == BLUEZ_LINK_DISABLED)
                return sd_bus_message_append(m, "a{sv}", 2, "UUIDs", "as", 2, ftms, hrs,
                                             "Transport", "s", "le");
        return sd_bus_message_append(m, "a{sv}", 2, "UUIDs", "as", 3, ftms, hrs, rsc, "Transport",
                                     "s", "le");
}

static void discovery_update(BluezClient *c)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        bool want = want_discovery(c);
        int r;

        if (c->discovery_slot || !c->adapter)
                return;
        if (want && !c->discovering) {
                if (c->discovery_timer)
                        return;
                r = bluez_client_new_call(c, &m, c->adapter, BLUEZ_ADAPTER, "SetDiscoveryFilter");
                if (r >= 0)
                        r = append_discovery_filter(c, m);
                if (r >= 0)
                        r = bluez_client_call(c, m, &c->discovery_slot, 0, on_set_filter, c);
        } else if (!want && c->discovering) {
                r = bluez_client_new_call(c, &m, c->adapter, BLUEZ_ADAPTER, "StopDiscovery");
                if (r >= 0)
                        r = bluez_client_call(c, m, &c->discovery_slot, 0, on_stop_discovery, c);
        } else
                return;
        if (r < 0)
                log_error_errno(r, "Failed to send discovery request: %m");
}

/* Re-evaluates everything after a change: adapter, device choice, discovery. */
static void reconcile(BluezClient *c)
{
        if (c->shutting_down || !c->bluez_present)
                return;
        select_adapter(c);
        if (!c->adapter)
                return;
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                BluezLink *l = &c->links[r];
                BluezObject *o;

                if (l->state != BLUEZ_LINK_WAITING)
                        continue;
                if (l->device) {
                        o = bluez_client_find_object(c, l->device);
                        if (!o || !(o->ifaces & BLUEZ_IFACE_DEVICE) ||
                            !streq_ptr(o->adapter, c->adapter))
                                link_forget_device(l);
                }
                if (!l->device) {
                        o = link_pick_device(l);
                        if (!o)
                                continue;
                        l->device = strdup(o->path);
                        if (!l->device)
                                continue;
                        log_info("Found %s %s (%s)", link_role(l), o->name ?: o->alias ?: "",
                                 o->address ?: o->path);
                }
                link_connect(l);
        }
        discovery_update(c);
}

/* ---- signals ---- */

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;
        const char *path;
        unsigned changed = 0;
        BluezObject *o;
        int r;

        if (!c->bluez_present)
                return 0;
        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return 0;
        o = object_get_or_add(c, path);
        if (!o)
                return log_oom(), 0;
        r = parse_interfaces(o, m, &changed);
        if (r < 0)
                log_debug_errno(r, "Failed to parse InterfacesAdded for %s: %m", path);
        if (!o->ifaces) {
                object_remove(c, o);
                return 0;
        }
        for (int i = 0; i < _TRANSPORT_ROLE_MAX; i++) {
                BluezLink *l = &c->links[i];
                size_t n = l->device ? strlen(l->device) : 0;

                if (streq_ptr(l->device, path))
                        link_device_changed(l, o, changed);
                else if (n && strncmp(path, l->device, n) == 0 && path[n] == '/')
                        link_objects_added(l);
        }
        reconcile(c);
        return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;
        char **ifaces = NULL;
        const char *path;
        unsigned bits = 0;
        BluezObject *o;
        int r;

        if (!c->bluez_present)
                return 0;
        r = sd_bus_message_read(m, "o", &path);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &ifaces);
        if (r < 0)
                return 0;
        for (char **i = ifaces; i && *i; i++)
                bits |= iface_bit(*i);
        strv_free(ifaces);
        o = bluez_client_find_object(c, path);
        if (!o)
                return 0;
        o->ifaces &= ~bits;

        for (int i = 0; i < _TRANSPORT_ROLE_MAX; i++) {
                BluezLink *l = &c->links[i];

                if ((bits & BLUEZ_IFACE_DEVICE) && streq_ptr(l->device, path)) {
                        bluez_link_fail(l, -ENODEV, "device removed", false);
                        link_forget_device(l);
                } else if ((bits & (BLUEZ_IFACE_CHAR | BLUEZ_IFACE_SERVICE)) &&
                           IN_SET_STATE(l->state, BLUEZ_LINK_SETUP, BLUEZ_LINK_READY)) {
                        bool ours = false;

                        for (int k = 0; k < _BLUEZ_CHAR_MAX; k++) {
                                const char *cp = l->chars[k].path;
                                BluezObject *co = cp ? bluez_client_find_object(c, cp) : NULL;

                                /* The characteristic itself, or the service holding it. */
                                if (cp && (streq(cp, path) || (co && streq_ptr(co->parent, path))))
                                        ours = true;
                        }
                        if (ours)
                                bluez_link_fail(l, -ENODEV, "services removed", false);
                }
        }
        if (!o->ifaces)
                object_remove(c, o);
        reconcile(c);
        return 0;
}

/* The hot path: a notification or indication on one of our characteristics. */
static int dispatch_value(BluezChar *ch, sd_bus_message *m)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;
                const void *p;
                size_t n;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (streq(key, "Value") && streq(contents, "ay")) {
                        r = sd_bus_message_enter_container(m, 'v', "ay");
                        if (r < 0)
                                return r;
                        r = sd_bus_message_read_array(m, 'y', &p, &n);
                        if (r < 0)
                                return r;
                        bluez_gatt_value(ch, p, n);
                        return 0; /* the link may be gone now: touch nothing else */
                }
                r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        return r;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;
        const char *iface, *path = sd_bus_message_get_path(m);
        char **invalidated = NULL;
        unsigned bit, changed = 0;
        BluezObject *o;
        int r;

        if (!c->bluez_present || !path)
                return 0;
        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0)
                return 0;
        bit = iface_bit(iface);
        if (bit == BLUEZ_IFACE_CHAR) {
                for (int i = 0; i < _TRANSPORT_ROLE_MAX; i++) {
                        BluezChar *ch;

                        if (bluez_link_char_is_ours(&c->links[i], path, &ch)) {
                                r = dispatch_value(ch, m);
                                if (r < 0)
                                        log_debug_errno(r, "Bad PropertiesChanged on %s: %m", path);
                                return 0;
                        }
                }
                return 0;
        }
        if (!bit)
                return 0;
        o = bluez_client_find_object(c, path);
        if (!o)
                return 0;
        r = parse_properties(o, bit, m, &changed);
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &invalidated);
        if (r < 0) {
                log_debug_errno(r, "Bad PropertiesChanged on %s: %m", path);
                return 0;
        }
        if (bit == BLUEZ_IFACE_DEVICE && strv_contains(invalidated, "RSSI"))
                o->has_rssi = false;
        strv_free(invalidated);

        if (bit == BLUEZ_IFACE_DEVICE)
                for (int i = 0; i < _TRANSPORT_ROLE_MAX; i++)
                        if (streq_ptr(c->links[i].device, path))
                                link_device_changed(&c->links[i], o, changed);
        if (changed & (BLUEZ_CHANGED_POWERED | BLUEZ_CHANGED_IDENTITY | BLUEZ_CHANGED_CONNECTED))
                reconcile(c);
        return 0;
}

static void bluez_gone(BluezClient *c, const char *reason)
{
        c->bluez_present = false;
        c->objects_slot = sd_bus_slot_unref(c->objects_slot);
        c->discovery_slot = sd_bus_slot_unref(c->discovery_slot);
        c->discovery_timer = sd_event_source_disable_unref(c->discovery_timer);
        c->scan_window_timer = sd_event_source_disable_unref(c->scan_window_timer);
        c->scan_pause_timer = sd_event_source_disable_unref(c->scan_pause_timer);
        c->discovery_paused = false;
        c->discovering = false;
        c->adapter = mfree_str(c->adapter);
        c->last_adapter_msg = mfree_str(c->last_adapter_msg);
        fail_all_links(c, 0, reason);
        objects_clear(c);
}

static int on_managed_objects(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        _cleanup_free_ char *msg = NULL;
        int r;

        c->objects_slot = sd_bus_slot_unref(c->objects_slot);
        if (e) {
                if (asprintf(&msg, "bluetoothd is not available (%s: %s), waiting for it", e->name,
                             e->message ?: "") >= 0)
                        log_once(&c->last_adapter_msg, LOG_WARNING, msg);
                return 0;
        }
        objects_clear(c);
        r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
        while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
                const char *path;
                unsigned changed = 0;
                BluezObject *o;

                r = sd_bus_message_read(m, "o", &path);
                if (r < 0)
                        break;
                o = object_get_or_add(c, path);
                if (!o) {
                        r = -ENOMEM;
                        break;
                }
                r = parse_interfaces(o, m, &changed);
                if (r < 0)
                        break;
                if (!o->ifaces)
                        object_remove(c, o);
                r = sd_bus_message_exit_container(m);
        }
        if (r < 0) {
                log_error_errno(r, "Failed to parse bluetoothd's objects: %m");
                objects_clear(c);
                return 0;
        }
        c->bluez_present = true;
        log_debug("bluetoothd exports %zu objects of interest", c->n_objects);
        reconcile(c);
        return 0;
}

static int load_objects(BluezClient *c)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        c->objects_slot = sd_bus_slot_unref(c->objects_slot);
        r = bluez_client_new_call(c, &m, "/", DBUS_OBJMANAGER, "GetManagedObjects");
        if (r < 0)
                return r;
        return bluez_client_call(c, m, &c->objects_slot, 0, on_managed_objects, c);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        BluezClient *c = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || !streq(name, BLUEZ_SERVICE))
                return 0;
        if (old_owner[0] != '\0') {
                log_warning("bluetoothd left the bus, waiting for it to return");
                bluez_gone(c, "bluetoothd exited");
        }
        if (new_owner[0] != '\0' && !c->shutting_down) {
                log_info("bluetoothd appeared on the bus");
                c->last_adapter_msg = mfree_str(c->last_adapter_msg);
                r = load_objects(c);
                if (r < 0)
                        log_error_errno(r, "Failed to ask bluetoothd for its objects: %m");
        }
        return 0;
}

/* A scan the caller will not see finish still gets its answer (the caller frees its request). */
static void scan_cancel(BluezClient *c)
{
        BluezScanHandler handler = c->scan_handler;

        c->scan_timer = sd_event_source_disable_unref(c->scan_timer);
        c->scan_handler = NULL;
        if (handler)
                handler(-ECANCELED, NULL, 0, c->scan_userdata);
}

/* ---- Transport ops ---- */

static int bluez_write_control_point(Transport *t, const uint8_t *buf, size_t len)
{
        BluezClient *c = (BluezClient *)t;

        return bluez_gatt_cp_write(&c->links[TRANSPORT_ROLE_TREADMILL], buf, len);
}

static void bluez_shutdown(Transport *t)
{
        BluezClient *c = (BluezClient *)t;
        const char *released = NULL;

        if (c->shutting_down)
                return;
        c->shutting_down = true;
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                BluezLink *l = &c->links[r];
                BluezLinkState s = l->state;

                if (IN_SET_STATE(s, BLUEZ_LINK_SETUP, BLUEZ_LINK_READY))
                        bluez_gatt_stop_notify(l);
                bluez_link_fail(l, 0, "shutting down", false);
                /* Treadmills that stay connected refuse to power off: release them
                 * (once, when one peripheral serves both roles). */
                if (l->device && s != BLUEZ_LINK_WAITING && s != BLUEZ_LINK_DISABLED &&
                    !streq_ptr(released, l->device)) {
                        bluez_client_call_no_reply(c, l->device, BLUEZ_DEVICE, "Disconnect");
                        released = l->device;
                }
                link_stop_timer(l);
        }
        scan_cancel(c);
        c->discovery_timer = sd_event_source_disable_unref(c->discovery_timer);
        c->scan_window_timer = sd_event_source_disable_unref(c->scan_window_timer);
        c->scan_pause_timer = sd_event_source_disable_unref(c->scan_pause_timer);
        c->discovery_slot = sd_bus_slot_unref(c->discovery_slot);
        if (c->discovering && c->adapter)
                bluez_client_call_no_reply(c, c->adapter, BLUEZ_ADAPTER, "StopDiscovery");
        c->discovering = false;
        /* The calls must leave before the process does; bluetoothd completes them alone. */
        (void)sd_bus_flush(c->bus);
}

static void bluez_free(Transport *t)
{
        BluezClient *c = (BluezClient *)t;

        if (!c)
                return;
        scan_cancel(c);
        /* Nobody listens any more: the resets below must not call back. */
        c->transport.handler = NULL;
        c->shutting_down = true;
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++) {
                BluezLink *l = &c->links[r];

                l->call_slot = sd_bus_slot_unref(l->call_slot);
                l->refresh_slot = sd_bus_slot_unref(l->refresh_slot);
                link_stop_timer(l);
                bluez_gatt_reset(l, -ESHUTDOWN);
                for (int k = 0; k < _BLUEZ_CHAR_MAX; k++)
                        free(l->chars[k].path);
                link_forget_device(l);
                strv_free(l->rejected);
                free(l->last_logged);
        }
        sd_bus_slot_unref(c->match_added);
        sd_bus_slot_unref(c->match_removed);
        sd_bus_slot_unref(c->match_props);
        sd_bus_slot_unref(c->match_owner);
        sd_bus_slot_unref(c->objects_slot);
        sd_bus_slot_unref(c->discovery_slot);
        sd_event_source_disable_unref(c->discovery_timer);
        sd_event_source_disable_unref(c->scan_window_timer);
        sd_event_source_disable_unref(c->scan_pause_timer);
        sd_event_source_disable_unref(c->scan_timer);
        objects_clear(c);
        free(c->adapter);
        free(c->last_adapter_msg);
        free(c->last_discovery_msg);
        free(c->cfg_adapter);
        free(c->cfg_exclude_adapter);
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++)
                free(c->cfg_selector[r]);
        sd_bus_unref(c->bus);
        sd_event_unref(c->event);
        free(c);
}

static const TransportOps bluez_ops = {
        .name = "bluez",
        .write_control_point = bluez_write_control_point,
        .shutdown = bluez_shutdown,
        .free = bluez_free,
};

static void bluez_freep(BluezClient **c)
{
        if (*c)
                bluez_free(&(*c)->transport);
}

int bluez_transport_new(Transport **ret, sd_event *e, sd_bus *bus, const BluezConfig *cfg)
{
        _cleanup_(bluez_freep) BluezClient *c = NULL;
        int r;

        if (!ret || !e || !bus || !cfg)
                return -EINVAL;
        if (cfg->scan < 0 || cfg->scan >= _BLUEZ_SCAN_MODE_MAX)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->transport.ops = &bluez_ops;
        c->event = sd_event_ref(e);
        c->bus = sd_bus_ref(bus);
        c->scan_mode = cfg->scan;
        c->scan_timeout = cfg->scan_timeout_usec;
        c->acquire_notify = cfg->acquire_notify;
        c->call_timeout = cfg->call_timeout_usec ?: DEFAULT_CALL_TIMEOUT;
        c->connect_timeout = cfg->connect_timeout_usec ?: DEFAULT_CONNECT_TIMEOUT;
        c->resolve_timeout = cfg->resolve_timeout_usec ?: DEFAULT_RESOLVE_TIMEOUT;
        c->cp_timeout = cfg->cp_timeout_usec ?: DEFAULT_CP_TIMEOUT;
        c->backoff_min = cfg->backoff_min_usec ?: DEFAULT_BACKOFF_MIN;
        c->backoff_max = MAX(cfg->backoff_max_usec ?: DEFAULT_BACKOFF_MAX, c->backoff_min);
        c->clock = cfg->clock;
        if (cfg->adapter && !(c->cfg_adapter = strdup(cfg->adapter)))
                return -ENOMEM;
        if (cfg->exclude_adapter && !(c->cfg_exclude_adapter = strdup(cfg->exclude_adapter)))
                return -ENOMEM;
        for (int i = 0; i < _TRANSPORT_ROLE_MAX; i++) {
                BluezLink *l = &c->links[i];

                if (cfg->selector[i] && !(c->cfg_selector[i] = strdup(cfg->selector[i])))
                        return -ENOMEM;
                l->client = c;
                l->role = i;
                link_enter_state(
                        l,
                        cfg->disabled[i] || (i == TRANSPORT_ROLE_FOOTPOD && !cfg->enable_footpod)
                                ? BLUEZ_LINK_DISABLED
                                : BLUEZ_LINK_WAITING,
                        "configured");
                for (int k = 0; k < _BLUEZ_CHAR_MAX; k++) {
                        l->chars[k].link = l;
                        l->chars[k].id = k;
                        l->chars[k].fd = -EBADF;
                }
                ftms_treadmill_assembler_reset(&l->assembler);
        }

        /*
         * Matches first, then GetManagedObjects on the same connection: the bus
         * handles them in order, so no change between the two is lost.
         */
        r = sd_bus_match_signal_async(bus, &c->match_added, BLUEZ_SERVICE, "/", DBUS_OBJMANAGER,
                                      "InterfacesAdded", on_interfaces_added, NULL, c);
        if (r < 0)
                return r;
        r = sd_bus_match_signal_async(bus, &c->match_removed, BLUEZ_SERVICE, "/", DBUS_OBJMANAGER,
                                      "InterfacesRemoved", on_interfaces_removed, NULL, c);
        if (r < 0)
                return r;
        r = sd_bus_add_match_async(bus, &c->match_props,
                                   "type='signal',sender='" BLUEZ_SERVICE "',"
                                   "interface='" DBUS_PROPERTIES "',member='PropertiesChanged',"
                                   "path_namespace='/org/bluez'",
                                   on_properties_changed, NULL, c);
        if (r < 0)
                return r;
        r = sd_bus_add_match_async(bus, &c->match_owner,
                                   "type='signal',sender='org.freedesktop.DBus',"
                                   "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                   "member='NameOwnerChanged',arg0='" BLUEZ_SERVICE "'",
                                   on_name_owner_changed, NULL, c);
        if (r < 0)
                return r;
        r = load_objects(c);
        if (r < 0)
                return r;

        *ret = &TAKE_PTR(c)->transport;
        return 0;
}

/* ---- stats and queries ---- */

void bluez_transport_get_stats(Transport *t, BluezStats *ret)
{
        *ret = ((BluezClient *)t)->stats;
}

bool bluez_transport_link_up(Transport *t, TransportRole role)
{
        BluezClient *c = (BluezClient *)t;

        if (role < 0 || role >= _TRANSPORT_ROLE_MAX)
                return false;
        return c->links[role].state == BLUEZ_LINK_READY;
}

/* ---- scan API ---- */

static void report_devices(BluezClient *c, int error, bool all, BluezScanHandler handler,
                           void *userdata)
{
        _cleanup_free_ BluezScanResult *res = NULL;
        char ftms[37], hrs[37], rsc[37];
        size_t n = 0;

        bt_uuid16_to_string(FTMS_UUID_SERVICE, ftms);
        bt_uuid16_to_string(HRS_UUID_SERVICE, hrs);
        bt_uuid16_to_string(RSC_UUID_SERVICE, rsc);
        res = calloc(c->n_objects + 1, sizeof(*res));
        if (!res) {
                handler(-ENOMEM, NULL, 0, userdata);
                return;
        }
        for (size_t i = 0; c->adapter && i < c->n_objects; i++) {
                BluezObject *o = c->objects[i];
                static char *const empty[] = {NULL};
                BluezScanResult *s = &res[n];

                if (!(o->ifaces & BLUEZ_IFACE_DEVICE) || !streq_ptr(o->adapter, c->adapter))
                        continue;
                s->ftms = strv_contains(o->uuids, ftms);
                s->hrs = strv_contains(o->uuids, hrs);
                s->rsc = strv_contains(o->uuids, rsc);
                if (!all && !s->ftms && !s->hrs && !s->rsc)
                        continue;
                s->address = o->address ?: o->path;
                s->name = o->name ?: o->alias;
                s->has_rssi = o->has_rssi;
                s->rssi = o->rssi;
                s->connected = o->connected;
                s->uuids = o->uuids ?: empty;
                n++;
        }
        handler(error, res, n, userdata);
}

static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        BluezClient *c = userdata;
        BluezScanHandler handler = c->scan_handler;
        void *ud = c->scan_userdata;

        c->scan_timer = sd_event_source_disable_unref(c->scan_timer);
        c->scan_handler = NULL;
        report_devices(c, c->adapter ? 0 : -ENODEV, c->scan_all, handler, ud);
        discovery_update(c);
        return 0;
}

int bluez_transport_scan(Transport *t, uint64_t duration_usec, bool all, BluezScanHandler handler,
                         void *userdata)
{
        BluezClient *c = (BluezClient *)t;
        int r;

        if (!handler)
                return -EINVAL;
        if (c->scan_timer)
                return -EBUSY;
        if (!c->bluez_present || !c->adapter)
                return -ENODEV;
        r = sd_event_add_time_relative(c->event, &c->scan_timer, CLOCK_MONOTONIC, duration_usec, 0,
                                       on_scan_timer, c);
        if (r < 0)
                return r;
        c->scan_handler = handler;
        c->scan_userdata = userdata;
        c->scan_all = all;
        discovery_update(c);
        return 0;
}

int bluez_transport_list_devices(Transport *t, bool all, BluezScanHandler handler, void *userdata)
{
        BluezClient *c = (BluezClient *)t;

        if (!handler)
                return -EINVAL;
        if (!c->bluez_present || !c->adapter)
                return -ENODEV;
        report_devices(c, 0, all, handler, userdata);
        return 0;
}
