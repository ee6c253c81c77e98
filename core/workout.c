/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* vasprintf */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "alloc-util.h"
#include "read-file.h"
#include "string-table.h"
#include "time-util.h"
#include "workout.h"

static const char *const step_kind_table[_STEP_KIND_MAX] = {
        [STEP_KIND_WARMUP] = "warmup",         [STEP_KIND_ACTIVE] = "active",
        [STEP_KIND_RECOVERY] = "recovery",     [STEP_KIND_REST] = "rest",
        [STEP_KIND_COOLDOWN] = "cooldown",     [STEP_KIND_STRIDE] = "stride",
        [STEP_KIND_TIME_TRIAL] = "time-trial",
};

static const char *const step_end_table[_STEP_END_MAX] = {
        [STEP_END_TIME] = "time",
        [STEP_END_DISTANCE] = "distance",
        [STEP_END_OPEN] = "open",
};

static const char *const step_control_table[_STEP_CONTROL_MAX] = {
        [STEP_CONTROL_SPEED] = "speed",
        [STEP_CONTROL_HR] = "hr",
        [STEP_CONTROL_FREE] = "free",
};

static const char *const speed_target_type_table[_SPEED_TARGET_MAX] = {
        [SPEED_TARGET_NONE] = "none",   [SPEED_TARGET_FREE] = "free",
        [SPEED_TARGET_VALUE] = "value", [SPEED_TARGET_RANGE] = "range",
        [SPEED_TARGET_RAMP] = "ramp",
};

static const char *const hr_target_type_table[_HR_TARGET_MAX] = {
        [HR_TARGET_NONE] = "none",         [HR_TARGET_BPM] = "bpm",
        [HR_TARGET_ZONE] = "zone",         [HR_TARGET_PCT_MAX] = "pct-max",
        [HR_TARGET_PCT_LTHR] = "pct-lthr",
};

DEFINE_STRING_TABLE_LOOKUP(step_kind, StepKind);
DEFINE_STRING_TABLE_LOOKUP(step_end, StepEnd);
DEFINE_STRING_TABLE_LOOKUP(step_control, StepControl);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(speed_target_type, SpeedTargetType);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(hr_target_type, HrTargetType);

ResolvedWorkout *resolved_workout_free(ResolvedWorkout *w)
{
        if (!w)
                return NULL;
        for (size_t i = 0; i < w->n_steps; i++) {
                free(w->steps[i].cue);
                step_cues_free(w->steps[i].cues, w->steps[i].n_cues);
        }
        free(w->steps);
        free(w->name);
        free(w->source);
        workout_notes_free(w->notes);
        free(w);
        return NULL;
}

void step_cues_free(StepCue *cues, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(cues[i].text);
        free(cues);
}

int workout_step_add_cue(WorkoutStep *s, double at, bool at_distance, const char *text)
{
        StepCue *c;
        size_t i;

        if (!s || !text || !(at >= 0) || !isfinite(at))
                return -EINVAL;
        if (s->n_cues >= STEP_CUES_MAX)
                return -E2BIG;
        c = reallocarray(s->cues, s->n_cues + 1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        s->cues = c;
        /* Kept in order of `at` (files list them in any order); equal
         * offsets keep their written order. */
        for (i = s->n_cues; i > 0 && c[i - 1].at > at; i--)
                c[i] = c[i - 1];
        c[i] = (StepCue){.at = at, .at_distance = at_distance, .text = strdup(text)};
        if (!c[i].text) {
                memmove(&c[i], &c[i + 1], (s->n_cues - i) * sizeof(*c));
                return -ENOMEM;
        }
        s->n_cues++;
        return 0;
}

void workout_notes_free(char **notes)
{
        if (!notes)
                return;
        for (char **n = notes; *n; n++)
                free(*n);
        free(notes);
}

char **workout_notes_copy(char *const *notes)
{
        size_t n = 0;
        char **c;

        if (!notes)
                return NULL;
        while (notes[n])
                n++;
        c = calloc(n + 1, sizeof(*c));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(notes[i]);
                if (!c[i]) {
                        workout_notes_free(c);
                        return NULL;
                }
        }
        return c;
}

