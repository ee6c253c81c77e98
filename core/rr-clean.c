/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Streaming RR artifact correction. For each beat i the cleaner compares
 * RR_i with the median m of its ten neighbours (five already corrected beats
 * before it, five raw beats after it) against an adaptive tolerance:
 *
 *   Th  = 5.2 * quartile deviation of |RR_j - median_j| over the last 91 beats
 *   tol = max(3 * Th, 5 % of m)
 *
 * Lipponen & Tarvainen's time-varying threshold (5.2 x QD over 91 beats), with
 * the 3x factor of their long/short rule so that sinus arrhythmia at rest and
 * the 2-4 ms beat-to-beat noise at exercise both stay below it; the 5 % floor
 * keeps quantisation and perfectly regular synthetic series from tripping it.
 * An out-of-tolerance beat is then repaired by the exact repair that fits
 * (split a missed beat, merge an extra one), else by interpolation.
 */
#include <math.h>

#include "alloc-util.h"
#include "rr-clean.h"
#include "string-table.h"
#include "util.h"

#define PENDING_MAX    (RR_CLEANER_LOOKAHEAD + 2)
#define MAX_SPLIT      3
#define MAX_DROPOUT    512
#define TH_FACTOR      5.2
#define TOL_FACTOR     3.0
#define TOL_FLOOR_REL  0.05
#define TOL_WARMUP_REL 0.25

struct RrCleaner {
        bool correct;
        /* raw beats not yet decided, oldest first */
        double pending[PENDING_MAX];
        size_t n_pending;
        /* last decided beats (ring) for the backward half of the median */
        double prev[RR_CLEANER_LOOKAHEAD];
        size_t n_prev, prev_pos;
        /* |RR - local median| of the last normal beats (ring), for Th */
        double dev[RR_CLEANER_HISTORY];
        size_t n_dev, dev_pos;
        RrBeat *out;
        size_t n_out, out_cap;
};

