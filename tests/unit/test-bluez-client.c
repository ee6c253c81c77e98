/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BlueZ transport against a scripted fake org.bluez on a private
 * dbus-daemon (never the host's buses). Payloads are real captures from
 * tests/vectors/real-captures.jsonl; each use names its source.
 */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "bluez-client.h"
#include "fake-bluez.h"
#include "log.h"
#include "test-helpers.h"
#include "util.h"

#define assert_double_equal(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) < (eps))

#define TREADMILL_ADDR "F0:AA:00:00:00:01"
#define STRAP_ADDR     "F0:AA:00:00:00:02"

typedef struct Rec {
        TransportEvent ev;
        char s1[64], s2[96];
} Rec;

typedef struct Ctx {
        TestBus bus;
        sd_event *e;
        sd_bus *client;
        FakeBluez *f;
        FakeObject *hci0, *hci1;
        FakeTreadmillGatt tm;
        FakeStrapGatt strap;
        BluezConfig cfg;
        Transport *t;
        Rec ev[1024];
        size_t n_ev;
} Ctx;

static void on_event(const TransportEvent *ev, void *userdata)
{
        Ctx *c = userdata;
        Rec *r;

        if (c->n_ev >= ELEMENTSOF(c->ev))
                return;
        r = &c->ev[c->n_ev++];
        r->ev = *ev;
        /* Strings are only valid during the callback: keep copies. */
        if (ev->type == TRANSPORT_EVENT_LINK) {
                snprintf(r->s1, sizeof(r->s1), "%s", ev->link.reason ?: "");
                r->ev.link.reason = r->s1;
        } else if (ev->type == TRANSPORT_EVENT_IDENTITY) {
                snprintf(r->s1, sizeof(r->s1), "%s", ev->identity.name ?: "");
                snprintf(r->s2, sizeof(r->s2), "%s", ev->identity.address ?: "");
                r->ev.identity.name = r->s1;
                r->ev.identity.address = r->s2;
        } else if (ev->type == TRANSPORT_EVENT_CP_WRITE_FAILED) {
                snprintf(r->s2, sizeof(r->s2), "%s", ev->cp_write_error.message ?: "");
                r->ev.cp_write_error.message = r->s2;
        }
}

static size_t count_events(Ctx *c, TransportEventType type, int role)
{
        size_t n = 0;

        for (size_t i = 0; i < c->n_ev; i++)
                if (c->ev[i].ev.type == type && (role < 0 || (int)c->ev[i].ev.role == role))
                        n++;
        return n;
}

static const TransportEvent *last_event(Ctx *c, TransportEventType type, int role)
{
        for (size_t i = c->n_ev; i > 0; i--)
                if (c->ev[i - 1].ev.type == type && (role < 0 || (int)c->ev[i - 1].ev.role == role))
                        return &c->ev[i - 1].ev;
        return NULL;
}

/* Links up: the last LINK event of each wanted role says up. */
static bool link_is(Ctx *c, TransportRole role, bool up)
{
        const TransportEvent *ev = last_event(c, TRANSPORT_EVENT_LINK, role);

        return ev ? ev->link.up == up : !up;
}

static bool pred_treadmill_up(void *p)
{
        return link_is(p, TRANSPORT_ROLE_TREADMILL, true);
}

static bool pred_strap_up(void *p)
{
        return link_is(p, TRANSPORT_ROLE_STRAP, true);
}

static bool pred_both_up(void *p)
{
        return pred_treadmill_up(p) && pred_strap_up(p);
}

static bool pred_treadmill_down(void *p)
{
        return link_is(p, TRANSPORT_ROLE_TREADMILL, false);
}

static bool pred_both_down(void *p)
{
        return link_is(p, TRANSPORT_ROLE_TREADMILL, false) &&
               link_is(p, TRANSPORT_ROLE_STRAP, false);
}

static void ctx_fake(Ctx *c, bool treadmill_hidden)
{
        static const uint16_t tm_svcs[] = {0x1826};
        static const uint16_t hr_svcs[] = {0x180D, 0x180F};

        assert_int_equal(fake_bluez_new(&c->f, c->e, &c->bus), 0);
        c->hci0 = fake_add_adapter(c->f, "hci0", "00:AA:01:00:00:00", true);
        c->tm.dev = fake_add_device(c->f, c->hci0, TREADMILL_ADDR, "FS-6041F1", tm_svcs, 1,
                                    treadmill_hidden);
        fake_treadmill_gatt(c->f, &c->tm);
        c->strap.dev =
                fake_add_device(c->f, c->hci0, STRAP_ADDR, "Polar H7 12345", hr_svcs, 2, false);
        fake_strap_gatt(c->f, &c->strap, true);
}

static int setup(void **state)
{
        Ctx *c = calloc(1, sizeof(*c));

        assert_non_null(c);
        assert_int_equal(test_bus_start(&c->bus), 0);
        assert_int_equal(sd_event_new(&c->e), 0);
        assert_int_equal(test_bus_connect(&c->bus, c->e, &c->client), 0);
        /* Short timers so that retries happen within the test. */
        c->cfg.backoff_min_usec = 20 * USEC_PER_MSEC;
        c->cfg.backoff_max_usec = 80 * USEC_PER_MSEC;
        /* Generous where a test does not wait for them: a loaded machine must not
         * turn a slow dispatch into a timeout. */
        c->cfg.resolve_timeout_usec = 5 * USEC_PER_SEC;
        c->cfg.cp_timeout_usec = 5 * USEC_PER_SEC;
        *state = c;
        return 0;
}

static int teardown(void **state)
{
        Ctx *c = *state;

        transport_free(c->t);
        fake_bluez_free(c->f);
        sd_bus_flush_close_unref(c->client);
        sd_event_unref(c->e);
        test_bus_stop(&c->bus);
        free(c);
        return 0;
}

static void ctx_transport(Ctx *c)
{
        assert_int_equal(bluez_transport_new(&c->t, c->e, c->client, &c->cfg), 0);
        c->t->handler = on_event;
        c->t->userdata = c;
}

static void ctx_up(Ctx *c)
{
        ctx_fake(c, false);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
}

static void notify_hex(Ctx *c, FakeObject *ch, const char *hex)
{
        uint8_t buf[64];
        size_t n = test_unhex(hex, buf, sizeof(buf));

        assert_true(fake_notify(c->f, ch, buf, n));
}

typedef struct CountPred {
        Ctx *c;
        TransportEventType type;
        int role;
        size_t n;
} CountPred;

static bool pred_count(void *p)
{
        CountPred *cp = p;

        return count_events(cp->c, cp->type, cp->role) >= cp->n;
}

static void wait_events(Ctx *c, TransportEventType type, int role, size_t n)
{
        CountPred p = {c, type, role, n};

        assert_true(run_until(c->e, pred_count, &p));
}

/* ---- tests ---- */

static void test_backoff_doubles_and_caps(void **state)
{
        static const uint64_t want[] = {1, 2, 4, 8, 16, 30, 30, 30};

        for (unsigned i = 0; i < ELEMENTSOF(want); i++)
                assert_int_equal(bluez_backoff_delay(USEC_PER_SEC, 30 * USEC_PER_SEC, i),
                                 want[i] * USEC_PER_SEC);
        /* Huge failure counts do not overflow. */
        assert_int_equal(bluez_backoff_delay(USEC_PER_SEC, 30 * USEC_PER_SEC, 4000),
                         30 * USEC_PER_SEC);
}

static void test_config_role_values(void **state)
{
        BluezConfig cfg = {};

        bluez_config_set_role(&cfg, TRANSPORT_ROLE_STRAP, "none");
        assert_true(cfg.disabled[TRANSPORT_ROLE_STRAP]);
        assert_null(cfg.selector[TRANSPORT_ROLE_STRAP]);
        bluez_config_set_role(&cfg, TRANSPORT_ROLE_STRAP, "Polar H10 ABC");
        assert_false(cfg.disabled[TRANSPORT_ROLE_STRAP]);
        assert_string_equal(cfg.selector[TRANSPORT_ROLE_STRAP], "Polar H10 ABC");
        bluez_config_set_role(&cfg, TRANSPORT_ROLE_STRAP, "");
        assert_null(cfg.selector[TRANSPORT_ROLE_STRAP]);
        bluez_config_set_role(&cfg, TRANSPORT_ROLE_TREADMILL, NULL);
        assert_false(cfg.disabled[TRANSPORT_ROLE_TREADMILL]);
        assert_null(cfg.selector[TRANSPORT_ROLE_TREADMILL]);
}

static void test_config_footpod_opt_in(void **state)
{
        BluezConfig cfg = {};

        bluez_config_set_role(&cfg, TRANSPORT_ROLE_FOOTPOD, NULL);
        assert_false(cfg.enable_footpod);
        bluez_config_set_role(&cfg, TRANSPORT_ROLE_FOOTPOD, "none");
        assert_false(cfg.enable_footpod);
        bluez_config_set_role(&cfg, TRANSPORT_ROLE_FOOTPOD, "auto");
        assert_true(cfg.enable_footpod);
        assert_null(cfg.selector[TRANSPORT_ROLE_FOOTPOD]);
        bluez_config_set_role(&cfg, TRANSPORT_ROLE_FOOTPOD, "Stryd");
        assert_true(cfg.enable_footpod);
        assert_string_equal(cfg.selector[TRANSPORT_ROLE_FOOTPOD], "Stryd");
}

#define FOOTPOD_ADDR "F0:AA:00:00:00:03"

/* A footpod (RSC) next to the treadmill and the strap; the treadmill serves RSC too. */
static FakeObject *ctx_footpod(Ctx *c, bool treadmill_rsc)
{
        static const uint16_t svcs[] = {0x1814};
        FakeObject *dev, *svc;

        ctx_fake(c, false);
        if (treadmill_rsc) {
                svc = fake_add_service(c->f, c->tm.dev, 0x0080, 0x1814);
                (void)fake_add_char(c->f, svc, 0x0081, 0x2A53, "notify", NULL, 0);
        }
        dev = fake_add_device(c->f, c->hci0, FOOTPOD_ADDR, "Stryd", svcs, 1, false);
        svc = fake_add_service(c->f, dev, 0x0010, 0x1814);
        return fake_add_char(c->f, svc, 0x0011, 0x2A53, "notify", NULL, 0);
}

static bool pred_footpod_up(void *p)
{
        return link_is(p, TRANSPORT_ROLE_FOOTPOD, true);
}

/* Off unless configured: nothing connects a footpod nobody asked for. */
static void test_footpod_off_by_default(void **state)
{
        Ctx *c = *state;
        FakeObject *meas = ctx_footpod(c, false);

        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        run_for(c->e, 100 * USEC_PER_MSEC);
        assert_int_equal(fake_count(c->f, meas->path, "StartNotify"), 0);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_FOOTPOD), 0);
}

