/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A paced workout as a FIT workout file, for a watch or a training
 * platform. The steps are the resolved ones (absolute speeds for this
 * runner and machine: FIT has no "mile pace"); the repeats are the authored
 * ones, written as repeat_until_steps_cmplt where every repetition resolved
 * to the same steps. docs/workouts.md, "FIT workouts".
 */
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "export-fit.h"
#include "workout-fit.h"

typedef struct Planner {
        const ResolvedWorkout *rw;
        size_t next; /* the next resolved step to place */
        FitWorkoutStep *out;
        size_t n, alloc;
} Planner;

static int plan_push(Planner *p, const FitWorkoutStep *s)
{
        if (p->n >= WORKOUT_STEPS_MAX * 2)
                return -E2BIG;
        if (!GREEDY_REALLOC(p->out, p->alloc, p->n + 1))
                return -ENOMEM;
        p->out[p->n++] = *s;
        return 0;
}

/* What a watch runs, and what it shows. */
static bool same_step(const ResolvedStep *a, const ResolvedStep *b)
{
        return a->kind == b->kind && a->end == b->end && a->end_value == b->end_value &&
               a->control == b->control && a->speed_start_kmh == b->speed_start_kmh &&
               a->speed_end_kmh == b->speed_end_kmh && a->speed_lo_kmh == b->speed_lo_kmh &&
               a->speed_hi_kmh == b->speed_hi_kmh && a->hr_lo_bpm == b->hr_lo_bpm &&
               a->hr_hi_bpm == b->hr_hi_bpm && a->has_incline == b->has_incline &&
               a->incline_start_pct == b->incline_start_pct &&
               a->incline_end_pct == b->incline_end_pct && streq_ptr(a->cue, b->cue);
}

/*
 * Walks the authored tree beside the resolved steps it expanded to, one
 * resolved step per leaf. -ERANGE when they part (a ramp test's repeat that
 * resolution cut short): the caller then writes the steps unrolled.
 */
static int plan_block(Planner *p, const WorkoutBlock *b)
{
        const ResolvedWorkout *rw = p->rw;
        int r;

        for (size_t i = 0; i < b->n_nodes; i++) {
                const WorkoutNode *node = &b->nodes[i];
                size_t first_out = p->n, first_in = p->next, k;
                bool same;

                if (!node->is_repeat) {
                        if (p->next >= rw->n_steps)
                                return -ERANGE;
                        r = plan_push(p, &(FitWorkoutStep){.step = &rw->steps[p->next++]});
                        if (r < 0)
                                return r;
                        continue;
                }
                r = plan_block(p, &node->block);
                if (r < 0)
                        return r;
                k = p->next - first_in;
                same = node->repeat > 1 && k > 0 && first_out < UINT16_MAX &&
                       first_in + k * node->repeat <= rw->n_steps;
                for (size_t j = k; same && j < k * node->repeat; j++)
                        same = same_step(&rw->steps[first_in + j % k], &rw->steps[first_in + j]);
                if (same) {
                        p->next = first_in + k * node->repeat;
                        r = plan_push(p, &(FitWorkoutStep){.repeat_from = (uint16_t)first_out,
                                                           .repeat_count = node->repeat});
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Repetitions that differ (a speed that climbs each time): unrolled. */
                for (unsigned rep = 1; rep < node->repeat; rep++) {
                        r = plan_block(p, &node->block);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int workout_fit_export(const Workout *w, const ResolvedWorkout *rw, uint32_t created, uint8_t **ret,
                       size_t *ret_size)
{
        Planner p = {.rw = rw};
        int r;

        if (!rw || rw->n_steps == 0 || !ret || !ret_size)
                return -EINVAL;
        r = w ? plan_block(&p, &w->body) : -ERANGE;
        if (r >= 0 && p.next != rw->n_steps)
                r = -ERANGE;
        if (r == -ERANGE) {
                /* The tree does not map onto the steps: every step as resolved. */
                p.n = 0;
                for (size_t i = 0; i < rw->n_steps && r != -ENOMEM && r != -E2BIG; i++)
                        r = plan_push(&p, &(FitWorkoutStep){.step = &rw->steps[i]});
        }
        if (r >= 0)
                r = export_fit_workout(rw->name ? rw->name
                                       : w      ? w->name
                                                : NULL,
                                       p.out, p.n, created, ret, ret_size);
        free(p.out);
        return r < 0 ? r : 0;
}
