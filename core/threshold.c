/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ramp-test regression of alpha1 on HR (Rogers et al. 2021; Runalyze), HR
 * deflection by D-max (Cheng et al. 1992) with a two-segment model check, and
 * cardiac drift. See docs/analysis.md for the method and its caveats.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "alpha1-tracker.h"
#include "string-table.h"
#include "threshold.h"
#include "util.h"

/* Casts of the floating constants themselves: clang takes only those in an
 * integer constant expression, not the cast of a quotient. */
static_assert(RAMP_INDEPENDENT_WINDOWS * (int)ALPHA1_STEP_S == (int)ALPHA1_WINDOW_S,
              "one independent window per window length");

static const char *const threshold_kind_table[_THRESHOLD_KIND_MAX] = {
        [THRESHOLD_HRVT1] = "aerobic threshold (HRVT1)",
        [THRESHOLD_HRVT2] = "anaerobic threshold (HRVT2)",
};

static const char *const threshold_kind_key_table[_THRESHOLD_KIND_MAX] = {
        [THRESHOLD_HRVT1] = "hrvt1",
        [THRESHOLD_HRVT2] = "hrvt2",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(threshold_kind, ThresholdKind);

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(threshold_kind_key, ThresholdKind);

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
            !(w->artifact_pct <= o->max_artifact_pct))
                return false;
        if (w->alpha1 <= o->alpha1_lo || w->alpha1 >= o->alpha1_hi)
                return false;
        if (!isnan(o->t_start_s) && w->t_s < o->t_start_s)
                return false;
        if (!isnan(o->t_end_s) && w->t_s > o->t_end_s)
                return false;
        return true;
}

/* Tricube weight of a window at hr in the band around center; 1 everywhere without a band. */
static double band_weight(double hr, double center, double half_width)
{
        double u;

        if (!(half_width > 0))
                return 1;
        u = fabs(hr - center) / half_width;
        return u < 1 ? pow(1 - u * u * u, 3) : 0;
}

typedef struct BandFit {
        double a, b;        /* alpha1 = a + b * HR over the band */
        double sw, sw2;     /* sum of the weights and of their squares */
        double xm, sxx, s2; /* weighted mean HR, spread, mean squared residual */
        size_t n_in;        /* windows with a weight */
} BandFit;

static bool band_fit(const double *hr, const double *a1, size_t n, double center, double half_width,
                     BandFit *ret)
{
        BandFit f = {};
        double ym = 0, sxy = 0;

        for (size_t i = 0; i < n; i++) {
                double wt = band_weight(hr[i], center, half_width);

                if (wt <= 0)
                        continue;
                f.n_in++;
                f.sw += wt;
                f.sw2 += wt * wt;
                f.xm += wt * hr[i];
                ym += wt * a1[i];
        }
        if (f.n_in < 3)
                return false;
        f.xm /= f.sw;
        ym /= f.sw;
        for (size_t i = 0; i < n; i++) {
                double wt = band_weight(hr[i], center, half_width);

                f.sxx += wt * (hr[i] - f.xm) * (hr[i] - f.xm);
                sxy += wt * (hr[i] - f.xm) * (a1[i] - ym);
        }
        if (!(f.sxx > 0))
                return false;
        f.b = sxy / f.sxx;
        f.a = ym - f.b * f.xm;
        for (size_t i = 0; i < n; i++) {
                double r = a1[i] - (f.a + f.b * hr[i]);

                f.s2 += band_weight(hr[i], center, half_width) * r * r;
        }
        f.s2 /= f.sw;
        *ret = f;
        return true;
}

/*
 * The HR where alpha1 crosses a level, by local linear regression: a
 * tricube-weighted OLS of alpha1 on HR over the windows within half_width
 * bpm of the current estimate, moved to where that line crosses the level,
 * until it settles. alpha1 against HR is not a straight line over a whole
 * ramp (a plateau at easy intensities, a floor near 0.35-0.5 at the top),
 * and one line through all of it misses both crossings (on the simulated
 * runner by +3 and +8 bpm, docs/analysis.md); the local line follows the
 * curve where it crosses. Starts from the global line's crossing. Returns
 * false when fewer than RAMP_LOCAL_MIN_WINDOWS windows lie in the band or
 * the local slope is not negative.
 */
static bool crossing_local(const double *hr, const double *a1, size_t n, double level, double start,
                           double half_width, double *ret)
{
        double x = start;

        for (int iter = 0; iter < 25; iter++) {
                BandFit f;
                double next;

                if (!band_fit(hr, a1, n, x, half_width, &f) || f.n_in < RAMP_LOCAL_MIN_WINDOWS ||
                    !(f.b < 0))
                        return false;
                /* at most half a band per step: a flat stretch must not fling it away */
                next = fmin(fmax((level - f.a) / f.b, x - half_width / 2), x + half_width / 2);
                if (fabs(next - x) < 0.01) {
                        *ret = next;
                        return true;
                }
                x = next;
        }
        *ret = x;
        return true;
}

