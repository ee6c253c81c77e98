/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The safety invariant monitor. See safety-monitor.h for the invariants
 * and docs/engine.md for the test that proves each. It keeps its own model
 * of the belt from what the treadmill reports and accepts: it must not share
 * a bug with the engine it watches, so it reuses none of the engine's state.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "safety-monitor.h"
#include "target-echo.h"

/* A belt reporting less than this stands still. */
#define MOVING_KMH 0.1
/* The FTMS encoding's resolution (0.01 km/h) plus binary noise. */
#define ENCODE_TOL 0.011
/* One second's worth of the configured rate makes one allowed step. */
#define STEP_USEC USEC_PER_SEC
/* Slack on the one-step-per-second spacing (the engine spaces by >= 1 s). */
#define SPACING_SLACK_USEC (100 * USEC_PER_MSEC)
/* No heart-rate sample for this long: the signal is lost, the rule idle. */
#define HR_STALE_USEC (5 * USEC_PER_SEC)

struct SafetyMonitor {
        SafetyMonitorConfig config;
        unsigned n_checked;

        bool link_up;
        bool have_caps;
        TransportCapabilities caps;
        SafetyLimits limits;
        bool control_refused;  /* the last Request Control was refused */
        uint64_t able_since;   /* paced could reach the belt from then on (link, control, start) */
        double last_target;    /* the newest target: ours written, or the machine's reported */
        TargetEcho speed_echo; /* the speeds written, to tell late echoes */
        uint64_t raised_at;    /* the machine reported a higher target (the console's) */

        /* what the treadmill reports (true units) */
        double measured_kmh, measured_incline;
        bool ever_moving; /* the belt was seen moving since the link came up */
        /* what the treadmill accepted (true units) */
        double accepted_kmh, accepted_incline;

        /* the write in flight: its response tells what was accepted */
        bool in_flight;
        FtmsControlCommand flight;

        /* what was written (true units) */
        bool have_speed_write, have_incline_write;
        double last_speed_write, last_incline_write;
        uint64_t last_speed_write_at, last_incline_write_at;

        /* the runner stopped or paused the belt */
        bool stopped, stopped_key, seen_zero;
        bool zero_pending;
        uint64_t zero_since;
        bool user_start;
        /* The belt ran when the link went down: idle at link-up is a stop. */
        bool ran_at_link_loss;

        /* heart-rate ceiling */
        bool hr_above;
        uint64_t hr_above_since, hr_last;
        bool hr_violated; /* reported once per episode */

        /* stop / shutdown */
        bool stop_active, stop_claimed, stop_violated;
        SafetyStopPolicy stop_policy;
        double stop_target;
        uint64_t stop_deadline;
        bool stop_accepted; /* Stop/Pause accepted since the stop began */
};

static const char *const invariant_table[_SAFETY_INVARIANT_MAX] = {
        [SAFETY_INVARIANT_SPEED_RANGE] = "speed-range",
        [SAFETY_INVARIANT_INCLINE_RANGE] = "incline-range",
        [SAFETY_INVARIANT_SPEED_RATE] = "speed-rate",
        [SAFETY_INVARIANT_INCLINE_RATE] = "incline-rate",
        [SAFETY_INVARIANT_RUNNER_STOPPED] = "runner-stopped",
        [SAFETY_INVARIANT_HR_CEILING] = "hr-ceiling",
        [SAFETY_INVARIANT_STOP_POLICY] = "stop-policy",
};

const char *safety_invariant_to_string(SafetyInvariant i)
{
        if (i < 0 || i >= _SAFETY_INVARIANT_MAX)
                return NULL;
        return invariant_table[i];
}

void safety_monitor_config_init(SafetyMonitorConfig *c)
{
        *c = (SafetyMonitorConfig){
                .calibration = {.factor = 1.0},
                .cooldown_speed_kmh = 5.0,
                .hr_grace_usec = 5 * USEC_PER_SEC,
                .stop_slack_usec = 20 * USEC_PER_SEC,
                .belt_stopped_usec = 3 * USEC_PER_SEC,
        };
        safety_config_init(&c->safety);
}

