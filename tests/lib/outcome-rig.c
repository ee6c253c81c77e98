/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runner-outcome rig (outcome-rig.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcome-rig.h"
#include "profile-config.h"
#include "workout-library.h"
#include "workout-text.h"

static void outcome_dispatch(OutcomeRig *r);

/* Puts a packet on the simulated link, to arrive one way's latency later. */
static void outcome_send(OutcomeRig *r, bool to_machine, const SimPacket *p)
{
        size_t i;

        if (r->n_in_flight >= OUTCOME_MAX_IN_FLIGHT)
                abort();
        i = (r->in_flight_head + r->n_in_flight++) % OUTCOME_MAX_IN_FLIGHT;
        r->in_flight[i] = (OutcomeInFlight){
                .at = r->now + r->link_oneway_usec,
                .to_machine = to_machine,
                .p = *p,
        };
}

static void outcome_record_event(OutcomeRig *r, const EngineEvent *ev)
{
        if (r->n_events < OUTCOME_MAX_EVENTS)
                r->events[r->n_events++] = *ev;
        if (ev->type == ENGINE_EVENT_CP_RESULT)
                r->cp_errors++;
        else if (ev->type == ENGINE_EVENT_LAP && r->n_laps < OUTCOME_MAX_LAPS)
                r->laps[r->n_laps++] = ev->lap;
        else if (ev->type == ENGINE_EVENT_STEP_CHANGED) {
                if (r->cur >= 0 && r->steps[r->cur].entered && !r->steps[r->cur].ended) {
                        r->steps[r->cur].ended = true;
                        r->steps[r->cur].end_usec = r->now;
                        r->steps[r->cur].end_dist_m = sim_treadmill_distance_m(r->t);
                }
                r->cur = ev->step_index;
                if (r->cur >= 0 && r->w && (size_t)r->cur < r->w->n_steps)
                        r->steps[r->cur] = (OutcomeStep){
                                .entered = true,
                                .start_usec = r->now,
                                .start_dist_m = sim_treadmill_distance_m(r->t),
                        };
                r->open_since = r->now;
        } else if (ev->type == ENGINE_EVENT_STATE_CHANGED) {
                r->state = ev->state;
                if ((ev->state == ENGINE_STATE_FINISHED || ev->state == ENGINE_STATE_ABORTED) &&
                    r->cur >= 0 && r->steps[r->cur].entered && !r->steps[r->cur].ended) {
                        r->steps[r->cur].ended = true;
                        r->steps[r->cur].end_usec = r->now;
                        r->steps[r->cur].end_dist_m = sim_treadmill_distance_m(r->t);
                }
        }
        if (r->verbose)
                fprintf(stderr, "%9.1f  event %s: %s\n", (double)r->now / USEC_PER_SEC,
                        engine_event_type_to_string(ev->type), ev->message);
}

void outcome_drain(OutcomeRig *r)
{
        EngineOutput o;

        while (workout_engine_pop_output(r->e, &o) > 0) {
                if (o.type == ENGINE_OUTPUT_CP_WRITE) {
                        uint8_t buf[FTMS_CP_MAX_LEN];
                        size_t len;

                        if (ftms_control_command_encode(&o.write, buf, sizeof(buf), &len) < 0)
                                abort();
                        if (r->link_oneway_usec > 0) {
                                SimPacket p = {.uuid = FTMS_UUID_CONTROL_POINT, .len = len};

                                memcpy(p.data, buf, len);
                                outcome_send(r, true, &p);
                        } else
                                (void)sim_treadmill_write_control_point(r->t, r->now, buf, len);
                        if (r->verbose)
                                fprintf(stderr, "%9.1f  write op 0x%02x %.2f\n",
                                        (double)r->now / USEC_PER_SEC, o.write.op, o.write.value);
                        if (o.write.op == FTMS_CP_SET_TARGET_SPEED) {
                                r->speed_writes++;
                                r->max_speed_cmd_kmh = fmax(r->max_speed_cmd_kmh, o.write.value);
                        }
                        if (o.write.op == FTMS_CP_START_OR_RESUME)
                                r->start_writes++;
                        outcome_dispatch(r);
                } else if (o.type == ENGINE_OUTPUT_CUE) {
                        if (r->n_cues < OUTCOME_MAX_CUES)
                                r->cues[r->n_cues++] = o.cue;
                        if (r->verbose)
                                fprintf(stderr, "%9.1f  cue: %s\n", (double)r->now / USEC_PER_SEC,
                                        o.cue.text);
                } else if (o.type == ENGINE_OUTPUT_EVENT)
                        outcome_record_event(r, &o.event);
        }
}

static void outcome_emit(OutcomeRig *r, const TransportEvent *ev)
{
        workout_engine_handle_event(r->e, r->now, ev);
        outcome_drain(r);
}

/* A notification from the simulator, through the parsers, as the transport
 * delivers it. */
static void outcome_receive(OutcomeRig *r, const SimPacket *p)
{
        TransportEvent ev = {.role = TRANSPORT_ROLE_TREADMILL, .time_usec = r->now};
        int k;

        switch (p->uuid) {
        case FTMS_UUID_TREADMILL_DATA:
                k = ftms_treadmill_assembler_push(&r->asm_, p->data, p->len, &ev.treadmill);
                if (k <= 0)
                        return;
                ev.type = TRANSPORT_EVENT_TREADMILL_DATA;
                if (r->verbose)
                        fprintf(stderr, "%9.1f  data %.2f km/h\n", (double)r->now / USEC_PER_SEC,
                                ev.treadmill.speed_kmh);
                break;
        case FTMS_UUID_MACHINE_STATUS:
                k = ftms_parse_machine_status(p->data, p->len, &ev.status);
                ev.type = TRANSPORT_EVENT_MACHINE_STATUS;
                break;
        case FTMS_UUID_CONTROL_POINT:
                k = ftms_cp_parse_response(p->data, p->len, &ev.cp_response);
                ev.type = TRANSPORT_EVENT_CP_RESPONSE;
                break;
        default:
                return;
        }
        if (k < 0)
                abort();
        if (r->verbose && p->uuid != FTMS_UUID_TREADMILL_DATA)
                fprintf(stderr, "%9.1f  notify 0x%04x [%02x %02x %02x]\n",
                        (double)r->now / USEC_PER_SEC, p->uuid, p->data[0], p->data[1], p->data[2]);
        outcome_emit(r, &ev);
}

/* Everything the simulator queued: now, or across the link's latency. */
static void outcome_dispatch(OutcomeRig *r)
{
        SimPacket p;

        while (sim_treadmill_pop(r->t, &p)) {
                if (r->link_oneway_usec > 0)
                        outcome_send(r, false, &p);
                else
                        outcome_receive(r, &p);
        }
}

/* The packet at the head of the link arrives. */
static void outcome_link_deliver(OutcomeRig *r)
{
        OutcomeInFlight f = r->in_flight[r->in_flight_head];

        r->in_flight_head = (r->in_flight_head + 1) % OUTCOME_MAX_IN_FLIGHT;
        r->n_in_flight--;
        sim_treadmill_advance(r->t, r->now);
        if (f.to_machine) {
                (void)sim_treadmill_write_control_point(r->t, r->now, f.p.data, f.p.len);
                outcome_dispatch(r);
        } else
                outcome_receive(r, &f.p);
}

/*
 * The shipped conf/paced.conf with extra [Runner] lines (e.g. "mile = 6:30")
 * and extra [Safety] lines (may be NULL), parsed by the real parser.
 */
static int outcome_load_config(const char *runner_lines, const char *safety_lines, Config **ret)
{
        char path[4096], *text, *all;
        size_t len, n;
        ConfigError err = {};
        FILE *f;
        int k;

        snprintf(path, sizeof(path), "%s/conf/paced.conf", PACED_SOURCE_DIR);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        text = calloc(1, 1 << 16);
        if (!text) {
                fclose(f);
                return -ENOMEM;
        }
        len = fread(text, 1, (1 << 16) - 1, f);
        fclose(f);
        n = len + 1024;
        all = calloc(1, n);
        if (!all) {
                free(text);
                return -ENOMEM;
        }
        /* Sections may be given twice in an ini file: appended keys land in them. */
        snprintf(all, n, "%s\n[Runner]\n%s\n[Safety]\n%s\n", text, runner_lines ?: "",
                 safety_lines ?: "");
        free(text);
        k = config_load_string(all, strlen(all), ret, &err);
        if (k < 0)
                fprintf(stderr, "outcome: config line %u: %s\n", err.line, err.message);
        free(all);
        return k;
}

/* A rig on the shipped config plus runner_lines, on a machine like m. */
int outcome_rig_init(OutcomeRig *r, const char *runner_lines, const char *safety_lines,
                     const OutcomeMachine *m)
{
        SimTreadmillConfig tc;
        SimRunnerProfile rp;
        ProfileSettings ps;
        TransportEvent ev = {.type = TRANSPORT_EVENT_CAPABILITIES,
                             .role = TRANSPORT_ROLE_TREADMILL};
        SimPacket p;
        int k;

        memset(r, 0, sizeof(*r));
        r->cur = -1;
        r->now = 1000 * USEC_PER_SEC;
        k = outcome_load_config(runner_lines, safety_lines, &r->config);
        if (k < 0)
                return k;
        engine_config_from_config(r->config, &r->ec);
        profile_settings_from_config(r->config, NULL, &ps);
        r->profile = ps.runner;
        runner_profile_derive(&r->profile);

        sim_treadmill_config_default(&tc);
        if (m && m->accel_kmhps > 0)
                tc.accel_kmh_per_s = tc.decel_kmh_per_s = m->accel_kmhps;
        if (m && m->max_speed_kmh > 0)
                tc.speed_range.max = m->max_speed_kmh;
        if (m && m->incline_pct_per_s > 0)
                tc.incline_pct_per_s = m->incline_pct_per_s;
        if (m && m->link_latency_s > 0)
                r->link_oneway_usec = (uint64_t)(m->link_latency_s / 2 * USEC_PER_SEC);
        k = sim_treadmill_new(&r->t, &tc, r->now);
        if (k < 0)
                return k;
        sim_runner_profile_from_runner(&rp, &r->profile);
        k = sim_runner_new(&r->runner, &rp, r->now);
        if (k < 0)
                return k;
        k = workout_engine_new(&r->e, &r->ec);
        if (k < 0)
                return k;
        r->events = calloc(OUTCOME_MAX_EVENTS, sizeof(*r->events));
        if (!r->events)
                return -ENOMEM;
        ftms_treadmill_assembler_reset(&r->asm_);

        /* What the transport reports on connect: capabilities, then the link. */
        if (sim_treadmill_read(r->t, FTMS_UUID_FEATURE, &p) < 0 ||
            ftms_parse_feature(p.data, p.len, &ev.caps.feature) < 0)
                return -EIO;
        if (sim_treadmill_read(r->t, FTMS_UUID_SPEED_RANGE, &p) >= 0)
                ev.caps.has_speed_range =
                        ftms_parse_speed_range(p.data, p.len, &ev.caps.speed_range) >= 0;
        if (sim_treadmill_read(r->t, FTMS_UUID_INCLINE_RANGE, &p) >= 0)
                ev.caps.has_incline_range =
                        ftms_parse_incline_range(p.data, p.len, &ev.caps.incline_range) >= 0;
        ev.caps.has_control_point = true;
        r->caps = ev.caps;
        outcome_emit(r, &ev);
        ev = (TransportEvent){.type = TRANSPORT_EVENT_LINK, .role = TRANSPORT_ROLE_TREADMILL};
        ev.link.up = true;
        outcome_emit(r, &ev);
        r->next_sample = r->now;
        r->next_hr = r->now;
        return 0;
}

/* A goal mile (a plan's): race-pace work ("goal Pace") runs at it. */
void outcome_rig_set_goal(OutcomeRig *r, double goal_mile_s)
{
        ProfileOverrides o = {.goal_mile_s = goal_mile_s};
        ProfileSettings ps;

        profile_settings_from_config_with(r->config, NULL, &o, &ps);
        r->profile = ps.runner;
        runner_profile_derive(&r->profile);
}

/* A workout in the text format (a plan day's), resolved for this runner and machine. */
ResolvedWorkout *outcome_resolve_text(OutcomeRig *r, const char *text)
{
        ResolvedWorkout *rw = NULL;
        ResolveLimits limits;
        WorkoutError we = {};
        Workout *w = NULL;

        if (workout_text_parse(text, strlen(text), "plan", &w, &we) < 0) {
                fprintf(stderr, "outcome: %s\n%s\n", we.message, text);
                return NULL;
        }
        resolve_limits_from_config(r->config, &r->caps, &limits);
        if (workout_resolve(w, &r->profile, &limits, &rw) < 0)
                rw = NULL;
        workout_free(w);
        return rw;
}

void outcome_rig_free(OutcomeRig *r)
{
        r->e = workout_engine_free(r->e);
        r->t = sim_treadmill_free(r->t);
        r->runner = sim_runner_free(r->runner);
        r->config = config_free(r->config);
        free(r->steps);
        r->steps = NULL;
        free(r->events);
        r->events = NULL;
}

/* A library workout resolved for this runner and machine; NULL on failure. */
ResolvedWorkout *outcome_resolve_library(OutcomeRig *r, const char *name)
{
        char dir[4096];
        const char *dirs[] = {dir, NULL};
        ResolvedWorkout *rw = NULL;
        ResolveLimits limits;
        WorkoutError we = {};
        Workout *w = NULL;

        snprintf(dir, sizeof(dir), "%s/conf/workouts", PACED_SOURCE_DIR);
        if (workout_library_load(name, dirs, &w, &we) < 0) {
                fprintf(stderr, "outcome: %s: %s\n", name, we.message);
                return NULL;
        }
        resolve_limits_from_config(r->config, &r->caps, &limits);
        if (workout_resolve(w, &r->profile, &limits, &rw) < 0)
                rw = NULL;
        workout_free(w);
        return rw;
}

/* Loads rw (the engine takes it) and resets the per-step records. */
int outcome_load(OutcomeRig *r, ResolvedWorkout *rw)
{
        size_t n = rw->n_steps;
        int k;

        k = workout_engine_load(r->e, r->now, rw);
        if (k < 0)
                return k;
        free(r->steps);
        r->steps = calloc(n, sizeof(*r->steps));
        if (!r->steps)
                return -ENOMEM;
        r->w = workout_engine_get_workout(r->e);
        r->cur = -1;
        outcome_drain(r);
        return 0;
}

/* A rep: a speed-controlled active, stride or time-trial step. */
bool outcome_is_rep(const ResolvedStep *s)
{
        return s->control == STEP_CONTROL_SPEED && s->end != STEP_END_OPEN &&
               (s->kind == STEP_KIND_ACTIVE || s->kind == STEP_KIND_STRIDE ||
                s->kind == STEP_KIND_TIME_TRIAL);
}

/* The speed the workout asks for in step i at this moment (ramps interpolated). */
static double outcome_step_target(const OutcomeRig *r, size_t i)
{
        const ResolvedStep *s = &r->w->steps[i];
        const OutcomeStep *o = &r->steps[i];
        double f = 0;

        if (s->control != STEP_CONTROL_SPEED)
                return NAN;
        if (s->end == STEP_END_TIME && s->end_value > 0)
                f = o->run_s / s->end_value;
        else if (s->end == STEP_END_DISTANCE && s->end_value > 0)
                f = (sim_treadmill_distance_m(r->t) - o->start_dist_m) / s->end_value;
        f = fmin(fmax(f, 0), 1);
        return s->speed_start_kmh + (s->speed_end_kmh - s->speed_start_kmh) * f;
}

/* On target: within the machine's increment (plus what a ramp moves in a second). */
static double outcome_tolerance(const OutcomeRig *r, size_t i)
{
        const ResolvedStep *s = &r->w->steps[i];
        double inc = r->caps.speed_range.increment > 0 ? r->caps.speed_range.increment : 0.1;
        double slope = 0;

        if (s->end == STEP_END_TIME && s->end_value > 0)
                slope = fabs(s->speed_end_kmh - s->speed_start_kmh) / s->end_value;
        else if (s->end == STEP_END_DISTANCE && s->end_value > 0 && s->speed_start_kmh > 0)
                slope = fabs(s->speed_end_kmh - s->speed_start_kmh) /
                        (s->end_value / (s->speed_start_kmh / 3.6));
        return inc + fmax(slope * 1.5, 0) + 0.01;
}

static void outcome_sample(OutcomeRig *r, double dt)
{
        EngineState st = workout_engine_get_state(r->e);
        const ResolvedStep *next;
        OutcomeStep *o;
        double target, tol, v, hi;

        if (r->cur < 0 || !r->w || st != ENGINE_STATE_RUNNING)
                return;
        o = &r->steps[r->cur];
        if (!o->entered || o->ended)
                return;
        target = outcome_step_target(r, (size_t)r->cur);
        tol = outcome_tolerance(r, (size_t)r->cur);
        v = sim_treadmill_speed_kmh(r->t);
        /* Straight into a faster rep (a time trial's segments): the run-up
         * to it, never slower than this rep and never past the next, is on
         * target too. */
        next = (size_t)r->cur + 1 < r->w->n_steps ? &r->w->steps[r->cur + 1] : NULL;
        if (isfinite(target) && next && outcome_is_rep(&r->w->steps[r->cur]) &&
            outcome_is_rep(next) && next->speed_start_kmh > target)
                hi = next->speed_start_kmh;
        else
                hi = target;
        if (isfinite(target) && v >= target - tol && v <= hi + tol)
                o->at_target_s += dt;
        o->run_s += dt;
}

static void outcome_heart_rate(OutcomeRig *r)
{
        TransportEvent ev = {.type = TRANSPORT_EVENT_HEART_RATE,
                             .role = TRANSPORT_ROLE_STRAP,
                             .time_usec = r->now};

        sim_runner_set_load(r->runner, r->now, sim_treadmill_speed_kmh(r->t),
                            sim_treadmill_incline_pct(r->t));
        if (sim_runner_measurement(r->runner, r->now, &ev.hr) >= 0)
                outcome_emit(r, &ev);
}

/* Runs the glue loop until virtual time until (or the workout ends, if stop_at_end). */
void outcome_run_until(OutcomeRig *r, uint64_t until, bool stop_at_end)
{
        for (;;) {
                uint64_t d = workout_engine_next_deadline(r->e);
                uint64_t data = sim_treadmill_next_data_usec(r->t);
                uint64_t t = d;
                int which = 0;

                if (data < t)
                        t = data, which = 1;
                if (r->next_sample < t)
                        t = r->next_sample, which = 2;
                if (r->next_hr < t)
                        t = r->next_hr, which = 3;
                if (r->n_in_flight > 0 && r->in_flight[r->in_flight_head].at < t)
                        t = r->in_flight[r->in_flight_head].at, which = 4;
                if (t > until) {
                        sim_treadmill_advance(r->t, until);
                        r->now = until;
                        return;
                }
                if (t > r->now)
                        r->now = t;
                switch (which) {
                case 0:
                        sim_treadmill_advance(r->t, r->now);
                        workout_engine_tick(r->e, r->now);
                        outcome_drain(r);
                        break;
                case 1:
                        sim_treadmill_tick(r->t, r->now);
                        outcome_dispatch(r);
                        break;
                case 2:
                        sim_treadmill_advance(r->t, r->now);
                        outcome_sample(r, (double)OUTCOME_SAMPLE_USEC / USEC_PER_SEC);
                        r->next_sample += OUTCOME_SAMPLE_USEC;
                        break;
                case 3:
                        sim_treadmill_advance(r->t, r->now);
                        outcome_heart_rate(r);
                        r->next_hr += USEC_PER_SEC;
                        break;
                case 4:
                        outcome_link_deliver(r);
                        break;
                }
                /* The runner holds an open step for a minute, then skips it. */
                if (r->cur >= 0 && r->w && r->w->steps[r->cur].end == STEP_END_OPEN &&
                    workout_engine_get_state(r->e) == ENGINE_STATE_RUNNING &&
                    r->now >= r->open_since + OUTCOME_OPEN_HOLD_USEC) {
                        (void)workout_engine_skip(r->e, r->now);
                        outcome_drain(r);
                }
                if (stop_at_end &&
                    (r->state == ENGINE_STATE_FINISHED || r->state == ENGINE_STATE_ABORTED))
                        return;
        }
}

void outcome_run_for(OutcomeRig *r, double seconds)
{
        outcome_run_until(r, r->now + (uint64_t)(seconds * USEC_PER_SEC), false);
}

void outcome_console(OutcomeRig *r, SimConsoleButton b)
{
        (void)sim_treadmill_console(r->t, r->now, b);
        outcome_dispatch(r);
}

/* The runner arms the workout and presses START, then runs it to the end
 * (at most max_s of virtual time). */
EngineState outcome_run_workout(OutcomeRig *r, double max_s)
{
        if (workout_engine_arm(r->e, r->now) < 0)
                return _ENGINE_STATE_INVALID;
        outcome_drain(r);
        outcome_run_for(r, 2);
        outcome_console(r, SIM_CONSOLE_START);
        outcome_run_until(r, r->now + (uint64_t)(max_s * USEC_PER_SEC), true);
        return workout_engine_get_state(r->e);
}

size_t outcome_count_cues(const OutcomeRig *r, CueKind kind, const char *needle)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_cues; i++)
                if ((int)kind < 0 || r->cues[i].kind == kind)
                        n += !needle || strstr(r->cues[i].text, needle) != NULL;
        return n;
}
