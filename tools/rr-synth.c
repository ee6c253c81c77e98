/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rr-synth: writes a synthetic treadmill ramp test as an RR recording
 * (CSV: t_s, rr_ms, speed_kmh) whose thresholds are known by construction,
 * for testing `pacectl analyze` and the threshold detection.
 *
 * Model: warm-up at 9 km/h, then +0.5 km/h every minute to 18 km/h, then a
 * cool-down at 6 km/h. Steady-state HR = 60 + 7 * speed, reached with a
 * first-order lag (tau 30 s). The beat-to-beat variation is an AR(1) process
 * whose coefficient is chosen, beat by beat, so that DFA alpha1 (canonical
 * definition, dfa.h) equals a line in the current HR through 0.75 at HRVT1
 * and 0.5 at HRVT2; the map coefficient -> alpha1 is calibrated at start-up
 * with dfa_alpha1() itself. RR values are quantised to 1/1024 s like a strap.
 *
 * --deflection flattens the HR/speed line to 3 bpm per km/h above the HRVT2
 * speed (a Conconi deflection point there).
 * --steady instead writes 5 min at 9 km/h then 30 min at 12 km/h, with HR
 * drifting up by --drift bpm per 10 min after the warm-up (cardiac drift).
 *
 *   rr-synth [--seed N] [--hrvt1 BPM] [--hrvt2 BPM] [--artifacts PCT] [--deflection]
 *            [--steady [--drift BPM_PER_10MIN]]
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dfa.h"
#include "util.h"

#define CAL_N    90
#define CAL_WIN  300
#define CAL_REPS 24
#define TAU_S    30.0

typedef struct Rng {
        uint64_t s;
} Rng;