/* A treadmill that serves RSC too measures nothing a footpod would: never one. */
static void test_footpod_never_a_treadmill(void **state)
{
        static const uint16_t svcs[] = {0x1826, 0x1814};
        Ctx *c = *state;
        FakeObject *dev, *svc, *meas;

        assert_int_equal(fake_bluez_new(&c->f, c->e, &c->bus), 0);
        c->hci0 = fake_add_adapter(c->f, "hci0", "00:AA:01:00:00:00", true);
        dev = fake_add_device(c->f, c->hci0, TREADMILL_ADDR, "FS-6041F1", svcs, 2, false);
        svc = fake_add_service(c->f, dev, 0x0080, 0x1814);
        meas = fake_add_char(c->f, svc, 0x0081, 0x2A53, "notify", NULL, 0);
        c->cfg.disabled[TRANSPORT_ROLE_TREADMILL] = true;
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        bluez_config_set_role(&c->cfg, TRANSPORT_ROLE_FOOTPOD, "auto");
        ctx_transport(c);
        run_for(c->e, 300 * USEC_PER_MSEC);
        assert_int_equal(fake_count(c->f, dev->path, "Connect"), 0);
        assert_int_equal(fake_count(c->f, meas->path, "StartNotify"), 0);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_FOOTPOD), 0);
}

/*
 * footpod = auto: the device with RSC and without FTMS (the treadmill serving
 * RSC too is no footpod), subscribed, its RSC Measurements decoded.
 */
static void test_footpod_auto_connects_and_decodes(void **state)
{
        Ctx *c = *state;
        FakeObject *meas = ctx_footpod(c, true);
        const TransportEvent *ev;

        bluez_config_set_role(&c->cfg, TRANSPORT_ROLE_FOOTPOD, "auto");
        ctx_transport(c);
        assert_true(run_until(c->e, pred_footpod_up, c));
        ev = last_event(c, TRANSPORT_EVENT_IDENTITY, TRANSPORT_ROLE_FOOTPOD);
        assert_non_null(ev);
        assert_string_equal(ev->identity.address, FOOTPOD_ADDR);
        /* Flags: stride and distance present, running; 3.0 m/s, 176 /min,
         * stride 1.02 m, 1234.5 m. */
        notify_hex(c, meas, "070003b066003930"); /* distance cut short: malformed */
        notify_hex(c, meas, "070003b0660039300000");
        wait_events(c, TRANSPORT_EVENT_FOOTPOD, TRANSPORT_ROLE_FOOTPOD, 1);
        ev = last_event(c, TRANSPORT_EVENT_FOOTPOD, TRANSPORT_ROLE_FOOTPOD);
        assert_double_equal(rsc_speed_to_kmh(ev->footpod.speed_raw), 10.8, 1e-9);
        assert_int_equal(ev->footpod.cadence_spm, 176);
        assert_true(ev->footpod.has_stride);
        assert_int_equal(ev->footpod.stride_cm, 102);
        assert_true(ev->footpod.has_distance);
        assert_int_equal(ev->footpod.distance_dm, 12345);
}

static bool pred_discovery_stopped(void *p)
{
        Ctx *c = p;

        return fake_count(c->f, c->hci0->path, "StopDiscovery") > 0 && !c->hci0->discovering;
}

