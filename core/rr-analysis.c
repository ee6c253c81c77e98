/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Offline analysis of an RR recording. Times: the cleaned beats run on their
 * own clock (cumulative RR from the start of the first beat); recording time
 * is that plus the start of the first beat taken from t_s when present, so
 * windows, speeds and stages all use recording time.
 */
#include <math.h>

#include "alloc-util.h"
#include "dfa.h"
#include "rr-analysis.h"
#include "rr-clean.h"
#include "util.h"

#define SPEED_EPS         0.011 /* speeds equal within this are one stage */
#define RAMP_MIN_RISE_KMH 2.0
#define RAMP_MIN_S        360.0
#define RAMP_MIN_RISES    4
#define RAMP_MAX_RISE_KMH 1.5 /* within RAMP_JUMP_S: a jump, not a ramp step */
#define RAMP_JUMP_S       20.0
#define STAGE_MIN_S       30.0
#define STAGE_END_S       20.0 /* stage-end HR: last 20 s of the stage */
#define STEADY_MIN_S      480.0
#define DRIFT_SKIP_S      180.0 /* HR on-kinetics */
#define HR_SMOOTH_BEATS   5

typedef struct Ctx {
        const RrRecording *rec;
        double *row_t; /* recording time of each row (end of its beat) */
        RrBeat *beats;
        double *beat_t;  /* recording time at the end of each cleaned beat */
        double *beat_hr; /* HR over the last HR_SMOOTH_BEATS beats */
        size_t n_beats;
        double t0; /* recording time of the start of the first beat */
} Ctx;

RrAnalysis *rr_analysis_free(RrAnalysis *a)
{
        if (!a)
                return NULL;
        free(a->windows);
        free(a->window_speed_kmh);
        free(a);
        return NULL;
}

static void ctx_done(Ctx *c)
{
        free(c->row_t);
        free(c->beats);
        free(c->beat_t);
        free(c->beat_hr);
}

/* Speed held from the last row at or before t (the first speed before it). */
static double speed_at(const Ctx *c, double t)
{
        const RrRecording *r = c->rec;
        size_t lo = 0, hi = r->n_rows;
        double v = NAN;

        /* binary search for the last row with row_t <= t */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (c->row_t[mid] <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i-- > 0;)
                if (!isnan(r->rows[i].speed_kmh)) {
                        v = r->rows[i].speed_kmh;
                        break;
                }
        if (isnan(v))
                for (size_t i = lo; i < r->n_rows; i++)
                        if (!isnan(r->rows[i].speed_kmh)) {
                                v = r->rows[i].speed_kmh;
                                break;
                        }
        return v;
}

static double mean_speed(const Ctx *c, double a, double b)
{
        double sum = 0;
        size_t n = 0;

        for (double t = a; t < b; t += 1.0) {
                double v = speed_at(c, t);

                if (!isnan(v)) {
                        sum += v;
                        n++;
                }
        }
        return n ? sum / (double)n : NAN;
}

/* Mean HR of the cleaned beats ending in (a, b], NAN if none. */
static double hr_between(const Ctx *c, double a, double b)
{
        double sum = 0;
        size_t n = 0;

        for (size_t i = 0; i < c->n_beats; i++)
                if (c->beat_t[i] > a && c->beat_t[i] <= b) {
                        sum += c->beats[i].rr_ms;
                        n++;
                }
        return n ? 60000.0 / (sum / (double)n) : NAN;
}

