/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sim-treadmill.h"
#include "util.h"

#define SEC(x) ((uint64_t)((x)*1e6))

typedef struct Fixture {
        SimTreadmill *t;
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        SimTreadmillConfig c;

        sim_treadmill_config_default(&c);
        assert_int_equal(sim_treadmill_new(&f->t, &c, 0), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        sim_treadmill_free(f->t);
        free(f);
        return 0;
}

/*
 * Drops what is queued, writes a request and returns the result code of the
 * response, which must be the first packet; the status echoes stay queued.
 */
static int cp(SimTreadmill *t, uint64_t now, const uint8_t *buf, size_t len, uint8_t *ret_op)
{
        SimPacket p;
        FtmsCpResponse r;

        while (sim_treadmill_pop(t, &p))
                ;

        assert_int_equal(sim_treadmill_write_control_point(t, now, buf, len), 0);
        assert_true(sim_treadmill_pop(t, &p));
        assert_int_equal(p.uuid, FTMS_UUID_CONTROL_POINT);
        assert_int_equal(ftms_cp_parse_response(p.data, p.len, &r), 0);
        if (ret_op)
                *ret_op = r.request_op;
        return r.result;
}

static int cp_speed(SimTreadmill *t, uint64_t now, double kmh)
{
        uint8_t b[FTMS_CP_MAX_LEN];
        size_t len;

        assert_int_equal(ftms_cp_encode_set_target_speed(kmh, b, sizeof(b), &len), 0);
        return cp(t, now, b, len, NULL);
}

static int cp_simple(SimTreadmill *t, uint64_t now, uint8_t op)
{
        return cp(t, now, &op, 1, NULL);
}

static int cp_stop(SimTreadmill *t, uint64_t now, uint8_t param)
{
        uint8_t b[2] = {FTMS_CP_STOP_OR_PAUSE, param};

        return cp(t, now, b, 2, NULL);
}

/* Drops every queued packet; returns the last Machine Status op seen (0 if none). */
static uint8_t drain(SimTreadmill *t, FtmsMachineStatus *ret_last)
{
        SimPacket p;
        FtmsMachineStatus s = {};
        uint8_t op = 0;

        while (sim_treadmill_pop(t, &p))
                if (p.uuid == FTMS_UUID_MACHINE_STATUS) {
                        assert_int_equal(ftms_parse_machine_status(p.data, p.len, &s), 0);
                        op = s.op;
                }
        if (ret_last)
                *ret_last = s;
        return op;
}

static void take_control_and_start(SimTreadmill *t, uint64_t now)
{
        assert_int_equal(cp_simple(t, now, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
        assert_int_equal(cp_simple(t, now, FTMS_CP_START_OR_RESUME), FTMS_RESULT_SUCCESS);
        drain(t, NULL);
}

static void test_control_not_permitted_without_control(void **state)
{
        Fixture *f = *state;

        assert_int_equal(cp_speed(f->t, 0, 8.0), FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_START_OR_RESUME),
                         FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_int_equal(cp_stop(f->t, 0, FTMS_STOP_PARAM_STOP), FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_RESET), FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_IDLE);
        assert_float_equal(sim_treadmill_target_speed_kmh(f->t), 0, 1e-9);
        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
        assert_true(sim_treadmill_has_control(f->t));
}

static void test_refuse_control(void **state)
{
        Fixture *f = *state;

        sim_treadmill_set_refuse_control(f->t, true);
        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_REQUEST_CONTROL),
                         FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_false(sim_treadmill_has_control(f->t));
        sim_treadmill_set_refuse_control(f->t, false);
        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
}

static void test_invalid_parameter_out_of_range(void **state)
{
        Fixture *f = *state;
        uint8_t b[FTMS_CP_MAX_LEN];
        size_t len;

        take_control_and_start(f->t, 0);
        assert_int_equal(cp_speed(f->t, 0, 20.1), FTMS_RESULT_INVALID_PARAMETER);
        assert_int_equal(cp_speed(f->t, 0, 0.9), FTMS_RESULT_INVALID_PARAMETER);
        assert_int_equal(cp_speed(f->t, 0, 10.05), FTMS_RESULT_INVALID_PARAMETER); /* off grid */
        assert_int_equal(cp_speed(f->t, 0, 20.0), FTMS_RESULT_SUCCESS);
        assert_int_equal(ftms_cp_encode_set_target_incline(15.5, b, sizeof(b), &len), 0);
        assert_int_equal(cp(f->t, 0, b, len, NULL), FTMS_RESULT_INVALID_PARAMETER);
        assert_int_equal(ftms_cp_encode_set_target_incline(-3.5, b, sizeof(b), &len), 0);
        assert_int_equal(cp(f->t, 0, b, len, NULL), FTMS_RESULT_INVALID_PARAMETER);
        assert_int_equal(ftms_cp_encode_set_target_incline(-3.0, b, sizeof(b), &len), 0);
        assert_int_equal(cp(f->t, 0, b, len, NULL), FTMS_RESULT_SUCCESS);
        /* a rejected target leaves the accepted one */
        assert_float_equal(sim_treadmill_target_speed_kmh(f->t), 20.0, 1e-9);
        assert_float_equal(sim_treadmill_target_incline_pct(f->t), -3.0, 1e-9);
}

static void test_malformed_and_unsupported_requests(void **state)
{
        Fixture *f = *state;
        static const uint8_t short_speed[] = {FTMS_CP_SET_TARGET_SPEED, 0x10};
        static const uint8_t bad_stop[] = {FTMS_CP_STOP_OR_PAUSE, 0x07};
        static const uint8_t power[] = {FTMS_CP_SET_TARGET_POWER, 0x64, 0x00};
        static const uint8_t rfu[] = {0x42};
        uint8_t op;

        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
        assert_int_equal(cp(f->t, 0, short_speed, sizeof(short_speed), &op),
                         FTMS_RESULT_INVALID_PARAMETER);
        assert_int_equal(op, FTMS_CP_SET_TARGET_SPEED);
        assert_int_equal(cp(f->t, 0, bad_stop, sizeof(bad_stop), NULL),
                         FTMS_RESULT_INVALID_PARAMETER);
        assert_int_equal(cp(f->t, 0, power, sizeof(power), NULL), FTMS_RESULT_NOT_SUPPORTED);
        assert_int_equal(cp(f->t, 0, rfu, sizeof(rfu), &op), FTMS_RESULT_NOT_SUPPORTED);
        assert_int_equal(op, 0x42);
        assert_int_equal(sim_treadmill_write_control_point(f->t, 0, rfu, 0), -EBADMSG);
}

static void test_start_fails_with_safety_key_out(void **state)
{
        Fixture *f = *state;

        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
        assert_int_equal(sim_treadmill_console(f->t, 0, SIM_CONSOLE_SAFETY_KEY), 0);
        assert_int_equal(drain(f->t, NULL), FTMS_STATUS_STOPPED_SAFETY_KEY);
        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_START_OR_RESUME), FTMS_RESULT_OPERATION_FAILED);
        assert_int_equal(sim_treadmill_console(f->t, 0, SIM_CONSOLE_START), -EPERM);
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_SAFETY);
        assert_int_equal(sim_treadmill_console(f->t, 0, SIM_CONSOLE_KEY_REPLACE), 0);
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_IDLE);
        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_START_OR_RESUME), FTMS_RESULT_SUCCESS);
}

