/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workout engine. See docs/engine.md: the states, the absolute
 * deadlines, and the arbiter (safety > user override > workout) that owns
 * the commanded speed. Pure: time comes in as an argument, outputs go to a
 * queue the caller drains.
 */
#include <math.h>
#include <stdarg.h>

#include "workout-engine.h"

typedef enum BeltState {
        BELT_UNKNOWN,
        BELT_STOPPED,
        BELT_RUNNING,
} BeltState;

/* A belt reporting less than this is standing still. */
#define BELT_MOVING_KMH 0.1
/* Distance is extrapolated from the last Treadmill Data for at most this long. */
#define EXTRAPOLATE_USEC (2 * USEC_PER_SEC)
/* Integration gap after which a silent treadmill's distance is not trusted. */
#define INTEGRATE_MAX_GAP_USEC (10 * USEC_PER_SEC)
/* Total Distance is a uint24 in metres (FTMS v1.0 4.4.1.3): it wraps at 2^24 m. */
#define DISTANCE_FIELD_MOD (UINT32_C(1) << 24)
/* A step of the Total Distance field larger than a belt at this speed (plus the
 * slack, for reports delivered in a burst) could have covered is not travel: the
 * counter was reset or jumped. */
#define DISTANCE_FIELD_MAX_KMH 40.0
#define DISTANCE_FIELD_SLACK_M 50.0
/* Final-failure back-off before a speed command is tried again. */
#define SPEED_RETRY_USEC (2 * USEC_PER_SEC)
/* Time-to-target EWMA weight of the newest sample. */
#define TTT_ALPHA 0.3

struct WorkoutEngine {
        EngineConfig config;
        FtmsControl *control;
        ResolvedWorkout *workout;

        EngineState state;
        EnginePauseReason pause_reason;
        uint64_t last_now;

        EngineOutput *out;
        size_t n_out, out_head, out_alloc;

        /* the treadmill */
        bool link_up;
        bool have_caps;
        TransportCapabilities caps;
        SafetyLimits limits;
        BeltState belt;
        bool belt_seen_zero; /* the belt stood still since the workout paused */
        bool zero_pending;
        uint64_t zero_since;
        double measured_kmh; /* true km/h, NAN if unknown */
        double measured_incline;
        bool have_data;
        uint64_t last_data_usec;
        /*
         * Distance (update_distance()). The Total Distance field is the truth
         * whenever it comes; records without it (FTMS lets a treadmill leave
         * fields out) add integrated speed on top of the last field only until
         * the next one arrives, which bounds that estimate instead of adding
         * its own delta for the same interval.
         */
        bool have_field;         /* last_field_raw is valid (reset on link changes) */
        uint32_t last_field_raw; /* Total Distance of the last record that had it, m */
        uint64_t field_usec;     /* when it came */
        double dist_field_m;     /* that field in our frame (calibrated, unwrapped) */
        double dist_anchor_m;    /* the belt's distance then: field and speeds combined */
        double dist_partial_m;   /* integrated speed since then (records without the field) */
        double dist_base_m;      /* calibrated total distance at dist_base_usec, never decreasing */
        uint64_t dist_base_usec;
        double dist_shown_m; /* workout distance as reported and stored, never decreasing */

        /* heart rate */
        bool have_hr;
        double hr_bpm;
        uint64_t hr_usec;
        SafetyHrCeiling ceiling;
        bool hr_lost;
        uint64_t hr_lost_since;
        bool hr_fallback;
        double hr_hold_kmh;
        HrController hrc;

        /* the running clock: pauses excluded */
        uint64_t run_base;
        uint64_t running_since;
        double elapsed_offset_s; /* crash recovery */
        double workout_dist_start;
        double pause_dist; /* distance when the pause began */

        /* the current step */
        int step;
        uint64_t step_start_run;
        double step_dist_start;
        double extend;
        bool next_announced; /* UPCOMING cue of the next step emitted */
        bool this_announced; /* ... of the current step, before it began */
        bool halfway_cued;
        double override_delta;
        double override_abs;
        double override_incline;
        uint64_t hold_until;
        double hold_kmh, hold_incline;

        /* laps */
        unsigned n_laps;
        uint64_t lap_start_run;
        uint64_t lap_start_usec;
        double lap_dist_start;
        double lap_tat_s;
        double target_for_tat;

        /* commands (true units) */
        double commanded_kmh;
        uint64_t last_speed_cmd;
        bool speed_cmd_sent;
        uint64_t speed_retry_at;
        double commanded_incline;
        uint64_t last_incline_cmd;
        bool incline_cmd_sent;
        double manual_kmh, manual_incline;
        double last_target_reported;
        double last_clamp_want;

        /* time to target */
        bool ttt_pending;
        uint64_t ttt_start;
        double ttt_from, ttt_target;
        unsigned ttt_count, ttt_up_count;
        double ttt_last, ttt_sum, ttt_max, ttt_up_ewma;
        bool speed_suspect;

        /* shutdown and cool-down */
        bool cooldown;
        double cooldown_target;
        bool shutting_down, shutdown_done;
        uint64_t shutdown_deadline;

        FtmsControlState last_cstate;
        FtmsMonitorReason last_mreason;
};

