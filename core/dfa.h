/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Detrended fluctuation analysis, short-term exponent alpha1, with the one
 * canonical definition documented in docs/analysis.md: profile of RR minus
 * its mean, integer box sizes 4..16 equally weighted, non-overlapping boxes
 * from the start of the window, linear detrend per box, alpha1 = OLS slope of
 * log F(n) against log n. Pure code.
 */

#include <stddef.h>

#define DFA_MIN_BOX 4
#define DFA_MAX_BOX 16
#define DFA_N_BOXES (DFA_MAX_BOX - DFA_MIN_BOX + 1)

/* alpha1 of rr_ms[0..n). -EINVAL if n < 2 * DFA_MAX_BOX, -EDOM on a flat series. */
int dfa_alpha1(const double *rr_ms, size_t n, double *ret_alpha1);

/*
 * The squared fluctuation F^2(n) for n = DFA_MIN_BOX..DFA_MAX_BOX (index
 * n - DFA_MIN_BOX): mean squared residual over all boxes of that size.
 * -EINVAL if n < 2 * DFA_MAX_BOX.
 */
int dfa_fluctuations(const double *rr_ms, size_t n, double ret_f2[DFA_N_BOXES]);

/* alpha1 = OLS slope of log F(n) on log n, from F^2. -EDOM if any F^2 <= 0. */
int dfa_alpha1_from_f2(const double f2[DFA_N_BOXES], double *ret_alpha1);

/* Residual sum of squares of the OLS line through y[0..n) against x = 0..n-1. */
double dfa_box_rss(const double *y, size_t n);

/*
 * Optional pre-detrending (not used by default): smoothness priors of
 * Tarvainen, Ranta-aho & Karjalainen 2002 (doi:10.1109/10.979357),
 * out = (I - (I + lambda^2 D2' D2)^-1) x, D2 the second-difference matrix;
 * Kubios uses lambda = 500. Solved with a banded Cholesky factorisation, O(n).
 * out may equal x. -EINVAL for n < 3 or lambda <= 0.
 */
#define DFA_SMOOTHNESS_PRIORS_LAMBDA 500.0
int dfa_smoothness_priors(const double *x, size_t n, double lambda, double *out);
