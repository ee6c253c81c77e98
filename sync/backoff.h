/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * When to try again: exponential backoff between a minimum and a maximum,
 * and the server's own word (Retry-After) when it gave one. Pure code; the
 * caller passes the time and the randomness.
 */

#include <stdint.h>

/* The Retry-After a server may ask for is honoured up to this. */
#define RETRY_AFTER_MAX_USEC (24 * 3600 * UINT64_C(1000000))

/*
 * The wait after `failures` failed attempts in a row (1 or more):
 * min * 2^(failures - 1), at most max, then spread by +-10 % with jitter in
 * [0, 1) so that many queued jobs do not return in step.
 */
uint64_t backoff_delay(uint64_t min_usec, uint64_t max_usec, unsigned failures, double jitter);

/*
 * A Retry-After header value (RFC 9110 10.2.3): delay-seconds or an
 * HTTP-date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). Sets *ret to the
 * absolute CLOCK_REALTIME usec, capped at now + RETRY_AFTER_MAX_USEC and at
 * least now. -EINVAL if malformed.
 */
int retry_after_parse(const char *value, uint64_t now_usec, uint64_t *ret);