static inline uint64_t umin(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

static inline uint64_t umax(uint64_t a, uint64_t b)
{
        return a > b ? a : b;
}

/* ---- tables ---- */

static const char *const state_table[_ENGINE_STATE_MAX] = {
        [ENGINE_STATE_IDLE] = "idle",         [ENGINE_STATE_ARMED] = "armed",
        [ENGINE_STATE_RUNNING] = "running",   [ENGINE_STATE_PAUSED] = "paused",
        [ENGINE_STATE_FINISHED] = "finished", [ENGINE_STATE_ABORTED] = "aborted",
};

const char *engine_state_to_string(EngineState s)
{
        if (s < 0 || s >= _ENGINE_STATE_MAX)
                return NULL;
        return state_table[s];
}

EngineState engine_state_from_string(const char *s)
{
        for (int i = 0; s && i < _ENGINE_STATE_MAX; i++)
                if (streq(s, state_table[i]))
                        return i;
        return _ENGINE_STATE_INVALID;
}

static const char *const pause_table[_ENGINE_PAUSE_REASON_MAX] = {
        [ENGINE_PAUSE_NONE] = "none",
        [ENGINE_PAUSE_USER] = "user",
        [ENGINE_PAUSE_CONSOLE] = "console",
        [ENGINE_PAUSE_SAFETY_KEY] = "safety-key",
        [ENGINE_PAUSE_BELT_STOPPED] = "belt-stopped",
        [ENGINE_PAUSE_LINK_LOST] = "link-lost",
};

const char *engine_pause_reason_to_string(EnginePauseReason r)
{
        if (r < 0 || r >= _ENGINE_PAUSE_REASON_MAX)
                return NULL;
        return pause_table[r];
}

static const char *const event_table[_ENGINE_EVENT_TYPE_MAX] = {
        [ENGINE_EVENT_STATE_CHANGED] = "state-changed",
        [ENGINE_EVENT_STEP_CHANGED] = "step-changed",
        [ENGINE_EVENT_LAP] = "lap",
        [ENGINE_EVENT_CLAMP] = "clamp",
        [ENGINE_EVENT_SAFETY] = "safety",
        [ENGINE_EVENT_CP_RESULT] = "cp-result",
        [ENGINE_EVENT_CONTROL_MODE] = "control-mode",
        [ENGINE_EVENT_LINK] = "link",
        [ENGINE_EVENT_TARGET_REACHED] = "target-reached",
        [ENGINE_EVENT_TARGET_CHANGED] = "target-changed",
        [ENGINE_EVENT_DIAGNOSTIC] = "diagnostic",
        [ENGINE_EVENT_REJECTED] = "rejected",
        [ENGINE_EVENT_SHUTDOWN_DONE] = "shutdown-done",
};

const char *engine_event_type_to_string(EngineEventType t)
{
        if (t < 0 || t >= _ENGINE_EVENT_TYPE_MAX)
                return NULL;
        return event_table[t];
}

static const char *const rule_table[_ENGINE_SAFETY_RULE_MAX] = {
        [ENGINE_SAFETY_CAP] = "cap",
        [ENGINE_SAFETY_RATE_LIMIT] = "rate-limit",
        [ENGINE_SAFETY_HR_CEILING] = "hr-ceiling",
        [ENGINE_SAFETY_HR_LOST] = "hr-lost",
        [ENGINE_SAFETY_LINK_LOST] = "link-lost",
        [ENGINE_SAFETY_BELT_STOPPED] = "belt-stopped",
        [ENGINE_SAFETY_SHUTDOWN] = "shutdown",
};

const char *engine_safety_rule_to_string(EngineSafetyRule r)
{
        if (r < 0 || r >= _ENGINE_SAFETY_RULE_MAX)
                return NULL;
        return rule_table[r];
}

static const char *const output_table[_ENGINE_OUTPUT_TYPE_MAX] = {
        [ENGINE_OUTPUT_CP_WRITE] = "cp-write",
        [ENGINE_OUTPUT_CUE] = "cue",
        [ENGINE_OUTPUT_EVENT] = "event",
};

const char *engine_output_type_to_string(EngineOutputType t)
{
        if (t < 0 || t >= _ENGINE_OUTPUT_TYPE_MAX)
                return NULL;
        return output_table[t];
}

static const char *const shutdown_table[_ENGINE_SHUTDOWN_POLICY_MAX] = {
        [ENGINE_SHUTDOWN_COOLDOWN] = "cooldown",
        [ENGINE_SHUTDOWN_PAUSE] = "pause",
        [ENGINE_SHUTDOWN_STOP] = "stop",
        [ENGINE_SHUTDOWN_NONE] = "none",
};

const char *engine_shutdown_policy_to_string(EngineShutdownPolicy p)
{
        if (p < 0 || p >= _ENGINE_SHUTDOWN_POLICY_MAX)
                return NULL;
        return shutdown_table[p];
}

EngineShutdownPolicy engine_shutdown_policy_from_string(const char *s)
{
        for (int i = 0; s && i < _ENGINE_SHUTDOWN_POLICY_MAX; i++)
                if (streq(s, shutdown_table[i]))
                        return i;
        return _ENGINE_SHUTDOWN_POLICY_INVALID;
}

static const char *const recovery_table[_ENGINE_RECOVERY_POLICY_MAX] = {
        [ENGINE_RECOVERY_RESUME] = "resume",
        [ENGINE_RECOVERY_COOLDOWN] = "cooldown",
};

const char *engine_recovery_policy_to_string(EngineRecoveryPolicy p)
{
        if (p < 0 || p >= _ENGINE_RECOVERY_POLICY_MAX)
                return NULL;
        return recovery_table[p];
}

EngineRecoveryPolicy engine_recovery_policy_from_string(const char *s)
{
        for (int i = 0; s && i < _ENGINE_RECOVERY_POLICY_MAX; i++)
                if (streq(s, recovery_table[i]))
                        return i;
        return _ENGINE_RECOVERY_POLICY_INVALID;
}

void engine_config_init(EngineConfig *c)
{
        *c = (EngineConfig){
                .calibration = {.factor = 1.0, .offset_kmh = 0.0},
                .quirk_speed_mph = false,
                .allow_remote_start = false,
                .cues = true,
                .cue_lead_usec = 5 * USEC_PER_SEC,
                .halfway_min_usec = 120 * USEC_PER_SEC,
                .auto_lap_m = 400.0,
                .auto_lap_all_steps = false,
                .lag_compensation = true,
                .short_rep_usec = 60 * USEC_PER_SEC,
                .lag_max_usec = 8 * USEC_PER_SEC,
                .ramp_interval_usec = 1 * USEC_PER_SEC,
                .target_timeout_usec = 20 * USEC_PER_SEC,
                .belt_stopped_usec = 3 * USEC_PER_SEC,
                .shutdown_policy = ENGINE_SHUTDOWN_COOLDOWN,
                .cooldown_speed_kmh = 5.0,
                .shutdown_timeout_usec = 15 * USEC_PER_SEC,
                .recovery_policy = ENGINE_RECOVERY_RESUME,
        };
        safety_config_init(&c->safety);
        ftms_control_config_init(&c->control);
        hr_controller_config_init(&c->hr);
}

/* ---- output queue ---- */

static EngineOutput *push_output(WorkoutEngine *e, EngineOutputType type)
{
        if (e->out_head > 0 && e->out_head == e->n_out)
                e->out_head = e->n_out = 0;
        if (e->n_out >= e->out_alloc) {
                size_t n = umax(e->out_alloc * 2, (size_t)16);
                EngineOutput *o;

                if (e->out_head > 0) {
                        memmove(e->out, e->out + e->out_head,
                                sizeof(EngineOutput) * (e->n_out - e->out_head));
                        e->n_out -= e->out_head;
                        e->out_head = 0;
                }
                if (e->n_out >= e->out_alloc) {
                        o = realloc(e->out, n * sizeof(EngineOutput));
                        if (!o)
                                return NULL; /* an output is lost, the engine goes on */
                        e->out = o;
                        e->out_alloc = n;
                }
        }
        EngineOutput *o = &e->out[e->n_out++];
        memset(o, 0, sizeof(*o));
        o->type = type;
        return o;
}

int workout_engine_pop_output(WorkoutEngine *e, EngineOutput *ret)
{
        if (e->out_head >= e->n_out)
                return 0;
        *ret = e->out[e->out_head++];
        if (e->out_head == e->n_out)
                e->out_head = e->n_out = 0;
        return 1;
}

static EngineEvent *push_event(WorkoutEngine *e, uint64_t now, EngineEventType type)
{
        EngineOutput *o = push_output(e, ENGINE_OUTPUT_EVENT);
        if (!o)
                return NULL;
        o->event.type = type;
        o->event.time_usec = now;
        o->event.step_index = e->step;
        o->event.state = e->state;
        o->event.old_state = e->state;
        o->event.pause_reason = e->pause_reason;
        o->event.requested = o->event.applied = o->event.value = NAN;
        return &o->event;
}

_printf_(4, 5) static void event_msg(WorkoutEngine *e, uint64_t now, EngineEventType type,
                                     const char *fmt, ...)
{
        EngineEvent *ev = push_event(e, now, type);
        va_list ap;

        if (!ev)
                return;
        va_start(ap, fmt);
        vsnprintf(ev->message, sizeof(ev->message), fmt, ap);
        va_end(ap);
}

_printf_(5, 6) static void cue(WorkoutEngine *e, uint64_t now, CueKind kind, int seconds,
                               const char *fmt, ...)
{
        EngineOutput *o;
        va_list ap;

        if (!e->config.cues && kind != CUE_KIND_SAFETY)
                return;
        o = push_output(e, ENGINE_OUTPUT_CUE);
        if (!o)
                return;
        o->cue.kind = kind;
        o->cue.time_usec = now;
        o->cue.seconds_to_change = seconds;
        o->cue.step_index = e->step;
        va_start(ap, fmt);
        vsnprintf(o->cue.text, sizeof(o->cue.text), fmt, ap);
        va_end(ap);
}

static void safety_event(WorkoutEngine *e, uint64_t now, EngineSafetyRule rule, bool active,
                         const char *text)
{
        EngineEvent *ev = push_event(e, now, ENGINE_EVENT_SAFETY);
        if (ev) {
                ev->rule = rule;
                ev->active = active;
                snprintf(ev->message, sizeof(ev->message), "%s", text);
        }
        cue(e, now, CUE_KIND_SAFETY, -1, "%s", text);
}

/* ---- small helpers ---- */

static const ResolvedStep *cur_step(const WorkoutEngine *e)
{
        if (!e->workout || e->step < 0 || (size_t)e->step >= e->workout->n_steps)
                return NULL;
        return &e->workout->steps[e->step];
}

static const ResolvedStep *next_step(const WorkoutEngine *e)
{
        if (!e->workout || e->step < 0 || (size_t)e->step + 1 >= e->workout->n_steps)
                return NULL;
        return &e->workout->steps[e->step + 1];
}

static uint64_t run_clock(const WorkoutEngine *e, uint64_t now)
{
        if (e->state == ENGINE_STATE_RUNNING && now > e->running_since)
                return e->run_base + (now - e->running_since);
        return e->run_base;
}

/* Absolute time at which the running clock reads run (valid while RUNNING). */
static uint64_t run_to_abs(const WorkoutEngine *e, uint64_t run)
{
        if (run >= e->run_base)
                return e->running_since + (run - e->run_base);
        return e->running_since - umin(e->running_since, e->run_base - run);
}

static double usec_to_s(uint64_t u)
{
        return (double)u / USEC_PER_SEC;
}

static uint64_t s_to_usec(double s)
{
        if (!(s > 0))
                return 0;
        return (uint64_t)llround(s * USEC_PER_SEC);
}

/* Calibrated distance now: the last report, extrapolated for a short while. */
static double dist_now(const WorkoutEngine *e, uint64_t now)
{
        double d = e->dist_base_m;

        if (e->belt == BELT_RUNNING && isfinite(e->measured_kmh) && now > e->dist_base_usec)
                d += e->measured_kmh / 3.6 *
                     usec_to_s(umin(now - e->dist_base_usec, EXTRAPOLATE_USEC));
        return d;
}

/*
 * Workout distance as shown and stored: from what the treadmill reported (never
 * extrapolated ahead of the belt), frozen while paused (what the belt runs then is not
 * workout distance) and never going back.
 */
static void update_shown_distance(WorkoutEngine *e)
{
        double d = e->dist_base_m;

        if (e->state != ENGINE_STATE_RUNNING && e->state != ENGINE_STATE_PAUSED)
                return;
        if (e->state == ENGINE_STATE_PAUSED)
                d = fmin(d, e->pause_dist);
        e->dist_shown_m = fmax(e->dist_shown_m, d - e->workout_dist_start);
}

static double step_length(const ResolvedStep *s, double extend)
{
        return s->end_value + extend;
}

static const char *step_text(const ResolvedStep *s, char *buf, size_t size)
{
        if (s->label[0])
                return s->label;
        if (s->control == STEP_CONTROL_HR)
                snprintf(buf, size, "heart rate %.0f-%.0f", s->hr_lo_bpm, s->hr_hi_bpm);
        else if (s->control == STEP_CONTROL_SPEED)
                snprintf(buf, size, "%.1f km/h", s->speed_start_kmh);
        else
                snprintf(buf, size, "%s", step_kind_to_string(s->kind) ?: "step");
        return buf;
}

/* ---- state ---- */

static void enter_state(WorkoutEngine *e, uint64_t now, EngineState state, EnginePauseReason why,
                        const char *message)
{
        EngineState old = e->state;
        EngineEvent *ev;

        if (old == ENGINE_STATE_RUNNING && state != ENGINE_STATE_RUNNING)
                e->run_base = run_clock(e, now);
        if (state == ENGINE_STATE_RUNNING && old != ENGINE_STATE_RUNNING)
                e->running_since = now;
        e->state = state;
        e->pause_reason = state == ENGINE_STATE_PAUSED ? why : ENGINE_PAUSE_NONE;

        ev = push_event(e, now, ENGINE_EVENT_STATE_CHANGED);
        if (ev) {
                ev->old_state = old;
                snprintf(ev->message, sizeof(ev->message), "%s -> %s%s%s%s",
                         engine_state_to_string(old), engine_state_to_string(state),
                         state == ENGINE_STATE_PAUSED ? " (" : "",
                         state == ENGINE_STATE_PAUSED ? engine_pause_reason_to_string(why) : "",
                         state == ENGINE_STATE_PAUSED ? ")" : "");
                if (message)
                        snprintf(ev->message + strlen(ev->message),
                                 sizeof(ev->message) - strlen(ev->message), ": %s", message);
        }
}

static bool workout_active(const WorkoutEngine *e)
{
        return e->state == ENGINE_STATE_RUNNING || e->state == ENGINE_STATE_PAUSED;
}

/* ---- laps and steps ---- */

static double lag_for(const WorkoutEngine *e, const ResolvedStep *cur, const ResolvedStep *next)
{
        double secs;

        if (!e->config.lag_compensation || !cur || !next || cur->end != STEP_END_TIME)
                return 0;
        if (next->control != STEP_CONTROL_SPEED || cur->control == STEP_CONTROL_FREE)
                return 0;
        if (next->speed_start_kmh <= cur->speed_end_kmh)
                return 0; /* only speed-ups need a head start */
        if (next->end == STEP_END_TIME)
                secs = next->end_value;
        else if (next->end == STEP_END_DISTANCE && next->speed_start_kmh > 0)
                secs = next->end_value / (next->speed_start_kmh / 3.6);
        else
                return 0;
        if (next->kind != STEP_KIND_STRIDE && secs >= usec_to_s(e->config.short_rep_usec))
                return 0;
        if (e->ttt_up_count == 0)
                return 0;
        return fmin(e->ttt_up_ewma, usec_to_s(e->config.lag_max_usec));
}

static void emit_lap(WorkoutEngine *e, uint64_t now, uint64_t end_run, double end_dist,
                     bool automatic)
{
        EngineEvent *ev;
        double dur = usec_to_s(end_run > e->lap_start_run ? end_run - e->lap_start_run : 0);
        double dist = fmax(end_dist - e->lap_dist_start, 0);
        char t[24];

        e->n_laps++;
        ev = push_event(e, now, ENGINE_EVENT_LAP);
        if (ev) {
                ev->lap = (EngineLap){
                        .number = e->n_laps,
                        .step_index = e->step,
                        .automatic = automatic,
                        .start_usec = e->lap_start_usec,
                        .duration_s = dur,
                        .distance_m = dist,
                        .avg_speed_kmh = dur > 0 ? dist / dur * 3.6 : 0,
                        .time_at_target_s = fmin(e->lap_tat_s, dur),
                };
                ev->value = dur;
                cue_format_duration(dur, true, t);
                snprintf(ev->message, sizeof(ev->message), "lap %u: %s, %.0f m", e->n_laps, t,
                         dist);
        }
        if (automatic || dur >= 1.0) {
                cue_format_duration(dur, true, t);
                cue(e, now, CUE_KIND_LAP, -1, "Lap %u: %s", e->n_laps, t);
        }
        e->lap_start_run = end_run;
        e->lap_start_usec = now;
        e->lap_dist_start = end_dist;
        e->lap_tat_s = 0;
}

static void hr_step_reset(WorkoutEngine *e, uint64_t now, const ResolvedStep *s)
{
        double start = s->hr_fallback_kmh;

        if (!(start > 0))
                start = isfinite(e->commanded_kmh) ? e->commanded_kmh : e->limits.speed_min;
        hr_controller_reset(&e->hrc, &e->config.hr, now, s->hr_lo_bpm, s->hr_hi_bpm, start,
                            e->limits.speed_min, e->limits.speed_max);
        e->hr_fallback = false;
}

static double step_fraction(const WorkoutEngine *e, uint64_t now, const ResolvedStep *s)
{
        double len = step_length(s, e->extend);

        if (len <= 0)
                return 1;
        if (s->end == STEP_END_TIME)
                return fmin(usec_to_s(run_clock(e, now) - e->step_start_run) / len, 1.0);
        if (s->end == STEP_END_DISTANCE)
                return fmin(fmax(dist_now(e, now) - e->step_dist_start, 0) / len, 1.0);
        return 0;
}

static double step_speed_at(const WorkoutEngine *e, uint64_t now, const ResolvedStep *s)
{
        switch (s->control) {
        case STEP_CONTROL_SPEED:
                return s->speed_start_kmh +
                       (s->speed_end_kmh - s->speed_start_kmh) * step_fraction(e, now, s);
        case STEP_CONTROL_HR:
                if (e->hr_fallback)
                        return s->hr_fallback_kmh > 0 ? s->hr_fallback_kmh : e->hr_hold_kmh;
                if (e->hr_lost)
                        return e->hr_hold_kmh;
                return e->hrc.output_kmh;
        case STEP_CONTROL_FREE:
        case _STEP_CONTROL_MAX:
        case _STEP_CONTROL_INVALID:
                break;
        }
        return NAN;
}

static double step_incline_at(const WorkoutEngine *e, uint64_t now, const ResolvedStep *s)
{
        if (!s->has_incline)
                return NAN;
        return s->incline_start_pct +
               (s->incline_end_pct - s->incline_start_pct) * step_fraction(e, now, s);
}

static void begin_step(WorkoutEngine *e, uint64_t now, size_t idx, uint64_t start_run,
                       double start_dist, bool user)
{
        const ResolvedStep *s = &e->workout->steps[idx];
        double prev_kmh = e->commanded_kmh, prev_incline = e->commanded_incline;
        bool announced = e->next_announced;
        char buf[64];
        EngineEvent *ev;

        e->step = (int)idx;
        e->step_start_run = start_run;
        e->step_dist_start = start_dist;
        e->extend = 0;
        e->next_announced = false;
        e->this_announced = announced;
        e->halfway_cued = false;
        e->override_delta = 0;
        e->override_abs = NAN;
        e->override_incline = NAN;
        e->lap_start_run = start_run;
        e->lap_start_usec = now;
        e->lap_dist_start = start_dist;
        e->lap_tat_s = 0;
        e->hold_until = 0;
        e->last_clamp_want = NAN;

        if (s->control == STEP_CONTROL_HR)
                hr_step_reset(e, now, s);

        ev = push_event(e, now, ENGINE_EVENT_STEP_CHANGED);
        if (ev) {
                ev->value = (double)idx;
                snprintf(ev->message, sizeof(ev->message), "step %zu/%zu: %s", idx + 1,
                         e->workout->n_steps, step_text(s, buf, sizeof(buf)));
        }

        /* Never change the belt unannounced: a change that was not cued
         * lead-time ahead (first step, a distance step that ended sooner than
         * predicted) is announced now and held back until the lead time has
         * passed. A user's skip is its own announcement. */
        if (e->config.cues && !announced && !user && e->config.cue_lead_usec > 0) {
                int secs = (int)((e->config.cue_lead_usec + USEC_PER_SEC / 2) / USEC_PER_SEC);

                cue(e, now, CUE_KIND_UPCOMING, secs, "Next: %s in %d s",
                    step_text(s, buf, sizeof(buf)), secs);
                e->hold_until = now + e->config.cue_lead_usec;
                e->hold_kmh = prev_kmh;
                e->hold_incline = prev_incline;
        }
        if (s->cue)
                cue(e, now, CUE_KIND_STEP_START, -1, "%s", s->cue);
        else
                cue(e, now, CUE_KIND_STEP_START, -1, "%s%s",
                    user ? "Skipped to: " : "Go: ", step_text(s, buf, sizeof(buf)));
}

static void finish_step(WorkoutEngine *e, uint64_t now, uint64_t end_run, double end_dist,
                        bool user)
{
        size_t next = (size_t)e->step + 1;

        emit_lap(e, now, end_run, end_dist, false);
        if (next >= e->workout->n_steps) {
                cue(e, now, CUE_KIND_STEP_END, -1, "Workout complete");
                /* The running clock stops at the last boundary, not at the tick. */
                e->run_base = end_run;
                e->running_since = now;
                enter_state(e, now, ENGINE_STATE_FINISHED, ENGINE_PAUSE_NONE, NULL);
                return;
        }
        begin_step(e, now, next, end_run, end_dist, user);
}

/* ---- the arbiter ---- */

static bool auto_lap_step(const WorkoutEngine *e, const ResolvedStep *s)
{
        return e->config.auto_lap_m > 0 &&
               (s->kind == STEP_KIND_TIME_TRIAL || e->config.auto_lap_all_steps);
}

/* What the workout asks for now, including held (unannounced) changes and
 * the early start of a lag-compensated short rep. */
static double workout_target(const WorkoutEngine *e, uint64_t now, double *ret_incline)
{
        const ResolvedStep *s = cur_step(e), *n = next_step(e);
        double lag;

        *ret_incline = NAN;
        if (!s)
                return NAN;
        if (now < e->hold_until) {
                *ret_incline = e->hold_incline;
                return e->hold_kmh;
        }
        lag = lag_for(e, s, n);
        if (lag > 0) {
                uint64_t end_run = e->step_start_run + s_to_usec(step_length(s, e->extend));
                uint64_t change = run_to_abs(e, end_run);

                change -= umin(change, s_to_usec(lag));
                if (now >= change) {
                        *ret_incline = n->has_incline ? n->incline_start_pct : NAN;
                        return n->speed_start_kmh;
                }
        }
        *ret_incline = step_incline_at(e, now, s);
        return step_speed_at(e, now, s);
}

/*
 * The one place that decides the speed to command. Fixed priority:
 *   1. safety (shutdown/cool-down, HR ceiling; caps and rate limit are
 *      applied to whatever comes out of here),
 *   2. the user's override for the rest of the step,
 *   3. the workout (step target, ramp, HR controller).
 * NAN: command nothing.
 */
static double arbiter_speed(const WorkoutEngine *e, uint64_t now, double *ret_incline)
{
        double want = NAN, incline = NAN, w, wi;

        if (e->cooldown) {
                *ret_incline = NAN;
                return e->cooldown_target;
        }
        if (e->state == ENGINE_STATE_RUNNING) {
                w = workout_target(e, now, &wi);
                if (isfinite(e->override_abs))
                        want = e->override_abs;
                else if (isfinite(w))
                        want = w + e->override_delta;
                incline = isfinite(e->override_incline) ? e->override_incline : wi;
        } else if (e->state == ENGINE_STATE_IDLE || e->state == ENGINE_STATE_FINISHED ||
                   e->state == ENGINE_STATE_ABORTED) {
                want = e->manual_kmh;
                incline = e->manual_incline;
        }

        if (e->ceiling.active && e->state == ENGINE_STATE_RUNNING) {
                double cap = e->config.safety.recovery_speed_kmh;

                /* A free step has no target: the ceiling still slows it down. */
                if (!isfinite(want))
                        want = isfinite(e->measured_kmh) ? e->measured_kmh : cap;
                want = fmin(want, cap);
        }
        *ret_incline = incline;
        return want;
}

static double to_belt_units(const WorkoutEngine *e, double true_kmh)
{
        double v = speed_calibration_to_belt(&e->config.calibration, true_kmh);

        if (e->have_caps && e->caps.has_speed_range) {
                const FtmsRange *r = &e->caps.speed_range;

                if (r->increment > 0)
                        v = round(v / r->increment) * r->increment;
                v = fmin(fmax(v, r->min), r->max);
        }
        if (e->config.quirk_speed_mph)
                v /= KMH_PER_MPH;
        return round(fmax(v, 0) * 100.0) / 100.0;
}

static bool may_command(const WorkoutEngine *e)
{
        /* A stopped belt is never sent a speed: some machines start on it. */
        return ftms_control_can_write(e->control) && e->belt == BELT_RUNNING;
}

static void update_speed(WorkoutEngine *e, uint64_t now)
{
        double want, want_incline, applied, from, next;
        SafetyClamp clamp;
        int r;

        want = arbiter_speed(e, now, &want_incline);

        if (isfinite(want) && safety_clamp_speed(&e->limits, want, &applied, &clamp) == 0) {
                if (clamp != SAFETY_CLAMP_NONE && !(fabs(want - e->last_clamp_want) < 1e-6)) {
                        EngineEvent *ev = push_event(e, now, ENGINE_EVENT_CLAMP);

                        if (ev) {
                                ev->requested = want;
                                ev->applied = applied;
                                ev->rule = ENGINE_SAFETY_CAP;
                                snprintf(ev->message, sizeof(ev->message),
                                         "speed %.2f km/h is outside %.2f-%.2f km/h: using %.2f",
                                         want, e->limits.speed_min, e->limits.speed_max, applied);
                        }
                        e->last_clamp_want = want;
                }

                if (!(fabs(applied - e->last_target_reported) < 1e-6)) {
                        EngineEvent *ev = push_event(e, now, ENGINE_EVENT_TARGET_CHANGED);

                        if (ev) {
                                ev->requested = applied;
                                snprintf(ev->message, sizeof(ev->message), "target speed %.2f km/h",
                                         applied);
                        }
                        e->last_target_reported = applied;
                }

                if (may_command(e) && now >= e->speed_retry_at &&
                    (!isfinite(e->commanded_kmh) ||
                     fabs(applied - e->commanded_kmh) >= e->limits.speed_increment / 2) &&
                    (!e->speed_cmd_sent ||
                     now >= e->last_speed_cmd + e->config.ramp_interval_usec)) {
                        from = isfinite(e->commanded_kmh)  ? e->commanded_kmh
                               : isfinite(e->measured_kmh) ? e->measured_kmh
                                                           : e->limits.speed_min;
                        /* Updates are >= ramp_interval (1 s) apart, so a step of
                         * max_accel x 1 s keeps the rate below max_accel. */
                        next = safety_rate_limit(from, applied, e->config.safety.max_accel_kmhps,
                                                 1.0);
                        if (safety_clamp_speed(&e->limits, next, &next, NULL) == 0) {
                                r = ftms_control_set_speed(e->control, now, to_belt_units(e, next));
                                if (r < 0)
                                        e->speed_retry_at = now + SPEED_RETRY_USEC;
                                else {
                                        if (!e->ttt_pending) {
                                                e->ttt_pending = true;
                                                e->ttt_start = now;
                                                e->ttt_from = isfinite(e->measured_kmh)
                                                                      ? e->measured_kmh
                                                                      : from;
                                        }
                                        e->ttt_target = next;
                                        e->commanded_kmh = next;
                                        e->last_speed_cmd = now;
                                        e->speed_cmd_sent = true;
                                }
                        }
                }
        }

        if (isfinite(want_incline) && e->limits.has_incline &&
            ftms_control_incline_supported(e->control) &&
            safety_clamp_incline(&e->limits, want_incline, &applied, &clamp) == 0 &&
            may_command(e) &&
            (!isfinite(e->commanded_incline) ||
             fabs(applied - e->commanded_incline) >= e->limits.incline_increment / 2) &&
            (!e->incline_cmd_sent || now >= e->last_incline_cmd + e->config.ramp_interval_usec)) {
                from = isfinite(e->commanded_incline)  ? e->commanded_incline
                       : isfinite(e->measured_incline) ? e->measured_incline
                                                       : 0;
                next = safety_rate_limit(from, applied, e->config.safety.max_incline_rate_pps, 1.0);
                if (safety_clamp_incline(&e->limits, next, &next, NULL) == 0 &&
                    ftms_control_set_incline(e->control, now, next) >= 0) {
                        e->commanded_incline = next;
                        e->last_incline_cmd = now;
                        e->incline_cmd_sent = true;
                }
        }
}

/* When update_speed() will want to run again (USEC_INFINITY: not before an input). */
static uint64_t speed_deadline(const WorkoutEngine *e, uint64_t now)
{
        double want, want_incline, applied;
        uint64_t d = USEC_INFINITY;

        if (!may_command(e))
                return USEC_INFINITY;
        want = arbiter_speed(e, now, &want_incline);
        if (isfinite(want) && safety_clamp_speed(&e->limits, want, &applied, NULL) == 0 &&
            (!isfinite(e->commanded_kmh) ||
             fabs(applied - e->commanded_kmh) >= e->limits.speed_increment / 2))
                d = umax(e->speed_retry_at,
                         e->speed_cmd_sent ? e->last_speed_cmd + e->config.ramp_interval_usec
                                           : now);
        if (isfinite(want_incline) && e->limits.has_incline &&
            ftms_control_incline_supported(e->control) &&
            safety_clamp_incline(&e->limits, want_incline, &applied, NULL) == 0 &&
            (!isfinite(e->commanded_incline) ||
             fabs(applied - e->commanded_incline) >= e->limits.incline_increment / 2))
                d = umin(d, e->incline_cmd_sent ? e->last_incline_cmd + e->config.ramp_interval_usec
                                                : now);
        return d;
}

/* ---- pause / resume ---- */

static void do_pause(WorkoutEngine *e, uint64_t now, EnginePauseReason why, const char *message)
{
        if (e->state != ENGINE_STATE_RUNNING) {
                /* Already paused: a belt event refines why (never loses link-lost). */
                if (e->state == ENGINE_STATE_PAUSED && e->pause_reason != why &&
                    why != ENGINE_PAUSE_USER && e->pause_reason != ENGINE_PAUSE_USER)
                        enter_state(e, now, ENGINE_STATE_PAUSED, why, message);
                return;
        }
        e->pause_dist = dist_now(e, now);
        e->belt_seen_zero = false;
        e->ttt_pending = false;
        e->hold_until = 0;
        /* Anything queued was meant for a running belt. */
        ftms_control_flush(e->control, now);
        enter_state(e, now, ENGINE_STATE_PAUSED, why, message);
}

static void do_resume(WorkoutEngine *e, uint64_t now, const char *message)
{
        const ResolvedStep *s;
        double moved = fmax(dist_now(e, now) - e->pause_dist, 0);
        char buf[64];

        /* Distance run while paused is not workout distance. */
        e->step_dist_start += moved;
        e->lap_dist_start += moved;
        e->workout_dist_start += moved;
        /* The belt restarted at its own speed: re-apply the target (still at
         * most one new value per ramp_interval: last_*_cmd is kept). */
        e->commanded_kmh = NAN;
        e->commanded_incline = NAN;
        e->zero_pending = false;
        enter_state(e, now, ENGINE_STATE_RUNNING, ENGINE_PAUSE_NONE, message);
        s = cur_step(e);
        if (s) {
                if (s->control == STEP_CONTROL_HR && !e->hr_lost)
                        hr_step_reset(e, now, s);
                cue(e, now, CUE_KIND_INFO, -1, "Resumed: %s", step_text(s, buf, sizeof(buf)));
        }
        if (ftms_control_can_write(e->control))
                ftms_control_request(e->control, now);
}

static void begin_workout(WorkoutEngine *e, uint64_t now)
{
        double d = dist_now(e, now);

        e->run_base = 0;
        e->elapsed_offset_s = 0;
        e->workout_dist_start = d;
        e->dist_shown_m = 0;
        e->n_laps = 0;
        e->next_announced = false;
        e->commanded_kmh = NAN;
        e->commanded_incline = NAN;
        enter_state(e, now, ENGINE_STATE_RUNNING, ENGINE_PAUSE_NONE, NULL);
        begin_step(e, now, 0, 0, d, false);
        if (ftms_control_can_write(e->control))
                ftms_control_request(e->control, now);
}

/* ---- the update pass ---- */

static void check_hr_lost(WorkoutEngine *e, uint64_t now)
{
        const ResolvedStep *s = cur_step(e);
        const SafetyConfig *c = &e->config.safety;
        uint64_t ref;
        char buf[128];

        if (e->state != ENGINE_STATE_RUNNING || !s || s->control != STEP_CONTROL_HR)
                return;
        ref = umax(e->have_hr ? e->hr_usec : 0, run_to_abs(e, e->step_start_run));
        if (!e->hr_lost && now >= ref + c->hr_lost_timeout_usec) {
                e->hr_lost = true;
                e->hr_lost_since = now;
                e->hr_hold_kmh = isfinite(e->commanded_kmh) ? e->commanded_kmh : e->hrc.output_kmh;
                snprintf(buf, sizeof(buf), "Heart rate signal lost: holding %.1f km/h",
                         e->hr_hold_kmh);
                safety_event(e, now, ENGINE_SAFETY_HR_LOST, true, buf);
        }
        if (e->hr_lost && !e->hr_fallback && c->hr_lost_fallback &&
            now >= e->hr_lost_since + c->hr_lost_hold_usec) {
                e->hr_fallback = true;
                if (s->hr_fallback_kmh > 0) {
                        snprintf(buf, sizeof(buf),
                                 "No heart rate: falling back to %.1f km/h for this step",
                                 s->hr_fallback_kmh);
                        safety_event(e, now, ENGINE_SAFETY_HR_LOST, true, buf);
                }
        }
}

static void announce(WorkoutEngine *e, uint64_t now)
{
        const ResolvedStep *s = cur_step(e), *n = next_step(e);
        uint64_t lead = e->config.cue_lead_usec, change;
        double remaining_s = NAN, len, done, v;
        char buf[64], t[24];

        if (e->state != ENGINE_STATE_RUNNING || !s)
                return;
        len = step_length(s, e->extend);

        if (s->end == STEP_END_TIME) {
                uint64_t end = run_to_abs(e, e->step_start_run + s_to_usec(len));

                change = end - umin(end, s_to_usec(lag_for(e, s, n)));
                remaining_s = now < change ? usec_to_s(change - now) : 0;
                if (!e->halfway_cued && s_to_usec(len) >= e->config.halfway_min_usec &&
                    run_clock(e, now) >= e->step_start_run + s_to_usec(len / 2)) {
                        e->halfway_cued = true;
                        cue_format_duration(len / 2, false, t);
                        cue(e, now, CUE_KIND_HALFWAY, -1, "Halfway: %s to go", t);
                }
        } else if (s->end == STEP_END_DISTANCE) {
                done = dist_now(e, now) - e->step_dist_start;
                v = isfinite(e->measured_kmh) && e->measured_kmh > BELT_MOVING_KMH
                            ? e->measured_kmh
                            : e->commanded_kmh;
                if (isfinite(v) && v > BELT_MOVING_KMH)
                        remaining_s = fmax(len - done, 0) / (v / 3.6);
                if (!e->halfway_cued && isfinite(v) && v > 0 &&
                    s_to_usec(len / (v / 3.6)) >= e->config.halfway_min_usec && done >= len / 2) {
                        e->halfway_cued = true;
                        cue(e, now, CUE_KIND_HALFWAY, -1, "Halfway: %.0f m to go", len / 2);
                }
        }

        if (n && !e->next_announced && isfinite(remaining_s) &&
            remaining_s <= usec_to_s(lead) + 0.0005) {
                int secs = (int)lround(remaining_s);

                e->next_announced = true;
                cue(e, now, CUE_KIND_UPCOMING, secs, "Next: %s in %d s",
                    step_text(n, buf, sizeof(buf)), secs);
        }
}

/* Absolute time of the next announcement/boundary of the current step. */
static uint64_t step_deadline(const WorkoutEngine *e, uint64_t now)
{
        const ResolvedStep *s = cur_step(e), *n = next_step(e);
        uint64_t d = USEC_INFINITY, lead = e->config.cue_lead_usec;
        double len, done;

        if (e->state != ENGINE_STATE_RUNNING || !s)
                return USEC_INFINITY;
        len = step_length(s, e->extend);
        if (now < e->hold_until)
                d = e->hold_until;

        if (s->end == STEP_END_TIME) {
                uint64_t end = run_to_abs(e, e->step_start_run + s_to_usec(len));
                uint64_t change = end - umin(end, s_to_usec(lag_for(e, s, n)));

                d = umin(d, end);
                if (change > now)
                        d = umin(d, change);
                if (n && !e->next_announced)
                        d = umin(d, change - umin(change, lead));
                if (!e->halfway_cued && s_to_usec(len) >= e->config.halfway_min_usec)
                        d = umin(d, run_to_abs(e, e->step_start_run + s_to_usec(len / 2)));
                if (s->control == STEP_CONTROL_SPEED && s->speed_start_kmh != s->speed_end_kmh &&
                    len > 0) {
                        /* A ramp: wake when it has moved by one increment. */
                        double slope = fabs(s->speed_end_kmh - s->speed_start_kmh) / len;
                        uint64_t step = s_to_usec(e->limits.speed_increment / slope);

                        d = umin(d, now + umax(step, e->config.ramp_interval_usec));
                }
        } else if (s->end == STEP_END_DISTANCE && e->belt == BELT_RUNNING &&
                   isfinite(e->measured_kmh) && e->measured_kmh > BELT_MOVING_KMH) {
                /* Predicted crossings, inside the extrapolation window only. */
                uint64_t horizon = e->dist_base_usec + EXTRAPOLATE_USEC;
                double mps = e->measured_kmh / 3.6;
                double targets[4];
                size_t nt = 0;

                done = dist_now(e, now) - e->step_dist_start;
                targets[nt++] = len;
                if (n && !e->next_announced)
                        targets[nt++] = len - usec_to_s(lead) * mps;
                if (!e->halfway_cued)
                        targets[nt++] = len / 2;
                if (auto_lap_step(e, s))
                        targets[nt++] =
                                (e->lap_dist_start - e->step_dist_start) + e->config.auto_lap_m;
                for (size_t i = 0; i < nt; i++) {
                        uint64_t at;

                        if (targets[i] <= done)
                                continue;
                        at = now + s_to_usec((targets[i] - done) / mps);
                        if (at <= horizon)
                                d = umin(d, umax(at, now + 1));
                }
                if (s->control == STEP_CONTROL_SPEED && s->speed_start_kmh != s->speed_end_kmh)
                        d = umin(d, now + e->config.ramp_interval_usec);
        }
        if (s->end != STEP_END_DISTANCE && auto_lap_step(e, s) && e->belt == BELT_RUNNING &&
            isfinite(e->measured_kmh) && e->measured_kmh > BELT_MOVING_KMH) {
                double left = e->lap_dist_start + e->config.auto_lap_m - dist_now(e, now);
                uint64_t at = now + s_to_usec(left / (e->measured_kmh / 3.6));

                if (left > 0 && at <= e->dist_base_usec + EXTRAPOLATE_USEC)
                        d = umin(d, at);
        }
        return d;
}

static void advance(WorkoutEngine *e, uint64_t now)
{
        for (unsigned guard = 0; guard < 10000 && e->state == ENGINE_STATE_RUNNING; guard++) {
                const ResolvedStep *s = cur_step(e);
                double len, d;

                if (!s)
                        break;
                len = step_length(s, e->extend);
                d = dist_now(e, now);

                /* Auto-laps (time trials): every auto_lap_m inside the step. */
                while (auto_lap_step(e, s) && d - e->lap_dist_start >= e->config.auto_lap_m &&
                       (s->end != STEP_END_DISTANCE ||
                        e->lap_dist_start + e->config.auto_lap_m < e->step_dist_start + len - 0.5))
                        emit_lap(e, now, run_clock(e, now),
                                 e->lap_dist_start + e->config.auto_lap_m, true);

                if (s->end == STEP_END_TIME) {
                        uint64_t end = e->step_start_run + s_to_usec(len);

                        if (run_clock(e, now) < end)
                                break;
                        /* The next step starts at the scheduled boundary, not
                         * at this (possibly late) tick: no drift. */
                        finish_step(e, now, end, d, false);
                } else if (s->end == STEP_END_DISTANCE) {
                        if (d - e->step_dist_start < len)
                                break;
                        finish_step(e, now, run_clock(e, now), e->step_dist_start + len, false);
                } else
                        break;
        }
}

static void check_ttt(WorkoutEngine *e, uint64_t now)
{
        double tol;

        if (!e->ttt_pending || !isfinite(e->measured_kmh))
                return;
        tol = e->limits.speed_increment + 0.005;
        if (fabs(e->measured_kmh - e->ttt_target) <= tol &&
            fabs(e->ttt_target - e->commanded_kmh) < 1e-6) {
                double t = usec_to_s(now - e->ttt_start);
                EngineEvent *ev;

                e->ttt_pending = false;
                e->ttt_count++;
                e->ttt_last = t;
                e->ttt_sum += t;
                e->ttt_max = fmax(e->ttt_max, t);
                /* Only speed-ups feed the lag compensation of short reps. */
                if (e->ttt_target > e->ttt_from) {
                        e->ttt_up_ewma = e->ttt_up_count == 0
                                                 ? t
                                                 : TTT_ALPHA * t + (1 - TTT_ALPHA) * e->ttt_up_ewma;
                        e->ttt_up_count++;
                }
                ev = push_event(e, now, ENGINE_EVENT_TARGET_REACHED);
                if (ev) {
                        ev->requested = e->ttt_target;
                        ev->value = t;
                        snprintf(ev->message, sizeof(ev->message), "reached %.2f km/h in %.1f s",
                                 e->ttt_target, t);
                }
                return;
        }
        if (now >= e->ttt_start + e->config.target_timeout_usec) {
                double m = e->measured_kmh, target = e->ttt_target;

                e->ttt_pending = false;
                if (!e->speed_suspect) {
                        e->speed_suspect = true;
                        if (fabs(m - target / KMH_PER_MPH) <= tol && target > 2)
                                event_msg(e, now, ENGINE_EVENT_DIAGNOSTIC,
                                          "speed control looks off by the mph factor: "
                                          "commanded %.1f km/h, belt at %.1f km/h; this "
                                          "treadmill may read target speed in mph "
                                          "(set the speed-mph quirk)",
                                          target, m);
                        else if (fabs(m - e->ttt_from) <= tol ||
                                 (m - e->ttt_from) / (target - e->ttt_from) < 0.25)
                                event_msg(e, now, ENGINE_EVENT_DIAGNOSTIC,
                                          "speed control does not work on this treadmill: "
                                          "commanded %.1f km/h, the belt stays at %.1f km/h",
                                          target, m);
                        else
                                event_msg(e, now, ENGINE_EVENT_DIAGNOSTIC,
                                          "commanded %.1f km/h, the belt is at %.1f km/h "
                                          "after %.0f s",
                                          target, m, usec_to_s(e->config.target_timeout_usec));
                }
        }
}

static void check_shutdown(WorkoutEngine *e, uint64_t now)
{
        bool done = false;

        if (!e->shutting_down || e->shutdown_done)
                return;
        if (now >= e->shutdown_deadline)
                done = true;
        else if (!ftms_control_can_write(e->control) || e->belt != BELT_RUNNING)
                done = true;
        else if (e->config.shutdown_policy == ENGINE_SHUTDOWN_COOLDOWN)
                done = isfinite(e->cooldown_target) && isfinite(e->commanded_kmh) &&
                       fabs(e->commanded_kmh - e->cooldown_target) <
                               e->limits.speed_increment / 2 &&
                       !ftms_control_busy(e->control);
        else
                done = !ftms_control_busy(e->control);
        if (!done)
                return;
        e->shutdown_done = true;
        event_msg(e, now, ENGINE_EVENT_SHUTDOWN_DONE, "%s",
                  now >= e->shutdown_deadline ? "shutdown: gave up waiting for the treadmill"
                                              : "shutdown: treadmill left safe");
}

static void drain_control(WorkoutEngine *e, uint64_t now)
{
        FtmsControlResult res;
        FtmsControlCommand cmd;
        FtmsControlState cs;
        FtmsMonitorReason mr;

        while (ftms_control_pop_result(e->control, &res) > 0) {
                if (res.kind == FTMS_CONTROL_RESULT_OK)
                        continue;
                EngineEvent *ev = push_event(e, now, ENGINE_EVENT_CP_RESULT);
                if (ev) {
                        ev->cp = res;
                        snprintf(ev->message, sizeof(ev->message), "%s", res.message);
                }
                if (res.command.op == FTMS_CP_SET_TARGET_SPEED &&
                    res.kind != FTMS_CONTROL_RESULT_INVALID_PARAM) {
                        /* Unknown what the belt got: send again later. */
                        e->commanded_kmh = NAN;
                        e->speed_cmd_sent = false;
                        e->speed_retry_at = now + SPEED_RETRY_USEC;
                        e->ttt_pending = false;
                }
                if (res.command.op == FTMS_CP_SET_TARGET_INCLINATION &&
                    res.kind != FTMS_CONTROL_RESULT_INVALID_PARAM)
                        e->commanded_incline = NAN;
        }

        cs = ftms_control_get_state(e->control);
        mr = ftms_control_get_monitor_reason(e->control);
        if (cs != e->last_cstate || mr != e->last_mreason) {
                EngineEvent *ev = push_event(e, now, ENGINE_EVENT_CONTROL_MODE);

                if (ev) {
                        ev->value = cs;
                        switch (mr) {
                        case FTMS_MONITOR_CONFIGURED:
                                snprintf(ev->message, sizeof(ev->message),
                                         "monitor-only: configured, paced never writes to "
                                         "the treadmill");
                                break;
                        case FTMS_MONITOR_NO_CONTROL_POINT:
                                snprintf(ev->message, sizeof(ev->message),
                                         "monitor-only: the treadmill has no FTMS control "
                                         "point");
                                break;
                        case FTMS_MONITOR_NO_SPEED_TARGET:
                                snprintf(ev->message, sizeof(ev->message),
                                         "monitor-only: the treadmill does not support "
                                         "target speed setting");
                                break;
                        case FTMS_MONITOR_OP_NOT_SUPPORTED:
                                snprintf(ev->message, sizeof(ev->message),
                                         "monitor-only: the treadmill answered Op Code Not "
                                         "Supported to speed control");
                                break;
                        case FTMS_MONITOR_NONE:
                        case _FTMS_MONITOR_REASON_MAX:
                        case _FTMS_MONITOR_REASON_INVALID:
                                snprintf(ev->message, sizeof(ev->message), "control: %s",
                                         ftms_control_state_to_string(cs));
                                break;
                        }
                }
                if (mr != FTMS_MONITOR_NONE && e->last_mreason == FTMS_MONITOR_NONE)
                        cue(e, now, CUE_KIND_INFO, -1,
                            "Speed control unavailable: follow the targets on the console");
                e->last_cstate = cs;
                e->last_mreason = mr;
        }

        while (ftms_control_pop_write(e->control, now, &cmd) > 0) {
                EngineOutput *o = push_output(e, ENGINE_OUTPUT_CP_WRITE);
                if (o)
                        o->write = cmd;
                /* The rate limit counts from when a value reaches the wire, not
                 * from when it was queued behind Request Control. */
                if (cmd.op == FTMS_CP_SET_TARGET_SPEED)
                        e->last_speed_cmd = now;
                else if (cmd.op == FTMS_CP_SET_TARGET_INCLINATION)
                        e->last_incline_cmd = now;
        }
}

static void update(WorkoutEngine *e, uint64_t now)
{
        if (now > e->last_now)
                e->last_now = now;
        ftms_control_tick(e->control, now);
        check_hr_lost(e, now);
        advance(e, now);
        announce(e, now);
        update_speed(e, now);
        check_ttt(e, now);
        drain_control(e, now);
        check_shutdown(e, now);
        /* A result may have changed what may be sent (monitor-only, retries). */
        drain_control(e, now);
        update_shown_distance(e);
}

/* ---- public API ---- */

int workout_engine_new(WorkoutEngine **ret, const EngineConfig *config)
{
        _cleanup_(workout_engine_freep) WorkoutEngine *e = NULL;
        int r;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        if (config)
                e->config = *config;
        else
                engine_config_init(&e->config);
        r = ftms_control_new(&e->control, &e->config.control);
        if (r < 0)
                return r;
        r = safety_limits_compute(&e->limits, &e->config.safety, NULL, &e->config.calibration);
        if (r < 0)
                return r;
        e->state = ENGINE_STATE_IDLE;
        e->step = -1;
        e->measured_kmh = e->measured_incline = NAN;
        e->hr_bpm = NAN;
        e->commanded_kmh = e->commanded_incline = NAN;
        e->manual_kmh = e->manual_incline = NAN;
        e->override_abs = e->override_incline = NAN;
        e->last_target_reported = NAN;
        e->last_clamp_want = NAN;
        e->cooldown_target = NAN;
        e->last_cstate = ftms_control_get_state(e->control);
        e->last_mreason = ftms_control_get_monitor_reason(e->control);
        *ret = TAKE_PTR(e);
        return 0;
}

WorkoutEngine *workout_engine_free(WorkoutEngine *e)
{
        if (!e)
                return NULL;
        ftms_control_free(e->control);
        resolved_workout_free(e->workout);
        free(e->out);
        free(e);
        return NULL;
}

static int recompute_limits(WorkoutEngine *e, uint64_t now)
{
        SafetyLimits l;
        int r;

        r = safety_limits_compute(&l, &e->config.safety, e->have_caps ? &e->caps : NULL,
                                  &e->config.calibration);
        if (r < 0) {
                event_msg(e, now, ENGINE_EVENT_DIAGNOSTIC,
                          "the configured caps (max speed %.1f km/h, incline %.1f..%.1f %%) "
                          "leave no usable range on this treadmill: %s",
                          e->config.safety.max_speed_kmh, e->config.safety.min_incline_pct,
                          e->config.safety.max_incline_pct, strerror(-r));
                return r;
        }
        e->limits = l;
        hr_controller_set_limits(&e->hrc, l.speed_min, l.speed_max);
        return 0;
}

int workout_engine_set_config(WorkoutEngine *e, uint64_t now, const EngineConfig *config)
{
        SafetyLimits l;
        int r;

        r = safety_limits_compute(&l, &config->safety, e->have_caps ? &e->caps : NULL,
                                  &config->calibration);
        if (r < 0)
                return r;
        e->config = *config;
        recompute_limits(e, now);
        update(e, now);
        return 0;
}

static int validate_workout(const ResolvedWorkout *w)
{
        if (!w || w->n_steps == 0 || !w->steps)
                return -EINVAL;
        for (size_t i = 0; i < w->n_steps; i++) {
                const ResolvedStep *s = &w->steps[i];

                if (s->end < 0 || s->end >= _STEP_END_MAX || s->control < 0 ||
                    s->control >= _STEP_CONTROL_MAX)
                        return -EINVAL;
                if (s->end != STEP_END_OPEN && (!isfinite(s->end_value) || s->end_value <= 0))
                        return -EINVAL;
                if (s->control == STEP_CONTROL_SPEED &&
                    (safety_validate_speed(s->speed_start_kmh) < 0 ||
                     safety_validate_speed(s->speed_end_kmh) < 0))
                        return -EINVAL;
                if (s->control == STEP_CONTROL_HR &&
                    (!isfinite(s->hr_lo_bpm) || !isfinite(s->hr_hi_bpm) || s->hr_lo_bpm <= 0 ||
                     s->hr_hi_bpm < s->hr_lo_bpm))
                        return -EINVAL;
                if (s->has_incline &&
                    (!isfinite(s->incline_start_pct) || !isfinite(s->incline_end_pct)))
                        return -EINVAL;
        }
        return 0;
}

int workout_engine_load(WorkoutEngine *e, uint64_t now, ResolvedWorkout *w)
{
        int r;

        if (workout_active(e) || e->state == ENGINE_STATE_ARMED)
                return -EBUSY;
        r = validate_workout(w);
        if (r < 0)
                return r;
        resolved_workout_free(e->workout);
        e->workout = w;
        e->step = -1;
        e->n_laps = 0;
        e->run_base = 0;
        e->cooldown = false;
        if (e->state != ENGINE_STATE_IDLE)
                enter_state(e, now, ENGINE_STATE_IDLE, ENGINE_PAUSE_NONE, "workout loaded");
        update(e, now);
        return 0;
}

int workout_engine_unload(WorkoutEngine *e, uint64_t now)
{
        if (workout_active(e))
                return -EBUSY;
        e->workout = resolved_workout_free(e->workout);
        e->step = -1;
        if (e->state != ENGINE_STATE_IDLE)
                enter_state(e, now, ENGINE_STATE_IDLE, ENGINE_PAUSE_NONE, "workout unloaded");
        update(e, now);
        return 0;
}

int workout_engine_arm(WorkoutEngine *e, uint64_t now)
{
        if (!e->workout)
                return -ENOENT;
        if (e->state != ENGINE_STATE_IDLE)
                return -EBUSY;
        enter_state(e, now, ENGINE_STATE_ARMED, ENGINE_PAUSE_NONE, NULL);
        cue(e, now, CUE_KIND_INFO, -1, "%s armed: start the belt to begin",
            e->workout->name ?: "Workout");
        update(e, now);
        return 0;
}

int workout_engine_start(WorkoutEngine *e, uint64_t now)
{
        if (!e->workout)
                return -ENOENT;
        if (e->state != ENGINE_STATE_IDLE && e->state != ENGINE_STATE_ARMED)
                return -EBUSY;
        e->manual_kmh = e->manual_incline = NAN;
        begin_workout(e, now);
        if (e->belt != BELT_RUNNING) {
                if (e->config.allow_remote_start && ftms_control_can_write(e->control))
                        ftms_control_start_resume(e->control, now);
                else if (e->belt == BELT_STOPPED) {
                        do_pause(e, now, ENGINE_PAUSE_BELT_STOPPED, "waiting for the belt");
                        cue(e, now, CUE_KIND_INFO, -1, "Start the belt to begin");
                }
        }
        update(e, now);
        return 0;
}

int workout_engine_pause(WorkoutEngine *e, uint64_t now)
{
        if (e->state != ENGINE_STATE_RUNNING)
                return e->state == ENGINE_STATE_PAUSED ? 0 : -EBUSY;
        do_pause(e, now, ENGINE_PAUSE_USER, NULL);
        /* Pausing a workout pauses the belt: stopping is always safe. */
        if (may_command(e))
                ftms_control_stop_pause(e->control, now, FTMS_STOP_PARAM_PAUSE);
        cue(e, now, CUE_KIND_INFO, -1, "Paused");
        update(e, now);
        return 0;
}

int workout_engine_resume(WorkoutEngine *e, uint64_t now)
{
        if (e->state != ENGINE_STATE_PAUSED)
                return e->state == ENGINE_STATE_RUNNING ? 0 : -EBUSY;
        if (e->pause_reason == ENGINE_PAUSE_LINK_LOST && !e->link_up)
                return -ENOTCONN;
        if (e->belt == BELT_RUNNING) {
                do_resume(e, now, "resumed by the user");
        } else if (e->config.allow_remote_start && ftms_control_can_write(e->control)) {
                /* The one place paced starts a belt: an explicit command, allowed
                 * by the configuration. */
                do_resume(e, now, "resumed by the user, starting the belt");
                ftms_control_start_resume(e->control, now);
        } else {
                cue(e, now, CUE_KIND_INFO, -1, "Start the belt on the treadmill to resume");
                update(e, now);
                return -EAGAIN;
        }
        update(e, now);
        return 0;
}

int workout_engine_stop(WorkoutEngine *e, uint64_t now)
{
        if (!workout_active(e) && e->state != ENGINE_STATE_ARMED)
                return -EBUSY;
        if (workout_active(e) && cur_step(e))
                emit_lap(e, now, run_clock(e, now), dist_now(e, now), false);
        ftms_control_flush(e->control, now);
        enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE, "stopped by the user");
        cue(e, now, CUE_KIND_INFO, -1, "Workout stopped");
        update(e, now);
        return 0;
}

