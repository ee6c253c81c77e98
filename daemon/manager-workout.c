/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workout side of the Manager: the one place where the transport, the
 * engine, the live analysis and the session store meet.
 *
 *   transport event ──► devices/live values ──► analysis (RR, alpha1, zone)
 *                   └─► engine ──► outputs: control-point writes ──► transport
 *                                           cues ──► bus signal (+ espeak-ng)
 *                                           events ──► bus, log, store
 *
 * Every timer is a named one-shot re-armed to its next real deadline: here
 * the engine's (virtual time converted to real); the session's sample and
 * flush timers are in manager-session.c. Crash recovery and the schedule
 * have their own files.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "bus-device.h"
#include "bus-manager.h"
#include "engine-config.h"
#include "log.h"
#include "manager-internal.h"
#include "plan.h"
#include "read-file.h"
#include "sim-transport.h"
#include "utf8.h"
#include "workout-library.h"
#include "workout-text.h"
#include "workout-zwo.h"

static void rearm_engine_timer(Manager *m);

/* ---- configuration → modules ---- */

/* The control point's state changes (ftms-control.c), logged with the treadmill's address. */
static void log_control_transition(const FtmsControlTransition *t, void *userdata)
{
        Manager *m = userdata;
        const char *address = m->devices[TRANSPORT_ROLE_TREADMILL].address;
        char device[128];
        const char *fields[] = {device, NULL};

        snprintf(device, sizeof(device), "DEVICE=%s", address ?: "");
        log_fields(LOG_DEBUG, 0, fields, "Treadmill %s: control %s -> %s (%s)", address ?: "(none)",
                   ftms_control_state_to_string(t->from), ftms_control_state_to_string(t->to),
                   t->reason);
}

static void build_engine_config(const Manager *m, EngineConfig *ret)
{
        engine_config_from_config(m->config, ret);
        /* The accepted calibration (pacectl calibrate --accept) or paced.conf's. */
        manager_calibration((Manager *)m, &ret->calibration);
        ret->control.on_transition = log_control_transition;
        ret->control.userdata = (void *)m;
        /* A real device answers in real time, whatever the clock's scale
         * (--test-time-scale): the engine's timeouts are virtual. The
         * simulator answers in virtual time. */
        if (!m->options.simulate)
                ret->control.response_timeout_usec =
                        (uint64_t)((double)ret->control.response_timeout_usec * m->clock.scale);
}

static void build_zones(Manager *m)
{
        ProfileSettings p;

        /* The config's [Runner], with accepted thresholds where it is silent,
         * an accepted time trial as the mile and the plan's goal as race pace. */
        ProfileOverrides o = {
                .accepted_mile_s = m->have_accepted_mile ? m->accepted_mile.time_s : 0,
                .goal_mile_s = m->schedule ? m->schedule->options.goal_mile_s : 0,
        };

        profile_settings_from_config_with(m->config, m->have_accepted ? &m->accepted : NULL, &o,
                                          &p);
        m->profile = p.runner;
        m->hr_profile = p.hr;
        m->zone_model = p.zone_model;
        m->have_zones = zone_table_build(p.zone_model, &p.hr, &m->zones) >= 0;
        /* This runs at start-up more than once (the accepted thresholds, the
         * plan, the footpod each apply the configuration), and at every
         * reload: say it once, and again only after a change that turned
         * the zones off or changed their model. */
        if (m->have_zones)
                m->zones_off_said = false;
        else if (!m->zones_off_said || m->zones_off_model != p.zone_model) {
                log_notice("Heart-rate zones are off: set max_hr (or age) in [Runner] for the %s "
                           "model.",
                           zone_model_to_string(p.zone_model));
                m->zones_off_said = true;
                m->zones_off_model = p.zone_model;
        }
}

static void build_monitor_config(const Manager *m, SafetyMonitorConfig *ret)
{
        EngineConfig ec;

        build_engine_config(m, &ec);
        engine_config_to_monitor(&ec, ret);
}

void manager_apply_config(Manager *m)
{
        SafetyMonitorConfig mc;
        EngineConfig ec;
        int r;

        build_zones(m);
        if (!m->engine)
                return;
        build_monitor_config(m, &mc);
        if (m->monitor)
                safety_monitor_set_config(m->monitor, &mc);
        build_engine_config(m, &ec);
        r = workout_engine_set_config(m->engine, manager_now(m), &ec);
        if (r < 0)
                log_warning_errno(r, "The engine refused the new configuration: %m");
        manager_drain_engine(m);
        manager_properties_changed(m, MANAGER_PROP_CONTROL | MANAGER_PROP_LIVE);
}

/* ---- engine outputs ---- */

static void speak(Manager *m, const char *text)
{
        if (m->config->cue_audio)
                cue_speaker_say(&m->speaker, manager_now(m), m->config->cue_voice, text);
}

static const char *const cue_kind_names[_CUE_KIND_MAX] = {
        [CUE_KIND_UPCOMING] = "upcoming", [CUE_KIND_STEP_START] = "step-start",
        [CUE_KIND_HALFWAY] = "halfway",   [CUE_KIND_STEP_END] = "step-end",
        [CUE_KIND_LAP] = "lap",           [CUE_KIND_SAFETY] = "safety",
        [CUE_KIND_INFO] = "info",         [CUE_KIND_RESULT] = "result",
        [CUE_KIND_PROMPT] = "prompt",
};

static void handle_cue(Manager *m, const Cue *c)
{
        const char *kind =
                (c->kind >= 0 && c->kind < _CUE_KIND_MAX) ? cue_kind_names[c->kind] : "info";

        log_debug("Cue (%s): %s", kind, c->text);
        (void)bus_manager_emit_cue(m, kind, c->text, c->seconds_to_change);
        speak(m, c->text);
}

static SessionEndReason end_reason_for(EngineState s)
{
        return s == ENGINE_STATE_FINISHED ? SESSION_END_FINISHED : SESSION_END_ABORTED;
}

static void handle_state_changed(Manager *m, const EngineEvent *ev)
{
        log_info("Workout %s -> %s%s%s.", engine_state_to_string(ev->old_state),
                 engine_state_to_string(ev->state), ev->message[0] ? ": " : "", ev->message);
        switch (ev->state) {
        case ENGINE_STATE_RUNNING:
                manager_session_begin(m);
                if (ev->old_state == ENGINE_STATE_PAUSED)
                        manager_store_event(m, SESSION_EVENT_RESUME, ev->message, NULL);
                else
                        manager_store_event(m, SESSION_EVENT_START, ev->message, NULL);
                break;
        case ENGINE_STATE_PAUSED:
                manager_session_begin(m);
                manager_store_event(m, SESSION_EVENT_PAUSE,
                                    engine_pause_reason_to_string(ev->pause_reason), NULL);
                break;
        case ENGINE_STATE_FINISHED:
        case ENGINE_STATE_ABORTED:
                manager_store_event(m, SESSION_EVENT_STOP, engine_state_to_string(ev->state), NULL);
                /* On shutdown the safe-stop actions still follow: the session stays
                 * open for them and is closed at SHUTDOWN_DONE. */
                if (!m->shutting_down)
                        manager_session_end(m, end_reason_for(ev->state));
                break;
        case ENGINE_STATE_IDLE:
        case ENGINE_STATE_ARMED:
        case _ENGINE_STATE_MAX:
        case _ENGINE_STATE_INVALID:
                break;
        }
        manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
}

