/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What Strava answers (https://www.strava.com/api/v3 and /oauth/token),
 * parsed strictly as in intervals-json.h. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct StravaToken {
        char *access_token, *refresh_token; /* secrets: strava_token_done() wipes them */
        int64_t expires_at;                 /* epoch seconds */
        char *athlete; /* "Firstname L." when the answer names one, else NULL */
} StravaToken;

/* POST /oauth/token (authorization_code or refresh_token grant). */
int strava_parse_token(const char *body, size_t len, StravaToken *ret);
void strava_token_done(StravaToken *t);

typedef struct StravaUpload {
        int64_t id;          /* the upload */
        int64_t activity_id; /* 0 until processed */
        char *status;        /* "Your activity is still being processed." ... NULL if none */
        char *error;         /* NULL if none */
} StravaUpload;

/* POST /uploads and GET /uploads/{id}. */
int strava_parse_upload(const char *body, size_t len, StravaUpload *ret);
void strava_upload_done(StravaUpload *u);
/* The activity an upload's error says it duplicates ("... duplicate of activity 123"). */
bool strava_upload_duplicate_of(const StravaUpload *u, int64_t *ret_activity);

/* GET /athlete/activities: the id of the activity with this external_id, -ENOENT if none. */
int strava_find_external_id(const char *body, size_t len, const char *external_id, int64_t *ret_id);