int workout_engine_skip(WorkoutEngine *e, uint64_t now)
{
        if (!workout_active(e) || !cur_step(e))
                return -EBUSY;
        finish_step(e, now, run_clock(e, now), dist_now(e, now), true);
        update(e, now);
        return 0;
}

int workout_engine_extend(WorkoutEngine *e, uint64_t now, double amount)
{
        const ResolvedStep *s = cur_step(e);

        if (!isfinite(amount) || amount <= 0 || amount > 24 * 3600) {
                event_msg(e, now, ENGINE_EVENT_REJECTED, "extend: invalid amount %g", amount);
                return -EINVAL;
        }
        if (!workout_active(e) || !s)
                return -EBUSY;
        if (s->end == STEP_END_OPEN)
                return -EINVAL;
        e->extend += amount;
        /* The change moved away: announce it again when it comes. */
        e->next_announced = false;
        update(e, now);
        return 0;
}

int workout_engine_adjust_speed(WorkoutEngine *e, uint64_t now, double delta_kmh)
{
        if (!isfinite(delta_kmh) || fabs(delta_kmh) > 30) {
                event_msg(e, now, ENGINE_EVENT_REJECTED, "adjust speed: invalid value %g",
                          delta_kmh);
                return -EINVAL;
        }
        if (e->state == ENGINE_STATE_RUNNING) {
                if (isfinite(e->override_abs))
                        e->override_abs = fmax(e->override_abs + delta_kmh, 0);
                else
                        e->override_delta += delta_kmh;
        } else if (e->state == ENGINE_STATE_PAUSED || e->state == ENGINE_STATE_ARMED)
                return -EBUSY;
        else {
                double base = isfinite(e->manual_kmh)      ? e->manual_kmh
                              : isfinite(e->commanded_kmh) ? e->commanded_kmh
                                                           : e->measured_kmh;
                if (!isfinite(base))
                        return -EAGAIN;
                e->manual_kmh = fmax(base + delta_kmh, 0);
        }
        update(e, now);
        return 0;
}