static void test_discovers_connects_and_subscribes(void **state)
{
        Ctx *c = *state;
        const TransportEvent *ev;

        ctx_fake(c, true); /* the treadmill is only seen by scanning */
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));

        /* Discovery: filter on both services, LE only, stopped once found. */
        assert_int_equal(fake_count(c->f, c->hci0->path, "SetDiscoveryFilter"), 1);
        assert_int_equal(c->f->n_filter_uuids, 2);
        assert_string_equal(c->f->filter_uuids[0], "00001826-0000-1000-8000-00805f9b34fb");
        assert_string_equal(c->f->filter_uuids[1], "0000180d-0000-1000-8000-00805f9b34fb");
        assert_string_equal(c->f->filter_transport, "le");
        assert_int_equal(fake_count(c->f, c->hci0->path, "StartDiscovery"), 1);
        assert_true(run_until(c->e, pred_discovery_stopped, c));

        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
        assert_int_equal(fake_count(c->f, c->strap.dev->path, "Connect"), 1);
        /* Subscribed to everything that streams. */
        assert_true(c->tm.data->notifying && c->tm.status->notifying && c->tm.training->notifying &&
                    c->tm.cp->notifying && c->strap.hrm->notifying && c->strap.battery->notifying);
        /* Static characteristics read once, not subscribed. */
        assert_int_equal(fake_count(c->f, c->tm.feature->path, "ReadValue"), 1);
        assert_int_equal(fake_count(c->f, c->tm.speed_range->path, "ReadValue"), 1);
        assert_int_equal(fake_count(c->f, c->tm.incline_range->path, "ReadValue"), 1);
        assert_int_equal(fake_count(c->f, c->tm.training->path, "ReadValue"), 1);
        assert_int_equal(fake_count(c->f, c->tm.feature->path, "StartNotify"), 0);

        ev = last_event(c, TRANSPORT_EVENT_IDENTITY, TRANSPORT_ROLE_TREADMILL);
        assert_non_null(ev);
        assert_string_equal(ev->identity.address, TREADMILL_ADDR);
        assert_string_equal(ev->identity.name, "FS-6041F1");

        /* FitShow FS-6041F1 feature read (docs/protocol.md, "Fitness Machine Feature"). */
        ev = last_event(c, TRANSPORT_EVENT_CAPABILITIES, TRANSPORT_ROLE_TREADMILL);
        assert_non_null(ev);
        assert_int_equal(ev->caps.feature.machine, 0x165C);
        assert_int_equal(ev->caps.feature.target, 0x03);
        assert_true(ev->caps.has_speed_range && ev->caps.has_incline_range);
        assert_true(ev->caps.has_control_point);
        assert_double_equal(ev->caps.speed_range.min, 1.0, 1e-9);
        assert_double_equal(ev->caps.speed_range.max, 18.0, 1e-9);
        assert_double_equal(ev->caps.speed_range.increment, 0.1, 1e-9);
        assert_double_equal(ev->caps.incline_range.min, -3.0, 1e-9);
        assert_double_equal(ev->caps.incline_range.max, 15.0, 1e-9);

        /* FitShow Training Status "01 01" read at connect: Idle, string missing. */
        ev = last_event(c, TRANSPORT_EVENT_TRAINING_STATUS, TRANSPORT_ROLE_TREADMILL);
        assert_non_null(ev);
        assert_int_equal(ev->training.status, FTMS_TRAINING_IDLE);
        /* ... and the Value signal the read caused was not taken for a notification. */
        assert_int_equal(count_events(c, TRANSPORT_EVENT_TRAINING_STATUS, -1), 1);

        ev = last_event(c, TRANSPORT_EVENT_BATTERY, TRANSPORT_ROLE_STRAP);
        assert_non_null(ev);
        assert_int_equal(ev->battery_pct, 87);
        assert_true(bluez_transport_link_up(c->t, TRANSPORT_ROLE_TREADMILL));
}

static void test_known_devices_used_without_scanning(void **state)
{
        Ctx *c = *state;

        ctx_up(c);
        assert_int_equal(fake_count(c->f, c->hci0->path, "StartDiscovery"), 0);
}

static void test_notifications_decode_real_vectors(void **state)
{
        Ctx *c = *state;
        const TransportEvent *ev;
        BluezStats st;

        ctx_up(c);

        /* Life Fitness, TMIW life_fitness_treadmill_test.dart (tests/vectors/). */
        notify_hex(c, c->tm.data, "9e04730233022500003c00ff7f0000ff7f0200ffffff1f00");
        wait_events(c, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 1);
        ev = last_event(c, TRANSPORT_EVENT_TREADMILL_DATA, -1);
        assert_double_equal(ev->treadmill.speed_kmh, 6.27, 1e-9);
        assert_int_equal(ev->treadmill.distance_m, 37);

        /* Technogym MyRun split record, TMIW technogym_myrun_test.dart: one event for two. */
        notify_hex(c, c->tm.data, "1f0084012a00000000000001000000");
        notify_hex(c, c->tm.data, "80064e020200ffffff372700");
        wait_events(c, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 2);
        run_for(c->e, 20 * USEC_PER_MSEC);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_TREADMILL_DATA, -1), 2);
        ev = last_event(c, TRANSPORT_EVENT_TREADMILL_DATA, -1);
        assert_double_equal(ev->treadmill.speed_kmh, 5.9, 1e-9);
        assert_double_equal(ev->treadmill.avg_speed_kmh, 3.88, 1e-9);
        assert_int_equal(ev->treadmill.distance_m, 42);

        /* Polar H7, TMIW heart_rate_measurement test: HR 115, RR 528 and 525. */
        notify_hex(c, c->strap.hrm, "167310020d02");
        wait_events(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_STRAP, 1);
        ev = last_event(c, TRANSPORT_EVENT_HEART_RATE, -1);
        assert_int_equal(ev->hr.heart_rate_bpm, 115);
        assert_int_equal(ev->hr.n_rr, 2);
        assert_int_equal(ev->hr.rr_raw[0], 528);
        assert_int_equal(ev->hr.rr_raw[1], 525);

        /* pyftms tests/test_models.py: Target Speed Changed to 1.05 km/h. */
        notify_hex(c, c->tm.status, "056900");
        wait_events(c, TRANSPORT_EVENT_MACHINE_STATUS, TRANSPORT_ROLE_TREADMILL, 1);
        ev = last_event(c, TRANSPORT_EVENT_MACHINE_STATUS, -1);
        assert_int_equal(ev->status.op, FTMS_STATUS_TARGET_SPEED_CHANGED);
        assert_double_equal(ev->status.value, 1.05, 1e-9);

        /* A treadmill record with HR while the strap is linked: no treadmill HR. */
        notify_hex(c, c->tm.data, "9e0517059202fb00000000ff7f7c00ff7f1b00ffffff698a00");
        wait_events(c, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 3);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_TREADMILL), 0);

        /* Malformed: an empty HR measurement and a one-byte battery level above 100 %. */
        assert_true(fake_notify(c->f, c->strap.hrm, NULL, 0));
        notify_hex(c, c->strap.battery, "c8");
        wait_events(c, TRANSPORT_EVENT_MALFORMED, TRANSPORT_ROLE_STRAP, 2);
        ev = last_event(c, TRANSPORT_EVENT_MALFORMED, -1);
        assert_int_equal(ev->malformed.uuid, BAS_UUID_BATTERY_LEVEL);
        assert_int_equal(ev->malformed.error, -EBADMSG);
        bluez_transport_get_stats(c->t, &st);
        assert_int_equal(st.malformed, 2);
        assert_true(st.notifications >= 7);
        /* The link survives garbage. */
        assert_true(bluez_transport_link_up(c->t, TRANSPORT_ROLE_STRAP));
}

static bool pred_acquired(void *p)
{
        Ctx *c = p;

        return pred_both_up(c) && c->tm.data->acquired_fd >= 0 && c->strap.hrm->acquired_fd >= 0;
}

static void test_acquire_notify_with_fallback(void **state)
{
        Ctx *c = *state;
        const uint8_t req[] = {0x00};
        const TransportEvent *ev;

        c->cfg.acquire_notify = true;
        ctx_fake(c, false);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_acquired, c));
        /* Notify characteristics acquired; the indicate-only CP fell back. */
        assert_int_equal(fake_count(c->f, c->tm.data->path, "StartNotify"), 0);
        assert_int_equal(fake_count(c->f, c->tm.cp->path, "AcquireNotify"), 0);
        assert_true(c->tm.cp->notifying);
        /* Training Status is read + notify: acquired too. */
        assert_true(c->tm.training->acquired_fd >= 0);

        /* Values arrive over the sockets. Polar H7 and Life Fitness (TMIW). */
        notify_hex(c, c->strap.hrm, "167310020d02");
        notify_hex(c, c->tm.data, "9e04730233022500003c00ff7f0000ff7f0200ffffff1f00");
        wait_events(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_STRAP, 1);
        wait_events(c, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 1);
        ev = last_event(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_STRAP);
        assert_int_equal(ev->hr.heart_rate_bpm, 115);
        assert_int_equal(ev->hr.n_rr, 2);
        assert_double_equal(last_event(c, TRANSPORT_EVENT_TREADMILL_DATA, -1)->treadmill.speed_kmh,
                            6.27, 1e-9);
        /* The CP still works through StartNotify. */
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        wait_events(c, TRANSPORT_EVENT_CP_RESPONSE, TRANSPORT_ROLE_TREADMILL, 1);

        /* Link loss: bluetoothd closes the sockets; everything comes back acquired. */
        fake_device_drop(c->tm.dev);
        assert_true(run_until(c->e, pred_treadmill_down, c));
        assert_true(run_until(c->e, pred_acquired, c));
        assert_int_equal(fake_count(c->f, c->tm.data->path, "AcquireNotify"), 2);
}

