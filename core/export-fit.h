/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * FIT activity export (Flexible and Interoperable Data Transfer, protocol
 * 2.0, little-endian), the format Garmin Connect, Strava and intervals.icu
 * take first. Messages written, in order: file_id, device_info (paced, the
 * treadmill, the HR strap), event timer start, then per second the hrv
 * messages for the RR intervals that ended by then and a record
 * (heart_rate, distance, speed, grade when incline was used), timer
 * stop/start around pauses, a final timer stop, the laps, one session
 * (sport running, sub-sport treadmill) and the activity; for a workout, its
 * planned steps (workout, workout_step) after the devices. Pure code.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "session-store.h"
#include "workout.h"

/* Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z). */
#define FIT_EPOCH_OFFSET 631065600
#define FIT_HEADER_SIZE  14

/* Global message numbers (FIT SDK Profile.xlsx, "Messages"). */
#define FIT_MESG_FILE_ID     0
#define FIT_MESG_SESSION     18
#define FIT_MESG_LAP         19
#define FIT_MESG_RECORD      20
#define FIT_MESG_EVENT       21
#define FIT_MESG_DEVICE_INFO 23
#define FIT_MESG_WORKOUT      26
#define FIT_MESG_WORKOUT_STEP 27
#define FIT_MESG_ACTIVITY    34
#define FIT_MESG_HRV         78

/* Values of the profile's "sport" and "sub_sport" types. */
#define FIT_SPORT_RUNNING       1
#define FIT_SUB_SPORT_TREADMILL 1
/* RR intervals per hrv message (the field is an array of up to 5). */
#define FIT_HRV_PER_MESG 5

typedef struct FitExportOptions {
        /* Auto-lap every this many metres (0: off). Without workout steps and
         * with this 0, laps are cut every kilometre. */
        double auto_lap_m;
        /* Local time minus UTC, for activity.local_timestamp. */
        int32_t utc_offset_s;
} FitExportOptions;

/* One workout_step: a step, or (step NULL) "repeat the steps from
 * message_index repeat_from, repeat_count times in all". */
typedef struct FitWorkoutStep {
        const ResolvedStep *step;
        uint16_t repeat_from;
        unsigned repeat_count;
} FitWorkoutStep;

/*
 * The planned workout as FIT messages, appended to the record stream in
 * *buf (malloc'd and grown; *size bytes used of *alloc): a definition and a
 * `workout` message (wkt_name, sport running, sub-sport treadmill,
 * num_valid_steps = n), then a definition and one `workout_step` per entry
 * (message_index; wkt_step_name = the cue, else the label; duration
 * time/distance/open, or repeat_until_steps_cmplt; target speed range
 * (custom, m/s; a ramp as its start-end range) / heart-rate range (custom,
 * bpm + 100) / open; intensity from the kind; notes = the incline, which
 * FIT has no target for), with the local message types given. What an
 * activity file carries so that planned vs actual can be seen (laps refer
 * to the steps by wkt_step_index), and the body of a FIT workout file.
 * 0, -EINVAL, -ENOMEM.
 */
int fit_encode_workout(const char *name, const FitWorkoutStep *steps, size_t n,
                       uint8_t local_workout, uint8_t local_step, uint8_t **buf, size_t *size,
                       size_t *alloc);

/* A whole FIT workout file (file_id type workout, time_created in FIT
 * seconds, then fit_encode_workout()'s messages) in a malloc'd buffer. */
int export_fit_workout(const char *name, const FitWorkoutStep *steps, size_t n, uint32_t created,
                       uint8_t **ret, size_t *ret_size);

/* The whole file in a malloc'd buffer. -ENODATA if the session has no samples. */
int export_fit(const SessionData *d, const FitExportOptions *o, uint8_t **ret, size_t *ret_size);
int export_fit_write(const SessionData *d, const FitExportOptions *o, FILE *out);

/* The FIT SDK's CRC-16 (polynomial 0xA001, nibble table), continued from crc. */
uint16_t fit_crc16(uint16_t crc, const void *data, size_t n);