static int build_timeline(Ctx *c, const RrAnalysisOptions *o)
{
        const RrRecording *r = c->rec;
        _cleanup_free_ double *rr = malloc(r->n_rows * sizeof(double));
        double acc = 0, sum = 0;
        bool use_t = r->has_t;
        int k;

        if (!rr)
                return -ENOMEM;
        c->row_t = malloc(r->n_rows * sizeof(double));
        if (!c->row_t)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_rows; i++) {
                rr[i] = r->rows[i].rr_ms;
                use_t = use_t && !isnan(r->rows[i].t_s);
        }
        for (size_t i = 0; i < r->n_rows; i++) {
                acc += rr[i] / 1000.0;
                c->row_t[i] = use_t ? r->rows[i].t_s : acc;
        }
        c->t0 = c->row_t[0] - rr[0] / 1000.0;

        if (r->cleaned) {
                /* A stored session: the daemon's cleaner already repaired these
                 * beats and flagged the repairs; cleaning again would find
                 * nothing and lose the flags. */
                c->beats = malloc(r->n_rows * sizeof(RrBeat));
                if (!c->beats)
                        return -ENOMEM;
                for (size_t i = 0; i < r->n_rows; i++)
                        c->beats[i] = (RrBeat){
                                .rr_ms = rr[i],
                                .kind = r->rows[i].artifact ? RR_BEAT_CORRECTED : RR_BEAT_NORMAL,
                                .counted = r->rows[i].artifact,
                        };
                c->n_beats = r->n_rows;
        } else {
                k = rr_correct(rr, r->n_rows, o->correct, &c->beats, &c->n_beats);
                if (k < 0)
                        return k;
        }
        c->beat_t = malloc(MAX(c->n_beats, (size_t)1) * sizeof(double));
        c->beat_hr = malloc(MAX(c->n_beats, (size_t)1) * sizeof(double));
        if (!c->beat_t || !c->beat_hr)
                return -ENOMEM;
        acc = 0;
        for (size_t i = 0; i < c->n_beats; i++) {
                acc += c->beats[i].rr_ms / 1000.0;
                c->beat_t[i] = c->t0 + acc;
                sum += c->beats[i].rr_ms;
                if (i >= HR_SMOOTH_BEATS)
                        sum -= c->beats[i - HR_SMOOTH_BEATS].rr_ms;
                c->beat_hr[i] = 60000.0 / (sum / (double)MIN(i + 1, (size_t)HR_SMOOTH_BEATS));
        }
        return 0;
}

static int run_windows(Ctx *c, RrAnalysis *a, const RrAnalysisOptions *o)
{
        Alpha1TrackerConfig cfg = ALPHA1_TRACKER_CONFIG_DEFAULT;
        _cleanup_(alpha1_tracker_freep) Alpha1Tracker *t = NULL;
        size_t cap = 0;
        int r;

        cfg.correct = o->correct;
        r = alpha1_tracker_new(&t, &cfg);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_beats; i++) {
                const Alpha1Eval *ev;
                int k = alpha1_tracker_push_beat(t, &c->beats[i], &ev);

                if (k < 0)
                        return k;
                for (int j = 0; j < k; j++) {
                        if (!GREEDY_REALLOC(a->windows, cap, a->n_windows + 1))
                                return -ENOMEM;
                        a->windows[a->n_windows] = ev[j];
                        a->windows[a->n_windows].t_s += c->t0;
                        a->n_windows++;
                        if (ev[j].valid)
                                a->n_valid++;
                        else if (ev[j].n_beats >= ALPHA1_MIN_BEATS)
                                a->n_suppressed++;
                        if (ev[j].valid && ev[j].low_quality)
                                a->n_low_quality++;
                }
        }
        return 0;
}

/* Speed held from the last row at or before row index i (NAN if none yet). */
static double row_speed(const RrRecording *r, size_t i)
{
        for (size_t k = i + 1; k-- > 0;)
                if (!isnan(r->rows[k].speed_kmh))
                        return r->rows[k].speed_kmh;
        return NAN;
}

/*
 * The ramp: the monotonic speed rise that ends at the first maximum,
 * without a jump in it (more than 1.5 km/h within 20 s: a walk to race
 * pace, the belt starting; ramp protocols step by 1 km/h at most), rising
 * in at least 4 steps by 2 km/h or more over at least 6 minutes.
 */
