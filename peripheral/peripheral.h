/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * paced-peripheral: a virtual BLE treadmill (FTMS) + heart-rate strap (HRS) +
 * battery, and optionally a footpod (RSC) on the runner, served through bluetoothd's GattManager1
 * and LEAdvertisingManager1 on one adapter. Split by concern, as BlueZ's own peripheral/ is: main.c
 * options, setup, the event loop gatt.c           GattService1 / GattCharacteristic1 objects and
 * their values advertising.c    LEAdvertisement1, registration with bluetoothd links.c          the
 * centrals' links: watched, dropped on command control-point.c  the FTMS Control Point server (the
 * model's, plus faults) machine.c        the treadmill and runner models' clock and notifications
 *   commands.c       the control channel (stdin or --control FIFO)
 * This header is the program's own: the types every file shares.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "ftms.h"
#include "hrs.h"
#include "sim-footpod.h"
#include "sim-runner.h"
#include "sim-treadmill.h"
#include "util.h"

typedef enum CharId {
        CHAR_FEATURE,
        CHAR_TREADMILL_DATA,
        CHAR_TRAINING_STATUS,
        CHAR_SPEED_RANGE,
        CHAR_INCLINE_RANGE,
        CHAR_MACHINE_STATUS,
        CHAR_CONTROL_POINT,
        CHAR_HR_MEASUREMENT,
        CHAR_BODY_SENSOR_LOCATION,
        CHAR_BATTERY_LEVEL,
        CHAR_RSC_MEASUREMENT,
        CHAR_RSC_FEATURE,
        CHAR_RSC_LOCATION,
        _CHAR_MAX,
} CharId;

typedef enum ServiceId {
        SERVICE_FTMS,
        SERVICE_HRS,
        SERVICE_BATTERY,
        SERVICE_RSC, /* only with --footpod-adapter: a footpod on its own device */
        _SERVICE_MAX,
} ServiceId;

typedef struct Peripheral Peripheral;

/*
 * One GATT application + advertisement on one adapter. Normally a single one
 * serves everything; with --strap-adapter the strap (HRS + battery) is a
 * second device on its own adapter, as a real chest strap is, and with
 * --footpod-adapter a footpod (RSC) is one more.
 */
typedef struct App {
        Peripheral *p;
        const char *root; /* object manager path */
        const char *adv_path;
        const char *role; /* "treadmill", "strap" or "footpod", for commands */
        const char *name; /* advertised local name */
        char adapter_path[64];
        unsigned services; /* 1 << ServiceId */
        bool app_registered;
        bool advertise; /* wanted */
        bool advertising;
        bool registering;
        sd_event_source *retry;
} App;

typedef struct Characteristic {
        Peripheral *p;
        CharId id;
        ServiceId service;
        uint16_t uuid;
        const char *const *flags;
        char path[80];
        uint8_t value[64];
        size_t len;
        bool notifying;
} Characteristic;

typedef struct Service {
        Peripheral *p;
        ServiceId id;
        uint16_t uuid;
        App *app; /* NULL: not served */
        char path[64];
} Service;

typedef enum FailMode {
        FAIL_NONE = 0,
        FAIL_SPEED = 1 << 0,
        FAIL_INCLINE = 1 << 1,
        FAIL_START = 1 << 2,
        FAIL_STOP = 1 << 3,
        FAIL_ALL = FAIL_SPEED | FAIL_INCLINE | FAIL_START | FAIL_STOP,
} FailMode;

struct Peripheral {
        sd_event *event;
        sd_bus *bus;
        sd_event_source *data_timer;
        sd_event_source *hr_timer;
        sd_event_source *control_source;
        App apps[3];
        size_t n_apps;

        Service services[_SERVICE_MAX];
        Characteristic chars[_CHAR_MAX];

        SimTreadmill *treadmill;
        SimRunner *runner;
        SimFootpod footpod; /* measures the runner on the belt (--footpod-factor) */
        SimBeltState last_belt;
        bool hr16;
        bool treadmill_hr;  /* Heart Rate field in Treadmill Data (hand grips, receiver) */
        bool log_data;      /* log each Treadmill Data record with the belt's exact travel */
        double hr_override; /* > 0: a fixed heart rate instead of the runner's */
        uint16_t last_hr_bpm;

        /* Faults injected on top of the model's own Control Point server. */
        unsigned fail_mask;

        /* The model's clock: real time, or --time-scale times faster so that
         * e2e tests run long workouts against a paced at the same scale. */
        PacedClock clock;

        FILE *cp_log;
        char line[512];
        size_t line_len;
};

static inline uint64_t peripheral_now(const Peripheral *p)
{
        return paced_clock_now(&p->clock);
}

/* main.c: one line on stdout (the e2e tests read it). */
_printf_(1, 2) void peripheral_log(const char *fmt, ...);

/* gatt.c */
extern const uint16_t gatt_service_uuids[_SERVICE_MAX];
/* A 16-bit SIG UUID as the 128-bit string bluetoothd expects. */
int gatt_append_uuid16(sd_bus_message *reply, uint16_t uuid);
int gatt_add_objects(Peripheral *p);
void gatt_read_static_values(Peripheral *p);
Characteristic *gatt_char_by_uuid(Peripheral *p, uint16_t uuid);
/* Sets the value and, if subscribed, notifies (indicates on the Control Point). */
void gatt_char_notify(Characteristic *c, const uint8_t *buf, size_t len);

/* advertising.c */
int advertising_add_objects(Peripheral *p);
/* Watches bluetoothd and registers every app (GATT application, then advertisement). */
int advertising_start(Peripheral *p);
void advertising_register(App *a);
void advertising_withdraw(App *a);

/* links.c */
int links_watch(Peripheral *p);
void links_drop(Peripheral *p, const char *role, const char *peer);

/* control-point.c: a WriteValue on the Control Point; replies to m. */
int control_point_write(Peripheral *p, sd_bus_message *m, const uint8_t *buf, size_t len,
                        sd_bus_error *error);

/* machine.c */
int machine_start(Peripheral *p);
void machine_flush(Peripheral *p);
int machine_arm_data_timer(Peripheral *p);

/* commands.c: the control channel's input handler. */
int commands_on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata);
