/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * RR intervals from a FIT activity (a watch's .fit file): the "time" array
 * of its hrv messages (global 78, uint16, 1/1000 s; 0xFFFF unused), in
 * order, and the speed of its record messages (20: enhanced_speed 73 or
 * speed 6, m/s x 1000, against timestamp 253) laid onto the beats by time
 * from the first record, where the file has them. Any architecture,
 * developer fields, compressed-timestamp headers and chained files are
 * read; the header and file CRCs must match. Outside input: every length
 * is checked. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rr-csv.h"

/* A FIT file header: 12 or 14 bytes with ".FIT" at offset 8. */
bool rr_fit_is_fit(const void *buf, size_t len);

/*
 * -EBADMSG for a malformed file or one without hrv messages (the message,
 * with the byte offset as "line", in *ret_err, which may be NULL), -ENOMEM.
 */
int rr_fit_parse(const void *buf, size_t len, RrRecording **ret, RrCsvError *ret_err);