static void test_response_precedes_status_echo(void **state)
{
        Fixture *f = *state;
        SimPacket p;
        FtmsMachineStatus s;
        uint8_t b[FTMS_CP_MAX_LEN];
        size_t len;

        take_control_and_start(f->t, 0);
        assert_int_equal(ftms_cp_encode_set_target_speed(12.5, b, sizeof(b), &len), 0);
        assert_int_equal(sim_treadmill_write_control_point(f->t, 0, b, len), 0);
        assert_true(sim_treadmill_pop(f->t, &p));
        assert_int_equal(p.uuid, FTMS_UUID_CONTROL_POINT);
        assert_true(sim_treadmill_pop(f->t, &p));
        assert_int_equal(p.uuid, FTMS_UUID_MACHINE_STATUS);
        assert_int_equal(ftms_parse_machine_status(p.data, p.len, &s), 0);
        assert_int_equal(s.op, FTMS_STATUS_TARGET_SPEED_CHANGED);
        assert_float_equal(s.value, 12.5, 1e-9);
        assert_false(sim_treadmill_pop(f->t, &p));
}

static void test_belt_accelerates_at_finite_rate(void **state)
{
        Fixture *f = *state;

        take_control_and_start(f->t, 0);
        assert_int_equal(cp_speed(f->t, 0, 9.0), FTMS_RESULT_SUCCESS);
        /* 0 -> 9 km/h at 0.8 km/h/s takes 11.25 s */
        sim_treadmill_advance(f->t, SEC(5));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 4.0, 1e-9);
        sim_treadmill_advance(f->t, SEC(10));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 8.0, 1e-9);
        sim_treadmill_advance(f->t, SEC(11.25));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 9.0, 1e-9);
        sim_treadmill_advance(f->t, SEC(60));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 9.0, 1e-9);
        /* decelerate to 5 km/h: 5 s */
        assert_int_equal(cp_speed(f->t, SEC(60), 5.0), FTMS_RESULT_SUCCESS);
        sim_treadmill_advance(f->t, SEC(62.5));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 7.0, 1e-9);
        sim_treadmill_advance(f->t, SEC(70));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 5.0, 1e-9);
}

