/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The safety monitor on its own: each invariant, fed the writes and reports
 * that break it, must say so (and accept what keeps it). Without these the
 * monitor watching every other test could be a monitor that never fires.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "safety-monitor.h"

#define S(x) ((uint64_t)((x) * (double)USEC_PER_SEC))

typedef struct M {
        SafetyMonitor *m;
        uint64_t now;
} M;

static void m_event(M *t, TransportEvent ev)
{
        safety_monitor_observe(t->m, t->now, &ev);
}

static void m_link_caps(M *t)
{
        TransportEvent caps = {.type = TRANSPORT_EVENT_CAPABILITIES,
                               .role = TRANSPORT_ROLE_TREADMILL};

        caps.caps = (TransportCapabilities){
                .feature = {.target = FTMS_TARGET_SPEED | FTMS_TARGET_INCLINATION},
                .has_speed_range = true,
                .speed_range = {.min = 1.0, .max = 20.0, .increment = 0.1},
                .has_incline_range = true,
                .incline_range = {.min = 0, .max = 15, .increment = 0.5},
                .has_control_point = true,
        };
        m_event(t, caps);
        m_event(t, (TransportEvent){.type = TRANSPORT_EVENT_LINK,
                                    .role = TRANSPORT_ROLE_TREADMILL,
                                    .link = {.up = true}});
}

static void m_data(M *t, double kmh)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_TREADMILL_DATA,
                             .role = TRANSPORT_ROLE_TREADMILL};

        ev.treadmill.present = FTMS_FIELD_BIT(FTMS_FIELD_SPEED);
        ev.treadmill.speed_kmh = kmh;
        m_event(t, ev);
}

static void m_status(M *t, uint8_t op, double value)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_MACHINE_STATUS,
                             .role = TRANSPORT_ROLE_TREADMILL};

        ev.status.op = op;
        ev.status.known = true;
        ev.status.value = value;
        ev.status.stop_pause = FTMS_STOP_PARAM_STOP;
        m_event(t, ev);
}

static void m_ok(M *t, uint8_t op)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_CP_RESPONSE, .role = TRANSPORT_ROLE_TREADMILL};

        ev.cp_response.request_op = op;
        ev.cp_response.result = FTMS_RESULT_SUCCESS;
        m_event(t, ev);
}

static void m_hr(M *t, unsigned bpm)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_HEART_RATE, .role = TRANSPORT_ROLE_STRAP};

        ev.hr.heart_rate_bpm = (uint16_t)bpm;
        ev.hr.contact = HRS_CONTACT_DETECTED;
        m_event(t, ev);
}

/* Writes (and, if allowed, the treadmill accepts) a command; returns the check's result. */
static int m_write(M *t, uint8_t op, double value, SafetyViolation *v)
{
        FtmsControlCommand c = {.op = op, .value = value, .stop_pause = FTMS_STOP_PARAM_PAUSE};
        int r = safety_monitor_check_write(t->m, t->now, &c, v);

        if (r >= 0)
                m_ok(t, op);
        return r;
}

/* Control held, the belt started on the console and running at kmh. */
static void m_setup(M *t, SafetyMonitorConfig *c, double kmh)
{
        SafetyViolation v;

        t->now = S(1000);
        assert_int_equal(safety_monitor_new(&t->m, c), 0);
        m_link_caps(t);
        m_status(t, FTMS_STATUS_STARTED_OR_RESUMED, 0);
        m_data(t, kmh);
        assert_int_equal(m_write(t, FTMS_CP_REQUEST_CONTROL, 0, &v), 0);
}

static SafetyMonitorConfig config(void)
{
        SafetyMonitorConfig c;

        safety_monitor_config_init(&c);
        c.safety.max_speed_kmh = 14;
        c.safety.max_accel_kmhps = 0.5;
        c.safety.max_incline_pct = 8;
        c.safety.max_incline_rate_pps = 0.5;
        return c;
}

static void test_range(void **state)
{
        SafetyMonitorConfig c = config();
        SafetyViolation v;
        M t;

        m_setup(&t, &c, 13.8);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 14.0, &v), 0);
        t.now += S(1);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 14.01, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_SPEED_RANGE);
        /* Calibration: 13.6 on the belt reads 14.008 true. */
        c.calibration.factor = 1.03;
        safety_monitor_set_config(t.m, &c);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 13.6, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_SPEED_RANGE);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_INCLINATION, 8.1, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_INCLINE_RANGE);
        /* Below the machine's minimum. */
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 0.5, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_SPEED_RANGE);
        safety_monitor_free(t.m);
}

static void test_rate_from_accepted_and_reported(void **state)
{
        SafetyMonitorConfig c = config();
        SafetyViolation v;
        M t;

        m_setup(&t, &c, 8.0);
        /* One step from the reported 8.0, a second apart: fine. */
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 8.5, &v), 0);
        t.now += S(1);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 9.0, &v), 0);
        /* Two steps at once from the accepted 9.0 (the belt reads 8.0): refused. */
        t.now += S(1);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 10.0, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_SPEED_RATE);
        /* A full step only 0.3 s after the last one: refused. */
        t.now += S(1);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 9.5, &v), 0);
        t.now += S(0.3);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 10.0, &v), -EPERM);
        /* The console took the belt to 12: a step from what it reports is fine. */
        t.now += S(1);
        m_status(&t, FTMS_STATUS_TARGET_SPEED_CHANGED, 12.0);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 11.5, &v), 0);
        /* Incline: 0 -> 2 % at 0.5 %/s is refused. */
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_INCLINATION, 2.0, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_INCLINE_RATE);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_INCLINATION, 0.5, &v), 0);
        safety_monitor_free(t.m);
}

