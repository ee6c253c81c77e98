/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FTMS control point client, driven by hand: every result code of
 * FTMS 1.0 (0x01-0x05 and an RFU one), permission loss, timeouts, write
 * failures, coalescing and monitor-only mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "ftms-control.h"
#include "util.h"

#define T0 (100 * USEC_PER_SEC)

static FtmsControl *new_linked(const FtmsControlConfig *cfg)
{
        FtmsControl *c = NULL;
        TransportCapabilities caps = {
                .feature = {.target = FTMS_TARGET_SPEED | FTMS_TARGET_INCLINATION},
                .has_control_point = true,
        };

        assert_int_equal(ftms_control_new(&c, cfg), 0);
        ftms_control_link(c, T0, true);
        ftms_control_set_capabilities(c, T0, &caps);
        return c;
}

static void respond(FtmsControl *c, uint64_t now, uint8_t op, uint8_t result)
{
        FtmsCpResponse r = {.request_op = op, .result = result};
        ftms_control_handle_response(c, now, &r);
}

static void expect_write(FtmsControl *c, uint64_t now, uint8_t op, double value)
{
        FtmsControlCommand cmd;

        assert_int_equal(ftms_control_pop_write(c, now, &cmd), 1);
        assert_int_equal(cmd.op, op);
        if (op == FTMS_CP_SET_TARGET_SPEED || op == FTMS_CP_SET_TARGET_INCLINATION)
                assert_true(fabs(cmd.value - value) < 1e-9);
}

static void expect_no_write(FtmsControl *c, uint64_t now)
{
        FtmsControlCommand cmd;
        assert_int_equal(ftms_control_pop_write(c, now, &cmd), 0);
}

/* Take control and leave the controller READY with nothing in flight. */
static void take_control(FtmsControl *c, uint64_t now)
{
        assert_int_equal(ftms_control_request(c, now), 0);
        expect_write(c, now, FTMS_CP_REQUEST_CONTROL, 0);
        respond(c, now, FTMS_CP_REQUEST_CONTROL, FTMS_RESULT_SUCCESS);
        assert_int_equal(ftms_control_get_state(c), FTMS_CONTROL_READY);
}

static FtmsControlResult expect_result(FtmsControl *c, FtmsControlResultKind kind)
{
        FtmsControlResult r;

        assert_int_equal(ftms_control_pop_result(c, &r), 1);
        assert_int_equal(r.kind, kind);
        assert_true(r.message[0] != 0);
        return r;
}

static void test_request_control_comes_first(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);

        assert_int_equal(ftms_control_set_speed(c, T0, 8.0), 0);
        expect_write(c, T0, FTMS_CP_REQUEST_CONTROL, 0);
        /* One procedure at a time: nothing else until it is answered. */
        expect_no_write(c, T0);
        respond(c, T0 + 1000, FTMS_CP_REQUEST_CONTROL, FTMS_RESULT_SUCCESS);
        expect_write(c, T0 + 1000, FTMS_CP_SET_TARGET_SPEED, 8.0);
}

static void test_one_outstanding_and_coalescing(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);

        take_control(c, T0);
        assert_int_equal(ftms_control_set_speed(c, T0, 8.0), 0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_SPEED, 8.0);
        /* While 8.0 is in flight, three newer targets: only the last survives. */
        assert_int_equal(ftms_control_set_speed(c, T0, 9.0), 0);
        assert_int_equal(ftms_control_set_speed(c, T0, 10.0), 0);
        assert_int_equal(ftms_control_set_speed(c, T0, 11.0), 0);
        expect_no_write(c, T0);
        respond(c, T0 + 1, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_SUCCESS);
        expect_result(c, FTMS_CONTROL_RESULT_OK);
        expect_write(c, T0 + 1, FTMS_CP_SET_TARGET_SPEED, 11.0);
        respond(c, T0 + 2, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_SUCCESS);
        expect_no_write(c, T0 + 2);
        assert_false(ftms_control_busy(c));
}

