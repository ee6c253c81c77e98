/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reader of paced's own RR recordings and plain lists: either RR values
 * without a header (one or more a line, separated by blanks, commas or
 * semicolons; in ms, or in seconds when none exceeds 3), or a CSV whose
 * header names an rr_ms column (optional t_s, speed_kmh, hr_bpm; other
 * columns ignored; ',', ';' or tab separated). rr-file.h detects the other
 * apps' formats.
 * Blank lines and lines starting with '#' are skipped. Pure: parses a buffer;
 * errors carry the 1-based line and what is wrong.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct RrRow {
        double rr_ms;
        double t_s;       /* NAN when the column is absent or the cell empty */
        double speed_kmh; /* NAN likewise */
        double hr_bpm;    /* NAN likewise */
        bool artifact;    /* cleaned recordings: this beat stands for a repair */
        unsigned line;
} RrRow;

typedef struct RrRecording {
        RrRow *rows;
        size_t n_rows;
        bool has_t, has_speed, has_hr;
        /* The rows are beats paced already corrected (a stored session), with
         * their artifact flags: analysed as they are, not cleaned again. */
        bool cleaned;
} RrRecording;

typedef struct RrCsvError {
        unsigned line; /* 0: not tied to a line (empty file) */
        char message[160];
} RrCsvError;

#define RR_CSV_MAX_RR_MS 65535.0 /* a uint16 of 1/1024 s is < 64 s */
#define RR_CSV_MAX_SPEED 100.0
#define RR_CSV_MAX_HR    300.0
/* A plain list whose values are all at most this is in seconds (Kubios' RR export). */
#define RR_PLAIN_MAX_SECONDS 3.0

/* -EBADMSG on malformed input (details in *ret_err, which may be NULL), -ENOMEM. */
int rr_csv_parse(const char *buf, size_t len, RrRecording **ret, RrCsvError *ret_err);
/* Reads the whole stream then parses it. -EIO on read errors. */
int rr_csv_read(FILE *f, RrRecording **ret, RrCsvError *ret_err);
RrRecording *rr_recording_free(RrRecording *r);
static inline void rr_recording_freep(RrRecording **r)
{
        if (*r)
                *r = rr_recording_free(*r);
}