int workout_add_note(Workout *w, const char *fmt, ...)
{
        char **t, *note;
        va_list ap;
        int k;

        if (!w || !fmt)
                return -EINVAL;
        if (w->n_notes >= WORKOUT_NOTES_MAX)
                return 0;
        va_start(ap, fmt);
        k = vasprintf(&note, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        t = reallocarray(w->notes, w->n_notes + 2, sizeof(*t));
        if (!t) {
                free(note);
                return -ENOMEM;
        }
        w->notes = t;
        w->notes[w->n_notes++] = note;
        w->notes[w->n_notes] = NULL;
        return 0;
}

int resolved_workout_find(const ResolvedWorkout *w, const char *target, size_t *ret)
{
        size_t main = 0;

        if (!w || !target || !ret)
                return -EINVAL;
        while (main < w->n_steps && w->steps[main].kind == STEP_KIND_WARMUP)
                main++;
        if (streq(target, "main")) {
                if (main >= w->n_steps)
                        return -ENOENT;
                *ret = main;
                return 0;
        }
        for (size_t i = main; i < w->n_steps; i++)
                if ((streq(target, "trial") && w->steps[i].kind == STEP_KIND_TIME_TRIAL) ||
                    (streq(target, "cooldown") && w->steps[i].kind == STEP_KIND_COOLDOWN)) {
                        *ret = i;
                        return 0;
                }
        return streq(target, "trial") || streq(target, "cooldown") ? -ENOENT : -EINVAL;
}

void workout_step_init(WorkoutStep *s)
{
        *s = (WorkoutStep){
                .kind = STEP_KIND_ACTIVE,
                .end = STEP_END_OPEN,
        };
}

int workout_new(Workout **ret, const char *name)
{
        Workout *w;

        if (!ret)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        if (name) {
                w->name = strdup(name);
                if (!w->name) {
                        free(w);
                        return -ENOMEM;
                }
        }
        *ret = w;
        return 0;
}

void workout_block_done(WorkoutBlock *b)
{
        for (size_t i = 0; i < b->n_nodes; i++) {
                WorkoutNode *n = &b->nodes[i];

                if (n->is_repeat)
                        workout_block_done(&n->block);
                else {
                        free(n->step.cue);
                        step_cues_free(n->step.cues, n->step.n_cues);
                }
        }
        free(b->nodes);
        *b = (WorkoutBlock){};
}

Workout *workout_free(Workout *w)
{
        if (!w)
                return NULL;
        workout_block_done(&w->body);
        free(w->name);
        free(w->description);
        workout_notes_free(w->notes);
        free(w);
        return NULL;
}

static WorkoutNode *block_push(WorkoutBlock *b)
{
        WorkoutNode *n;

        if (!GREEDY_REALLOC(b->nodes, b->n_nodes_allocated, b->n_nodes + 1))
                return NULL;
        n = &b->nodes[b->n_nodes++];
        *n = (WorkoutNode){};
        return n;
}

WorkoutNode *workout_block_add_step(WorkoutBlock *b, WorkoutStep *step)
{
        WorkoutNode *n = block_push(b);

        if (!n)
                return NULL;
        n->step = *step;
        step->cue = NULL;
        step->cues = NULL;
        step->n_cues = 0;
        return n;
}

WorkoutNode *workout_block_add_repeat(WorkoutBlock *b, unsigned repeat)
{
        WorkoutNode *n = block_push(b);

        if (!n)
                return NULL;
        n->is_repeat = true;
        n->repeat = repeat;
        return n;
}

static size_t block_count(const WorkoutBlock *b)
{
        size_t total = 0;

        for (size_t i = 0; i < b->n_nodes; i++) {
                const WorkoutNode *n = &b->nodes[i];
                size_t k = n->is_repeat ? block_count(&n->block) : 1;

                if (n->is_repeat && k > 0 && n->repeat > (SIZE_MAX / 2) / k)
                        return SIZE_MAX / 2;
                total += n->is_repeat ? k * n->repeat : 1;
                if (total > SIZE_MAX / 2)
                        return SIZE_MAX / 2;
        }
        return total;
}

size_t workout_count_steps(const Workout *w)
{
        return w ? block_count(&w->body) : 0;
}

const char *workout_error_format(const WorkoutError *e, char *buf, size_t n)
{
        const char *file = e->file[0] ? e->file : "<input>";

        if (e->line > 0 && e->column > 0)
                snprintf(buf, n, "%s:%u:%u: %s", file, e->line, e->column, e->message);
        else if (e->line > 0)
                snprintf(buf, n, "%s:%u: %s", file, e->line, e->message);
        else
                snprintf(buf, n, "%s: %s", file, e->message);
        return buf;
}

void resolve_limits_init(ResolveLimits *l)
{
        *l = (ResolveLimits){
                .min_speed_kmh = 1.0,
                .max_speed_kmh = 20.0,
                .min_incline_pct = 0.0,
                .max_incline_pct = 15.0,
                .speed_cap_kmh = INFINITY,
                .incline_cap_pct = INFINITY,
        };
}

/* ---- resolution ---- */

typedef struct Resolver {
        const RunnerProfile *profile;
        double min_speed, max_speed; /* machine range intersected with the cap */
        double min_incline, max_incline;
        ResolvedStep *steps;
        size_t n_steps, n_steps_allocated;
        size_t last_escalating; /* 1 + index of the last stepped-up step, 0 if none */
} Resolver;

static double speed_value_kmh(const Resolver *r, const SpeedValue *v)
{
        if (!v->relative) {
                if (v->kmh == 0 && v->pace_s_per_unit > 0)
                        return 3600.0 / v->pace_s_per_unit *
                               (r->profile->units == PROFILE_UNITS_MI ? KMH_PER_MPH : 1.0);
                return v->kmh;
        }
        return runner_profile_speed_kmh(r->profile,
                                        v->default_ref ? r->profile->zwift_pace : v->ref) *
               v->pct / 100.0;
}

/* Friel running zones (% LTHR) when the runner gave an LTHR, else the
 * 5-zone %HRmax model: an LTHR estimated from max HR would put the zone
 * boundaries a whole zone off (docs/physiology.md, "Zones"). */
static void hr_zone_bpm(const RunnerProfile *p, unsigned zone, double *lo, double *hi)
{
        static const double friel[6][2] = {
                {0, 0}, {0.65, 0.85}, {0.85, 0.89}, {0.90, 0.94}, {0.95, 0.99}, {1.00, 1.06},
        };
        static const double hrmax[6][2] = {
                {0, 0}, {0.50, 0.60}, {0.60, 0.70}, {0.70, 0.80}, {0.80, 0.90}, {0.90, 1.00},
        };

        zone = zone < 1 ? 1 : zone > 5 ? 5 : zone;
        if (p->lthr > 0 && !p->lthr_derived) {
                *lo = friel[zone][0] * p->lthr;
                *hi = friel[zone][1] * p->lthr;
        } else {
                *lo = hrmax[zone][0] * p->max_hr;
                *hi = hrmax[zone][1] * p->max_hr;
        }
}

static int resolve_hr(const Resolver *r, const WorkoutStep *s, ResolvedStep *o)
{
        const RunnerProfile *p = r->profile;
        double lo = 0, hi = 0, x;

        switch (s->hr_type) {
        case HR_TARGET_BPM:
                lo = s->hr_lo;
                hi = s->hr_hi;
                break;
        case HR_TARGET_ZONE:
                if (p->lthr == 0 && p->max_hr == 0)
                        return -ENODATA;
                hr_zone_bpm(p, (unsigned)s->hr_lo, &lo, &x);
                hr_zone_bpm(p, (unsigned)s->hr_hi, &x, &hi);
                break;
        case HR_TARGET_PCT_MAX:
                if (p->max_hr == 0)
                        return -ENODATA;
                lo = s->hr_lo / 100.0 * p->max_hr;
                hi = s->hr_hi / 100.0 * p->max_hr;
                break;
        case HR_TARGET_PCT_LTHR:
                if (p->lthr == 0)
                        return -ENODATA;
                lo = s->hr_lo / 100.0 * p->lthr;
                hi = s->hr_hi / 100.0 * p->lthr;
                break;
        case HR_TARGET_NONE:
        case _HR_TARGET_MAX:
        case _HR_TARGET_INVALID:
                return -EINVAL;
        }
        o->hr_lo_bpm = round(lo);
        o->hr_hi_bpm = round(hi);
        return 0;
}

static double clamp_speed(const Resolver *r, double v, bool *clamped)
{
        if (v > r->max_speed + 1e-9) {
                *clamped = true;
                return r->max_speed;
        }
        if (v < r->min_speed - 1e-9) {
                *clamped = true;
                return r->min_speed;
        }
        return v;
}

static double clamp_incline(const Resolver *r, double v, bool *clamped)
{
        if (v > r->max_incline + 1e-9) {
                *clamped = true;
                return r->max_incline;
        }
        if (v < r->min_incline - 1e-9) {
                *clamped = true;
                return r->min_incline;
        }
        return v;
}

static void format_end(const ResolvedStep *o, bool per_mile, char *buf, size_t n)
{
        double quarters = o->end_value / (METERS_PER_MILE / 4);

        switch (o->end) {
        case STEP_END_TIME:
                format_duration(buf, n, o->end_value, TIME_FORMAT_DASH);
                break;
        case STEP_END_DISTANCE:
                /* A runner in miles reads whole quarter miles as miles and a
                 * track distance in metres, never kilometres. */
                if (per_mile && quarters >= 1 && fabs(quarters - round(quarters)) < 1e-5)
                        snprintf(buf, n, "%g mi", round(quarters) / 4);
                else if (per_mile)
                        snprintf(buf, n, "%.0f m", o->end_value);
                else if (o->end_value >= 1000 && fmod(o->end_value, 100) == 0)
                        snprintf(buf, n, "%.1f km", o->end_value / 1000.0);
                else if (fabs(o->end_value - METERS_PER_MILE) < 0.01)
                        snprintf(buf, n, "1 mi");
                else
                        snprintf(buf, n, "%.0f m", o->end_value);
                break;
        case STEP_END_OPEN:
        case _STEP_END_MAX:
        case _STEP_END_INVALID:
                snprintf(buf, n, "open");
                break;
        }
}

void resolved_step_format_label(const ResolvedStep *o, bool per_mile, char *buf, size_t size)
{
        char end[32], a[32], b[32], target[80], incline[40] = "", full[256];

        if (size == 0)
                return;
        format_end(o, per_mile, end, sizeof(end));
        switch (o->control) {
        case STEP_CONTROL_SPEED:
                if (fabs(o->speed_start_kmh - o->speed_end_kmh) > 1e-9)
                        snprintf(target, sizeof(target), "%s -> %s",
                                 format_pace(a, sizeof(a), o->speed_start_kmh, per_mile,
                                             TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                                 format_pace(b, sizeof(b), o->speed_end_kmh, per_mile,
                                             TIME_FORMAT_UNIT | TIME_FORMAT_DASH));
                else
                        format_pace(target, sizeof(target), o->speed_start_kmh, per_mile,
                                    TIME_FORMAT_UNIT | TIME_FORMAT_DASH);
                break;
        case STEP_CONTROL_HR:
                snprintf(target, sizeof(target), "HR %.0f-%.0f bpm", o->hr_lo_bpm, o->hr_hi_bpm);
                break;
        case STEP_CONTROL_FREE:
        case _STEP_CONTROL_MAX:
        case _STEP_CONTROL_INVALID:
                snprintf(target, sizeof(target), "free");
                break;
        }
        if (o->has_incline) {
                if (fabs(o->incline_start_pct - o->incline_end_pct) > 1e-9)
                        snprintf(incline, sizeof(incline), ", incline %.1f -> %.1f %%",
                                 o->incline_start_pct, o->incline_end_pct);
                else
                        snprintf(incline, sizeof(incline), ", incline %.1f %%",
                                 o->incline_start_pct);
        }
        snprintf(full, sizeof(full), "%s at %s%s", end, target, incline);
        snprintf(buf, size, "%s", full);
}

static void make_label(const Resolver *r, ResolvedStep *o)
{
        resolved_step_format_label(o, r->profile->units == PROFILE_UNITS_MI, o->label,
                                   sizeof(o->label));
}

static int resolve_step(Resolver *r, const WorkoutStep *s, unsigned rep_index, unsigned rep_count,
                        ResolvedStep *o)
{
        double lo = 0, hi = 0, a, b;
        bool clamped = false;
        int k;

        *o = (ResolvedStep){
                .kind = s->kind,
                .end = s->end,
                .end_value = s->end == STEP_END_OPEN ? 0 : s->end_value,
                .repeat_index = rep_index,
                .repeat_count = rep_count,
        };

        switch (s->speed_type) {
        case SPEED_TARGET_VALUE:
        case SPEED_TARGET_RANGE:
        case SPEED_TARGET_RAMP:
                lo = speed_value_kmh(r, &s->speed_lo);
                hi = s->speed_type == SPEED_TARGET_VALUE ? lo : speed_value_kmh(r, &s->speed_hi);
                if (rep_index > 1 && s->speed_step_kmh != 0) {
                        lo += s->speed_step_kmh * (rep_index - 1);
                        hi += s->speed_step_kmh * (rep_index - 1);
                }
                /* "+1s": the distance step takes one second longer. */
                if (s->time_offset_s != 0 && s->end == STEP_END_DISTANCE) {
                        lo = s->end_value / (s->end_value / (lo / 3.6) + s->time_offset_s) * 3.6;
                        hi = s->end_value / (s->end_value / (hi / 3.6) + s->time_offset_s) * 3.6;
                }
                if (!(lo > 0) || !(hi > 0) || !isfinite(lo) || !isfinite(hi))
                        return -EDOM;
                break;
        case SPEED_TARGET_NONE:
        case SPEED_TARGET_FREE:
        case _SPEED_TARGET_MAX:
        case _SPEED_TARGET_INVALID:
                break;
        }

        if (s->hr_type != HR_TARGET_NONE) {
                o->control = STEP_CONTROL_HR;
                k = resolve_hr(r, s, o);
                if (k < 0)
                        return k;
                /* With a speed target as well, that is where the engine
                 * starts and what it falls back to; else easy pace. */
                a = s->speed_type == SPEED_TARGET_NONE || s->speed_type == SPEED_TARGET_FREE
                            ? runner_profile_speed_kmh(r->profile, PACE_REF_EASY)
                            : (lo + hi) / 2;
                o->requested_speed_kmh = a;
                o->hr_fallback_kmh = clamp_speed(r, a, &clamped);
                o->speed_start_kmh = o->speed_end_kmh = o->speed_lo_kmh = o->speed_hi_kmh =
                        o->hr_fallback_kmh;
        } else if (s->speed_type == SPEED_TARGET_NONE || s->speed_type == SPEED_TARGET_FREE) {
                o->control = STEP_CONTROL_FREE;
        } else {
                o->control = STEP_CONTROL_SPEED;
                if (s->speed_type == SPEED_TARGET_RAMP) {
                        a = lo;
                        b = hi;
                } else
                        a = b = (lo + hi) / 2;
                /* A ramp cannot progress through an open step. */
                if (s->end == STEP_END_OPEN)
                        a = b;
                o->requested_speed_kmh = fmax(fmax(a, b), fmax(lo, hi));
                o->speed_start_kmh = clamp_speed(r, a, &clamped);
                o->speed_end_kmh = clamp_speed(r, b, &clamped);
                o->speed_lo_kmh = clamp_speed(r, fmin(lo, hi), &clamped);
                o->speed_hi_kmh = clamp_speed(r, fmax(lo, hi), &clamped);
        }
        o->speed_clamped = clamped;

        if (s->has_incline) {
                clamped = false;
                a = s->incline_lo_pct;
                b = s->incline_ramp && s->end != STEP_END_OPEN ? s->incline_hi_pct : a;
                o->has_incline = true;
                o->requested_incline_pct = fabs(b) > fabs(a) ? b : a;
                o->incline_start_pct = clamp_incline(r, a, &clamped);
                o->incline_end_pct = clamp_incline(r, b, &clamped);
                o->incline_clamped = clamped;
        }

        if (s->cue) {
                o->cue = strdup(s->cue);
                if (!o->cue)
                        return -ENOMEM;
        }
        if (s->n_cues > 0) {
                o->cues = calloc(s->n_cues, sizeof(*o->cues));
                if (!o->cues) {
                        free(o->cue);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < s->n_cues; i++) {
                        o->cues[i] = s->cues[i];
                        o->cues[i].text = strdup(s->cues[i].text);
                        o->n_cues = i + 1;
                        if (!o->cues[i].text) {
                                free(o->cue);
                                step_cues_free(o->cues, i);
                                return -ENOMEM;
                        }
                }
        }
        make_label(r, o);
        return 0;
}

static void resolved_step_free_contents(ResolvedStep *o)
{
        free(o->cue);
        step_cues_free(o->cues, o->n_cues);
        o->cue = NULL;
        o->cues = NULL;
        o->n_cues = 0;
}

static int resolver_push(Resolver *r, ResolvedStep *o)
{
        if (r->n_steps >= WORKOUT_STEPS_MAX) {
                resolved_step_free_contents(o);
                return -E2BIG;
        }
        if (!GREEDY_REALLOC(r->steps, r->n_steps_allocated, r->n_steps + 1)) {
                resolved_step_free_contents(o);
                return -ENOMEM;
        }
        r->steps[r->n_steps++] = *o;
        return 0;
}

static bool block_has_speed_step(const WorkoutBlock *b)
{
        for (size_t i = 0; i < b->n_nodes; i++)
                if (b->nodes[i].is_repeat ? block_has_speed_step(&b->nodes[i].block)
                                          : b->nodes[i].step.speed_step_kmh != 0)
                        return true;
        return false;
}

static int resolve_block(Resolver *r, const WorkoutBlock *b, unsigned rep_index, unsigned rep_count,
                         bool *ret_capped);

/* A repeat whose steps speed up every repetition (ramp test) ends when the
 * next repetition would pass the speed limit; its last step then becomes
 * open so the runner holds the top speed until they stop. */
static int resolve_repeat(Resolver *r, const WorkoutNode *n)
{
        bool escalating = block_has_speed_step(&n->block);
        size_t start = r->n_steps;

        for (unsigned i = 1; i <= n->repeat; i++) {
                size_t mark = r->n_steps, prev = r->last_escalating, open;
                bool capped = false;
                int k;

                k = resolve_block(r, &n->block, i, n->repeat, &capped);
                if (k < 0)
                        return k;
                if (!escalating || !capped)
                        continue;
                if (i > 1) {
                        /* Drop the repetition that went past the limit. */
                        for (size_t j = mark; j < r->n_steps; j++)
                                resolved_step_free_contents(&r->steps[j]);
                        r->n_steps = mark;
                        r->last_escalating = prev;
                }
                /* Even the first repetition is above the limit: it stays,
                 * clamped and flagged, and the repeat stops there. Either
                 * way the last stepped-up step becomes open: the runner
                 * holds it until they stop or skip to what follows. */
                open = r->last_escalating > start ? r->last_escalating - 1 : r->n_steps - 1;
                ResolvedStep *last = &r->steps[open];
                last->end = STEP_END_OPEN;
                last->end_value = 0;
                last->speed_end_kmh = last->speed_start_kmh;
                make_label(r, last);
                strncat(last->label, " until you stop",
                        sizeof(last->label) - strlen(last->label) - 1);
                return 0;
        }
        return 0;
}

static int resolve_block(Resolver *r, const WorkoutBlock *b, unsigned rep_index, unsigned rep_count,
                         bool *ret_capped)
{
        int k;

        for (size_t i = 0; i < b->n_nodes; i++) {
                const WorkoutNode *n = &b->nodes[i];
                ResolvedStep o;

                if (n->is_repeat) {
                        k = resolve_repeat(r, n);
                        if (k < 0)
                                return k;
                        continue;
                }
                k = resolve_step(r, &n->step, rep_index, rep_count, &o);
                if (k < 0)
                        return k;
                if (n->step.speed_step_kmh > 0 && o.requested_speed_kmh > r->max_speed + 1e-9 &&
                    ret_capped)
                        *ret_capped = true;
                k = resolver_push(r, &o);
                if (k < 0)
                        return k;
                if (n->step.speed_step_kmh > 0)
                        r->last_escalating = r->n_steps;
        }
        return 0;
}

void resolved_step_estimate(const ResolvedStep *s, double free_kmh, double *t, double *d)
{
        double v0 = s->speed_start_kmh / 3.6, v1 = s->speed_end_kmh / 3.6;

        *t = *d = 0;
        if (s->control == STEP_CONTROL_FREE)
                v0 = v1 = free_kmh / 3.6;
        else if (s->control == STEP_CONTROL_HR)
                v0 = v1 = s->hr_fallback_kmh / 3.6;
        switch (s->end) {
        case STEP_END_TIME:
                *t = s->end_value;
                *d = s->end_value * (v0 + v1) / 2;
                break;
        case STEP_END_DISTANCE:
                *d = s->end_value;
                if (!(v0 > 0) || !(v1 > 0))
                        break;
                /* v linear in distance: t = d ln(v1/v0) / (v1 - v0). */
                if (fabs(v1 - v0) < 1e-9)
                        *t = s->end_value / v0;
                else
                        *t = s->end_value * log(v1 / v0) / (v1 - v0);
                break;
        case STEP_END_OPEN:
        case _STEP_END_MAX:
        case _STEP_END_INVALID:
                break;
        }
}

static int notes_append(char ***notes, const char *fmt, ...) _printf_(2, 3);

static int notes_append(char ***notes, const char *fmt, ...)
{
        size_t n = 0;
        char **t, *x;
        va_list ap;
        int k;

        while (*notes && (*notes)[n])
                n++;
        va_start(ap, fmt);
        k = vasprintf(&x, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        t = reallocarray(*notes, n + 2, sizeof(*t));
        if (!t) {
                free(x);
                return -ENOMEM;
        }
        t[n] = x;
        t[n + 1] = NULL;
        *notes = t;
        return 0;
}

/*
 * The parser's notes, then a warning for totals no treadmill session has:
 * the sign of a unit read wrongly (a track session of "100m" repeats that
 * meant metres and became minutes, a Zwift file whose metres became
 * seconds). Limits a runner would not plan on a belt: 4 hours, 50 km, or a
 * single step of 2 hours.
 */
static int resolve_notes(const Workout *w, ResolvedWorkout *out)
{
        char a[32];
        double longest = 0;
        size_t longest_i = 0;

        if (w->notes) {
                out->notes = workout_notes_copy(w->notes);
                if (!out->notes)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < out->n_steps; i++)
                if (out->steps[i].end == STEP_END_TIME && out->steps[i].end_value > longest) {
                        longest = out->steps[i].end_value;
                        longest_i = i;
                }
        if (out->total_time_s > WORKOUT_PLAUSIBLE_TIME_S ||
            out->total_distance_m > WORKOUT_PLAUSIBLE_DISTANCE_M)
                return notes_append(&out->notes,
                                    "warning: %s and %.1f km in total is not a treadmill session: "
                                    "check the units of the steps ('m' is minutes, metres are "
                                    "'mtr')",
                                    format_duration(a, sizeof(a), out->total_time_s, 0),
                                    out->total_distance_m / 1000.0);
        if (longest > WORKOUT_PLAUSIBLE_STEP_S)
                return notes_append(&out->notes,
                                    "warning: step %zu lasts %s: check its unit ('m' is minutes, "
                                    "metres are 'mtr')",
                                    longest_i + 1, format_duration(a, sizeof(a), longest, 0));
        return 0;
}

int workout_resolve(const Workout *w, const RunnerProfile *p, const ResolveLimits *l,
                    ResolvedWorkout **ret)
{
        _cleanup_(resolved_workout_freep) ResolvedWorkout *out = NULL;
        RunnerProfile derived;
        Resolver r;
        int k;

        if (!w || !p || !l || !ret)
                return -EINVAL;
        if (!(l->max_speed_kmh > 0) || l->min_speed_kmh > l->max_speed_kmh ||
            l->min_incline_pct > l->max_incline_pct || !isfinite(l->max_speed_kmh))
                return -EINVAL;

        /* Resolve against a completed copy: the caller's profile may lack
         * references, and relative targets need all of them. */
        derived = *p;
        runner_profile_derive(&derived);

        r = (Resolver){
                .profile = &derived,
                .min_speed = l->min_speed_kmh,
                .max_speed = MIN(l->max_speed_kmh, l->speed_cap_kmh),
                .min_incline = l->min_incline_pct,
                .max_incline = MIN(l->max_incline_pct, l->incline_cap_pct),
        };
        if (r.max_speed < r.min_speed)
                r.min_speed = r.max_speed; /* a cap below the machine minimum wins */
        if (r.max_incline < r.min_incline)
                r.min_incline = r.max_incline;

        out = calloc(1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        k = resolve_block(&r, &w->body, 0, 0, NULL);
        out->steps = r.steps;
        out->n_steps = r.n_steps;
        if (k < 0)
                return k;
        if (out->n_steps == 0)
                return -EINVAL;
        if (w->name) {
                out->name = strdup(w->name);
                if (!out->name)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < out->n_steps; i++) {
                const ResolvedStep *s = &out->steps[i];
                double t, d;

                resolved_step_estimate(s, runner_profile_speed_kmh(&derived, PACE_REF_EASY), &t,
                                       &d);
                out->total_time_s += t;
                out->total_distance_m += d;
                if (s->end == STEP_END_OPEN)
                        out->has_open_steps = true;
                if (s->speed_clamped || s->incline_clamped)
                        out->any_clamped = true;
        }
        k = resolve_notes(w, out);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(out);
        return 0;
}

int workout_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        return read_file_regular(path, max, 0, ret, ret_len);
}

void workout_error_set(WorkoutError *e, const char *file, unsigned line, unsigned column,
                       const char *fmt, ...)
{
        va_list ap;

        if (!e)
                return;
        *e = (WorkoutError){.line = line, .column = column};
        snprintf(e->file, sizeof(e->file), "%s", file ? file : "<input>");
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
}

char *workout_name_from_path(const char *path)
{
        const char *base = strrchr(path, '/');
        const char *dot;

        base = base ? base + 1 : path;
        dot = strrchr(base, '.');
        return strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}
