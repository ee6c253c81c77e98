/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Test-only: a private dbus-daemon and a scripted fake org.bluez on it,
 * exporting Adapter1 / Device1 / GattService1 / GattCharacteristic1 objects
 * with an ObjectManager at "/", behaving as bluetoothd 5.66 does where paced
 * depends on it (docs/protocol.md, "BlueZ's GATT client API", and docs/e2e.md):
 *  - GATT objects appear after Connect, then ServicesResolved turns true;
 *    Disconnect removes them again;
 *  - ReadValue also emits PropertiesChanged(Value);
 *  - WriteValue to a control point answers, then indicates 0x80 op result;
 *    a write without indications enabled fails with ATT error 0xfd;
 *  - errors are scripted per object and method (fake_fail()).
 * Part of paced-testlib-bluez, linked by test-bluez-client and the BlueZ
 * benchmark.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

/* ---- private bus ---- */

typedef struct TestBus {
        pid_t pid;
        char dir[64];
        char address[256];
} TestBus;

int test_bus_start(TestBus *b);
void test_bus_stop(TestBus *b);
int test_bus_connect(const TestBus *b, sd_event *e, sd_bus **ret);

/* ---- the fake ---- */

enum { FAKE_ADAPTER, FAKE_DEVICE, FAKE_SERVICE, FAKE_CHAR };

typedef struct FakeBluez FakeBluez;

typedef struct FakeObject {
        FakeBluez *f;
        int kind;
        char *path;
        bool exported;
        sd_bus_slot *slot;
        /* Adapter1 */
        char address[18];
        bool powered, discovering;
        /* Device1 */
        char *adapter;
        char *name;
        bool connected, resolved, hidden, no_resolve;
        /* Orders seen from bluetoothd 5.66 in the e2e VM:
         * silent_connect: Connect succeeds, the GATT objects are exported, but neither
         *   Connected nor ServicesResolved is signalled (GetAll tells the truth);
         * resolved_first: ServicesResolved is signalled 200 ms before the GATT
         *   objects' InterfacesAdded;
         * staggered: at ServicesResolved only the services and the data
         *   characteristics (Treadmill Data, Heart Rate Measurement) are exported,
         *   the others follow one every 100 ms. */
        bool silent_connect, resolved_first, staggered;
        /* > 0: Connect answers only once the LE link is up, this long after the call,
         * and, as bluetoothd 5.66 does, refuses a second Connect meanwhile with
         * org.bluez.Error.Failed "Operation already in progress". */
        uint64_t connect_usec;
        sd_bus_message *connecting; /* the Connect being answered */
        char *uuids[8];
        bool has_rssi;
        int16_t rssi;
        int ftms_type; /* FTMS service data Fitness Machine Type, -1: not advertised */
        /* GattService1 / GattCharacteristic1 */
        char uuid[37];
        char *parent;
        const char *flags[6];
        uint8_t value[512];
        size_t value_len;
        bool notifying;
        bool is_cp;
        int acquired_fd; /* our end of an AcquireNotify socket, -1 if none */
} FakeObject;

typedef struct FakeFailure {
        char path[160];
        char method[32];
        char error[128];
        unsigned count;
} FakeFailure;

struct FakeBluez {
        sd_event *event;
        sd_bus *bus;
        sd_bus_slot *manager;
        FakeObject *objects[64];
        size_t n_objects;
        FakeFailure failures[16];
        size_t n_failures;
        /* call log: "path Member" */
        char calls[512][200];
        size_t n_calls;
        /* discovery filter as last set */
        char filter_uuids[4][37];
        size_t n_filter_uuids;
        char filter_transport[16];
        /* control point */
        uint8_t cp_result; /* result code of the 0x80 indication */
        bool cp_silent;    /* never indicate */
        unsigned cp_outstanding, cp_overlaps, cp_writes;
        unsigned connects_refused; /* Connects answered "Operation already in progress" */
        char last_write_type[16];
        uint8_t last_write[32];
        size_t last_write_len;
};

int fake_bluez_new(FakeBluez **ret, sd_event *e, const TestBus *b);
FakeBluez *fake_bluez_free(FakeBluez *f);

/* How many times member was called on path (the call log). */
unsigned fake_count(FakeBluez *f, const char *path, const char *member);
/* The next `count` calls of method on path fail with error, "name" or "name: message"
 * (count UINT32_MAX: always). */
void fake_fail(FakeBluez *f, const char *path, const char *method, const char *error,
               unsigned count);
int fake_emit(FakeObject *o, const char *prop);

FakeObject *fake_add_adapter(FakeBluez *f, const char *name, const char *address, bool powered);
void fake_set_powered(FakeObject *a, bool powered);
/* A device under adapter; hidden ones appear only once discovery starts. */
FakeObject *fake_add_device(FakeBluez *f, FakeObject *adapter, const char *address,
                            const char *name, const uint16_t *svcs, size_t n_svcs, bool hidden);
FakeObject *fake_add_service(FakeBluez *f, FakeObject *dev, unsigned handle, uint16_t uuid);
FakeObject *fake_add_char(FakeBluez *f, FakeObject *svc, unsigned handle, uint16_t uuid,
                          const char *flags, const uint8_t *value, size_t len);
/* Notification: only delivered if subscribed, as in bluetoothd. */
bool fake_notify(FakeBluez *f, FakeObject *c, const uint8_t *buf, size_t len);
/* Device removed (RemoveDevice, or bluetoothd forgetting a temporary device). */
void fake_remove_device(FakeBluez *f, FakeObject *d);
/* The link went: the device's GATT objects are unregistered. */
void fake_device_drop(FakeObject *d);
/* Another client connects the device, usec from now: Connected, then its services resolve. */
void fake_device_connect_later(FakeObject *d, uint64_t usec);
void fake_unexport(FakeObject *o);
/* o sits below d in the object tree (a service or characteristic of device d). */
bool fake_is_child(FakeObject *d, FakeObject *o);

/* ---- standard GATT profiles ---- */

typedef struct FakeTreadmillGatt {
        FakeObject *dev, *feature, *speed_range, *incline_range, *training, *data, *status, *cp;
} FakeTreadmillGatt;

typedef struct FakeStrapGatt {
        FakeObject *dev, *hrm, *battery;
} FakeStrapGatt;

void fake_treadmill_gatt(FakeBluez *f, FakeTreadmillGatt *t);
void fake_strap_gatt(FakeBluez *f, FakeStrapGatt *s, bool battery);

/* ---- running the loop ---- */

/*
 * Runs the loop until pred() holds. The 10 s bound only keeps a broken build
 * from hanging: nothing is asserted about how long anything takes.
 */
bool run_until(sd_event *e, bool (*pred)(void *), void *userdata);
/* Runs the loop for a while (lets timers fire; used to show that nothing happens). */
void run_for(sd_event *e, uint64_t usec);
