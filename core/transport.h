/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The seam between the engine and the devices. Two implementations sit
 * behind it: the BlueZ client (bluez-*.c) and the simulator (sim-transport.c).
 * Everything above it (engine, analysis, store, D-Bus service) cannot tell
 * them apart: events come in already decoded, commands go out as raw
 * control-point bytes built with the ftms.h encoders.
 *
 * Times are CLOCK_MONOTONIC microseconds of the daemon's clock (virtual time
 * under the simulator's --time-scale).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftms.h"
#include "hrs.h"
#include "rsc.h"

typedef enum TransportRole {
        TRANSPORT_ROLE_TREADMILL,
        TRANSPORT_ROLE_STRAP,
        TRANSPORT_ROLE_FOOTPOD, /* opt-in: a Running Speed and Cadence sensor */
        _TRANSPORT_ROLE_MAX,
        _TRANSPORT_ROLE_INVALID = -EINVAL,
} TransportRole;

typedef enum TransportEventType {
        TRANSPORT_EVENT_LINK,            /* link.up: connected + subscribed, or lost */
        TRANSPORT_EVENT_IDENTITY,        /* identity: name, address */
        TRANSPORT_EVENT_CAPABILITIES,    /* caps: FTMS feature and supported ranges */
        TRANSPORT_EVENT_HEART_RATE,      /* hr (strap) */
        TRANSPORT_EVENT_TREADMILL_DATA,  /* treadmill: a complete (merged) record */
        TRANSPORT_EVENT_MACHINE_STATUS,  /* status */
        TRANSPORT_EVENT_TRAINING_STATUS, /* training */
        TRANSPORT_EVENT_CP_RESPONSE,     /* cp_response: the 0x80 indication */
        TRANSPORT_EVENT_CP_WRITE_FAILED, /* cp_write_error: the write itself failed */
        TRANSPORT_EVENT_BATTERY,         /* battery_pct */
        TRANSPORT_EVENT_MALFORMED,       /* malformed: a payload that did not decode */
        TRANSPORT_EVENT_FOOTPOD,         /* footpod: an RSC Measurement */
        _TRANSPORT_EVENT_MAX,
        _TRANSPORT_EVENT_INVALID = -EINVAL,
} TransportEventType;

typedef struct TransportCapabilities {
        FtmsFeature feature;
        bool has_speed_range;
        FtmsRange speed_range;
        bool has_incline_range;
        FtmsRange incline_range;
        bool has_control_point;
} TransportCapabilities;

typedef struct TransportEvent {
        TransportEventType type;
        TransportRole role;
        uint64_t time_usec;
        union {
                struct {
                        bool up;
                        const char *reason; /* why it went down, NULL when up */
                } link;
                struct {
                        const char *name;
                        const char *address;
                } identity;
                TransportCapabilities caps;
                HrsMeasurement hr;
                FtmsTreadmillData treadmill;
                FtmsMachineStatus status;
                FtmsTrainingStatus training;
                FtmsCpResponse cp_response;
                struct {
                        int error;           /* negative errno */
                        const char *message; /* e.g. the D-Bus error name and text */
                } cp_write_error;
                uint8_t battery_pct;
                struct {
                        uint16_t uuid;
                        int error;
                        size_t len;
                } malformed;
                RscMeasurement footpod;
        };
} TransportEvent;

typedef void (*TransportEventHandler)(const TransportEvent *ev, void *userdata);

typedef struct Transport Transport;

typedef struct TransportOps {
        const char *name; /* "bluez", "sim" */
        /*
         * Queues one control-point write (raw bytes from the ftms_cp_encode_*()
         * helpers). The caller keeps at most one in flight; the result arrives
         * as CP_RESPONSE or CP_WRITE_FAILED. -ENOTCONN if the treadmill is not
         * linked.
         */
        int (*write_control_point)(Transport *t, const uint8_t *buf, size_t len);
        /* Releases the devices (StopNotify + Disconnect for BlueZ). */
        void (*shutdown)(Transport *t);
        void (*free)(Transport *t);
} TransportOps;

struct Transport {
        const TransportOps *ops;
        TransportEventHandler handler;
        void *userdata;
};

static inline void transport_emit(Transport *t, const TransportEvent *ev)
{
        if (t->handler)
                t->handler(ev, t->userdata);
}

static inline int transport_write_control_point(Transport *t, const uint8_t *buf, size_t len)
{
        return t->ops->write_control_point(t, buf, len);
}

static inline void transport_shutdown(Transport *t)
{
        if (t && t->ops->shutdown)
                t->ops->shutdown(t);
}

static inline Transport *transport_free(Transport *t)
{
        if (t)
                t->ops->free(t);
        return NULL;
}

const char *transport_role_to_string(TransportRole r);
TransportRole transport_role_from_string(const char *s);
const char *transport_event_type_to_string(TransportEventType t);

/*
 * Heart rate from a treadmill record's FTMS Heart Rate field, for when no
 * strap is linked: the BlueZ transport emits it as a HEART_RATE event with
 * role TREADMILL (no RR intervals, contact "not supported"). -ENODATA when the
 * record has no heart rate, or 0 / the 0xFF "not available" value.
 */
int transport_hr_from_treadmill(const FtmsTreadmillData *d, HrsMeasurement *ret);