static void test_configured_acceleration(void **state)
{
        SimTreadmillConfig c;
        SimTreadmill *t;

        sim_treadmill_config_default(&c);
        c.accel_kmh_per_s = 0.5;
        assert_int_equal(sim_treadmill_new(&t, &c, 0), 0);
        take_control_and_start(t, 0);
        assert_int_equal(cp_speed(t, 0, 10.0), FTMS_RESULT_SUCCESS);
        sim_treadmill_advance(t, SEC(4));
        assert_float_equal(sim_treadmill_speed_kmh(t), 2.0, 1e-9);
        sim_treadmill_free(t);

        c.accel_kmh_per_s = 0;
        assert_int_equal(sim_treadmill_new(&t, &c, 0), -EINVAL);
}

static void test_distance_integrates_ramp_exactly(void **state)
{
        Fixture *f = *state;
        double expect;

        take_control_and_start(f->t, 0);
        assert_int_equal(cp_speed(f->t, 0, 8.0), FTMS_RESULT_SUCCESS);
        /* 10 s ramp 0 -> 8 km/h (mean 4 km/h), then 50 s at 8 km/h */
        expect = 4.0 / 3.6 * 10 + 8.0 / 3.6 * 50;
        sim_treadmill_advance(f->t, SEC(60));
        assert_float_equal(sim_treadmill_distance_m(f->t), expect, 1e-6);
        /* the same span in 1000 small steps integrates to the same distance */
        SimTreadmillConfig c;
        SimTreadmill *t2;
        sim_treadmill_config_default(&c);
        assert_int_equal(sim_treadmill_new(&t2, &c, 0), 0);
        take_control_and_start(t2, 0);
        assert_int_equal(cp_speed(t2, 0, 8.0), FTMS_RESULT_SUCCESS);
        for (unsigned i = 1; i <= 1000; i++)
                sim_treadmill_advance(t2, SEC(0.06 * i));
        assert_float_equal(sim_treadmill_distance_m(t2), expect, 1e-6);
        assert_float_equal(sim_treadmill_elapsed_s(t2), 60, 1e-6);
        sim_treadmill_free(t2);
}

static void test_pause_stops_belt_and_keeps_target(void **state)
{
        Fixture *f = *state;
        double d;

        take_control_and_start(f->t, 0);
        assert_int_equal(cp_speed(f->t, 0, 8.0), FTMS_RESULT_SUCCESS);
        sim_treadmill_advance(f->t, SEC(30));
        assert_int_equal(cp_stop(f->t, SEC(30), FTMS_STOP_PARAM_PAUSE), FTMS_RESULT_SUCCESS);
        FtmsMachineStatus s;
        assert_int_equal(drain(f->t, &s), FTMS_STATUS_STOPPED_OR_PAUSED);
        assert_int_equal(s.stop_pause, FTMS_STOP_PARAM_PAUSE);
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_PAUSED);
        sim_treadmill_advance(f->t, SEC(45));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 0, 1e-9);
        assert_float_equal(sim_treadmill_elapsed_s(f->t), 30, 1e-6); /* frozen while paused */
        d = sim_treadmill_distance_m(f->t);
        sim_treadmill_advance(f->t, SEC(100));
        assert_float_equal(sim_treadmill_distance_m(f->t), d, 1e-9);
        assert_float_equal(sim_treadmill_target_speed_kmh(f->t), 8.0, 1e-9);

        /* A target sent while paused is stored but does not move the belt. */
        assert_int_equal(cp_speed(f->t, SEC(100), 10.0), FTMS_RESULT_SUCCESS);
        sim_treadmill_advance(f->t, SEC(110));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 0, 1e-9);
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_PAUSED);

        assert_int_equal(cp_simple(f->t, SEC(110), FTMS_CP_START_OR_RESUME), FTMS_RESULT_SUCCESS);
        assert_int_equal(drain(f->t, NULL), FTMS_STATUS_STARTED_OR_RESUMED);
        sim_treadmill_advance(f->t, SEC(115));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 4.0, 1e-9);
}

