/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine against the daemon's treadmill simulator (sim-treadmill.c)
 * over real bytes: commands go through ftms_control_command_encode() into
 * the simulated control-point server, and every response, status and
 * Treadmill Data notification comes back through the ftms.h parsers, in the
 * order the simulator transport uses (capabilities, then link). The 6x400 m
 * session and the mile time trial run end to end; a console pause is never
 * undone by paced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fake-treadmill.h" /* workout builders only */
#include "sim-treadmill.h"
#include "workout-engine.h"

#define S(x) ((uint64_t)((x) * (double)USEC_PER_SEC))

typedef struct SimRig {
        WorkoutEngine *e;
        SimTreadmill *t;
        FtmsTreadmillAssembler asm_;
        uint64_t now;
        unsigned cp_errors, writes, speed_writes, start_writes;
        double max_target;
        unsigned laps, auto_laps;
        double rep_dist[16];
        unsigned n_rep;
        bool finished;
} SimRig;

static void sim_dispatch(SimRig *s);

static void sim_drain(SimRig *s)
{
        EngineOutput o;

        while (workout_engine_pop_output(s->e, &o) > 0) {
                if (o.type == ENGINE_OUTPUT_CP_WRITE) {
                        uint8_t buf[FTMS_CP_MAX_LEN];
                        size_t len;

                        assert_int_equal(
                                ftms_control_command_encode(&o.write, buf, sizeof(buf), &len), 0);
                        assert_int_equal(sim_treadmill_write_control_point(s->t, s->now, buf, len),
                                         0);
                        s->writes++;
                        if (o.write.op == FTMS_CP_SET_TARGET_SPEED) {
                                s->speed_writes++;
                                s->max_target = fmax(s->max_target, o.write.value);
                        }
                        if (o.write.op == FTMS_CP_START_OR_RESUME)
                                s->start_writes++;
                        sim_dispatch(s);
                } else if (o.type == ENGINE_OUTPUT_EVENT) {
                        const EngineEvent *ev = &o.event;

                        if (ev->type == ENGINE_EVENT_CP_RESULT)
                                s->cp_errors++;
                        if (ev->type == ENGINE_EVENT_LAP) {
                                s->laps++;
                                s->auto_laps += ev->lap.automatic;
                                if (ev->lap.distance_m > 300 && ev->lap.distance_m < 500 &&
                                    s->n_rep < ELEMENTSOF(s->rep_dist))
                                        s->rep_dist[s->n_rep++] = ev->lap.distance_m;
                        }
                }
        }
}

static void sim_emit(SimRig *s, const TransportEvent *ev)
{
        workout_engine_handle_event(s->e, s->now, ev);
        sim_drain(s);
}

/* Everything the simulator queued, through the parsers. */
static void sim_dispatch(SimRig *s)
{
        SimPacket p;

        while (sim_treadmill_pop(s->t, &p)) {
                TransportEvent ev = {.role = TRANSPORT_ROLE_TREADMILL, .time_usec = s->now};
                int r;

                switch (p.uuid) {
                case FTMS_UUID_TREADMILL_DATA:
                        r = ftms_treadmill_assembler_push(&s->asm_, p.data, p.len, &ev.treadmill);
                        if (r <= 0)
                                continue;
                        ev.type = TRANSPORT_EVENT_TREADMILL_DATA;
                        break;
                case FTMS_UUID_MACHINE_STATUS:
                        r = ftms_parse_machine_status(p.data, p.len, &ev.status);
                        ev.type = TRANSPORT_EVENT_MACHINE_STATUS;
                        break;
                case FTMS_UUID_CONTROL_POINT:
                        r = ftms_cp_parse_response(p.data, p.len, &ev.cp_response);
                        ev.type = TRANSPORT_EVENT_CP_RESPONSE;
                        break;
                default:
                        continue;
                }
                assert_true(r >= 0);
                sim_emit(s, &ev);
        }
}

static void sim_rig_init(SimRig *s, const EngineConfig *cfg)
{
        SimTreadmillConfig tc;
        TransportEvent ev = {.type = TRANSPORT_EVENT_CAPABILITIES,
                             .role = TRANSPORT_ROLE_TREADMILL};
        SimPacket p;

        memset(s, 0, sizeof(*s));
        s->now = S(5000);
        sim_treadmill_config_default(&tc);
        assert_int_equal(sim_treadmill_new(&s->t, &tc, s->now), 0);
        assert_int_equal(workout_engine_new(&s->e, cfg), 0);
        ftms_treadmill_assembler_reset(&s->asm_);

        assert_true(sim_treadmill_read(s->t, FTMS_UUID_FEATURE, &p) >= 0);
        assert_int_equal(ftms_parse_feature(p.data, p.len, &ev.caps.feature), 0);
        assert_true(sim_treadmill_read(s->t, FTMS_UUID_SPEED_RANGE, &p) >= 0);
        ev.caps.has_speed_range = ftms_parse_speed_range(p.data, p.len, &ev.caps.speed_range) >= 0;
        assert_true(sim_treadmill_read(s->t, FTMS_UUID_INCLINE_RANGE, &p) >= 0);
        ev.caps.has_incline_range =
                ftms_parse_incline_range(p.data, p.len, &ev.caps.incline_range) >= 0;
        ev.caps.has_control_point = true;
        sim_emit(s, &ev);
        ev = (TransportEvent){.type = TRANSPORT_EVENT_LINK, .role = TRANSPORT_ROLE_TREADMILL};
        ev.link.up = true;
        sim_emit(s, &ev);
}

static void sim_rig_free(SimRig *s)
{
        s->e = workout_engine_free(s->e);
        s->t = sim_treadmill_free(s->t);
}