static void find_ramp(const Ctx *c, RrAnalysis *a, size_t *ret_lo, size_t *ret_end)
{
        const RrRecording *r = c->rec;
        size_t peak = SIZE_MAX, lo, end, start, rises = 0;
        double vmax = -1, vmin, last;

        a->ramp_start_s = a->ramp_end_s = NAN;
        for (size_t i = 0; i < r->n_rows; i++)
                if (!isnan(r->rows[i].speed_kmh) && r->rows[i].speed_kmh > vmax + SPEED_EPS) {
                        vmax = r->rows[i].speed_kmh;
                        peak = i;
                }
        if (peak == SIZE_MAX)
                return;
        end = peak;
        while (end + 1 < r->n_rows && (isnan(r->rows[end + 1].speed_kmh) ||
                                       fabs(r->rows[end + 1].speed_kmh - vmax) <= SPEED_EPS))
                end++;
        lo = peak;
        while (lo > 0 && (isnan(r->rows[lo - 1].speed_kmh) ||
                          r->rows[lo - 1].speed_kmh <= r->rows[lo].speed_kmh + SPEED_EPS))
                lo--;
        while (lo < peak && isnan(r->rows[lo].speed_kmh))
                lo++;
        /* after the last jump */
        for (size_t i = lo, j = lo; i < peak; i++) {
                while (j < peak && c->row_t[j + 1] <= c->row_t[i] + RAMP_JUMP_S)
                        j++;
                if (row_speed(r, j) - row_speed(r, i) > RAMP_MAX_RISE_KMH)
                        lo = j;
        }
        *ret_lo = lo;
        *ret_end = end;

        /* the ramp starts where speed first rises above the warm-up speed */
        vmin = row_speed(r, lo);
        start = lo;
        while (start < peak && (isnan(r->rows[start + 1].speed_kmh) ||
                                r->rows[start + 1].speed_kmh <= vmin + SPEED_EPS))
                start++;
        /* a ramp rises in several steps (or continuously), not in one jump */
        last = vmin;
        for (size_t i = start; i <= peak; i++)
                if (!isnan(r->rows[i].speed_kmh) && r->rows[i].speed_kmh > last + SPEED_EPS) {
                        rises++;
                        last = r->rows[i].speed_kmh;
                }
        if (vmax - vmin < RAMP_MIN_RISE_KMH || rises < RAMP_MIN_RISES ||
            c->row_t[end] - c->row_t[start] < RAMP_MIN_S)
                return;
        a->ramp_start_s = c->row_t[start];
        a->ramp_end_s = c->row_t[end];
}

static void run_ramp(const Ctx *c, RrAnalysis *a, const RrAnalysisOptions *o)
{
        _cleanup_free_ RampWindow *w = NULL;
        RampOptions ro = RAMP_OPTIONS_DEFAULT;
        size_t lo = 0, end = 0;

        a->ramp_start_s = a->ramp_end_s = NAN;
        if (a->has_speed)
                find_ramp(c, a, &lo, &end);
        else if (!threshold_test_find_hr_ramp(a->windows, a->n_windows, &a->ramp_start_s,
                                              &a->ramp_end_s))
                a->ramp_start_s = a->ramp_end_s = NAN;
        w = calloc(MAX(a->n_windows, (size_t)1), sizeof(RampWindow));
        if (!w)
                return;
        for (size_t i = 0; i < a->n_windows; i++) {
                const Alpha1Eval *e = &a->windows[i];
                double T = e->t_s;

                w[i] = (RampWindow){.t_s = T,
                                    .alpha1 = e->alpha1,
                                    .hr_bpm = e->hr_bpm,
                                    .artifact_pct = e->artifact_pct,
                                    .valid = e->valid,
                                    .speed_kmh = a->window_speed_kmh[i],
                                    .speed_lag_kmh = NAN};
                if (a->has_speed)
                        w[i].speed_lag_kmh =
                                mean_speed(c, T - ALPHA1_WINDOW_S - o->hr_lag_s, T - o->hr_lag_s);
        }
        if (!isnan(a->ramp_start_s)) {
                /* no window that is mostly warm-up, none that includes the cool-down */
                ro.t_start_s = a->ramp_start_s + ALPHA1_WINDOW_S;
                ro.t_end_s = a->ramp_end_s;
        }
        (void)threshold_ramp_fit(w, a->n_windows, &ro, &a->ramp);
        if (isnan(a->ramp_start_s)) {
                /* No ramp: a fit would read steady-state scatter, drift or the
                 * wobbles of intervals as thresholds (docs/physiology.md, "Ramp
                 * tests"). */
                a->ramp.status = RAMP_NO_RAMP;
                for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                        a->ramp.t[k].found = false;
                        a->ramp.t[k].grade = '-';
                }
        }
        threshold_test_check(a->windows, a->n_windows, a->ramp_start_s, ro.t_start_s, ro.t_end_s,
                             a->has_speed, &a->ramp, &a->test);
}

