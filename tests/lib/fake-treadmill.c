/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fake-treadmill.h"
void fake_treadmill_init(FakeTreadmill *t)
{
        *t = (FakeTreadmill){
                .accel_kmhps = 2.5,
                .report_distance = true,
                .report_data = true,
                .data_interval_usec = USEC_PER_SEC,
                .respond = true,
                .latency_usec = 80 * USEC_PER_MSEC,
                .hr_rest = 60,
                .hr_gain = 8,
                .hr_tau_s = 30,
                .hr_bpm = 70,
        };
}

void rig_caps_default(TransportCapabilities *c)
{
        *c = (TransportCapabilities){
                .feature = {.machine = FTMS_FEATURE_TOTAL_DISTANCE | FTMS_FEATURE_INCLINATION,
                            .target = FTMS_TARGET_SPEED | FTMS_TARGET_INCLINATION},
                .has_speed_range = true,
                .speed_range = {.min = 1.0, .max = 20.0, .increment = 0.1},
                .has_incline_range = true,
                .incline_range = {.min = 0, .max = 15, .increment = 0.5},
                .has_control_point = true,
        };
}

static void rig_violation(Rig *r, const SafetyViolation *v)
{
        if (r->n_violations < sizeof(r->violations) / sizeof(r->violations[0]))
                r->violations[r->n_violations++] = *v;
        if (r->monitor_abort) {
                fprintf(stderr, "SAFETY VIOLATION (%s) at %.3f s: %s\n",
                        safety_invariant_to_string(v->invariant),
                        (double)v->time_usec / USEC_PER_SEC, v->message);
                abort();
        }
}

/* The monitor's time-based invariants, now. */
void rig_monitor_check(Rig *r)
{
        SafetyViolation v;

        if (r->mon && safety_monitor_check(r->mon, r->now, &v) < 0)
                rig_violation(r, &v);
}

void rig_emit(Rig *r, const TransportEvent *ev)
{
        if (r->mon)
                safety_monitor_observe(r->mon, r->now, ev);
        workout_engine_handle_event(r->e, r->now, ev);
        rig_drain(r);
        rig_monitor_check(r);
}

/* What the daemon does for Start/Resume: the user asked, the monitor knows. */
int rig_start(Rig *r)
{
        int k;

        if (r->mon)
                safety_monitor_user_start(r->mon, r->now);
        k = workout_engine_start(r->e, r->now);
        rig_drain(r);
        return k;
}

int rig_resume(Rig *r)
{
        int k;

        if (r->mon)
                safety_monitor_user_start(r->mon, r->now);
        k = workout_engine_resume(r->e, r->now);
        rig_drain(r);
        return k;
}

void rig_status(Rig *r, uint8_t op, uint8_t param)
{
        TransportEvent ev = {
                .type = TRANSPORT_EVENT_MACHINE_STATUS,
                .role = TRANSPORT_ROLE_TREADMILL,
                .time_usec = r->now,
                .status = {.op = op, .known = true, .stop_pause = param},
        };
        rig_emit(r, &ev);
}

/* The fake's reaction to a command, at the time it answers. */
static uint8_t fake_apply(Rig *r, const FtmsControlCommand *c)
{
        FakeTreadmill *t = &r->tm;
        uint8_t forced = t->force_result[c->op];

        if (forced) {
                if (t->force_count[c->op] > 0 && --t->force_count[c->op] == 0)
                        t->force_result[c->op] = 0;
                if (forced == FTMS_RESULT_CONTROL_NOT_PERMITTED)
                        t->in_control = false;
                return forced;
        }
        if (c->op == FTMS_CP_REQUEST_CONTROL) {
                t->in_control = true;
                return FTMS_RESULT_SUCCESS;
        }
        if (!t->in_control)
                return FTMS_RESULT_CONTROL_NOT_PERMITTED;
        switch (c->op) {
        case FTMS_CP_SET_TARGET_SPEED:
                if (c->value < 1.0 - 1e-9 || c->value > 25.0)
                        return FTMS_RESULT_INVALID_PARAMETER;
                if (!t->ignore_speed && t->running)
                        t->target_kmh = t->speed_in_mph ? c->value * KMH_PER_MPH : c->value;
                return FTMS_RESULT_SUCCESS;
        case FTMS_CP_SET_TARGET_INCLINATION:
                t->incline_pct = c->value;
                return FTMS_RESULT_SUCCESS;
        case FTMS_CP_START_OR_RESUME:
                t->running = true;
                t->target_kmh = 1.0;
                return FTMS_RESULT_SUCCESS;
        case FTMS_CP_STOP_OR_PAUSE:
                t->running = false;
                t->target_kmh = 0;
                return FTMS_RESULT_SUCCESS;
        default:
                return FTMS_RESULT_NOT_SUPPORTED;
        }
}