/*
 * When a step began, on CLOCK_MONOTONIC (to line up with other programs' logs, such as the
 * virtual treadmill's in the e2e tests) and, on the simulator, where its belt was then: how
 * distance steps are checked against the belt's own travel.
 */
static void log_step_time(Manager *m, const EngineEvent *ev)
{
        SimTreadmill *sim = m->transport ? sim_transport_treadmill(m->transport) : NULL;
        uint64_t mono = paced_clock_to_real(&m->clock, ev->time_usec);

        if (sim)
                log_debug("Step %d began at CLOCK_MONOTONIC %.6f s, the simulated belt at "
                          "%.3f m.",
                          ev->step_index + 1, (double)mono / USEC_PER_SEC,
                          sim_treadmill_distance_at(sim, ev->time_usec));
        else
                log_debug("Step %d began at CLOCK_MONOTONIC %.6f s.", ev->step_index + 1,
                          (double)mono / USEC_PER_SEC);
}

static void handle_step_changed(Manager *m, const EngineEvent *ev)
{
        const ResolvedWorkout *w = workout_engine_get_workout(m->engine);
        const char *kind = "";
        char step[16], json[32];

        if (w && ev->step_index >= 0 && (size_t)ev->step_index < w->n_steps)
                kind = step_kind_to_string(w->steps[ev->step_index].kind);
        snprintf(step, sizeof(step), "%d", ev->step_index + 1);
        (void)log_context_set("STEP", step);
        log_info("Step %d: %s", ev->step_index + 1, ev->message);
        log_step_time(m, ev);
        snprintf(json, sizeof(json), "{\"step\":%d}", ev->step_index);
        manager_store_event(m, SESSION_EVENT_STEP_CHANGE, ev->message, json);
        (void)bus_manager_emit_step_changed(m, ev->step_index, ev->message, kind);
        if (m->analysis && m->session_active) {
                live_analysis_new_step(m->analysis, manager_session_t(m), NULL);
                manager_update_announce(m, ev->step_index);
        }
        manager_properties_changed(m, MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
}

static void handle_lap(Manager *m, const EngineEvent *ev)
{
        const EngineLap *l = &ev->lap;
        SessionLap lap;
        double start_s, avg_hr, max_hr;
        int r;

        if (m->analysis && m->session_active)
                live_analysis_new_lap(m->analysis, manager_session_t(m), NULL);
        avg_hr = m->lap_hr_n > 0 ? m->lap_hr_sum / m->lap_hr_n : NAN;
        max_hr = m->lap_hr_n > 0 ? m->lap_hr_max : NAN;
        m->lap_hr_sum = m->lap_hr_max = 0;
        m->lap_hr_n = 0;
        /* A time trial's laps go by their number in the trial. */
        (void)bus_manager_emit_lap(m, l->trial_lap ? l->trial_lap : l->number,
                                   l->trial_lap                                 ? "trial"
                                   : !l->automatic                              ? "step"
                                   : fabs(l->distance_m - METERS_PER_MILE) < 50 ? "mile"
                                                                                : "auto",
                                   l->distance_m, l->duration_s, l->avg_speed_kmh);
        if (!m->store || !m->session_recorded)
                return;
        start_s = (double)((int64_t)l->start_usec - m->session_start_usec) / USEC_PER_SEC;
        lap = (SessionLap){
                .kind = l->trial_lap > 0                             ? LAP_KIND_TRIAL
                        : !l->automatic                              ? LAP_KIND_STEP
                        : fabs(l->distance_m - METERS_PER_MILE) < 50 ? LAP_KIND_MILE
                                                                     : LAP_KIND_400M,
                .step_index = l->automatic ? -1 : l->step_index,
                .start_s = start_s,
                .end_s = (double)((int64_t)l->end_usec - m->session_start_usec) / USEC_PER_SEC,
                .distance_m = l->distance_m,
                .avg_hr_bpm = avg_hr,
                .max_hr_bpm = max_hr,
                .avg_speed_kmh = l->avg_speed_kmh,
        };
        r = session_store_add_lap(m->store, &lap);
        if (r < 0)
                log_warning_errno(r, "Failed to record lap %u: %m", l->number);
}

/*
 * A time trial ended: marked a new best against the store's earlier results
 * at the distance, stored, told (Cue "result", spoken) and kept for
 * LastResult, so that `pacectl watch` ends with it.
 */
typedef struct BestJob {
        Manager *manager;
        int64_t tag;
        double distance_m, best_s;
} BestJob;

static int best_job_run(SessionStore *s, void *userdata)
{
        BestJob *j = userdata;
        int r;

        /* The session just begun has no result yet: nothing to exclude. */
        r = session_store_best_result(s, j->distance_m, 0, &j->best_s);
        if (r == -ENOENT) {
                j->best_s = INFINITY;
                r = 0;
        }
        return r;
}

static void best_job_done(int r, const char *error, void *userdata)
{
        BestJob *j = userdata;
        Manager *m = j->manager;

        if (r < 0)
                log_warning("Cannot read the earlier results: %s (no result of this session "
                            "is marked a new best).",
                            error);
        else if (m->trial_best_tag == j->tag) {
                m->trial_best_m = j->distance_m;
                m->trial_best_s = j->best_s;
        }
        free(j);
}

void manager_prefetch_trial_best(Manager *m)
{
        const ResolvedWorkout *w = m->engine ? workout_engine_get_workout(m->engine) : NULL;
        double distance = NAN, goal;
        size_t first, end;
        BestJob *j;

        m->trial_best_m = m->trial_best_s = NAN;
        m->trial_best_tag = m->session_start_usec;
        for (size_t i = 0; w && i < w->n_steps && !isfinite(distance); i++)
                if (trial_block(w, i, &first, &end, &distance, &goal) < 0)
                        distance = NAN;
        if (!m->store || !isfinite(distance))
                return;
        /* Read now, off the loop: when the trial ends the belt is running,
         * and the read would wait for the writer's batch. */
        j = calloc(1, sizeof(*j));
        if (!j) {
                log_oom();
                return;
        }
        *j = (BestJob){.manager = m, .tag = m->trial_best_tag, .distance_m = distance};
        if (manager_store_queue(m, best_job_run, best_job_done, j) < 0)
                free(j);
}

typedef struct ResultJob {
        int64_t session_id;
        TrialResult result;
} ResultJob;

static int result_job_run(SessionStore *s, void *userdata)
{
        ResultJob *j = userdata;

        return session_store_add_result(s, j->session_id, &j->result);
}

static void result_job_done(int r, const char *error, void *userdata)
{
        ResultJob *j = userdata;

        if (r < 0)
                log_warning("Failed to record the result of session %" PRIi64 ": %s", j->session_id,
                            error);
        free(j);
}

/*
 * A time trial ended: marked a new best against the store's earlier results
 * at the distance (read when the session began), stored (off the loop: the
 * belt is running), told (Cue "result", spoken) and kept for LastResult, so
 * that `pacectl watch` ends with it.
 */
static void handle_result(Manager *m, const EngineEvent *ev)
{
        TrialResult res = ev->result;
        int64_t id = m->session_id > 0 ? m->session_id : session_store_current(m->store);
        char text[192];

        if (res.complete && m->store && m->trial_best_tag == m->session_start_usec &&
            fabs(m->trial_best_m - res.distance_m) < 1)
                res.best = res.time_s < m->trial_best_s;
        trial_result_format(&res, text, sizeof(text));
        log_info("Time trial: %s", text);
        if (m->store && id > 0) {
                ResultJob *j = calloc(1, sizeof(*j));

                if (j) {
                        *j = (ResultJob){.session_id = id, .result = res};
                        if (manager_store_queue(m, result_job_run, result_job_done, j) < 0)
                                free(j);
                } else
                        log_oom();
        }
        manager_store_event(m, SESSION_EVENT_NOTE, text, NULL);
        snprintf(m->last_result, sizeof(m->last_result), "%s", text);
        (void)bus_manager_emit_cue(m, "result", text, -1);
        speak(m, text);
        manager_properties_changed(m, MANAGER_PROP_RESULT);
}

static void handle_event(Manager *m, const EngineEvent *ev)
{
        switch (ev->type) {
        case ENGINE_EVENT_STATE_CHANGED:
                handle_state_changed(m, ev);
                break;
        case ENGINE_EVENT_STEP_CHANGED:
                handle_step_changed(m, ev);
                break;
        case ENGINE_EVENT_LAP:
                handle_lap(m, ev);
                break;
        case ENGINE_EVENT_CLAMP:
                log_notice("%s", ev->message);
                manager_store_event(m, SESSION_EVENT_CLAMP, ev->message, NULL);
                /* A clamp is the cap rule acting: clients see it like any other. */
                (void)bus_manager_emit_safety_action(m, engine_safety_rule_to_string(ev->rule),
                                                     true, ev->message);
                break;
        case ENGINE_EVENT_SAFETY:
                if (ev->rule == ENGINE_SAFETY_SHUTDOWN && m->monitor) {
                        if (ev->active)
                                safety_monitor_stop_begin(m->monitor, manager_now(m),
                                                          engine_shutdown_policy_to_monitor(
                                                                  (EngineShutdownPolicy)ev->value),
                                                          ev->applied);
                        else
                                safety_monitor_stop_end(m->monitor, manager_now(m), ev->value > 0);
                }
                log_full(ev->active ? LOG_WARNING : LOG_NOTICE, "Safety: %s", ev->message);
                manager_store_event(m, SESSION_EVENT_SAFETY, ev->message, NULL);
                (void)bus_manager_emit_safety_action(m, engine_safety_rule_to_string(ev->rule),
                                                     ev->active, ev->message);
                break;
        case ENGINE_EVENT_CP_RESULT:
                log_warning("Treadmill control: %s", ev->cp.message);
                manager_store_event(m, SESSION_EVENT_CP_ERROR, ev->cp.message, NULL);
                break;
        case ENGINE_EVENT_CONTROL_MODE:
                log_info("Treadmill control: %s", ev->message);
                manager_properties_changed(m, MANAGER_PROP_CONTROL);
                break;
        case ENGINE_EVENT_LINK:
                manager_store_event(
                        m, ev->value > 0 ? SESSION_EVENT_LINK_RESTORED : SESSION_EVENT_LINK_LOST,
                        ev->message, "{\"device\":\"treadmill\"}");
                break;
        case ENGINE_EVENT_TARGET_REACHED:
                log_debug("Reached %.1f km/h in %.1f s.", ev->requested, ev->value);
                break;
        case ENGINE_EVENT_TARGET_CHANGED:
                manager_properties_changed(m, MANAGER_PROP_LIVE);
                break;
        case ENGINE_EVENT_DIAGNOSTIC:
                log_warning("%s", ev->message);
                manager_store_event(m, SESSION_EVENT_NOTE, ev->message, NULL);
                break;
        case ENGINE_EVENT_REJECTED:
                log_notice("Refused: %s", ev->message);
                break;
        case ENGINE_EVENT_RESULT:
                handle_result(m, ev);
                break;
        case ENGINE_EVENT_SHUTDOWN_DONE:
                if (m->monitor)
                        safety_monitor_stop_end(m->monitor, manager_now(m), ev->value > 0);
                if (ev->value > 0)
                        log_info("Safe stop done: %s", ev->message);
                else {
                        /* The runner must hear it: the belt was not brought to the policy. */
                        log_warning("Could not finish the safe stop: %s", ev->message);
                        manager_store_event(m, SESSION_EVENT_SAFETY, ev->message, NULL);
                        (void)bus_manager_emit_safety_action(
                                m, engine_safety_rule_to_string(ENGINE_SAFETY_SHUTDOWN), true,
                                ev->message);
                        (void)sd_notifyf(false, "STATUS=Stopping: %s", ev->message);
                }
                if (m->shutting_down) {
                        EngineState s = workout_engine_get_state(m->engine);

                        /* The session of a workout cut short by the stop is aborted. */
                        if (m->session_active)
                                manager_session_end(m, s == ENGINE_STATE_FINISHED
                                                               ? SESSION_END_FINISHED
                                                               : SESSION_END_ABORTED);
                        manager_flush_store(m);
                        manager_finish_shutdown(m);
                }
                break;
        case _ENGINE_EVENT_TYPE_MAX:
        case _ENGINE_EVENT_TYPE_INVALID:
                break;
        }
}

/*
 * A write the monitor refused. In tests and the simulator that is a bug to
 * fail on at once; in production the command is dropped, said once per
 * invariant, and signalled.
 */
static void handle_violation(Manager *m, const SafetyViolation *v)
{
        const char *name = safety_invariant_to_string(v->invariant) ?: "unknown";

        if (m->monitor_abort) {
                log_full(LOG_EMERG, "Safety invariant '%s' violated: %s", name, v->message);
                abort();
        }
        if (!m->monitor_logged[v->invariant]) {
                m->monitor_logged[v->invariant] = true;
                log_error("Safety invariant '%s' violated (refused; said once): %s", name,
                          v->message);
        } else
                log_debug("Safety invariant '%s' violated again: %s", name, v->message);
        manager_store_event(m, SESSION_EVENT_SAFETY, v->message, NULL);
        (void)bus_manager_emit_safety_violation(m, name, v->message);
}

static void check_monitor(Manager *m)
{
        SafetyViolation v;

        if (m->monitor && safety_monitor_check(m->monitor, manager_now(m), &v) < 0)
                handle_violation(m, &v);
}

/* at: the engine's time of the write, so that the monitor measures the
 * rate on the engine's clock, not after a (time-scaled) processing delay. */
static void write_control_point(Manager *m, const FtmsControlCommand *cmd, uint64_t at)
{
        uint8_t buf[FTMS_CP_MAX_LEN];
        SafetyViolation v;
        size_t len;
        int r;

        if (m->monitor && safety_monitor_check_write(m->monitor, at, cmd, &v) < 0) {
                TransportEvent ev = {
                        .type = TRANSPORT_EVENT_CP_WRITE_FAILED,
                        .role = TRANSPORT_ROLE_TREADMILL,
                        .time_usec = manager_now(m),
                        .cp_write_error = {.error = -EPERM, .message = "refused by the monitor"},
                };

                handle_violation(m, &v);
                /* The control-point machine hears a failed write and moves on. */
                safety_monitor_observe(m->monitor, ev.time_usec, &ev);
                workout_engine_handle_event(m->engine, ev.time_usec, &ev);
                return;
        }
        r = ftms_control_command_encode(cmd, buf, sizeof(buf), &len);
        if (r >= 0)
                r = m->transport ? transport_write_control_point(m->transport, buf, len)
                                 : -ENOTCONN;
        if (r < 0) {
                TransportEvent ev = {
                        .type = TRANSPORT_EVENT_CP_WRITE_FAILED,
                        .role = TRANSPORT_ROLE_TREADMILL,
                        .time_usec = manager_now(m),
                        .cp_write_error = {.error = r, .message = "write failed"},
                };

                log_debug_errno(r, "Control point write failed: %m");
                if (m->monitor)
                        safety_monitor_observe(m->monitor, ev.time_usec, &ev);
                workout_engine_handle_event(m->engine, ev.time_usec, &ev);
        }
}

/* Everything the engine produced, then its timer at its next deadline. */
void manager_drain_engine(Manager *m)
{
        EngineOutput out;

        if (!m->engine)
                return;
        while (workout_engine_pop_output(m->engine, &out) > 0)
                switch (out.type) {
                case ENGINE_OUTPUT_CP_WRITE:
                        write_control_point(m, &out.write, out.time_usec);
                        break;
                case ENGINE_OUTPUT_CUE:
                        handle_cue(m, &out.cue);
                        break;
                case ENGINE_OUTPUT_EVENT:
                        handle_event(m, &out.event);
                        break;
                case _ENGINE_OUTPUT_TYPE_MAX:
                case _ENGINE_OUTPUT_TYPE_INVALID:
                        break;
                }
        check_monitor(m);
        rearm_engine_timer(m);
}

static int engine_timer_handler(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;

        workout_engine_tick(m->engine, manager_now(m));
        manager_drain_engine(m);
        return 0;
}

static void rearm_engine_timer(Manager *m)
{
        uint64_t deadline = workout_engine_next_deadline(m->engine), when;
        int r;

        if (deadline == USEC_INFINITY) {
                if (m->engine_timer)
                        (void)sd_event_source_set_enabled(m->engine_timer, SD_EVENT_OFF);
                return;
        }
        when = paced_clock_to_real(&m->clock, deadline);
        if (!m->engine_timer) {
                /* 1 us, not sd-event's default 250 ms: a deadline is a step boundary or a
                 * predicted distance crossing, and 250 ms late is a metre at 16 km/h. */
                r = sd_event_add_time(m->event, &m->engine_timer, CLOCK_MONOTONIC, when, 1,
                                      engine_timer_handler, m);
                if (r >= 0) {
                        (void)sd_event_source_set_description(m->engine_timer, "engine");
                        /* Due together with a notification, the deadline goes first. */
                        (void)sd_event_source_set_priority(m->engine_timer,
                                                           SD_EVENT_PRIORITY_IMPORTANT);
                }
        } else {
                r = sd_event_source_set_time(m->engine_timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->engine_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_error_errno(r, "Failed to arm the engine timer: %m");
}

/* ---- transport events ---- */

/* A device's name is whatever it advertises: shown, logged and stored as text only. */
static void device_set_string(char **field, const char *value)
{
        _cleanup_free_ char *v = utf8_sanitize(value);

        if (streq_ptr(*field, v))
                return;
        free(*field);
        *field = TAKE_PTR(v);
}

/* The RR intervals as stored, each with the cleaner's artifact flag. */
static void handle_transport_event(const TransportEvent *ev, void *userdata)
{
        Manager *m = userdata;
        Device *d = manager_get_device(m, ev->role);
        bool device_changed = false, recover_now = false;

        if (!d)
                return;
        /* A footpod nobody configured is not there (the simulator may have one). */
        if (ev->role == TRANSPORT_ROLE_FOOTPOD && !manager_footpod_enabled(m))
                return;
        /* Before the device takes a new identity: the estimate notices the change. */
        manager_footpod_handle_event(m, ev);
        switch (ev->type) {
        case TRANSPORT_EVENT_LINK:
                if (d->connected != ev->link.up) {
                        const char *fields[] = {NULL, NULL};
                        _cleanup_free_ char *dev = NULL;

                        if (d->address && asprintf(&dev, "DEVICE=%s", d->address) >= 0)
                                fields[0] = dev;
                        d->connected = ev->link.up;
                        device_changed = true;
                        if (ev->link.up)
                                log_fields(LOG_INFO, 0, fields, "%s %s connected.",
                                           transport_role_to_string(ev->role),
                                           d->name ? d->name : "");
                        else
                                log_fields(LOG_WARNING, 0, fields, "%s %s lost: %s",
                                           transport_role_to_string(ev->role),
                                           d->name ? d->name : "",
                                           ev->link.reason ? ev->link.reason : "link down");
                        /* The treadmill's link events come from the engine. */
                        if (!ev->link.up && ev->role == TRANSPORT_ROLE_STRAP) {
                                m->live.heart_rate_bpm = 0;
                                m->live.last_rr_ms = 0;
                                m->live.zone = 0;
                                d->link_lost = true;
                                manager_store_event(m, SESSION_EVENT_LINK_LOST,
                                                    "heart-rate strap lost",
                                                    "{\"device\":\"hrm\"}");
                        } else if (ev->link.up && ev->role == TRANSPORT_ROLE_STRAP &&
                                   d->link_lost) {
                                d->link_lost = false;
                                manager_store_event(m, SESSION_EVENT_LINK_RESTORED,
                                                    "heart-rate strap connected",
                                                    "{\"device\":\"hrm\"}");
                        }
                }
                break;
        case TRANSPORT_EVENT_IDENTITY:
                if (ev->identity.address && !streq_ptr(d->address, ev->identity.address)) {
                        /* Another device: its own count, its own first report. */
                        d->malformed = 0;
                        d->malformed_logged = false;
                }
                device_set_string(&d->name, ev->identity.name);
                device_set_string(&d->address, ev->identity.address);
                device_changed = true;
                break;
        case TRANSPORT_EVENT_CAPABILITIES:
                d->caps = ev->caps;
                d->has_caps = true;
                device_changed = true;
                break;
        case TRANSPORT_EVENT_BATTERY:
                d->battery_pct = ev->battery_pct;
                device_changed = true;
                break;
        case TRANSPORT_EVENT_HEART_RATE:
                manager_handle_heart_rate(m, &ev->hr);
                break;
        case TRANSPORT_EVENT_TREADMILL_DATA: {
                const FtmsTreadmillData *td = &ev->treadmill;
                SpeedCalibration cal;

                manager_calibration(m, &cal);

                if (td->present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED))
                        m->live.speed_kmh = speed_calibration_to_true(&cal, td->speed_kmh);
                if (td->present & FTMS_FIELD_BIT(FTMS_FIELD_INCLINE) &&
                    !(td->na & FTMS_FIELD_BIT(FTMS_FIELD_INCLINE)))
                        m->live.incline_pct = td->incline_pct;
                if (td->present & FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE)) {
                        m->live.distance_m = td->distance_m * cal.factor;
                        /* When it arrived, on the clock the other logs use: how late the
                         * treadmill's reports reach paced shows in distance steps. */
                        log_debug("Total Distance %" PRIu32 " m at CLOCK_MONOTONIC %.6f s.",
                                  td->distance_m,
                                  (double)paced_clock_to_real(&m->clock, ev->time_usec) /
                                          USEC_PER_SEC);
                }
                /* The second record: whether the belt runs or slows on its own. */
                if (m->recover_pending && m->name_owned &&
                    (td->present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED)) && ++m->recover_samples >= 2)
                        recover_now = true;
                break;
        }
        case TRANSPORT_EVENT_FOOTPOD:
                /* manager_footpod_handle_event() below: live values and the estimate. */
                break;
        case TRANSPORT_EVENT_MALFORMED:
                /* Counted always (the Device's Malformed property), logged once per device:
                 * a misbehaving device must not flood the journal. */
                d->malformed++;
                log_full(d->malformed_logged ? LOG_DEBUG : LOG_WARNING,
                         "Malformed payload from the %s%s%s (uuid 0x%04x, %zu bytes): %s%s",
                         transport_role_to_string(ev->role), d->address ? " " : "",
                         d->address ?: "", ev->malformed.uuid, ev->malformed.len,
                         strerror(-ev->malformed.error ?: EBADMSG),
                         d->malformed_logged ? ""
                                             : ". Further ones from this device are only "
                                               "counted (pacectl status).");
                d->malformed_logged = true;
                break;
        case TRANSPORT_EVENT_MACHINE_STATUS:
        case TRANSPORT_EVENT_TRAINING_STATUS:
        case TRANSPORT_EVENT_CP_RESPONSE:
        case TRANSPORT_EVENT_CP_WRITE_FAILED:
        case _TRANSPORT_EVENT_MAX:
        case _TRANSPORT_EVENT_INVALID:
                break;
        }
        if (device_changed)
                (void)bus_device_emit_changed(d, m->bus);

        if (m->monitor)
                safety_monitor_observe(m->monitor, manager_now(m), ev);
        if (m->engine) {
                workout_engine_handle_event(m->engine, manager_now(m), ev);
                manager_drain_engine(m);
        }
        if (recover_now)
                manager_try_recover(m);
        manager_properties_changed(m,
                                   MANAGER_PROP_LIVE | (device_changed ? MANAGER_PROP_CONTROL : 0));

        /* --run waits for a treadmill that is linked and has told us its ranges. */
        if (m->pending_run && m->devices[TRANSPORT_ROLE_TREADMILL].connected &&
            m->devices[TRANSPORT_ROLE_TREADMILL].has_caps && m->name_owned) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *name = TAKE_PTR(m->pending_run);
                _cleanup_free_ char *data = TAKE_PTR(m->pending_run_data);

                if ((data ? manager_start_workout_data(m, name, data, false, &error)
                          : manager_start_workout(m, name, false, &error)) < 0) {
                        log_error("Cannot run '%s': %s", name, error.message);
                        m->exit_code = 1;
                        manager_finish_shutdown(m);
                }
        }
}