int workout_engine_set_speed(WorkoutEngine *e, uint64_t now, double kmh)
{
        if (safety_validate_speed(kmh) < 0) {
                event_msg(e, now, ENGINE_EVENT_REJECTED,
                          "set speed: %g is not a valid speed (km/h, >= 0)", kmh);
                return -EINVAL;
        }
        if (e->state == ENGINE_STATE_RUNNING)
                e->override_abs = kmh;
        else if (e->state == ENGINE_STATE_PAUSED || e->state == ENGINE_STATE_ARMED)
                return -EBUSY;
        else
                e->manual_kmh = kmh;
        update(e, now);
        return 0;
}

int workout_engine_set_incline(WorkoutEngine *e, uint64_t now, double pct)
{
        if (safety_validate_incline(pct) < 0) {
                event_msg(e, now, ENGINE_EVENT_REJECTED, "set incline: %g is not a valid incline",
                          pct);
                return -EINVAL;
        }
        if (e->state == ENGINE_STATE_RUNNING)
                e->override_incline = pct;
        else if (e->state == ENGINE_STATE_PAUSED || e->state == ENGINE_STATE_ARMED)
                return -EBUSY;
        else
                e->manual_incline = pct;
        update(e, now);
        return 0;
}

int workout_engine_shutdown(WorkoutEngine *e, uint64_t now)
{
        bool active = workout_active(e) || e->cooldown || isfinite(e->manual_kmh);

        if (e->shutting_down)
                return e->shutdown_done ? 1 : 0;
        e->shutting_down = true;
        e->shutdown_deadline = now + e->config.shutdown_timeout_usec;
        if (workout_active(e)) {
                if (cur_step(e))
                        emit_lap(e, now, run_clock(e, now), dist_now(e, now), false);
                enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE, "daemon shutdown");
        }
        e->manual_kmh = NAN;
        ftms_control_flush(e->control, now);

        if (!active || !may_command(e) || e->config.shutdown_policy == ENGINE_SHUTDOWN_NONE) {
                e->cooldown = false;
                check_shutdown(e, now);
                if (!e->shutdown_done) {
                        e->shutdown_done = true;
                        event_msg(e, now, ENGINE_EVENT_SHUTDOWN_DONE, "shutdown: nothing to do");
                }
                return 1;
        }
        switch (e->config.shutdown_policy) {
        case ENGINE_SHUTDOWN_COOLDOWN: {
                double cur = isfinite(e->measured_kmh) ? e->measured_kmh : e->commanded_kmh;
                char buf[96];

                e->cooldown = true;
                e->cooldown_target = isfinite(cur) ? fmin(cur, e->config.cooldown_speed_kmh)
                                                   : e->config.cooldown_speed_kmh;
                snprintf(buf, sizeof(buf), "paced is stopping: slowing to %.1f km/h",
                         e->cooldown_target);
                safety_event(e, now, ENGINE_SAFETY_SHUTDOWN, true, buf);
                break;
        }
        case ENGINE_SHUTDOWN_PAUSE:
        case ENGINE_SHUTDOWN_STOP:
                ftms_control_stop_pause(e->control, now,
                                        e->config.shutdown_policy == ENGINE_SHUTDOWN_PAUSE
                                                ? FTMS_STOP_PARAM_PAUSE
                                                : FTMS_STOP_PARAM_STOP);
                safety_event(e, now, ENGINE_SAFETY_SHUTDOWN, true,
                             "paced is stopping: stopping the belt");
                break;
        case ENGINE_SHUTDOWN_NONE:
        case _ENGINE_SHUTDOWN_POLICY_MAX:
        case _ENGINE_SHUTDOWN_POLICY_INVALID:
                break;
        }
        update(e, now);
        return e->shutdown_done ? 1 : 0;
}