static double rng_uniform(Rng *g)
{
        uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        z ^= z >> 31;
        return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_gauss(Rng *g)
{
        double u = rng_uniform(g), v = rng_uniform(g);

        return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

typedef struct Calibration {
        double phi[CAL_N], alpha1[CAL_N];
} Calibration;

static void calibrate(Calibration *cal)
{
        Rng g = {.s = 99};
        double rr[CAL_WIN];

        for (int i = 0; i < CAL_N; i++) {
                double phi = -0.85 + 1.83 * i / (CAL_N - 1), sum = 0, x = 0;

                for (int k = 0; k < CAL_REPS; k++) {
                        double a;

                        for (int j = 0; j < CAL_WIN; j++) {
                                x = phi * x + sqrt(1 - phi * phi) * rng_gauss(&g);
                                rr[j] = 400 + 5 * x;
                        }
                        if (dfa_alpha1(rr, CAL_WIN, &a) == 0)
                                sum += a;
                }
                cal->phi[i] = phi;
                cal->alpha1[i] = sum / CAL_REPS;
        }
}

/* phi giving the target alpha1 (linear interpolation; clamped to the table). */
static double phi_for(const Calibration *cal, double alpha1)
{
        if (alpha1 <= cal->alpha1[0])
                return cal->phi[0];
        for (int i = 1; i < CAL_N; i++)
                if (alpha1 <= cal->alpha1[i]) {
                        double f = (alpha1 - cal->alpha1[i - 1]) /
                                   (cal->alpha1[i] - cal->alpha1[i - 1]);

                        return cal->phi[i - 1] + f * (cal->phi[i] - cal->phi[i - 1]);
                }
        return cal->phi[CAL_N - 1];
}

static double speed_at(double t, bool steady)
{
        if (steady) /* 5 min warm-up, 30 min steady at 12 km/h */
                return t < 300 ? 9.0 : 12.0;
        if (t < 300)
                return 9.0;
        if (t < 300 + 18 * 60)
                return MIN(9.5 + 0.5 * floor((t - 300) / 60), 18.0);
        return 6.0;
}

/* Steady-state HR: 7 bpm per km/h, flattening to 3 above v_deflect (Conconi). */
static double hr_steady(double v, double v_deflect)
{
        return v <= v_deflect ? 60 + 7 * v : 60 + 7 * v_deflect + 3 * (v - v_deflect);
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {{"seed", required_argument, NULL, 's'},
                                                {"hrvt1", required_argument, NULL, '1'},
                                                {"hrvt2", required_argument, NULL, '2'},
                                                {"artifacts", required_argument, NULL, 'a'},
                                                {"steady", no_argument, NULL, 'S'},
                                                {"drift", required_argument, NULL, 'd'},
                                                {"deflection", no_argument, NULL, 'D'},
                                                {"help", no_argument, NULL, 'h'},
                                                {}};
        double hrvt1 = 150, hrvt2 = 170, artifacts = 0, t = 0, hr, x = 0, end_s, drift = 0;
        bool steady = false, deflection = false;
        uint64_t seed = 1;
        Calibration cal;
        Rng g;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        seed = strtoull(optarg, NULL, 10);
                        break;
                case '1':
                        hrvt1 = atof(optarg);
                        break;
                case '2':
                        hrvt2 = atof(optarg);
                        break;
                case 'a':
                        artifacts = atof(optarg);
                        break;
                case 'S':
                        steady = true;
                        break;
                case 'D':
                        deflection = true;
                        break;
                case 'd':
                        drift = atof(optarg);
                        break;
                case 'h':
                        printf("rr-synth [--seed N] [--hrvt1 BPM] [--hrvt2 BPM] "
                               "[--artifacts PCT] [--deflection] [--steady [--drift "
                               "BPM_PER_10MIN]]\n");
                        return 0;
                default:
                        return 2;
                }
        if (!(hrvt2 > hrvt1) || hrvt1 < 100 || hrvt2 > 190 || artifacts < 0 || artifacts > 20) {
                fprintf(stderr, "rr-synth: need 100 <= hrvt1 < hrvt2 <= 190, artifacts 0..20\n");
                return 2;
        }

        calibrate(&cal);
        g.s = seed;
        end_s = steady ? 300 + 30 * 60 : 300 + 18 * 60 + 120;
        hr = 60 + 7 * speed_at(0, steady);

        printf("# rr-synth: %s, seed %llu, artifacts %.1f %%\n",
               steady ? "steady run" : "ramp test", (unsigned long long)seed, artifacts);
        printf("# design: HRVT1 %.1f bpm (steady-state %.2f km/h), HRVT2 %.1f bpm (%.2f km/h)\n",
               hrvt1, (hrvt1 - 60) / 7, hrvt2, (hrvt2 - 60) / 7);
        printf("t_s,rr_ms,speed_kmh\n");

        while (t < end_s) {
                double v = speed_at(t, steady), target, phi, sigma, rr;
                long ticks;

                target = 0.75 - (hr - hrvt1) * 0.25 / (hrvt2 - hrvt1);
                target = fmin(fmax(target, 0.25), 1.4);
                phi = phi_for(&cal, target);
                sigma = 8.0 * (60000.0 / hr) / 500.0;
                x = phi * x + sqrt(1 - phi * phi) * rng_gauss(&g);
                rr = 60000.0 / hr + sigma * x;
                ticks = lround(rr * 1.024);
                rr = (double)ticks * 1000.0 / 1024.0;

                if (artifacts > 0 && rng_uniform(&g) * 100 < artifacts) {
                        if (rng_uniform(&g) < 0.5) {
                                /* extra beat: the interval split by a spurious peak */
                                double a = round(rr * 0.4 * 1.024) * 1000.0 / 1024.0;

                                t += a / 1000.0;
                                printf("%.4f,%.7f,%.2f\n", t, a, v);
                                t += (rr - a) / 1000.0;
                                printf("%.4f,%.7f,%.2f\n", t, rr - a, v);
                        } else {
                                /* missed beat: this interval and the next as one */
                                t += 2 * rr / 1000.0;
                                printf("%.4f,%.7f,%.2f\n", t, 2 * rr, v);
                        }
                } else {
                        t += rr / 1000.0;
                        printf("%.4f,%.7f,%.2f\n", t, rr, v);
                }
                /* HR kinetics over this beat, towards a steady state that drifts */
                hr += (hr_steady(v, deflection ? (hrvt2 - 60) / 7 : INFINITY) +
                       (steady && t > 300 ? drift * (t - 300) / 600 : 0) - hr) *
                      (1 - exp(-(rr / 1000.0) / TAU_S));
        }
        return 0;
}
