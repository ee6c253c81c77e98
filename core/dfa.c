/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Batch DFA alpha1, written as literally as possible from the canonical
 * definition (docs/analysis.md): it is the oracle that the incremental
 * windowed tracker (alpha1-tracker.c) and the simulator are checked against,
 * so clarity beats speed here.
 */
#include <errno.h>
#include <math.h>

#include "dfa.h"
#include "util.h"

/* Residual sum of squares of the least-squares line through y[0..n) at x = 0..n-1. */
double dfa_box_rss(const double *y, size_t n)
{
        double xm = (double)(n - 1) / 2.0, ym = 0, sxx = 0, sxy = 0, syy = 0;

        for (size_t i = 0; i < n; i++)
                ym += y[i];
        ym /= (double)n;
        for (size_t i = 0; i < n; i++) {
                double dx = (double)i - xm, dy = y[i] - ym;

                sxx += dx * dx;
                sxy += dx * dy;
                syy += dy * dy;
        }
        /* Clamp: rounding can leave a tiny negative number for a perfect line. */
        return MAX(syy - sxy * sxy / sxx, 0.0);
}

int dfa_fluctuations(const double *rr_ms, size_t n, double ret_f2[DFA_N_BOXES])
{
        _cleanup_free_ double *y = NULL;
        double mean = 0, acc = 0, f2[DFA_N_BOXES];

        if (!rr_ms || n < 2 * DFA_MAX_BOX)
                return -EINVAL;

        y = malloc(n * sizeof(double));
        if (!y)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++)
                mean += rr_ms[i];
        mean /= (double)n;
        /* Profile: cumulative sum of the deviations from the window mean. */
        for (size_t i = 0; i < n; i++) {
                acc += rr_ms[i] - mean;
                y[i] = acc;
        }

        for (size_t b = DFA_MIN_BOX; b <= DFA_MAX_BOX; b++) {
                size_t n_boxes = n / b; /* leftover beats at the end are ignored */
                double rss = 0;

                for (size_t k = 0; k < n_boxes; k++)
                        rss += dfa_box_rss(y + k * b, b);
                f2[b - DFA_MIN_BOX] = rss / (double)(n_boxes * b);
        }

        memcpy(ret_f2, f2, sizeof(f2));
        return 0;
}

int dfa_alpha1_from_f2(const double f2[DFA_N_BOXES], double *ret_alpha1)
{
        double sx = 0, sy = 0, sxx = 0, sxy = 0, m = DFA_N_BOXES;

        for (size_t i = 0; i < DFA_N_BOXES; i++) {
                double x, y;

                /* A perfectly linear profile (constant RR) has F = 0: log undefined. */
                if (!(f2[i] > 0) || !isfinite(f2[i]))
                        return -EDOM;
                x = log((double)(i + DFA_MIN_BOX));
                y = 0.5 * log(f2[i]); /* log F = log sqrt(F^2) */
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
        }

        *ret_alpha1 = (m * sxy - sx * sy) / (m * sxx - sx * sx);
        return 0;
}

int dfa_alpha1(const double *rr_ms, size_t n, double *ret_alpha1)
{
        double f2[DFA_N_BOXES];
        int r;

        r = dfa_fluctuations(rr_ms, n, f2);
        if (r < 0)
                return r;
        return dfa_alpha1_from_f2(f2, ret_alpha1);
}

/* Entry (i, j) of D2' D2 for |i - j| <= 2: the pentadiagonal second-difference Gram matrix. */
static double d2td2(size_t n, size_t i, size_t j)
{
        /* row i of D2' D2 = sum over difference rows r in [i-2, i] (0 <= r <= n-3) */
        static const double c[3] = {1, -2, 1};
        double s = 0;

        for (size_t r = (i >= 2 ? i - 2 : 0); r <= i && r + 2 < n; r++)
                if (j >= r && j <= r + 2)
                        s += c[i - r] * c[j - r];
        return s;
}

int dfa_smoothness_priors(const double *x, size_t n, double lambda, double *out)
{
        _cleanup_free_ double *l = NULL, *y = NULL;
        double l2 = lambda * lambda;

        if (!x || !out || n < 3 || !(lambda > 0) || !isfinite(lambda))
                return -EINVAL;
        /* L is lower triangular with bandwidth 2: l[3 i + 2] = L(i, i),
         * l[3 i + 1] = L(i, i - 1), l[3 i] = L(i, i - 2). */
        l = calloc(3 * n, sizeof(double));
        y = malloc(n * sizeof(double));
        if (!l || !y)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++)
                for (size_t j = (i >= 2 ? i - 2 : 0); j <= i; j++) {
                        double s = (i == j ? 1.0 : 0.0) + l2 * d2td2(n, i, j);

                        for (size_t k = (i >= 2 ? i - 2 : 0); k < j; k++)
                                if (i - k <= 2 && j - k <= 2)
                                        s -= l[3 * i + 2 - (i - k)] * l[3 * j + 2 - (j - k)];
                        if (i == j) {
                                if (!(s > 0))
                                        return -EDOM;
                                l[3 * i + 2] = sqrt(s);
                        } else
                                l[3 * i + 2 - (i - j)] = s / l[3 * j + 2];
                }

        /* L y = x, then L' t = y; the detrended series is x - t. */
        for (size_t i = 0; i < n; i++) {
                double s = x[i];

                if (i >= 1)
                        s -= l[3 * i + 1] * y[i - 1];
                if (i >= 2)
                        s -= l[3 * i] * y[i - 2];
                y[i] = s / l[3 * i + 2];
        }
        for (size_t i = n; i-- > 0;) {
                double s = y[i];

                if (i + 1 < n)
                        s -= l[3 * (i + 1) + 1] * y[i + 1];
                if (i + 2 < n)
                        s -= l[3 * (i + 2)] * y[i + 2];
                y[i] = s / l[3 * i + 2];
        }
        for (size_t i = 0; i < n; i++)
                out[i] = x[i] - y[i];
        return 0;
}
