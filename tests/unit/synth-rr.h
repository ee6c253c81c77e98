/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Deterministic synthetic RR series for the analysis tests: a seeded
 * generator (splitmix64 + Box-Muller), so every run sees the same numbers and
 * no test depends on luck.
 */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct SynthRng {
        uint64_t s;
        bool has_spare;
        double spare;
} SynthRng;

static inline uint64_t synth_next(SynthRng *g)
{
        uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static inline double synth_uniform(SynthRng *g)
{
        return ((double)(synth_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

static inline double synth_gauss(SynthRng *g)
{
        double u, v;

        if (g->has_spare) {
                g->has_spare = false;
                return g->spare;
        }
        u = synth_uniform(g);
        v = synth_uniform(g);
        g->spare = sqrt(-2 * log(u)) * sin(2 * M_PI * v);
        g->has_spare = true;
        return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}
