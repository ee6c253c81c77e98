/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "session-reps.h"
#include "utf8.h"
#include "util.h"

char *session_step_title(const SessionStep *st, char *buf, size_t size)
{
        if (size == 0)
                return buf;
        if (st->cue[0] && st->label[0])
                snprintf(buf, size, "%s %s", st->cue, st->label);
        else if (st->cue[0] || st->label[0])
                snprintf(buf, size, "%s", st->cue[0] ? st->cue : st->label);
        else
                snprintf(buf, size, "-");
        utf8_truncate(buf, size - 1);
        return buf;
}

void session_step_relabel(SessionStep *st, bool per_mile)
{
        static const char open_suffix[] = " until you stop";
        ResolvedStep o = {
                .kind = st->kind,
                .end = st->end,
                .end_value = st->end_value,
                .control = st->control,
                .speed_start_kmh = st->speed_start_kmh,
                .speed_end_kmh = st->speed_end_kmh,
                .hr_lo_bpm = st->hr_lo_bpm,
                .hr_hi_bpm = st->hr_hi_bpm,
                .has_incline = st->has_incline,
                .incline_start_pct = st->incline_start_pct,
                .incline_end_pct = st->incline_end_pct,
        };
        size_t n = strlen(st->label), k = sizeof(open_suffix) - 1;
        bool open = n >= k && streq(st->label + n - k, open_suffix);

        /* Nothing stored to say it again from (a step that lost its fields). */
        if (!st->label[0] || o.end < 0 || o.control < 0)
                return;
        resolved_step_format_label(&o, per_mile, st->label, sizeof(st->label));
        if (open)
                strncat(st->label, open_suffix, sizeof(st->label) - strlen(st->label) - 1);
}

/* What the runner was asked to run: a ramp's mean speed, NAN for HR-led or free steps. */
static double step_target_kmh(const SessionStep *st)
{
        if (st->control != STEP_CONTROL_SPEED)
                return NAN;
        if (!isfinite(st->speed_start_kmh) || !isfinite(st->speed_end_kmh))
                return isfinite(st->speed_start_kmh) ? st->speed_start_kmh : NAN;
        return (st->speed_start_kmh + st->speed_end_kmh) / 2;
}

static bool is_rest(const SessionStep *st)
{
        return st->kind == STEP_KIND_RECOVERY || st->kind == STEP_KIND_REST;
}

/* The rep's work step among steps [from, to). */
static size_t rep_work_step(const SessionData *d, size_t from, size_t to)
{
        size_t best = SIZE_MAX;

        for (size_t i = from; i < to; i++) {
                double v = step_target_kmh(&d->steps[i]);

                if (isfinite(v) && (best == SIZE_MAX || v > step_target_kmh(&d->steps[best])))
                        best = i;
        }
        if (best != SIZE_MAX)
                return best;
        for (size_t i = from; i < to; i++)
                if (!is_rest(&d->steps[i]))
                        return i;
        return from;
}

/* Adds up the runs of step k (a resumed session may run a step twice). */
static void step_totals(const SessionSummary *s, size_t k, double *moving_s, double *distance_m,
                        double *hr_sum, double *hr_s, double *max_hr, bool *ran)
{
        for (size_t i = 0; i < s->n_steps; i++) {
                const StepSummary *st = &s->steps[i];

                if (st->step_index < 0 || (size_t)st->step_index != k)
                        continue;
                *ran = true;
                *moving_s += st->moving_s;
                if (isfinite(st->distance_m))
                        *distance_m += st->distance_m;
                if (isfinite(st->avg_hr_bpm) && st->moving_s > 0) {
                        *hr_sum += st->avg_hr_bpm * st->moving_s;
                        *hr_s += st->moving_s;
                }
                if (isfinite(st->max_hr_bpm) && (isnan(*max_hr) || st->max_hr_bpm > *max_hr))
                        *max_hr = st->max_hr_bpm;
        }
}

static void rep_fill(const SessionData *d, const SessionSummary *s, size_t from, size_t to,
                     SessionRep *r)
{
        double hr_sum = 0, hr_s = 0, rest_hr_sum = 0, rest_hr_s = 0, rest_max = NAN, rest_m = 0;
        bool rest_ran = false;
        size_t w = rep_work_step(d, from, to);

        r->first_step = (int)from;
        r->n_steps = (int)(to - from);
        r->work_step = (int)w;
        r->moving_s = r->distance_m = 0;
        r->max_hr_bpm = NAN;
        r->ran = false;
        step_totals(s, w, &r->moving_s, &r->distance_m, &hr_sum, &hr_s, &r->max_hr_bpm, &r->ran);
        r->speed_kmh = r->ran && r->moving_s > 0 ? r->distance_m / r->moving_s * 3.6 : NAN;
        r->target_kmh = step_target_kmh(&d->steps[w]);
        r->avg_hr_bpm = hr_s > 0 ? hr_sum / hr_s : NAN;
        r->rest_s = 0;
        for (size_t i = from; i < to; i++)
                if (i != w)
                        step_totals(s, i, &r->rest_s, &rest_m, &rest_hr_sum, &rest_hr_s, &rest_max,
                                    &rest_ran);
        if (!rest_ran)
                r->rest_s = NAN;
}

int session_reps_compute(const SessionData *d, const SessionSummary *s, SessionRep **ret,
                         size_t *ret_n)
{
        _cleanup_free_ SessionRep *reps = NULL;
        size_t n = 0, allocated = 0, i = 0;
        unsigned block = 0;

        if (!d || !s || !ret || !ret_n)
                return -EINVAL;
        while (i < d->n_steps) {
                const SessionStep *st = &d->steps[i];
                const SessionStep *prev = i > 0 ? &d->steps[i - 1] : NULL;
                size_t end = i + 1;

                if (st->repeat_count == 0) {
                        i++;
                        continue;
                }
                /* A rep: the steps that share its repeat index and count. */
                while (end < d->n_steps && d->steps[end].repeat_index == st->repeat_index &&
                       d->steps[end].repeat_count == st->repeat_count)
                        end++;
                /* A new block unless this rep follows the previous one's. */
                if (!prev || prev->repeat_count != st->repeat_count ||
                    prev->repeat_index + 1 != st->repeat_index)
                        block++;
                if (!GREEDY_REALLOC(reps, allocated, n + 1))
                        return -ENOMEM;
                reps[n] = (SessionRep){
                        .block = block,
                        .rep = st->repeat_index,
                        .n_reps = st->repeat_count,
                };
                rep_fill(d, s, i, end, &reps[n]);
                n++;
                i = end;
        }
        *ret = TAKE_PTR(reps);
        *ret_n = n;
        return 0;
}
