/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ramp-test regression of alpha1 on HR (Rogers et al. 2021; Runalyze), HR
 * deflection by D-max (Cheng et al. 1992) with a two-segment model check, and
 * cardiac drift. See docs/analysis.md for the method and its caveats.
 */
#include <math.h>

#include "alpha1-tracker.h"
#include "string-table.h"
#include "threshold.h"
#include "util.h"

static const char *const threshold_kind_table[_THRESHOLD_KIND_MAX] = {
        [THRESHOLD_HRVT1] = "aerobic threshold (HRVT1)",
        [THRESHOLD_HRVT2] = "anaerobic threshold (HRVT2)",
};

static const char *const threshold_key_table[_THRESHOLD_KIND_MAX] = {
        [THRESHOLD_HRVT1] = "hrvt1",
        [THRESHOLD_HRVT2] = "hrvt2",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(threshold_kind, ThresholdKind);

const char *threshold_kind_to_key(ThresholdKind k)
{
        if (k < 0 || k >= _THRESHOLD_KIND_MAX)
                return NULL;
        return threshold_key_table[k];
}

double threshold_kind_alpha1(ThresholdKind k)
{
        return k == THRESHOLD_HRVT1 ? HRVT1_ALPHA1 : k == THRESHOLD_HRVT2 ? HRVT2_ALPHA1 : NAN;
}

static const char *const ramp_status_table[_RAMP_STATUS_MAX] = {
        [RAMP_OK] = "ok",
        [RAMP_TOO_FEW_WINDOWS] = "too few valid windows",
        [RAMP_NOT_DECREASING] = "alpha1 does not fall with HR",
        [RAMP_POOR_FIT] = "poor fit (|r| < 0.7)",
        [RAMP_NO_RAMP] = "no speed ramp in the recording: thresholds need a ramp test",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(ramp_status, RampStatus);

/* Simple least squares y = a + b x with Pearson r; returns false if degenerate. */
typedef struct Ols {
        double n, sx, sy, sxx, syy, sxy;
} Ols;

static void ols_add(Ols *o, double x, double y)
{
        o->n += 1;
        o->sx += x;
        o->sy += y;
        o->sxx += x * x;
        o->syy += y * y;
        o->sxy += x * y;
}

static bool ols_solve(const Ols *o, double *a, double *b, double *r)
{
        double cxx = o->sxx - o->sx * o->sx / o->n, cyy = o->syy - o->sy * o->sy / o->n;
        double cxy = o->sxy - o->sx * o->sy / o->n;

        if (o->n < 2 || !(cxx > 0))
                return false;
        *b = cxy / cxx;
        *a = (o->sy - *b * o->sx) / o->n;
        if (r)
                *r = cyy > 0 ? cxy / sqrt(cxx * cyy) : 0;
        return true;
}

static bool window_used(const RampWindow *w, const RampOptions *o)
{
        if (!w->valid || !isfinite(w->alpha1) || !isfinite(w->hr_bpm) ||
            w->artifact_pct > ALPHA1_SUPPRESS_PCT)
                return false;
        if (w->alpha1 <= o->alpha1_lo || w->alpha1 >= o->alpha1_hi)
                return false;
        if (!isnan(o->t_start_s) && w->t_s < o->t_start_s)
                return false;
        if (!isnan(o->t_end_s) && w->t_s > o->t_end_s)
                return false;
        return true;
}

static uint64_t splitmix(uint64_t *s)
{
        uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/*
 * 95 % interval of the crossing HRs by a moving-block bootstrap: windows 5 s
 * apart overlap by 115 s and are strongly autocorrelated, so blocks of 2 min
 * are resampled, not single windows. Deterministic (fixed seed): the same
 * recording always gives the same interval.
 */
static void bootstrap_ci(const double *hr, const double *a1, size_t n, RampResult *res)
{
        double cross[_THRESHOLD_KIND_MAX][RAMP_BOOTSTRAP_N];
        size_t n_ok = 0, blk = MIN((size_t)RAMP_BOOTSTRAP_BLOCK, n);
        uint64_t seed = UINT64_C(0x5eed);

        for (size_t rep = 0; rep < RAMP_BOOTSTRAP_N; rep++) {
                Ols o = {};
                double a, b;

                while ((size_t)o.n < n) {
                        size_t start = (size_t)(splitmix(&seed) % (n - blk + 1));

                        for (size_t j = start; j < start + blk && (size_t)o.n < n; j++)
                                ols_add(&o, hr[j], a1[j]);
                }
                if (!ols_solve(&o, &a, &b, NULL) || b >= 0)
                        continue;
                for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                        cross[k][n_ok] = (threshold_kind_alpha1((ThresholdKind)k) - a) / b;
                n_ok++;
        }
        /* most resamples must agree on a falling line for an interval to mean anything */
        if (n_ok < RAMP_BOOTSTRAP_N * 9 / 10)
                return;
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                qsort(cross[k], n_ok, sizeof(double), cmp_double);
                res->t[k].hr_ci_lo_bpm = cross[k][(size_t)(0.025 * (double)(n_ok - 1))];
                res->t[k].hr_ci_hi_bpm = cross[k][(size_t)ceil(0.975 * (double)(n_ok - 1))];
        }
}

static char grade_of(double c)
{
        return c >= 0.7 ? 'A' : c >= 0.4 ? 'B' : c > 0 ? 'C' : '-';
}

int threshold_ramp_fit(const RampWindow *w, size_t n, const RampOptions *opt, RampResult *ret)
{
        RampOptions o = opt ? *opt : RAMP_OPTIONS_DEFAULT;
        RampResult res = {.intercept = NAN,
                          .slope = NAN,
                          .r = NAN,
                          .hr_min_bpm = NAN,
                          .hr_max_bpm = NAN,
                          .artifact_pct = NAN};
        Ols fit = {}, sp = {}, sp_lag = {};
        double art = 0, a, b, r, spa = NAN, spb = NAN, sla = NAN, slb = NAN;
        _cleanup_free_ double *hr_used = NULL, *a1_used = NULL;
        bool has_sp, has_lag;

        if ((!w && n > 0) || !ret)
                return -EINVAL;

        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                res.t[k] = (ThresholdEstimate){.hr_bpm = NAN,
                                               .speed_kmh = NAN,
                                               .speed_ramp_kmh = NAN,
                                               .hr_ci_lo_bpm = NAN,
                                               .hr_ci_hi_bpm = NAN,
                                               .grade = '-'};
        hr_used = malloc(MAX(n, (size_t)1) * sizeof(double));
        a1_used = malloc(MAX(n, (size_t)1) * sizeof(double));
        if (!hr_used || !a1_used)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                if (!window_used(&w[i], &o))
                        continue;
                hr_used[(size_t)fit.n] = w[i].hr_bpm;
                a1_used[(size_t)fit.n] = w[i].alpha1;
                ols_add(&fit, w[i].hr_bpm, w[i].alpha1);
                art += w[i].artifact_pct;
                res.hr_min_bpm =
                        isnan(res.hr_min_bpm) ? w[i].hr_bpm : MIN(res.hr_min_bpm, w[i].hr_bpm);
                res.hr_max_bpm =
                        isnan(res.hr_max_bpm) ? w[i].hr_bpm : MAX(res.hr_max_bpm, w[i].hr_bpm);
                /* speed against HR, to read the speed at the threshold HR */
                if (isfinite(w[i].speed_kmh))
                        ols_add(&sp, w[i].hr_bpm, w[i].speed_kmh);
                if (isfinite(w[i].speed_lag_kmh))
                        ols_add(&sp_lag, w[i].hr_bpm, w[i].speed_lag_kmh);
        }
        res.n_windows = (size_t)fit.n;
        if (fit.n > 0)
                res.artifact_pct = art / fit.n;

        if (res.n_windows < MAX(o.min_windows, (size_t)3) || !ols_solve(&fit, &a, &b, &r)) {
                res.status = RAMP_TOO_FEW_WINDOWS;
                *ret = res;
                return 0;
        }
        res.intercept = a;
        res.slope = b;
        res.r = r;
        if (b >= 0) {
                res.status = RAMP_NOT_DECREASING;
                *ret = res;
                return 0;
        }
        if (fabs(r) < o.min_abs_r) {
                res.status = RAMP_POOR_FIT;
                *ret = res;
                return 0;
        }
        res.status = RAMP_OK;

        bootstrap_ci(hr_used, a1_used, res.n_windows, &res);
        has_sp = sp.n >= 3 && ols_solve(&sp, &spa, &spb, NULL);
        has_lag = sp_lag.n >= 3 && ols_solve(&sp_lag, &sla, &slb, NULL);

        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                ThresholdEstimate *t = &res.t[k];
                double level = threshold_kind_alpha1((ThresholdKind)k);
                double c_fit, c_art, c_n, c_reach, c_ci = 0.5, width;

                t->found = true;
                t->hr_bpm = (level - a) / b;
                t->reached = t->hr_bpm >= res.hr_min_bpm && t->hr_bpm <= res.hr_max_bpm;
                if (has_sp)
                        t->speed_ramp_kmh = spa + spb * t->hr_bpm;
                if (has_lag)
                        t->speed_kmh = sla + slb * t->hr_bpm;

                /* Confidence: the fit (|r| 0.7 -> 0, 0.95 -> 1), artifacts, how
                 * many windows (24 = 2 min of 5-s steps is enough), and whether
                 * the ramp reached the level or the crossing is extrapolated. */
                c_fit = fmin(fmax((fabs(r) - 0.7) / 0.25, 0.0), 1.0);
                c_art = res.artifact_pct <= ALPHA1_LOW_QUALITY_PCT ? 1.0 : 0.7;
                c_n = MIN(1.0, (double)res.n_windows / 24.0);
                c_reach = t->reached ? 1.0 : 0.4;
                /* the bootstrap interval: <= 6 bpm wide is tight, 20 or more loose */
                width = t->hr_ci_hi_bpm - t->hr_ci_lo_bpm;
                if (isfinite(width))
                        c_ci = width <= 6 ? 1.0 : width >= 20 ? 0.5 : 1.0 - 0.5 * (width - 6) / 14;
                t->confidence = c_fit * c_art * c_n * c_reach * c_ci;
                /* HRVT2 agrees less with VT2 than HRVT1 with VT1 (r 0.78 vs 0.97). */
                if (k == THRESHOLD_HRVT2)
                        t->confidence *= 0.85;
                t->grade = grade_of(t->confidence);
        }

        *ret = res;
        return 0;
}