/* ---- setup ---- */

int manager_setup_workout(Manager *m)
{
        EngineConfig ec;
        int r;

        m->last_step_index = -1;
        build_zones(m);
        build_engine_config(m, &ec);
        r = workout_engine_new(&m->engine, &ec);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the workout engine: %m");
        {
                SafetyMonitorConfig mc;
                const char *mode = getenv("PACED_SAFETY_MONITOR");

                build_monitor_config(m, &mc);
                r = safety_monitor_new(&m->monitor, &mc);
                if (r < 0)
                        return log_error_errno(r, "Failed to set up the safety monitor: %m");
                /* Loud where a violation is a bug to find: tests and the simulator. */
                m->monitor_abort = mode ? streq(mode, "abort") : m->options.simulate;
                log_debug("Safety monitor: %s on a violation.",
                          m->monitor_abort ? "abort" : "refuse and signal");
        }
        r = manager_open_store(m);
        if (r < 0)
                return r;
        manager_load_accepted(m);
        manager_load_accepted_result(m);
        (void)manager_load_schedule(m);
        build_zones(m);
        r = manager_footpod_setup(m);
        if (r < 0)
                return r;
        if (manager_calibration_accepted(m))
                manager_apply_config(m); /* the engine was set up with paced.conf's */

        r = manager_transport_new(m, &m->transport);
        if (r == -EOPNOTSUPP) {
                log_warning("No %s transport in this build: paced runs without a treadmill.",
                            m->options.simulate ? "simulator" : "BlueZ");
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to set up the %s transport: %m",
                                       m->options.simulate ? "simulator" : "BlueZ");
        m->transport->handler = handle_transport_event;
        m->transport->userdata = m;
        return manager_relay_setup(m);
}