static void test_result_success(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        assert_int_equal(ftms_control_pop_result(c, &r), 1); /* control granted */
        assert_int_equal(r.command.op, FTMS_CP_REQUEST_CONTROL);
        ftms_control_set_incline(c, T0, 2.5);
        expect_write(c, T0, FTMS_CP_SET_TARGET_INCLINATION, 2.5);
        respond(c, T0, FTMS_CP_SET_TARGET_INCLINATION, FTMS_RESULT_SUCCESS);
        r = expect_result(c, FTMS_CONTROL_RESULT_OK);
        assert_int_equal(r.error, 0);
        assert_int_equal(r.result_code, FTMS_RESULT_SUCCESS);
}

static void test_result_not_supported_speed_goes_monitor_only(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, T0, 8.0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_SPEED, 8.0);
        respond(c, T0, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_NOT_SUPPORTED);
        r = expect_result(c, FTMS_CONTROL_RESULT_NOT_SUPPORTED);
        assert_int_equal(r.error, -EOPNOTSUPP);
        assert_int_equal(ftms_control_get_state(c), FTMS_CONTROL_MONITOR_ONLY);
        assert_int_equal(ftms_control_get_monitor_reason(c), FTMS_MONITOR_OP_NOT_SUPPORTED);
        /* Monitor-only: paced never writes again. */
        assert_int_equal(ftms_control_set_speed(c, T0, 9.0), -EPERM);
        assert_int_equal(ftms_control_start_resume(c, T0), -EPERM);
        expect_no_write(c, T0 + USEC_PER_SEC);
}

static void test_result_not_supported_incline_disables_incline(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        ftms_control_pop_result(c, &r);
        ftms_control_set_incline(c, T0, 3.0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_INCLINATION, 3.0);
        respond(c, T0, FTMS_CP_SET_TARGET_INCLINATION, FTMS_RESULT_NOT_SUPPORTED);
        expect_result(c, FTMS_CONTROL_RESULT_NOT_SUPPORTED);
        assert_false(ftms_control_incline_supported(c));
        assert_int_equal(ftms_control_set_incline(c, T0, 4.0), -EOPNOTSUPP);
        /* Speed control is unaffected. */
        assert_int_equal(ftms_control_set_speed(c, T0, 9.0), 0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_SPEED, 9.0);
}

static void test_result_invalid_parameter_not_retried(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, T0, 24.0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_SPEED, 24.0);
        respond(c, T0, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_INVALID_PARAMETER);
        r = expect_result(c, FTMS_CONTROL_RESULT_INVALID_PARAM);
        assert_int_equal(r.error, -EINVAL);
        assert_non_null(strstr(r.message, "Invalid Parameter"));
        expect_no_write(c, T0 + 10 * USEC_PER_SEC);
}

static void test_result_operation_failed_bounded_retries(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;
        uint64_t t = T0;

        take_control(c, t);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, t, 8.0);
        for (unsigned i = 0; i < 3; i++) {
                t = ftms_control_next_deadline(c) == USEC_INFINITY ? t
                                                                   : ftms_control_next_deadline(c);
                expect_write(c, t, FTMS_CP_SET_TARGET_SPEED, 8.0);
                respond(c, t, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_OPERATION_FAILED);
        }
        r = expect_result(c, FTMS_CONTROL_RESULT_FAILED);
        assert_int_equal(r.attempts, 3);
        assert_int_equal(r.error, -EIO);
        expect_no_write(c, t + 10 * USEC_PER_SEC);
}

static void test_result_control_not_permitted_rerequests(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;
        uint64_t t = T0;

        take_control(c, t);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, t, 8.0);
        expect_write(c, t, FTMS_CP_SET_TARGET_SPEED, 8.0);
        respond(c, t, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_CONTROL_NOT_PERMITTED);
        assert_int_equal(ftms_control_get_state(c), FTMS_CONTROL_NO_CONTROL);
        /* Control first, then the same command again. */
        expect_write(c, t, FTMS_CP_REQUEST_CONTROL, 0);
        respond(c, t, FTMS_CP_REQUEST_CONTROL, FTMS_RESULT_SUCCESS);
        expect_write(c, t, FTMS_CP_SET_TARGET_SPEED, 8.0);
        respond(c, t, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_SUCCESS);
        ftms_control_pop_result(c, &r); /* control granted */
        r = expect_result(c, FTMS_CONTROL_RESULT_OK);
        assert_int_equal(r.command.op, FTMS_CP_SET_TARGET_SPEED);
}

