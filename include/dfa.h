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

/* alpha1 of rr_ms[0..n). -EINVAL if n < 2 * DFA_MAX_BOX, -EDOM on a flat series. */
int dfa_alpha1(const double *rr_ms, size_t n, double *ret_alpha1);
