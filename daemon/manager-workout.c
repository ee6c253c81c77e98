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
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus-device.h"
#include "bus-manager.h"
#include "log.h"
#include "manager-internal.h"
#include "plan.h"
#include "sim-transport.h"
#include "workout-library.h"
#include "workout-text.h"
#include "workout-zwo.h"

extern char **environ;

static void rearm_engine_timer(Manager *m);

/* ---- configuration → modules ---- */

static void build_engine_config(const Manager *m, EngineConfig *ret)
{
        const Config *c = m->config;

        engine_config_init(ret);
        /* A real device answers in real time, whatever the clock's scale
         * (--test-time-scale): the engine's timeouts are virtual. The
         * simulator answers in virtual time. */
        if (!m->options.simulate)
                ret->control.response_timeout_usec =
                        (uint64_t)((double)ret->control.response_timeout_usec * m->clock.scale);
        ret->safety.max_speed_kmh = c->max_speed_kmh;
        ret->safety.min_incline_pct = c->min_incline_pct;
        ret->safety.max_incline_pct = c->max_incline_pct;
        ret->safety.max_accel_kmhps = c->max_accel_kmh_s;
        ret->safety.max_incline_rate_pps = c->max_incline_rate_pct_s;
        ret->safety.hr_ceiling_bpm = c->hr_ceiling_bpm;
        ret->safety.hr_ceiling_hold_usec = (uint64_t)(c->hr_ceiling_duration_s * USEC_PER_SEC);
        ret->safety.hr_ceiling_hysteresis_bpm = c->hr_ceiling_hysteresis_bpm;
        ret->safety.recovery_speed_kmh = c->recovery_speed_kmh;
        switch (c->hr_loss) {
        case CONFIG_HR_LOSS_HOLD_THEN_PACE:
                ret->safety.hr_lost_hold_usec = (uint64_t)(c->hr_loss_hold_s * USEC_PER_SEC);
                ret->safety.hr_lost_fallback = true;
                break;
        case CONFIG_HR_LOSS_PACE:
                ret->safety.hr_lost_hold_usec = 0;
                ret->safety.hr_lost_fallback = true;
                break;
        case CONFIG_HR_LOSS_RECOVERY:
        case _CONFIG_HR_LOSS_MAX:
        case _CONFIG_HR_LOSS_INVALID:
                ret->safety.hr_lost_hold_usec = 0;
                ret->safety.hr_lost_fallback = false;
                break;
        }
        ret->control.monitor_only = c->monitor_only || (c->quirks & CONFIG_QUIRK_NO_CONTROL);
        ret->calibration.factor = c->speed_factor;
        ret->calibration.offset_kmh = c->speed_offset_kmh;
        ret->quirk_speed_mph = c->quirks & CONFIG_QUIRK_MPH_TARGET;
        ret->allow_remote_start = c->allow_remote_start;
        ret->cue_lead_usec = (uint64_t)(c->cue_lead_s * USEC_PER_SEC);
        ret->cues = c->cue_lead_s > 0;
        ret->auto_lap_m = c->auto_lap_m;
        ret->auto_lap_all_steps = c->auto_lap_scope == CONFIG_AUTO_LAP_ALL;
        switch (c->stop_policy) {
        case CONFIG_STOP_POLICY_PAUSE:
                ret->shutdown_policy = ENGINE_SHUTDOWN_PAUSE;
                break;
        case CONFIG_STOP_POLICY_STOP:
                ret->shutdown_policy = ENGINE_SHUTDOWN_STOP;
                break;
        case CONFIG_STOP_POLICY_COOLDOWN:
        case _CONFIG_STOP_POLICY_MAX:
        case _CONFIG_STOP_POLICY_INVALID:
                ret->shutdown_policy = ENGINE_SHUTDOWN_COOLDOWN;
                break;
        }
        ret->cooldown_speed_kmh = c->cooldown_speed_kmh;
        ret->recovery_policy = c->crash_recovery == CONFIG_CRASH_RECOVERY_COOLDOWN
                                       ? ENGINE_RECOVERY_COOLDOWN
                                       : ENGINE_RECOVERY_RESUME;
}