void manager_workout_done(Manager *m)
{
        SimTreadmill *sim = m->transport ? sim_transport_treadmill(m->transport) : NULL;

        /* What a simulated runner is left with: tests check it after paced exits. */
        if (sim)
                log_info("Simulated belt left %s at %.1f km/h (target %.1f km/h).",
                         sim_belt_state_to_string(sim_treadmill_state(sim)),
                         sim_treadmill_speed_kmh(sim), sim_treadmill_target_speed_kmh(sim));
        manager_relay_done(m);
        if (m->transport) {
                transport_shutdown(m->transport);
                m->transport = transport_free(m->transport);
        }
        m->engine_timer = sd_event_source_unref(m->engine_timer);
        m->sample_timer = sd_event_source_unref(m->sample_timer);
        m->flush_timer = sd_event_source_unref(m->flush_timer);
        m->engine = workout_engine_free(m->engine);
        m->monitor = safety_monitor_free(m->monitor);
        /* A session that ended as paced stops still gets its analysis,
         * stored before the store closes: its load (a job of the writer's)
         * first, then the analysis; then the writer writes the rest. A
         * session that last batch writes is analysed here too, and its
         * thresholds go with session_store_free()'s last flush. */
        manager_store_sync(m);
        m->analysis_worker = analysis_worker_free(m->analysis_worker);
        /* Waiting SyncStore callers see paced leave the bus instead: the
         * last batch must not start another. */
        manager_store_waiters_free(m);
        m->store_writer = store_writer_free(m->store_writer);
        m->analysis_worker = analysis_worker_free(m->analysis_worker);
        manager_accept_waiting_free(m);
        if (m->store && session_store_next_flush(m->store) != USEC_INFINITY) {
                size_t n = session_store_buffered(m->store);
                int r;

                log_warning("Stopping with %zu samples not written yet (%s): one last attempt, "
                            "waiting up to 2 s for the database.",
                            n, session_store_last_error(m->store));
                r = session_store_finish(m->store);
                if (r > 0)
                        log_warning("The database cannot be written (%s): %zu samples are kept "
                                    "in %s/" SESSION_STORE_SPOOL_NAME
                                    ", written into it at the next start.",
                                    session_store_last_error(m->store),
                                    session_store_spooled(m->store), m->state_dir);
                else if (r < 0)
                        log_error_errno(r,
                                        "Cannot keep the %zu samples not written: they are "
                                        "lost (%s).",
                                        n, session_store_last_error(m->store));
        }
        m->store = session_store_free(m->store);
        m->rr_cleaner = rr_cleaner_free(m->rr_cleaner);
        m->analysis = live_analysis_free(m->analysis);
        m->schedule = plan_free(m->schedule);
        planned_workouts_done(&m->planned);
        free(m->pending_run);
        m->pending_run = NULL;
        free(m->pending_run_data);
        m->pending_run_data = NULL;
        free(m->state_dir);
        m->state_dir = NULL;
}

