/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulator transport on a real sd-event loop at --time-scale 200: the
 * events a client sees, in order, through the real parsers, and the console
 * and fault hooks. Waits are on conditions with a virtual-time cap, never on
 * wall-clock durations.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sim-transport.h"
#include "util.h"

#define MAX_EVENTS 4096

typedef struct Ctx {
        sd_event *event;
        PacedClock clock;
        Transport *t;
        TransportEvent ev[MAX_EVENTS];
        size_t n;
        uint64_t start_usec;
} Ctx;

static void on_event(const TransportEvent *ev, void *userdata)
{
        Ctx *c = userdata;

        if (c->n < MAX_EVENTS)
                c->ev[c->n++] = *ev;
}

static int setup_cfg(void **state, const SimConfig *cfg)
{
        Ctx *c = calloc(1, sizeof(*c));

        assert_non_null(c);
        assert_int_equal(sd_event_new(&c->event), 0);
        paced_clock_init(&c->clock, 200);
        c->start_usec = paced_clock_now(&c->clock);
        assert_int_equal(sim_transport_new(&c->t, c->event, &c->clock, cfg), 0);
        c->t->handler = on_event;
        c->t->userdata = c;
        *state = c;
        return 0;
}

static int setup(void **state)
{
        SimConfig cfg;

        sim_config_default(&cfg);
        return setup_cfg(state, &cfg);
}

static int teardown(void **state)
{
        Ctx *c = *state;

        transport_free(c->t);
        sd_event_unref(c->event);
        free(c);
        return 0;
}

static ssize_t find(const Ctx *c, size_t from, TransportEventType type, TransportRole role)
{
        for (size_t i = from; i < c->n; i++)
                if (c->ev[i].type == type && c->ev[i].role == role)
                        return (ssize_t)i;
        return -1;
}

/* Runs the loop until an event of this type arrives after index from (cap: virtual seconds). */
static ssize_t wait_for(Ctx *c, size_t from, TransportEventType type, TransportRole role,
                        double max_virtual_s)
{
        uint64_t deadline = paced_clock_now(&c->clock) + (uint64_t)(max_virtual_s * 1e6);
        ssize_t i;

        /* One more turn of the loop after the deadline, so that a process descheduled past
         * it still gets to handle what is due. */
        while ((i = find(c, from, type, role)) < 0) {
                bool last = paced_clock_now(&c->clock) >= deadline;

                assert_true(sd_event_run(c->event, 100 * USEC_PER_MSEC) >= 0);
                if (last)
                        return find(c, from, type, role);
        }
        return i;
}

static void run_for(Ctx *c, double virtual_s)
{
        uint64_t deadline = paced_clock_now(&c->clock) + (uint64_t)(virtual_s * 1e6);

        while (paced_clock_now(&c->clock) < deadline)
                assert_true(sd_event_run(c->event, 100 * USEC_PER_MSEC) >= 0);
}