static void build_zones(Manager *m)
{
        ProfileSettings p;

        /* The config's [Runner], with accepted thresholds where it is silent. */
        profile_settings_from_config(m->config, m->have_accepted ? &m->accepted : NULL, &p);
        m->profile = p.runner;
        m->hr_profile = p.hr;
        m->zone_model = p.zone_model;
        m->have_zones = zone_table_build(p.zone_model, &p.hr, &m->zones) >= 0;
        if (!m->have_zones)
                log_notice("Heart-rate zones are off: set max_hr (or age) in [Runner] for the %s "
                           "model.",
                           zone_model_to_string(p.zone_model));
}

void manager_apply_config(Manager *m)
{
        EngineConfig ec;
        int r;

        build_zones(m);
        if (!m->engine)
                return;
        build_engine_config(m, &ec);
        r = workout_engine_set_config(m->engine, manager_now(m), &ec);
        if (r < 0)
                log_warning_errno(r, "The engine refused the new configuration: %m");
        manager_drain_engine(m);
        manager_properties_changed(m, MANAGER_PROP_CONTROL | MANAGER_PROP_LIVE);
}

/* ---- engine outputs ---- */

static int on_speaker_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        if (si->si_code != CLD_EXITED || si->si_status != 0)
                log_debug("espeak-ng failed (code %d, status %d).", si->si_code, si->si_status);
        sd_event_source_unref(s);
        return 0;
}

static void speak(Manager *m, const char *text)
{
        sd_event_source *child = NULL;
        const char *voice = m->config->cue_voice;
        const char *argv_voice[] = {"espeak-ng", "-v", voice, "--", text, NULL};
        const char *argv_plain[] = {"espeak-ng", "--", text, NULL};
        pid_t pid;
        int r;

        if (!m->config->cue_audio)
                return;
        /* Fire and forget: audio never holds up or breaks the workout. */
        r = posix_spawnp(&pid, "espeak-ng", NULL, NULL,
                         (char *const *)(voice ? argv_voice : argv_plain), environ);
        if (r != 0) {
                log_debug_errno(r, "Cannot speak the cue: %m");
                return;
        }
        /* Reaped by sd-event; the source frees itself when the child is gone. */
        r = sd_event_add_child(m->event, &child, pid, WEXITED, on_speaker_exit, NULL);
        if (r < 0)
                log_debug_errno(r, "Cannot watch espeak-ng: %m");
}

static const char *const cue_kind_names[_CUE_KIND_MAX] = {
        [CUE_KIND_UPCOMING] = "upcoming", [CUE_KIND_STEP_START] = "step-start",
        [CUE_KIND_HALFWAY] = "halfway",   [CUE_KIND_STEP_END] = "step-end",
        [CUE_KIND_LAP] = "lap",           [CUE_KIND_SAFETY] = "safety",
        [CUE_KIND_INFO] = "info",
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
        if (m->analysis && m->session_id)
                live_analysis_new_step(m->analysis, manager_session_t(m), NULL);
        manager_properties_changed(m, MANAGER_PROP_STEP | MANAGER_PROP_LIVE);
}

