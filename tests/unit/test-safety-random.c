/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The randomized state-space test of the safety invariants: thousands of
 * seeded sequences of what a runner, an admin and bad luck do — pacectl
 * commands (start, arm, faster/slower, pause, resume, skip, extend, stop),
 * console events (start, stop, pause, safety key out/in, console speed),
 * control-point faults (control refused or revoked, failed writes, lost
 * responses), link loss and reconnect, heart-rate spikes and loss, SIGTERM,
 * and a crash with a restart that resumes the session — played against the
 * simulated treadmill (core/sim-treadmill.c, through the real encoders and
 * parsers) in virtual time. The safety monitor checks every write and every
 * report; the first violation prints the seed, the invariant and the trace
 * of the sequence, and fails.
 *
 *   test-safety-random                 the CI run (PACED_RANDOM_COUNT, default 1500)
 *   test-safety-random --count N       N sequences from seed 1 (bench/safety-random.sh)
 *   test-safety-random --seed S -v     replay one sequence, printing its trace
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safety-monitor.h"
#include "sim-treadmill.h"
#include "workout-engine.h"

#define S(x)      ((uint64_t)((x) * (double)USEC_PER_SEC))
#define TRACE_MAX 200

typedef struct Harness {
        uint64_t seed, rng;
        bool verbose;
        uint64_t now;
        EngineConfig cfg;
        WorkoutEngine *e;
        SafetyMonitor *mon;
        SimTreadmill *tm;
        bool link;
        uint64_t reconnect_at;
        /* the one control-point response in flight */
        bool cp_pending;
        uint64_t cp_at;
        bool drop_responses_until_set;
        uint64_t drop_responses_until;
        /* Target Speed Changed notices held back and delivered late, after
         * newer Control Point responses (two characteristics, no order). */
        uint64_t late_echo_until;
        TransportEvent late[8];
        uint64_t late_at[8];
        unsigned n_late;
        bool fail_next_write;
        /* heart rate */
        bool hr_on;
        double hr_bpm;
        uint64_t next_hr;
        /* shutdown */
        bool shutting_down, exited;
        bool violated;
        char trace[TRACE_MAX][96];
        unsigned n_trace;
        unsigned n_writes, n_actions;
} Harness;

static uint64_t rnd(Harness *h)
{
        /* splitmix64: the seed alone decides the sequence. */
        uint64_t z = (h->rng += 0x9E3779B97F4A7C15ULL);

        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
}

static double rnd_range(Harness *h, double lo, double hi)
{
        return lo + (hi - lo) * (double)(rnd(h) >> 11) / (double)(1ULL << 53);
}

static unsigned rnd_below(Harness *h, unsigned n)
{
        return (unsigned)(rnd(h) % n);
}

_printf_(2, 3) static void trace(Harness *h, const char *fmt, ...)
{
        va_list ap;
        char *t;

        if (h->n_trace >= TRACE_MAX)
                return;
        t = h->trace[h->n_trace++];
        snprintf(t, 16, "%8.1f ", (double)h->now / USEC_PER_SEC);
        va_start(ap, fmt);
        vsnprintf(t + strlen(t), 96 - strlen(t), fmt, ap);
        va_end(ap);
        if (h->verbose)
                fprintf(stderr, "%s\n", t);
}

static void violation(Harness *h, const SafetyViolation *v)
{
        if (h->violated)
                return;
        h->violated = true;
        fprintf(stderr, "seed %" PRIu64 ": SAFETY VIOLATION (%s) at %.3f s: %s\n", h->seed,
                safety_invariant_to_string(v->invariant), (double)v->time_usec / USEC_PER_SEC,
                v->message);
        if (!h->verbose)
                for (unsigned i = 0; i < h->n_trace; i++)
                        fprintf(stderr, "  %s\n", h->trace[i]);
        if (h->e) {
                EngineStatus st;

                workout_engine_get_status(h->e, h->now, &st);
                fprintf(stderr,
                        "  engine: %s%s%s, belt %s at %.2f km/h, target %.2f, control %s, "
                        "hr-ceiling %s\n",
                        engine_state_to_string(st.state), st.pause_reason ? " " : "",
                        st.pause_reason ? engine_pause_reason_to_string(st.pause_reason) : "",
                        st.belt_running ? "running" : "not running", st.measured_speed_kmh,
                        st.target_speed_kmh, ftms_control_state_to_string(st.control_state),
                        st.hr_ceiling_active ? "active" : "off");
        }
        fprintf(stderr, "replay: test-safety-random --seed %" PRIu64 " -v\n", h->seed);
}