static void test_acquire_notify_refused_falls_back(void **state)
{
        Ctx *c = *state;

        c->cfg.acquire_notify = true;
        ctx_fake(c, false);
        fake_fail(c->f, c->strap.hrm->path, "AcquireNotify", "org.bluez.Error.NotPermitted",
                  UINT32_MAX);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_true(c->strap.hrm->notifying);
        notify_hex(c, c->strap.hrm, "16742902"); /* Polar H7 (TMIW): 116 bpm */
        wait_events(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_STRAP, 1);
        assert_int_equal(last_event(c, TRANSPORT_EVENT_HEART_RATE, -1)->hr.heart_rate_bpm, 116);
}

/* Another program (a second logger, bluetoothctl) already has a StartNotify
 * session on the strap's Heart Rate Measurement: bluetoothd 5.66 answers
 * AcquireNotify with InProgress, and paced shares the session instead. */
static void test_acquire_notify_already_notifying_falls_back(void **state)
{
        Ctx *c = *state;

        c->cfg.acquire_notify = true;
        ctx_fake(c, false);
        c->strap.hrm->notifying = true;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->strap.hrm->path, "AcquireNotify"), 1);
        assert_int_equal(fake_count(c->f, c->strap.hrm->path, "StartNotify"), 1);
        assert_true(c->strap.hrm->acquired_fd < 0);
        /* The treadmill's characteristics were free: acquired. */
        assert_true(c->tm.data->acquired_fd >= 0);

        notify_hex(c, c->strap.hrm, "16742902"); /* Polar H7 (TMIW): 116 bpm */
        notify_hex(c, c->tm.data, "9e04730233022500003c00ff7f0000ff7f0200ffffff1f00");
        wait_events(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_STRAP, 1);
        wait_events(c, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 1);
        assert_int_equal(last_event(c, TRANSPORT_EVENT_HEART_RATE, -1)->hr.heart_rate_bpm, 116);
        assert_double_equal(last_event(c, TRANSPORT_EVENT_TREADMILL_DATA, -1)->treadmill.speed_kmh,
                            6.27, 1e-9);
}

/* bluetoothd closes an acquired socket when the link goes, often before the
 * device's Connected changes, or while the device still shows as connected:
 * the notifications would stop silently unless paced set the link up again
 * and acquired a new socket. */
static void test_acquire_notify_socket_closed_reacquires(void **state)
{
        Ctx *c = *state;

        c->cfg.acquire_notify = true;
        ctx_fake(c, false);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_acquired, c));

        close(c->tm.data->acquired_fd);
        c->tm.data->acquired_fd = -1;
        assert_true(run_until(c->e, pred_treadmill_down, c));
        assert_true(run_until(c->e, pred_acquired, c));
        assert_int_equal(fake_count(c->f, c->tm.data->path, "AcquireNotify"), 2);
        assert_int_equal(fake_count(c->f, c->tm.data->path, "StartNotify"), 0);

        notify_hex(c, c->tm.data, "9e04730233022500003c00ff7f0000ff7f0200ffffff1f00");
        wait_events(c, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 1);
        /* The strap's link was not touched. */
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP), 1);
}

static void test_treadmill_hr_used_without_strap(void **state)
{
        Ctx *c = *state;
        const TransportEvent *ev;

        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        ctx_fake(c, false);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_int_equal(fake_count(c->f, c->strap.dev->path, "Connect"), 0);

        /* Life Fitness record with Heart Rate 105 bpm (TMIW, tests/vectors/). */
        notify_hex(c, c->tm.data, "9e0517059202fb00000000ff7f7c00ff7f1b00ffffff698a00");
        wait_events(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_TREADMILL, 1);
        ev = last_event(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_TREADMILL);
        assert_int_equal(ev->hr.heart_rate_bpm, 105);
        assert_int_equal(ev->hr.n_rr, 0);

        /* A record without the HR field gives no heart rate. */
        notify_hex(c, c->tm.data, "9e04730233022500003c00ff7f0000ff7f0200ffffff1f00");
        wait_events(c, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 2);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_HEART_RATE, -1), 1);
}

static void test_cp_round_trip_one_in_flight(void **state)
{
        Ctx *c = *state;
        const uint8_t req[] = {0x00}, speed[] = {0x02, 0xE8, 0x03};
        size_t first = 0;

        ctx_up(c);
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        /* Accepted at once, but sent only after the first one's indication. */
        assert_int_equal(transport_write_control_point(c->t, speed, sizeof(speed)), 0);
        wait_events(c, TRANSPORT_EVENT_CP_RESPONSE, TRANSPORT_ROLE_TREADMILL, 2);

        assert_int_equal(c->f->cp_writes, 2);
        assert_int_equal(c->f->cp_overlaps, 0);
        assert_string_equal(c->f->last_write_type, "request");
        assert_int_equal(c->f->last_write_len, 3);
        assert_memory_equal(c->f->last_write, speed, 3);
        for (size_t i = 0; i < c->n_ev; i++)
                if (c->ev[i].ev.type == TRANSPORT_EVENT_CP_RESPONSE) {
                        /* "80 00 01" as the Elite / Zwift Hub answered (docs/protocol.md). */
                        assert_int_equal(c->ev[i].ev.cp_response.request_op,
                                         first == 0 ? 0x00 : 0x02);
                        assert_int_equal(c->ev[i].ev.cp_response.result, FTMS_RESULT_SUCCESS);
                        first++;
                }
        assert_int_equal(count_events(c, TRANSPORT_EVENT_CP_WRITE_FAILED, -1), 0);
}

static void test_cp_write_errors_reported(void **state)
{
        static const struct {
                const char *error;
                int errno_;
        } cases[] = {
                {"org.bluez.Error.NotPermitted", -EPERM},
                {"org.bluez.Error.InProgress", -EBUSY},
                {"org.bluez.Error.Failed", -EIO},
        };
        Ctx *c = *state;
        const uint8_t req[] = {0x00};

        ctx_up(c);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const TransportEvent *ev;

                fake_fail(c->f, c->tm.cp->path, "WriteValue", cases[i].error, 1);
                assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
                wait_events(c, TRANSPORT_EVENT_CP_WRITE_FAILED, TRANSPORT_ROLE_TREADMILL, i + 1);
                ev = last_event(c, TRANSPORT_EVENT_CP_WRITE_FAILED, -1);
                assert_int_equal(ev->cp_write_error.error, cases[i].errno_);
                assert_non_null(strstr(ev->cp_write_error.message, cases[i].error));
        }
        /* The queue is not stuck after failures. */
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        wait_events(c, TRANSPORT_EVENT_CP_RESPONSE, TRANSPORT_ROLE_TREADMILL, 1);
        assert_true(link_is(c, TRANSPORT_ROLE_TREADMILL, true));
}

static void test_cp_missing_indication_times_out(void **state)
{
        Ctx *c = *state;
        const uint8_t req[] = {0x00};
        const TransportEvent *ev;

        c->cfg.cp_timeout_usec = 50 * USEC_PER_MSEC;
        ctx_up(c);
        c->f->cp_silent = true;
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        wait_events(c, TRANSPORT_EVENT_CP_WRITE_FAILED, TRANSPORT_ROLE_TREADMILL, 2);
        ev = last_event(c, TRANSPORT_EVENT_CP_WRITE_FAILED, -1);
        assert_int_equal(ev->cp_write_error.error, -ETIMEDOUT);
        /* Still one at a time: the second went out only after the first timed out. */
        assert_int_equal(c->f->cp_writes, 2);
        assert_int_equal(c->f->cp_overlaps, 1); /* the fake never indicated the first */
}

