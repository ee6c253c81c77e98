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

/*
 * A synthetic ramp test with known thresholds, the model of tools/rr-synth:
 * 5 min at 9 km/h, +0.5 km/h per minute to 18 km/h, 2 min at 6 km/h; steady
 * HR = 60 + 7 * speed with a 30-s lag; AR(1) beat variation whose
 * coefficient makes DFA alpha1 = 0.75 at hrvt1 and 0.5 at hrvt2 (linear in
 * HR), calibrated with dfa_alpha1(). Calls beat(t_end_s, rr_ms, speed, hr)
 * for each beat. Needs dfa.h.
 */
#ifdef DFA_MIN_BOX
typedef void (*SynthBeatFn)(double t_s, double rr_ms, double speed_kmh, double hr_bpm, void *u);

static inline double synth_ramp_speed(double t)
{
        if (t < 300)
                return 9.0;
        if (t < 300 + 18 * 60)
                return fmin(9.5 + 0.5 * floor((t - 300) / 60), 18.0);
        return 6.0;
}

static inline void synth_ramp(uint64_t seed, double hrvt1, double hrvt2, SynthBeatFn beat, void *u)
{
        enum { CAL_N = 60, CAL_WIN = 300, CAL_REPS = 12 };
        double phi_t[CAL_N], a_t[CAL_N], rr_w[CAL_WIN], t = 0, x = 0, hr = 60 + 7 * 9.0;
        SynthRng g = {.s = 99};

        for (int i = 0; i < CAL_N; i++) {
                double phi = -0.85 + 1.83 * i / (CAL_N - 1), sum = 0, y = 0;

                for (int k = 0; k < CAL_REPS; k++) {
                        double a = 0;

                        for (int j = 0; j < CAL_WIN; j++) {
                                y = phi * y + sqrt(1 - phi * phi) * synth_gauss(&g);
                                rr_w[j] = 400 + 5 * y;
                        }
                        (void)dfa_alpha1(rr_w, CAL_WIN, &a);
                        sum += a;
                }
                phi_t[i] = phi;
                a_t[i] = sum / CAL_REPS;
        }

        g = (SynthRng){.s = seed};
        while (t < 300 + 20 * 60) {
                double v = synth_ramp_speed(t), target, phi = phi_t[CAL_N - 1], rr;

                target = fmin(fmax(0.75 - (hr - hrvt1) * 0.25 / (hrvt2 - hrvt1), 0.25), 1.4);
                if (target <= a_t[0])
                        phi = phi_t[0];
                else
                        for (int i = 1; i < CAL_N; i++)
                                if (target <= a_t[i]) {
                                        double f = (target - a_t[i - 1]) / (a_t[i] - a_t[i - 1]);

                                        phi = phi_t[i - 1] + f * (phi_t[i] - phi_t[i - 1]);
                                        break;
                                }
                x = phi * x + sqrt(1 - phi * phi) * synth_gauss(&g);
                rr = 60000.0 / hr + 8.0 * (60000.0 / hr) / 500.0 * x;
                t += rr / 1000.0;
                beat(t, rr, v, hr, u);
                hr += (60 + 7 * v - hr) * (1 - exp(-(rr / 1000.0) / 30.0));
        }
}
#endif