static const char *const rr_beat_kind_table[_RR_BEAT_KIND_MAX] = {
        [RR_BEAT_NORMAL] = "normal",         [RR_BEAT_MISSED] = "missed",
        [RR_BEAT_EXTRA] = "extra",           [RR_BEAT_ECTOPIC] = "ectopic",
        [RR_BEAT_LONG_SHORT] = "long-short", [RR_BEAT_DROPOUT] = "dropout",
        [RR_BEAT_CORRECTED] = "corrected",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(rr_beat_kind, RrBeatKind);

int rr_cleaner_new(RrCleaner **ret, bool correct)
{
        RrCleaner *c;

        if (!ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->correct = correct;
        *ret = c;
        return 0;
}

RrCleaner *rr_cleaner_free(RrCleaner *c)
{
        if (!c)
                return NULL;
        free(c->out);
        free(c);
        return NULL;
}

static void swap_double(double *a, double *b)
{
        double t = *a;

        *a = *b;
        *b = t;
}

/* k-th smallest of v[0..n) (Hoare's selection; reorders v). O(n) expected. */
static double select_kth(double *v, size_t n, size_t k)
{
        size_t lo = 0, hi = n - 1;

        while (lo < hi) {
                double pivot = v[lo + (hi - lo) / 2];
                size_t i = lo, j = hi;

                while (i <= j) {
                        while (v[i] < pivot)
                                i++;
                        while (v[j] > pivot)
                                j--;
                        if (i <= j) {
                                swap_double(&v[i], &v[j]);
                                i++;
                                if (j == 0)
                                        break;
                                j--;
                        }
                }
                if (k <= j)
                        hi = j;
                else if (k >= i)
                        lo = i;
                else
                        break;
        }
        return v[k];
}

/* Quantile with linear interpolation between order statistics. */
static double quantile(double *v, size_t n, double q)
{
        double pos = q * (double)(n - 1), f;
        size_t i = (size_t)pos;
        double a = select_kth(v, n, i), b;

        f = pos - (double)i;
        if (f == 0 || i + 1 >= n)
                return a;
        /* the next order statistic is the minimum of the part above i */
        b = v[i + 1];
        for (size_t j = i + 2; j < n; j++)
                b = MIN(b, v[j]);
        return a + f * (b - a);
}

static int out_append(RrCleaner *c, double rr, RrBeatKind kind, bool counted)
{
        if (!GREEDY_REALLOC(c->out, c->out_cap, c->n_out + 1))
                return -ENOMEM;
        c->out[c->n_out++] = (RrBeat){.rr_ms = rr, .kind = kind, .counted = counted};
        c->prev[c->prev_pos] = rr;
        c->prev_pos = (c->prev_pos + 1) % RR_CLEANER_LOOKAHEAD;
        c->n_prev = MIN(c->n_prev + 1, (size_t)RR_CLEANER_LOOKAHEAD);
        return 0;
}

static void dev_record(RrCleaner *c, double d)
{
        c->dev[c->dev_pos] = fabs(d);
        c->dev_pos = (c->dev_pos + 1) % RR_CLEANER_HISTORY;
        c->n_dev = MIN(c->n_dev + 1, (size_t)RR_CLEANER_HISTORY);
}

static double tolerance(const RrCleaner *c, double m)
{
        double v[RR_CLEANER_HISTORY], q1, q3, th;

        /* Until ten beats of history exist the adaptive part is not trusted
         * and a lenient 25 % (FatMaxxer's resting rule) avoids flagging a
         * whole start of sinus arrhythmia. */
        if (c->n_dev < 10)
                return TOL_WARMUP_REL * m;
        memcpy(v, c->dev, c->n_dev * sizeof(double));
        q3 = quantile(v, c->n_dev, 0.75);
        q1 = quantile(v, c->n_dev, 0.25);
        th = TH_FACTOR * (q3 - q1) / 2.0;
        return MAX(TOL_FACTOR * th, TOL_FLOOR_REL * m);
}

/* Median of the neighbours of pending[0]: decided beats before, raw beats after. */
static double local_median(const RrCleaner *c)
{
        double v[2 * RR_CLEANER_LOOKAHEAD];
        size_t n = 0;

        for (size_t i = 0; i < c->n_prev; i++)
                v[n++] = c->prev[i];
        for (size_t i = 1; i < c->n_pending && i <= RR_CLEANER_LOOKAHEAD; i++)
                v[n++] = c->pending[i];
        if (n == 0)
                return NAN;
        /* insertion sort: at most ten values */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--)
                        swap_double(&v[j - 1], &v[j]);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void pending_drop(RrCleaner *c, size_t k)
{
        memmove(c->pending, c->pending + k, (c->n_pending - k) * sizeof(double));
        c->n_pending -= k;
}

/* A missed beat is one artifact however it is split; every beat of a dropout counts. */
static int emit_split(RrCleaner *c, double rr, unsigned k, RrBeatKind kind)
{
        int r;

        if (!c->correct)
                return out_append(c, rr, kind, true);
        for (unsigned j = 0; j < k; j++) {
                r = out_append(c, rr / k, kind, j == 0 || kind == RR_BEAT_DROPOUT);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Decides pending[0] (and pending[1] when a pair is repaired). */
static int decide_one(RrCleaner *c)
{
        double rr = c->pending[0], m = local_median(c), tol, d;
        bool has_next = c->n_pending > 1;
        double next = has_next ? c->pending[1] : NAN;
        int r;

        /* Too little context (a recording of a few beats): take it as it is. */
        if (isnan(m) || c->n_prev + c->n_pending - 1 < 4) {
                pending_drop(c, 1);
                return out_append(c, rr, RR_BEAT_NORMAL, false);
        }

        d = rr - m;
        /* Within the floor a beat is normal whatever Th is: skip the quartiles. */
        tol = fabs(d) <= TOL_FLOOR_REL * m ? TOL_FLOOR_REL * m : tolerance(c, m);
        if (fabs(d) <= tol) {
                dev_record(c, d);
                pending_drop(c, 1);
                return out_append(c, rr, RR_BEAT_NORMAL, false);
        }

        if (d > 0) {
                double k = round(rr / m);

                if (k >= 2 && k <= MAX_SPLIT && fabs(rr / k - m) <= tol) {
                        pending_drop(c, 1);
                        return emit_split(c, rr, (unsigned)k, RR_BEAT_MISSED);
                }
                if (k > MAX_SPLIT) {
                        /* A dropout: keep the time, flag every beat that is not real. */
                        pending_drop(c, 1);
                        return emit_split(c, rr, (unsigned)MIN(k, (double)MAX_DROPOUT),
                                          RR_BEAT_DROPOUT);
                }
        } else if (has_next) {
                if (fabs(rr + next - m) <= tol) {
                        pending_drop(c, 2);
                        if (!c->correct) {
                                r = out_append(c, rr, RR_BEAT_EXTRA, true);
                                if (r < 0)
                                        return r;
                                return out_append(c, next, RR_BEAT_EXTRA, false);
                        }
                        return out_append(c, rr + next, RR_BEAT_EXTRA, true);
                }
                if (next - m > tol && fabs(rr + next - 2 * m) <= 2 * tol) {
                        /* Premature beat and its compensatory pause: interpolate both,
                         * keeping their total so that beat times do not shift. */
                        double mean = (rr + next) / 2.0;

                        pending_drop(c, 2);
                        r = out_append(c, c->correct ? mean : rr, RR_BEAT_ECTOPIC, true);
                        if (r < 0)
                                return r;
                        return out_append(c, c->correct ? mean : next, RR_BEAT_ECTOPIC, false);
                }
        }

        pending_drop(c, 1);
        return out_append(c, c->correct ? m : rr, RR_BEAT_LONG_SHORT, true);
}

int rr_cleaner_push(RrCleaner *c, double rr_ms, const RrBeat **ret_beats)
{
        int r;

        if (!c || !ret_beats || !isfinite(rr_ms) || rr_ms <= 0)
                return -EINVAL;

        c->n_out = 0;
        c->pending[c->n_pending++] = rr_ms;
        /* pending[0] plus the lookahead plus one more for the pair rules */
        while (c->n_pending > RR_CLEANER_LOOKAHEAD + 1) {
                r = decide_one(c);
                if (r < 0)
                        return r;
        }
        *ret_beats = c->out;
        return (int)c->n_out;
}

size_t rr_cleaner_pending(const RrCleaner *c)
{
        return c ? c->n_pending : 0;
}

int rr_cleaner_flush(RrCleaner *c, const RrBeat **ret_beats)
{
        int r;

        if (!c || !ret_beats)
                return -EINVAL;
        c->n_out = 0;
        while (c->n_pending > 0) {
                r = decide_one(c);
                if (r < 0)
                        return r;
        }
        *ret_beats = c->out;
        return (int)c->n_out;
}

static int beats_append(RrBeat **v, size_t *n, size_t *cap, const RrBeat *b, size_t k)
{
        if (k == 0)
                return 0;
        if (!GREEDY_REALLOC(*v, *cap, *n + k))
                return -ENOMEM;
        memcpy(*v + *n, b, k * sizeof(RrBeat));
        *n += k;
        return 0;
}

int rr_correct(const double *rr_ms, size_t n, bool correct, RrBeat **ret_beats, size_t *ret_n_beats)
{
        _cleanup_(rr_cleaner_freep) RrCleaner *c = NULL;
        _cleanup_free_ RrBeat *v = NULL;
        size_t nv = 0, cap = 0;
        const RrBeat *b;
        int r;

        if ((!rr_ms && n > 0) || !ret_beats || !ret_n_beats)
                return -EINVAL;
        r = rr_cleaner_new(&c, correct);
        if (r < 0)
                return r;
        for (size_t i = 0; i <= n; i++) {
                r = i < n ? rr_cleaner_push(c, rr_ms[i], &b) : rr_cleaner_flush(c, &b);
                if (r < 0)
                        return r;
                r = beats_append(&v, &nv, &cap, b, (size_t)r);
                if (r < 0)
                        return r;
        }
        *ret_beats = TAKE_PTR(v);
        *ret_n_beats = nv;
        return 0;
}

double rr_artifact_pct(const RrBeat *beats, size_t n)
{
        size_t k = 0;

        if (n == 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                k += beats[i].counted;
        return 100.0 * (double)k / (double)n;
}