static void test_cp_rejected_while_down_or_invalid(void **state)
{
        Ctx *c = *state;
        uint8_t big[FTMS_CP_MAX_LEN + 1] = {};
        const uint8_t req[] = {0x00};

        ctx_fake(c, false);
        c->tm.dev->no_resolve = true;
        ctx_transport(c);
        run_for(c->e, 30 * USEC_PER_MSEC);
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), -ENOTCONN);
        assert_int_equal(transport_write_control_point(c->t, big, sizeof(big)), -EINVAL);
        assert_int_equal(transport_write_control_point(c->t, req, 0), -EINVAL);
        assert_int_equal(c->f->cp_writes, 0);
}

static void test_reconnects_after_disconnect(void **state)
{
        Ctx *c = *state;
        const uint8_t req[] = {0x00};
        const TransportEvent *ev;

        ctx_up(c);
        c->f->cp_silent = true;
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        run_for(c->e, 10 * USEC_PER_MSEC);

        fake_device_drop(c->tm.dev); /* link loss */
        assert_true(run_until(c->e, pred_treadmill_down, c));
        ev = last_event(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL);
        assert_non_null(strstr(ev->link.reason, "removed") ?: strstr(ev->link.reason, "disconn")
                                ?: strstr(ev->link.reason, "resolved"));
        /* Every accepted write got its answer: in flight + queued. */
        assert_int_equal(count_events(c, TRANSPORT_EVENT_CP_WRITE_FAILED, -1), 2);
        ev = last_event(c, TRANSPORT_EVENT_CP_WRITE_FAILED, -1);
        assert_int_equal(ev->cp_write_error.error, -ENOTCONN);

        /* Back by itself, resubscribed. */
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 2);
        assert_int_equal(fake_count(c->f, c->tm.data->path, "StartNotify"), 2);
        assert_true(c->tm.data->notifying && c->tm.cp->notifying);
        /* The strap was not disturbed. */
        assert_int_equal(fake_count(c->f, c->strap.dev->path, "Connect"), 1);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP), 1);
}

static void test_services_unresolved_reconnects(void **state)
{
        Ctx *c = *state;
        const TransportEvent *ev;

        ctx_up(c);
        /* Still connected, but the GATT database is being rediscovered. */
        c->strap.dev->resolved = false;
        fake_emit(c->strap.dev, "ServicesResolved");
        wait_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP, 2);
        ev = NULL;
        for (size_t i = 0; i < c->n_ev; i++)
                if (c->ev[i].ev.type == TRANSPORT_EVENT_LINK &&
                    c->ev[i].ev.role == TRANSPORT_ROLE_STRAP && !c->ev[i].ev.link.up)
                        ev = &c->ev[i].ev;
        assert_non_null(ev);
        assert_string_equal(ev->link.reason, "services no longer resolved");
        wait_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP, 3);
        assert_true(pred_strap_up(c));
        assert_int_equal(fake_count(c->f, c->strap.hrm->path, "StartNotify"), 2);
        assert_true(link_is(c, TRANSPORT_ROLE_TREADMILL, true));
}

static void test_connect_in_progress_elsewhere(void **state)
{
        Ctx *c = *state;

        ctx_fake(c, false);
        /* Another client is connecting: wait for the properties, then retry. */
        c->cfg.resolve_timeout_usec = 50 * USEC_PER_MSEC;
        fake_fail(c->f, c->tm.dev->path, "Connect", "org.bluez.Error.InProgress", 1);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 2);
}

static void on_event_rewrite(const TransportEvent *ev, void *userdata)
{
        Ctx *c = userdata;
        const uint8_t req[] = {0x00};

        on_event(ev, userdata);
        /* An impatient engine retrying from inside the callback. */
        if (ev->type == TRANSPORT_EVENT_CP_WRITE_FAILED ||
            (ev->type == TRANSPORT_EVENT_LINK && !ev->link.up))
                assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), -ENOTCONN);
}

static void test_cp_write_from_callback_on_link_loss(void **state)
{
        Ctx *c = *state;
        const uint8_t req[] = {0x00};

        ctx_up(c);
        c->t->handler = on_event_rewrite;
        c->f->cp_silent = true;
        assert_int_equal(transport_write_control_point(c->t, req, sizeof(req)), 0);
        run_for(c->e, 10 * USEC_PER_MSEC);
        fake_device_drop(c->tm.dev);
        assert_true(run_until(c->e, pred_treadmill_down, c));
        assert_int_equal(count_events(c, TRANSPORT_EVENT_CP_WRITE_FAILED, -1), 1);
        assert_int_equal(c->f->cp_writes, 1);
}

static bool pred_connects_4(void *p)
{
        Ctx *c = p;

        return pred_treadmill_up(c) && fake_count(c->f, c->tm.dev->path, "Connect") >= 4;
}

static void test_connect_failures_back_off_and_recover(void **state)
{
        Ctx *c = *state;
        BluezStats st;

        ctx_fake(c, false);
        fake_fail(c->f, c->tm.dev->path, "Connect", "org.bluez.Error.Failed", 3);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_connects_4, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 4);
        /* No link-up before success, and no link-down for a link never up. */
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL), 1);
        bluez_transport_get_stats(c->t, &st);
        assert_int_equal(st.link_losses, 0);
}

static bool pred_connects_5(void *p)
{
        Ctx *c = p;

        return fake_count(c->f, c->tm.dev->path, "Connect") >= 5;
}

static size_t count_substr(const char *hay, const char *needle)
{
        size_t n = 0;

        for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

static void test_repeated_failure_logged_once(void **state)
{
        Ctx *c = *state;
        char path[] = "/tmp/paced-test-log-XXXXXX", buf[16384] = {};
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        ssize_t n;

        assert_true(fd >= 0 && saved >= 0);
        log_set_target(LOG_TARGET_CONSOLE);
        ctx_fake(c, false);
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        fake_fail(c->f, c->tm.dev->path, "Connect", "org.bluez.Error.Failed", UINT32_MAX);
        dup2(fd, STDERR_FILENO);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_connects_5, c));
        dup2(saved, STDERR_FILENO);
        close(saved);
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        unlink(path);
        assert_true(n > 0);
        /* Five attempts, one warning: repeats of the same failure stay at debug level. */
        assert_int_equal(count_substr(buf, "Connect failed"), 1);
        assert_int_equal(count_substr(buf, "warning: treadmill"), 1);
}

/* Every link state change goes through one logged enter_state that names the device. */
static void test_link_transitions_logged(void **state)
{
        Ctx *c = *state;
        char path[] = "/tmp/paced-test-log-XXXXXX", buf[65536] = {};
        int fd = mkstemp(path), saved = dup(STDERR_FILENO), level = log_get_max_level();
        ssize_t n;

        assert_true(fd >= 0 && saved >= 0);
        log_set_target(LOG_TARGET_CONSOLE);
        log_set_max_level(LOG_DEBUG);
        ctx_fake(c, false);
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        dup2(fd, STDERR_FILENO);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        dup2(saved, STDERR_FILENO);
        close(saved);
        log_set_max_level(level);
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        unlink(path);
        assert_true(n > 0);
        assert_non_null(strstr(buf, "treadmill (none): disabled -> waiting (configured)"));
        assert_non_null(strstr(buf, ": waiting -> connecting (device found)"));
        assert_non_null(strstr(buf, "treadmill " TREADMILL_ADDR ": connecting -> resolving"));
        assert_non_null(strstr(buf, "treadmill " TREADMILL_ADDR ": resolving -> setup"));
        assert_non_null(strstr(buf, "treadmill " TREADMILL_ADDR ": setup -> ready (subscribed)"));
}

