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