static void handle_outputs(Harness *h);

static void emit(Harness *h, const TransportEvent *ev)
{
        SafetyViolation v;

        safety_monitor_observe(h->mon, h->now, ev);
        if (h->e) {
                workout_engine_handle_event(h->e, h->now, ev);
                handle_outputs(h);
        }
        if (safety_monitor_check(h->mon, h->now, &v) < 0)
                violation(h, &v);
}

static void emit_write_failed(Harness *h, int error)
{
        TransportEvent ev = {
                .type = TRANSPORT_EVENT_CP_WRITE_FAILED,
                .role = TRANSPORT_ROLE_TREADMILL,
                .cp_write_error = {.error = error},
        };
        emit(h, &ev);
}

static void write_cp(Harness *h, const FtmsControlCommand *cmd)
{
        uint8_t buf[FTMS_CP_MAX_LEN];
        SafetyViolation v;
        size_t len;

        h->n_writes++;
        if (h->verbose)
                fprintf(stderr, "%8.3f   write op 0x%02x %.2f\n", (double)h->now / USEC_PER_SEC,
                        cmd->op, cmd->value);
        if (safety_monitor_check_write(h->mon, h->now, cmd, &v) < 0) {
                violation(h, &v);
                emit_write_failed(h, -EPERM);
                return;
        }
        if (!h->link) {
                emit_write_failed(h, -ENOTCONN);
                return;
        }
        if (h->fail_next_write) {
                h->fail_next_write = false;
                emit_write_failed(h, -EIO);
                return;
        }
        if (ftms_control_command_encode(cmd, buf, sizeof(buf), &len) < 0 ||
            sim_treadmill_write_control_point(h->tm, h->now, buf, len) < 0) {
                emit_write_failed(h, -EINVAL);
                return;
        }
        h->cp_pending = true;
        h->cp_at = h->now + 50 * USEC_PER_MSEC;
}

static void handle_outputs(Harness *h)
{
        EngineOutput o;

        while (workout_engine_pop_output(h->e, &o) > 0)
                switch (o.type) {
                case ENGINE_OUTPUT_CP_WRITE:
                        write_cp(h, &o.write);
                        break;
                case ENGINE_OUTPUT_EVENT:
                        if (o.event.type == ENGINE_EVENT_SAFETY &&
                            o.event.rule == ENGINE_SAFETY_SHUTDOWN) {
                                if (o.event.active)
                                        safety_monitor_stop_begin(
                                                h->mon, h->now,
                                                engine_shutdown_policy_to_monitor(
                                                        (EngineShutdownPolicy)o.event.value),
                                                o.event.applied);
                                else
                                        safety_monitor_stop_end(h->mon, h->now, o.event.value > 0);
                        } else if (o.event.type == ENGINE_EVENT_SHUTDOWN_DONE)
                                safety_monitor_stop_end(h->mon, h->now, o.event.value > 0);
                        break;
                case ENGINE_OUTPUT_CUE:
                case _ENGINE_OUTPUT_TYPE_MAX:
                case _ENGINE_OUTPUT_TYPE_INVALID:
                        break;
                }
}

