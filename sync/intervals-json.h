/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What intervals.icu answers (its REST API, https://intervals.icu/api/v1),
 * parsed strictly: a document that is truncated, malformed, of the wrong
 * shape or beyond the limits below is -EBADMSG, never half-read. Unknown
 * fields are ignored (the API adds fields over time). Pure code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INTERVALS_EVENTS_MAX     500
#define INTERVALS_ACTIVITIES_MAX 500
#define INTERVALS_TEXT_MAX       (256 * 1024) /* one event's description */

typedef struct IntervalsEvent {
        int64_t id;
        int64_t date;      /* of start_date_local, days since 1970-01-01 */
        char *category;    /* "WORKOUT", "NOTE", "RACE_A", ... */
        char *type;        /* "Run", "VirtualRun", "Ride", ...; NULL if none */
        char *name;        /* NULL if none */
        char *description; /* the workout in intervals.icu's text syntax; NULL if none */
} IntervalsEvent;

/* GET /athlete/{id}/events: an array of events. */
int intervals_parse_events(const char *body, size_t len, IntervalsEvent **ret, size_t *ret_n);
void intervals_events_free(IntervalsEvent *e, size_t n);

/* POST /athlete/{id}/activities: {"icu_athlete_id":..,"id":"i123",..}; the activity id. */
int intervals_parse_upload(const char *body, size_t len, char **ret_id);

/* GET /athlete/{id}/activities: the id of the activity with this external_id, -ENOENT if none. */
int intervals_find_external_id(const char *body, size_t len, const char *external_id,
                               char **ret_id);

typedef struct IntervalsRunSettings {
        unsigned max_hr, lthr;          /* bpm, 0 if not set */
        double threshold_pace_s_per_km; /* 0 if not set (the API keeps it in m/s) */
} IntervalsRunSettings;

/* GET /athlete/{id}/sport-settings/Run: the running settings. */
int intervals_parse_sport_settings(const char *body, size_t len, IntervalsRunSettings *ret);

/* Running sports: what a treadmill can run. */
bool intervals_type_is_run(const char *type);
