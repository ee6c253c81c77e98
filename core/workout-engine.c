/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workout engine. See docs/engine.md: the states, the absolute
 * deadlines, and the arbiter (safety > user override > workout) that owns
 * the commanded speed. Pure: time comes in as an argument, outputs go to a
 * queue the caller drains.
 */
#include <math.h>
#include <stdarg.h>

#include "alloc-util.h"
#include "rep-plan.h"
#include "string-table.h"
#include "target-echo.h"
#include "time-util.h"
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
/* A footpod silent this long no longer measures the distance (as the Manager's live values). */
#define FOOTPOD_FRESH_USEC (5 * USEC_PER_SEC)
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
/* Weight of the newest sample in the measured belt acceleration. */
#define ACCEL_ALPHA 0.3
/* A rep waits for the belt at least this long before it starts anyway. */
#define REP_GATE_MIN_USEC (5 * USEC_PER_SEC)
/* Added to a stop's ramp time: control requests, responses, retries. */
#define ENGINE_STOP_SLACK_USEC (10 * USEC_PER_SEC)
/* The most a step can be extended in all (time steps s, distance steps m). */
#define EXTEND_MAX_S 3600.0
#define EXTEND_MAX_M 10000.0
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
        double dist_tm_m;        /* the treadmill's calibrated total distance, never decreasing */
        double dist_base_m;      /* total distance at dist_base_usec, never decreasing */
        uint64_t dist_base_usec;
        /*
         * The footpod ([Footpod] distance = footpod, config.distance_from_footpod):
         * while it reports, the total distance advances by what its speed
         * integrates to rather than by the treadmill's; when it falls silent the
         * treadmill's travel takes over, from where the total is.
         */
        double fp_dist_m;      /* integrated footpod speed, m */
        double fp_dist_used_m; /* fp_dist_m when the total last advanced */
        double fp_kmh;         /* its last speed */
        uint64_t fp_usec;      /* when that came; 0: no footpod reporting */
        bool fp_gap;           /* a silence since the total last advanced: not all measured */
        bool fp_used;          /* the footpod measured the total's last advance */
        double tm_at_fp_m;     /* the treadmill's total at the footpod's last report */
        double dist_shown_m;   /* workout distance as reported and stored, never decreasing */

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
        size_t next_prompt; /* the step's next timed cue (ResolvedStep.cues) */
        double override_delta;
        double override_abs;
        double override_incline;
        uint64_t hold_until;
        double hold_kmh, hold_incline;

        /* the time trial in progress: steps [trial_first, trial_end) */
        bool trial, trial_skipped;
        size_t trial_first, trial_end;
        double trial_lap_m, trial_dist_start;
        uint64_t trial_start_run;
        unsigned trial_laps;
        TrialResult result;

        /* laps */
        unsigned n_laps, n_auto_laps;
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
        unsigned ttt_count;
        double ttt_last, ttt_sum, ttt_max;
        bool speed_suspect;
        /* the belt's acceleration while it lags a higher command (km/h/s) */
        double belt_accel;
        unsigned belt_accel_n;
        /* A speed command's round trip, from the wire to its answer (s):
         * the next step of the rate limit waits for it. */
        double cp_rtt_s;
        unsigned cp_rtt_n;

        /* a rep waiting for the belt to be at its speed (the step before runs on) */
        bool gate;
        uint64_t gate_until;

        /* What the treadmill last accepted (true units): the rate limit
         * counts from here (or from what it reports), never from a value
         * that did not reach the wire. */
        double accepted_kmh, accepted_incline;
        TargetEcho speed_echo; /* our speed commands, to tell late echoes */
        uint64_t accepted_at;  /* when accepted_kmh was last learnt */
        /* The runner stopped or paused the belt (console, safety key, a
         * measured stop, or our Stop accepted): no speed, incline or Start
         * until the runner starts it again. */
        bool runner_stopped, runner_stopped_key;
        bool decelerating;    /* the last reports show the belt slowing on its own */
        bool session_running; /* Training Status at connect: a session runs (not idle) */
        bool stop_inferred;   /* runner_stopped only guessed from a slowing belt (recovery) */
        /* The belt ran when the link last went down: an idle machine at
         * link-up was stopped by the runner meanwhile. */
        bool ran_at_link_loss;
        /* Idle at link-up with no sign the belt ran: at rest (a plain stopped
         * belt we may start) unless the first record shows it still moving. */
        bool idle_at_link;
        double prev_measured_kmh;
        bool start_requested; /* Start sent on request: resume when the belt runs */

        /* shutdown and cool-down */
        bool cooldown;
        double cooldown_target;
        bool stopping; /* the stop policy of stop() or a finished workout */
        uint64_t stop_deadline;
        uint64_t stop_hold_until; /* a finished workout's slow-down is announced first */
        char belt_note[160];
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

static const char *const engine_state_table[_ENGINE_STATE_MAX] = {
        [ENGINE_STATE_IDLE] = "idle",         [ENGINE_STATE_ARMED] = "armed",
        [ENGINE_STATE_RUNNING] = "running",   [ENGINE_STATE_PAUSED] = "paused",
        [ENGINE_STATE_FINISHED] = "finished", [ENGINE_STATE_ABORTED] = "aborted",
};

DEFINE_STRING_TABLE_LOOKUP(engine_state, EngineState);