/* ---- D-max ---- */

/* Solves the 4x4 normal equations of a cubic in place (Gaussian elimination with pivoting). */
static bool solve4(double m[4][5])
{
        for (int c = 0; c < 4; c++) {
                int p = c;

                for (int i = c + 1; i < 4; i++)
                        if (fabs(m[i][c]) > fabs(m[p][c]))
                                p = i;
                if (fabs(m[p][c]) < 1e-12)
                        return false;
                if (p != c)
                        for (int j = 0; j < 5; j++) {
                                double tmp = m[c][j];

                                m[c][j] = m[p][j];
                                m[p][j] = tmp;
                        }
                for (int i = 0; i < 4; i++) {
                        double f;

                        if (i == c)
                                continue;
                        f = m[i][c] / m[c][c];
                        for (int j = c; j < 5; j++)
                                m[i][j] -= f * m[c][j];
                }
        }
        for (int c = 0; c < 4; c++)
                m[c][4] /= m[c][c];
        return true;
}

static double cubic(const double k[4], double u)
{
        return k[0] + u * (k[1] + u * (k[2] + u * k[3]));
}

/* RSS of the continuous hinge y = a + b x + c max(0, x - xb); OLS on three columns. */
static double hinge_rss(const double *x, const double *y, size_t n, double xb, double ret_abc[3])
{
        double m[3][4] = {};
        double rss = 0;

        for (size_t i = 0; i < n; i++) {
                double v[3] = {1, x[i], MAX(0.0, x[i] - xb)};

                for (int r = 0; r < 3; r++) {
                        for (int c = 0; c < 3; c++)
                                m[r][c] += v[r] * v[c];
                        m[r][3] += v[r] * y[i];
                }
        }
        for (int c = 0; c < 3; c++) {
                int p = c;

                for (int i = c + 1; i < 3; i++)
                        if (fabs(m[i][c]) > fabs(m[p][c]))
                                p = i;
                if (fabs(m[p][c]) < 1e-12)
                        return INFINITY;
                for (int j = 0; j < 4; j++) {
                        double tmp = m[c][j];

                        m[c][j] = m[p][j];
                        m[p][j] = tmp;
                }
                for (int i = 0; i < 3; i++) {
                        double f;

                        if (i == c)
                                continue;
                        f = m[i][c] / m[c][c];
                        for (int j = c; j < 4; j++)
                                m[i][j] -= f * m[c][j];
                }
        }
        {
                double a = m[0][3] / m[0][0], b = m[1][3] / m[1][1], c = m[2][3] / m[2][2];

                for (size_t i = 0; i < n; i++) {
                        double e = y[i] - (a + b * x[i] + c * MAX(0.0, x[i] - xb));

                        rss += e * e;
                }
                ret_abc[0] = a;
                ret_abc[1] = b;
                ret_abc[2] = c;
        }
        return rss;
}

