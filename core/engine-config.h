/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * paced.conf as the engine and the resolver see it: the one mapping from
 * a Config to an EngineConfig and to the ResolveLimits of a machine, shared
 * by the daemon and the runner-outcome tests (which run the shipped config
 * on the simulator). Pure code.
 */

#include "config.h"
#include "transport.h"
#include "workout-engine.h"
#include "workout.h"

/* Every engine setting paced.conf controls; the rest stay at engine_config_init(). */
void engine_config_from_config(const Config *c, EngineConfig *ret);

/* The machine's supported ranges (caps may be NULL: a typical home
 * treadmill) with the configured caps, as workouts are resolved. */
void resolve_limits_from_config(const Config *c, const TransportCapabilities *caps,
                                ResolveLimits *ret);