static void recompute_limits(SafetyMonitor *m)
{
        SafetyLimits l;

        if (safety_limits_compute(&l, &m->config.safety, m->have_caps ? &m->caps : NULL,
                                  &m->config.calibration) >= 0)
                m->limits = l;
}

int safety_monitor_new(SafetyMonitor **ret, const SafetyMonitorConfig *c)
{
        SafetyMonitor *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        if (c)
                m->config = *c;
        else
                safety_monitor_config_init(&m->config);
        m->measured_kmh = m->measured_incline = NAN;
        m->accepted_kmh = m->accepted_incline = NAN;
        m->last_target = NAN;
        recompute_limits(m);
        *ret = m;
        return 0;
}

SafetyMonitor *safety_monitor_free(SafetyMonitor *m)
{
        free(m);
        return NULL;
}

void safety_monitor_set_config(SafetyMonitor *m, const SafetyMonitorConfig *c)
{
        m->config = *c;
        recompute_limits(m);
}

/* Machine units as written/echoed -> true km/h. */
static double cmd_to_true(const SafetyMonitor *m, double value)
{
        double belt = round(value * 100.0) / 100.0; /* as encoded */

        if (m->config.quirk_speed_mph)
                belt *= KMH_PER_MPH;
        return speed_calibration_to_true(&m->config.calibration, belt);
}

static double speed_tol(const SafetyMonitor *m)
{
        return m->limits.speed_increment / 2 + ENCODE_TOL;
}

static double incline_tol(const SafetyMonitor *m)
{
        return m->limits.incline_increment / 2 + ENCODE_TOL;
}

static void set_stopped(SafetyMonitor *m, bool key, bool zero)
{
        if (!m->stopped) {
                m->stopped = true;
                m->seen_zero = zero;
                m->stopped_key = false;
        }
        m->stopped_key |= key;
        m->seen_zero |= zero;
        m->user_start = false;
        m->zero_pending = false;
}

static void clear_stopped(SafetyMonitor *m, uint64_t now)
{
        if (m->stopped)
                m->able_since = now;
        m->stopped = m->stopped_key = m->seen_zero = false;
        m->user_start = false;
}

static bool stop_satisfied(const SafetyMonitor *m)
{
        switch (m->stop_policy) {
        case SAFETY_STOP_COOLDOWN: {
                double tol = speed_tol(m) + 0.05;

                return m->stopped ||
                       (isfinite(m->accepted_kmh) && m->accepted_kmh <= m->stop_target + tol) ||
                       (isfinite(m->measured_kmh) && m->measured_kmh <= m->stop_target + tol &&
                        !(m->accepted_kmh > m->stop_target + tol));
        }
        case SAFETY_STOP_PAUSE:
        case SAFETY_STOP_STOP:
                return m->stopped || m->stop_accepted;
        case SAFETY_STOP_NONE:
        case _SAFETY_STOP_POLICY_MAX:
        case _SAFETY_STOP_POLICY_INVALID:
                break;
        }
        return true;
}

static void handle_data(SafetyMonitor *m, uint64_t now, const FtmsTreadmillData *d)
{
        if ((d->present & FTMS_FIELD_BIT(FTMS_FIELD_INCLINE)) &&
            !(d->na & FTMS_FIELD_BIT(FTMS_FIELD_INCLINE)))
                m->measured_incline = d->incline_pct;
        if (!(d->present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED)) ||
            (d->na & FTMS_FIELD_BIT(FTMS_FIELD_SPEED)))
                return;
        if (d->speed_kmh < MOVING_KMH) {
                m->measured_kmh = 0;
                if (m->stopped)
                        m->seen_zero = true;
                else if (!m->ever_moving)
                        /* Standing still since we know it: someone must start it. */
                        set_stopped(m, false, true);
                else if (!m->zero_pending) {
                        m->zero_pending = true;
                        m->zero_since = now;
                }
                if (m->zero_pending && now >= m->zero_since + m->config.belt_stopped_usec)
                        set_stopped(m, false, true);
                return;
        }
        m->measured_kmh = speed_calibration_to_true(&m->config.calibration, d->speed_kmh);
        m->ever_moving = true;
        m->zero_pending = false;
        /* Seen standing, moving again: the runner started it (machines without status). */
        if (m->stopped && m->seen_zero)
                clear_stopped(m, now);
}