void rig_drain(Rig *r)
{
        EngineOutput o;

        while (workout_engine_pop_output(r->e, &o) > 0) {
                switch (o.type) {
                case ENGINE_OUTPUT_CP_WRITE: {
                        SafetyViolation v;

                        /* The log is what the engine wrote, refused or not. */
                        if (r->n_writes < RIG_MAX_LOG)
                                r->writes[r->n_writes++] = (RigWrite){r->now, o.write};
                        if (r->mon &&
                            safety_monitor_check_write(r->mon, r->now, &o.write, &v) < 0) {
                                TransportEvent f = {
                                        .type = TRANSPORT_EVENT_CP_WRITE_FAILED,
                                        .cp_write_error = {.error = -EPERM},
                                };

                                rig_violation(r, &v);
                                /* Refused, as in production: the engine hears a failed write. */
                                safety_monitor_observe(r->mon, r->now, &f);
                                workout_engine_handle_event(r->e, r->now, &f);
                                break;
                        }
                        if (!r->link) {
                                TransportEvent f = {
                                        .type = TRANSPORT_EVENT_CP_WRITE_FAILED,
                                        .cp_write_error = {.error = -ENOTCONN},
                                };
                                workout_engine_handle_event(r->e, r->now, &f);
                                break;
                        }
                        r->pending = true;
                        r->pending_at = r->now + r->tm.latency_usec;
                        r->pending_cmd = o.write;
                        break;
                }
                case ENGINE_OUTPUT_CUE:
                        if (r->n_cues < RIG_MAX_LOG)
                                r->cues[r->n_cues++] = o.cue;
                        break;
                case ENGINE_OUTPUT_EVENT:
                        if (r->n_events < RIG_MAX_LOG)
                                r->events[r->n_events++] = o.event;
                        if (r->mon && o.event.type == ENGINE_EVENT_SAFETY &&
                            o.event.rule == ENGINE_SAFETY_SHUTDOWN) {
                                if (o.event.active)
                                        safety_monitor_stop_begin(
                                                r->mon, r->now,
                                                engine_shutdown_policy_to_monitor(
                                                        (EngineShutdownPolicy)o.event.value),
                                                o.event.applied);
                                else
                                        safety_monitor_stop_end(r->mon, r->now, o.event.value > 0);
                        }
                        if (r->mon && o.event.type == ENGINE_EVENT_SHUTDOWN_DONE)
                                safety_monitor_stop_end(r->mon, r->now, o.event.value > 0);
                        break;
                case _ENGINE_OUTPUT_TYPE_MAX:
                case _ENGINE_OUTPUT_TYPE_INVALID:
                        break;
                }
        }
}

void rig_link(Rig *r, bool up)
{
        TransportEvent ev = {
                .type = TRANSPORT_EVENT_LINK,
                .role = TRANSPORT_ROLE_TREADMILL,
                .link = {.up = up, .reason = up ? NULL : "test: link dropped"},
        };

        r->link = up;
        if (!up) {
                r->pending = false;
                r->tm.in_control = false;
        }
        rig_emit(r, &ev);
        if (up) {
                TransportEvent caps = {
                        .type = TRANSPORT_EVENT_CAPABILITIES,
                        .role = TRANSPORT_ROLE_TREADMILL,
                        .caps = r->caps,
                };
                rig_emit(r, &caps);
        }
}

void rig_init_with(Rig *r, const EngineConfig *cfg, bool link)
{
        int k;

        memset(r, 0, sizeof(*r));
        k = workout_engine_new(&r->e, cfg);
        if (k < 0)
                abort();
        {
                EngineConfig def;
                SafetyMonitorConfig mc;

                if (!cfg)
                        engine_config_init(&def);
                engine_config_to_monitor(cfg ? cfg : &def, &mc);
                if (safety_monitor_new(&r->mon, &mc) < 0)
                        abort();
                r->monitor_abort = true;
        }
        fake_treadmill_init(&r->tm);
        rig_caps_default(&r->caps);
        r->now = 1000 * USEC_PER_SEC; /* an arbitrary monotonic origin */
        r->next_data = r->now + USEC_PER_SEC;
        r->next_hr = r->now + USEC_PER_SEC;
        if (link)
                rig_link(r, true);
}

