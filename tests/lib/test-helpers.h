/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers shared by the codec tests: hex strings to bytes, and the list of
 * payloads in tests/vectors/real-captures.jsonl for one characteristic, so a
 * test can check that its static vector table covers every capture.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t test_unhex(const char *hex, uint8_t *buf, size_t size);

#define ELEMENTSOF_(x) (sizeof(x) / sizeof((x)[0]))

#define TEST_VECTOR_MAX_HEX 128

/*
 * Fills hexes[] with the "hex" of every line of real-captures.jsonl whose
 * char_uuid is 0000<uuid16>-...; returns the count, or -1 if the file is
 * missing. A deliberately small reader: the file is one JSON object a line.
 */
int test_real_vectors(const char *uuid16, char hexes[][TEST_VECTOR_MAX_HEX], size_t max);
