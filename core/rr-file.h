/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * RR files as runners have them, for `pacectl analyze`: the format is
 * detected from the content (a UTF-8 byte-order mark is skipped), never from
 * the file name, and reported so the runner can see what was read.
 *
 *  - paced CSV: a header with an rr_ms column (rr-csv.h);
 *  - a plain list (Kubios, Welltory, Elite HRV): RR values without a header,
 *    one or more a line, in ms or in seconds (rr-csv.h);
 *  - HRV Logger: "date,rr,since start" (a date, RR in ms, the time since the
 *    start in ms at the start of the beat);
 *  - FatMaxxer: "timestamp, rr, since_start" (epoch ms of arrival, RR, ms
 *    since the start), a blank line after the header; its first versions
 *    wrote the header "timestamp,rr" over the same three columns;
 *  - Polar Sensor Logger: "Phone timestamp;RR-interval [ms]" (the phone's
 *    arrival time, which says nothing about the beat, and RR);
 *  - a FIT activity (a watch): the RR of its hrv messages, with the speed of
 *    its records where it has them (rr-fit.h).
 *
 * Times come from the file's "since start" column where it has one (beats
 * it dropped stay gaps), else from the sum of the RR. Pure code.
 */

#include <errno.h>
#include <stdio.h>

#include "rr-csv.h"

typedef enum RrFileFormat {
        RR_FILE_PACED_CSV,
        RR_FILE_PLAIN,
        RR_FILE_HRV_LOGGER,
        RR_FILE_FATMAXXER,
        RR_FILE_POLAR_SENSOR_LOGGER,
        RR_FILE_FIT,
        _RR_FILE_FORMAT_MAX,
        _RR_FILE_FORMAT_INVALID = -EINVAL,
} RrFileFormat;

/* "paced CSV", "plain RR list", "HRV Logger", "FatMaxxer", ... */
const char *rr_file_format_to_string(RrFileFormat f);

/*
 * Detects the format of buf and parses it. -EBADMSG on malformed input or
 * an unknown format (details, with the line, in *ret_err, which may be
 * NULL), -ENOMEM. *ret_format may be NULL.
 */
int rr_file_parse(const void *buf, size_t len, RrRecording **ret, RrFileFormat *ret_format,
                  RrCsvError *ret_err);
/* Reads the whole stream (at most 64 MiB: -EFBIG) then parses it. -EIO on read errors. */
int rr_file_read(FILE *f, RrRecording **ret, RrFileFormat *ret_format, RrCsvError *ret_err);