static void test_control_refused_backs_off(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;
        uint64_t t = T0;

        ftms_control_set_speed(c, t, 8.0);
        for (unsigned i = 0; i < 3; i++) {
                uint64_t d = ftms_control_next_deadline(c);
                if (d != USEC_INFINITY && d > t)
                        t = d;
                expect_write(c, t, FTMS_CP_REQUEST_CONTROL, 0);
                respond(c, t, FTMS_CP_REQUEST_CONTROL, FTMS_RESULT_CONTROL_NOT_PERMITTED);
        }
        r = expect_result(c, FTMS_CONTROL_RESULT_NOT_PERMITTED);
        assert_int_equal(r.error, -EPERM);
        assert_int_equal(ftms_control_get_state(c), FTMS_CONTROL_REFUSED);
        /* Backing off: nothing for 10 s, then another try. */
        expect_no_write(c, t + 9 * USEC_PER_SEC);
        assert_int_equal(ftms_control_next_deadline(c), t + 10 * USEC_PER_SEC);
        expect_write(c, t + 10 * USEC_PER_SEC, FTMS_CP_REQUEST_CONTROL, 0);
}

static void test_result_rfu_code(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, T0, 8.0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_SPEED, 8.0);
        respond(c, T0, FTMS_CP_SET_TARGET_SPEED, 0x06);
        r = expect_result(c, FTMS_CONTROL_RESULT_RFU);
        assert_int_equal(r.result_code, 0x06);
        assert_int_equal(r.error, -EPROTO);
        assert_non_null(strstr(ftms_control_result_code_explain(0x00), "reserved"));
}

static void test_timeout_retries_then_reports(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;
        uint64_t t = T0;

        take_control(c, t);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, t, 8.0);
        for (unsigned i = 0; i < 3; i++) {
                expect_write(c, t, FTMS_CP_SET_TARGET_SPEED, 8.0);
                assert_int_equal(ftms_control_next_deadline(c), t + 3 * USEC_PER_SEC);
                ftms_control_tick(c, t + 3 * USEC_PER_SEC - 1);
                expect_no_write(c, t + 3 * USEC_PER_SEC - 1);
                t += 3 * USEC_PER_SEC;
                ftms_control_tick(c, t);
        }
        r = expect_result(c, FTMS_CONTROL_RESULT_TIMEOUT);
        assert_int_equal(r.error, -ETIMEDOUT);
        expect_no_write(c, t);
        /* A late answer to the abandoned command is ignored. */
        respond(c, t + 1, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_SUCCESS);
        assert_int_equal(ftms_control_pop_result(c, &r), 0);
}

typedef struct Transitions {
        FtmsControlTransition t[64];
        size_t n;
} Transitions;

static void record_transition(const FtmsControlTransition *t, void *userdata)
{
        Transitions *r = userdata;

        assert_true(r->n < ELEMENTSOF(r->t));
        assert_true(t->from != t->to);
        assert_non_null(t->reason);
        r->t[r->n++] = *t;
}

/*
 * Every state change goes through the one enter_state(): the callback hears
 * each, and they chain (each starts where the previous one ended), so none
 * was made behind its back; the last one ends in the current state.
 */
static void check_chain(const Transitions *r, FtmsControlState start, const FtmsControl *c)
{
        FtmsControlState s = start;

        for (size_t i = 0; i < r->n; i++) {
                assert_int_equal(r->t[i].from, s);
                s = r->t[i].to;
        }
        assert_int_equal(s, ftms_control_get_state(c));
}