bool workout_engine_shutdown_done(const WorkoutEngine *e)
{
        return e->shutdown_done;
}

int workout_engine_recover(WorkoutEngine *e, uint64_t now, const EngineRecovery *r)
{
        const ResolvedStep *s;
        double d;

        if (!e->workout)
                return -ENOENT;
        if (e->state != ENGINE_STATE_IDLE && e->state != ENGINE_STATE_ARMED)
                return -EBUSY;
        if (!r || r->step_index >= e->workout->n_steps || !isfinite(r->step_elapsed_s) ||
            r->step_elapsed_s < 0 || !isfinite(r->step_distance_m) || r->step_distance_m < 0)
                return -EINVAL;

        if (e->config.recovery_policy == ENGINE_RECOVERY_COOLDOWN) {
                e->cooldown = true;
                e->cooldown_target = isfinite(e->measured_kmh)
                                             ? fmin(e->measured_kmh, e->config.cooldown_speed_kmh)
                                             : e->config.cooldown_speed_kmh;
                enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE,
                            "recovered after a crash: cooling down");
                safety_event(e, now, ENGINE_SAFETY_SHUTDOWN, true,
                             "Recovered after a crash: slowing to the cool-down speed");
                if (ftms_control_can_write(e->control))
                        ftms_control_request(e->control, now);
                update(e, now);
                return 0;
        }

        s = &e->workout->steps[r->step_index];
        d = dist_now(e, now);
        e->commanded_kmh = e->commanded_incline = NAN;
        /* The running clock restarts at the time already spent in the step. */
        e->run_base = s_to_usec(r->step_elapsed_s);
        e->elapsed_offset_s = (isfinite(r->elapsed_s) ? r->elapsed_s : 0) - r->step_elapsed_s;
        e->workout_dist_start = d - (isfinite(r->distance_m) ? r->distance_m : 0);
        e->dist_shown_m = isfinite(r->distance_m) ? r->distance_m : 0;
        e->n_laps = r->n_laps;
        /* Resuming is not a change to announce: the belt is already there. */
        e->next_announced = true;
        enter_state(e, now, ENGINE_STATE_RUNNING, ENGINE_PAUSE_NONE,
                    "recovered after a crash: resuming");
        begin_step(e, now, r->step_index, 0, d - r->step_distance_m, true);
        e->lap_start_run = e->run_base;
        e->lap_dist_start = d;
        e->next_announced = false;
        (void)s;
        if (ftms_control_can_write(e->control))
                ftms_control_request(e->control, now);
        if (e->belt == BELT_STOPPED)
                do_pause(e, now, ENGINE_PAUSE_BELT_STOPPED, "waiting for the belt");
        update(e, now);
        return 0;
}