static void test_stop_clears_targets(void **state)
{
        Fixture *f = *state;
        uint8_t b[FTMS_CP_MAX_LEN];
        size_t len;

        take_control_and_start(f->t, 0);
        assert_int_equal(cp_speed(f->t, 0, 8.0), FTMS_RESULT_SUCCESS);
        assert_int_equal(ftms_cp_encode_set_target_incline(4.0, b, sizeof(b), &len), 0);
        assert_int_equal(cp(f->t, 0, b, len, NULL), FTMS_RESULT_SUCCESS);
        sim_treadmill_advance(f->t, SEC(20));
        assert_float_equal(sim_treadmill_incline_pct(f->t), 4.0, 1e-9); /* 8 s at 0.5 %/s */
        assert_int_equal(cp_stop(f->t, SEC(20), FTMS_STOP_PARAM_STOP), FTMS_RESULT_SUCCESS);
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_IDLE);
        assert_float_equal(sim_treadmill_target_speed_kmh(f->t), 0, 1e-9);
        sim_treadmill_advance(f->t, SEC(40));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 0, 1e-9);
        assert_float_equal(sim_treadmill_incline_pct(f->t), 0, 1e-9);
        /* Start after Stop runs at the minimum speed, not the old target. */
        assert_int_equal(cp_simple(f->t, SEC(40), FTMS_CP_START_OR_RESUME), FTMS_RESULT_SUCCESS);
        assert_float_equal(sim_treadmill_target_speed_kmh(f->t), 1.0, 1e-9);
}