int threshold_hr_deflection(const double *speed_kmh, const double *hr_bpm, size_t n,
                            HrDeflection *ret)
{
        HrDeflection d = {.dmax_speed_kmh = NAN,
                          .dmax_hr_bpm = NAN,
                          .break_speed_kmh = NAN,
                          .break_hr_bpm = NAN,
                          .slope_before = NAN,
                          .slope_after = NAN,
                          .delta_bic = NAN};
        double x0, x1, xm, xs, m[4][5] = {}, k[4], la, lb, best = -1;
        double rss_lin = 0, a, b, best_rss = INFINITY, nn = (double)n;
        Ols lin = {};

        if (!speed_kmh || !hr_bpm || !ret || n < 6)
                return -EINVAL;
        x0 = x1 = speed_kmh[0];
        for (size_t i = 0; i < n; i++) {
                if (!isfinite(speed_kmh[i]) || !isfinite(hr_bpm[i]))
                        return -EINVAL;
                x0 = MIN(x0, speed_kmh[i]);
                x1 = MAX(x1, speed_kmh[i]);
        }
        if (!(x1 - x0 > 0.1))
                return -EINVAL;

        /* Cubic on u = (x - mid) / half-range for conditioning. */
        xm = (x0 + x1) / 2;
        xs = (x1 - x0) / 2;
        for (size_t i = 0; i < n; i++) {
                double u = (speed_kmh[i] - xm) / xs, p[7] = {1};

                for (int j = 1; j < 7; j++)
                        p[j] = p[j - 1] * u;
                for (int r = 0; r < 4; r++) {
                        for (int c = 0; c < 4; c++)
                                m[r][c] += p[r + c];
                        m[r][4] += p[r] * hr_bpm[i];
                }
        }
        if (!solve4(m))
                return -EINVAL;
        for (int j = 0; j < 4; j++)
                k[j] = m[j][4];

        /* D-max: the point of the curve farthest from the chord between its ends. */
        lb = (cubic(k, 1) - cubic(k, -1)) / 2;
        la = cubic(k, -1) + lb;
        for (int i = 0; i <= 1000; i++) {
                double u = -1 + 2.0 * i / 1000.0;
                double dist = fabs(cubic(k, u) - (la + lb * u)) / sqrt(1 + lb * lb);

                if (dist > best) {
                        best = dist;
                        d.dmax_speed_kmh = xm + u * xs;
                        d.dmax_hr_bpm = cubic(k, u);
                }
        }

        /* Is there a deflection at all? Line vs continuous two segments. */
        for (size_t i = 0; i < n; i++)
                ols_add(&lin, speed_kmh[i], hr_bpm[i]);
        if (!ols_solve(&lin, &a, &b, NULL))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                double e = hr_bpm[i] - (a + b * speed_kmh[i]);

                rss_lin += e * e;
        }
        /* breakpoints strictly inside, at least 3 points each side */
        for (int i = 1; i < 200; i++) {
                double xb = x0 + (x1 - x0) * i / 200.0, abc[3] = {}, rss;
                size_t left = 0;

                for (size_t j = 0; j < n; j++)
                        left += speed_kmh[j] <= xb;
                if (left < 3 || n - left < 3)
                        continue;
                rss = hinge_rss(speed_kmh, hr_bpm, n, xb, abc);
                if (rss < best_rss) {
                        best_rss = rss;
                        d.break_speed_kmh = xb;
                        /* continuous at the breakpoint: the c term is zero there */
                        d.break_hr_bpm = abc[0] + abc[1] * xb;
                        d.slope_before = abc[1];
                        d.slope_after = abc[1] + abc[2];
                }
        }
        if (isfinite(best_rss)) {
                /* A floor on the residual keeps perfect synthetic data finite: HR is
                 * reported in whole bpm, so 0.3 bpm RMS is a fair noise floor. */
                double floor_rss = nn * 0.09;
                double bic_lin = nn * log(MAX(rss_lin, floor_rss) / nn) + 2 * log(nn);
                double bic_pw = nn * log(MAX(best_rss, floor_rss) / nn) + 4 * log(nn);

                d.delta_bic = bic_lin - bic_pw;
                /* The classic HRDP is a flattening: slope after < slope before. */
                d.found = d.delta_bic > 6 && d.slope_after < d.slope_before;
        }

        *ret = d;
        return 0;
}

int threshold_cardiac_drift(const double *t_s, const double *hr_bpm, size_t n, double skip_s,
                            double *ret_bpm_per_10min)
{
        Ols o = {};
        double a, b, t_first = NAN, t_last = NAN;

        if ((!t_s && n > 0) || (!hr_bpm && n > 0) || !ret_bpm_per_10min || !(skip_s >= 0))
                return -EINVAL;
        if (n == 0)
                return -ENODATA;
        for (size_t i = 0; i < n; i++) {
                if (!isfinite(t_s[i]) || !isfinite(hr_bpm[i]) || t_s[i] < t_s[0] + skip_s)
                        continue;
                ols_add(&o, t_s[i], hr_bpm[i]);
                if (isnan(t_first))
                        t_first = t_s[i];
                t_last = t_s[i];
        }
        if (o.n < 10 || !(t_last - t_first >= 300))
                return -ENODATA;
        if (!ols_solve(&o, &a, &b, NULL))
                return -ENODATA;
        *ret_bpm_per_10min = b * 600.0;
        return 0;
}
