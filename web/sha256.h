/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 (FIPS 180-4), for hashing device tokens at rest. Pure code. */

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

void sha256(const void *data, size_t len, uint8_t ret[SHA256_DIGEST_SIZE]);