static void test_transitions_reported(void **state)
{
        Transitions rec = {};
        FtmsControlConfig cfg;
        FtmsControl *c;
        uint64_t t = T0;

        ftms_control_config_init(&cfg);
        cfg.on_transition = record_transition;
        cfg.userdata = &rec;
        c = new_linked(&cfg);
        take_control(c, t);
        assert_int_equal(rec.n, 3);
        assert_int_equal(rec.t[0].to, FTMS_CONTROL_NO_CONTROL);
        assert_string_equal(rec.t[0].reason, "link up");
        assert_int_equal(rec.t[1].to, FTMS_CONTROL_REQUESTING);
        assert_int_equal(rec.t[2].to, FTMS_CONTROL_READY);
        assert_string_equal(rec.t[2].reason, "control granted");
        assert_true(rec.t[2].time_usec == t);

        /* Lost, refused three times, backed off, retried, then the link goes. */
        ftms_control_permission_lost(c, ++t);
        assert_string_equal(rec.t[rec.n - 1].reason, "control permission lost");
        for (unsigned i = 0; i < 3; i++) {
                uint64_t d = ftms_control_next_deadline(c);
                if (d != USEC_INFINITY && d > t)
                        t = d;
                expect_write(c, t, FTMS_CP_REQUEST_CONTROL, 0);
                respond(c, t, FTMS_CP_REQUEST_CONTROL, FTMS_RESULT_CONTROL_NOT_PERMITTED);
        }
        assert_int_equal(rec.t[rec.n - 1].to, FTMS_CONTROL_REFUSED);
        expect_write(c, t + 10 * USEC_PER_SEC, FTMS_CP_REQUEST_CONTROL, 0);
        ftms_control_link(c, t + 11 * USEC_PER_SEC, false);
        assert_int_equal(rec.t[rec.n - 1].to, FTMS_CONTROL_OFFLINE);
        assert_string_equal(rec.t[rec.n - 1].reason, "link down");
        check_chain(&rec, FTMS_CONTROL_OFFLINE, c);
        ftms_control_free(c);

        /* Monitor-only because the machine cannot take a speed target. */
        rec = (Transitions){};
        c = NULL;
        assert_int_equal(ftms_control_new(&c, &cfg), 0);
        ftms_control_link(c, T0, true);
        ftms_control_set_capabilities(c, T0, &(TransportCapabilities){.has_control_point = true});
        assert_int_equal(rec.t[rec.n - 1].to, FTMS_CONTROL_MONITOR_ONLY);
        assert_string_equal(rec.t[rec.n - 1].reason,
                            ftms_monitor_reason_to_string(FTMS_MONITOR_NO_SPEED_TARGET));
        check_chain(&rec, FTMS_CONTROL_OFFLINE, c);
        ftms_control_free(c);
}

static void test_permission_lost_rerequests(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        ftms_control_pop_result(c, &r);
        ftms_control_permission_lost(c, T0 + 5);
        assert_false(ftms_control_has_control(c));
        expect_write(c, T0 + 5, FTMS_CP_REQUEST_CONTROL, 0);
        respond(c, T0 + 6, FTMS_CP_REQUEST_CONTROL, FTMS_RESULT_SUCCESS);
        assert_true(ftms_control_has_control(c));
}

static void test_write_failed_retry_and_notconn(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;
        uint64_t t = T0;

        take_control(c, t);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, t, 8.0);
        expect_write(c, t, FTMS_CP_SET_TARGET_SPEED, 8.0);
        ftms_control_handle_write_failed(c, t, -EBUSY);
        /* Not in a tight loop: after a short pause. */
        expect_no_write(c, t);
        t = ftms_control_next_deadline(c);
        expect_write(c, t, FTMS_CP_SET_TARGET_SPEED, 8.0);
        ftms_control_handle_write_failed(c, t, -ENOTCONN);
        r = expect_result(c, FTMS_CONTROL_RESULT_WRITE_FAILED);
        assert_int_equal(r.error, -ENOTCONN);
}

