/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incremental windowed DFA alpha1 (see alpha1-tracker.h for the scheme). The
 * residual of a box's least-squares line does not change when a constant or a
 * linear term is added to the profile, so the RSS of a box depends only on
 * the RR values inside it, not on the window's mean: each box can be computed
 * once, when its last beat arrives, and reused by every window that contains
 * it.
 */
#include <math.h>

#include "alloc-util.h"
#include "alpha1-tracker.h"
#include "dfa.h"
#include "rr-clean.h"
#include "util.h"

typedef struct TrackedBeat {
        double t_end;           /* beat time at the end of this beat, s */
        double rr;              /* ms */
        uint64_t cum_artifacts; /* counted artifacts up to and including this one */
        bool artifact;
        double rss[DFA_N_BOXES]; /* RSS of the box of size n ending here, NAN if none */
} TrackedBeat;

struct Alpha1Tracker {
        Alpha1TrackerConfig cfg;
        RrCleaner *cleaner;
        /* ring buffer holding absolute beat indices [head, tail) */
        TrackedBeat *ring;
        size_t cap; /* power of two */
        uint64_t head, tail;
        double t_now; /* beat time of the last beat */
        uint64_t n_artifacts;
        double t_next; /* next evaluation time */
        Alpha1Eval *evals;
        size_t n_evals, evals_cap;
        double log_n[DFA_N_BOXES];
        double sxx_log; /* sum of squared deviations of log n */
        double mean_log;
};

static TrackedBeat *beat_at(const Alpha1Tracker *t, uint64_t i)
{
        return &t->ring[i & (t->cap - 1)];
}

int alpha1_tracker_new(Alpha1Tracker **ret, const Alpha1TrackerConfig *cfg)
{
        _cleanup_free_ Alpha1Tracker *t = NULL;
        Alpha1TrackerConfig c = cfg ? *cfg : ALPHA1_TRACKER_CONFIG_DEFAULT;
        int r;

        if (!ret || !(c.window_s >= 30) || !(c.step_s > 0) || !isfinite(c.window_s) ||
            !isfinite(c.step_s))
                return -EINVAL;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->cfg = c;
        t->cap = 512;
        t->ring = calloc(t->cap, sizeof(TrackedBeat));
        if (!t->ring)
                return -ENOMEM;
        r = rr_cleaner_new(&t->cleaner, c.correct);
        if (r < 0) {
                free(t->ring);
                return r;
        }
        t->t_next = c.window_s;
        for (size_t i = 0; i < DFA_N_BOXES; i++) {
                t->log_n[i] = log((double)(i + DFA_MIN_BOX));
                t->mean_log += t->log_n[i] / DFA_N_BOXES;
        }
        for (size_t i = 0; i < DFA_N_BOXES; i++)
                t->sxx_log += (t->log_n[i] - t->mean_log) * (t->log_n[i] - t->mean_log);

        *ret = TAKE_PTR(t);
        return 0;
}

Alpha1Tracker *alpha1_tracker_free(Alpha1Tracker *t)
{
        if (!t)
                return NULL;
        rr_cleaner_free(t->cleaner);
        free(t->ring);
        free(t->evals);
        free(t);
        return NULL;
}

static int ring_grow(Alpha1Tracker *t)
{
        size_t ncap = t->cap * 2;
        TrackedBeat *n = malloc(ncap * sizeof(TrackedBeat));

        if (!n)
                return -ENOMEM;
        for (uint64_t i = t->head; i < t->tail; i++)
                n[i & (ncap - 1)] = *beat_at(t, i);
        free(t->ring);
        t->ring = n;
        t->cap = ncap;
        return 0;
}

static int evals_append(Alpha1Tracker *t, const Alpha1Eval *e)
{
        if (!GREEDY_REALLOC(t->evals, t->evals_cap, t->n_evals + 1))
                return -ENOMEM;
        t->evals[t->n_evals++] = *e;
        return 0;
}

/* Evaluates the window ending at t->t_next over the beats currently buffered. */
static int evaluate(Alpha1Tracker *t)
{
        double T = t->t_next, lo = T - t->cfg.window_s;
        Alpha1Eval e = {.t_s = T, .alpha1 = NAN, .hr_bpm = NAN};
        uint64_t s, n, e_idx;
        const TrackedBeat *first, *last;
        double sum_rr;

        /* Drop the beats no window from here on can contain. */
        while (t->head < t->tail && beat_at(t, t->head)->t_end <= lo)
                t->head++;
        s = t->head;
        n = t->tail - s;
        if (n == 0)
                return evals_append(t, &e);

        e_idx = t->tail - 1;
        first = beat_at(t, s);
        last = beat_at(t, e_idx);
        sum_rr = (last->t_end - first->t_end) * 1000.0 + first->rr;
        e.n_beats = (size_t)n;
        e.hr_bpm = 60000.0 / (sum_rr / (double)n);
        /* artifacts in [s, e] = cum(e) - cum(s) + flag(s) */
        e.artifact_pct = 100.0 *
                         (double)(last->cum_artifacts - first->cum_artifacts + first->artifact) /
                         (double)n;
        e.low_quality = e.artifact_pct > ALPHA1_LOW_QUALITY_PCT || n < ALPHA1_GOOD_BEATS;

        if (n >= ALPHA1_MIN_BEATS && e.artifact_pct <= ALPHA1_SUPPRESS_PCT) {
                double f2[DFA_N_BOXES];

                for (size_t b = DFA_MIN_BOX; b <= DFA_MAX_BOX; b++) {
                        uint64_t nb = n / b;
                        double rss = 0;

                        for (uint64_t k = 1; k <= nb; k++)
                                rss += beat_at(t, s + k * b - 1)->rss[b - DFA_MIN_BOX];
                        f2[b - DFA_MIN_BOX] = rss / (double)(nb * b);
                }
                if (dfa_alpha1_from_f2(f2, &e.alpha1) >= 0)
                        e.valid = true;
                else
                        e.alpha1 = NAN;
        }
        return evals_append(t, &e);
}

