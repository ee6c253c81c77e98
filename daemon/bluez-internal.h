/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared between bluez-client.c (object tracking, adapter and device
 * selection, connection state machine, reconnect) and bluez-gatt.c
 * (characteristics: reads, subscriptions, decoding, control point).
 */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bluez-client.h"
#include "ftms.h"
#include "transport.h"
#include "util.h"

static inline char *mfree_str(char *p)
{
        free(p);
        return NULL;
}

/* Whether a link state is one of the listed ones. */
#define IN_SET_STATE(x, ...)                                                                       \
        ({                                                                                         \
                const BluezLinkState _set_[] = {__VA_ARGS__};                                      \
                bool _found_ = false;                                                              \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(_set_); _i_++)                               \
                        if (_set_[_i_] == (x))                                                     \
                                _found_ = true;                                                    \
                _found_;                                                                           \
        })

#define BLUEZ_SERVICE   "org.bluez"
#define BLUEZ_ADAPTER   "org.bluez.Adapter1"
#define BLUEZ_DEVICE    "org.bluez.Device1"
#define BLUEZ_GATT_SVC  "org.bluez.GattService1"
#define BLUEZ_GATT_CHR  "org.bluez.GattCharacteristic1"
#define DBUS_PROPERTIES "org.freedesktop.DBus.Properties"
#define DBUS_OBJMANAGER "org.freedesktop.DBus.ObjectManager"

enum {
        BLUEZ_IFACE_ADAPTER = 1u << 0,
        BLUEZ_IFACE_DEVICE = 1u << 1,
        BLUEZ_IFACE_SERVICE = 1u << 2,
        BLUEZ_IFACE_CHAR = 1u << 3,
};

enum {
        BLUEZ_CHR_FLAG_READ = 1u << 0,
        BLUEZ_CHR_FLAG_WRITE = 1u << 1,
        BLUEZ_CHR_FLAG_NOTIFY = 1u << 2,
        BLUEZ_CHR_FLAG_INDICATE = 1u << 3,
};

/* Which properties a PropertiesChanged or InterfacesAdded touched. */
enum {
        BLUEZ_CHANGED_POWERED = 1u << 0,
        BLUEZ_CHANGED_CONNECTED = 1u << 1,
        BLUEZ_CHANGED_RESOLVED = 1u << 2,
        BLUEZ_CHANGED_IDENTITY = 1u << 3, /* Address, Name, Alias, UUIDs, ServiceData */
};

/* One object bluetoothd exports, with the few properties paced needs. */
typedef struct BluezObject {
        char *path;
        unsigned ifaces;
        /* Adapter1 */
        bool powered;
        char *adapter_address;
        /* Device1 */
        char *adapter; /* object path */
        char *address;
        char *name;
        char *alias;
        bool connected;
        bool resolved;
        char **uuids;
        bool has_rssi;
        int16_t rssi;
        int ftms_machine_type; /* FTMS service data Fitness Machine Type, -1 unknown */
        /* GattService1 (parent = Device) and GattCharacteristic1 (parent = Service) */
        char *parent;
        bool has_uuid16;
        uint16_t uuid16;
        unsigned chr_flags;
} BluezObject;

typedef enum BluezLinkState {
        BLUEZ_LINK_DISABLED,   /* role not wanted */
        BLUEZ_LINK_WAITING,    /* for bluetoothd, an adapter, or a matching device */
        BLUEZ_LINK_CONNECTING, /* Connect() pending */
        BLUEZ_LINK_RESOLVING,  /* connected, waiting for ServicesResolved */
        BLUEZ_LINK_SETUP,      /* reading characteristics and subscribing */
        BLUEZ_LINK_READY,      /* subscribed: link up */
        BLUEZ_LINK_BACKOFF,    /* failed, waiting to retry */
        _BLUEZ_LINK_STATE_MAX,
        _BLUEZ_LINK_STATE_INVALID = -EINVAL,
} BluezLinkState;

typedef enum BluezCharId {
        BLUEZ_CHAR_FEATURE,
        BLUEZ_CHAR_SPEED_RANGE,
        BLUEZ_CHAR_INCLINE_RANGE,
        BLUEZ_CHAR_TRAINING_STATUS,
        BLUEZ_CHAR_TREADMILL_DATA,
        BLUEZ_CHAR_MACHINE_STATUS,
        BLUEZ_CHAR_CONTROL_POINT,
        BLUEZ_CHAR_HR_MEASUREMENT,
        BLUEZ_CHAR_BATTERY_LEVEL,
        BLUEZ_CHAR_RSC_MEASUREMENT,
        _BLUEZ_CHAR_MAX,
        _BLUEZ_CHAR_INVALID = -EINVAL,
} BluezCharId;

typedef struct BluezClient BluezClient;
typedef struct BluezLink BluezLink;

typedef struct BluezChar {
        BluezLink *link;
        BluezCharId id;
        char *path; /* NULL when the device does not have it */
        unsigned flags;
        bool subscribed;
        sd_bus_slot *slot; /* pending ReadValue / StartNotify / AcquireNotify */
        /* AcquireNotify: one notification per datagram on fd, no D-Bus per value */
        int fd;
        sd_event_source *io;
} BluezChar;

#define BLUEZ_CP_QUEUE_MAX 8

typedef struct BluezCpWrite {
        uint8_t buf[FTMS_CP_MAX_LEN];
        size_t len;
} BluezCpWrite;

