/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Any input: parse as a FIT workout file, resolve it and check the safety
 * invariants. The header's size and ".FIT" and both CRCs are made right
 * first, so that the fuzzer reaches the record decoder instead of stopping
 * at the CRC check; the input untouched is tried as well.
 */
#include <string.h>

#include "export-fit.h"
#include "fuzz-workout.h"
#include "workout-fit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse(const char *data, size_t len, const char *filename, Workout **ret,
                 WorkoutError *ret_error)
{
        return workout_fit_parse(data, len, filename, ret, ret_error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t *fixed;
        uint16_t crc;
        uint32_t n;

        (void)fuzz_workout_parse_and_resolve(parse, data, size);
        if (size < 16 || size > 64 * 1024)
                return 0;
        fixed = malloc(size);
        if (!fixed)
                return 0;
        memcpy(fixed, data, size);
        fixed[0] = 14;
        memcpy(fixed + 8, ".FIT", 4);
        n = (uint32_t)(size - 14 - 2);
        for (int i = 0; i < 4; i++)
                fixed[4 + i] = (uint8_t)(n >> (8 * i));
        crc = fit_crc16(0, fixed, 12);
        fixed[12] = (uint8_t)crc;
        fixed[13] = (uint8_t)(crc >> 8);
        crc = fit_crc16(0, fixed, size - 2);
        fixed[size - 2] = (uint8_t)crc;
        fixed[size - 1] = (uint8_t)(crc >> 8);
        (void)fuzz_workout_parse_and_resolve(parse, fixed, size);
        free(fixed);
        return 0;
}