/* Packets of the simulated treadmill -> the parsers -> transport events. */
static void deliver(Harness *h, bool responses)
{
        SimPacket p;

        while (sim_treadmill_pop(h->tm, &p)) {
                TransportEvent ev = {.role = TRANSPORT_ROLE_TREADMILL, .time_usec = h->now};

                if (!h->link)
                        continue;
                switch (p.uuid) {
                case FTMS_UUID_TREADMILL_DATA:
                        ev.type = TRANSPORT_EVENT_TREADMILL_DATA;
                        if (ftms_parse_treadmill_data(p.data, p.len, &ev.treadmill) < 0)
                                continue;
                        break;
                case FTMS_UUID_MACHINE_STATUS:
                        ev.type = TRANSPORT_EVENT_MACHINE_STATUS;
                        if (ftms_parse_machine_status(p.data, p.len, &ev.status) < 0)
                                continue;
                        break;
                case FTMS_UUID_TRAINING_STATUS:
                        ev.type = TRANSPORT_EVENT_TRAINING_STATUS;
                        if (ftms_parse_training_status(p.data, p.len, &ev.training) < 0)
                                continue;
                        break;
                case FTMS_UUID_CONTROL_POINT:
                        if (!responses) /* lost indication: the command may still act */
                                continue;
                        ev.type = TRANSPORT_EVENT_CP_RESPONSE;
                        if (ftms_cp_parse_response(p.data, p.len, &ev.cp_response) < 0)
                                continue;
                        if (h->verbose)
                                fprintf(stderr, "%8.3f   response op 0x%02x result %u\n",
                                        (double)h->now / USEC_PER_SEC, ev.cp_response.request_op,
                                        ev.cp_response.result);
                        break;
                default:
                        continue;
                }
                if (ev.type == TRANSPORT_EVENT_MACHINE_STATUS &&
                    ev.status.op == FTMS_STATUS_TARGET_SPEED_CHANGED &&
                    h->now < h->late_echo_until && h->n_late < ELEMENTSOF(h->late)) {
                        h->late[h->n_late] = ev;
                        h->late_at[h->n_late++] = h->now + S(rnd_range(h, 0.3, 3));
                        continue;
                }
                emit(h, &ev);
                if (h->verbose && ev.type != TRANSPORT_EVENT_CP_RESPONSE)
                        fprintf(stderr, "%8.3f   %s%s %.2f -> monitor: runner stopped %d\n",
                                (double)h->now / USEC_PER_SEC,
                                ev.type == TRANSPORT_EVENT_TREADMILL_DATA ? "data" : "status",
                                ev.type == TRANSPORT_EVENT_MACHINE_STATUS ? "" : "",
                                ev.type == TRANSPORT_EVENT_TREADMILL_DATA ? ev.treadmill.speed_kmh
                                                                          : (double)ev.status.op,
                                safety_monitor_runner_stopped(h->mon));
        }
}

static void link_up(Harness *h)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_CAPABILITIES,
                             .role = TRANSPORT_ROLE_TREADMILL};
        SimPacket p;

        h->link = true;
        if (sim_treadmill_read(h->tm, FTMS_UUID_FEATURE, &p) >= 0)
                (void)ftms_parse_feature(p.data, p.len, &ev.caps.feature);
        if (sim_treadmill_read(h->tm, FTMS_UUID_SPEED_RANGE, &p) >= 0)
                ev.caps.has_speed_range =
                        ftms_parse_speed_range(p.data, p.len, &ev.caps.speed_range) >= 0;
        if (sim_treadmill_read(h->tm, FTMS_UUID_INCLINE_RANGE, &p) >= 0)
                ev.caps.has_incline_range =
                        ftms_parse_incline_range(p.data, p.len, &ev.caps.incline_range) >= 0;
        ev.caps.has_control_point = true;
        emit(h, &ev);
        ev = (TransportEvent){.type = TRANSPORT_EVENT_LINK, .role = TRANSPORT_ROLE_TREADMILL};
        ev.link.up = true;
        emit(h, &ev);
        if (sim_treadmill_read(h->tm, FTMS_UUID_TRAINING_STATUS, &p) >= 0) {
                TransportEvent t = {.type = TRANSPORT_EVENT_TRAINING_STATUS,
                                    .role = TRANSPORT_ROLE_TREADMILL};

                if (ftms_parse_training_status(p.data, p.len, &t.training) >= 0)
                        emit(h, &t);
        }
}