void rig_free(Rig *r)
{
        r->e = workout_engine_free(r->e);
        r->mon = safety_monitor_free(r->mon);
}

/* Advances the fake's physics to r->now. */
static void fake_physics(Rig *r, double dt)
{
        FakeTreadmill *t = &r->tm;
        double goal = t->running ? t->target_kmh : 0;

        if (t->speed_kmh < goal)
                t->speed_kmh = fmin(goal, t->speed_kmh + t->accel_kmhps * dt);
        else
                t->speed_kmh = fmax(goal, t->speed_kmh - t->accel_kmhps * dt);
        t->distance_m += t->speed_kmh / 3.6 * dt;
        if (t->hr_enabled) {
                double ss = t->hr_rest + t->hr_gain * t->speed_kmh;
                t->hr_bpm += (ss - t->hr_bpm) * (1 - exp(-dt / t->hr_tau_s));
        }
}

void rig_send_data(Rig *r)
{
        TransportEvent ev = {
                .type = TRANSPORT_EVENT_TREADMILL_DATA,
                .role = TRANSPORT_ROLE_TREADMILL,
                .time_usec = r->now,
        };

        ev.treadmill.present = FTMS_FIELD_BIT(FTMS_FIELD_SPEED);
        ev.treadmill.speed_kmh = round(r->tm.speed_kmh * 100) / 100;
        if (r->tm.report_distance &&
            (r->tm.distance_every <= 1 || r->tm.n_records % r->tm.distance_every == 0)) {
                /* What the machine counts, in whole metres, as a uint24 (wraps at 2^24 m). */
                double counter = floor(r->tm.distance_m + r->tm.counter_offset_m);

                ev.treadmill.present |= FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE);
                ev.treadmill.distance_m = (uint32_t)fmax(counter, 0) & 0xFFFFFF;
        }
        r->tm.n_records++;
        ev.treadmill.present |= FTMS_FIELD_BIT(FTMS_FIELD_INCLINE);
        ev.treadmill.incline_pct = r->tm.incline_pct;
        rig_emit(r, &ev);
}

void rig_send_hr(Rig *r, double bpm)
{
        TransportEvent ev = {
                .type = TRANSPORT_EVENT_HEART_RATE,
                .role = TRANSPORT_ROLE_STRAP,
                .time_usec = r->now,
                .hr = {.heart_rate_bpm = (uint16_t)lround(bpm), .contact = HRS_CONTACT_DETECTED},
        };
        rig_emit(r, &ev);
}

/* Runs the virtual-time loop until `until` (inclusive). */
void rig_run_until(Rig *r, uint64_t until)
{
        for (;;) {
                uint64_t next = workout_engine_next_deadline(r->e);
                uint64_t t_data = r->link && r->tm.report_data ? r->next_data : USEC_INFINITY;
                uint64_t t_hr = r->tm.hr_enabled && !r->tm.hr_silent ? r->next_hr : USEC_INFINITY;
                uint64_t t_cp = r->pending ? r->pending_at : USEC_INFINITY;
                uint64_t t_mon = r->mon ? safety_monitor_next_deadline(r->mon) : USEC_INFINITY;
                uint64_t t = next;
                uint64_t prev = r->now;

                if (t_data < t)
                        t = t_data;
                if (t_hr < t)
                        t = t_hr;
                if (t_cp < t)
                        t = t_cp;
                if (t_mon < t && t_mon > r->now)
                        t = t_mon;
                if (t > until) {
                        fake_physics(r, (double)(until - r->now) / USEC_PER_SEC);
                        r->now = until;
                        return;
                }
                /* A source already due (e.g. HR switched on late) runs now. */
                fake_physics(r, t > prev ? (double)(t - prev) / USEC_PER_SEC : 0);
                if (t > r->now)
                        r->now = t;

                if (t == t_cp) {
                        TransportEvent ev = {
                                .type = TRANSPORT_EVENT_CP_RESPONSE,
                                .role = TRANSPORT_ROLE_TREADMILL,
                                .time_usec = r->now,
                        };

                        r->pending = false;
                        if (r->tm.respond && r->tm.lose_answers) {
                                (void)fake_apply(r, &r->pending_cmd);
                                continue;
                        }
                        if (r->tm.respond) {
                                ev.cp_response.request_op = r->pending_cmd.op;
                                ev.cp_response.result = fake_apply(r, &r->pending_cmd);
                                rig_emit(r, &ev);
                        }
                        continue;
                }
                if (t == t_data) {
                        r->next_data += r->tm.data_interval_usec;
                        rig_send_data(r);
                        continue;
                }
                if (t == t_hr) {
                        r->next_hr += USEC_PER_SEC;
                        rig_send_hr(r, r->tm.hr_bpm);
                        continue;
                }
                if (t == t_mon && t != next) {
                        rig_monitor_check(r);
                        continue;
                }
                r->ticks++;
                workout_engine_tick(r->e, r->now);
                rig_drain(r);
                rig_monitor_check(r);
        }
}