static void handle_lap(Manager *m, const EngineEvent *ev)
{
        const EngineLap *l = &ev->lap;
        SessionLap lap;
        double start_s;
        int r;

        if (m->analysis && m->session_id)
                live_analysis_new_lap(m->analysis, manager_session_t(m), NULL);
        (void)bus_manager_emit_lap(m, l->number,
                                   !l->automatic                                ? "step"
                                   : fabs(l->distance_m - METERS_PER_MILE) < 50 ? "mile"
                                                                                : "auto",
                                   l->distance_m, l->duration_s, l->avg_speed_kmh);
        if (!m->store || m->session_id <= 0)
                return;
        start_s = (double)((int64_t)l->start_usec - (int64_t)m->session_start_usec) / USEC_PER_SEC;
        lap = (SessionLap){
                .kind = !l->automatic                                ? LAP_KIND_STEP
                        : fabs(l->distance_m - METERS_PER_MILE) < 50 ? LAP_KIND_MILE
                                                                     : LAP_KIND_400M,
                .step_index = l->automatic ? -1 : l->step_index,
                .start_s = start_s,
                .end_s = manager_session_t(m),
                .distance_m = l->distance_m,
                .avg_hr_bpm = NAN,
                .max_hr_bpm = NAN,
                .avg_speed_kmh = l->avg_speed_kmh,
        };
        r = session_store_add_lap(m->store, &lap);
        if (r < 0)
                log_warning_errno(r, "Failed to record lap %u: %m", l->number);
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
        case ENGINE_EVENT_SHUTDOWN_DONE:
                log_info("Belt in a safe state: %s", ev->message);
                if (m->shutting_down) {
                        EngineState s = workout_engine_get_state(m->engine);

                        /* The session of a workout cut short by the stop is aborted. */
                        if (m->session_id)
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

static void write_control_point(Manager *m, const FtmsControlCommand *cmd)
{
        uint8_t buf[FTMS_CP_MAX_LEN];
        size_t len;
        int r;

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
                        write_control_point(m, &out.write);
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

static void device_set_string(char **field, const char *value)
{
        if (streq_ptr(*field, value))
                return;
        free(*field);
        *field = value ? strdup(value) : NULL;
}

/* The RR intervals as stored, each with the cleaner's artifact flag. */
static void handle_transport_event(const TransportEvent *ev, void *userdata)
{
        Manager *m = userdata;
        Device *d = manager_get_device(m, ev->role);
        bool device_changed = false, recover_now = false;

        if (!d)
                return;
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
                SpeedCalibration cal = {m->config->speed_factor, m->config->speed_offset_kmh};

                if (td->present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED))
                        m->live.speed_kmh = speed_calibration_to_true(&cal, td->speed_kmh);
                if (td->present & FTMS_FIELD_BIT(FTMS_FIELD_INCLINE) &&
                    !(td->na & FTMS_FIELD_BIT(FTMS_FIELD_INCLINE)))
                        m->live.incline_pct = td->incline_pct;
                if (td->present & FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE)) {
                        m->live.distance_m = td->distance_m * m->config->speed_factor;
                        /* When it arrived, on the clock the other logs use: how late the
                         * treadmill's reports reach paced shows in distance steps. */
                        log_debug("Total Distance %" PRIu32 " m at CLOCK_MONOTONIC %.6f s.",
                                  td->distance_m,
                                  (double)paced_clock_to_real(&m->clock, ev->time_usec) /
                                          USEC_PER_SEC);
                }
                if (m->recover_pending && m->name_owned &&
                    (td->present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED)))
                        recover_now = true;
                break;
        }
        case TRANSPORT_EVENT_FOOTPOD:
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

                if (manager_start_workout(m, name, false, &error) < 0) {
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
        r = manager_open_store(m);
        if (r < 0)
                return r;
        manager_load_accepted(m);
        (void)manager_load_schedule(m);

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
        return 0;
}