static void link_down(Harness *h)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_LINK, .role = TRANSPORT_ROLE_TREADMILL};

        sim_treadmill_link_lost(h->tm, h->now);
        h->link = false;
        h->cp_pending = false;
        h->n_late = 0; /* notices of a lost link never come */
        ev.link.reason = "random: link lost";
        emit(h, &ev);
}

static ResolvedWorkout *random_workout(Harness *h)
{
        ResolvedStep steps[6];
        size_t n = 1 + rnd_below(h, 6);
        ResolvedWorkout *w = calloc(1, sizeof(*w));

        for (size_t i = 0; i < n; i++) {
                double kmh = rnd_range(h, 3, 24); /* beyond the caps now and then */
                bool dist = rnd_below(h, 3) == 0;

                steps[i] = (ResolvedStep){
                        .kind = STEP_KIND_ACTIVE,
                        .end = dist ? STEP_END_DISTANCE : STEP_END_TIME,
                        .end_value = dist ? rnd_range(h, 100, 1200) : rnd_range(h, 10, 240),
                        .control = STEP_CONTROL_SPEED,
                        .speed_start_kmh = kmh,
                        .speed_end_kmh = rnd_below(h, 4) == 0 ? rnd_range(h, 3, 20) : kmh,
                };
                if (rnd_below(h, 3) == 0) {
                        steps[i].has_incline = true;
                        steps[i].incline_start_pct = rnd_range(h, -3, 18);
                        steps[i].incline_end_pct = steps[i].incline_start_pct;
                }
                snprintf(steps[i].label, sizeof(steps[i].label), "step %zu", i + 1);
        }
        w->name = strdup("random");
        w->steps = calloc(n, sizeof(ResolvedStep));
        memcpy(w->steps, steps, n * sizeof(ResolvedStep));
        w->n_steps = n;
        return w;
}

/* Runs virtual time forward to `until`, feeding every source in order. */
static void run_until(Harness *h, uint64_t until)
{
        while (!h->violated) {
                uint64_t t = until, d;
                SafetyViolation v;

                if (h->e) {
                        d = workout_engine_next_deadline(h->e);
                        t = d < t ? d : t;
                }
                d = sim_treadmill_next_data_usec(h->tm);
                t = h->link && d < t ? d : t;
                if (h->cp_pending && h->cp_at < t)
                        t = h->cp_at;
                for (unsigned i = 0; i < h->n_late; i++)
                        if (h->late_at[i] < t)
                                t = h->late_at[i];
                if (h->hr_on && h->next_hr < t)
                        t = h->next_hr;
                if (!h->link && h->reconnect_at < t)
                        t = h->reconnect_at;
                d = safety_monitor_next_deadline(h->mon);
                if (d > h->now && d < t)
                        t = d;
                if (t < h->now)
                        t = h->now;
                h->now = t;
                sim_treadmill_advance(h->tm, t);

                if (!h->link && t >= h->reconnect_at) {
                        trace(h, "link up");
                        link_up(h);
                        continue;
                }
                if (h->n_late && h->link) {
                        unsigned k = h->n_late;

                        for (unsigned i = 0; i < h->n_late; i++)
                                if (t >= h->late_at[i] &&
                                    (k == h->n_late || h->late_at[i] < h->late_at[k]))
                                        k = i;
                        if (k < h->n_late) {
                                TransportEvent ev = h->late[k];

                                h->late[k] = h->late[h->n_late - 1];
                                h->late_at[k] = h->late_at[--h->n_late];
                                ev.time_usec = t;
                                trace(h, "late echo %.2f", ev.status.value);
                                emit(h, &ev);
                                continue;
                        }
                }
                if (h->cp_pending && t >= h->cp_at) {
                        h->cp_pending = false;
                        deliver(h, !(h->drop_responses_until_set && t < h->drop_responses_until));
                        continue;
                }
                if (h->link && t >= sim_treadmill_next_data_usec(h->tm)) {
                        sim_treadmill_tick(h->tm, t);
                        deliver(h, true);
                        continue;
                }
                if (h->hr_on && t >= h->next_hr) {
                        TransportEvent ev = {.type = TRANSPORT_EVENT_HEART_RATE,
                                             .role = TRANSPORT_ROLE_STRAP};

                        h->next_hr += USEC_PER_SEC;
                        ev.hr.heart_rate_bpm = (uint16_t)lround(h->hr_bpm);
                        ev.hr.contact = HRS_CONTACT_DETECTED;
                        emit(h, &ev);
                        continue;
                }
                if (h->e && t >= workout_engine_next_deadline(h->e)) {
                        workout_engine_tick(h->e, t);
                        handle_outputs(h);
                }
                if (safety_monitor_check(h->mon, t, &v) < 0)
                        violation(h, &v);
                if (t >= until)
                        return;
        }
}