/* ---- inputs ---- */

static void belt_started(WorkoutEngine *e, uint64_t now, const char *why)
{
        e->belt = BELT_RUNNING;
        e->zero_pending = false;
        if (e->state == ENGINE_STATE_ARMED && e->workout)
                begin_workout(e, now);
        else if (e->state == ENGINE_STATE_PAUSED && e->pause_reason != ENGINE_PAUSE_LINK_LOST)
                /* The runner restarted the belt: same step, where it left off. */
                do_resume(e, now, why);
}

static void belt_stopped(WorkoutEngine *e, uint64_t now, EnginePauseReason why, const char *text)
{
        /* The belt ran at its speed until now (since the last record too): workout distance. */
        double ran = dist_now(e, now);

        e->belt = BELT_STOPPED;
        e->belt_seen_zero = why == ENGINE_PAUSE_BELT_STOPPED;
        /* Nothing queued may reach a stopped belt. */
        ftms_control_flush(e->control, now);
        e->ttt_pending = false;
        if (e->state == ENGINE_STATE_RUNNING) {
                do_pause(e, now, why, text);
                e->pause_dist = ran;
                cue(e, now, CUE_KIND_INFO, -1, "%s: workout paused", text);
        } else if (e->state == ENGINE_STATE_PAUSED)
                do_pause(e, now, why, text);
}