void manager_workout_done(Manager *m)
{
        SimTreadmill *sim = m->transport ? sim_transport_treadmill(m->transport) : NULL;

        /* What a simulated runner is left with: tests check it after paced exits. */
        if (sim)
                log_info("Simulated belt left %s at %.1f km/h (target %.1f km/h).",
                         sim_belt_state_to_string(sim_treadmill_state(sim)),
                         sim_treadmill_speed_kmh(sim), sim_treadmill_target_speed_kmh(sim));
        if (m->transport) {
                transport_shutdown(m->transport);
                m->transport = transport_free(m->transport);
        }
        m->engine_timer = sd_event_source_unref(m->engine_timer);
        m->sample_timer = sd_event_source_unref(m->sample_timer);
        m->flush_timer = sd_event_source_unref(m->flush_timer);
        m->engine = workout_engine_free(m->engine);
        m->store = session_store_free(m->store);
        m->rr_cleaner = rr_cleaner_free(m->rr_cleaner);
        m->analysis = live_analysis_free(m->analysis);
        m->schedule = plan_free(m->schedule);
        planned_workouts_done(&m->planned);
        free(m->pending_run);
        m->pending_run = NULL;
        free(m->state_dir);
        m->state_dir = NULL;
}

void manager_on_ready(Manager *m)
{
        if (!m->options.run_workout)
                return;
        free(m->pending_run);
        m->pending_run = strdup(m->options.run_workout);
        if (!m->transport) {
                log_error("Cannot run '%s': there is no treadmill transport.",
                          m->options.run_workout);
                m->exit_code = 1;
                manager_finish_shutdown(m);
                return;
        }
        log_info("Waiting for the treadmill to run '%s'.", m->options.run_workout);
}

int manager_workout_shutdown(Manager *m)
{
        int r;

        if (!m->engine)
                return 1;
        r = workout_engine_shutdown(m->engine, manager_now(m));
        manager_drain_engine(m);
        if (r > 0 || workout_engine_shutdown_done(m->engine)) {
                if (m->session_id)
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
        };
        ret->schedule = manager_schedule_today(m);
        if (!m->engine)
                return;
        workout_engine_get_status(m->engine, manager_now(m), &st);
        ret->state = engine_state_to_string(st.state) ?: "idle";
        if (st.state == ENGINE_STATE_PAUSED)
                ret->pause_reason = engine_pause_reason_to_string(st.pause_reason) ?: "";
        ret->workout = st.workout_name ?: "";
        ret->step_index = st.step_index;
        ret->step_count = (unsigned)st.n_steps;
        ret->step_name = st.step_label ?: "";
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
}

/* ---- methods ---- */

static int engine_error(int r, const char *what, sd_bus_error *error)
{
        switch (r) {
        case -ENOENT:
                return sd_bus_error_setf(error, PACED_ERROR_NO_WORKOUT, "%s: no workout is loaded.",
                                         what);
        case -EBUSY:
                return sd_bus_error_setf(error, PACED_ERROR_BUSY,
                                         "%s: not possible in the current state.", what);
        case -EINVAL:
        case -ERANGE:
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT, "%s: invalid value.",
                                         what);
        case -EPERM:
                return sd_bus_error_setf(error, PACED_ERROR_NOT_PERMITTED,
                                         "%s: not permitted (monitor-only, or remote start is "
                                         "disabled).",
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

        if (strchr(name, '/')) {
                if (name[0] != '/')
                        return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                                 "'%s' is not an absolute path.", name);
                r = workout_load_file(name, ret, &we);
        } else {
                if (!workout_library_name_is_valid(name))
                        return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT,
                                                 "'%s' is not a library name ([a-z0-9-]).", name);
                r = workout_library_load(name, workout_library_default_dirs(), ret, &we);
        }
        if (r == -ENOENT && !we.message[0])
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT,
                                         "No workout '%s' (see pacectl validate).", name);
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

        resolve_limits_init(&limits);
        if (t->has_caps && t->caps.has_speed_range) {
                limits.min_speed_kmh = t->caps.speed_range.min;
                limits.max_speed_kmh = t->caps.speed_range.max;
        }
        if (t->has_caps && t->caps.has_incline_range &&
            !(m->config->quirks & CONFIG_QUIRK_NO_INCLINE)) {
                limits.min_incline_pct = t->caps.incline_range.min;
                limits.max_incline_pct = t->caps.incline_range.max;
        } else if (t->has_caps)
                limits.min_incline_pct = limits.max_incline_pct = 0;
        limits.speed_cap_kmh = m->config->max_speed_kmh;
        limits.incline_cap_pct = m->config->max_incline_pct;
        r = workout_resolve(workout, &m->profile, &limits, &resolved);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT,
                                         "Cannot resolve '%s': %s", name, strerror(-r));
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
                return engine_error(r, "Loading the workout", error);
        }
        r = arm_only ? workout_engine_arm(m->engine, now) : workout_engine_start(m->engine, now);
        manager_drain_engine(m);
        if (r < 0)
                return engine_error(r, arm_only ? "Arming" : "Starting", error);
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
                ManagerSnapshot s;

                /* A planned workout from another calendar comes before the plan's. */
                if (p) {
                        WorkoutError we = {};
                        char buf[600];

                        r = planned_workout_parse(p, &workout, &we);
                        if (r < 0)
                                return sd_bus_error_setf(
                                        error, PACED_ERROR_INVALID_WORKOUT, "%s",
                                        we.message[0] ? workout_error_format(&we, buf, sizeof(buf))
                                                      : strerror(-r));
                        return start_loaded(m, workout, p->name, arm_only, error);
                }
                manager_snapshot(m, &s);
                if (!*s.schedule)
                        return sd_bus_error_set(error, PACED_ERROR_INVALID_WORKOUT,
                                                "Nothing is scheduled today: name a workout.");
                name = s.schedule;
        }
        r = load_workout(m, name, &workout, error);
        if (r < 0)
                return r;
        return start_loaded(m, workout, name, arm_only, error);
}