static const char *const engine_pause_reason_table[_ENGINE_PAUSE_REASON_MAX] = {
        [ENGINE_PAUSE_NONE] = "none",
        [ENGINE_PAUSE_USER] = "user",
        [ENGINE_PAUSE_CONSOLE] = "console",
        [ENGINE_PAUSE_SAFETY_KEY] = "safety-key",
        [ENGINE_PAUSE_BELT_STOPPED] = "belt-stopped",
        [ENGINE_PAUSE_LINK_LOST] = "link-lost",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(engine_pause_reason, EnginePauseReason);

static const char *const engine_event_type_table[_ENGINE_EVENT_TYPE_MAX] = {
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
        [ENGINE_EVENT_RESULT] = "result",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(engine_event_type, EngineEventType);

static const char *const engine_safety_rule_table[_ENGINE_SAFETY_RULE_MAX] = {
        [ENGINE_SAFETY_CAP] = "cap",
        [ENGINE_SAFETY_RATE_LIMIT] = "rate-limit",
        [ENGINE_SAFETY_HR_CEILING] = "hr-ceiling",
        [ENGINE_SAFETY_HR_LOST] = "hr-lost",
        [ENGINE_SAFETY_LINK_LOST] = "link-lost",
        [ENGINE_SAFETY_BELT_STOPPED] = "belt-stopped",
        [ENGINE_SAFETY_SHUTDOWN] = "shutdown",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(engine_safety_rule, EngineSafetyRule);

static const char *const engine_output_type_table[_ENGINE_OUTPUT_TYPE_MAX] = {
        [ENGINE_OUTPUT_CP_WRITE] = "cp-write",
        [ENGINE_OUTPUT_CUE] = "cue",
        [ENGINE_OUTPUT_EVENT] = "event",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(engine_output_type, EngineOutputType);

static const char *const engine_shutdown_policy_table[_ENGINE_SHUTDOWN_POLICY_MAX] = {
        [ENGINE_SHUTDOWN_COOLDOWN] = "cooldown",
        [ENGINE_SHUTDOWN_PAUSE] = "pause",
        [ENGINE_SHUTDOWN_STOP] = "stop",
        [ENGINE_SHUTDOWN_NONE] = "none",
};

DEFINE_STRING_TABLE_LOOKUP(engine_shutdown_policy, EngineShutdownPolicy);

static const char *const engine_recovery_policy_table[_ENGINE_RECOVERY_POLICY_MAX] = {
        [ENGINE_RECOVERY_RESUME] = "resume",
        [ENGINE_RECOVERY_COOLDOWN] = "cooldown",
};

DEFINE_STRING_TABLE_LOOKUP(engine_recovery_policy, EngineRecoveryPolicy);

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
                .plan_reps = true,
                .rep_lead_share = 0.5,
                .ramp_interval_usec = 1 * USEC_PER_SEC,
                .target_timeout_usec = 20 * USEC_PER_SEC,
                .belt_stopped_usec = 3 * USEC_PER_SEC,
                .shutdown_policy = ENGINE_SHUTDOWN_COOLDOWN,
                .cooldown_speed_kmh = 5.0,
                .recovery_policy = ENGINE_RECOVERY_RESUME,
        };
        safety_config_init(&c->safety);
        ftms_control_config_init(&c->control);
        hr_controller_config_init(&c->hr);
        c->shutdown_timeout_usec = engine_stop_budget_usec(c, NAN);
}

void engine_config_to_monitor(const EngineConfig *c, SafetyMonitorConfig *ret)
{
        safety_monitor_config_init(ret);
        ret->safety = c->safety;
        ret->calibration = c->calibration;
        ret->quirk_speed_mph = c->quirk_speed_mph;
        ret->monitor_only = c->control.monitor_only;
        ret->cooldown_speed_kmh = c->cooldown_speed_kmh;
        ret->belt_stopped_usec = c->belt_stopped_usec;
}

SafetyStopPolicy engine_shutdown_policy_to_monitor(EngineShutdownPolicy p)
{
        switch (p) {
        case ENGINE_SHUTDOWN_COOLDOWN:
                return SAFETY_STOP_COOLDOWN;
        case ENGINE_SHUTDOWN_PAUSE:
                return SAFETY_STOP_PAUSE;
        case ENGINE_SHUTDOWN_STOP:
                return SAFETY_STOP_STOP;
        case ENGINE_SHUTDOWN_NONE:
        case _ENGINE_SHUTDOWN_POLICY_MAX:
        case _ENGINE_SHUTDOWN_POLICY_INVALID:
                break;
        }
        return SAFETY_STOP_NONE;
}

/* ---- output queue ---- */

static EngineOutput *push_output(WorkoutEngine *e, EngineOutputType type)
{
        if (e->out_head > 0 && e->out_head == e->n_out)
                e->out_head = e->n_out = 0;
        if (e->n_out >= e->out_alloc) {
                if (e->out_head > 0) {
                        memmove(e->out, e->out + e->out_head,
                                sizeof(EngineOutput) * (e->n_out - e->out_head));
                        e->n_out -= e->out_head;
                        e->out_head = 0;
                }
                if (!GREEDY_REALLOC(e->out, e->out_alloc, e->n_out + 1))
                        return NULL; /* an output is lost, the engine goes on */
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

/* The footpod measures the distance now: configured so, and it reports. */
static bool footpod_measures(const WorkoutEngine *e, uint64_t now)
{
        return e->config.distance_from_footpod && e->fp_usec > 0 && now >= e->fp_usec &&
               now - e->fp_usec <= FOOTPOD_FRESH_USEC;
}

/* The speed the distance advances at, true km/h: the footpod's while it measures it. */
static double distance_kmh(const WorkoutEngine *e, uint64_t now)
{
        return footpod_measures(e, now) ? e->fp_kmh : e->measured_kmh;
}

/* Calibrated distance now: the last report, extrapolated for a short while. */
static double dist_now(const WorkoutEngine *e, uint64_t now)
{
        double d = e->dist_base_m, kmh = distance_kmh(e, now);

        if (e->belt == BELT_RUNNING && isfinite(kmh) && now > e->dist_base_usec)
                d += kmh / 3.6 * usec_to_s(umin(now - e->dist_base_usec, EXTRAPOLATE_USEC));
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

/* A speed in a cue or note, in the runner's units: "5.0 km/h", "3.1 mph". */
#define SPEED_TEXT(e, kmh)                                                                         \
        format_speed((char[32]){0}, 32, (kmh), (e)->config.per_mile, TIME_FORMAT_UNIT)

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

static void rep_machine(const WorkoutEngine *e, RepPlanMachine *ret)
{
        rep_plan_machine_init(ret);
        ret->max_accel_kmhps = e->config.safety.max_accel_kmhps;
        ret->belt_accel_kmhps = e->belt_accel_n > 0 ? e->belt_accel : 0;
        ret->lead_share = e->config.rep_lead_share;
        ret->increment_kmh = e->limits.speed_increment;
        /* Each step of the rate limit counts from the last accepted speed,
         * so a round trip longer than the ramp interval spaces the steps by
         * the round trip: the run-up climbs slower, and starts that much
         * earlier. This is the link, not the belt (belt_accel excludes it). */
        if (e->cp_rtt_n > 0) {
                double period = usec_to_s(e->config.ramp_interval_usec);

                if (e->cp_rtt_s > period && period > 0)
                        ret->max_accel_kmhps *= period / e->cp_rtt_s;
                ret->latency_s = fmax(ret->latency_s, e->cp_rtt_s);
        }
}

/* The next step's run-up, planned from the rate limit and the belt's measured
 * acceleration (core/rep-plan.h); speedup false when it needs none. */
static void next_rep_plan(const WorkoutEngine *e, RepPlan *ret)
{
        RepPlanMachine m;

        *ret = (RepPlan){};
        if (!e->config.plan_reps || !e->workout || e->step < 0 ||
            (size_t)e->step + 1 >= e->workout->n_steps)
                return;
        rep_machine(e, &m);
        rep_plan_step(&m, e->workout, (size_t)e->step + 1, NAN, ret);
}

/* How early, in the current step, the next rep's run-up starts: seconds,
 * and for a distance step the metres the belt covers meanwhile. */
static double rep_lead_s(const WorkoutEngine *e, double *ret_m)
{
        RepPlanMachine m;
        RepPlan p;

        next_rep_plan(e, &p);
        if (ret_m) {
                rep_machine(e, &m);
                *ret_m = p.speedup ? rep_plan_run_up_m(&m, p.from_kmh, p.to_kmh, p.lead_s) : 0;
        }
        return p.speedup ? p.lead_s : 0;
}

static void emit_lap(WorkoutEngine *e, uint64_t now, uint64_t end_run, double end_dist,
                     bool automatic)
{
        const ResolvedStep *s = cur_step(e);
        EngineEvent *ev;
        double dur = usec_to_s(end_run > e->lap_start_run ? end_run - e->lap_start_run : 0);
        double dist = fmax(end_dist - e->lap_dist_start, 0);
        unsigned trial_lap = 0;
        uint64_t end_usec =
                e->state == ENGINE_STATE_RUNNING ? umin(run_to_abs(e, end_run), now) : now;
        char t[24];

        e->n_laps++;
        if (e->trial) {
                /* A time trial's laps are numbered from 1 and make its result. */
                trial_lap = ++e->trial_laps;
                if (e->result.n_laps < TRIAL_LAPS_MAX) {
                        e->result.lap_s[e->result.n_laps] = dur;
                        e->result.lap_m[e->result.n_laps] = dist;
                        e->result.n_laps++;
                }
        } else if (automatic)
                e->n_auto_laps++;
        format_duration(t, sizeof(t), dur, TIME_FORMAT_TENTHS);
        ev = push_event(e, now, ENGINE_EVENT_LAP);
        if (ev) {
                ev->lap = (EngineLap){
                        .number = e->n_laps,
                        .step_index = e->step,
                        .automatic = automatic,
                        .trial_lap = trial_lap,
                        .start_usec = e->lap_start_usec,
                        .end_usec = end_usec,
                        .duration_s = dur,
                        .distance_m = dist,
                        .avg_speed_kmh = dur > 0 ? dist / dur * 3.6 : 0,
                        .time_at_target_s = fmin(e->lap_tat_s, dur),
                };
                ev->value = dur;
                snprintf(ev->message, sizeof(ev->message), "lap %u: %s, %.0f m", e->n_laps, t,
                         dist);
        }
        /* What the runner hears: the trial's laps, auto-laps, and the time of
         * each rep; a warm-up or a recovery ending is no lap to them. */
        if (trial_lap)
                cue(e, now, CUE_KIND_LAP, -1, "Lap %u: %s", trial_lap, t);
        else if (automatic)
                cue(e, now, CUE_KIND_LAP, -1, "Lap %u: %s", e->n_auto_laps, t);
        else if (s && rep_plan_is_rep(s) && dur >= 1.0) {
                if (s->repeat_count > 1)
                        cue(e, now, CUE_KIND_LAP, -1, "Rep %u of %u: %s", s->repeat_index,
                            s->repeat_count, t);
                else
                        cue(e, now, CUE_KIND_LAP, -1, "Rep done: %s", t);
        }
        e->lap_start_run = end_run;
        e->lap_start_usec = end_usec;
        e->lap_dist_start = end_dist;
        e->lap_tat_s = 0;
}

/* A time trial begins at step idx (or goes on, if idx is its next step). */
static void trial_begin(WorkoutEngine *e, size_t idx, uint64_t start_run, double start_dist)
{
        size_t first, end;
        double dist, goal;

        if (e->trial && idx > e->trial_first && idx < e->trial_end)
                return;
        e->trial = false;
        if (trial_block(e->workout, idx, &first, &end, &dist, &goal) < 0)
                return;
        e->trial = true;
        e->trial_first = first;
        e->trial_end = end;
        e->trial_lap_m = trial_lap_length(dist, e->config.auto_lap_m);
        e->trial_start_run = start_run;
        e->trial_dist_start = start_dist;
        e->trial_laps = 0;
        /* Entered in the middle (a skip, a crash): no result to claim. */
        e->trial_skipped = idx != first;
        e->result = (TrialResult){.distance_m = dist, .goal_s = goal, .complete = true};
}

/* The time trial is over (its last step ended, or it was cut short): its result. */
static void trial_finish(WorkoutEngine *e, uint64_t now, uint64_t end_run, double end_dist)
{
        EngineEvent *ev;
        double done = fmax(end_dist - e->trial_dist_start, 0);

        if (!e->trial)
                return;
        e->trial = false;
        e->result.time_s =
                usec_to_s(end_run > e->trial_start_run ? end_run - e->trial_start_run : 0);
        e->result.complete = !e->trial_skipped && isfinite(e->result.distance_m) &&
                             done >= e->result.distance_m - 1.0;
        if (!e->result.complete)
                e->result.distance_m = done;
        ev = push_event(e, now, ENGINE_EVENT_RESULT);
        if (ev) {
                ev->result = e->result;
                ev->value = e->result.time_s;
                trial_result_format(&e->result, ev->message, sizeof(ev->message));
        }
}

/* The workout is cut short: its last lap, and a time trial in progress ends
 * without a result to claim. */
static void close_laps(WorkoutEngine *e, uint64_t now)
{
        uint64_t end_run = run_clock(e, now);
        double end_dist = e->state == ENGINE_STATE_PAUSED ? e->pause_dist : dist_now(e, now);

        emit_lap(e, now, end_run, end_dist, false);
        if (e->trial) {
                e->trial_skipped = true;
                trial_finish(e, now, end_run, end_dist);
        }
}

/* The next lap mark of the trial, as treadmill distance. */
static double trial_mark(const WorkoutEngine *e)
{
        return e->trial_dist_start + (e->trial_laps + 1) * e->trial_lap_m;
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
        e->next_prompt = 0;
        e->override_delta = 0;
        e->override_abs = NAN;
        e->override_incline = NAN;
        /* A time trial's lap runs across its steps (the 100 m segments of the
         * last lap); elsewhere every step is a lap. */
        trial_begin(e, idx, start_run, start_dist);
        if (!e->trial || idx == e->trial_first || e->trial_skipped) {
                e->lap_start_run = start_run;
                e->lap_start_usec = e->state == ENGINE_STATE_RUNNING
                                            ? umin(run_to_abs(e, start_run), now)
                                            : now;
                e->lap_dist_start = start_dist;
                e->lap_tat_s = 0;
        }
        e->hold_until = 0;
        e->last_clamp_want = NAN;
        e->gate = false;

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

static void apply_stop_policy(WorkoutEngine *e, uint64_t now, const char *what);

static void finish_step(WorkoutEngine *e, uint64_t now, uint64_t end_run, double end_dist,
                        bool user)
{
        size_t next = (size_t)e->step + 1;

        if (e->trial) {
                bool last = next >= e->trial_end;

                if (user)
                        e->trial_skipped = true;
                /* A lap ends on this step's end if the workout puts one here;
                 * a segment inside a lap is no lap. */
                if (last || end_dist >= trial_mark(e) - 1.0)
                        emit_lap(e, now, end_run, end_dist, false);
                if (last)
                        trial_finish(e, now, end_run, end_dist);
        } else
                emit_lap(e, now, end_run, end_dist, false);
        if (next >= e->workout->n_steps) {
                /* The running clock stops at the last boundary, not at the tick. */
                e->run_base = end_run;
                e->running_since = now;
                enter_state(e, now, ENGINE_STATE_FINISHED, ENGINE_PAUSE_NONE, NULL);
                apply_stop_policy(e, now, "Workout complete");
                return;
        }
        begin_step(e, now, next, end_run, end_dist, user);
}

/* ---- the arbiter ---- */

/* Auto-laps outside time trials (whose laps are their own). */
static bool auto_lap_step(const WorkoutEngine *e, const ResolvedStep *s)
{
        return e->config.auto_lap_m > 0 && e->config.auto_lap_all_steps && !e->trial;
}

/* Seconds until the current step ends at the current speed (distance steps),
 * or on the running clock (time steps); NAN if unknown (open steps). */
static double step_left_s(const WorkoutEngine *e, uint64_t now, const ResolvedStep *s)
{
        double len = step_length(s, e->extend), v;

        if (s->end == STEP_END_TIME)
                return usec_to_s(e->step_start_run + s_to_usec(len)) - usec_to_s(run_clock(e, now));
        if (s->end != STEP_END_DISTANCE)
                return NAN;
        v = isfinite(e->measured_kmh) && e->measured_kmh > BELT_MOVING_KMH ? e->measured_kmh
                                                                           : e->commanded_kmh;
        if (!isfinite(v) || v <= BELT_MOVING_KMH)
                return NAN;
        return fmax(len - (dist_now(e, now) - e->step_dist_start), 0) / (v / 3.6);
}

/*
 * Seconds until the next rep's run-up begins in the current step (<= 0: it
 * has), NAN if unknown. A distance step starts it where the metres left are
 * what the belt covers during the run-up: once it speeds up, the rest of the
 * step goes faster than at its own speed.
 */
static double run_up_left_s(const WorkoutEngine *e, uint64_t now, const ResolvedStep *s)
{
        double lead_m, lead = rep_lead_s(e, &lead_m), left, v;

        if (s->end == STEP_END_TIME)
                return step_left_s(e, now, s) - lead;
        left = step_left_s(e, now, s);
        if (!isfinite(left) || s->end != STEP_END_DISTANCE)
                return NAN;
        v = isfinite(e->measured_kmh) && e->measured_kmh > BELT_MOVING_KMH ? e->measured_kmh
                                                                           : e->commanded_kmh;
        return left - lead_m / (v / 3.6);
}

static bool run_up_started(const WorkoutEngine *e, uint64_t now)
{
        const ResolvedStep *s = cur_step(e);
        double left;

        if (e->gate)
                return true;
        if (!s || !next_step(e) || !(rep_lead_s(e, NULL) > 0))
                return false;
        left = run_up_left_s(e, now, s);
        return isfinite(left) && left <= 0.0005;
}

static double speed_reference(const WorkoutEngine *e);

/* What the workout asks for now, including held (unannounced) changes and
 * the early run-up of the next rep. */
static double workout_target(const WorkoutEngine *e, uint64_t now, double *ret_incline)
{
        const ResolvedStep *s = cur_step(e), *n = next_step(e);

        *ret_incline = NAN;
        if (!s)
                return NAN;
        if (now < e->hold_until) {
                *ret_incline = e->hold_incline;
                return e->hold_kmh;
        }
        if (n && run_up_started(e, now)) {
                *ret_incline = n->has_incline ? n->incline_start_pct : NAN;
                return n->speed_start_kmh;
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
                double ref = speed_reference(e);

                /* Slowing only: a belt the runner took lower stays lower. */
                want = now < e->stop_hold_until ? NAN : e->cooldown_target;
                if (isfinite(want) && isfinite(ref))
                        want = fmin(want, fmax(ref, e->limits.speed_min));
        } else if (e->state == ENGINE_STATE_RUNNING) {
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

        /* In every mode (workout, manual, cool-down, none at all): a runner
         * above the ceiling is slowed whenever paced can reach the belt. */
        if (e->ceiling.active && e->state != ENGINE_STATE_PAUSED) {
                double cap = e->config.safety.recovery_speed_kmh;

                /* No target (a free step, nothing commanded): slow what runs. */
                if (!isfinite(want))
                        want = isfinite(e->measured_kmh) ? e->measured_kmh : cap;
                want = fmin(want, cap);
        } else if (e->ceiling.above && isfinite(want) && isfinite(speed_reference(e)))
                /* Above the ceiling, before its window ends (or after a
                 * restart that forgot it): never faster. */
                want = fmin(want, fmax(speed_reference(e), e->limits.speed_min));
        *ret_incline = incline;
        /* A slower step under a large 'slower' override: the slowest the
         * machine runs, never an invalid (negative) target. */
        return isfinite(want) ? fmax(want, 0) : want;
}

static double belt_to_true(const WorkoutEngine *e, double value)
{
        double v = e->config.quirk_speed_mph ? value * KMH_PER_MPH : value;

        return speed_calibration_to_true(&e->config.calibration, v);
}

/*
 * True km/h -> the value written (belt units, mph for the quirk, 0.01 as
 * encoded). Every rounding goes toward the safe side: a value that would
 * read back above the cap (calibration, increment, encoding) is stepped
 * down, never up.
 */
static double to_belt_units(const WorkoutEngine *e, double true_kmh)
{
        const FtmsRange *r = e->have_caps && e->caps.has_speed_range ? &e->caps.speed_range : NULL;
        double v = speed_calibration_to_belt(&e->config.calibration, true_kmh), inc = 0;

        if (r) {
                inc = r->increment;
                if (inc > 0)
                        v = round(v / inc) * inc;
                v = fmin(fmax(v, r->min), r->max);
        }
        for (int i = 0; i < 4 && speed_calibration_to_true(&e->config.calibration, v) >
                                         e->limits.speed_max + 1e-9;
             i++)
                v -= inc > 0 ? inc : 0.01;
        if (e->config.quirk_speed_mph)
                v /= KMH_PER_MPH;
        v = round(fmax(v, 0) * 100.0) / 100.0;
        while (v > 0 && belt_to_true(e, v) > e->limits.speed_max + 1e-9)
                v = round(v * 100.0 - 1) / 100.0;
        return v;
}

/* The 0.1 % the control point encodes, rounded toward the inside of the envelope. */
static double incline_to_wire(const WorkoutEngine *e, double pct)
{
        double v = round(pct * 10.0) / 10.0;

        if (v > e->limits.incline_max + 1e-9)
                v = floor(e->limits.incline_max * 10.0 + 1e-9) / 10.0;
        if (v < e->limits.incline_min - 1e-9)
                v = ceil(e->limits.incline_min * 10.0 - 1e-9) / 10.0;
        return v;
}

static bool may_command(const WorkoutEngine *e)
{
        /* A stopped belt is never sent a speed: some machines start on it;
         * nor one the runner stopped, while it coasts down. */
        return ftms_control_can_write(e->control) && e->belt == BELT_RUNNING &&
               !e->runner_stopped && !ftms_control_pending(e->control, FTMS_CP_STOP_OR_PAUSE);
}

/* Stopped or on its way to 0: the runner or our Stop (sent, or accepted). */
static bool belt_stopping(const WorkoutEngine *e)
{
        return e->runner_stopped || ftms_control_pending(e->control, FTMS_CP_STOP_OR_PAUSE);
}

/* Where the next step of the rate limit starts: what the treadmill accepted,
 * else what it reports. NAN: nothing known, command nothing. */
static double speed_reference(const WorkoutEngine *e)
{
        if (isfinite(e->accepted_kmh))
                return e->accepted_kmh;
        return e->measured_kmh;
}

static double incline_reference(const WorkoutEngine *e)
{
        if (isfinite(e->accepted_incline))
                return e->accepted_incline;
        /* A machine that reports no incline is level until it accepts one. */
        return isfinite(e->measured_incline) ? e->measured_incline : 0;
}

/*
 * The belt must be sent `applied`. Against our own last command, as a rule
 * (a console change during a workout is the runner's); against what the
 * machine reports it runs when safety owns the speed (HR ceiling, a stop's
 * or shutdown's cool-down): the console does not override those.
 */
static bool speed_differs(const WorkoutEngine *e, double applied)
{
        double cur = e->commanded_kmh;

        if ((e->ceiling.active || e->cooldown) && isfinite(e->accepted_kmh) &&
            !ftms_control_pending(e->control, FTMS_CP_SET_TARGET_SPEED))
                cur = e->accepted_kmh;
        return !isfinite(cur) || fabs(applied - cur) >= e->limits.speed_increment / 2;
}

/* The treadmill runs at or below `target`: by what it accepted, else reports. */
static bool belt_at_or_below(const WorkoutEngine *e, double target)
{
        double v = speed_reference(e);

        return isfinite(target) && isfinite(v) && v <= target + e->limits.speed_increment / 2;
}

/* The reference as the envelope sees it: a belt that just started reads less
 * than the machine's minimum (where it runs), one the console took past the
 * cap is brought to the cap at once (the range wins over the rate). */
static double speed_reference_in_range(const WorkoutEngine *e)
{
        return fmin(fmax(speed_reference(e), e->limits.speed_min), e->limits.speed_max);
}

/* A speed still queued (waiting for control) is no longer one step from the
 * reference (the console moved the belt meanwhile): replace it before it
 * goes out. */
static bool queued_stale(const WorkoutEngine *e)
{
        double ref = speed_reference_in_range(e);

        return ftms_control_pending(e->control, FTMS_CP_SET_TARGET_SPEED) &&
               !ftms_control_in_flight(e->control, FTMS_CP_SET_TARGET_SPEED) && isfinite(ref) &&
               isfinite(e->commanded_kmh) &&
               fabs(e->commanded_kmh - ref) >
                       e->config.safety.max_accel_kmhps + e->limits.speed_increment / 2;
}

/*
 * A new speed may be queued: a reference to step from, nothing written and
 * unanswered. One still queued (waiting for control) is replaced by the
 * step from the current reference: it never accumulates, and a console
 * change meanwhile is not overridden by a stale value.
 */
static bool speed_step_ready(const WorkoutEngine *e)
{
        return isfinite(speed_reference(e)) &&
               !ftms_control_in_flight(e->control, FTMS_CP_SET_TARGET_SPEED);
}

static void update_speed(WorkoutEngine *e, uint64_t now)
{
        double want, want_incline, applied, from, next;
        SafetyClamp clamp;
        int r;

        /* A speed that waited for control while the console moved the belt
         * is not sent: the next step is computed afresh, if any is wanted. */
        if (queued_stale(e)) {
                ftms_control_cancel(e->control, now, FTMS_CP_SET_TARGET_SPEED);
                e->commanded_kmh = NAN;
        }
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

                if (may_command(e) && speed_step_ready(e) && now >= e->speed_retry_at &&
                    speed_differs(e, applied) &&
                    (!e->speed_cmd_sent ||
                     now >= e->last_speed_cmd + e->config.ramp_interval_usec)) {
                        from = speed_reference_in_range(e);
                        /* Updates are >= ramp_interval (1 s) apart, so a step of
                         * max_accel x 1 s keeps the rate below max_accel. */
                        next = safety_rate_limit(from, applied, e->config.safety.max_accel_kmhps,
                                                 1.0);
                        /* Also one step from our last command: the machine
                         * may hold it although its answer was late or lost
                         * (seen in e2e at 30x, where one Control Point round
                         * trip is seconds), and the reference is then older. */
                        {
                                double last, step = e->config.safety.max_accel_kmhps;
                                uint64_t at;

                                if (isfinite(e->accepted_kmh) &&
                                    target_echo_newest(&e->speed_echo, now, &last, &at) &&
                                    at >= e->accepted_at) {
                                        last = belt_to_true(e, last);
                                        next = fmin(fmax(next, last - step), last + step);
                                }
                        }
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
            may_command(e) && !ftms_control_pending(e->control, FTMS_CP_SET_TARGET_INCLINATION) &&
            (!isfinite(e->commanded_incline) ||
             fabs(applied - e->commanded_incline) >= e->limits.incline_increment / 2) &&
            (!e->incline_cmd_sent || now >= e->last_incline_cmd + e->config.ramp_interval_usec)) {
                from = incline_reference(e);
                next = safety_rate_limit(from, applied, e->config.safety.max_incline_rate_pps, 1.0);
                if (safety_clamp_incline(&e->limits, next, &next, NULL) == 0 &&
                    ftms_control_set_incline(e->control, now, incline_to_wire(e, next)) >= 0) {
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
        if (isfinite(want) && speed_step_ready(e) &&
            safety_clamp_speed(&e->limits, want, &applied, NULL) == 0 && speed_differs(e, applied))
                d = umax(e->speed_retry_at,
                         e->speed_cmd_sent ? e->last_speed_cmd + e->config.ramp_interval_usec
                                           : now);
        if (isfinite(want_incline) && e->limits.has_incline &&
            ftms_control_incline_supported(e->control) &&
            !ftms_control_pending(e->control, FTMS_CP_SET_TARGET_INCLINATION) &&
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
        e->gate = false;
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
        e->trial_dist_start += moved;
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
        e->n_auto_laps = 0;
        e->trial = false;
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
                snprintf(buf, sizeof(buf), "Heart rate signal lost: holding %s",
                         SPEED_TEXT(e, e->hr_hold_kmh));
                safety_event(e, now, ENGINE_SAFETY_HR_LOST, true, buf);
        }
        if (e->hr_lost && !e->hr_fallback && c->hr_lost_fallback &&
            now >= e->hr_lost_since + c->hr_lost_hold_usec) {
                e->hr_fallback = true;
                if (s->hr_fallback_kmh > 0) {
                        snprintf(buf, sizeof(buf),
                                 "No heart rate: falling back to %s for this step",
                                 SPEED_TEXT(e, s->hr_fallback_kmh));
                        safety_event(e, now, ENGINE_SAFETY_HR_LOST, true, buf);
                }
        }
}

/*
 * The step's cue rules, stated once for announce() (is it due?) and
 * step_deadline() (when will it be?).
 */

/* A time step's target changes at its end, earlier by the next rep's run-up
 * (run_up_s, from rep_lead_s()). */
static uint64_t time_step_change(const WorkoutEngine *e, double len, double run_up_s,
                                 uint64_t *ret_end)
{
        uint64_t end = run_to_abs(e, e->step_start_run + s_to_usec(len));

        if (ret_end)
                *ret_end = end;
        return end - umin(end, s_to_usec(run_up_s));
}

/* The next step is announced once, cue_lead before the change. */
static bool upcoming_pending(const WorkoutEngine *e, const ResolvedStep *n)
{
        return n && !e->next_announced;
}

/* Seconds left to the change at which the cue is due (slack: a timer armed
 * for that moment may fire a rounding error early). */
static bool upcoming_due(const WorkoutEngine *e, double remaining_s)
{
        return remaining_s <= usec_to_s(e->config.cue_lead_usec) + 0.0005;
}

static uint64_t time_step_upcoming_at(const WorkoutEngine *e, uint64_t change)
{
        return change - umin(change, e->config.cue_lead_usec);
}

/* Where in a distance step the cue is due, at mps (change_m: where the
 * change begins, the run-up's metres before its end). */
static double distance_step_upcoming_m(const WorkoutEngine *e, double change_m, double mps)
{
        return change_m - usec_to_s(e->config.cue_lead_usec) * mps;
}

/* Halfway is cued once, in steps that last at least halfway_min (step_s: their duration). */
static bool halfway_pending(const WorkoutEngine *e, double step_s)
{
        return !e->halfway_cued && s_to_usec(step_s) >= e->config.halfway_min_usec;
}

/* ... in a time step at half its time (on the run clock), in a distance step at half its length. */
static uint64_t time_step_halfway_run(const WorkoutEngine *e, double len)
{
        return e->step_start_run + s_to_usec(len / 2);
}

static void announce(WorkoutEngine *e, uint64_t now)
{
        const ResolvedStep *s = cur_step(e), *n = next_step(e);
        double to_change, run_up, len, done, v;
        char buf[64], t[24];

        if (e->state != ENGINE_STATE_RUNNING || !s)
                return;
        len = step_length(s, e->extend);
        run_up = rep_lead_s(e, NULL);
        /* The change the runner feels is when the run-up begins. */
        to_change = run_up_left_s(e, now, s);
        if (isfinite(to_change))
                to_change = fmax(to_change, 0);

        if (s->end == STEP_END_TIME) {
                if (halfway_pending(e, len) && run_clock(e, now) >= time_step_halfway_run(e, len)) {
                        e->halfway_cued = true;
                        format_duration(t, sizeof(t), len / 2, 0);
                        cue(e, now, CUE_KIND_HALFWAY, -1, "Halfway: %s to go", t);
                }
        } else if (s->end == STEP_END_DISTANCE) {
                done = dist_now(e, now) - e->step_dist_start;
                v = isfinite(e->measured_kmh) && e->measured_kmh > BELT_MOVING_KMH
                            ? e->measured_kmh
                            : e->commanded_kmh;
                if (isfinite(v) && v > 0 && halfway_pending(e, len / (v / 3.6)) &&
                    done >= len / 2) {
                        e->halfway_cued = true;
                        cue(e, now, CUE_KIND_HALFWAY, -1, "Halfway: %.0f m to go", len / 2);
                }
        }

        /* The workout's own prompts, each once, when the step reaches it. */
        while (e->next_prompt < s->n_cues) {
                const StepCue *c = &s->cues[e->next_prompt];

                if (c->at_distance ? dist_now(e, now) - e->step_dist_start < c->at
                                   : run_clock(e, now) < e->step_start_run + s_to_usec(c->at))
                        break;
                e->next_prompt++;
                cue(e, now, CUE_KIND_PROMPT, -1, "%s", c->text);
        }

        if (upcoming_pending(e, n) && isfinite(to_change) && upcoming_due(e, to_change)) {
                int secs = (int)lround(to_change);

                e->next_announced = true;
                if (run_up >= 2.5)
                        cue(e, now, CUE_KIND_UPCOMING, secs,
                            "Next: %s; the belt speeds up %.0f s ahead, starting in %d s",
                            step_text(n, buf, sizeof(buf)), run_up, secs);
                else
                        cue(e, now, CUE_KIND_UPCOMING, secs, "Next: %s in %d s",
                            step_text(n, buf, sizeof(buf)), secs);
        }
}

/* Absolute time of the next announcement/boundary of the current step. */
static uint64_t step_deadline(const WorkoutEngine *e, uint64_t now)
{
        const ResolvedStep *s = cur_step(e), *n = next_step(e);
        uint64_t d = USEC_INFINITY;
        double len, done, run_up, run_up_m;

        if (e->state != ENGINE_STATE_RUNNING || !s)
                return USEC_INFINITY;
        len = step_length(s, e->extend);
        run_up = rep_lead_s(e, &run_up_m);
        if (now < e->hold_until)
                d = e->hold_until;
        /* A prompt at a time; one at a distance comes with the belt's data. */
        if (e->next_prompt < s->n_cues && !s->cues[e->next_prompt].at_distance)
                d = umin(d, umax(run_to_abs(e, e->step_start_run +
                                                       s_to_usec(s->cues[e->next_prompt].at)),
                                 now + 1));
        if (e->gate)
                d = umin(d, e->gate_until);

        if (s->end == STEP_END_TIME) {
                uint64_t end, change = time_step_change(e, len, run_up, &end);

                d = umin(d, end);
                if (change > now)
                        d = umin(d, change);
                if (upcoming_pending(e, n))
                        d = umin(d, time_step_upcoming_at(e, change));
                if (halfway_pending(e, len))
                        d = umin(d, run_to_abs(e, time_step_halfway_run(e, len)));
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
                double mps = distance_kmh(e, now) / 3.6;
                double targets[5];
                size_t nt = 0;

                done = dist_now(e, now) - e->step_dist_start;
                targets[nt++] = len;
                if (run_up > 0)
                        targets[nt++] = len - run_up_m;
                if (upcoming_pending(e, n))
                        targets[nt++] = distance_step_upcoming_m(e, len - run_up_m, mps);
                if (halfway_pending(e, len / mps))
                        targets[nt++] = len / 2;
                if (e->trial)
                        targets[nt++] = trial_mark(e) - e->step_dist_start;
                else if (auto_lap_step(e, s))
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
        if (s->end != STEP_END_DISTANCE && (e->trial || auto_lap_step(e, s)) &&
            e->belt == BELT_RUNNING && isfinite(e->measured_kmh) &&
            e->measured_kmh > BELT_MOVING_KMH) {
                double mark = e->trial ? trial_mark(e) : e->lap_dist_start + e->config.auto_lap_m;
                double left = mark - dist_now(e, now);
                uint64_t at = now + s_to_usec(left / (distance_kmh(e, now) / 3.6));

                if (left > 0 && at <= e->dist_base_usec + EXTRAPOLATE_USEC)
                        d = umin(d, at);
        }
        return d;
}

/*
 * The next step is a rep the belt is still getting to: its start waits (the
 * step before runs on, at the rep's speed) until the belt is within one
 * increment of it, so that the rep itself is run at pace. Gives up after
 * twice the run-up the belt still needs (at least 5 s): a runner holding
 * the speed down on the console is not waited for forever.
 */
static bool rep_gate_holds(WorkoutEngine *e, uint64_t now)
{
        const ResolvedStep *n = next_step(e);
        RepPlanMachine m;
        RepPlan p;
        double want, tol;
        char buf[64];

        next_rep_plan(e, &p);
        /* Between two reps (a time trial's segments) there is no recovery to
         * run on: the rep before would be longer than written. */
        if (!p.speedup || !n || rep_plan_is_rep(cur_step(e)) || !may_command(e) ||
            !isfinite(e->measured_kmh) || e->ceiling.active || e->cooldown ||
            safety_clamp_speed(&e->limits, n->speed_start_kmh, &want, NULL) < 0) {
                e->gate = false;
                return false;
        }
        tol = e->limits.speed_increment + 0.005;
        if (e->measured_kmh >= want - tol || (e->gate && now >= e->gate_until)) {
                e->gate = false;
                return false;
        }
        if (!e->gate) {
                rep_machine(e, &m);
                e->gate = true;
                e->gate_until =
                        now + umax(REP_GATE_MIN_USEC,
                                   s_to_usec(2 * rep_plan_ramp_s(&m, e->measured_kmh, want)));
                cue(e, now, CUE_KIND_INFO, -1, "Getting up to speed: %s starts at %s",
                    step_text(n, buf, sizeof(buf)), SPEED_TEXT(e, want));
        }
        return true;
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

                /* A time trial's laps inside a step (a lap the step's own end
                 * makes is cut there, not a metre before it); elsewhere
                 * auto-laps every auto_lap_m if configured for all steps. */
                if (e->trial) {
                        double step_end =
                                s->end == STEP_END_DISTANCE ? e->step_dist_start + len : INFINITY;

                        while (d >= trial_mark(e) && trial_mark(e) < step_end - 1.0)
                                emit_lap(e, now, run_clock(e, now), trial_mark(e), true);
                }
                while (auto_lap_step(e, s) && d - e->lap_dist_start >= e->config.auto_lap_m &&
                       (s->end != STEP_END_DISTANCE ||
                        e->lap_dist_start + e->config.auto_lap_m < e->step_dist_start + len - 0.5))
                        emit_lap(e, now, run_clock(e, now),
                                 e->lap_dist_start + e->config.auto_lap_m, true);

                if (s->end == STEP_END_TIME) {
                        uint64_t end = e->step_start_run + s_to_usec(len);
                        bool held;

                        if (run_clock(e, now) < end)
                                break;
                        held = e->gate;
                        if (rep_gate_holds(e, now))
                                break;
                        /* The next step starts at the scheduled boundary, not
                         * at this (possibly late) tick: no drift. A rep that
                         * waited for the belt starts when it got there. */
                        if (held)
                                finish_step(e, now, run_clock(e, now), d, false);
                        else
                                finish_step(e, now, end, d, false);
                } else if (s->end == STEP_END_DISTANCE) {
                        bool held;

                        if (d - e->step_dist_start < len)
                                break;
                        held = e->gate;
                        if (rep_gate_holds(e, now))
                                break;
                        finish_step(e, now, run_clock(e, now), held ? d : e->step_dist_start + len,
                                    false);
                } else
                        break;
        }
}

/* When a change that has not shown up is reported: the timeout on top of
 * what the rate limit itself takes (a 10 km/h slow-down at 0.5 km/h/s is
 * 20 s of commands, not a broken speed control). */
static uint64_t ttt_deadline(const WorkoutEngine *e)
{
        double ramp = 0;

        if (e->config.safety.max_accel_kmhps > 0 && isfinite(e->ttt_from) &&
            isfinite(e->ttt_target))
                ramp = fabs(e->ttt_target - e->ttt_from) / e->config.safety.max_accel_kmhps;
        return e->ttt_start + e->config.target_timeout_usec + s_to_usec(ramp);
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
                ev = push_event(e, now, ENGINE_EVENT_TARGET_REACHED);
                if (ev) {
                        ev->requested = e->ttt_target;
                        ev->value = t;
                        snprintf(ev->message, sizeof(ev->message), "reached %.2f km/h in %.1f s",
                                 e->ttt_target, t);
                }
                return;
        }
        if (now >= ttt_deadline(e)) {
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
                                          "commanded %s, the belt stays at %s",
                                          SPEED_TEXT(e, target), SPEED_TEXT(e, m));
                        else
                                event_msg(e, now, ENGINE_EVENT_DIAGNOSTIC,
                                          "commanded %s, the belt is at %s after %.0f s",
                                          SPEED_TEXT(e, target), SPEED_TEXT(e, m),
                                          usec_to_s(e->config.target_timeout_usec));
                }
        }
}

static void check_shutdown(WorkoutEngine *e, uint64_t now)
{
        bool done = false, reached = false;

        if (!e->shutting_down || e->shutdown_done)
                return;
        if (now >= e->shutdown_deadline)
                done = true;
        else if (!ftms_control_can_write(e->control) || e->belt != BELT_RUNNING)
                /* Nothing more paced can do: safe only if the belt stands. */
                done = true, reached = e->belt == BELT_STOPPED;
        else if (e->config.shutdown_policy == ENGINE_SHUTDOWN_COOLDOWN)
                done = reached =
                        belt_at_or_below(e, e->cooldown_target) && !ftms_control_busy(e->control);
        else
                done = reached = !ftms_control_busy(e->control);
        if (!done)
                return;
        e->shutdown_done = true;
        {
                EngineEvent *ev = push_event(e, now, ENGINE_EVENT_SHUTDOWN_DONE);

                if (!ev)
                        return;
                /* Reached, or said why not: never "safe" on a belt left running. */
                ev->value = reached;
                if (reached)
                        snprintf(ev->message, sizeof(ev->message), "shutdown: treadmill left safe");
                else if (now >= e->shutdown_deadline)
                        snprintf(ev->message, sizeof(ev->message),
                                 "shutdown: could not bring the belt to the stop policy in %.0f "
                                 "s: belt at %.1f km/h, accepted %.1f km/h (control %s)",
                                 usec_to_s(e->config.shutdown_timeout_usec), e->measured_kmh,
                                 e->accepted_kmh,
                                 ftms_control_state_to_string(ftms_control_get_state(e->control)));
                else if (isfinite(e->measured_kmh))
                        snprintf(ev->message, sizeof(ev->message),
                                 "shutdown: paced cannot control the treadmill now (control %s): "
                                 "belt at %.1f km/h, slow it on the console",
                                 ftms_control_state_to_string(ftms_control_get_state(e->control)),
                                 e->measured_kmh);
                else
                        /* No Treadmill Data since the link came up (or none
                         * at all): the speed is unknown, not "nan km/h". */
                        snprintf(ev->message, sizeof(ev->message),
                                 "shutdown: paced cannot control the treadmill now (control %s): "
                                 "belt speed unknown, slow it on the console if it runs",
                                 ftms_control_state_to_string(ftms_control_get_state(e->control)));
        }
}

/* The stop policy of stop() or a finished workout: done, or why not. */
static void stop_done(WorkoutEngine *e, uint64_t now, bool reached, const char *fmt, ...)
        _printf_(4, 5);

static void stop_done(WorkoutEngine *e, uint64_t now, bool reached, const char *fmt, ...)
{
        EngineEvent *ev;
        va_list ap;
        char buf[160];

        if (!e->stopping)
                return;
        e->stopping = false;
        /* Reached: the belt stays where it is. Not reached: said so, and the
         * cool-down goes on whenever paced can reach the belt again. */
        if (!e->shutting_down && reached)
                e->cooldown = false;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        ev = push_event(e, now, ENGINE_EVENT_SAFETY);
        if (ev) {
                ev->rule = ENGINE_SAFETY_SHUTDOWN;
                ev->active = false;
                ev->value = reached;
                snprintf(ev->message, sizeof(ev->message), "%s", buf);
        }
        snprintf(e->belt_note, sizeof(e->belt_note), "%s", buf);
        if (!reached)
                cue(e, now, CUE_KIND_SAFETY, -1, "%s", buf);
}

/* A cool-down target the machine can run: within the envelope. */
static double cooldown_target_for(const WorkoutEngine *e, double kmh)
{
        return fmin(fmax(kmh, e->limits.speed_min), e->limits.speed_max);
}

uint64_t engine_stop_budget_usec(const EngineConfig *c, double from_kmh)
{
        double ramp = 0;

        if (!isfinite(from_kmh))
                from_kmh = c->safety.max_speed_kmh;
        if (c->safety.max_accel_kmhps > 0 && from_kmh > c->cooldown_speed_kmh)
                /* One step of max_accel per ramp interval, each after the
                 * treadmill's answer: a quarter more than the ideal ramp. */
                ramp = (from_kmh - c->cooldown_speed_kmh) / c->safety.max_accel_kmhps *
                       usec_to_s(umax(c->ramp_interval_usec, USEC_PER_SEC)) * 1.25;
        return s_to_usec(ramp) + ENGINE_STOP_SLACK_USEC;
}

static void stop_event(WorkoutEngine *e, uint64_t now, EngineShutdownPolicy policy, double target,
                       const char *text)
{
        EngineEvent *ev = push_event(e, now, ENGINE_EVENT_SAFETY);

        if (ev) {
                ev->rule = ENGINE_SAFETY_SHUTDOWN;
                ev->active = true;
                ev->applied = target;
                ev->value = policy;
                snprintf(ev->message, sizeof(ev->message), "%s", text);
        }
}

/*
 * stop() and a finished workout apply the stop policy as SIGTERM does
 * (default: slow to the cool-down speed), and say what the belt is doing.
 */
static void apply_stop_policy(WorkoutEngine *e, uint64_t now, const char *what)
{
        double cur = isfinite(e->measured_kmh) ? e->measured_kmh : speed_reference(e);
        double target = cooldown_target_for(e, e->config.cooldown_speed_kmh);
        CueKind kind = e->state == ENGINE_STATE_FINISHED ? CUE_KIND_STEP_END : CUE_KIND_INFO;
        char *n = e->belt_note;
        size_t sz = sizeof(e->belt_note);
        int secs = 0;

        e->manual_kmh = e->manual_incline = NAN;
        if (e->stopping)
                stop_done(e, now, false, "%s", "superseded by a new stop");
        if (e->belt != BELT_RUNNING || e->runner_stopped)
                snprintf(n, sz, "%s: the belt is stopped", what);
        else if (!ftms_control_can_write(e->control))
                snprintf(n, sz, "%s: paced cannot control this treadmill, the belt stays at %s",
                         what, SPEED_TEXT(e, cur));
        else
                switch (e->config.shutdown_policy) {
                case ENGINE_SHUTDOWN_COOLDOWN:
                        if (isfinite(cur) && cur <= target + e->limits.speed_increment / 2) {
                                snprintf(n, sz, "%s: the belt stays at %s", what,
                                         SPEED_TEXT(e, cur));
                                break;
                        }
                        e->cooldown = true;
                        e->cooldown_target = target;
                        e->stopping = true;
                        e->stop_hold_until = 0;
                        /* The end of a workout is no emergency: announced lead
                         * time ahead, like every other change. */
                        if (kind == CUE_KIND_STEP_END && e->config.cues &&
                            e->config.cue_lead_usec > 0) {
                                e->stop_hold_until = now + e->config.cue_lead_usec;
                                kind = CUE_KIND_UPCOMING;
                                secs = (int)((e->config.cue_lead_usec + USEC_PER_SEC / 2) /
                                             USEC_PER_SEC);
                        }
                        e->stop_deadline =
                                now + engine_stop_budget_usec(&e->config, cur) +
                                (e->stop_hold_until > now ? e->stop_hold_until - now : 0);
                        if (secs > 0)
                                snprintf(n, sz, "%s: slowing the belt to %s in %d s", what,
                                         SPEED_TEXT(e, target), secs);
                        else
                                snprintf(n, sz, "%s: slowing the belt to %s", what,
                                         SPEED_TEXT(e, target));
                        stop_event(e, now, e->config.shutdown_policy, target, n);
                        ftms_control_request(e->control, now);
                        break;
                case ENGINE_SHUTDOWN_PAUSE:
                case ENGINE_SHUTDOWN_STOP:
                        ftms_control_stop_pause(e->control, now,
                                                e->config.shutdown_policy == ENGINE_SHUTDOWN_PAUSE
                                                        ? FTMS_STOP_PARAM_PAUSE
                                                        : FTMS_STOP_PARAM_STOP);
                        e->stopping = true;
                        e->stop_deadline = now + ENGINE_STOP_SLACK_USEC;
                        snprintf(n, sz, "%s: stopping the belt", what);
                        stop_event(e, now, e->config.shutdown_policy, NAN, n);
                        break;
                case ENGINE_SHUTDOWN_NONE:
                case _ENGINE_SHUTDOWN_POLICY_MAX:
                case _ENGINE_SHUTDOWN_POLICY_INVALID:
                        snprintf(n, sz, "%s: the belt is left at %s", what, SPEED_TEXT(e, cur));
                        break;
                }
        cue(e, now, kind, secs > 0 ? secs : -1, "%s", n);
}

const char *workout_engine_belt_note(const WorkoutEngine *e)
{
        return e->belt_note;
}

static void check_stop(WorkoutEngine *e, uint64_t now)
{
        if (!e->stopping || e->shutting_down)
                return;
        if (e->runner_stopped)
                stop_done(e, now, true, "The belt is stopping");
        else if (!e->link_up)
                stop_done(e, now, false,
                          "Treadmill connection lost: paced cannot slow the belt, use the console");
        else if (!ftms_control_can_write(e->control))
                stop_done(e, now, false, "paced cannot control this treadmill: use the console");
        else if (e->cooldown && belt_at_or_below(e, e->cooldown_target))
                stop_done(e, now, true, "The belt is at the cool-down speed, %s",
                          SPEED_TEXT(e, e->cooldown_target));
        else if (now >= e->stop_deadline)
                stop_done(e, now, false,
                          "Could not slow the belt to %s (control %s): slow it on the "
                          "console",
                          SPEED_TEXT(e, e->cooldown_target),
                          ftms_control_state_to_string(ftms_control_get_state(e->control)));
}

static void handle_accepted(WorkoutEngine *e, uint64_t now, const FtmsControlCommand *c)
{
        switch (c->op) {
        case FTMS_CP_SET_TARGET_SPEED:
                e->accepted_kmh = belt_to_true(e, c->value);
                e->accepted_at = now;
                /* One speed command is in flight at a time: this answers the last one sent. */
                if (e->speed_cmd_sent && now >= e->last_speed_cmd) {
                        double rtt = usec_to_s(now - e->last_speed_cmd);

                        e->cp_rtt_s = e->cp_rtt_n == 0
                                              ? rtt
                                              : ACCEL_ALPHA * rtt + (1 - ACCEL_ALPHA) * e->cp_rtt_s;
                        e->cp_rtt_n++;
                }
                break;
        case FTMS_CP_SET_TARGET_INCLINATION:
                e->accepted_incline = c->value;
                break;
        case FTMS_CP_START_OR_RESUME:
                /* The belt moves on our Start now, not coasting from a stop. */
                e->idle_at_link = false;
                break;
        case FTMS_CP_STOP_OR_PAUSE:
                /* Stopped on our word (pause, stop policy): like a console stop,
                 * only an explicit start moves it again. */
                ftms_control_flush(e->control, now);
                e->runner_stopped = true;
                e->stop_inferred = false;
                e->belt = BELT_STOPPED;
                e->belt_seen_zero = false;
                e->zero_pending = false;
                break;
        default:
                break;
        }
}

static void drain_control(WorkoutEngine *e, uint64_t now)
{
        FtmsControlResult res;
        FtmsControlCommand cmd;
        FtmsControlState cs;
        FtmsMonitorReason mr;

        while (ftms_control_pop_result(e->control, &res) > 0) {
                if (res.kind == FTMS_CONTROL_RESULT_OK) {
                        handle_accepted(e, now, &res.command);
                        continue;
                }
                if (res.kind == FTMS_CONTROL_RESULT_DROPPED && res.error == -ECANCELED) {
                        /* Flushed by us (the belt stopped, a stop): never sent. */
                        if (res.command.op == FTMS_CP_SET_TARGET_SPEED)
                                e->commanded_kmh = NAN;
                        else if (res.command.op == FTMS_CP_SET_TARGET_INCLINATION)
                                e->commanded_incline = NAN;
                        continue;
                }
                if (res.command.op == FTMS_CP_START_OR_RESUME && e->start_requested) {
                        e->start_requested = false;
                        cue(e, now, CUE_KIND_INFO, -1,
                            "The treadmill did not start the belt: start it on the console");
                }
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
                if (o) {
                        o->write = cmd;
                        o->time_usec = now;
                }
                /* The rate limit counts from when a value reaches the wire, not
                 * from when it was queued behind Request Control. */
                if (cmd.op == FTMS_CP_SET_TARGET_SPEED) {
                        e->last_speed_cmd = now;
                        /* On the wire: its echo may come, late or not. */
                        target_echo_sent(&e->speed_echo, now, cmd.value);
                } else if (cmd.op == FTMS_CP_SET_TARGET_INCLINATION)
                        e->last_incline_cmd = now;
        }
}

static void update(WorkoutEngine *e, uint64_t now)
{
        if (now > e->last_now)
                e->last_now = now;
        ftms_control_tick(e->control, now);
        /* Answers first: the next speed steps from what the treadmill just
         * accepted. On a link whose round trip is a ramp interval or more,
         * the answer is what frees the next command, and stepping from the
         * older value would send the same speed twice: half the ramp rate. */
        drain_control(e, now);
        check_hr_lost(e, now);
        advance(e, now);
        announce(e, now);
        update_speed(e, now);
        check_ttt(e, now);
        drain_control(e, now);
        check_shutdown(e, now);
        check_stop(e, now);
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
        e->accepted_kmh = e->accepted_incline = NAN;
        e->prev_measured_kmh = NAN;
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
        stop_done(e, now, false, "Cool-down ended: a new workout was loaded");
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

/* Loaded, waiting for the runner to start the belt; said once, as a cue. */
static void wait_for_belt(WorkoutEngine *e, uint64_t now)
{
        char buf[160];

        if (e->state != ENGINE_STATE_ARMED)
                enter_state(e, now, ENGINE_STATE_ARMED, ENGINE_PAUSE_NONE, NULL);
        cue(e, now, CUE_KIND_INFO, -1, "Loaded %s. %s", e->workout->name ?: "the workout",
            workout_engine_next_action(e, buf, sizeof(buf)));
}

int workout_engine_arm(WorkoutEngine *e, uint64_t now)
{
        if (!e->workout)
                return -ENOENT;
        if (e->state != ENGINE_STATE_IDLE)
                return -EBUSY;
        e->manual_kmh = e->manual_incline = NAN;
        if (e->belt == BELT_RUNNING && !e->runner_stopped) {
                /* The runner is already on a moving belt: waiting for it to
                 * start would wait forever. The workout begins now, its first
                 * change announced cue_lead ahead as always. */
                cue(e, now, CUE_KIND_INFO, -1, "The belt is already moving: %s begins now",
                    e->workout->name ?: "the workout");
                begin_workout(e, now);
        } else
                wait_for_belt(e, now);
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
        if (e->belt == BELT_RUNNING && !e->runner_stopped)
                begin_workout(e, now);
        else if (e->config.allow_remote_start && ftms_control_can_write(e->control) &&
                 !e->runner_stopped_key) {
                /* Starting a stopped belt: asked for, and allowed by the
                 * configuration. The workout begins when the belt runs, not
                 * when Start is sent. */
                begin_workout(e, now);
                do_pause(e, now, ENGINE_PAUSE_BELT_STOPPED, "waiting for the belt");
                ftms_control_start_resume(e->control, now);
                e->start_requested = true;
                cue(e, now, CUE_KIND_INFO, -1, "Starting the belt");
        } else
                /* paced may not start the belt: the runner does, and the workout
                 * begins with it (no session, no clock until then). */
                wait_for_belt(e, now);
        update(e, now);
        return 0;
}

int workout_engine_pause(WorkoutEngine *e, uint64_t now)
{
        char buf[160];

        if (e->state != ENGINE_STATE_RUNNING)
                return e->state == ENGINE_STATE_PAUSED ? 0 : -EBUSY;
        do_pause(e, now, ENGINE_PAUSE_USER, NULL);
        /* Pausing a workout pauses the belt: stopping is always safe. */
        if (may_command(e))
                ftms_control_stop_pause(e->control, now, FTMS_STOP_PARAM_PAUSE);
        cue(e, now, CUE_KIND_INFO, -1, "Paused. %s",
            workout_engine_next_action(e, buf, sizeof(buf)));
        update(e, now);
        return 0;
}

int workout_engine_resume(WorkoutEngine *e, uint64_t now)
{
        if (e->state != ENGINE_STATE_PAUSED)
                return e->state == ENGINE_STATE_RUNNING ? 0 : -EBUSY;
        if (e->pause_reason == ENGINE_PAUSE_LINK_LOST && !e->link_up)
                return -ENOTCONN;
        if (e->runner_stopped_key) {
                char buf[160];

                /* Only the runner, at the console with the key back, restarts it. */
                cue(e, now, CUE_KIND_INFO, -1, "%s",
                    workout_engine_next_action(e, buf, sizeof(buf)));
                update(e, now);
                return -EPERM;
        }
        if (e->belt == BELT_RUNNING && !belt_stopping(e)) {
                do_resume(e, now, "resumed by the user");
        } else if (e->config.allow_remote_start && ftms_control_can_write(e->control)) {
                /* The one place paced starts a belt: an explicit command, allowed
                 * by the configuration. Sent once, never retried; the workout
                 * resumes when the treadmill says the belt runs. */
                ftms_control_start_resume(e->control, now);
                e->start_requested = true;
                cue(e, now, CUE_KIND_INFO, -1,
                    "Starting the belt: the workout resumes when it runs");
        } else {
                char buf[160];

                /* Not an error to retry: paced may not start this belt. */
                cue(e, now, CUE_KIND_INFO, -1, "%s",
                    workout_engine_next_action(e, buf, sizeof(buf)));
                update(e, now);
                return -EPERM;
        }
        update(e, now);
        return 0;
}

int workout_engine_stop(WorkoutEngine *e, uint64_t now)
{
        if (!workout_active(e) && e->state != ENGINE_STATE_ARMED)
                return -EBUSY;
        if (workout_active(e) && cur_step(e))
                close_laps(e, now);
        ftms_control_flush(e->control, now);
        enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE, "stopped by the user");
        apply_stop_policy(e, now, "Workout stopped");
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

int workout_engine_skip_step(WorkoutEngine *e, uint64_t now, int index)
{
        if (!workout_active(e) || !cur_step(e))
                return -EBUSY;
        if (!e->workout || index < 0 || (size_t)index >= e->workout->n_steps)
                return -EINVAL;
        /* The step the runner saw may have ended while the request was on its
         * way: skipping the one after it is not what they asked for. */
        if (index != e->step)
                return -ESTALE;
        return workout_engine_skip(e, now);
}

int workout_engine_skip_to(WorkoutEngine *e, uint64_t now, size_t index)
{
        uint64_t end_run = run_clock(e, now);
        double end_dist;

        if (!workout_active(e) || !cur_step(e))
                return -EBUSY;
        if (!e->workout || index >= e->workout->n_steps || index <= (size_t)e->step)
                return -EINVAL;
        end_dist = e->state == ENGINE_STATE_PAUSED ? e->pause_dist : dist_now(e, now);
        /* The step it leaves is a lap; the ones jumped over never ran. */
        if (e->trial)
                e->trial_skipped = true;
        if (!e->trial || index >= e->trial_end) {
                emit_lap(e, now, end_run, end_dist, false);
                trial_finish(e, now, end_run, end_dist);
        }
        begin_step(e, now, index, end_run, end_dist, true);
        update(e, now);
        return 0;
}

int workout_engine_extend(WorkoutEngine *e, uint64_t now, double amount)
{
        const ResolvedStep *s = cur_step(e);
        bool clamped;
        double max;

        if (!isfinite(amount) || amount <= 0 || amount > 24 * 3600) {
                event_msg(e, now, ENGINE_EVENT_REJECTED, "extend: invalid amount %g", amount);
                return -EINVAL;
        }
        if (!workout_active(e) || !s)
                return -EBUSY;
        if (s->end == STEP_END_OPEN)
                return -EINVAL;
        max = s->end == STEP_END_DISTANCE ? EXTEND_MAX_M : EXTEND_MAX_S;
        clamped = e->extend + amount > max;
        e->extend = fmin(e->extend + amount, max);
        /* The change moved away: announce it again when it comes. */
        e->next_announced = false;
        e->gate = false;
        update(e, now);
        return clamped;
}

/* The cap rule acted on a request: reported like the arbiter's clamps. */
static void clamp_event(WorkoutEngine *e, uint64_t now, double want, double applied)
{
        EngineEvent *ev = push_event(e, now, ENGINE_EVENT_CLAMP);

        if (!ev)
                return;
        ev->requested = want;
        ev->applied = applied;
        ev->rule = ENGINE_SAFETY_CAP;
        snprintf(ev->message, sizeof(ev->message),
                 "speed %.2f km/h is outside %.2f-%.2f km/h: using %.2f", want, e->limits.speed_min,
                 e->limits.speed_max, applied);
}

static bool clamp_to(double *v, double want, double lo, double hi)
{
        *v = fmin(fmax(want, lo), hi);
        return fabs(*v - want) > 1e-9;
}

int workout_engine_adjust_speed(WorkoutEngine *e, uint64_t now, double delta_kmh)
{
        double span = e->limits.speed_max - e->limits.speed_min;
        bool clamped;

        if (!isfinite(delta_kmh) || fabs(delta_kmh) > 30) {
                event_msg(e, now, ENGINE_EVENT_REJECTED, "adjust speed: invalid value %g",
                          delta_kmh);
                return -EINVAL;
        }
        /* Each accumulator holds only what can matter: an override beyond
         * the caps' span would only make the next 'slower' do nothing. */
        if (e->state == ENGINE_STATE_RUNNING) {
                if (isfinite(e->override_abs))
                        clamped = clamp_to(&e->override_abs, e->override_abs + delta_kmh,
                                           e->limits.speed_min, e->limits.speed_max);
                else {
                        double wi, w = workout_target(e, now, &wi);

                        /* Within what moves the target inside the caps now. */
                        if (isfinite(w)) {
                                double want = w + e->override_delta + delta_kmh;

                                clamped =
                                        clamp_to(&e->override_delta, e->override_delta + delta_kmh,
                                                 e->limits.speed_min - w, e->limits.speed_max - w);
                                if (clamped)
                                        clamp_event(e, now, want, w + e->override_delta);
                        } else
                                clamped = clamp_to(&e->override_delta,
                                                   e->override_delta + delta_kmh, -span, span);
                }
        } else if (e->state == ENGINE_STATE_PAUSED || e->state == ENGINE_STATE_ARMED ||
                   e->runner_stopped)
                /* A target kept for a belt the runner stopped would drive the
                 * console's next start. */
                return -EBUSY;
        else {
                double base = isfinite(e->manual_kmh)      ? e->manual_kmh
                              : isfinite(e->commanded_kmh) ? e->commanded_kmh
                                                           : e->measured_kmh;
                if (!isfinite(base))
                        return -EAGAIN;
                clamped = clamp_to(&e->manual_kmh, base + delta_kmh, e->limits.speed_min,
                                   e->limits.speed_max);
        }
        update(e, now);
        return clamped;
}

int workout_engine_set_speed(WorkoutEngine *e, uint64_t now, double kmh)
{
        if (safety_validate_speed(kmh) < 0) {
                event_msg(e, now, ENGINE_EVENT_REJECTED,
                          "set speed: %g is not a valid speed (km/h, >= 0)", kmh);
                return -EINVAL;
        }
        if (e->state == ENGINE_STATE_RUNNING)
                e->override_abs = fmin(fmax(kmh, e->limits.speed_min), e->limits.speed_max);
        else if (e->state == ENGINE_STATE_PAUSED || e->state == ENGINE_STATE_ARMED ||
                 e->runner_stopped)
                return -EBUSY;
        else
                e->manual_kmh = fmin(fmax(kmh, e->limits.speed_min), e->limits.speed_max);
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
        else if (e->state == ENGINE_STATE_PAUSED || e->state == ENGINE_STATE_ARMED ||
                 e->runner_stopped)
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
        /* The shutdown's own policy takes over from a stop's: that one ends
         * here, not reached (the shutdown reports its own outcome). */
        stop_done(e, now, false, "The stop gives way to paced's shutdown");
        e->shutting_down = true;
        /* Never less than the slowest allowed ramp from where the belt is. */
        e->shutdown_deadline =
                now + umax(e->config.shutdown_timeout_usec,
                           engine_stop_budget_usec(&e->config, isfinite(e->measured_kmh)
                                                                       ? e->measured_kmh
                                                                       : speed_reference(e)));
        if (workout_active(e)) {
                if (cur_step(e))
                        close_laps(e, now);
                enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE, "daemon shutdown");
        } else if (e->state == ENGINE_STATE_ARMED)
                /* Nothing may begin while the daemon stops. */
                enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE, "daemon shutdown");
        e->manual_kmh = NAN;
        ftms_control_flush(e->control, now);

        if (!active && !e->link_up) {
                /* No workout and no treadmill: paced commands no belt, so
                 * there is nothing to bring to a stop and nobody to warn.
                 * (Stopping an idle daemon under systemd is routine; a
                 * "slow it on the console" warning and a SafetyAction
                 * signal on every stop would cry wolf.) */
                EngineEvent *ev;

                e->cooldown = false;
                e->shutdown_done = true;
                ev = push_event(e, now, ENGINE_EVENT_SHUTDOWN_DONE);
                if (ev) {
                        ev->value = 1;
                        snprintf(
                                ev->message, sizeof(ev->message),
                                "shutdown: no treadmill connected and no workout, nothing to stop");
                }
                return 1;
        }

        if (!active || !may_command(e) || e->config.shutdown_policy == ENGINE_SHUTDOWN_NONE) {
                e->cooldown = false;
                check_shutdown(e, now);
                if (!e->shutdown_done) {
                        /* Safe unless a belt a workout drove still runs and paced
                         * cannot (or, by policy, does not) slow it. With no
                         * workout the runner drives the belt; a belt stopped or
                         * stopping is done. */
                        bool safe = !active || e->belt != BELT_RUNNING || belt_stopping(e);
                        EngineEvent *ev;

                        e->shutdown_done = true;
                        ev = push_event(e, now, ENGINE_EVENT_SHUTDOWN_DONE);
                        if (ev) {
                                ev->value = safe ? 1 : 0;
                                snprintf(ev->message, sizeof(ev->message), "%s",
                                         safe ? "shutdown: nothing to do"
                                              : "shutdown: paced leaves the belt running, "
                                                "slow it on the console");
                        }
                }
                return 1;
        }
        switch (e->config.shutdown_policy) {
        case ENGINE_SHUTDOWN_COOLDOWN: {
                double cur = isfinite(e->measured_kmh) ? e->measured_kmh : e->commanded_kmh;
                char buf[96];

                e->cooldown = true;
                e->cooldown_target = cooldown_target_for(
                        e, isfinite(cur) ? fmin(cur, e->config.cooldown_speed_kmh)
                                         : e->config.cooldown_speed_kmh);
                snprintf(buf, sizeof(buf), "paced is stopping: slowing to %s",
                         SPEED_TEXT(e, e->cooldown_target));
                stop_event(e, now, ENGINE_SHUTDOWN_COOLDOWN, e->cooldown_target, buf);
                cue(e, now, CUE_KIND_SAFETY, -1, "%s", buf);
                break;
        }
        case ENGINE_SHUTDOWN_PAUSE:
        case ENGINE_SHUTDOWN_STOP:
                ftms_control_stop_pause(e->control, now,
                                        e->config.shutdown_policy == ENGINE_SHUTDOWN_PAUSE
                                                ? FTMS_STOP_PARAM_PAUSE
                                                : FTMS_STOP_PARAM_STOP);
                stop_event(e, now, e->config.shutdown_policy, NAN,
                           "paced is stopping: stopping the belt");
                cue(e, now, CUE_KIND_SAFETY, -1, "paced is stopping: stopping the belt");
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

        /* A belt slowing down on its own was stopped on the console before
         * (or while) paced was down: the runner starts it again, not us. */
        if (e->decelerating && !e->runner_stopped && !e->session_running) {
                e->runner_stopped = true;
                e->stop_inferred = true;
                e->belt_seen_zero = false;
        }
        if (e->config.recovery_policy == ENGINE_RECOVERY_COOLDOWN && e->runner_stopped) {
                enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE,
                            "recovered after a crash: the runner stopped the belt");
                update(e, now);
                return 0;
        }
        if (e->config.recovery_policy == ENGINE_RECOVERY_COOLDOWN) {
                /* The session's distance and time stand where they were: the
                 * cool-down adds none (as after a stop), and a session's
                 * distance never goes back to zero in its samples and exports. */
                e->step = (int)r->step_index;
                e->run_base = s_to_usec(r->step_elapsed_s);
                e->elapsed_offset_s =
                        (isfinite(r->elapsed_s) ? r->elapsed_s : 0) - r->step_elapsed_s;
                e->dist_shown_m = isfinite(r->distance_m) ? r->distance_m : 0;
                e->n_laps = r->n_laps;
                e->cooldown = true;
                e->cooldown_target = cooldown_target_for(
                        e, isfinite(e->measured_kmh)
                                   ? fmin(e->measured_kmh, e->config.cooldown_speed_kmh)
                                   : e->config.cooldown_speed_kmh);
                enter_state(e, now, ENGINE_STATE_ABORTED, ENGINE_PAUSE_NONE,
                            "recovered after a crash: cooling down");
                /* Like a stop: reached, or said why not, within the budget. */
                e->stopping = true;
                e->stop_hold_until = 0;
                e->stop_deadline = now + engine_stop_budget_usec(&e->config, e->measured_kmh);
                stop_event(e, now, ENGINE_SHUTDOWN_COOLDOWN, e->cooldown_target,
                           "Recovered after a crash: slowing to the cool-down speed");
                cue(e, now, CUE_KIND_SAFETY, -1,
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
        if (e->runner_stopped)
                do_pause(e, now, ENGINE_PAUSE_CONSOLE,
                         "the belt is slowing down: start it again to resume");
        else if (e->belt == BELT_STOPPED)
                do_pause(e, now, ENGINE_PAUSE_BELT_STOPPED, "waiting for the belt");
        update(e, now);
        return 0;
}

/* ---- inputs ---- */

static void belt_started(WorkoutEngine *e, uint64_t now, const char *why)
{
        e->belt = BELT_RUNNING;
        e->zero_pending = false;
        e->runner_stopped = e->runner_stopped_key = e->stop_inferred = false;
        e->start_requested = false;
        /* Started by the runner: a Start still waiting for control is stale. */
        ftms_control_cancel(e->control, now, FTMS_CP_START_OR_RESUME);
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
        /* Nothing but Stop reaches it until the runner starts it again, in
         * any state: a manual target, an armed workout or a recovery must
         * not drive a coasting belt, nor the console's next start. */
        e->runner_stopped = true;
        e->stop_inferred = false;
        e->runner_stopped_key |= why == ENGINE_PAUSE_SAFETY_KEY;
        e->start_requested = false;
        e->manual_kmh = e->manual_incline = NAN;
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
        double gap = integrate_gap(e, now, prev_kmh, cur_kmh), est, prev_tm;

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
                                e->dist_anchor_m = e->dist_field_m = e->dist_tm_m + gap;
                } else
                        /* The first field (after a (re)connect) anchors; it does not count. */
                        e->dist_anchor_m = e->dist_field_m = e->dist_tm_m + gap;
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
        prev_tm = e->dist_tm_m;
        e->dist_tm_m = fmax(e->dist_tm_m, est);
        if (!e->config.distance_from_footpod)
                e->dist_base_m = e->dist_tm_m;
        else if (footpod_measures(e, now) && !e->fp_gap)
                e->dist_base_m += e->fp_dist_m - e->fp_dist_used_m;
        else if (e->fp_used)
                /* The footpod fell silent: the belt's travel since its last report,
                 * which nothing counted yet. */
                e->dist_base_m += fmax(e->dist_tm_m - e->tm_at_fp_m, 0);
        else if (footpod_measures(e, now))
                /* The footpod speaks again: the belt's travel up to its first
                 * report, the footpod's from there (not both for the same time). */
                e->dist_base_m +=
                        fmax(e->tm_at_fp_m - prev_tm, 0) + (e->fp_dist_m - e->fp_dist_used_m);
        else
                e->dist_base_m += e->dist_tm_m - prev_tm;
        e->fp_used = e->config.distance_from_footpod && footpod_measures(e, now) && !e->fp_gap;
        e->fp_dist_used_m = e->fp_dist_m;
        e->fp_gap = false;
        e->dist_base_usec = now;
}

/* A footpod's RSC Measurement: its speed integrated, for distance = footpod. */
static void handle_footpod(WorkoutEngine *e, uint64_t now, const RscMeasurement *m)
{
        double kmh = rsc_speed_to_kmh(m->speed_raw);

        if (!e->config.distance_from_footpod)
                return;
        /* Trapezoids between reports; across a silence (the footpod no longer
         * measured) the treadmill's travel counts for that interval instead. */
        if (e->fp_usec > 0 && now > e->fp_usec && now - e->fp_usec <= FOOTPOD_FRESH_USEC)
                e->fp_dist_m += (e->fp_kmh + kmh) / 2 / 3.6 * usec_to_s(now - e->fp_usec);
        else
                e->fp_gap = true;
        /* Where the belt is now, for a silence that may follow. */
        e->tm_at_fp_m = e->dist_tm_m;
        if (e->belt == BELT_RUNNING && isfinite(e->measured_kmh) && now > e->dist_base_usec)
                e->tm_at_fp_m += e->measured_kmh / 3.6 *
                                 usec_to_s(umin(now - e->dist_base_usec, EXTRAPOLATE_USEC));
        e->fp_kmh = kmh;
        e->fp_usec = now;
}

static void handle_treadmill_data(WorkoutEngine *e, uint64_t now, const FtmsTreadmillData *d)
{
        double prev_kmh = e->measured_kmh;
        double cur_kmh = record_speed(e, d);
        bool accelerating = false;

        /* Distance first, with the speeds at both ends of the interval. */
        update_distance(e, now, d, prev_kmh, cur_kmh);

        if (isfinite(cur_kmh)) {
                e->measured_kmh = cur_kmh;
                /* Slowing with no lower target of ours behind it: the console's doing. */
                e->decelerating = isfinite(e->prev_measured_kmh) &&
                                  e->measured_kmh < e->prev_measured_kmh - 0.25 &&
                                  !(e->accepted_kmh < e->prev_measured_kmh - 0.05);
                /* A stopped belt never speeds up: one that does was restarted
                 * (or never stopped: a console speed change looked like a coast). */
                accelerating = isfinite(e->prev_measured_kmh) &&
                               e->measured_kmh > e->prev_measured_kmh + 0.25 &&
                               e->prev_measured_kmh >= BELT_MOVING_KMH;
                e->prev_measured_kmh = e->measured_kmh;
        }
        if (field_valid(d, FTMS_FIELD_INCLINE))
                e->measured_incline = d->incline_pct;

        /* Time at target for the lap log: the step's own target, not the
         * commanded value (which a rate-limited run-up drags along). */
        if (e->state == ENGINE_STATE_RUNNING && e->have_data && isfinite(prev_kmh) &&
            now > e->last_data_usec) {
                const ResolvedStep *s = cur_step(e);
                double want = s ? step_speed_at(e, now, s) : NAN, applied;

                if (isfinite(want) && safety_clamp_speed(&e->limits, want, &applied, NULL) == 0 &&
                    fabs(prev_kmh - applied) <= e->limits.speed_increment + 0.005)
                        e->lap_tat_s += usec_to_s(now - e->last_data_usec);
        }
        /* The belt's acceleration, measured while it lags well behind a
         * higher command (the run-ups of reps are planned with it). */
        if (e->have_data && isfinite(prev_kmh) && isfinite(e->measured_kmh) &&
            isfinite(e->commanded_kmh) && now > e->last_data_usec &&
            now - e->last_data_usec <= 2 * USEC_PER_SEC && prev_kmh > BELT_MOVING_KMH &&
            e->commanded_kmh - prev_kmh > 3 * e->limits.speed_increment &&
            e->commanded_kmh - e->measured_kmh > e->limits.speed_increment &&
            e->measured_kmh > prev_kmh) {
                double a = (e->measured_kmh - prev_kmh) / usec_to_s(now - e->last_data_usec);

                e->belt_accel = e->belt_accel_n == 0
                                        ? a
                                        : ACCEL_ALPHA * a + (1 - ACCEL_ALPHA) * e->belt_accel;
                e->belt_accel_n++;
        }
        e->have_data = true;
        e->last_data_usec = now;

        if (!isfinite(e->measured_kmh))
                return;
        if (e->measured_kmh >= BELT_MOVING_KMH) {
                e->zero_pending = false;
                if (e->belt == BELT_UNKNOWN && e->idle_at_link) {
                        /* Idle yet moving: coasting after a console stop made
                         * before we connected. The runner starts it, not us. */
                        e->idle_at_link = false;
                        belt_stopped(e, now, ENGINE_PAUSE_CONSOLE, "Treadmill stopping");
                        return;
                }
                if (e->belt != BELT_RUNNING) {
                        /* After a stop the belt decelerates while still reporting
                         * speed, in every state: only a belt seen standing still
                         * and then moving again has been restarted. */
                        if (e->runner_stopped && !e->belt_seen_zero &&
                            !(accelerating && e->stop_inferred))
                                return;
                        belt_started(e, now, "the belt is moving again");
                } else if (e->state == ENGINE_STATE_PAUSED &&
                           e->pause_reason == ENGINE_PAUSE_LINK_LOST && e->link_up) {
                        /* Reconnected and the belt is running: carry on. */
                        do_resume(e, now, "treadmill reconnected, belt running");
                }
        } else {
                if (e->runner_stopped || e->state == ENGINE_STATE_PAUSED || e->belt == BELT_STOPPED)
                        e->belt_seen_zero = true;
                if (e->belt == BELT_UNKNOWN) {
                        e->belt = BELT_STOPPED;
                        e->idle_at_link = false;
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
        case FTMS_STATUS_TARGET_SPEED_CHANGED:
                /* The machine's word on its target: ours echoed, or the
                 * console's; a late echo of an older command is not news. */
                if (isfinite(s->value) && s->value > 0 &&
                    !target_echo_is_stale(&e->speed_echo, now, s->value)) {
                        e->accepted_kmh = belt_to_true(e, s->value);
                        e->accepted_at = now;
                }
                break;
        case FTMS_STATUS_TARGET_INCLINE_CHANGED:
                if (isfinite(s->value))
                        e->accepted_incline = s->value;
                break;
        case FTMS_STATUS_CONTROL_PERMISSION_LOST:
        case FTMS_STATUS_RESET:
                ftms_control_permission_lost(e->control, now);
                if (s->op == FTMS_STATUS_RESET)
                        e->commanded_kmh = e->commanded_incline = e->accepted_kmh =
                                e->accepted_incline = NAN;
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
                         "Heart rate above %.0f: slowing to %s until it drops below %.0f",
                         e->config.safety.hr_ceiling_bpm,
                         SPEED_TEXT(e, e->config.safety.recovery_speed_kmh),
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
                if (ev->role == TRANSPORT_ROLE_FOOTPOD && !ev->link.up)
                        e->fp_usec = 0; /* the treadmill's travel counts at once */
                if (ev->role != TRANSPORT_ROLE_TREADMILL)
                        break; /* a lost strap shows up as missing HR samples */
                if (ev->link.up == e->link_up)
                        break;
                e->link_up = ev->link.up;
                ftms_control_link(e->control, now, ev->link.up);
                if (!ev->link.up)
                        e->ran_at_link_loss = e->belt == BELT_RUNNING && !e->runner_stopped;
                e->idle_at_link = false;
                e->belt = BELT_UNKNOWN;
                e->measured_kmh = e->measured_incline = NAN;
                e->have_field = false;
                e->zero_pending = false;
                e->commanded_kmh = e->commanded_incline = NAN;
                e->accepted_kmh = e->accepted_incline = NAN;
                target_echo_reset(&e->speed_echo);
                e->prev_measured_kmh = NAN;
                e->decelerating = false;
                e->session_running = false;
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
                    e->belt == BELT_UNKNOWN) {
                        /* Idle after the belt ran is the runner's stop. Idle
                         * on a first connection is a belt at rest, which a
                         * workout may start, or one still coasting after a
                         * stop: the first record tells (handle_treadmill_data). */
                        if (e->ran_at_link_loss || (e->state == ENGINE_STATE_PAUSED &&
                                                    e->pause_reason == ENGINE_PAUSE_LINK_LOST))
                                belt_stopped(e, now, ENGINE_PAUSE_CONSOLE,
                                             "Treadmill stopped while disconnected");
                        else
                                e->idle_at_link = true;
                } else if (ev->role == TRANSPORT_ROLE_TREADMILL && e->link_up &&
                           e->belt == BELT_UNKNOWN) {
                        /* A session runs: the runner started it while we were away,
                         * and a slower belt is a speed change, not a stop. */
                        e->session_running = true;
                        e->runner_stopped = e->runner_stopped_key = false;
                }
                break;
        case TRANSPORT_EVENT_FOOTPOD:
                /* The footpod never moves the belt: only an accepted calibration
                 * (engine config) changes what the engine commands. With distance =
                 * footpod it measures distance steps and the workout's distance. */
                handle_footpod(e, now, &ev->footpod);
                break;
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
                d = umin(d, ttt_deadline(e));
        if (e->zero_pending && e->belt == BELT_RUNNING)
                d = umin(d, e->zero_since + e->config.belt_stopped_usec);
        if (e->shutting_down && !e->shutdown_done)
                d = umin(d, e->shutdown_deadline);
        if (e->stopping)
                d = umin(d, e->stop_deadline);
        if (e->stopping && e->stop_hold_until > now)
                d = umin(d, e->stop_hold_until);
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

const char *workout_engine_next_action(const WorkoutEngine *e, char *buf, size_t n)
{
        bool stopped = e->belt != BELT_RUNNING || belt_stopping(e);
        bool remote = e->config.allow_remote_start && ftms_control_can_write(e->control);

        buf[0] = 0;
        if (!e->workout)
                return buf;
        switch (e->state) {
        case ENGINE_STATE_ARMED:
                if (!e->link_up)
                        snprintf(buf, n, "Waiting for the treadmill to connect.");
                else if (e->runner_stopped_key)
                        snprintf(buf, n,
                                 "Put the safety key back, then press START on the treadmill "
                                 "to begin.");
                else
                        snprintf(buf, n, "Press START on the treadmill to begin.");
                break;
        case ENGINE_STATE_PAUSED:
                if (e->pause_reason == ENGINE_PAUSE_LINK_LOST && !e->link_up)
                        snprintf(buf, n, "Waiting for the treadmill to reconnect.");
                else if (e->pause_reason == ENGINE_PAUSE_SAFETY_KEY || e->runner_stopped_key)
                        snprintf(buf, n,
                                 "Put the safety key back, then press START on the treadmill "
                                 "to resume.");
                else if (e->start_requested)
                        snprintf(buf, n, "Starting the belt: the workout goes on when it runs.");
                else if (!stopped)
                        snprintf(buf, n, "Resume with 'pacectl resume'.");
                else if (remote)
                        snprintf(buf, n,
                                 "Press START on the treadmill (or run 'pacectl resume') to "
                                 "resume.");
                else
                        snprintf(buf, n, "Press START on the treadmill to resume.");
                break;
        case ENGINE_STATE_IDLE:
                snprintf(buf, n, "Start it with 'pacectl start'.");
                break;
        case ENGINE_STATE_RUNNING:
        case ENGINE_STATE_FINISHED:
        case ENGINE_STATE_ABORTED:
        case _ENGINE_STATE_MAX:
        case _ENGINE_STATE_INVALID:
                break;
        }
        return buf;
}

EngineState workout_engine_get_state(const WorkoutEngine *e)
{
        return e->state;
}

const ResolvedWorkout *workout_engine_get_workout(const WorkoutEngine *e)
{
        return e->workout;
}