static void test_start_notify_errors(void **state)
{
        Ctx *c = *state;

        ctx_fake(c, false);
        /* Required characteristic: retried until it works. */
        fake_fail(c->f, c->tm.data->path, "StartNotify", "org.bluez.Error.NotPermitted", 1);
        fake_fail(c->f, c->strap.hrm->path, "StartNotify", "org.bluez.Error.InProgress", 1);
        /* Optional ones failing for good: the link comes up without them. */
        fake_fail(c->f, c->tm.status->path, "StartNotify", "org.bluez.Error.Failed", UINT32_MAX);
        fake_fail(c->f, c->tm.cp->path, "StartNotify", "org.bluez.Error.NotPermitted", UINT32_MAX);
        /* Optional read failing: no ranges, still usable. */
        fake_fail(c->f, c->tm.speed_range->path, "ReadValue", "org.bluez.Error.Failed", UINT32_MAX);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->tm.data->path, "StartNotify"), 2);
        assert_int_equal(fake_count(c->f, c->strap.hrm->path, "StartNotify"), 2);
        assert_true(c->tm.data->notifying && !c->tm.status->notifying);
        assert_false(last_event(c, TRANSPORT_EVENT_CAPABILITIES, -1)->caps.has_speed_range);
        assert_true(last_event(c, TRANSPORT_EVENT_CAPABILITIES, -1)->caps.has_incline_range);
        /* No indications on the CP: no control, and writes are refused up front. */
        assert_false(last_event(c, TRANSPORT_EVENT_CAPABILITIES, -1)->caps.has_control_point);
        assert_int_equal(transport_write_control_point(c->t, (const uint8_t[]){0x00}, 1),
                         -EOPNOTSUPP);
        /* The failed attempt released the device before retrying. */
        assert_true(fake_count(c->f, c->tm.dev->path, "Disconnect") >= 1);
}

static bool pred_reconnected(void *p)
{
        Ctx *c = p;

        return pred_treadmill_up(c) && fake_count(c->f, c->tm.dev->path, "Connect") >= 2;
}

static void test_device_removal_and_return(void **state)
{
        Ctx *c = *state;

        ctx_up(c);
        fake_remove_device(c->f, c->tm.dev); /* hidden again: found only by scanning */
        assert_true(run_until(c->e, pred_treadmill_down, c));
        assert_true(run_until(c->e, pred_reconnected, c));
        /* It had to be found again by scanning (it was known, so no scan before). */
        assert_int_equal(fake_count(c->f, c->hci0->path, "StartDiscovery"), 1);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 2);
}

static void test_bluetoothd_exit_and_restart(void **state)
{
        Ctx *c = *state;
        const TransportEvent *ev;

        ctx_up(c);
        c->f = fake_bluez_free(c->f); /* bluetoothd exits */
        assert_true(run_until(c->e, pred_both_down, c));
        ev = last_event(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP);
        assert_string_equal(ev->link.reason, "bluetoothd exited");
        run_for(c->e, 100 * USEC_PER_MSEC); /* retries with nothing there: no crash, no spin */

        ctx_fake(c, false); /* bluetoothd is back, same devices */
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL), 3);
}

static void test_bluetoothd_started_after_paced(void **state)
{
        Ctx *c = *state;

        ctx_transport(c); /* nobody owns org.bluez yet */
        run_for(c->e, 100 * USEC_PER_MSEC);
        assert_int_equal(c->n_ev, 0);
        ctx_fake(c, false);
        assert_true(run_until(c->e, pred_both_up, c));
}

static bool pred_scan_cycles(void *p)
{
        Ctx *c = p;

        return fake_count(c->f, c->hci0->path, "StartDiscovery") >= 3 &&
               fake_count(c->f, c->hci0->path, "StopDiscovery") >= 2;
}

static void test_missing_device_scans_in_windows(void **state)
{
        Ctx *c = *state;

        ctx_fake(c, false);
        /* The strap is never around: scanning pauses between windows. */
        free(c->strap.dev->adapter);
        c->strap.dev->adapter = strdup("/org/bluez/hci9");
        c->cfg.scan_timeout_usec = 30 * USEC_PER_MSEC;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_true(run_until(c->e, pred_scan_cycles, c));
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP), 0);
        /* The treadmill was never disturbed by the scanning. */
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL), 1);
}

static void test_configured_adapter_only(void **state)
{
        static const uint16_t tm_svcs[] = {0x1826};
        Ctx *c = *state;
        FakeTreadmillGatt other = {};

        ctx_fake(c, false);
        /* One bluetoothd, two controllers: the same peer appears under both. */
        c->hci1 = fake_add_adapter(c->f, "hci1", "00:AA:01:01:00:01", true);
        other.dev = fake_add_device(c->f, c->hci1, TREADMILL_ADDR, "FS-6041F1", tm_svcs, 1, false);
        fake_treadmill_gatt(c->f, &other);
        c->cfg.adapter = "hci1";
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_int_equal(fake_count(c->f, other.dev->path, "Connect"), 1);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 0);
        assert_true(other.data->notifying && !c->tm.data->notifying);
}

static void test_waits_for_powered_adapter(void **state)
{
        Ctx *c = *state;

        ctx_fake(c, false);
        c->hci0->powered = false;
        fake_emit(c->hci0, "Powered");
        ctx_transport(c);
        run_for(c->e, 100 * USEC_PER_MSEC);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 0);
        assert_int_equal(c->n_ev, 0);

        fake_set_powered(c->hci0, true);
        assert_true(run_until(c->e, pred_both_up, c));

        /* Powered off under us: links down, then back when powered again. */
        fake_set_powered(c->hci0, false);
        assert_true(run_until(c->e, pred_both_down, c));
        fake_set_powered(c->hci0, true);
        assert_true(run_until(c->e, pred_both_up, c));
}

static void test_selectors_pick_the_configured_device(void **state)
{
        static const uint16_t tm_svcs[] = {0x1826};
        Ctx *c = *state;
        FakeTreadmillGatt b = {};
        FakeStrapGatt s2 = {};
        static const uint16_t hr_svcs[] = {0x180D};

        ctx_fake(c, false);
        b.dev = fake_add_device(c->f, c->hci0, "F0:AA:00:00:00:0B", "Treadmill B", tm_svcs, 1,
                                false);
        b.dev->rssi = -90;
        fake_treadmill_gatt(c->f, &b);
        s2.dev = fake_add_device(c->f, c->hci0, "F0:AA:00:00:00:0C", "Strap C", hr_svcs, 1, false);
        s2.dev->rssi = -30;
        fake_strap_gatt(c->f, &s2, false);
        c->cfg.selector[TRANSPORT_ROLE_TREADMILL] = "Treadmill B";   /* by name */
        c->cfg.selector[TRANSPORT_ROLE_STRAP] = "f0:aa:00:00:00:02"; /* by address, any case */
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, b.dev->path, "Connect"), 1);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 0);
        assert_int_equal(fake_count(c->f, c->strap.dev->path, "Connect"), 1);
        assert_int_equal(fake_count(c->f, s2.dev->path, "Connect"), 0);
}

static bool pred_shared_released(void *p)
{
        Ctx *c = p;

        return fake_count(c->f, c->tm.dev->path, "Disconnect") == 1 && !c->tm.data->notifying &&
               !c->strap.hrm->notifying;
}

static void test_one_device_serves_both_roles(void **state)
{
        static const uint16_t both[] = {0x1826, 0x180D};
        Ctx *c = *state;

        /* Like the e2e virtual peripheral: treadmill and HRS on one address. */
        assert_int_equal(fake_bluez_new(&c->f, c->e, &c->bus), 0);
        c->hci0 = fake_add_adapter(c->f, "hci0", "00:AA:01:00:00:00", true);
        c->tm.dev = fake_add_device(c->f, c->hci0, TREADMILL_ADDR, "Combo", both, 2, false);
        fake_treadmill_gatt(c->f, &c->tm);
        c->strap.dev = c->tm.dev;
        fake_strap_gatt(c->f, &c->strap, false);
        c->cfg.selector[TRANSPORT_ROLE_TREADMILL] = TREADMILL_ADDR;
        c->cfg.selector[TRANSPORT_ROLE_STRAP] = TREADMILL_ADDR;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        notify_hex(c, c->strap.hrm, "167310020d02"); /* Polar H7 (TMIW) */
        wait_events(c, TRANSPORT_EVENT_HEART_RATE, TRANSPORT_ROLE_STRAP, 1);

        /* A link loss takes both roles down; both come back. */
        fake_device_drop(c->tm.dev);
        assert_true(run_until(c->e, pred_both_down, c));
        assert_true(run_until(c->e, pred_both_up, c));

        /* Released once at shutdown. */
        c->f->n_calls = 0;
        transport_shutdown(c->t);
        assert_true(run_until(c->e, pred_shared_released, c));
}