static void new_engine(Harness *h)
{
        if (workout_engine_new(&h->e, &h->cfg) < 0)
                abort();
        h->shutting_down = false;
        if (h->link) {
                /* The restarted daemon connects afresh. */
                h->link = false;
                link_up(h);
        }
}

/* A crash and a restart: a new engine; a running belt resumes the session. */
static void crash_restart(Harness *h)
{
        const ResolvedWorkout *w = workout_engine_get_workout(h->e);
        EngineStatus st;
        bool had = w && (workout_engine_get_state(h->e) == ENGINE_STATE_RUNNING ||
                         workout_engine_get_state(h->e) == ENGINE_STATE_PAUSED);
        ResolvedWorkout *copy = NULL;
        EngineRecovery rec = {};

        workout_engine_get_status(h->e, h->now, &st);
        if (had) {
                copy = calloc(1, sizeof(*copy));
                copy->name = strdup(w->name);
                copy->steps = calloc(w->n_steps, sizeof(ResolvedStep));
                memcpy(copy->steps, w->steps, w->n_steps * sizeof(ResolvedStep));
                copy->n_steps = w->n_steps;
                rec.step_index = st.step_index >= 0 ? (size_t)st.step_index : 0;
                rec.step_elapsed_s = fmax(st.step_elapsed_s, 0);
                rec.elapsed_s = st.elapsed_s;
        }
        h->e = workout_engine_free(h->e);
        h->cp_pending = false;
        /* The monitor is paced's: what it saw of this link ends with it
         * (the runner's stop stays: the restarted daemon must respect it). */
        {
                TransportEvent ev = {.type = TRANSPORT_EVENT_LINK,
                                     .role = TRANSPORT_ROLE_TREADMILL,
                                     .link = {.up = false, .reason = "paced crashed"}};

                safety_monitor_observe(h->mon, h->now, &ev);
        }
        run_until(h, h->now + S(rnd_range(h, 0.5, 5))); /* paced is down */
        new_engine(h);
        /* As manager_try_recover(): on the second Treadmill Data, a belt above 0.5 km/h. */
        run_until(h, h->now + S(2.2));
        if (copy && sim_treadmill_speed_kmh(h->tm) > 0.5) {
                trace(h, "recover at step %zu", rec.step_index + 1);
                if (workout_engine_load(h->e, h->now, copy) >= 0) {
                        (void)workout_engine_recover(h->e, h->now, &rec);
                        handle_outputs(h);
                }
        } else
                resolved_workout_free(copy);
}