void manager_on_ready(Manager *m)
{
        const char *run = m->options.run_workout;
        int r;

        if (!run)
                return;
        free(m->pending_run);
        m->pending_run = strdup(run);
        if (!m->pending_run) {
                log_oom();
                m->exit_code = 1;
                manager_finish_shutdown(m);
                return;
        }
        /* A file given on paced's own command line is read now, by paced, as any
         * file of its own: not a link, FIFO or device, and size-capped. */
        if (!workout_library_name_is_valid(run)) {
                r = read_file_regular(run, WORKOUT_ZWO_MAX, READ_FILE_NOFOLLOW,
                                      &m->pending_run_data, NULL);
                if (r < 0) {
                        log_error_errno(r, "Cannot run '%s': %s", run,
                                        r == -EBADFD ? "not a regular file" : strerror(-r));
                        m->exit_code = 1;
                        manager_finish_shutdown(m);
                        return;
                }
        }
        if (!m->transport) {
                log_error("Cannot run '%s': there is no treadmill transport.", run);
                m->exit_code = 1;
                manager_finish_shutdown(m);
                return;
        }
        log_info("Waiting for the treadmill to run '%s'.", run);
}

uint64_t manager_stop_budget_real_usec(Manager *m)
{
        EngineConfig ec;

        build_engine_config(m, &ec);
        /* The engine's own deadline (virtual), plus a margin for the last answer. */
        return paced_clock_span_to_real(&m->clock, ec.shutdown_timeout_usec) + 5 * USEC_PER_SEC;
}