static void test_link_loss_drops_and_requires_new_control(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, T0, 8.0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_SPEED, 8.0);
        ftms_control_set_incline(c, T0, 1.0);
        ftms_control_link(c, T0 + 1, false);
        expect_result(c, FTMS_CONTROL_RESULT_DROPPED);
        expect_result(c, FTMS_CONTROL_RESULT_DROPPED);
        assert_int_equal(ftms_control_get_state(c), FTMS_CONTROL_OFFLINE);
        assert_int_equal(ftms_control_set_speed(c, T0 + 2, 9.0), -ENOTCONN);
        ftms_control_link(c, T0 + 3, true);
        ftms_control_set_speed(c, T0 + 3, 9.0);
        expect_write(c, T0 + 3, FTMS_CP_REQUEST_CONTROL, 0);
}

static void test_monitor_only_configured(void **state)
{
        FtmsControlConfig cfg;
        FtmsControlCommand cmd;

        ftms_control_config_init(&cfg);
        cfg.monitor_only = true;
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(&cfg);
        assert_int_equal(ftms_control_get_monitor_reason(c), FTMS_MONITOR_CONFIGURED);
        assert_int_equal(ftms_control_set_speed(c, T0, 8.0), -EPERM);
        assert_int_equal(ftms_control_request(c, T0), -EPERM);
        assert_int_equal(ftms_control_stop_pause(c, T0, FTMS_STOP_PARAM_PAUSE), -EPERM);
        assert_int_equal(ftms_control_pop_write(c, T0, &cmd), 0);
        assert_false(ftms_control_can_write(c));
}

static void test_monitor_only_without_speed_target(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = NULL;
        TransportCapabilities caps = {
                .feature = {.target = FTMS_TARGET_INCLINATION},
                .has_control_point = true,
        };

        assert_int_equal(ftms_control_new(&c, NULL), 0);
        ftms_control_link(c, T0, true);
        ftms_control_set_capabilities(c, T0, &caps);
        assert_int_equal(ftms_control_get_monitor_reason(c), FTMS_MONITOR_NO_SPEED_TARGET);
        assert_int_equal(ftms_control_set_speed(c, T0, 8.0), -EPERM);

        /* Capabilities read before the link event (the simulator's order). */
        ftms_control_link(c, T0, false);
        ftms_control_link(c, T0, true);
        assert_int_equal(ftms_control_get_monitor_reason(c), FTMS_MONITOR_NO_SPEED_TARGET);
        assert_int_equal(ftms_control_set_speed(c, T0, 8.0), -EPERM);

        caps.feature.target = FTMS_TARGET_SPEED;
        ftms_control_set_capabilities(c, T0, &caps);
        assert_int_equal(ftms_control_get_state(c), FTMS_CONTROL_NO_CONTROL);
        assert_int_equal(ftms_control_set_speed(c, T0, 8.0), 0);

        caps.has_control_point = false;
        ftms_control_set_capabilities(c, T0, &caps);
        assert_int_equal(ftms_control_get_monitor_reason(c), FTMS_MONITOR_NO_CONTROL_POINT);
}

static void test_stop_wins_over_queued(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);
        FtmsControlResult r;

        take_control(c, T0);
        ftms_control_pop_result(c, &r);
        ftms_control_set_speed(c, T0, 8.0);
        expect_write(c, T0, FTMS_CP_SET_TARGET_SPEED, 8.0);
        ftms_control_set_speed(c, T0, 12.0);
        ftms_control_start_resume(c, T0);
        ftms_control_stop_pause(c, T0, FTMS_STOP_PARAM_PAUSE);
        respond(c, T0, FTMS_CP_SET_TARGET_SPEED, FTMS_RESULT_SUCCESS);
        expect_write(c, T0, FTMS_CP_STOP_OR_PAUSE, 0);
        respond(c, T0, FTMS_CP_STOP_OR_PAUSE, FTMS_RESULT_SUCCESS);
        expect_no_write(c, T0);
}