int manager_start_workout_data(Manager *m, const char *filename, const char *data, bool arm_only,
                               sd_bus_error *error)
{
        _cleanup_(workout_freep) Workout *workout = NULL;
        const char *ext = strrchr(filename, '.');
        WorkoutError we = {};
        char buf[600];
        size_t len = strlen(data);
        int r;

        r = check_can_start(m, error);
        if (r < 0)
                return r;
        /* As workout_load_file() decides: .zwo is Zwift XML, anything else the text format. */
        if (ext && strcasecmp(ext, ".zwo") == 0)
                r = len > WORKOUT_ZWO_MAX ? -EFBIG
                                          : workout_zwo_parse(data, len, filename, &workout, &we);
        else
                r = len > WORKOUT_TEXT_MAX ? -EFBIG
                                           : workout_text_parse(data, len, filename, &workout, &we);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT, "%s",
                                         we.message[0] ? workout_error_format(&we, buf, sizeof(buf))
                                                       : strerror(-r));
        return start_loaded(m, workout, filename, arm_only, error);
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
                        return engine_error(r, what, error);                                       \
                manager_properties_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_STEP |             \
                                                      MANAGER_PROP_LIVE);                          \
                return 0;                                                                          \
        }

ENGINE_METHOD(manager_pause, workout_engine_pause, "Pause")
ENGINE_METHOD(manager_resume, workout_engine_resume, "Resume")
ENGINE_METHOD(manager_stop, workout_engine_stop, "Stop")
ENGINE_METHOD(manager_skip_step, workout_engine_skip, "Skip")

int manager_extend_step(Manager *m, uint32_t seconds, sd_bus_error *error)
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
                return engine_error(r, "Extend", error);
        manager_properties_changed(m, MANAGER_PROP_LIVE);
        return 0;
}

int manager_adjust_speed(Manager *m, double delta_kmh, sd_bus_error *error)
{
        int r;

        if (!m->transport || !m->devices[TRANSPORT_ROLE_TREADMILL].connected)
                return sd_bus_error_set(error, PACED_ERROR_NOT_CONNECTED,
                                        "No treadmill is connected.");
        r = workout_engine_adjust_speed(m->engine, manager_now(m), delta_kmh);
        manager_drain_engine(m);
        if (r < 0)
                return engine_error(r, "Speed change", error);
        manager_properties_changed(m, MANAGER_PROP_LIVE);
        return 0;
}