int manager_workout_shutdown(Manager *m)
{
        int r;

        if (!m->engine)
                return 1;
        r = workout_engine_shutdown(m->engine, manager_now(m));
        manager_drain_engine(m);
        if (r > 0 || workout_engine_shutdown_done(m->engine)) {
                if (m->session_active)
                        manager_session_end(m, workout_engine_get_state(m->engine) ==
                                                               ENGINE_STATE_FINISHED
                                                       ? SESSION_END_FINISHED
                                                       : SESSION_END_ABORTED);
                manager_flush_store(m);
                return 1;
        }
        return 0;
}

/* ---- snapshot ---- */

void manager_snapshot(Manager *m, ManagerSnapshot *ret)
{
        const ResolvedWorkout *w = m->engine ? workout_engine_get_workout(m->engine) : NULL;
        EngineStatus st;

        *ret = (ManagerSnapshot){
                .state = "idle",
                .pause_reason = "",
                .workout = "",
                .step_index = -1,
                .step_name = "",
                .next_step_name = "",
                .step_remaining_s = NAN,
                .target_speed_kmh = NAN,
                .target_incline_pct = NAN,
                .total_time_s = NAN,
                .monitor_only = m->config->monitor_only,
                .control_status = m->config->monitor_only ? "monitor-only" : "offline",
                .session_id = m->session_id > 0 ? (uint64_t)m->session_id : 0,
                .schedule = "",
                .last_result = m->last_result,
        };
        ret->schedule = manager_schedule_today(m);
        if (!m->engine)
                return;
        workout_engine_get_status(m->engine, manager_now(m), &st);
        workout_engine_next_action(m->engine, ret->next_action, sizeof(ret->next_action));
        ret->state = engine_state_to_string(st.state) ?: "idle";
        if (st.state == ENGINE_STATE_PAUSED)
                ret->pause_reason = engine_pause_reason_to_string(st.pause_reason) ?: "";
        ret->workout = st.workout_name ?: "";
        ret->step_index = st.step_index;
        ret->step_count = (unsigned)st.n_steps;
        ret->step_name = st.step_label ?: "";
        if (w && st.step_index >= 0 && (size_t)st.step_index < w->n_steps) {
                ret->step_repeat = w->steps[st.step_index].repeat_index;
                ret->step_repeat_count = w->steps[st.step_index].repeat_count;
        }
        if (w && st.step_index + 1 >= 0 && (size_t)(st.step_index + 1) < w->n_steps)
                ret->next_step_name = w->steps[st.step_index + 1].label;
        ret->step_remaining_s = st.step_remaining_s;
        ret->step_elapsed_s = st.step_elapsed_s;
        ret->target_speed_kmh = st.target_speed_kmh;
        ret->override_kmh = st.override_kmh;
        ret->target_incline_pct = st.target_incline_pct;
        ret->elapsed_s = st.elapsed_s;
        ret->workout_distance_m = st.distance_m;
        ret->total_time_s = w ? w->total_time_s : NAN;
        ret->monitor_only = st.monitor_reason != FTMS_MONITOR_NONE;
        ret->control_status = ftms_control_state_to_string(st.control_state) ?: "offline";
        /* Over: no step comes next, none has time left, and an override
         * (for the rest of a step) no longer applies to anything. */
        if (st.state == ENGINE_STATE_FINISHED || st.state == ENGINE_STATE_ABORTED) {
                ret->next_step_name = "";
                ret->step_remaining_s = NAN;
                ret->override_kmh = 0;
        }
}

/* ---- methods ---- */

/* A sentence that says what failed and why: "Cannot resume: the belt is stopped ...". */
static int engine_error(Manager *m, int r, const char *what, sd_bus_error *error)
{
        switch (r) {
        case -ENOENT:
                return sd_bus_error_setf(error, PACED_ERROR_NO_WORKOUT, "%s: no workout is loaded.",
                                         what);
        case -EBUSY:
                return sd_bus_error_setf(
                        error, PACED_ERROR_BUSY, "%s: the workout is %s.", what,
                        engine_state_to_string(workout_engine_get_state(m->engine)));
        case -EINVAL:
        case -ERANGE:
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT, "%s: invalid value.",
                                         what);
        case -EPERM:
                return sd_bus_error_setf(error, PACED_ERROR_NOT_PERMITTED,
                                         "%s: the belt is stopped and paced may not start it "
                                         "(allow_remote_start = no). Press START on the "
                                         "treadmill: the workout carries on when the belt runs.",
                                         what);
        case -ENOTCONN:
                return sd_bus_error_setf(error, PACED_ERROR_NOT_CONNECTED,
                                         "%s: no treadmill is connected.", what);
        default:
                return sd_bus_error_set_errnof(error, r, "%s: %m", what);
        }
}

static bool engine_active(Manager *m)
{
        EngineState s = workout_engine_get_state(m->engine);

        return s == ENGINE_STATE_RUNNING || s == ENGINE_STATE_PAUSED || s == ENGINE_STATE_ARMED;
}

static int load_workout(Manager *m, const char *name, Workout **ret, sd_bus_error *error)
{
        WorkoutError we = {};
        char buf[600];
        int r;

        /*
         * paced never opens a file a client names: it would do so with its
         * own rights, not the caller's (a FIFO would block the loop, and an
         * error would tell the caller about a file it may not read). The
         * caller reads the file and sends its contents (StartWorkoutData).
         */
        if (strchr(name, '/'))
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "paced does not open files named by a client: send the "
                                         "workout's contents with StartWorkoutData (as 'pacectl "
                                         "start FILE' does).");
        if (!workout_library_name_is_valid(name))
                return sd_bus_error_set(error, PACED_ERROR_INVALID_WORKOUT,
                                        "Not a library name ([a-z0-9-], 1 to 64 characters).");
        r = workout_library_load(name, workout_library_default_dirs(), ret, &we);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT,
                                         "No workout '%s' in the library (see pacectl validate).",
                                         name);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT, "%s",
                                         we.message[0] ? workout_error_format(&we, buf, sizeof(buf))
                                                       : strerror(-r));
        return 0;
}