static void action(Harness *h)
{
        unsigned a = rnd_below(h, 100);
        int r;

        h->n_actions++;
        if (h->shutting_down)
                return;
        if (a < 10) {
                ResolvedWorkout *w = random_workout(h);
                bool arm = rnd_below(h, 3) == 0;

                if (workout_engine_load(h->e, h->now, w) < 0) {
                        resolved_workout_free(w);
                        trace(h, "start: busy");
                        return;
                }
                if (!arm)
                        safety_monitor_user_start(h->mon, h->now);
                r = arm ? workout_engine_arm(h->e, h->now) : workout_engine_start(h->e, h->now);
                trace(h, "%s (%zu steps): %d", arm ? "arm" : "start", w->n_steps, r);
        } else if (a < 22) {
                double d = rnd_range(h, -5, 5);

                r = workout_engine_adjust_speed(h->e, h->now, d);
                trace(h, "adjust %+.1f: %d", d, r);
        } else if (a < 26) {
                r = workout_engine_pause(h->e, h->now);
                trace(h, "pause: %d", r);
        } else if (a < 31) {
                safety_monitor_user_start(h->mon, h->now);
                r = workout_engine_resume(h->e, h->now);
                trace(h, "resume: %d", r);
        } else if (a < 34) {
                r = workout_engine_skip(h->e, h->now);
                trace(h, "skip: %d", r);
        } else if (a < 37) {
                r = workout_engine_extend(h->e, h->now, rnd_range(h, 1, 3600));
                trace(h, "extend: %d", r);
        } else if (a < 41) {
                r = workout_engine_stop(h->e, h->now);
                trace(h, "stop: %d", r);
        } else if (a < 44) {
                double v = rnd_range(h, 0, 25);

                r = workout_engine_set_speed(h->e, h->now, v);
                trace(h, "manual %.1f: %d", v, r);
        } else if (a < 58) {
                static const SimConsoleButton b[] = {
                        SIM_CONSOLE_START, SIM_CONSOLE_START,      SIM_CONSOLE_STOP,
                        SIM_CONSOLE_PAUSE, SIM_CONSOLE_SAFETY_KEY, SIM_CONSOLE_KEY_REPLACE};
                SimConsoleButton k = b[rnd_below(h, ELEMENTSOF(b))];

                r = sim_treadmill_console(h->tm, h->now, k);
                trace(h, "console %s: %d", sim_console_button_to_string(k), r);
                deliver(h, true);
        } else if (a < 62) {
                double v = rnd_range(h, 1, 20);

                r = sim_treadmill_console_set_speed(h->tm, h->now, v);
                trace(h, "console speed %.1f: %d", v, r);
                deliver(h, true);
        } else if (a < 66) {
                bool on = rnd_below(h, 2);

                sim_treadmill_set_refuse_control(h->tm, on);
                trace(h, "refuse control %d", on);
        } else if (a < 69) {
                sim_treadmill_revoke_control(h->tm, h->now);
                trace(h, "revoke control");
                deliver(h, true);
        } else if (a < 72) {
                h->fail_next_write = true;
                trace(h, "next write fails");
        } else if (a < 75) {
                h->drop_responses_until_set = true;
                h->drop_responses_until = h->now + S(rnd_range(h, 1, 15));
                trace(h, "responses lost for a while");
        } else if (a < 80) {
                if (h->link) {
                        trace(h, "link lost");
                        link_down(h);
                        h->reconnect_at = h->now + S(rnd_range(h, 1, 40));
                }
        } else if (a < 82) {
                h->late_echo_until = h->now + S(rnd_range(h, 5, 60));
                trace(h, "target speed echoes late for a while");
        } else if (a < 88) {
                h->hr_on = true;
                h->hr_bpm = rnd_below(h, 2) ? rnd_range(h, 150, 200) : rnd_range(h, 80, 140);
                trace(h, "heart rate %.0f", h->hr_bpm);
        } else if (a < 91) {
                h->hr_on = !h->hr_on;
                h->next_hr = h->now + USEC_PER_SEC;
                trace(h, "strap %s", h->hr_on ? "back" : "lost");
        } else if (a < 94) {
                trace(h, "SIGTERM");
                h->shutting_down = true;
                r = workout_engine_shutdown(h->e, h->now);
                handle_outputs(h);
                /* paced exits once the belt is safe (or it said why not). */
                for (int i = 0; i < 600 && !workout_engine_shutdown_done(h->e) && !h->violated; i++)
                        run_until(h, h->now + S(1));
                h->exited = true;
        } else {
                trace(h, "crash");
                crash_restart(h);
        }
        /* As the daemon does after every call: everything the engine produced. */
        if (h->e)
                handle_outputs(h);
}