static bool field_valid(const FtmsTreadmillData *d, FtmsField f)
{
        return (d->present & FTMS_FIELD_BIT(f)) && !(d->na & FTMS_FIELD_BIT(f));
}

/* A record's speed in true km/h, NAN if it has none. */
static double record_speed(const WorkoutEngine *e, const FtmsTreadmillData *d)
{
        if (!field_valid(d, FTMS_FIELD_SPEED))
                return NAN;
        /* A stopped belt is 0 whatever the calibration offset says. */
        return d->speed_kmh < BELT_MOVING_KMH
                       ? 0
                       : speed_calibration_to_true(&e->config.calibration, d->speed_kmh);
}

/* Metres the belt covered since the previous record, from its speeds (0 across a long silence). */
static double integrate_gap(const WorkoutEngine *e, uint64_t now, double prev_kmh, double cur_kmh)
{
        double kmh;

        if (!e->have_data || !isfinite(prev_kmh) || now <= e->dist_base_usec ||
            now - e->dist_base_usec > INTEGRATE_MAX_GAP_USEC)
                return 0;
        /* The trapezoid is exact for a belt ramping at a constant rate. */
        kmh = isfinite(cur_kmh) ? (prev_kmh + cur_kmh) / 2 : prev_kmh;
        return kmh / 3.6 * usec_to_s(now - e->dist_base_usec);
}

/*
 * The total distance at `now`. The Total Distance field, when a record has it, is what the
 * belt ran; integrated speed only bridges the records without it, and the next field's delta
 * is not added on top of it for the same interval. The field counts whole metres (truncated):
 * the belt is at it or less than a metre past it, and the speeds since the last field say
 * where in that metre, so the field bounds the integrated estimate instead of replacing it
 * (a distance step then ends within centimetres, not anywhere in the last metre). A field
 * that went back (the treadmill's own workout restarted) or jumped further than the belt
 * could run is not travel: that interval is integrated instead and the field anchors anew.
 * The uint24 field wraps at 2^24 m.
 */
static void update_distance(WorkoutEngine *e, uint64_t now, const FtmsTreadmillData *d,
                            double prev_kmh, double cur_kmh)
{
        const SpeedCalibration *cal = &e->config.calibration;
        double gap = integrate_gap(e, now, prev_kmh, cur_kmh), est;

        /* With a speed offset the machine's distance is not proportional to the truth. */
        if (field_valid(d, FTMS_FIELD_DISTANCE) && cal->offset_kmh == 0) {
                double factor = cal->factor > 0 ? cal->factor : 1.0;
                uint32_t raw = d->distance_m & (DISTANCE_FIELD_MOD - 1);

                if (e->have_field) {
                        uint32_t step = (raw - e->last_field_raw) & (DISTANCE_FIELD_MOD - 1);
                        double max_m =
                                DISTANCE_FIELD_SLACK_M +
                                DISTANCE_FIELD_MAX_KMH / 3.6 * usec_to_s(now - e->field_usec);

                        if (step <= max_m) {
                                double pred = e->dist_anchor_m + e->dist_partial_m + gap;

                                e->dist_field_m += step * factor;
                                e->dist_anchor_m =
                                        fmin(fmax(pred, e->dist_field_m), e->dist_field_m + factor);
                        } else
                                e->dist_anchor_m = e->dist_field_m = e->dist_base_m + gap;
                } else
                        /* The first field (after a (re)connect) anchors; it does not count. */
                        e->dist_anchor_m = e->dist_field_m = e->dist_base_m + gap;
                e->have_field = true;
                e->last_field_raw = raw;
                e->field_usec = now;
                e->dist_partial_m = 0;
                est = e->dist_anchor_m;
        } else {
                e->dist_partial_m += gap;
                est = e->dist_anchor_m + e->dist_partial_m;
        }
        /* An estimate the next field undercuts is held, not taken back. */
        e->dist_base_m = fmax(e->dist_base_m, est);
        e->dist_base_usec = now;
}

static void handle_treadmill_data(WorkoutEngine *e, uint64_t now, const FtmsTreadmillData *d)
{
        double prev_kmh = e->measured_kmh;
        double cur_kmh = record_speed(e, d);

        /* Distance first, with the speeds at both ends of the interval. */
        update_distance(e, now, d, prev_kmh, cur_kmh);

        if (isfinite(cur_kmh))
                e->measured_kmh = cur_kmh;
        if (field_valid(d, FTMS_FIELD_INCLINE))
                e->measured_incline = d->incline_pct;

        /* Time at target for the lap log. */
        if (e->state == ENGINE_STATE_RUNNING && e->have_data && isfinite(prev_kmh) &&
            isfinite(e->commanded_kmh) && now > e->last_data_usec &&
            fabs(prev_kmh - e->commanded_kmh) <= e->limits.speed_increment + 0.005)
                e->lap_tat_s += usec_to_s(now - e->last_data_usec);
        e->have_data = true;
        e->last_data_usec = now;

        if (!isfinite(e->measured_kmh))
                return;
        if (e->measured_kmh >= BELT_MOVING_KMH) {
                e->zero_pending = false;
                if (e->belt != BELT_RUNNING) {
                        /* After a console stop the belt decelerates while still
                         * reporting speed: only a belt seen standing still and
                         * then moving again has been restarted. */
                        if (e->state == ENGINE_STATE_PAUSED &&
                            e->pause_reason != ENGINE_PAUSE_LINK_LOST && !e->belt_seen_zero &&
                            e->belt == BELT_STOPPED)
                                return;
                        belt_started(e, now, "the belt is moving again");
                } else if (e->state == ENGINE_STATE_PAUSED &&
                           e->pause_reason == ENGINE_PAUSE_LINK_LOST && e->link_up) {
                        /* Reconnected and the belt is running: carry on. */
                        do_resume(e, now, "treadmill reconnected, belt running");
                }
        } else {
                if (e->state == ENGINE_STATE_PAUSED || e->belt == BELT_STOPPED)
                        e->belt_seen_zero = true;
                if (e->belt == BELT_UNKNOWN) {
                        e->belt = BELT_STOPPED;
                        if (e->state == ENGINE_STATE_PAUSED &&
                            e->pause_reason == ENGINE_PAUSE_LINK_LOST && e->link_up)
                                enter_state(e, now, ENGINE_STATE_PAUSED, ENGINE_PAUSE_BELT_STOPPED,
                                            "treadmill reconnected, belt stopped");
                } else if (e->belt == BELT_RUNNING) {
                        if (!e->zero_pending) {
                                e->zero_pending = true;
                                e->zero_since = now;
                        }
                        if (now >= e->zero_since + e->config.belt_stopped_usec)
                                belt_stopped(e, now, ENGINE_PAUSE_BELT_STOPPED, "The belt stopped");
                }
        }
}

static void handle_status(WorkoutEngine *e, uint64_t now, const FtmsMachineStatus *s)
{
        switch (s->op) {
        case FTMS_STATUS_STOPPED_OR_PAUSED:
                belt_stopped(e, now, ENGINE_PAUSE_CONSOLE,
                             s->stop_pause == FTMS_STOP_PARAM_PAUSE ? "Treadmill paused"
                                                                    : "Treadmill stopped");
                break;
        case FTMS_STATUS_STOPPED_SAFETY_KEY:
                belt_stopped(e, now, ENGINE_PAUSE_SAFETY_KEY, "Safety key pulled");
                safety_event(e, now, ENGINE_SAFETY_BELT_STOPPED, true,
                             "Stopped by the safety key: paced will not restart the belt");
                break;
        case FTMS_STATUS_STARTED_OR_RESUMED:
                e->belt_seen_zero = true;
                belt_started(e, now, "the runner restarted the belt");
                break;
        case FTMS_STATUS_CONTROL_PERMISSION_LOST:
        case FTMS_STATUS_RESET:
                ftms_control_permission_lost(e->control, now);
                if (s->op == FTMS_STATUS_RESET)
                        e->commanded_kmh = e->commanded_incline = NAN;
                if (!workout_active(e) && !isfinite(e->manual_kmh) && !e->cooldown)
                        /* Nothing to control: no need to grab it back. */
                        ftms_control_flush(e->control, now);
                break;
        default:
                /* Target changed echoes and the bike/other ops carry nothing for us. */
                break;
        }
}

