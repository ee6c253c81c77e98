/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The relay (docs/relay.md): paced as a Bluetooth Running Speed and Cadence
 * sensor that a watch pairs with. A GATT application exported with sd-bus
 * under RELAY_APP_PATH (ObjectManager at the root, as bluetoothd's
 * GattManager1.RegisterApplication wants it) and an LE advertisement,
 * registered on one adapter:
 *
 *   service  RSC 0x1814, primary
 *     char   RSC Measurement 0x2A53: notify; speed, cadence when known,
 *            total distance, once a second while a watch listens
 *     char   RSC Feature 0x2A54: read
 *     char   Sensor Location 0x2A5D: read ("in shoe")
 *   service  FTMS 0x1826, primary (RELAY_SERVICE_FTMS, for an app on a tablet)
 *     char   Treadmill Data 0x2ACD: notify; speed, total distance, incline,
 *            heart rate when known
 *     char   Fitness Machine Feature 0x2ACC: read; no target settings, and
 *            no Control Point: nothing to control
 *   service  Heart Rate 0x180D, primary (RELAY_SERVICE_HRS)
 *     char   Heart Rate Measurement 0x2A37: notify, while a heart rate is known
 *     char   Body Sensor Location 0x2A38: read ("other")
 *   advertisement: peripheral, the services' UUIDs, the configured name
 *
 * It accepts no writes: WriteValue answers org.bluez.Error.NotPermitted,
 * so nothing a watch does reaches paced, let alone the treadmill. The values
 * come from a getter called once a second; nothing is encoded or sent while
 * nobody listens.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define RELAY_APP_PATH "/io/paced/relay"

typedef enum RelayServiceId {
        RELAY_SERVICE_RSC,
        RELAY_SERVICE_FTMS,
        RELAY_SERVICE_HRS,
        _RELAY_SERVICE_MAX,
} RelayServiceId;

typedef struct RelayValues {
        double speed_kmh;        /* true (calibrated) speed; NAN: unknown (sent as 0) */
        double distance_m;       /* true total distance; NAN: unknown (left out) */
        unsigned cadence_spm;    /* steps a minute, both feet; 0: unknown (sent as 0) */
        double stride_m;         /* NAN: unknown (left out) */
        double incline_pct;      /* NAN: unknown (left out of Treadmill Data) */
        unsigned heart_rate_bpm; /* 0: unknown (no Heart Rate Measurement sent) */
} RelayValues;

typedef void (*RelayGetValues)(void *userdata, RelayValues *ret);

typedef struct RelayConfig {
        const char *adapter_path; /* "/org/bluez/hci0" */
        const char *name;         /* advertised LocalName; NULL: "paced" */
        uint64_t interval_usec;   /* notifications; 0: 1 s */
        unsigned services;        /* 1 << RelayServiceId; 0: RSC only */
        RelayGetValues get_values;
        void *userdata;
} RelayConfig;

typedef struct Relay Relay;

/* Exports the objects on bus and registers them with bluetoothd (retried until it answers). */
int relay_new(Relay **ret, sd_event *e, sd_bus *bus, const RelayConfig *cfg);
/* Unregisters (best effort) and removes the objects. */
Relay *relay_free(Relay *r);

/* A watch or an app listens (StartNotify on any characteristic). */
bool relay_notifying(const Relay *r);
/* Registered with bluetoothd: application and advertisement. */
bool relay_registered(const Relay *r);

/* The RSC Measurement the relay sends for v (exposed for tests). */
int relay_encode(const RelayValues *v, uint8_t *buf, size_t size, size_t *ret_len);
/* The FTMS Treadmill Data record the relay sends for v (exposed for tests). */
int relay_encode_treadmill_data(const RelayValues *v, uint8_t *buf, size_t size, size_t *ret_len);
