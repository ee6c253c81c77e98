/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "strava-json.h"

#define STRAVA_ACTIVITIES_MAX 500
#define STRAVA_TOKEN_MAX      512

static void free_secret(char **s)
{
        if (*s) {
                explicit_bzero(*s, strlen(*s));
                free(*s);
                *s = NULL;
        }
}

void strava_token_done(StravaToken *t)
{
        if (!t)
                return;
        free_secret(&t->access_token);
        free_secret(&t->refresh_token);
        free(t->athlete);
        *t = (StravaToken){};
}

/* Tokens go into an HTTP header and a file: printable ASCII without spaces. */
static bool token_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > STRAVA_TOKEN_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (*p <= 0x20 || *p >= 0x7f)
                        return false;
        return true;
}

/* "Firstname L." from the athlete object, when it has a first name. */
static int athlete_name(json_object *o, char **ret)
{
        json_object *a;
        const char *first, *last = NULL;
        char buf[128];

        *ret = NULL;
        if (json_get_object(o, "athlete", &a) < 0 || json_get_string(a, "firstname", &first) < 0)
                return 0;
        (void)json_get_string(a, "lastname", &last);
        snprintf(buf, sizeof(buf), "%.64s%s%.1s%s", first, last && *last ? " " : "",
                 last ? last : "", last && *last ? "." : "");
        for (char *p = buf; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int strava_parse_token(const char *body, size_t len, StravaToken *ret)
{
        _cleanup_json_ json_object *o = NULL;
        StravaToken t = {};
        const char *access, *refresh, *type;
        int r;

        r = json_parse(body, len, &o);
        if (r < 0)
                return r;
        if (json_get_string(o, "access_token", &access) < 0 ||
            json_get_string(o, "refresh_token", &refresh) < 0 ||
            json_get_int64(o, "expires_at", 0, INT64_MAX / 2, &t.expires_at) < 0 ||
            !token_is_valid(access) || !token_is_valid(refresh))
                return -EBADMSG;
        /* token_type is "Bearer" when present. */
        if (json_get_string(o, "token_type", &type) >= 0 && strcasecmp(type, "Bearer") != 0)
                return -EBADMSG;
        t.access_token = strdup(access);
        t.refresh_token = strdup(refresh);
        if (!t.access_token || !t.refresh_token || athlete_name(o, &t.athlete) < 0) {
                strava_token_done(&t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

void strava_upload_done(StravaUpload *u)
{
        if (!u)
                return;
        free(u->status);
        free(u->error);
        *u = (StravaUpload){};
}

static int dup_optional(json_object *o, const char *key, char **ret)
{
        const char *s;
        int r = json_get_string(o, key, &s);

        *ret = NULL;
        if (r == -ENOENT)
                return 0;
        if (r < 0 || strlen(s) > 4096)
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int strava_parse_upload(const char *body, size_t len, StravaUpload *ret)
{
        _cleanup_json_ json_object *o = NULL;
        StravaUpload u = {};
        int r;

        r = json_parse(body, len, &o);
        if (r < 0)
                return r;
        if (json_get_int64(o, "id", 1, INT64_MAX - 1, &u.id) < 0)
                return -EBADMSG;
        r = json_get_int64(o, "activity_id", 1, INT64_MAX - 1, &u.activity_id);
        if (r == -EBADMSG)
                return r;
        r = dup_optional(o, "status", &u.status);
        if (r >= 0)
                r = dup_optional(o, "error", &u.error);
        if (r < 0) {
                strava_upload_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}

bool strava_upload_duplicate_of(const StravaUpload *u, int64_t *ret_activity)
{
        const char *p;
        int64_t id = 0;

        if (!u->error)
                return false;
        p = strstr(u->error, "duplicate of");
        if (!p)
                return false;
        /* "duplicate of activity 123", or of an HTML link to /activities/123. */
        while (*p && !isdigit((unsigned char)*p))
                p++;
        for (; isdigit((unsigned char)*p); p++) {
                if (id > (INT64_MAX - 9) / 10)
                        return false;
                id = id * 10 + (*p - '0');
        }
        if (id <= 0)
                return false;
        *ret_activity = id;
        return true;
}

int strava_find_external_id(const char *body, size_t len, const char *external_id, int64_t *ret_id)
{
        _cleanup_json_ json_object *o = NULL;
        size_t n;
        int r;

        r = json_parse(body, len, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(o);
        if (n > STRAVA_ACTIVITIES_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(o, i);
                const char *ext;

                if (!json_object_is_type(a, json_type_object))
                        return -EBADMSG;
                r = json_get_string(a, "external_id", &ext);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return -EBADMSG;
                if (!streq(ext, external_id))
                        continue;
                if (json_get_int64(a, "id", 1, INT64_MAX - 1, ret_id) < 0)
                        return -EBADMSG;
                return 0;
        }
        return -ENOENT;
}