/*
 * With one device as both roles, both links called Connect at once and
 * bluetoothd 5.66 refused the second ("Operation already in progress"): a
 * warning, a back-off, a slower reconnect. One Connect per device at a time.
 */
static void test_shared_device_one_connect_at_a_time(void **state)
{
        static const uint16_t both[] = {0x1826, 0x180D};
        Ctx *c = *state;

        assert_int_equal(fake_bluez_new(&c->f, c->e, &c->bus), 0);
        c->hci0 = fake_add_adapter(c->f, "hci0", "00:AA:01:00:00:00", true);
        c->tm.dev = fake_add_device(c->f, c->hci0, TREADMILL_ADDR, "Combo", both, 2, false);
        c->tm.dev->connect_usec = 30 * USEC_PER_MSEC; /* 60-140 ms in the e2e VM */
        fake_treadmill_gatt(c->f, &c->tm);
        c->strap.dev = c->tm.dev;
        fake_strap_gatt(c->f, &c->strap, false);
        c->cfg.selector[TRANSPORT_ROLE_TREADMILL] = TREADMILL_ADDR;
        c->cfg.selector[TRANSPORT_ROLE_STRAP] = TREADMILL_ADDR;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
        assert_int_equal(c->f->connects_refused, 0);

        /* The link drops: both roles come back with one Connect again. */
        fake_device_drop(c->tm.dev);
        assert_true(run_until(c->e, pred_both_down, c));
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 2);
        assert_int_equal(c->f->connects_refused, 0);
        assert_int_equal(count_events(c, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP), 3);
}

/* Nothing to undo if a link's Connect fails: the other link tries its own. */
static void test_shared_device_connect_failure_passes_on(void **state)
{
        static const uint16_t both[] = {0x1826, 0x180D};
        Ctx *c = *state;

        assert_int_equal(fake_bluez_new(&c->f, c->e, &c->bus), 0);
        c->hci0 = fake_add_adapter(c->f, "hci0", "00:AA:01:00:00:00", true);
        c->tm.dev = fake_add_device(c->f, c->hci0, TREADMILL_ADDR, "Combo", both, 2, false);
        c->tm.dev->connect_usec = 30 * USEC_PER_MSEC;
        fake_treadmill_gatt(c->f, &c->tm);
        c->strap.dev = c->tm.dev;
        fake_strap_gatt(c->f, &c->strap, false);
        c->cfg.selector[TRANSPORT_ROLE_TREADMILL] = TREADMILL_ADDR;
        c->cfg.selector[TRANSPORT_ROLE_STRAP] = TREADMILL_ADDR;
        fake_fail(c->f, c->tm.dev->path, "Connect", "org.bluez.Error.Failed: Page Timeout", 1);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 2);
        assert_int_equal(c->f->connects_refused, 0);
}

/*
 * bluetoothd 5.66 says "another Connect of this device is under way" as
 * org.bluez.Error.Failed "Operation already in progress": that means wait for
 * the device, not fail (no warning, no back-off).
 */
static void test_connect_failed_in_progress_means_wait(void **state)
{
        Ctx *c = *state;
        char path[] = "/tmp/paced-test-log-XXXXXX", buf[16384] = {};
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        ssize_t n;

        assert_true(fd >= 0 && saved >= 0);
        log_set_target(LOG_TARGET_CONSOLE);
        ctx_fake(c, false);
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        fake_fail(c->f, c->tm.dev->path, "Connect",
                  "org.bluez.Error.Failed: Operation already in progress", 1);
        /* Another client's connection of the device completes meanwhile. */
        fake_device_connect_later(c->tm.dev, 20 * USEC_PER_MSEC);
        dup2(fd, STDERR_FILENO);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        dup2(saved, STDERR_FILENO);
        close(saved);
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        unlink(path);
        assert_true(n >= 0);
        assert_int_equal(count_substr(buf, "warning:"), 0);
        assert_int_equal(count_substr(buf, "Connect failed"), 0);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
}

static void test_auto_strap_prefers_dedicated_strap(void **state)
{
        Ctx *c = *state;

        ctx_fake(c, false);
        /* The treadmill also serves HRS, with a much stronger signal. */
        c->tm.dev->uuids[1] = strdup("0000180d-0000-1000-8000-00805f9b34fb");
        c->tm.dev->rssi = -20;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_both_up, c));
        assert_int_equal(fake_count(c->f, c->strap.dev->path, "Connect"), 1);
        assert_true(c->strap.hrm->notifying);
}

static void test_auto_selection_skips_non_treadmill(void **state)
{
        static const uint16_t ftms[] = {0x1826};
        Ctx *c = *state;
        FakeObject *bike, *svc;

        ctx_fake(c, false);
        /* An FTMS bike without Treadmill Data, with the stronger signal. */
        bike = fake_add_device(c->f, c->hci0, "F0:AA:00:00:00:0D", "Bike", ftms, 1, false);
        bike->rssi = -20;
        svc = fake_add_service(c->f, bike, 0x000a, 0x1826);
        fake_add_char(c->f, svc, 0x000b, 0x2AD2, "notify", NULL, 0); /* Indoor Bike Data */
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_int_equal(fake_count(c->f, bike->path, "Connect"), 1);
        assert_true(fake_count(c->f, bike->path, "Disconnect") >= 1);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
}

static void test_auto_selection_reads_ftms_machine_type(void **state)
{
        static const uint16_t ftms[] = {0x1826};
        Ctx *c = *state;
        FakeTreadmillGatt bike = {};

        ctx_fake(c, false);
        c->tm.dev->ftms_type = 0x0001; /* Treadmill */
        /* An indoor bike (type bit 5) advertising FTMS, strongest signal: never tried. */
        bike.dev = fake_add_device(c->f, c->hci0, "F0:AA:00:00:00:0E", "Bike", ftms, 1, false);
        bike.dev->rssi = -10;
        bike.dev->ftms_type = 0x0020;
        fake_treadmill_gatt(c->f, &bike);
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_int_equal(fake_count(c->f, bike.dev->path, "Connect"), 0);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
}

static bool pred_resolve_retry(void *p)
{
        Ctx *c = p;

        return fake_count(c->f, c->tm.dev->path, "Connect") >= 2;
}

static void test_resolve_timeout_disconnects_and_retries(void **state)
{
        Ctx *c = *state;

        c->cfg.resolve_timeout_usec = 50 * USEC_PER_MSEC;
        ctx_fake(c, false);
        c->tm.dev->no_resolve = true;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_resolve_retry, c));
        assert_true(fake_count(c->f, c->tm.dev->path, "Disconnect") >= 1);
        c->tm.dev->no_resolve = false;
        assert_true(run_until(c->e, pred_treadmill_up, c));
}

/* The treadmill alone (after ctx_fake()), connected through fake-bluez with
 * one of the orders bluetoothd 5.66 was seen to use (quirk, a flag of the
 * fake device): exactly one Connect, no Disconnect. */
static void connect_treadmill_quirk(Ctx *c, bool *quirk)
{
        *quirk = true;
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Disconnect"), 0);
}

/* bluetoothd 5.66: connected and resolved, but neither was signalled. The
 * client reads the properties back instead of waiting for the resolve timeout. */
static void test_connect_without_signals_reads_properties(void **state)
{
        Ctx *c = *state;

        ctx_fake(c, false);
        connect_treadmill_quirk(c, &c->tm.dev->silent_connect);
        assert_true(c->tm.data->notifying && c->tm.cp->notifying);
}

/* bluetoothd 5.66: ServicesResolved before the GATT objects are exported. An
 * automatically chosen treadmill is not taken for a non-treadmill and skipped. */
static void test_resolved_before_gatt_objects(void **state)
{
        Ctx *c = *state;

        ctx_fake(c, false);
        connect_treadmill_quirk(c, &c->tm.dev->resolved_first);
}