/* Writes a request and waits for its response; returns the result code. */
static int cp(Ctx *c, const uint8_t *buf, size_t len)
{
        size_t from = c->n;
        ssize_t i;

        assert_int_equal(transport_write_control_point(c->t, buf, len), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_CP_RESPONSE, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_int_equal(c->ev[i].cp_response.request_op, buf[0]);
        return c->ev[i].cp_response.result;
}

static int cp_op(Ctx *c, uint8_t op)
{
        return cp(c, &op, 1);
}

static int cp_speed(Ctx *c, double kmh)
{
        uint8_t b[FTMS_CP_MAX_LEN];
        size_t len;

        assert_int_equal(ftms_cp_encode_set_target_speed(kmh, b, sizeof(b), &len), 0);
        return cp(c, b, len);
}

static void link_up_and_run(Ctx *c, double kmh)
{
        assert_true(wait_for(c, 0, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL, 60) >= 0);
        assert_int_equal(cp_op(c, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
        assert_int_equal(cp_op(c, FTMS_CP_START_OR_RESUME), FTMS_RESULT_SUCCESS);
        assert_int_equal(cp_speed(c, kmh), FTMS_RESULT_SUCCESS);
}

static void test_connect_order_and_capabilities(void **state)
{
        Ctx *c = *state;
        ssize_t id, caps, link, hr_id, hr_link;

        link = wait_for(c, 0, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL, 60);
        hr_link = wait_for(c, 0, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP, 60);
        id = find(c, 0, TRANSPORT_EVENT_IDENTITY, TRANSPORT_ROLE_TREADMILL);
        caps = find(c, 0, TRANSPORT_EVENT_CAPABILITIES, TRANSPORT_ROLE_TREADMILL);
        hr_id = find(c, 0, TRANSPORT_EVENT_IDENTITY, TRANSPORT_ROLE_STRAP);
        assert_true(id >= 0 && caps > id && link > caps);
        assert_true(hr_id >= 0 && hr_link > hr_id);
        assert_true(find(c, (size_t)hr_link, TRANSPORT_EVENT_BATTERY, TRANSPORT_ROLE_STRAP) >
                    hr_link);
        assert_true(c->ev[link].link.up);
        assert_string_equal(c->ev[id].identity.name, "paced-sim treadmill");
        assert_true(c->ev[caps].caps.has_speed_range);
        assert_true(c->ev[caps].caps.has_incline_range);
        assert_true(c->ev[caps].caps.has_control_point);
        assert_float_equal(c->ev[caps].caps.speed_range.max, 20.0, 1e-9);
        assert_true(c->ev[caps].caps.feature.target & FTMS_TARGET_SPEED);
        assert_true(find(c, (size_t)link, TRANSPORT_EVENT_TRAINING_STATUS,
                         TRANSPORT_ROLE_TREADMILL) > link);
        /* event times are virtual: the link came up about connect_delay after start */
        assert_true(c->ev[link].time_usec >= c->start_usec + 500 * USEC_PER_MSEC);
}

static void test_workout_data_and_heart_rate(void **state)
{
        Ctx *c = *state;
        size_t from;
        ssize_t i;
        unsigned records = 0, beats = 0, hr_events = 0;
        uint64_t first_data = 0, last_data = 0;
        double last_speed = 0;

        link_up_and_run(c, 10.0);
        from = c->n;
        run_for(c, 40);
        for (i = (ssize_t)from; i < (ssize_t)c->n; i++) {
                const TransportEvent *ev = &c->ev[i];

                if (ev->type == TRANSPORT_EVENT_TREADMILL_DATA) {
                        if (!first_data)
                                first_data = ev->time_usec;
                        last_data = ev->time_usec;
                        assert_true(ev->treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED));
                        assert_true(ev->treadmill.speed_kmh >= last_speed - 1e-9);
                        last_speed = ev->treadmill.speed_kmh;
                        records++;
                } else if (ev->type == TRANSPORT_EVENT_HEART_RATE) {
                        hr_events++;
                        beats += ev->hr.n_rr;
                        assert_true(ev->hr.heart_rate_bpm > 40 && ev->hr.heart_rate_bpm < 200);
                }
        }
        assert_true(records > 0);
        /* never more often than the 1 Hz the model sends (delivery may jitter, not burst) */
        assert_true(records <= (last_data - first_data) / USEC_PER_SEC + 2);
        assert_true(hr_events > 0);
        assert_true(beats > 0);
        /* 0 -> 10 km/h takes 12.5 virtual s at 0.8 km/h/s */
        assert_float_equal(last_speed, 10.0, 1e-9);
        assert_float_equal(sim_treadmill_speed_kmh(sim_transport_treadmill(c->t)), 10.0, 1e-9);
        /* the runner runs on the belt: HR is well above rest */
        assert_true(sim_runner_heart_rate(sim_transport_runner(c->t)) > 100);
}

static void test_console_pause_notifies(void **state)
{
        Ctx *c = *state;
        size_t from;
        ssize_t i;

        link_up_and_run(c, 8.0);
        from = c->n;
        assert_int_equal(sim_transport_console(c->t, SIM_CONSOLE_PAUSE), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_MACHINE_STATUS, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_int_equal(c->ev[i].status.op, FTMS_STATUS_STOPPED_OR_PAUSED);
        assert_int_equal(c->ev[i].status.stop_pause, FTMS_STOP_PARAM_PAUSE);
        assert_int_equal(sim_treadmill_state(sim_transport_treadmill(c->t)), SIM_BELT_PAUSED);
        assert_int_equal(sim_transport_console(c->t, SIM_CONSOLE_PAUSE), -EALREADY);
}

static void test_faults(void **state)
{
        Ctx *c = *state;
        size_t from;
        ssize_t i;
        uint8_t op = FTMS_CP_REQUEST_CONTROL;

        link_up_and_run(c, 8.0);

        /* lose control */
        from = c->n;
        assert_int_equal(sim_transport_inject(c->t, SIM_FAULT_LOSE_CONTROL), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_MACHINE_STATUS, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_int_equal(c->ev[i].status.op, FTMS_STATUS_CONTROL_PERMISSION_LOST);
        assert_int_equal(cp_speed(c, 9.0), FTMS_RESULT_CONTROL_NOT_PERMITTED);

        /* refuse control */
        assert_int_equal(sim_transport_inject(c->t, SIM_FAULT_REFUSE_CONTROL), 0);
        assert_int_equal(cp_op(c, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_int_equal(sim_transport_clear(c->t, SIM_FAULT_REFUSE_CONTROL), 0);
        assert_int_equal(cp_op(c, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);

        /* a write that fails at the ATT level */
        assert_int_equal(sim_transport_inject(c->t, SIM_FAULT_CP_WRITE_FAILS), 0);
        from = c->n;
        assert_int_equal(transport_write_control_point(c->t, &op, 1), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_CP_WRITE_FAILED, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_true(c->ev[i].cp_write_error.error < 0);
        assert_true(find(c, from, TRANSPORT_EVENT_CP_RESPONSE, TRANSPORT_ROLE_TREADMILL) < 0);

        /* malformed payloads reach the client as MALFORMED, from the real parsers */
        from = c->n;
        assert_int_equal(sim_transport_inject(c->t, SIM_FAULT_MALFORMED_TREADMILL_DATA), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_MALFORMED, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_int_equal(c->ev[i].malformed.uuid, FTMS_UUID_TREADMILL_DATA);
        assert_int_equal(c->ev[i].malformed.error, -EBADMSG);
        from = c->n;
        assert_int_equal(sim_transport_inject(c->t, SIM_FAULT_MALFORMED_HEART_RATE), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_MALFORMED, TRANSPORT_ROLE_STRAP, 60);
        assert_true(i >= 0);
        assert_int_equal(c->ev[i].malformed.uuid, HRS_UUID_MEASUREMENT);

        /* drop the link: writes fail, the belt keeps going, reconnect brings it back */
        from = c->n;
        assert_int_equal(sim_transport_inject(c->t, SIM_FAULT_DROP_TREADMILL), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_false(c->ev[i].link.up);
        assert_non_null(c->ev[i].link.reason);
        assert_int_equal(transport_write_control_point(c->t, &op, 1), -ENOTCONN);
        run_for(c, 5);
        assert_true(find(c, (size_t)i, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL) <
                    0);
        assert_int_equal(sim_treadmill_state(sim_transport_treadmill(c->t)), SIM_BELT_RUNNING);
        assert_false(sim_treadmill_has_control(sim_transport_treadmill(c->t)));
        from = c->n;
        assert_int_equal(sim_transport_reconnect(c->t, TRANSPORT_ROLE_TREADMILL), 0);
        i = wait_for(c, from, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_true(c->ev[i].link.up);
        assert_int_equal(sim_transport_reconnect(c->t, TRANSPORT_ROLE_TREADMILL), -EALREADY);
        assert_true(wait_for(c, (size_t)i, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL,
                             60) > i);
}

static void test_split_data_arrives_merged(void **state)
{
        Ctx *c;
        SimConfig cfg;
        ssize_t i;

        sim_config_default(&cfg);
        cfg.treadmill.split_data = true;
        cfg.strap_enabled = false;
        setup_cfg(state, &cfg);
        c = *state;
        link_up_and_run(c, 6.0);
        i = wait_for(c, c->n, TRANSPORT_EVENT_TREADMILL_DATA, TRANSPORT_ROLE_TREADMILL, 60);
        assert_true(i >= 0);
        assert_true(c->ev[i].treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED));
        assert_true(c->ev[i].treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE));
        assert_true(c->ev[i].treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_ELAPSED));
        assert_false(c->ev[i].treadmill.more_data);
        assert_true(find(c, 0, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_STRAP) < 0);
        teardown(state);
}

static void test_shutdown_goes_idle(void **state)
{
        Ctx *c = *state;
        size_t n;
        uint8_t op = FTMS_CP_REQUEST_CONTROL;

        assert_true(wait_for(c, 0, TRANSPORT_EVENT_LINK, TRANSPORT_ROLE_TREADMILL, 60) >= 0);
        transport_shutdown(c->t);
        n = c->n;
        /* nothing is armed: the loop has nothing to do */
        assert_int_equal(sd_event_run(c->event, 0), 0);
        assert_int_equal(c->n, n);
        assert_int_equal(transport_write_control_point(c->t, &op, 1), -ENOTCONN);
        assert_false(sim_transport_is_sim(NULL));
        assert_true(sim_transport_is_sim(c->t));
        assert_string_equal(sim_fault_to_string(SIM_FAULT_DROP_STRAP), "drop-strap");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_connect_order_and_capabilities, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_workout_data_and_heart_rate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_console_pause_notifies, setup, teardown),
                cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
                cmocka_unit_test(test_split_data_arrives_merged),
                cmocka_unit_test_setup_teardown(test_shutdown_goes_idle, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
