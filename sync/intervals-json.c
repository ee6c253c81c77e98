/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "intervals-json.h"
#include "json-util.h"
#include "plan.h"

/* A member that is a string of at most max bytes, copied; NULL when absent or null. */
static int dup_optional(json_object *o, const char *key, size_t max, char **ret)
{
        const char *s;
        int r = json_get_string(o, key, &s);

        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r < 0 || strlen(s) > max)
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

void intervals_events_free(IntervalsEvent *e, size_t n)
{
        for (size_t i = 0; e && i < n; i++) {
                free(e[i].category);
                free(e[i].type);
                free(e[i].name);
                free(e[i].description);
        }
        free(e);
}

static int event_from_json(json_object *o, IntervalsEvent *e)
{
        const char *start;
        char date[11];
        int r;

        if (!json_object_is_type(o, json_type_object) ||
            json_get_int64(o, "id", 1, INT64_MAX - 1, &e->id) < 0 ||
            json_get_string(o, "start_date_local", &start) < 0)
                return -EBADMSG;
        /* "2026-05-02T00:00:00": the calendar day is the runner's own. */
        if (strlen(start) < 10 || (start[10] != '\0' && start[10] != 'T'))
                return -EBADMSG;
        memcpy(date, start, 10);
        date[10] = '\0';
        if (plan_date_parse(date, &e->date) < 0)
                return -EBADMSG;
        r = dup_optional(o, "category", 64, &e->category);
        if (r >= 0)
                r = dup_optional(o, "type", 64, &e->type);
        if (r >= 0)
                r = dup_optional(o, "name", 1024, &e->name);
        if (r >= 0)
                r = dup_optional(o, "description", INTERVALS_TEXT_MAX, &e->description);
        if (r >= 0 && !e->category)
                r = -EBADMSG;
        return r;
}

int intervals_parse_events(const char *body, size_t len, IntervalsEvent **ret, size_t *ret_n)
{
        _cleanup_json_ json_object *o = NULL;
        IntervalsEvent *e;
        size_t n;
        int r;

        r = json_parse(body, len, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(o);
        if (n > INTERVALS_EVENTS_MAX)
                return -EBADMSG;
        e = calloc(n + 1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = event_from_json(json_object_array_get_idx(o, i), &e[i]);
                if (r < 0) {
                        intervals_events_free(e, n);
                        return r;
                }
        }
        *ret = e;
        *ret_n = n;
        return 0;
}

/* Activity ids are strings ("i12345"): letters and digits, which go into URLs. */
static bool activity_id_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '-'))
                        return false;
        return true;
}

int intervals_parse_upload(const char *body, size_t len, char **ret_id)
{
        _cleanup_json_ json_object *o = NULL;
        const char *id;
        int r;

        r = json_parse(body, len, &o);
        if (r < 0)
                return r;
        if (json_get_string(o, "id", &id) < 0 || !activity_id_is_valid(id))
                return -EBADMSG;
        *ret_id = strdup(id);
        return *ret_id ? 0 : -ENOMEM;
}

int intervals_find_external_id(const char *body, size_t len, const char *external_id, char **ret_id)
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
        if (n > INTERVALS_ACTIVITIES_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(o, i);
                const char *ext, *id;

                if (!json_object_is_type(a, json_type_object))
                        return -EBADMSG;
                r = json_get_string(a, "external_id", &ext);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return -EBADMSG;
                if (!streq(ext, external_id))
                        continue;
                if (json_get_string(a, "id", &id) < 0 || !activity_id_is_valid(id))
                        return -EBADMSG;
                *ret_id = strdup(id);
                return *ret_id ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

/* An optional integer setting: 0 when absent or null. */
static int optional_bpm(json_object *o, const char *key, unsigned *ret)
{
        int64_t v;
        int r = json_get_int64(o, key, 0, 300, &v);

        if (r == -ENOENT) {
                *ret = 0;
                return 0;
        }
        if (r < 0)
                return -EBADMSG;
        *ret = (unsigned)v;
        return 0;
}

int intervals_parse_sport_settings(const char *body, size_t len, IntervalsRunSettings *ret)
{
        _cleanup_json_ json_object *o = NULL;
        IntervalsRunSettings s = {};
        json_object *types;
        bool running = false;
        double mps;
        int r;

        r = json_parse(body, len, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        /* The settings must be the running ones, not whatever the id matched. */
        if (json_get_array(o, "types", &types) < 0)
                return -EBADMSG;
        for (size_t i = 0; i < json_object_array_length(types); i++) {
                const char *t;

                if (json_as_string(json_object_array_get_idx(types, i), &t) < 0)
                        return -EBADMSG;
                running = running || streq(t, "Run");
        }
        if (!running)
                return -EBADMSG;
        if (optional_bpm(o, "max_hr", &s.max_hr) < 0 || optional_bpm(o, "lthr", &s.lthr) < 0)
                return -EBADMSG;
        r = json_get_double(o, "threshold_pace", &mps);
        if (r == -EBADMSG)
                return r;
        if (r >= 0) {
                /* m/s; 1.1 m/s (15:00/km) to 7 m/s (2:23/km) is a runner's range. */
                if (!(mps >= 1.1 && mps <= 7.0))
                        return -EBADMSG;
                s.threshold_pace_s_per_km = 1000.0 / mps;
        }
        *ret = s;
        return 0;
}

bool intervals_type_is_run(const char *type)
{
        return type && (streq(type, "Run") || streq(type, "VirtualRun") || streq(type, "TrailRun"));
}