static void handle_status(SafetyMonitor *m, uint64_t now, const FtmsMachineStatus *s)
{
        switch (s->op) {
        case FTMS_STATUS_STOPPED_OR_PAUSED:
                set_stopped(m, false, false);
                break;
        case FTMS_STATUS_STOPPED_SAFETY_KEY:
                set_stopped(m, true, false);
                break;
        case FTMS_STATUS_STARTED_OR_RESUMED:
                clear_stopped(m, now);
                /* Started: its first reports may still read 0 while it spins up. */
                m->ever_moving = true;
                m->zero_pending = false;
                break;
        case FTMS_STATUS_TARGET_SPEED_CHANGED:
                /* The machine's own word on its target (ours echoed, or the console's). */
                if (isfinite(s->value) && s->value > 0 &&
                    !target_echo_is_stale(&m->speed_echo, now, s->value)) {
                        double v = cmd_to_true(m, s->value);

                        /* Raised on the console: paced gets its grace to answer. */
                        if (!(v <= m->last_target + 1e-6))
                                m->raised_at = now;
                        m->accepted_kmh = m->last_target = v;
                }
                break;
        case FTMS_STATUS_TARGET_INCLINE_CHANGED:
                if (isfinite(s->value))
                        m->accepted_incline = s->value;
                break;
        case FTMS_STATUS_RESET:
                m->accepted_kmh = m->accepted_incline = NAN;
                break;
        default:
                break;
        }
}

static void handle_response(SafetyMonitor *m, uint64_t now, const FtmsCpResponse *r)
{
        if (!m->in_flight || r->request_op != m->flight.op)
                return;
        m->in_flight = false;
        if (m->flight.op == FTMS_CP_REQUEST_CONTROL) {
                if (m->control_refused && r->result == FTMS_RESULT_SUCCESS)
                        m->able_since = now;
                m->control_refused = r->result != FTMS_RESULT_SUCCESS;
                return;
        }
        if (r->result != FTMS_RESULT_SUCCESS)
                return;
        switch (m->flight.op) {
        case FTMS_CP_SET_TARGET_SPEED:
                m->accepted_kmh = cmd_to_true(m, m->flight.value);
                break;
        case FTMS_CP_SET_TARGET_INCLINATION:
                m->accepted_incline = m->flight.value;
                break;
        case FTMS_CP_STOP_OR_PAUSE:
                if (m->stop_active)
                        m->stop_accepted = true;
                /* Stopped on our command: like the runner's stop, only an
                 * explicit start may move it again. */
                set_stopped(m, false, false);
                break;
        case FTMS_CP_START_OR_RESUME:
                /* A Start the user asked for, accepted: the belt moving next
                 * is that start, even if no standstill was reported first. */
                if (m->stopped)
                        m->seen_zero = true;
                break;
        default:
                break;
        }
}

static void handle_hr(SafetyMonitor *m, uint64_t now, const HrsMeasurement *hr)
{
        double ceiling = m->config.safety.hr_ceiling_bpm;

        if (hr->heart_rate_bpm == 0 || hr->contact == HRS_CONTACT_NOT_DETECTED)
                return;
        /* After a gap the signal starts afresh, as the engine's rule does. */
        if (m->hr_above && now > m->hr_last + HR_STALE_USEC)
                m->hr_above = m->hr_violated = false;
        m->hr_last = now;
        if (ceiling <= 0 || hr->heart_rate_bpm <= ceiling) {
                m->hr_above = false;
                m->hr_violated = false;
                return;
        }
        if (!m->hr_above) {
                m->hr_above = true;
                m->hr_above_since = now;
        }
}