static void run_deflection(const Ctx *c, RrAnalysis *a)
{
        const RrRecording *r = c->rec;
        double sp[256], hr[256];
        size_t n = 0;

        a->deflection_error = -ENODATA;
        if (isnan(a->ramp_start_s))
                return;

        /* stages: runs of equal speed from the warm-up to the end of the ramp */
        for (size_t i = 0; i < r->n_rows && n < ELEMENTSOF(sp);) {
                double v = r->rows[i].speed_kmh, ta, tb, h;
                size_t j = i;

                if (isnan(v) || c->row_t[i] < a->ramp_start_s || c->row_t[i] > a->ramp_end_s) {
                        i++;
                        continue;
                }
                while (j + 1 < r->n_rows && c->row_t[j + 1] <= a->ramp_end_s &&
                       (isnan(r->rows[j + 1].speed_kmh) ||
                        fabs(r->rows[j + 1].speed_kmh - v) <= SPEED_EPS))
                        j++;
                ta = i > 0 ? c->row_t[i - 1] : c->t0;
                tb = c->row_t[j];
                if (tb - ta >= STAGE_MIN_S) {
                        h = hr_between(c, tb - STAGE_END_S, tb);
                        if (!isnan(h)) {
                                sp[n] = v;
                                hr[n] = h;
                                n++;
                        }
                }
                i = j + 1;
        }
        a->n_stages = n;
        if (n < 6)
                return;
        a->deflection_error = threshold_hr_deflection(sp, hr, n, &a->deflection);
        if (a->deflection_error == -EINVAL)
                a->deflection_error = -ENODATA;
}

static void run_steady(const Ctx *c, RrAnalysis *a)
{
        const RrRecording *r = c->rec;

        for (size_t i = 0; i < r->n_rows && a->n_steady < RR_ANALYSIS_MAX_STEADY;) {
                double v = r->rows[i].speed_kmh, ta, tb;
                size_t j = i, b0 = SIZE_MAX, b1 = 0;
                SteadySegment *s;

                if (isnan(v) || v <= 0) {
                        i++;
                        continue;
                }
                while (j + 1 < r->n_rows && (isnan(r->rows[j + 1].speed_kmh) ||
                                             fabs(r->rows[j + 1].speed_kmh - v) <= SPEED_EPS))
                        j++;
                ta = i > 0 ? c->row_t[i - 1] : c->t0;
                tb = c->row_t[j];
                i = j + 1;
                if (tb - ta < STEADY_MIN_S)
                        continue;
                for (size_t k = 0; k < c->n_beats; k++)
                        if (c->beat_t[k] > ta && c->beat_t[k] <= tb) {
                                b0 = MIN(b0, k);
                                b1 = k + 1;
                        }
                if (b0 == SIZE_MAX)
                        continue;
                s = &a->steady[a->n_steady++];
                *s = (SteadySegment){.t_start_s = ta,
                                     .t_end_s = tb,
                                     .speed_kmh = v,
                                     .hr_mean_bpm = hr_between(c, ta, tb),
                                     .drift_bpm_per_10min = NAN};
                if (threshold_cardiac_drift(c->beat_t + b0, c->beat_hr + b0, b1 - b0, DRIFT_SKIP_S,
                                            &s->drift_bpm_per_10min) < 0)
                        s->drift_bpm_per_10min = NAN;
        }
}

static void run_zones(const Ctx *c, RrAnalysis *a, const RrAnalysisOptions *o)
{
        HrProfile p = o->profile;
        ZoneModel m = o->zone_model;
        ZoneAccumulator acc;

        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                const ThresholdEstimate *t = &a->ramp.t[k];
                double *dst = k == THRESHOLD_HRVT1 ? &p.hrvt1_bpm : &p.hrvt2_bpm;
                HrSource *src = k == THRESHOLD_HRVT1 ? &p.hrvt1_source : &p.hrvt2_source;

                if (!(*dst > 0) && a->test.status == THRESHOLD_TEST_VALID && t->found) {
                        *dst = t->hr_bpm;
                        *src = HR_SOURCE_RAMP_TEST;
                }
        }
        if (!(p.lthr_bpm > 0) && p.hrvt2_bpm > 0) {
                p.lthr_bpm = p.hrvt2_bpm;
                p.lthr_source = p.hrvt2_source;
        }
        if (m == _ZONE_MODEL_INVALID) {
                if (p.hrvt1_bpm > 0 && p.hrvt2_bpm > p.hrvt1_bpm)
                        m = ZONE_MODEL_THREE;
                else if (p.lthr_bpm > 0)
                        m = ZONE_MODEL_FRIEL;
                else if (p.max_bpm > 0 && p.rest_bpm > 0)
                        m = ZONE_MODEL_HRR;
                else if (p.max_bpm > 0)
                        m = ZONE_MODEL_HRMAX;
                else
                        return;
        }
        if (zone_table_build(m, &p, &a->zones) < 0)
                return;
        a->has_zones = true;
        zone_accumulator_init(&acc, &a->zones);
        for (size_t i = 0; i < c->n_beats; i++)
                (void)zone_accumulator_sample(&acc, c->beat_t[i], c->beat_hr[i]);
        a->zone_times = acc.times[ZONE_SCOPE_SESSION];
}