static void test_start_on_set_speed_option(void **state)
{
        SimTreadmillConfig c;
        SimTreadmill *t;

        sim_treadmill_config_default(&c);
        c.start_on_set_speed = true;
        assert_int_equal(sim_treadmill_new(&t, &c, 0), 0);
        assert_int_equal(cp_simple(t, 0, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
        assert_int_equal(cp_speed(t, 0, 6.0), FTMS_RESULT_SUCCESS);
        assert_int_equal(drain(t, NULL), FTMS_STATUS_STARTED_OR_RESUMED);
        assert_int_equal(sim_treadmill_state(t), SIM_BELT_RUNNING);
        sim_treadmill_free(t);
}

static void test_initial_speed_starts_running(void **state)
{
        SimTreadmillConfig c;
        SimTreadmill *t;

        sim_treadmill_config_default(&c);
        c.initial_speed_kmh = 9.5;
        assert_int_equal(sim_treadmill_new(&t, &c, 0), 0);
        assert_int_equal(sim_treadmill_state(t), SIM_BELT_RUNNING);
        assert_false(sim_treadmill_has_control(t));
        sim_treadmill_advance(t, SEC(10));
        assert_float_equal(sim_treadmill_speed_kmh(t), 9.5, 1e-9);
        assert_float_equal(sim_treadmill_distance_m(t), 9.5 / 3.6 * 10, 1e-6);
        sim_treadmill_free(t);

        c.initial_speed_kmh = 25.0; /* above the range */
        assert_int_equal(sim_treadmill_new(&t, &c, 0), -EINVAL);
}

static void test_command_log_records_requests(void **state)
{
        Fixture *f = *state;
        const SimCommand *c;

        assert_int_equal(cp_speed(f->t, SEC(1), 8.0), FTMS_RESULT_CONTROL_NOT_PERMITTED);
        take_control_and_start(f->t, SEC(2));
        assert_int_equal(cp_speed(f->t, SEC(3), 25.0), FTMS_RESULT_INVALID_PARAMETER);
        assert_int_equal(cp_stop(f->t, SEC(4), FTMS_STOP_PARAM_PAUSE), FTMS_RESULT_SUCCESS);
        assert_int_equal(sim_treadmill_n_commands(f->t), 5);
        c = sim_treadmill_command(f->t, 0);
        assert_int_equal(c->op, FTMS_CP_SET_TARGET_SPEED);
        assert_int_equal(c->result, FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_float_equal(c->value, 8.0, 1e-9);
        assert_int_equal(c->t_usec, SEC(1));
        assert_int_equal(sim_treadmill_command(f->t, 2)->op, FTMS_CP_START_OR_RESUME);
        c = sim_treadmill_command(f->t, 3);
        assert_int_equal(c->result, FTMS_RESULT_INVALID_PARAMETER);
        assert_float_equal(c->value, 25.0, 1e-9);
        c = sim_treadmill_command(f->t, 4);
        assert_int_equal(c->op, FTMS_CP_STOP_OR_PAUSE);
        assert_float_equal(c->value, FTMS_STOP_PARAM_PAUSE, 1e-9);
        assert_null(sim_treadmill_command(f->t, 5));

        /* Full: the oldest go first. */
        for (size_t i = 0; i < SIM_COMMAND_LOG_SIZE; i++)
                (void)cp_speed(f->t, SEC(5), 5.0);
        assert_int_equal(sim_treadmill_n_commands(f->t), SIM_COMMAND_LOG_SIZE);
        assert_int_equal(sim_treadmill_command(f->t, 0)->op, FTMS_CP_SET_TARGET_SPEED);
        assert_int_equal(sim_treadmill_command(f->t, 0)->t_usec, SEC(5));
}

static void test_console_buttons_notify(void **state)
{
        Fixture *f = *state;
        FtmsMachineStatus s;

        assert_int_equal(sim_treadmill_console(f->t, 0, SIM_CONSOLE_START), 0);
        assert_int_equal(drain(f->t, NULL), FTMS_STATUS_STARTED_OR_RESUMED);
        assert_int_equal(sim_treadmill_console_set_speed(f->t, 0, 7.5), 0);
        assert_int_equal(drain(f->t, &s), FTMS_STATUS_TARGET_SPEED_CHANGED);
        assert_float_equal(s.value, 7.5, 1e-9);
        assert_int_equal(sim_treadmill_console_set_speed(f->t, 0, 25), -ERANGE);
        assert_int_equal(sim_treadmill_console(f->t, SEC(10), SIM_CONSOLE_PAUSE), 0);
        assert_int_equal(drain(f->t, &s), FTMS_STATUS_STOPPED_OR_PAUSED);
        assert_int_equal(s.stop_pause, FTMS_STOP_PARAM_PAUSE);
        assert_int_equal(sim_treadmill_console(f->t, SEC(10), SIM_CONSOLE_PAUSE), -EALREADY);
        assert_int_equal(sim_treadmill_console(f->t, SEC(20), SIM_CONSOLE_STOP), 0);
        assert_int_equal(drain(f->t, &s), FTMS_STATUS_STOPPED_OR_PAUSED);
        assert_int_equal(s.stop_pause, FTMS_STOP_PARAM_STOP);
        assert_int_equal(sim_treadmill_console(f->t, 0, _SIM_CONSOLE_MAX), -EINVAL);
        assert_string_equal(sim_console_button_to_string(SIM_CONSOLE_SAFETY_KEY), "safety-key");
        assert_string_equal(sim_belt_state_to_string(SIM_BELT_PAUSED), "paused");
}

static void test_safety_key_stops_quickly(void **state)
{
        Fixture *f = *state;

        take_control_and_start(f->t, 0);
        assert_int_equal(cp_speed(f->t, 0, 12.0), FTMS_RESULT_SUCCESS);
        sim_treadmill_advance(f->t, SEC(30));
        assert_int_equal(sim_treadmill_console(f->t, SEC(30), SIM_CONSOLE_SAFETY_KEY), 0);
        sim_treadmill_advance(f->t, SEC(33));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 0, 1e-9); /* 12 km/h at 5 km/h/s */
}

static void test_revoke_and_link_loss_drop_control(void **state)
{
        Fixture *f = *state;

        take_control_and_start(f->t, 0);
        sim_treadmill_revoke_control(f->t, 0);
        assert_int_equal(drain(f->t, NULL), FTMS_STATUS_CONTROL_PERMISSION_LOST);
        assert_false(sim_treadmill_has_control(f->t));
        assert_int_equal(cp_speed(f->t, 0, 8.0), FTMS_RESULT_CONTROL_NOT_PERMITTED);

        assert_int_equal(cp_simple(f->t, 0, FTMS_CP_REQUEST_CONTROL), FTMS_RESULT_SUCCESS);
        assert_int_equal(cp_speed(f->t, 0, 8.0), FTMS_RESULT_SUCCESS);
        sim_treadmill_link_lost(f->t, SEC(1));
        assert_false(sim_treadmill_has_control(f->t));
        /* the belt keeps going: only the runner can stop it now */
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_RUNNING);
        sim_treadmill_advance(f->t, SEC(20));
        assert_float_equal(sim_treadmill_speed_kmh(f->t), 8.0, 1e-9);
}

static void test_reset_releases_control(void **state)
{
        Fixture *f = *state;

        take_control_and_start(f->t, 0);
        sim_treadmill_advance(f->t, SEC(10));
        assert_int_equal(cp_simple(f->t, SEC(10), FTMS_CP_RESET), FTMS_RESULT_SUCCESS);
        assert_int_equal(drain(f->t, NULL), FTMS_STATUS_RESET);
        assert_false(sim_treadmill_has_control(f->t));
        assert_int_equal(sim_treadmill_state(f->t), SIM_BELT_IDLE);
        assert_float_equal(sim_treadmill_distance_m(f->t), 0, 1e-9);
}

static void test_data_at_1hz_through_parser(void **state)
{
        Fixture *f = *state;
        SimPacket p;
        FtmsTreadmillData d;
        unsigned records = 0;

        take_control_and_start(f->t, 0);
        assert_int_equal(cp_speed(f->t, 0, 10.0), FTMS_RESULT_SUCCESS);
        drain(f->t, NULL);
        for (uint64_t ms = 0; ms <= 60000; ms += 100) {
                sim_treadmill_tick(f->t, ms * 1000);
                while (sim_treadmill_pop(f->t, &p)) {
                        assert_int_equal(p.uuid, FTMS_UUID_TREADMILL_DATA);
                        assert_int_equal(ftms_parse_treadmill_data(p.data, p.len, &d), 0);
                        assert_false(d.more_data);
                        assert_false(d.truncated);
                        records++;
                }
        }
        assert_int_equal(records, 60);
        assert_float_equal(d.speed_kmh, 10.0, 1e-9);
        assert_int_equal(d.elapsed_s, 60);
        assert_int_equal(d.distance_m, (uint32_t)floor(sim_treadmill_distance_m(f->t)));
        assert_true(d.na & FTMS_FIELD_BIT(FTMS_FIELD_RAMP_ANGLE));
        assert_int_equal(sim_treadmill_next_data_usec(f->t), SEC(61));
}

static void test_split_data_merges(void **state)
{
        SimTreadmillConfig c;
        SimTreadmill *t;
        FtmsTreadmillAssembler a;
        FtmsTreadmillData d;
        SimPacket p;
        unsigned packets = 0, records = 0;

        sim_treadmill_config_default(&c);
        c.split_data = true;
        assert_int_equal(sim_treadmill_new(&t, &c, 0), 0);
        take_control_and_start(t, 0);
        assert_int_equal(cp_speed(t, 0, 6.0), FTMS_RESULT_SUCCESS);
        drain(t, NULL);
        ftms_treadmill_assembler_reset(&a);
        for (uint64_t s = 1; s <= 30; s++) {
                sim_treadmill_tick(t, SEC(s));
                while (sim_treadmill_pop(t, &p)) {
                        int r = ftms_treadmill_assembler_push(&a, p.data, p.len, &d);
                        assert_true(r >= 0);
                        packets++;
                        records += r;
                }
        }
        assert_int_equal(packets, 60);
        assert_int_equal(records, 30);
        assert_true(d.present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED));
        assert_true(d.present & FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE));
        assert_true(d.present & FTMS_FIELD_BIT(FTMS_FIELD_ELAPSED));
        assert_float_equal(d.speed_kmh, 6.0, 1e-9);
        sim_treadmill_free(t);
}

