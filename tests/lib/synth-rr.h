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

uint64_t synth_next(SynthRng *g);

/* Uniform in (0, 1). */
double synth_uniform(SynthRng *g);
double synth_gauss(SynthRng *g);

/*
 * A synthetic ramp test with known thresholds, the model of tools/rr-synth:
 * 5 min at 9 km/h, +0.5 km/h per minute to 18 km/h, 2 min at 6 km/h; steady
 * HR = 60 + 7 * speed with a 30-s lag; AR(1) beat variation whose
 * coefficient makes DFA alpha1 = 0.75 at hrvt1 and 0.5 at hrvt2 (linear in
 * HR), calibrated with dfa_alpha1(). Calls beat(t_end_s, rr_ms, speed, hr)
 * for each beat.
 */
typedef void (*SynthBeatFn)(double t_s, double rr_ms, double speed_kmh, double hr_bpm, void *u);
double synth_ramp_speed(double t);
void synth_ramp(uint64_t seed, double hrvt1, double hrvt2, SynthBeatFn beat, void *u);
