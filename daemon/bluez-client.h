/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The BlueZ implementation of the Transport seam: a client of bluetoothd's
 * D-Bus API (org.bluez on the system bus) that finds, connects to and stays
 * connected to the treadmill (FTMS 0x1826) and the heart-rate strap (HRS
 * 0x180D), and turns GATT notifications into decoded TransportEvents.
 *
 * Everything is event driven: ObjectManager signals, PropertiesChanged,
 * NameOwnerChanged of org.bluez and one-shot timers. Every D-Bus call carries
 * a timeout. See bluez-client.c for the connection state machine.
 *
 * Heart rate from the treadmill: when the strap role is not linked (disabled,
 * not found, or down) and a treadmill record carries the FTMS Heart Rate
 * field, the transport also emits a HEART_RATE event with role TREADMILL (no
 * RR intervals, contact "not supported"), built with
 * transport_hr_from_treadmill(). Consumers take HEART_RATE events from either
 * role and need no special case.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "transport.h"

typedef enum BluezScanMode {
        BLUEZ_SCAN_AUTO,  /* discover while a wanted device is missing, stop once found */
        BLUEZ_SCAN_NEVER, /* only use Device1 objects bluetoothd already knows */
        _BLUEZ_SCAN_MODE_MAX,
        _BLUEZ_SCAN_MODE_INVALID = -EINVAL,
} BluezScanMode;

typedef struct BluezConfig {
        /* "hci1", or NULL for the first powered adapter. Devices are only taken
         * from this adapter (one bluetoothd may serve several). */
        const char *adapter;
        /* Per role: an address ("AA:BB:CC:DD:EE:FF", any case) or a device
         * name (Name or Alias, exact); NULL = first device advertising the
         * role's service (treadmill 0x1826 with Treadmill Data, strap 0x180D). */
        const char *selector[_TRANSPORT_ROLE_MAX];
        /* A disabled role is never searched for (e.g. no strap in the config). */
        bool disabled[_TRANSPORT_ROLE_MAX];
        /* The footpod role (Running Speed and Cadence, 0x1814) is opt-in: searched
         * for only when set, by selector[TRANSPORT_ROLE_FOOTPOD] or automatically. */
        bool enable_footpod;
        /* "hci2": devices with that adapter's address are never picked
         * automatically. paced's relay serves there, and one bluetoothd shows it
         * to paced's own adapter as a treadmill or footpod like any other. */
        const char *exclude_adapter;
        BluezScanMode scan;
        /* AUTO: scan at most this long in one go, then pause for backoff_max_usec
         * before scanning again ([Devices] scan_timeout); 0 = until found. */
        uint64_t scan_timeout_usec;
        /* 0 = defaults: method calls 10 s, Connect 30 s, ServicesResolved 30 s,
         * control-point indication 30 s (the ATT transaction timeout),
         * reconnect backoff 1 s doubling up to 30 s. */
        uint64_t call_timeout_usec;
        uint64_t connect_timeout_usec;
        uint64_t resolve_timeout_usec;
        uint64_t cp_timeout_usec;
        uint64_t backoff_min_usec;
        uint64_t backoff_max_usec;
        /* Use AcquireNotify (a socket per characteristic, no D-Bus message per
         * value) where BlueZ allows it: notify characteristics (BlueZ 5.66 refuses
         * indicate-only ones such as the Control Point). StartNotify is the
         * fallback, and the only path when false. */
        bool acquire_notify;
        /* Time stamps of events; NULL = CLOCK_MONOTONIC. */
        const PacedClock *clock;
} BluezConfig;

/*
 * Applies a [Devices] treadmill= / strap= value to cfg: "none" disables the
 * role, NULL or "" selects automatically, anything else is a selector. The
 * footpod is opt-in: NULL, "" and "none" leave it off, "auto" selects
 * automatically. The string is referenced, not copied (bluez_transport_new()
 * copies it).
 */
void bluez_config_set_role(BluezConfig *cfg, TransportRole role, const char *value);

const char *bluez_scan_mode_to_string(BluezScanMode m);
BluezScanMode bluez_scan_mode_from_string(const char *s);

/*
 * Creates the transport on an sd-bus connection to the bus where org.bluez
 * lives (the system bus in the daemon, a private bus in tests), attached to
 * e. The bus is referenced, not owned. The strings in cfg are copied.
 * Work starts right away (asynchronously); events go to t->handler, which
 * the caller sets before running the loop.
 */
int bluez_transport_new(Transport **ret, sd_event *e, sd_bus *bus, const BluezConfig *cfg);

/* The reconnect delay after `failures` consecutive failures (0 = first). */
uint64_t bluez_backoff_delay(uint64_t min_usec, uint64_t max_usec, unsigned failures);

typedef struct BluezStats {
        uint64_t notifications; /* Value updates dispatched */
        uint64_t malformed;     /* payloads that did not decode */
        uint64_t connects;      /* Connect() calls */
        uint64_t link_losses;
} BluezStats;

void bluez_transport_get_stats(Transport *t, BluezStats *ret);
/* Whether the role's link is up (connected, resolved and subscribed). */
bool bluez_transport_link_up(Transport *t, TransportRole role);

/* ---- Scan API for `pacectl devices --scan` (called by the D-Bus service) ---- */

typedef struct BluezScanResult {
        const char *address;
        const char *name; /* Name, else Alias; may be NULL */
        bool has_rssi;    /* RSSI is present only while advertisements are seen */
        int16_t rssi;
        bool connected;
        bool ftms;          /* advertises/has 0x1826 */
        bool hrs;           /* 0x180D */
        bool rsc;           /* 0x1814: a footpod */
        char *const *uuids; /* all service UUIDs (128-bit, lowercase), NULL-terminated */
} BluezScanResult;

/*
 * results are valid only during the call. error < 0 when the scan could not
 * run (no adapter, bluetoothd gone); -ECANCELED (n = 0) when the transport is
 * shut down or freed first: the handler is called exactly once per scan.
 */
typedef void (*BluezScanHandler)(int error, const BluezScanResult *results, size_t n,
                                 void *userdata);

/*
 * Discovers for duration_usec on the transport's adapter (sharing the
 * discovery session with the connection logic), then calls handler with the
 * devices of that adapter that offer FTMS, HRS or RSC (all LE devices with
 * `all`). -EBUSY if a scan is already running, -ENODEV without an adapter.
 */
int bluez_transport_scan(Transport *t, uint64_t duration_usec, bool all, BluezScanHandler handler,
                         void *userdata);
/* Same listing, right away, without discovering. */
int bluez_transport_list_devices(Transport *t, bool all, BluezScanHandler handler, void *userdata);