static void test_runner_stopped(void **state)
{
        SafetyMonitorConfig c = config();
        SafetyViolation v;
        M t;

        m_setup(&t, &c, 10.0);
        m_status(&t, FTMS_STATUS_STOPPED_OR_PAUSED, 0);
        m_data(&t, 9.2); /* coasting */
        assert_true(safety_monitor_runner_stopped(t.m));
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 9.0, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_RUNNER_STOPPED);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_INCLINATION, 0.5, &v), -EPERM);
        /* Stop is always allowed; a Start only on a user's request. */
        assert_int_equal(m_write(&t, FTMS_CP_STOP_OR_PAUSE, 0, &v), 0);
        assert_int_equal(m_write(&t, FTMS_CP_START_OR_RESUME, 0, &v), -EPERM);
        safety_monitor_user_start(t.m, t.now);
        assert_int_equal(m_write(&t, FTMS_CP_START_OR_RESUME, 0, &v), 0);
        /* Once: a second (a retry) is refused. */
        assert_int_equal(m_write(&t, FTMS_CP_START_OR_RESUME, 0, &v), -EPERM);
        /* Seen standing, then moving: restarted by the runner. */
        m_data(&t, 0);
        m_data(&t, 1.2);
        assert_false(safety_monitor_runner_stopped(t.m));
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 1.5, &v), 0);
        /* The safety key, then the console's start (status). */
        m_status(&t, FTMS_STATUS_STOPPED_SAFETY_KEY, 0);
        t.now += S(1);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 1.5 + 0.5, &v), -EPERM);
        m_status(&t, FTMS_STATUS_STARTED_OR_RESUMED, 0);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 2.0, &v), 0);
        safety_monitor_free(t.m);
}

static void test_hr_ceiling_every_mode(void **state)
{
        SafetyMonitorConfig c = config();
        SafetyViolation v;
        M t;

        c.safety.hr_ceiling_bpm = 140;
        c.safety.recovery_speed_kmh = 5;
        m_setup(&t, &c, 12.0);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 12.0, &v), 0);
        for (int i = 0; i < 10; i++) {
                m_hr(&t, 180);
                m_data(&t, 12.0);
                t.now += S(1);
                assert_int_equal(safety_monitor_check(t.m, t.now, &v), 0);
        }
        /* The window is over: a raise is refused at once ... */
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 12.5, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_HR_CEILING);
        /* ... and nothing slowing it for the grace time is a violation. */
        for (int i = 0; i < 6; i++) {
                m_hr(&t, 180);
                m_data(&t, 12.0);
                t.now += S(1);
        }
        assert_int_equal(safety_monitor_check(t.m, t.now, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_HR_CEILING);
        safety_monitor_free(t.m);

        /* Slowing step by step keeps it. */
        m_setup(&t, &c, 12.0);
        for (int i = 0; i < 30; i++) {
                double target = fmax(12.0 - 0.5 * (i > 10 ? i - 10 : 0), 5.0);

                m_hr(&t, 180);
                m_data(&t, target);
                if (i > 10)
                        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, target, &v), 0);
                t.now += S(1);
                assert_int_equal(safety_monitor_check(t.m, t.now, &v), 0);
        }
        safety_monitor_free(t.m);
}

static void test_stop_policy(void **state)
{
        SafetyMonitorConfig c = config();
        SafetyViolation v;
        uint64_t until;
        M t;

        /* Nothing happens after a stop began: a violation, once. */
        m_setup(&t, &c, 12.0);
        safety_monitor_stop_begin(t.m, t.now, SAFETY_STOP_COOLDOWN, 5.0);
        until = safety_monitor_next_deadline(t.m);
        assert_true(until != USEC_INFINITY);
        t.now = until;
        assert_int_equal(safety_monitor_check(t.m, t.now, &v), -EPERM);
        assert_int_equal(v.invariant, SAFETY_INVARIANT_STOP_POLICY);
        assert_int_equal(safety_monitor_check(t.m, t.now + S(1), &v), 0);
        safety_monitor_free(t.m);

        /* Claimed done, but the treadmill never accepted the cool-down speed. */
        m_setup(&t, &c, 12.0);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 12.0, &v), 0);
        safety_monitor_stop_begin(t.m, t.now, SAFETY_STOP_COOLDOWN, 5.0);
        safety_monitor_stop_end(t.m, t.now, true);
        assert_int_equal(safety_monitor_check(t.m, t.now, &v), -EPERM);
        safety_monitor_free(t.m);

        /* Reached (accepted), or reported why not: no violation. */
        m_setup(&t, &c, 5.5);
        safety_monitor_stop_begin(t.m, t.now, SAFETY_STOP_COOLDOWN, 5.0);
        assert_int_equal(m_write(&t, FTMS_CP_SET_TARGET_SPEED, 5.0, &v), 0);
        t.now += S(200);
        assert_int_equal(safety_monitor_check(t.m, t.now, &v), 0);
        safety_monitor_stop_begin(t.m, t.now, SAFETY_STOP_PAUSE, NAN);
        safety_monitor_stop_end(t.m, t.now, false);
        t.now += S(200);
        assert_int_equal(safety_monitor_check(t.m, t.now, &v), 0);
        safety_monitor_free(t.m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_range),
                cmocka_unit_test(test_rate_from_accepted_and_reported),
                cmocka_unit_test(test_runner_stopped),
                cmocka_unit_test(test_hr_ceiling_every_mode),
                cmocka_unit_test(test_stop_policy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