/* The RSS of the boxes of every size that end at beat `end`, in one backward pass. */
static void compute_box_rss(Alpha1Tracker *t, uint64_t end)
{
        TrackedBeat *b = beat_at(t, end);
        uint64_t avail = end - t->head + 1;
        /* Profile relative to the end of the box: w_j = S(j) - S(end); x_j = j - end. */
        double w = 0, sw = 0, sww = 0, sx = 0, sxx = 0, sxw = 0;

        for (size_t i = 0; i < DFA_N_BOXES; i++)
                b->rss[i] = NAN;
        for (uint64_t k = 0; k < DFA_MAX_BOX && k < avail; k++) {
                double x = -(double)k, nk = (double)(k + 1);

                if (k > 0)
                        w -= beat_at(t, end - k + 1)->rr;
                sw += w;
                sww += w * w;
                sx += x;
                sxx += x * x;
                sxw += x * w;
                if (k + 1 >= DFA_MIN_BOX) {
                        double cxx = sxx - sx * sx / nk, cxw = sxw - sx * sw / nk;
                        double cww = sww - sw * sw / nk;

                        b->rss[k + 1 - DFA_MIN_BOX] = MAX(cww - cxw * cxw / cxx, 0.0);
                }
        }
}

/* Appends a cleaned beat; evaluations that become due are appended to t->evals. */
static int add_beat(Alpha1Tracker *t, const RrBeat *beat)
{
        TrackedBeat *b;
        double t_end;
        bool art;
        int r;

        if (!isfinite(beat->rr_ms) || beat->rr_ms <= 0)
                return -EINVAL;

        t_end = t->t_now + beat->rr_ms / 1000.0;
        /* Every window ending before this beat is complete now. */
        while (t_end > t->t_next) {
                r = evaluate(t);
                if (r < 0)
                        return r;
                t->t_next += t->cfg.step_s;
        }

        if (t->tail - t->head == t->cap) {
                r = ring_grow(t);
                if (r < 0)
                        return r;
        }
        art = beat->counted;
        t->n_artifacts += art;
        b = beat_at(t, t->tail);
        b->t_end = t_end;
        b->rr = beat->rr_ms;
        b->artifact = art;
        b->cum_artifacts = t->n_artifacts;
        t->tail++;
        t->t_now = t_end;
        compute_box_rss(t, t->tail - 1);
        return 0;
}

int alpha1_tracker_push_beat(Alpha1Tracker *t, const RrBeat *beat, const Alpha1Eval **ret_evals)
{
        int r;

        if (!t || !beat || !ret_evals)
                return -EINVAL;
        t->n_evals = 0;
        r = add_beat(t, beat);
        if (r < 0)
                return r;
        *ret_evals = t->evals;
        return (int)t->n_evals;
}

static int push_cleaned(Alpha1Tracker *t, const RrBeat *beats, int n, const Alpha1Eval **ret)
{
        int r;

        t->n_evals = 0;
        for (int i = 0; i < n; i++) {
                r = add_beat(t, &beats[i]);
                if (r < 0)
                        return r;
        }
        *ret = t->evals;
        return (int)t->n_evals;
}

int alpha1_tracker_push_rr(Alpha1Tracker *t, double rr_ms, const Alpha1Eval **ret_evals)
{
        const RrBeat *beats;
        int n;

        if (!t || !ret_evals)
                return -EINVAL;
        n = rr_cleaner_push(t->cleaner, rr_ms, &beats);
        if (n < 0)
                return n;
        return push_cleaned(t, beats, n, ret_evals);
}

int alpha1_tracker_flush(Alpha1Tracker *t, const Alpha1Eval **ret_evals)
{
        const RrBeat *beats;
        int n;

        if (!t || !ret_evals)
                return -EINVAL;
        n = rr_cleaner_flush(t->cleaner, &beats);
        if (n < 0)
                return n;
        return push_cleaned(t, beats, n, ret_evals);
}

double alpha1_tracker_beat_time(const Alpha1Tracker *t)
{
        return t ? t->t_now : NAN;
}

size_t alpha1_tracker_n_beats(const Alpha1Tracker *t)
{
        return t ? (size_t)t->tail : 0;
}

size_t alpha1_tracker_n_artifacts(const Alpha1Tracker *t)
{
        return t ? (size_t)t->n_artifacts : 0;
}