void rig_run_for(Rig *r, double seconds)
{
        rig_run_until(r, r->now + (uint64_t)llround(seconds * USEC_PER_SEC));
}

/* The runner presses Start on the console. */
void rig_console_start(Rig *r, double start_kmh)
{
        r->tm.running = true;
        r->tm.target_kmh = start_kmh;
        rig_status(r, FTMS_STATUS_STARTED_OR_RESUMED, 0);
}

void rig_console_stop(Rig *r)
{
        r->tm.running = false;
        r->tm.target_kmh = 0;
        rig_status(r, FTMS_STATUS_STOPPED_OR_PAUSED, FTMS_STOP_PARAM_STOP);
}

/* ---- queries for the assertions ---- */

size_t rig_count_writes(const Rig *r, uint8_t op, size_t from)
{
        size_t n = 0;
        for (size_t i = from; i < r->n_writes; i++)
                n += r->writes[i].cmd.op == op;
        return n;
}

const EngineEvent *rig_find_event(const Rig *r, EngineEventType type, size_t from)
{
        for (size_t i = from; i < r->n_events; i++)
                if (r->events[i].type == type)
                        return &r->events[i];
        return NULL;
}

size_t rig_count_events(const Rig *r, EngineEventType type)
{
        size_t n = 0;
        for (size_t i = 0; i < r->n_events; i++)
                n += r->events[i].type == type;
        return n;
}

double rig_max_speed_written(const Rig *r, size_t from)
{
        double m = -1;
        for (size_t i = from; i < r->n_writes; i++)
                if (r->writes[i].cmd.op == FTMS_CP_SET_TARGET_SPEED)
                        m = fmax(m, r->writes[i].cmd.value);
        return m;
}

double rig_last_speed_written(const Rig *r)
{
        for (size_t i = r->n_writes; i > 0; i--)
                if (r->writes[i - 1].cmd.op == FTMS_CP_SET_TARGET_SPEED)
                        return r->writes[i - 1].cmd.value;
        return NAN;
}

/* ---- building workouts by hand ---- */

ResolvedStep rig_step_time(StepKind kind, double seconds, double kmh)
{
        ResolvedStep s = {
                .kind = kind,
                .end = STEP_END_TIME,
                .end_value = seconds,
                .control = STEP_CONTROL_SPEED,
                .speed_start_kmh = kmh,
                .speed_end_kmh = kmh,
                .speed_lo_kmh = kmh,
                .speed_hi_kmh = kmh,
                .requested_speed_kmh = kmh,
        };
        snprintf(s.label, sizeof(s.label), "%.0f s at %.1f km/h", seconds, kmh);
        return s;
}

ResolvedStep rig_step_dist(StepKind kind, double metres, double kmh)
{
        ResolvedStep s = rig_step_time(kind, 0, kmh);

        s.end = STEP_END_DISTANCE;
        s.end_value = metres;
        snprintf(s.label, sizeof(s.label), "%.0f m at %.1f km/h", metres, kmh);
        return s;
}

ResolvedWorkout *rig_workout(const char *name, const ResolvedStep *steps, size_t n)
{
        ResolvedWorkout *w = calloc(1, sizeof(*w));

        if (!w)
                abort();
        w->name = strdup(name);
        w->steps = calloc(n, sizeof(ResolvedStep));
        if (!w->name || !w->steps)
                abort();
        memcpy(w->steps, steps, n * sizeof(ResolvedStep));
        w->n_steps = n;
        return w;
}
