/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loaded workout's shape and what is left of it, for clients that draw
 * the whole workout (paced-web's profile chart) or count down to its end:
 * the Steps and WorkoutRemaining properties. Estimates follow
 * resolved_step_estimate(): free steps at the runner's easy pace.
 */
#include <math.h>

#include "manager-internal.h"

static double easy_kmh(const Manager *m)
{
        RunnerProfile p = m->profile;

        runner_profile_derive(&p);
        return runner_profile_speed_kmh(&p, PACE_REF_EASY);
}

int manager_append_steps(Manager *m, sd_bus_message *reply)
{
        const ResolvedWorkout *w = m->engine ? workout_engine_get_workout(m->engine) : NULL;
        double free_kmh = easy_kmh(m);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sssdddduu)");
        if (r < 0)
                return r;
        for (size_t i = 0; w && i < w->n_steps; i++) {
                const ResolvedStep *s = &w->steps[i];
                bool speed = s->control == STEP_CONTROL_SPEED;
                double t, d;

                resolved_step_estimate(s, free_kmh, &t, &d);
                r = sd_bus_message_append(
                        reply, "(sssdddduu)", step_kind_to_string(s->kind),
                        step_end_to_string(s->end), s->label, s->end_value,
                        s->end == STEP_END_OPEN ? NAN : t, speed ? s->speed_start_kmh : NAN,
                        speed ? s->speed_end_kmh : NAN, s->repeat_index, s->repeat_count);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

void manager_workout_remaining(Manager *m, double *ret_s, double *ret_m)
{
        const ResolvedWorkout *w = m->engine ? workout_engine_get_workout(m->engine) : NULL;
        double free_kmh, left_s, left_m;
        EngineStatus st;
        size_t next;

        *ret_s = *ret_m = NAN;
        if (!w)
                return;
        workout_engine_get_status(m->engine, manager_now(m), &st);
        switch (st.state) {
        case ENGINE_STATE_FINISHED:
        case ENGINE_STATE_ABORTED:
                *ret_s = *ret_m = 0;
                return;
        case ENGINE_STATE_IDLE:
        case _ENGINE_STATE_MAX:
        case _ENGINE_STATE_INVALID:
                return;
        case ENGINE_STATE_ARMED:
        case ENGINE_STATE_RUNNING:
        case ENGINE_STATE_PAUSED:
                break;
        }
        free_kmh = easy_kmh(m);
        if (st.step_index < 0) {
                left_s = left_m = 0;
                next = 0;
        } else if ((size_t)st.step_index < w->n_steps) {
                const ResolvedStep *s = &w->steps[st.step_index];
                double t, d;

                /* The current step as the engine counts it (extensions included). */
                left_s = st.step_remaining_s;
                left_m = st.step_remaining_m;
                if (!isfinite(left_m) && isfinite(left_s)) {
                        resolved_step_estimate(s, free_kmh, &t, &d);
                        left_m = t > 0 ? d * left_s / t : 0;
                }
                next = (size_t)st.step_index + 1;
        } else
                return;
        for (size_t i = next; i < w->n_steps; i++) {
                double t, d;

                if (w->steps[i].end == STEP_END_OPEN)
                        return; /* an open step: no end to count down to */
                resolved_step_estimate(&w->steps[i], free_kmh, &t, &d);
                left_s += t;
                left_m += d;
        }
        *ret_s = isfinite(left_s) ? MAX(left_s, 0.0) : NAN;
        *ret_m = isfinite(left_m) ? MAX(left_m, 0.0) : NAN;
}