struct BluezLink {
        BluezClient *client;
        TransportRole role;
        BluezLinkState state;
        char *device; /* object path of the chosen device, NULL while searching */
        char *address;
        char *name;
        char **rejected; /* devices found unsuitable (auto selection only) */
        unsigned failures;
        char *last_logged;      /* last failure logged at warning level */
        sd_bus_slot *call_slot; /* Connect() */
        sd_event_source *timer; /* backoff, resolve timeout, GATT settle */
        /* Device1 GetAll while resolving: bluetoothd 5.66 may connect and resolve a
         * device without signalling Connected or ServicesResolved. */
        sd_bus_slot *refresh_slot;
        bool refresh_again; /* GATT objects appeared while a GetAll was pending */
        bool locating;      /* SETUP: waiting for the GATT objects to be exported */

        BluezChar chars[_BLUEZ_CHAR_MAX];
        unsigned pending; /* outstanding setup calls */
        TransportCapabilities caps;
        bool have_training;
        FtmsTrainingStatus training;
        bool have_battery;
        uint8_t battery;
        FtmsTreadmillAssembler assembler;

        /* Control point: one write in flight until its indication arrives. */
        BluezCpWrite cp_queue[BLUEZ_CP_QUEUE_MAX];
        size_t cp_head, cp_len;
        bool cp_inflight;
        bool cp_write_done; /* WriteValue returned, waiting for the indication */
        bool cp_indicated;  /* indication seen before the write returned */
        uint8_t cp_op;
        sd_bus_slot *cp_slot;
        sd_event_source *cp_timer;
};

struct BluezClient {
        Transport transport;
        sd_event *event;
        sd_bus *bus;

        char *cfg_adapter;
        char *cfg_selector[_TRANSPORT_ROLE_MAX];
        char *cfg_exclude_adapter;
        BluezScanMode scan_mode;
        bool acquire_notify;
        uint64_t call_timeout, connect_timeout, resolve_timeout, cp_timeout;
        uint64_t backoff_min, backoff_max;
        const PacedClock *clock;

        sd_bus_slot *match_added, *match_removed, *match_props, *match_owner;
        sd_bus_slot *objects_slot; /* GetManagedObjects */
        bool bluez_present;        /* objects loaded from the current owner */

        BluezObject **objects;
        size_t n_objects, n_objects_allocated;

        char *adapter; /* selected adapter path */
        char *last_adapter_msg;

        /* Discovery session (one per client per adapter in bluetoothd). */
        bool discovering;
        sd_bus_slot *discovery_slot;
        sd_event_source *discovery_timer; /* retry after a failed start */
        unsigned discovery_failures;
        char *last_discovery_msg;
        /* Scanning for a missing device runs in windows of scan_timeout, then pauses
         * for backoff_max, so that an absent strap does not keep the radio busy. */
        uint64_t scan_timeout;
        sd_event_source *scan_window_timer, *scan_pause_timer;
        bool discovery_paused;
        bool scan_cycle_logged;

        /* Scan API */
        sd_event_source *scan_timer;
        BluezScanHandler scan_handler;
        void *scan_userdata;
        bool scan_all;

        BluezLink links[_TRANSPORT_ROLE_MAX];
        bool shutting_down;
        BluezStats stats;
};

/* bluez-client.c */
uint64_t bluez_client_now(BluezClient *c);
BluezObject *bluez_client_find_object(BluezClient *c, const char *path);
int bluez_client_new_call(BluezClient *c, sd_bus_message **ret, const char *path, const char *iface,
                          const char *member);
int bluez_client_call(BluezClient *c, sd_bus_message *m, sd_bus_slot **ret_slot, uint64_t timeout,
                      sd_bus_message_handler_t cb, void *userdata);
/* A call whose answer nobody waits for (shutdown, giving up a device). */
void bluez_client_call_no_reply(BluezClient *c, const char *path, const char *iface,
                                const char *member);
int bluez_error_to_errno(const sd_bus_error *e);
void bluez_link_fail(BluezLink *l, int error, const char *reason, bool disconnect);
void bluez_link_setup_done(BluezLink *l);
void bluez_link_emit(BluezLink *l, TransportEvent *ev);
const char *bluez_link_state_to_string(BluezLinkState s);

/* bluez-gatt.c */
uint16_t bluez_char_uuid(BluezCharId id);
uint16_t bluez_char_service_uuid(BluezCharId id);
TransportRole bluez_char_role(BluezCharId id);
const char *bluez_char_id_to_string(BluezCharId id);
/* Locates the role's characteristics under the device: 0 when all of them are
 * there, 1 when only optional ones are missing, -ENODEV when a required one is
 * (logged when final). */
int bluez_gatt_locate(BluezLink *l, bool final);
/* Reads, then subscribes; calls bluez_link_setup_done() when everything answered. */
int bluez_gatt_start(BluezLink *l);
/* A new Value for one of our characteristics. */
void bluez_gatt_value(BluezChar *ch, const uint8_t *buf, size_t len);
/* Drops every pending call, subscription state and CP write (each queued or in-flight
 * write gets CP_WRITE_FAILED with `error`). */
void bluez_gatt_reset(BluezLink *l, int error);
/* Sends StopNotify for every subscription (no reply awaited). */
void bluez_gatt_stop_notify(BluezLink *l);
int bluez_gatt_cp_write(BluezLink *l, const uint8_t *buf, size_t len);
bool bluez_link_char_is_ours(BluezLink *l, const char *path, BluezChar **ret);