static void sim_run_until(SimRig *s, uint64_t until)
{
        for (;;) {
                uint64_t d = workout_engine_next_deadline(s->e);
                uint64_t data = sim_treadmill_next_data_usec(s->t);
                uint64_t t = d < data ? d : data;

                if (t > until) {
                        s->now = until;
                        sim_treadmill_advance(s->t, until);
                        return;
                }
                s->now = t > s->now ? t : s->now;
                if (t == data) {
                        sim_treadmill_tick(s->t, s->now);
                        sim_dispatch(s);
                } else {
                        sim_treadmill_advance(s->t, s->now);
                        workout_engine_tick(s->e, s->now);
                        sim_drain(s);
                }
        }
}

static void console(SimRig *s, SimConsoleButton b)
{
        assert_int_equal(sim_treadmill_console(s->t, s->now, b), 0);
        sim_dispatch(s);
}

static void test_sim_six_by_400(void **state)
{
        ResolvedStep steps[14];
        size_t n = 0;
        EngineConfig cfg;
        SimRig s;

        steps[n++] = rig_step_time(STEP_KIND_WARMUP, 300, 9.0);
        for (int i = 0; i < 6; i++) {
                steps[n++] = rig_step_dist(STEP_KIND_ACTIVE, 400, 16.0);
                steps[n++] = rig_step_time(STEP_KIND_RECOVERY, 90, 7.0);
        }
        steps[n++] = rig_step_time(STEP_KIND_COOLDOWN, 300, 8.0);
        engine_config_init(&cfg);
        sim_rig_init(&s, &cfg);
        assert_int_equal(workout_engine_load(s.e, s.now, rig_workout("6x400", steps, n)), 0);
        assert_int_equal(workout_engine_arm(s.e, s.now), 0);
        sim_drain(&s);
        sim_run_until(&s, s.now + S(10));
        assert_int_equal(s.writes, 0);
        console(&s, SIM_CONSOLE_START);
        sim_run_until(&s, s.now + S(2000));

        assert_int_equal(workout_engine_get_state(s.e), ENGINE_STATE_FINISHED);
        assert_int_equal(s.cp_errors, 0); /* every value on the machine's grid, in range */
        assert_true(s.max_target <= 16.0 + 1e-9);
        assert_int_equal(s.start_writes, 0);
        assert_int_equal(s.laps, 14);
        assert_int_equal(s.n_rep, 6);
        for (unsigned i = 0; i < s.n_rep; i++)
                assert_true(fabs(s.rep_dist[i] - 400) < 1e-6);
        /* The simulator's belt reached the rep speed. */
        assert_true(s.speed_writes > 30);
        sim_rig_free(&s);
}

static void test_sim_mile_time_trial(void **state)
{
        ResolvedStep steps[3] = {
                rig_step_time(STEP_KIND_WARMUP, 600, 9.0),
                rig_step_dist(STEP_KIND_TIME_TRIAL, METERS_PER_MILE, 15.0),
                rig_step_time(STEP_KIND_COOLDOWN, 300, 8.0),
        };
        EngineConfig cfg;
        SimRig s;

        engine_config_init(&cfg);
        sim_rig_init(&s, &cfg);
        console(&s, SIM_CONSOLE_START);
        sim_run_until(&s, s.now + S(5));
        assert_int_equal(workout_engine_load(s.e, s.now, rig_workout("mile", steps, 3)), 0);
        assert_int_equal(workout_engine_start(s.e, s.now), 0);
        sim_drain(&s);
        sim_run_until(&s, s.now + S(1600));
        assert_int_equal(workout_engine_get_state(s.e), ENGINE_STATE_FINISHED);
        assert_int_equal(s.cp_errors, 0);
        /* Four quarter-mile laps: three cut inside the step, one at its end. */
        assert_int_equal(s.auto_laps, 3);
        assert_int_equal(s.laps, 2 + 4);
        sim_rig_free(&s);
}

static void test_sim_console_pause_is_respected(void **state)
{
        ResolvedStep steps[2] = {
                rig_step_time(STEP_KIND_ACTIVE, 300, 10.0),
                rig_step_time(STEP_KIND_ACTIVE, 300, 12.0),
        };
        EngineConfig cfg;
        EngineStatus st;
        SimRig s;
        unsigned w;

        engine_config_init(&cfg);
        cfg.allow_remote_start = true; /* even so: only on an explicit command */
        sim_rig_init(&s, &cfg);
        console(&s, SIM_CONSOLE_START);
        sim_run_until(&s, s.now + S(5));
        assert_int_equal(workout_engine_load(s.e, s.now, rig_workout("p", steps, 2)), 0);
        assert_int_equal(workout_engine_start(s.e, s.now), 0);
        sim_drain(&s);
        sim_run_until(&s, s.now + S(60));
        console(&s, SIM_CONSOLE_PAUSE);
        w = s.writes;
        sim_run_until(&s, s.now + S(120));
        workout_engine_get_status(s.e, s.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        assert_int_equal(st.pause_reason, ENGINE_PAUSE_CONSOLE);
        assert_int_equal(s.writes, w);
        assert_int_equal(sim_treadmill_state(s.t), SIM_BELT_PAUSED);
        assert_true(sim_treadmill_speed_kmh(s.t) < 0.01);
        console(&s, SIM_CONSOLE_START);
        sim_run_until(&s, s.now + S(30));
        workout_engine_get_status(s.e, s.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        assert_int_equal(st.step_index, 0);
        assert_true(fabs(sim_treadmill_speed_kmh(s.t) - 10.0) < 0.11);
        assert_int_equal(s.start_writes, 0);
        sim_rig_free(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sim_six_by_400),
                cmocka_unit_test(test_sim_mile_time_trial),
                cmocka_unit_test(test_sim_console_pause_is_respected),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
