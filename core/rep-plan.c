/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>

#include "rep-plan.h"
#include "util.h"

/* The rep is late by more than this: worth a warning (a data report is 1 s). */
#define REP_LATE_WARN_S 1.0

void rep_plan_machine_init(RepPlanMachine *m)
{
        *m = (RepPlanMachine){
                .max_accel_kmhps = 0.5,
                .belt_accel_kmhps = 0,
                .latency_s = 1.5,
                .lead_share = 0.5,
                .increment_kmh = 0.1,
        };
}

bool rep_plan_is_rep(const ResolvedStep *s)
{
        return s && s->control == STEP_CONTROL_SPEED && s->end != STEP_END_OPEN &&
               (s->kind == STEP_KIND_ACTIVE || s->kind == STEP_KIND_STRIDE ||
                s->kind == STEP_KIND_TIME_TRIAL);
}

double rep_plan_ramp_s(const RepPlanMachine *m, double from_kmh, double to_kmh)
{
        double rate = m->max_accel_kmhps > 0 ? m->max_accel_kmhps : 1.0;
        double dv;

        if (m->belt_accel_kmhps > 0)
                rate = fmin(rate, m->belt_accel_kmhps);
        if (!isfinite(from_kmh) || !isfinite(to_kmh))
                return 0;
        /* Within one increment is "at speed" already. */
        dv = to_kmh - from_kmh - m->increment_kmh;
        if (dv <= 0)
                return 0;
        return dv / rate + m->latency_s;
}

double rep_plan_run_up_m(const RepPlanMachine *m, double from_kmh, double to_kmh, double t_s)
{
        double rate = m->max_accel_kmhps > 0 ? m->max_accel_kmhps : 1.0;
        double lat, ramp, d;

        if (m->belt_accel_kmhps > 0)
                rate = fmin(rate, m->belt_accel_kmhps);
        if (!isfinite(from_kmh) || !isfinite(to_kmh) || !(t_s > 0))
                return 0;
        lat = fmin(t_s, m->latency_s);
        d = from_kmh * lat;
        t_s -= lat;
        ramp = fmin(t_s, fmax(to_kmh - from_kmh, 0) / rate);
        d += (from_kmh + rate * ramp / 2) * ramp;
        d += to_kmh * fmax(t_s - ramp, 0);
        return d / 3.6;
}

double rep_plan_step_s(const ResolvedStep *s)
{
        double v;

        switch (s->end) {
        case STEP_END_TIME:
                return s->end_value;
        case STEP_END_DISTANCE:
                if (s->control != STEP_CONTROL_SPEED)
                        return NAN;
                /* A ramp covers its distance at its mean speed. */
                v = (s->speed_start_kmh + s->speed_end_kmh) / 2;
                return v > 0 ? s->end_value / (v / 3.6) : NAN;
        case STEP_END_OPEN:
        case _STEP_END_MAX:
        case _STEP_END_INVALID:
                break;
        }
        return NAN;
}

static double end_speed(const ResolvedStep *s)
{
        switch (s->control) {
        case STEP_CONTROL_SPEED:
                return s->speed_end_kmh;
        case STEP_CONTROL_HR:
                return s->hr_fallback_kmh > 0 ? s->hr_fallback_kmh : NAN;
        case STEP_CONTROL_FREE:
        case _STEP_CONTROL_MAX:
        case _STEP_CONTROL_INVALID:
                break;
        }
        return NAN;
}

void rep_plan_step(const RepPlanMachine *m, const ResolvedWorkout *w, size_t i, double from0_kmh,
                   RepPlan *ret)
{
        const ResolvedStep *s = &w->steps[i], *before = i > 0 ? &w->steps[i - 1] : NULL;

        *ret = (RepPlan){
                .from_kmh = before ? end_speed(before) : from0_kmh,
                .to_kmh = s->control == STEP_CONTROL_SPEED ? s->speed_start_kmh : NAN,
                .rep_s = rep_plan_step_s(s),
                .before_s = before ? rep_plan_step_s(before) : 0,
        };
        if (!rep_plan_is_rep(s) || !isfinite(ret->from_kmh))
                return;
        ret->ramp_s = rep_plan_ramp_s(m, ret->from_kmh, ret->to_kmh);
        if (ret->ramp_s <= 0)
                return;
        ret->speedup = true;
        /* The run-up may take at most a share of the step before: the rest of
         * the recovery stays a recovery. What does not fit is waited for. */
        if (isfinite(ret->before_s) && ret->before_s > 0)
                ret->lead_s = fmin(ret->ramp_s, ret->before_s * m->lead_share);
        ret->late_s = ret->ramp_s - ret->lead_s;
}

int rep_plan_warning(const RepPlanMachine *m, const ResolvedWorkout *w, size_t i, double from0_kmh,
                     char *buf, size_t n)
{
        const ResolvedStep *s = &w->steps[i];
        RepPlan p;
        char accel[64];

        rep_plan_step(m, w, i, from0_kmh, &p);
        if (!p.speedup)
                return 0;
        if (m->belt_accel_kmhps > 0 && m->belt_accel_kmhps < m->max_accel_kmhps)
                snprintf(accel, sizeof(accel), "the belt's %.2g km/h/s", m->belt_accel_kmhps);
        else
                snprintf(accel, sizeof(accel), "max_accel %.2g km/h/s", m->max_accel_kmhps);
        if (p.late_s > REP_LATE_WARN_S) {
                snprintf(buf, n,
                         "step %zu: %.1f km/h is %.0f s away from %.1f km/h at %s, more than "
                         "the step before can give: the rep starts about %.0f s late, when the "
                         "belt is at speed",
                         i + 1, p.to_kmh, p.ramp_s, p.from_kmh, accel, p.late_s);
                return 1;
        }
        if (isfinite(p.rep_s) && p.ramp_s > p.rep_s) {
                snprintf(buf, n,
                         "step %zu: the run-up to %.1f km/h (%.0f s from %.1f km/h at %s) is "
                         "longer than the %s rep itself: it starts %.0f s early, in the step "
                         "before",
                         i + 1, p.to_kmh, p.ramp_s, p.from_kmh, accel,
                         s->end == STEP_END_TIME ? "timed" : "distance", p.lead_s);
                return 1;
        }
        return 0;
}