/*
 * Smoothness-priors detrending (the default, as Kubios and FatMaxxer): the
 * tracker's windows (and their artifact gating) stay, each valid window's
 * alpha1 is recomputed by the batch oracle on its detrended beats, and so is
 * the whole-file value. In a ramp the mean RR falls within every window; at
 * high HR, where beat-to-beat variation is a few ms, that trend adds to F(n)
 * at the larger boxes and reads alpha1 high (HRVT2 +1 to +3 bpm on the
 * simulated runner without it, docs/analysis.md).
 */
static int apply_smoothness_priors(const Ctx *c, RrAnalysis *a, const double *clean)
{
        _cleanup_free_ double *buf = malloc(MAX(c->n_beats, (size_t)1) * sizeof(double));
        size_t lo = 0;
        int r;

        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_windows; i++) {
                Alpha1Eval *w = &a->windows[i];
                size_t hi, n = 0;
                double alpha1;

                while (lo < c->n_beats && c->beat_t[lo] <= w->t_s - ALPHA1_WINDOW_S + 1e-9)
                        lo++;
                for (hi = lo; hi < c->n_beats && c->beat_t[hi] <= w->t_s + 1e-9; hi++)
                        buf[n++] = clean[hi];
                if (!w->valid || n < 3)
                        continue;
                r = dfa_smoothness_priors(buf, n, DFA_SMOOTHNESS_PRIORS_LAMBDA, buf);
                if (r < 0)
                        return r;
                if (dfa_alpha1(buf, n, &alpha1) >= 0)
                        w->alpha1 = alpha1;
        }
        if (c->n_beats >= 3) {
                memcpy(buf, clean, c->n_beats * sizeof(double));
                r = dfa_smoothness_priors(buf, c->n_beats, DFA_SMOOTHNESS_PRIORS_LAMBDA, buf);
                if (r < 0)
                        return r;
                if (dfa_alpha1(buf, c->n_beats, &a->alpha1) < 0)
                        a->alpha1 = NAN;
        }
        return 0;
}

int rr_analysis_run(const RrRecording *rec, const RrAnalysisOptions *opt, RrAnalysis **ret)
{
        _cleanup_(rr_analysis_freep) RrAnalysis *a = NULL;
        RrAnalysisOptions o = opt ? *opt : RR_ANALYSIS_OPTIONS_DEFAULT;
        _cleanup_free_ double *clean = NULL;
        _cleanup_(ctx_done) Ctx c = {.rec = rec};
        double sum = 0;
        int r;

        if (!rec || !ret || rec->n_rows == 0)
                return -EINVAL;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;

        r = build_timeline(&c, &o);
        if (r < 0)
                return r;

        a->n_rows = rec->n_rows;
        a->n_beats = c.n_beats;
        a->has_speed = rec->has_speed;
        a->hr_max_bpm = NAN;
        clean = malloc(MAX(c.n_beats, (size_t)1) * sizeof(double));
        if (!clean)
                return -ENOMEM;
        for (size_t i = 0; i < c.n_beats; i++) {
                clean[i] = c.beats[i].rr_ms;
                sum += clean[i];
                a->n_artifacts += c.beats[i].counted;
                if (i >= HR_SMOOTH_BEATS - 1 &&
                    (isnan(a->hr_max_bpm) || c.beat_hr[i] > a->hr_max_bpm))
                        a->hr_max_bpm = c.beat_hr[i];
        }
        a->artifact_pct = rr_artifact_pct(c.beats, c.n_beats);
        a->duration_s = sum / 1000.0;
        a->hr_mean_bpm = c.n_beats ? 60000.0 / (sum / (double)c.n_beats) : NAN;
        if (dfa_alpha1(clean, c.n_beats, &a->alpha1) < 0)
                a->alpha1 = NAN;

        r = run_windows(&c, a, &o);
        if (r < 0)
                return r;
        a->window_speed_kmh = malloc(MAX(a->n_windows, (size_t)1) * sizeof(double));
        if (!a->window_speed_kmh)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_windows; i++)
                a->window_speed_kmh[i] = a->has_speed ? speed_at(&c, a->windows[i].t_s) : NAN;

        if (o.smoothness_priors) {
                r = apply_smoothness_priors(&c, a, clean);
                if (r < 0)
                        return r;
        }
        run_ramp(&c, a, &o);
        run_deflection(&c, a);
        run_steady(&c, a);
        run_zones(&c, a, &o);

        *ret = TAKE_PTR(a);
        return 0;
}
