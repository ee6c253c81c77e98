/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Any input: parse as a Zwift .zwo workout, resolve it and check the safety invariants. */
#include "fuzz-workout.h"
#include "workout-zwo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        return fuzz_workout_parse_and_resolve(workout_zwo_parse, data, size);
}