static int check_can_start(Manager *m, sd_bus_error *error)
{
        if (!m->transport || !m->devices[TRANSPORT_ROLE_TREADMILL].connected)
                return sd_bus_error_set(error, PACED_ERROR_NOT_CONNECTED,
                                        "No treadmill is connected.");
        if (workout_engine_get_state(m->engine) == ENGINE_STATE_ARMED) {
                const ResolvedWorkout *w = workout_engine_get_workout(m->engine);

                return sd_bus_error_setf(error, PACED_ERROR_BUSY,
                                         "%s is loaded and waits for the belt: press START on the "
                                         "treadmill, or pacectl stop to unload it.",
                                         w && w->name ? w->name : "A workout");
        }
        if (engine_active(m))
                return sd_bus_error_set(error, PACED_ERROR_BUSY,
                                        "A workout is already running: stop it first.");
        return 0;
}

/* Resolves against the profile, the machine and the caps, then loads and starts (or arms). */
static int start_loaded(Manager *m, const Workout *workout, const char *name, bool arm_only,
                        sd_bus_error *error)
{
        const Device *t = &m->devices[TRANSPORT_ROLE_TREADMILL];
        _cleanup_(resolved_workout_freep) ResolvedWorkout *resolved = NULL;
        ResolveLimits limits;
        uint64_t now = manager_now(m);
        int r;

        resolve_limits_from_config(m->config, t->has_caps ? &t->caps : NULL, &limits);
        r = workout_resolve(workout, &m->profile, &limits, &resolved);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT,
                                         "Cannot resolve '%s': %s", name, strerror(-r));
        for (char **n = resolved->notes; n && *n; n++)
                log_info("Workout '%s': %s", resolved->name, *n);
        if (resolved->any_clamped) {
                log_notice("Workout '%s': some targets exceed the caps and were clamped.",
                           resolved->name);
                (void)bus_manager_emit_safety_action(
                        m, engine_safety_rule_to_string(ENGINE_SAFETY_CAP), true,
                        "Some of the workout's targets exceed the caps and were clamped");
        }

        r = workout_engine_load(m->engine, now, TAKE_PTR(resolved));
        if (r < 0) {
                manager_drain_engine(m);
                return engine_error(m, r, "Cannot load the workout", error);
        }
        /* A start asked for by a user may start the belt (allow_remote_start). */
        if (!arm_only && m->monitor)
                safety_monitor_user_start(m->monitor, now);
        r = arm_only ? workout_engine_arm(m->engine, now) : workout_engine_start(m->engine, now);
        manager_drain_engine(m);
        if (r < 0)
                return engine_error(m, r, arm_only ? "Cannot arm" : "Cannot start", error);
        log_info("%s workout '%s'.", arm_only ? "Armed" : "Started", name);
        manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_WORKOUT |
                                              MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
        return 0;
}

int manager_start_workout(Manager *m, const char *name_or_path, bool arm_only, sd_bus_error *error)
{
        _cleanup_(workout_freep) Workout *workout = NULL;
        const char *name = name_or_path;
        int r;

        r = check_can_start(m, error);
        if (r < 0)
                return r;
        if (!*name) {
                const PlannedWorkout *p = manager_planned_today(m);
                const PlanDay *d = manager_schedule_today_day(m);
                _cleanup_free_ char *text = NULL;
                WorkoutError we = {};
                char buf[600];

                /* A planned workout from another calendar comes before the plan's. */
                if (p) {
                        r = planned_workout_parse(p, &workout, &we);
                        if (r < 0)
                                return sd_bus_error_setf(
                                        error, PACED_ERROR_INVALID_WORKOUT, "%s",
                                        we.message[0] ? workout_error_format(&we, buf, sizeof(buf))
                                                      : strerror(-r));
                        return start_loaded(m, workout, p->name, arm_only, error);
                }
                if (!d || d->type != PLAN_DAY_RUN)
                        return sd_bus_error_set(error, PACED_ERROR_INVALID_WORKOUT,
                                                "Nothing is scheduled today: name a workout.");
                /* Today's session with this week's reps and minutes. */
                r = plan_day_workout_text(d, &text);
                if (r >= 0)
                        r = workout_text_parse(text, strlen(text), d->workout, &workout, &we);
                if (r < 0)
                        return sd_bus_error_setf(
                                error, PACED_ERROR_INVALID_WORKOUT, "Today's %s: %s", d->workout,
                                we.message[0] ? workout_error_format(&we, buf, sizeof(buf))
                                              : strerror(-r));
                return start_loaded(m, workout, d->workout, arm_only, error);
        }
        r = load_workout(m, name, &workout, error);
        if (r < 0)
                return r;
        return start_loaded(m, workout, name, arm_only, error);
}

int manager_start_workout_bytes(Manager *m, const char *filename, const void *data, size_t len,
                                bool arm_only, sd_bus_error *error)
{
        _cleanup_(workout_freep) Workout *workout = NULL;
        WorkoutError we = {};
        char buf[600];
        int r;

        /* It names the workout in messages, the log and the store: text only. */
        if (!*filename || strlen(filename) > 255 || !utf8_is_printable(filename, false))
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "The workout needs a file name (for its messages): up to "
                                        "255 bytes, no control characters.");
        r = check_can_start(m, error);
        if (r < 0)
                return r;
        /* The format from the contents (FIT, .zwo, text), as for files paced reads itself. */
        r = len > WORKOUT_FILE_MAX ? -EFBIG
                                   : workout_parse_data(data, len, filename, &workout, &we);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT, "%s",
                                         we.message[0] ? workout_error_format(&we, buf, sizeof(buf))
                                                       : strerror(-r));
        return start_loaded(m, workout, filename, arm_only, error);
}

int manager_start_workout_data(Manager *m, const char *filename, const char *data, bool arm_only,
                               sd_bus_error *error)
{
        return manager_start_workout_bytes(m, filename, data, strlen(data), arm_only, error);
}

#define ENGINE_METHOD(fname, call, what)                                                           \
        int fname(Manager *m, sd_bus_error *error)                                                 \
        {                                                                                          \
                int r;                                                                             \
                                                                                                   \
                if (!workout_engine_get_workout(m->engine))                                        \
                        return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT,                     \
                                                "No workout is loaded.");                          \
                r = call(m->engine, manager_now(m));                                               \
                manager_drain_engine(m);                                                           \
                if (r < 0)                                                                         \
                        return engine_error(m, r, what, error);                                    \
                manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_STEP |             \
                                                      MANAGER_PROP_LIVE);                          \
                return 0;                                                                          \
        }

ENGINE_METHOD(manager_pause, workout_engine_pause, "Cannot pause")
ENGINE_METHOD(manager_skip_step, workout_engine_skip, "Cannot skip")

