/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "synth-rr.h"
#include "dfa.h"

uint64_t synth_next(SynthRng *g)
{
        uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

double synth_uniform(SynthRng *g)
{
        return ((double)(synth_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

double synth_gauss(SynthRng *g)
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

double synth_ramp_speed(double t)
{
        if (t < 300)
                return 9.0;
        if (t < 300 + 18 * 60)
                return fmin(9.5 + 0.5 * floor((t - 300) / 60), 18.0);
        return 6.0;
}

void synth_ramp(uint64_t seed, double hrvt1, double hrvt2, SynthBeatFn beat, void *u)
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