/* Student t 97.5 % quantile for nu > 0.5 degrees of freedom: a table, interpolated in 1/nu. */
static double t975(double nu)
{
        static const double nus[] = {0.5, 1, 1.5, 2, 3, 4, 5, 7, 10, 15, 20, 30, 60, 1e9};
        static const double ts[] = {77.0,  12.706, 6.210, 4.303, 3.182, 2.776, 2.571,
                                    2.365, 2.228,  2.131, 2.086, 2.042, 2.000, 1.960};

        if (!(nu > nus[0]))
                return INFINITY;
        for (size_t i = 1; i < ELEMENTSOF(nus); i++)
                if (nu <= nus[i]) {
                        double f = (1 / nus[i - 1] - 1 / nu) / (1 / nus[i - 1] - 1 / nus[i]);

                        return ts[i - 1] + f * (ts[i] - ts[i - 1]);
                }
        return ts[ELEMENTSOF(ts) - 1];
}

/*
 * 95 % interval of a crossing at x_star: the standard error of the (local)
 * line at x_star, divided by its slope (inverse prediction), with one
 * independent window per 2 min of evaluations (windows 5 s apart share
 * 115 s of beats, so 24 of them carry the information of one), and a
 * Student t quantile with that many degrees of freedom. NAN when the band
 * holds less than one independent window.
 */
static void crossing_interval(const double *hr, const double *a1, size_t n, double x_star,
                              double half_width, ThresholdEstimate *t)
{
        BandFit f;
        double n_eff, var_y, h;

        t->hr_ci_lo_bpm = t->hr_ci_hi_bpm = NAN;
        if (!band_fit(hr, a1, n, x_star, half_width, &f) || !(f.b < 0))
                return;
        n_eff = f.sw * f.sw / f.sw2 / RAMP_INDEPENDENT_WINDOWS;
        if (!(n_eff > 1))
                return;
        var_y = f.s2 * (1 / n_eff + (x_star - f.xm) * (x_star - f.xm) / (f.sxx / f.sw * n_eff));
        h = t975(n_eff) * sqrt(var_y) / fabs(f.b);
        if (!isfinite(h))
                return;
        t->hr_ci_lo_bpm = x_star - h;
        t->hr_ci_hi_bpm = x_star + h;
}

char threshold_grade(const ThresholdEstimate *t, double artifact_pct)
{
        double h;

        if (!t || !t->found)
                return '-';
        h = (t->hr_ci_hi_bpm - t->hr_ci_lo_bpm) / 2;
        if (!t->reached || t->n_below < RAMP_SIDE_MIN_WINDOWS ||
            t->n_above < RAMP_SIDE_MIN_WINDOWS || !(h <= RAMP_GRADE_B_BPM))
                return 'C';
        if (h <= RAMP_GRADE_A_BPM && artifact_pct <= RAMP_GRADE_A_ARTIFACT_PCT)
                return 'A';
        return 'B';
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
                                               .speed_ci_lo_kmh = NAN,
                                               .speed_ci_hi_kmh = NAN,
                                               .confidence = NAN,
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

        has_sp = sp.n >= 3 && ols_solve(&sp, &spa, &spb, NULL);
        has_lag = sp_lag.n >= 3 && ols_solve(&sp_lag, &sla, &slb, NULL);

        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                ThresholdEstimate *t = &res.t[k];
                double level = threshold_kind_alpha1((ThresholdKind)k), h;

                t->found = true;
                t->hr_bpm = (level - a) / b;
                t->local = o.local_half_width_bpm > 0 &&
                           crossing_local(hr_used, a1_used, res.n_windows, level, t->hr_bpm,
                                          o.local_half_width_bpm, &t->hr_bpm);
                crossing_interval(hr_used, a1_used, res.n_windows, t->hr_bpm,
                                  t->local ? o.local_half_width_bpm : 0, t);
                t->reached = t->hr_bpm >= res.hr_min_bpm && t->hr_bpm <= res.hr_max_bpm;
                for (size_t i = 0; i < res.n_windows; i++) {
                        t->n_below += hr_used[i] < t->hr_bpm;
                        t->n_above += hr_used[i] > t->hr_bpm;
                }
                if (has_sp)
                        t->speed_ramp_kmh = spa + spb * t->hr_bpm;
                if (has_lag) {
                        t->speed_kmh = sla + slb * t->hr_bpm;
                        t->speed_ci_lo_kmh = sla + slb * t->hr_ci_lo_bpm;
                        t->speed_ci_hi_kmh = sla + slb * t->hr_ci_hi_bpm;
                }

                /* How likely the crossing lies within 5 bpm, read off the interval
                 * as a normal one: 95 % at +-5 bpm, 68 % at +-10. */
                h = (t->hr_ci_hi_bpm - t->hr_ci_lo_bpm) / 2;
                if (isfinite(h))
                        t->confidence = h > 0 ? erf(5.0 * 1.959964 / (h * M_SQRT2)) : 1.0;
                t->grade = threshold_grade(t, res.artifact_pct);
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