void safety_monitor_observe(SafetyMonitor *m, uint64_t now, const TransportEvent *ev)
{
        switch (ev->type) {
        case TRANSPORT_EVENT_LINK:
                if (ev->role != TRANSPORT_ROLE_TREADMILL || ev->link.up == m->link_up)
                        break;
                if (!ev->link.up)
                        m->ran_at_link_loss = m->ever_moving && !m->stopped;
                m->link_up = ev->link.up;
                m->able_since = now;
                /* What the machine reported belongs to the old link; the
                 * runner's stop does not end with it. */
                m->measured_kmh = m->measured_incline = NAN;
                m->accepted_kmh = m->accepted_incline = NAN;
                m->in_flight = false;
                m->have_speed_write = m->have_incline_write = false;
                target_echo_reset(&m->speed_echo);
                m->last_target = NAN;
                m->ever_moving = false;
                m->zero_pending = false;
                m->control_refused = false;
                if (!ev->link.up && m->stop_active)
                        /* Nothing can reach the belt: the daemon reports the link loss. */
                        m->stop_active = false;
                break;
        case TRANSPORT_EVENT_CAPABILITIES:
                if (ev->role != TRANSPORT_ROLE_TREADMILL)
                        break;
                m->have_caps = true;
                m->caps = ev->caps;
                recompute_limits(m);
                break;
        case TRANSPORT_EVENT_TREADMILL_DATA:
                handle_data(m, now, &ev->treadmill);
                break;
        case TRANSPORT_EVENT_MACHINE_STATUS:
                handle_status(m, now, &ev->status);
                break;
        case TRANSPORT_EVENT_TRAINING_STATUS:
                /* Read at connect: an idle machine was stopped while we were away. */
                if (ev->role != TRANSPORT_ROLE_TREADMILL)
                        break;
                if (ev->training.status == FTMS_TRAINING_IDLE) {
                        /* On a first connection idle is the state the user
                         * asked to start from, not a new stop: a Start asked
                         * for just before stands. It still forbids speed and
                         * incline until the belt runs (it may be coasting). */
                        bool keep = m->user_start && !m->ran_at_link_loss;

                        set_stopped(m, false, false);
                        m->user_start = keep;
                } else if (m->stopped && !m->ever_moving)
                        /* A session runs: started on the console while we were away. */
                        clear_stopped(m, now);
                break;
        case TRANSPORT_EVENT_CP_RESPONSE:
                handle_response(m, now, &ev->cp_response);
                break;
        case TRANSPORT_EVENT_CP_WRITE_FAILED:
                m->in_flight = false;
                break;
        case TRANSPORT_EVENT_HEART_RATE:
                handle_hr(m, now, &ev->hr);
                break;
        case TRANSPORT_EVENT_FOOTPOD: /* not the belt: the treadmill's own data is */
        case TRANSPORT_EVENT_IDENTITY:
        case TRANSPORT_EVENT_BATTERY:
        case TRANSPORT_EVENT_MALFORMED:
        case _TRANSPORT_EVENT_MAX:
        case _TRANSPORT_EVENT_INVALID:
                break;
        }
}

_printf_(5, 0) static int fill(SafetyViolation *ret, uint64_t now, SafetyInvariant inv,
                               const FtmsControlCommand *cmd, const char *fmt, va_list ap)
{
        *ret = (SafetyViolation){
                .invariant = inv,
                .time_usec = now,
                .has_command = !!cmd,
        };
        if (cmd)
                ret->command = *cmd;
        vsnprintf(ret->message, sizeof(ret->message), fmt, ap);
        return -EPERM;
}

_printf_(5, 6) static int refuse(SafetyViolation *ret, uint64_t now, SafetyInvariant inv,
                                 const FtmsControlCommand *cmd, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = fill(ret, now, inv, cmd, fmt, ap);
        va_end(ap);
        return r;
}

/* The largest step allowed now from a reference: one second's worth, less if sooner. */
static double step_bound(double rate, bool have_prev, uint64_t prev_at, uint64_t now)
{
        double f = 1.0;

        if (have_prev && now < prev_at + STEP_USEC)
                f = fmin(1.0, (double)(now - prev_at + SPACING_SLACK_USEC) / STEP_USEC);
        return rate * f;
}