/* Speed-only records between full ones; the model's own distance, exact between ticks. */
static void test_distance_every_other_record(void **state)
{
        SimTreadmillConfig c;
        SimTreadmill *t;
        FtmsTreadmillData d;
        SimPacket p;
        unsigned with = 0, without = 0;
        double before;

        sim_treadmill_config_default(&c);
        c.distance_every = 2;
        assert_int_equal(sim_treadmill_new(&t, &c, 0), 0);
        take_control_and_start(t, 0);
        assert_int_equal(cp_speed(t, 0, 9.0), FTMS_RESULT_SUCCESS);
        drain(t, NULL);
        for (uint64_t s = 1; s <= 20; s++) {
                sim_treadmill_tick(t, SEC(s));
                while (sim_treadmill_pop(t, &p)) {
                        assert_int_equal(ftms_parse_treadmill_data(p.data, p.len, &d), 0);
                        assert_true(d.present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED));
                        if (d.present & FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE))
                                with++;
                        else
                                without++;
                }
        }
        assert_int_equal(with, 10);
        assert_int_equal(without, 10);

        /* At 9 km/h (reached long ago), 2.5 m a second, without moving the model. */
        before = sim_treadmill_distance_m(t);
        assert_float_equal(sim_treadmill_distance_at(t, SEC(20) + SEC(2)), before + 5.0, 1e-9);
        assert_float_equal(sim_treadmill_distance_m(t), before, 0);
        sim_treadmill_advance(t, SEC(22));
        assert_float_equal(sim_treadmill_distance_m(t), before + 5.0, 1e-9);
        sim_treadmill_free(t);
}

