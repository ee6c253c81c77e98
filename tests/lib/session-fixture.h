/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A simulated interval session written through the store's writer API, for
 * the exporter tests and tools/paced-mksession. Deterministic for a seed.
 *
 * Workout: 5 min warm-up at 9 km/h, 3 x (400 m at 14 km/h at 1 % incline +
 * 90 s recovery at 8 km/h), 3 min cool-down at 8 km/h. The belt follows the
 * commanded speed at 0.6 km/h per second; HR follows speed with a lag; RR
 * from HR with jitter and one artifact every 97 beats; alpha1 from 120 s on,
 * falling as HR rises.
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "session-store.h"
#include "util.h"

#define FIXTURE_START_USEC UINT64_C(1764000000000000) /* 2025-11-24T16:00:00Z */
#define FIXTURE_N_STEPS    8

void fixture_workout(ResolvedWorkout *w, ResolvedStep steps[FIXTURE_N_STEPS]);
const SessionInfo *fixture_info(SessionInfo *info, const ResolvedWorkout *w);

/*
 * Runs the simulated session into s, flushing every simulated second (the
 * manager's timer). Stops after max_s seconds if the workout runs longer;
 * end_reason < 0: leave the session open (as a crash would).
 */
int fixture_run(SessionStore *s, uint64_t seed, double max_s, int end_reason, int64_t *ret_id);

/*
 * Stores a threshold-test result for session id as the daemon does when a
 * ramp test ends (SESSION_METHOD_RAMP_TEST rows, 95 % interval +-4 bpm,
 * grade B), for the tests of what reads them (trend, history, accept).
 */
int fixture_add_test_result(SessionStore *s, int64_t id, double hrvt1_bpm, double hrvt2_bpm);