static int check_speed(SafetyMonitor *m, uint64_t now, const FtmsControlCommand *cmd,
                       SafetyViolation *ret)
{
        const SafetyLimits *l = &m->limits;
        double v = cmd_to_true(m, cmd->value), tol = speed_tol(m), bound;
        bool retry, ok_a, ok_m;

        if (!isfinite(v) || v > l->speed_max + 1e-6 || v < l->speed_min - 1e-6)
                return refuse(ret, now, SAFETY_INVARIANT_SPEED_RANGE, cmd,
                              "Set Target Speed %.2f km/h is outside %.2f-%.2f km/h", v,
                              l->speed_min, l->speed_max);

        /* The same value again (a retry) is no change. */
        retry = m->have_speed_write && fabs(v - m->last_speed_write) < 1e-6;
        if (retry)
                return 0;
        if (!isfinite(m->accepted_kmh) && !isfinite(m->measured_kmh))
                return refuse(ret, now, SAFETY_INVARIANT_SPEED_RATE, cmd,
                              "Set Target Speed %.2f km/h with no accepted or reported speed "
                              "to measure the rate from",
                              v);
        bound = step_bound(m->config.safety.max_accel_kmhps, m->have_speed_write,
                           m->last_speed_write_at, now) +
                tol;
        /* Steps count from the reference as seen inside the envelope: a belt
         * that just started reads less than the machine's minimum, where it
         * runs; one the console sped past the cap is brought to the cap at
         * once (the range invariant wins over the rate). */
        ok_a = isfinite(m->accepted_kmh) &&
               fabs(v - fmin(fmax(m->accepted_kmh, l->speed_min), l->speed_max)) <= bound;
        ok_m = isfinite(m->measured_kmh) &&
               fabs(v - fmin(fmax(m->measured_kmh, l->speed_min), l->speed_max)) <= bound;
        if (!ok_a && !ok_m)
                return refuse(ret, now, SAFETY_INVARIANT_SPEED_RATE, cmd,
                              "Set Target Speed %.2f km/h: more than %.2f km/h from the accepted "
                              "%.2f and the reported %.2f km/h (%.2f km/h %.2f s before)",
                              v, bound, m->accepted_kmh, m->measured_kmh, m->last_speed_write,
                              m->have_speed_write
                                      ? (double)(now - m->last_speed_write_at) / USEC_PER_SEC
                                      : -1.0);
        return 0;
}

static int check_incline(SafetyMonitor *m, uint64_t now, const FtmsControlCommand *cmd,
                         SafetyViolation *ret)
{
        const SafetyLimits *l = &m->limits;
        double v = round(cmd->value * 10.0) / 10.0, tol = incline_tol(m), bound, from;
        bool ok_a, ok_m;

        if (!isfinite(v) || v > l->incline_max + 1e-6 || v < l->incline_min - 1e-6)
                return refuse(ret, now, SAFETY_INVARIANT_INCLINE_RANGE, cmd,
                              "Set Target Inclination %.1f %% is outside %.1f..%.1f %%", v,
                              l->incline_min, l->incline_max);
        if (m->have_incline_write && fabs(v - m->last_incline_write) < 1e-6)
                return 0;
        bound = step_bound(m->config.safety.max_incline_rate_pps, m->have_incline_write,
                           m->last_incline_write_at, now) +
                tol;
        /* A machine that reports no incline is level until it accepts one. */
        from = isfinite(m->measured_incline) ? m->measured_incline : 0;
        from = fmin(fmax(from, l->incline_min), l->incline_max);
        ok_a = isfinite(m->accepted_incline) &&
               fabs(v - fmin(fmax(m->accepted_incline, l->incline_min), l->incline_max)) <= bound;
        ok_m = fabs(v - from) <= bound;
        if (!ok_a && !ok_m)
                return refuse(ret, now, SAFETY_INVARIANT_INCLINE_RATE, cmd,
                              "Set Target Inclination %.1f %%: more than %.2f %% from the "
                              "accepted %.1f and the reported %.1f %%",
                              v, bound, m->accepted_incline, from);
        return 0;
}

static bool hr_rule_due(const SafetyMonitor *m, uint64_t now, uint64_t *ret_t0)
{
        uint64_t t0;

        if (!m->hr_above || m->config.safety.hr_ceiling_bpm <= 0 ||
            now > m->hr_last + HR_STALE_USEC)
                return false;
        /* The window counts from when paced could act on it (a restarted
         * daemon, a new link or regained control start it afresh). */
        t0 = (m->able_since > m->hr_above_since ? m->able_since : m->hr_above_since) +
             m->config.safety.hr_ceiling_hold_usec;
        if (ret_t0)
                *ret_t0 = t0;
        return now >= t0;
}

