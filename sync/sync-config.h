/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * paced-sync's configuration, /etc/paced/sync.conf: an INI file checked as a
 * whole like paced.conf (unknown keys, repeated keys and bad values are
 * errors naming the line). A service is on when its section names the
 * account: [intervals.icu] athlete_id, [Strava] client_id. Secrets are never
 * in this file: they come from systemd credentials or 0600 files it names
 * (see secret.h). Pure code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNC_CONFIG_DEFAULT_PATH PACED_SYSCONFDIR "/sync.conf"

#define SYNC_INTERVALS_API_URL "https://intervals.icu/api/v1"
#define SYNC_STRAVA_API_URL    "https://www.strava.com/api/v3"
#define SYNC_STRAVA_OAUTH_URL  "https://www.strava.com/oauth"

/* The credential names (LoadCredential=) the unit passes. */
#define SYNC_CREDENTIAL_INTERVALS_KEY "paced-sync.intervals-api-key"
#define SYNC_CREDENTIAL_STRAVA_SECRET "paced-sync.strava-client-secret"

typedef struct SyncIntervalsConfig {
        bool enabled; /* athlete_id set */
        char *athlete_id;
        char *api_key_file; /* NULL: the credential */
        char *api_url;
        bool upload, calendar;
} SyncIntervalsConfig;

typedef struct SyncStravaConfig {
        bool enabled; /* client_id set */
        char *client_id;
        char *client_secret_file; /* NULL: the credential */
        char *api_url, *oauth_url;
        bool upload;
} SyncStravaConfig;

typedef struct SyncConfig {
        unsigned days_ahead;   /* planned workouts downloaded: today and the next days */
        char *ca_file;         /* NULL: the system's CA store */
        uint64_t timeout_usec; /* one HTTP request, start to end */
        uint64_t retry_min_usec, retry_max_usec;
        uint64_t calendar_interval_usec; /* the calendar is fetched again after this */
        SyncIntervalsConfig intervals;
        SyncStravaConfig strava;
} SyncConfig;

typedef struct SyncConfigError {
        unsigned line; /* 0: not tied to a line */
        char message[256];
} SyncConfigError;

int sync_config_load_string(const char *text, size_t len, SyncConfig **ret,
                            SyncConfigError *ret_error);
/* -ENOENT (error filled) if the file does not exist. */
int sync_config_load_file(const char *path, SyncConfig **ret, SyncConfigError *ret_error);
SyncConfig *sync_config_free(SyncConfig *c);

/* "30s", "5min", "2h", "45" (seconds) -> usec; -EINVAL. */
int sync_parse_duration(const char *s, uint64_t *ret);