int manager_skip_step_index(Manager *m, int32_t index, sd_bus_error *error)
{
        int r;

        if (!workout_engine_get_workout(m->engine))
                return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is loaded.");
        r = workout_engine_skip_step(m->engine, manager_now(m), index);
        manager_drain_engine(m);
        if (r == -ESTALE) {
                EngineStatus st;

                workout_engine_get_status(m->engine, manager_now(m), &st);
                return sd_bus_error_setf(error, PACED_ERROR_BUSY,
                                         "Cannot skip step %d: it already ended (now in step %d).",
                                         index + 1, st.step_index + 1);
        }
        if (r == -EINVAL)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Cannot skip step %d: the workout has %zu steps.",
                                         index + 1, workout_engine_get_workout(m->engine)->n_steps);
        if (r < 0)
                return engine_error(m, r, "Cannot skip", error);
        manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
        return 0;
}

int manager_skip_to(Manager *m, const char *target, sd_bus_error *error)
{
        const ResolvedWorkout *w = workout_engine_get_workout(m->engine);
        size_t idx;
        int r;

        if (!w)
                return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is loaded.");
        r = resolved_workout_find(w, target, &idx);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Cannot skip to '%s': expected main, trial or cooldown.",
                                         target);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Cannot skip to the %s: '%s' has none.", target,
                                         w->name ?: "the workout");
        r = workout_engine_skip_to(m->engine, manager_now(m), idx);
        manager_drain_engine(m);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, PACED_ERROR_BUSY,
                                         "Cannot skip to the %s: it has begun already.", target);
        if (r < 0)
                return engine_error(m, r, "Cannot skip", error);
        manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
        return 0;
}

typedef struct DeleteJob {
        Manager *manager;
        sd_bus_message *message;
        int64_t id;
} DeleteJob;

static int delete_job_run(SessionStore *s, void *userdata)
{
        DeleteJob *j = userdata;

        return session_store_delete(s, j->id);
}

static void delete_job_done(int r, const char *error, void *userdata)
{
        DeleteJob *j = userdata;

        if (r == -ENOENT)
                (void)sd_bus_reply_method_errorf(j->message, PACED_ERROR_INVALID_ARGUMENT,
                                                 "No session %" PRIi64 ".", j->id);
        else if (r == -EBUSY)
                /* Another process holds the database's write lock. */
                (void)sd_bus_reply_method_errorf(j->message, PACED_ERROR_BUSY,
                                                 "Cannot delete session %" PRIi64 " now: %s", j->id,
                                                 error);
        else if (r < 0)
                (void)sd_bus_reply_method_errorf(j->message, PACED_ERROR_FAILED,
                                                 "Cannot delete session %" PRIi64 ": %s", j->id,
                                                 error);
        else {
                log_info("Deleted session %" PRIi64 ".", j->id);
                (void)sd_bus_reply_method_return(j->message, NULL);
        }
        sd_bus_message_unref(j->message);
        free(j);
}

int manager_delete_session(Manager *m, sd_bus_message *message, uint64_t id, sd_bus_error *error)
{
        DeleteJob *j;
        int r;

        if (!m->store)
                return sd_bus_error_set(error, PACED_ERROR_FAILED,
                                        "paced runs without a session store.");
        if (id == 0 || id > INT64_MAX)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "No session %" PRIu64 ".", id);
        if (session_store_is_pending(m->store, (int64_t)id))
                return sd_bus_error_setf(error, PACED_ERROR_BUSY,
                                         "Session %" PRIu64 " is being recorded: stop the workout "
                                         "first.",
                                         id);
        /* A delete commits (and syncs the disk): on the writer thread, as
         * the DeleteSession a client may send while a belt runs. */
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (DeleteJob){.manager = m, .message = sd_bus_message_ref(message), .id = (int64_t)id};
        r = manager_store_queue(m, delete_job_run, delete_job_done, j);
        if (r < 0) {
                sd_bus_message_unref(j->message);
                free(j);
                return r;
        }
        return 1;
}

int manager_resume(Manager *m, sd_bus_error *error)
{
        int r;

        if (!workout_engine_get_workout(m->engine))
                return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is loaded.");
        if (m->monitor)
                safety_monitor_user_start(m->monitor, manager_now(m));
        r = workout_engine_resume(m->engine, manager_now(m));
        manager_drain_engine(m);
        if (r == -EPERM) {
                char buf[160];

                /* Why not, and the one thing the runner does next. */
                return sd_bus_error_setf(
                        error, PACED_ERROR_NOT_PERMITTED,
                        "Cannot resume: the belt is stopped and paced may not start it%s. %s",
                        m->config->allow_remote_start ? "" : " (allow_remote_start = no)",
                        workout_engine_next_action(m->engine, buf, sizeof(buf)));
        }
        if (r < 0)
                return engine_error(m, r, "Cannot resume", error);
        manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
        return 0;
}

int manager_stop(Manager *m, const char **ret_note, sd_bus_error *error)
{
        int r;

        if (!workout_engine_get_workout(m->engine))
                return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is loaded.");
        r = workout_engine_stop(m->engine, manager_now(m));
        manager_drain_engine(m);
        if (r < 0)
                return engine_error(m, r, "Cannot stop", error);
        *ret_note = workout_engine_belt_note(m->engine);
        log_info("%s.", *ret_note);
        manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
        return 0;
}

int manager_extend_step(Manager *m, uint32_t seconds, char **ret_note, sd_bus_error *error)
{
        const ResolvedWorkout *w = workout_engine_get_workout(m->engine);
        EngineStatus st;
        double amount = seconds;
        int r;

        if (!w)
                return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is loaded.");
        workout_engine_get_status(m->engine, manager_now(m), &st);
        /* Distance steps grow by what the runner covers in that time at the current target. */
        if (st.step_end == STEP_END_DISTANCE)
                amount =
                        seconds * (isfinite(st.target_speed_kmh) ? st.target_speed_kmh : 8.0) / 3.6;
        r = workout_engine_extend(m->engine, manager_now(m), amount);
        manager_drain_engine(m);
        if (r < 0)
                return engine_error(m, r, "Cannot extend", error);
        if (asprintf(ret_note,
                     r > 0 ? "Step extended to the limit (a step grows by at most 1 h or 10 km)."
                           : "Step extended by %" PRIu32 " s.",
                     seconds) < 0)
                *ret_note = NULL;
        manager_properties_changed(m, MANAGER_PROP_LIVE);
        return 0;
}

int manager_adjust_speed(Manager *m, double delta_kmh, char **ret_note, sd_bus_error *error)
{
        EngineState s = workout_engine_get_state(m->engine);
        EngineStatus st;
        int r;

        if (!m->transport || !m->devices[TRANSPORT_ROLE_TREADMILL].connected)
                return sd_bus_error_set(error, PACED_ERROR_NOT_CONNECTED,
                                        "No treadmill is connected.");
        /* An override is for the rest of a step: without a running workout there is none. */
        if (s != ENGINE_STATE_RUNNING && s != ENGINE_STATE_PAUSED)
                return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is running.");
        r = workout_engine_adjust_speed(m->engine, manager_now(m), delta_kmh);
        manager_drain_engine(m);
        if (r < 0)
                return engine_error(m, r, "Cannot change the speed", error);
        workout_engine_get_status(m->engine, manager_now(m), &st);
        if (asprintf(ret_note,
                     r > 0 ? "Override limited to %+.1f km/h: the target stays within the "
                             "speed caps."
                           : "Override %+.1f km/h for the rest of the step.",
                     st.override_kmh) < 0)
                *ret_note = NULL;
        manager_properties_changed(m, MANAGER_PROP_LIVE);
        return 0;
}