int safety_monitor_check_write(SafetyMonitor *m, uint64_t now, const FtmsControlCommand *cmd,
                               SafetyViolation *ret)
{
        int r = 0;

        m->n_checked++;
        switch (cmd->op) {
        case FTMS_CP_SET_TARGET_SPEED:
                if (m->stopped)
                        return refuse(ret, now, SAFETY_INVARIANT_RUNNER_STOPPED, cmd,
                                      "Set Target Speed %.2f to a belt the runner %s", cmd->value,
                                      m->stopped_key ? "stopped with the safety key"
                                                     : "stopped or paused");
                r = check_speed(m, now, cmd, ret);
                if (r < 0)
                        return r;
                {
                        double v = cmd_to_true(m, cmd->value);

                        /* Above the HR ceiling the belt only goes down: from
                         * the last target written on this link, else from
                         * what the treadmill accepted or reports. */
                        double ref = isfinite(m->last_target) ? m->last_target : m->measured_kmh;

                        if (hr_rule_due(m, now, NULL) && isfinite(ref) && v > ref + speed_tol(m) &&
                            v > m->config.safety.recovery_speed_kmh + speed_tol(m))
                                return refuse(ret, now, SAFETY_INVARIANT_HR_CEILING, cmd,
                                              "Set Target Speed %.2f km/h raises the belt while "
                                              "the heart rate is above the %.0f bpm ceiling",
                                              v, m->config.safety.hr_ceiling_bpm);
                        m->have_speed_write = true;
                        target_echo_sent(&m->speed_echo, now, cmd->value);
                        m->last_speed_write = m->last_target = v;
                        m->last_speed_write_at = now;
                }
                break;
        case FTMS_CP_SET_TARGET_INCLINATION:
                if (m->stopped)
                        return refuse(ret, now, SAFETY_INVARIANT_RUNNER_STOPPED, cmd,
                                      "Set Target Inclination %.1f %% to a belt the runner "
                                      "stopped or paused",
                                      cmd->value);
                r = check_incline(m, now, cmd, ret);
                if (r < 0)
                        return r;
                m->have_incline_write = true;
                m->last_incline_write = round(cmd->value * 10.0) / 10.0;
                m->last_incline_write_at = now;
                break;
        case FTMS_CP_START_OR_RESUME:
                /* Only on a user's request made since the last stop (after a
                 * safety-key stop too: the machine refuses while the key is
                 * out, and a refused Start is never sent again). */
                if (!m->user_start)
                        return refuse(ret, now, SAFETY_INVARIANT_RUNNER_STOPPED, cmd,
                                      "Start or Resume that no user asked for");
                /* One request, one Start: a refused Start is not retried. */
                m->user_start = false;
                break;
        default:
                break;
        }
        m->in_flight = true;
        m->flight = *cmd;
        return 0;
}

void safety_monitor_user_start(SafetyMonitor *m, uint64_t now)
{
        m->user_start = true;
}

void safety_monitor_stop_begin(SafetyMonitor *m, uint64_t now, SafetyStopPolicy policy,
                               double target_kmh)
{
        double from, ramp = 0;

        if (policy == SAFETY_STOP_NONE || policy < 0 || policy >= _SAFETY_STOP_POLICY_MAX) {
                m->stop_active = false;
                return;
        }
        m->stop_active = true;
        m->stop_claimed = m->stop_violated = m->stop_accepted = false;
        m->stop_policy = policy;
        from = m->config.safety.max_speed_kmh;
        m->stop_target = isfinite(target_kmh) ? target_kmh : m->config.cooldown_speed_kmh;
        /* The machine cannot run slower than its minimum. */
        m->stop_target = fmin(fmax(m->stop_target, m->limits.speed_min), m->limits.speed_max);
        /* Later than the engine's own deadline (1.25 x the ramp from
         * max_speed + 10 s, plus a 5 s announcement): the engine reports
         * first, whatever the policy (a Stop may wait for control too). */
        if (isfinite(m->measured_kmh))
                from = fmax(from, m->measured_kmh);
        if (from > m->stop_target && m->config.safety.max_accel_kmhps > 0)
                ramp = 1.5 * (from - fmin(m->stop_target, m->config.cooldown_speed_kmh)) /
                       m->config.safety.max_accel_kmhps;
        m->stop_deadline = now + (uint64_t)(ramp * USEC_PER_SEC) + m->config.stop_slack_usec;
}