/* bluetoothd exports the GATT objects one by one: the client does not set up
 * as soon as Treadmill Data is there, or a treadmill that supports speed
 * control (Feature, Control Point still to come) would be driven in
 * monitor-only mode. */
static void test_gatt_objects_exported_one_by_one(void **state)
{
        Ctx *c = *state;
        const TransportEvent *ev;

        ctx_fake(c, false);
        connect_treadmill_quirk(c, &c->tm.dev->staggered);
        assert_int_equal(fake_count(c->f, c->tm.feature->path, "ReadValue"), 1);
        assert_true(c->tm.cp->notifying && c->tm.status->notifying);
        ev = last_event(c, TRANSPORT_EVENT_CAPABILITIES, TRANSPORT_ROLE_TREADMILL);
        assert_non_null(ev);
        assert_int_equal(ev->caps.feature.target, 0x03);
        assert_true(ev->caps.has_control_point && ev->caps.has_speed_range);
}

/* A stale ServicesResolved (Connected false signalled alone) does not start
 * the next setup before the GATT objects are back. */
static void test_disconnect_clears_resolved(void **state)
{
        Ctx *c = *state;

        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        ctx_fake(c, false);
        ctx_transport(c);
        assert_true(run_until(c->e, pred_treadmill_up, c));
        /* The link drops; bluetoothd says only Connected false. */
        c->tm.dev->resolved = false;
        c->tm.dev->connected = false;
        for (size_t i = 0; i < c->f->n_objects; i++)
                if (fake_is_child(c->tm.dev, c->f->objects[i]))
                        fake_unexport(c->f->objects[i]);
        fake_emit(c->tm.dev, "Connected");
        assert_true(run_until(c->e, pred_treadmill_down, c));
        c->tm.dev->resolved_first = true;
        assert_true(run_until(c->e, pred_treadmill_up, c));
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 2);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Disconnect"), 0);
}

static bool pred_released(void *p)
{
        Ctx *c = p;

        return fake_count(c->f, c->tm.dev->path, "Disconnect") == 1 &&
               fake_count(c->f, c->strap.dev->path, "Disconnect") == 1 && !c->tm.data->notifying &&
               !c->strap.hrm->notifying;
}

static void test_shutdown_releases_devices(void **state)
{
        Ctx *c = *state;

        ctx_up(c);
        transport_shutdown(c->t);
        assert_true(pred_both_down(c));
        assert_true(run_until(c->e, pred_released, c));
        assert_int_equal(fake_count(c->f, c->tm.data->path, "StopNotify"), 1);
        assert_int_equal(fake_count(c->f, c->tm.cp->path, "StopNotify"), 1);
        assert_int_equal(fake_count(c->f, c->strap.hrm->path, "StopNotify"), 1);
        /* Nothing reconnects after shutdown. */
        run_for(c->e, 150 * USEC_PER_MSEC);
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 1);
}

typedef struct ScanOut {
        bool done;
        int error;
        size_t n;
        bool saw_treadmill, saw_strap;
        int16_t rssi;
} ScanOut;

static void on_scan(int error, const BluezScanResult *res, size_t n, void *userdata)
{
        ScanOut *o = userdata;

        o->done = true;
        o->error = error;
        o->n = n;
        for (size_t i = 0; i < n; i++) {
                if (streq(res[i].address, TREADMILL_ADDR) && res[i].ftms &&
                    streq_ptr(res[i].name, "FS-6041F1")) {
                        o->saw_treadmill = true;
                        o->rssi = res[i].has_rssi ? res[i].rssi : 0;
                }
                if (streq(res[i].address, STRAP_ADDR) && res[i].hrs && !res[i].ftms)
                        o->saw_strap = true;
        }
}

static bool pred_scan_done(void *p)
{
        return ((ScanOut *)p)->done;
}

static void test_scan_lists_devices(void **state)
{
        Ctx *c = *state;
        ScanOut out = {};

        c->cfg.scan = BLUEZ_SCAN_NEVER;
        c->cfg.disabled[TRANSPORT_ROLE_TREADMILL] = true;
        c->cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        ctx_fake(c, true);
        ctx_transport(c);
        assert_int_equal(bluez_transport_scan(c->t, 50 * USEC_PER_MSEC, false, on_scan, &out),
                         -ENODEV); /* objects not loaded yet */
        run_for(c->e, 30 * USEC_PER_MSEC);
        assert_int_equal(fake_count(c->f, c->hci0->path, "StartDiscovery"), 0);
        /* Long enough for the two round trips that start discovery on a loaded machine. */
        assert_int_equal(bluez_transport_scan(c->t, 2 * USEC_PER_SEC, false, on_scan, &out), 0);
        assert_int_equal(bluez_transport_scan(c->t, 50 * USEC_PER_MSEC, false, on_scan, &out),
                         -EBUSY);
        assert_true(run_until(c->e, pred_scan_done, &out));
        assert_int_equal(out.error, 0);
        assert_true(out.saw_treadmill && out.saw_strap);
        assert_int_equal(out.rssi, -60);
        assert_int_equal(fake_count(c->f, c->hci0->path, "StartDiscovery"), 1);
        assert_true(run_until(c->e, pred_discovery_stopped, c));
        /* Scanning connects nothing. */
        assert_int_equal(fake_count(c->f, c->tm.dev->path, "Connect"), 0);

        /* A scan cut short by shutdown still answers, once. */
        out = (ScanOut){};
        assert_int_equal(bluez_transport_scan(c->t, 60 * USEC_PER_SEC, false, on_scan, &out), 0);
        transport_shutdown(c->t);
        assert_true(out.done);
        assert_int_equal(out.error, -ECANCELED);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_backoff_doubles_and_caps),
                cmocka_unit_test(test_config_role_values),
                cmocka_unit_test(test_config_footpod_opt_in),
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_footpod_off_by_default),
                T(test_footpod_never_a_treadmill),
                T(test_footpod_auto_connects_and_decodes),
                T(test_discovers_connects_and_subscribes),
                T(test_known_devices_used_without_scanning),
                T(test_notifications_decode_real_vectors),
                T(test_acquire_notify_with_fallback),
                T(test_acquire_notify_refused_falls_back),
                T(test_acquire_notify_already_notifying_falls_back),
                T(test_acquire_notify_socket_closed_reacquires),
                T(test_treadmill_hr_used_without_strap),
                T(test_cp_round_trip_one_in_flight),
                T(test_cp_write_errors_reported),
                T(test_cp_missing_indication_times_out),
                T(test_cp_rejected_while_down_or_invalid),
                T(test_reconnects_after_disconnect),
                T(test_connect_failures_back_off_and_recover),
                T(test_cp_write_from_callback_on_link_loss),
                T(test_services_unresolved_reconnects),
                T(test_connect_in_progress_elsewhere),
                T(test_repeated_failure_logged_once),
                T(test_link_transitions_logged),
                T(test_start_notify_errors),
                T(test_device_removal_and_return),
                T(test_bluetoothd_exit_and_restart),
                T(test_bluetoothd_started_after_paced),
                T(test_missing_device_scans_in_windows),
                T(test_configured_adapter_only),
                T(test_waits_for_powered_adapter),
                T(test_selectors_pick_the_configured_device),
                T(test_one_device_serves_both_roles),
                T(test_shared_device_one_connect_at_a_time),
                T(test_shared_device_connect_failure_passes_on),
                T(test_connect_failed_in_progress_means_wait),
                T(test_auto_strap_prefers_dedicated_strap),
                T(test_auto_selection_skips_non_treadmill),
                T(test_auto_selection_reads_ftms_machine_type),
                T(test_resolve_timeout_disconnects_and_retries),
                T(test_connect_without_signals_reads_properties),
                T(test_resolved_before_gatt_objects),
                T(test_disconnect_clears_resolved),
                T(test_gatt_objects_exported_one_by_one),
                T(test_shutdown_releases_devices),
                T(test_scan_lists_devices),
#undef T
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