static int run_sequence(uint64_t seed, bool verbose)
{
        _cleanup_free_ Harness *h = calloc(1, sizeof(Harness));
        SimTreadmillConfig sc;
        SafetyMonitorConfig mc;
        unsigned n;

        h->seed = h->rng = seed;
        h->verbose = verbose;
        h->now = S(1000);
        engine_config_init(&h->cfg);
        /* Each sequence its own configuration within the config file's bounds. */
        h->cfg.safety.max_speed_kmh = rnd_range(h, 8, 20);
        h->cfg.safety.max_accel_kmhps = rnd_range(h, 0.2, 2.5);
        h->cfg.safety.max_incline_pct = rnd_range(h, 2, 15);
        h->cfg.safety.max_incline_rate_pps = rnd_range(h, 0.1, 1);
        h->cfg.safety.hr_ceiling_bpm = rnd_below(h, 3) ? rnd_range(h, 150, 185) : 0;
        h->cfg.safety.recovery_speed_kmh = rnd_range(h, 3, 6);
        h->cfg.cooldown_speed_kmh = rnd_range(h, 3, 6);
        h->cfg.allow_remote_start = rnd_below(h, 2);
        h->cfg.shutdown_policy = (EngineShutdownPolicy)rnd_below(h, _ENGINE_SHUTDOWN_POLICY_MAX);
        h->cfg.recovery_policy = (EngineRecoveryPolicy)rnd_below(h, _ENGINE_RECOVERY_POLICY_MAX);
        h->cfg.cues = rnd_below(h, 2);
        if (rnd_below(h, 4) == 0)
                h->cfg.calibration = (SpeedCalibration){.factor = rnd_range(h, 0.95, 1.05)};
        h->cfg.shutdown_timeout_usec = engine_stop_budget_usec(&h->cfg, NAN);
        engine_config_to_monitor(&h->cfg, &mc);
        if (safety_monitor_new(&h->mon, &mc) < 0)
                abort();

        sim_treadmill_config_default(&sc);
        if (rnd_below(h, 3) == 0)
                sc.initial_speed_kmh = rnd_range(h, 2, 12);
        if (sim_treadmill_new(&h->tm, &sc, h->now) < 0)
                abort();
        new_engine(h);
        link_up(h);
        h->hr_bpm = 120;
        h->next_hr = h->now + USEC_PER_SEC;

        n = 10 + rnd_below(h, 30);
        for (unsigned i = 0; i < n && !h->violated && !h->exited; i++) {
                action(h);
                run_until(h, h->now + S(rnd_range(h, 0.2, 30)));
        }
        /* Whatever is under way finishes (stops, cool-downs). */
        if (!h->violated && !h->exited)
                run_until(h, h->now + S(120));

        workout_engine_free(h->e);
        safety_monitor_free(h->mon);
        sim_treadmill_free(h->tm);
        return h->violated ? -1 : 0;
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                {"count", required_argument, NULL, 'n'},
                {"seed", required_argument, NULL, 's'},
                {"first", required_argument, NULL, 'f'},
                {"verbose", no_argument, NULL, 'v'},
                {},
        };
        const char *env = getenv("PACED_RANDOM_COUNT");
        uint64_t first = 1, count = env ? strtoull(env, NULL, 10) : 1500, failed = 0;
        bool verbose = false, one = false;
        int c;

        while ((c = getopt_long(argc, argv, "n:s:f:v", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        count = strtoull(optarg, NULL, 10);
                        break;
                case 's':
                        first = strtoull(optarg, NULL, 10);
                        one = true;
                        break;
                case 'f':
                        first = strtoull(optarg, NULL, 10);
                        break;
                case 'v':
                        verbose = true;
                        break;
                default:
                        return 2;
                }
        if (one)
                count = 1;
        for (uint64_t s = first; s < first + count; s++)
                if (run_sequence(s, verbose) < 0 && ++failed >= 5)
                        break;
        printf("%" PRIu64 " passed, %" PRIu64 " failed\n", count - failed, failed);
        return failed ? 1 : 0;
}