void safety_monitor_stop_end(SafetyMonitor *m, uint64_t now, bool reached)
{
        if (!m->stop_active)
                return;
        if (!reached) {
                /* The daemon said why not: that is what the invariant asks. */
                m->stop_active = false;
                return;
        }
        m->stop_claimed = true;
}

int safety_monitor_check(SafetyMonitor *m, uint64_t now, SafetyViolation *ret)
{
        uint64_t t0;

        if (m->stop_active && stop_satisfied(m))
                m->stop_active = false;
        if (m->stop_active && !m->stop_violated) {
                if (m->stop_claimed) {
                        m->stop_violated = true;
                        return refuse(ret, now, SAFETY_INVARIANT_STOP_POLICY, NULL,
                                      "the stop was reported done but the treadmill did not "
                                      "accept %s",
                                      m->stop_policy == SAFETY_STOP_COOLDOWN ? "the cool-down speed"
                                                                             : "Stop or Pause");
                }
                if (now >= m->stop_deadline) {
                        m->stop_violated = true;
                        return refuse(ret, now, SAFETY_INVARIANT_STOP_POLICY, NULL,
                                      "the stop policy (%s %.1f km/h) was not reached in time and "
                                      "nothing said why (belt at %.1f, accepted %.1f km/h)",
                                      m->stop_policy == SAFETY_STOP_COOLDOWN ? "cool-down to"
                                                                             : "stop, at",
                                      m->stop_target, m->measured_kmh, m->accepted_kmh);
                }
        }

        if (!m->hr_violated && hr_rule_due(m, now, &t0) && now >= t0 + m->config.hr_grace_usec &&
            now >= m->raised_at + m->config.hr_grace_usec && m->link_up &&
            !m->config.monitor_only && !m->control_refused && !m->stopped && m->have_caps &&
            m->caps.has_control_point && (m->caps.feature.target & FTMS_TARGET_SPEED) &&
            isfinite(m->measured_kmh) &&
            m->measured_kmh > m->config.safety.recovery_speed_kmh + speed_tol(m) + 0.05) {
                bool slowing = m->have_speed_write && m->last_speed_write_at >= t0 &&
                               now < m->last_speed_write_at + m->config.hr_grace_usec;
                /* The newest target (ours or the machine's) is the recovery
                 * speed or below: the belt is on its way down. */
                bool there = isfinite(m->last_target) &&
                             m->last_target <= m->config.safety.recovery_speed_kmh + speed_tol(m);

                /* An unanswered write holds the control point: paced waits for it. */
                if (!slowing && !there && !m->in_flight) {
                        m->hr_violated = true;
                        return refuse(ret, now, SAFETY_INVARIANT_HR_CEILING, NULL,
                                      "heart rate above %.0f bpm for %.0f s and the belt (%.1f "
                                      "km/h) is not being slowed to %.1f km/h",
                                      m->config.safety.hr_ceiling_bpm,
                                      (double)(now - m->hr_above_since) / USEC_PER_SEC,
                                      m->measured_kmh, m->config.safety.recovery_speed_kmh);
                }
        }
        return 0;
}

uint64_t safety_monitor_next_deadline(const SafetyMonitor *m)
{
        uint64_t d = USEC_INFINITY;

        if (m->stop_active && !m->stop_violated)
                d = m->stop_deadline;
        if (m->hr_above && !m->hr_violated && m->config.safety.hr_ceiling_bpm > 0) {
                uint64_t t = m->hr_above_since + m->config.safety.hr_ceiling_hold_usec +
                             m->config.hr_grace_usec;

                if (m->have_speed_write && m->last_speed_write_at + m->config.hr_grace_usec > t)
                        t = m->last_speed_write_at + m->config.hr_grace_usec;
                d = t < d ? t : d;
        }
        return d;
}

bool safety_monitor_runner_stopped(const SafetyMonitor *m)
{
        return m->stopped;
}

unsigned safety_monitor_n_checked(const SafetyMonitor *m)
{
        return m->n_checked;
}