static void handle_hr(WorkoutEngine *e, uint64_t now, const HrsMeasurement *m)
{
        const ResolvedStep *s = cur_step(e);
        char buf[128];
        int r;

        if (m->heart_rate_bpm == 0 || m->contact == HRS_CONTACT_NOT_DETECTED)
                return; /* no reading: let the loss timeout decide */
        e->have_hr = true;
        e->hr_bpm = m->heart_rate_bpm;
        e->hr_usec = now;

        r = safety_hr_ceiling_update(&e->ceiling, &e->config.safety, now, e->hr_bpm);
        if (r > 0) {
                snprintf(buf, sizeof(buf),
                         "Heart rate above %.0f: slowing to %.1f km/h until it drops below %.0f",
                         e->config.safety.hr_ceiling_bpm, e->config.safety.recovery_speed_kmh,
                         e->config.safety.hr_ceiling_bpm -
                                 e->config.safety.hr_ceiling_hysteresis_bpm);
                safety_event(e, now, ENGINE_SAFETY_HR_CEILING, true, buf);
        } else if (r < 0) {
                safety_event(e, now, ENGINE_SAFETY_HR_CEILING, false,
                             "Heart rate back down: workout targets again");
                if (s && s->control == STEP_CONTROL_HR && e->state == ENGINE_STATE_RUNNING)
                        hr_step_reset(e, now, s);
        }

        if (e->hr_lost) {
                e->hr_lost = false;
                e->hr_fallback = false;
                safety_event(e, now, ENGINE_SAFETY_HR_LOST, false, "Heart rate signal back");
                if (s && s->control == STEP_CONTROL_HR && e->state == ENGINE_STATE_RUNNING) {
                        hr_step_reset(e, now, s);
                        e->hrc.output_kmh = e->hr_hold_kmh > 0 ? e->hr_hold_kmh : e->hrc.output_kmh;
                        e->hrc.base_kmh = e->hrc.output_kmh;
                }
        }

        /* The controller only runs while nothing above it owns the speed. */
        if (s && s->control == STEP_CONTROL_HR && e->state == ENGINE_STATE_RUNNING &&
            !e->ceiling.active && !isfinite(e->override_abs))
                hr_controller_update(&e->hrc, now, e->hr_bpm, NULL);
}

/* ENGINE_EVENT_LINK: value 1 for a link that came up, 0 for one that went down. */
static void link_event(WorkoutEngine *e, uint64_t now, bool up, const char *reason)
{
        EngineEvent *ev = push_event(e, now, ENGINE_EVENT_LINK);

        if (!ev)
                return;
        ev->value = up;
        if (up)
                snprintf(ev->message, sizeof(ev->message), "treadmill connected");
        else
                snprintf(ev->message, sizeof(ev->message), "treadmill link lost%s%s",
                         reason ? ": " : "", reason ?: "");
}

void workout_engine_handle_event(WorkoutEngine *e, uint64_t now, const TransportEvent *ev)
{
        switch (ev->type) {
        case TRANSPORT_EVENT_LINK:
                if (ev->role != TRANSPORT_ROLE_TREADMILL)
                        break; /* a lost strap shows up as missing HR samples */
                if (ev->link.up == e->link_up)
                        break;
                e->link_up = ev->link.up;
                ftms_control_link(e->control, now, ev->link.up);
                e->belt = BELT_UNKNOWN;
                e->measured_kmh = e->measured_incline = NAN;
                e->have_field = false;
                e->zero_pending = false;
                e->commanded_kmh = e->commanded_incline = NAN;
                e->ttt_pending = false;
                link_event(e, now, ev->link.up, ev->link.reason);
                if (ev->link.up) {
                        if (workout_active(e) || e->cooldown)
                                ftms_control_request(e->control, now);
                        if (e->state == ENGINE_STATE_PAUSED &&
                            e->pause_reason == ENGINE_PAUSE_LINK_LOST)
                                cue(e, now, CUE_KIND_INFO, -1,
                                    "Treadmill reconnected: the workout resumes when the belt "
                                    "runs");
                } else {
                        char buf[160];

                        if (e->state == ENGINE_STATE_RUNNING) {
                                do_pause(e, now, ENGINE_PAUSE_LINK_LOST, ev->link.reason);
                                snprintf(buf, sizeof(buf),
                                         "Treadmill connection lost: workout paused");
                                safety_event(e, now, ENGINE_SAFETY_LINK_LOST, true, buf);
                        } else if (e->state == ENGINE_STATE_PAUSED)
                                enter_state(e, now, ENGINE_STATE_PAUSED, ENGINE_PAUSE_LINK_LOST,
                                            ev->link.reason);
                }
                break;
        case TRANSPORT_EVENT_CAPABILITIES:
                if (ev->role != TRANSPORT_ROLE_TREADMILL)
                        break;
                e->have_caps = true;
                e->caps = ev->caps;
                ftms_control_set_capabilities(e->control, now, &ev->caps);
                recompute_limits(e, now);
                break;
        case TRANSPORT_EVENT_HEART_RATE:
                handle_hr(e, now, &ev->hr);
                break;
        case TRANSPORT_EVENT_TREADMILL_DATA:
                handle_treadmill_data(e, now, &ev->treadmill);
                break;
        case TRANSPORT_EVENT_MACHINE_STATUS:
                handle_status(e, now, &ev->status);
                break;
        case TRANSPORT_EVENT_CP_RESPONSE:
                ftms_control_handle_response(e->control, now, &ev->cp_response);
                break;
        case TRANSPORT_EVENT_CP_WRITE_FAILED:
                ftms_control_handle_write_failed(
                        e->control, now,
                        ev->cp_write_error.error < 0 ? ev->cp_write_error.error : -EIO);
                break;
        case TRANSPORT_EVENT_TRAINING_STATUS:
                /*
                 * Read as the link comes back: a machine that says it is idle
                 * was stopped or paused on its console while the link was down
                 * (the status notifications were lost). Its belt may still be
                 * slowing down and report speed: not a running belt to resume
                 * and command, but one the runner must start again.
                 */
                if (ev->role == TRANSPORT_ROLE_TREADMILL &&
                    ev->training.status == FTMS_TRAINING_IDLE && e->link_up &&
                    e->belt == BELT_UNKNOWN && e->state == ENGINE_STATE_PAUSED &&
                    e->pause_reason == ENGINE_PAUSE_LINK_LOST)
                        belt_stopped(e, now, ENGINE_PAUSE_CONSOLE,
                                     "Treadmill stopped while disconnected");
                break;
        case TRANSPORT_EVENT_FOOTPOD:
                /* The footpod never moves the engine: only an accepted calibration
                 * (engine config) changes what it commands. */
        case TRANSPORT_EVENT_IDENTITY:
        case TRANSPORT_EVENT_BATTERY:
        case TRANSPORT_EVENT_MALFORMED:
        case _TRANSPORT_EVENT_MAX:
        case _TRANSPORT_EVENT_INVALID:
                break;
        }
        update(e, now);
}

void workout_engine_tick(WorkoutEngine *e, uint64_t now)
{
        update(e, now);
}

uint64_t workout_engine_next_deadline(const WorkoutEngine *e)
{
        uint64_t now = e->last_now, d;
        const ResolvedStep *s = cur_step(e);

        d = ftms_control_next_deadline(e->control);
        d = umin(d, step_deadline(e, now));
        d = umin(d, speed_deadline(e, now));
        if (e->ttt_pending)
                d = umin(d, e->ttt_start + e->config.target_timeout_usec);
        if (e->zero_pending && e->belt == BELT_RUNNING)
                d = umin(d, e->zero_since + e->config.belt_stopped_usec);
        if (e->shutting_down && !e->shutdown_done)
                d = umin(d, e->shutdown_deadline);
        if (e->state == ENGINE_STATE_RUNNING && s && s->control == STEP_CONTROL_HR) {
                const SafetyConfig *c = &e->config.safety;

                if (!e->hr_lost)
                        d = umin(d, umax(e->have_hr ? e->hr_usec : 0,
                                         run_to_abs(e, e->step_start_run)) +
                                            c->hr_lost_timeout_usec);
                else if (!e->hr_fallback && c->hr_lost_fallback)
                        d = umin(d, e->hr_lost_since + c->hr_lost_hold_usec);
        }
        /* Everything due at or before the last update was handled then: a
         * deadline in the past would only spin the caller's loop. */
        if (d != USEC_INFINITY && d <= now)
                d = now + USEC_PER_MSEC;
        return d;
}

void workout_engine_get_status(const WorkoutEngine *e, uint64_t now, EngineStatus *ret)
{
        const ResolvedStep *s = cur_step(e);
        double wi;

        *ret = (EngineStatus){
                .state = e->state,
                .pause_reason = e->pause_reason,
                .workout_name = e->workout ? e->workout->name : NULL,
                .step_index = e->step,
                .n_steps = e->workout ? e->workout->n_steps : 0,
                .step_label = "",
                .step_remaining_s = NAN,
                .step_remaining_m = NAN,
                .elapsed_s =
                        e->elapsed_offset_s + (e->step >= 0 ? usec_to_s(run_clock(e, now)) : 0),
                .distance_m = e->step >= 0 ? e->dist_shown_m : 0,
                .target_speed_kmh = e->commanded_kmh,
                .workout_speed_kmh = NAN,
                .override_kmh = isfinite(e->override_abs) ? e->override_abs : e->override_delta,
                .measured_speed_kmh = e->measured_kmh,
                .target_incline_pct = e->commanded_incline,
                .measured_incline_pct = e->measured_incline,
                .heart_rate_bpm = e->hr_bpm,
                .belt_running = e->belt == BELT_RUNNING,
                .link_up = e->link_up,
                .hr_ceiling_active = e->ceiling.active,
                .hr_lost = e->hr_lost,
                .control_state = ftms_control_get_state(e->control),
                .monitor_reason = ftms_control_get_monitor_reason(e->control),
                .speed_control_suspect = e->speed_suspect,
                .n_laps = e->n_laps,
                .ttt_count = e->ttt_count,
                .ttt_last_s = e->ttt_last,
                .ttt_mean_s = e->ttt_count ? e->ttt_sum / e->ttt_count : 0,
                .ttt_max_s = e->ttt_max,
                .limits = e->limits,
        };
        if (s) {
                double len = step_length(s, e->extend);

                ret->step_label = s->label;
                ret->step_kind = s->kind;
                ret->step_end = s->end;
                ret->step_elapsed_s = usec_to_s(run_clock(e, now) - e->step_start_run);
                if (s->end == STEP_END_TIME)
                        ret->step_remaining_s = fmax(len - ret->step_elapsed_s, 0);
                else if (s->end == STEP_END_DISTANCE) {
                        ret->step_remaining_m =
                                fmax(len - (dist_now(e, now) - e->step_dist_start), 0);
                        if (isfinite(e->measured_kmh) && e->measured_kmh > BELT_MOVING_KMH)
                                ret->step_remaining_s =
                                        ret->step_remaining_m / (e->measured_kmh / 3.6);
                }
                if (e->state == ENGINE_STATE_RUNNING)
                        ret->workout_speed_kmh = workout_target(e, now, &wi);
        }
}

EngineState workout_engine_get_state(const WorkoutEngine *e)
{
        return e->state;
}

const ResolvedWorkout *workout_engine_get_workout(const WorkoutEngine *e)
{
        return e->workout;
}