static void test_bad_values_rejected(void **state)
{
        _cleanup_(ftms_control_freep) FtmsControl *c = new_linked(NULL);

        assert_int_equal(ftms_control_set_speed(c, T0, NAN), -EINVAL);
        assert_int_equal(ftms_control_set_speed(c, T0, -1.0), -EINVAL);
        assert_int_equal(ftms_control_set_speed(c, T0, INFINITY), -EINVAL);
        assert_int_equal(ftms_control_set_incline(c, T0, NAN), -EINVAL);
        assert_int_equal(ftms_control_stop_pause(c, T0, 7), -EINVAL);
        assert_false(ftms_control_busy(c));
}

/* The bytes on the wire (FTMS 1.0 table 4.15; docs/protocol.md): exact lengths, LE. */
static void test_command_encoding(void **state)
{
        static const struct {
                FtmsControlCommand cmd;
                uint8_t bytes[4];
                size_t len;
        } vectors[] = {
                {{.op = FTMS_CP_REQUEST_CONTROL}, {0x00}, 1},
                {{.op = FTMS_CP_SET_TARGET_SPEED, .value = 16.0}, {0x02, 0x40, 0x06}, 3},
                {{.op = FTMS_CP_SET_TARGET_SPEED, .value = 7.46}, {0x02, 0xea, 0x02}, 3},
                {{.op = FTMS_CP_SET_TARGET_INCLINATION, .value = -1.5}, {0x03, 0xf1, 0xff}, 3},
                {{.op = FTMS_CP_START_OR_RESUME}, {0x07}, 1},
                {{.op = FTMS_CP_STOP_OR_PAUSE, .stop_pause = FTMS_STOP_PARAM_PAUSE},
                 {0x08, 0x02},
                 2},
        };
        uint8_t buf[FTMS_CP_MAX_LEN];
        size_t len;

        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                assert_int_equal(
                        ftms_control_command_encode(&vectors[i].cmd, buf, sizeof(buf), &len), 0);
                assert_int_equal(len, vectors[i].len);
                assert_memory_equal(buf, vectors[i].bytes, len);
        }
        assert_true(ftms_control_command_encode(&(FtmsControlCommand){.op = 0x55}, buf, sizeof(buf),
                                                &len) < 0);
}

static void test_to_string(void **state)
{
        for (int i = 0; i < _FTMS_CONTROL_STATE_MAX; i++)
                assert_non_null(ftms_control_state_to_string(i));
        for (int i = 0; i < _FTMS_MONITOR_REASON_MAX; i++)
                assert_non_null(ftms_monitor_reason_to_string(i));
        for (int i = 0; i < _FTMS_CONTROL_RESULT_KIND_MAX; i++)
                assert_non_null(ftms_control_result_kind_to_string(i));
        assert_null(ftms_control_state_to_string(_FTMS_CONTROL_STATE_MAX));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_request_control_comes_first),
                cmocka_unit_test(test_one_outstanding_and_coalescing),
                cmocka_unit_test(test_result_success),
                cmocka_unit_test(test_result_not_supported_speed_goes_monitor_only),
                cmocka_unit_test(test_result_not_supported_incline_disables_incline),
                cmocka_unit_test(test_result_invalid_parameter_not_retried),
                cmocka_unit_test(test_result_operation_failed_bounded_retries),
                cmocka_unit_test(test_result_control_not_permitted_rerequests),
                cmocka_unit_test(test_control_refused_backs_off),
                cmocka_unit_test(test_result_rfu_code),
                cmocka_unit_test(test_timeout_retries_then_reports),
                cmocka_unit_test(test_permission_lost_rerequests),
                cmocka_unit_test(test_transitions_reported),
                cmocka_unit_test(test_write_failed_retry_and_notconn),
                cmocka_unit_test(test_link_loss_drops_and_requires_new_control),
                cmocka_unit_test(test_monitor_only_configured),
                cmocka_unit_test(test_monitor_only_without_speed_target),
                cmocka_unit_test(test_stop_wins_over_queued),
                cmocka_unit_test(test_bad_values_rejected),
                cmocka_unit_test(test_command_encoding),
                cmocka_unit_test(test_to_string),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