static void test_malformed_injection(void **state)
{
        Fixture *f = *state;
        SimPacket p;
        FtmsTreadmillData d;

        sim_treadmill_inject_malformed(f->t);
        sim_treadmill_tick(f->t, SEC(1));
        assert_true(sim_treadmill_pop(f->t, &p));
        assert_int_equal(ftms_parse_treadmill_data(p.data, p.len, &d), -EBADMSG);
        sim_treadmill_tick(f->t, SEC(2));
        assert_true(sim_treadmill_pop(f->t, &p));
        assert_int_equal(ftms_parse_treadmill_data(p.data, p.len, &d), 0);
}

static void test_read_characteristics(void **state)
{
        Fixture *f = *state;
        SimPacket p;
        FtmsFeature feat;
        FtmsRange r;

        assert_int_equal(sim_treadmill_read(f->t, FTMS_UUID_FEATURE, &p), 0);
        assert_int_equal(ftms_parse_feature(p.data, p.len, &feat), 0);
        assert_true(feat.target & FTMS_TARGET_SPEED);
        assert_true(feat.target & FTMS_TARGET_INCLINATION);
        assert_int_equal(sim_treadmill_read(f->t, FTMS_UUID_SPEED_RANGE, &p), 0);
        assert_int_equal(ftms_parse_speed_range(p.data, p.len, &r), 0);
        assert_float_equal(r.max, 20.0, 1e-9);
        assert_int_equal(sim_treadmill_read(f->t, FTMS_UUID_INCLINE_RANGE, &p), 0);
        assert_int_equal(ftms_parse_incline_range(p.data, p.len, &r), 0);
        assert_float_equal(r.min, -3.0, 1e-9);
        assert_int_equal(sim_treadmill_read(f->t, 0x1234, &p), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_control_not_permitted_without_control, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_refuse_control, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_parameter_out_of_range, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_malformed_and_unsupported_requests, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_start_fails_with_safety_key_out, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_response_precedes_status_echo, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_belt_accelerates_at_finite_rate, setup,
                                                teardown),
                cmocka_unit_test(test_configured_acceleration),
                cmocka_unit_test_setup_teardown(test_distance_integrates_ramp_exactly, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_pause_stops_belt_and_keeps_target, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_stop_clears_targets, setup, teardown),
                cmocka_unit_test(test_start_on_set_speed_option),
                cmocka_unit_test(test_initial_speed_starts_running),
                cmocka_unit_test_setup_teardown(test_command_log_records_requests, setup, teardown),
                cmocka_unit_test_setup_teardown(test_console_buttons_notify, setup, teardown),
                cmocka_unit_test_setup_teardown(test_safety_key_stops_quickly, setup, teardown),
                cmocka_unit_test_setup_teardown(test_revoke_and_link_loss_drop_control, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_reset_releases_control, setup, teardown),
                cmocka_unit_test_setup_teardown(test_data_at_1hz_through_parser, setup, teardown),
                cmocka_unit_test(test_split_data_merges),
                cmocka_unit_test(test_distance_every_other_record),
                cmocka_unit_test_setup_teardown(test_malformed_injection, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_characteristics, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
