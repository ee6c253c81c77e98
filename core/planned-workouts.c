/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json-util.h"
#include "plan.h"
#include "planned-workouts.h"
#include "workout-library.h"
#include "workout-text.h"
#include "workout-zwo.h"

void planned_workout_done(PlannedWorkout *w)
{
        if (!w)
                return;
        free(w->source);
        free(w->name);
        free(w->filename);
        free(w->contents);
        *w = (PlannedWorkout){};
}

void planned_workouts_done(PlannedWorkouts *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                planned_workout_done(&p->items[i]);
        free(p->items);
        *p = (PlannedWorkouts){};
}

static bool chars_in(const char *s, size_t max, const char *extra)
{
        size_t n = strlen(s);

        if (n == 0 || n > max)
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                      (extra && strchr(extra, *c))))
                        return false;
        return true;
}

bool planned_source_is_valid(const char *s)
{
        return s && s[0] != '.' && chars_in(s, PLANNED_SOURCE_MAX, ".-");
}

bool planned_filename_is_valid(const char *s)
{
        const char *dot;

        if (!s || s[0] == '.' ||
            !chars_in(s, PLANNED_FILENAME_MAX, "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-"))
                return false;
        dot = strrchr(s, '.');
        return dot && (strcasecmp(dot, ".txt") == 0 || strcasecmp(dot, ".zwo") == 0);
}

bool planned_name_is_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > PLANNED_NAME_MAX)
                return false;
        /* Shown on a console and in a D-Bus property: no control characters. UTF-8
         * validity is checked where the name comes in (D-Bus, the JSON reader). */
        for (const unsigned char *c = (const unsigned char *)s; *c; c++)
                if (*c < 0x20 || *c == 0x7f)
                        return false;
        return true;
}

int planned_workout_parse(const PlannedWorkout *w, Workout **ret, WorkoutError *ret_error)
{
        /* By contents and name, as for every file paced reads (workout-library.h). */
        return workout_parse_data(w->contents, strlen(w->contents), w->filename, ret, ret_error);
}

static bool entry_is_valid(const PlannedWorkout *w)
{
        return w->source && w->name && w->filename && w->contents &&
               planned_source_is_valid(w->source) && planned_name_is_valid(w->name) &&
               planned_filename_is_valid(w->filename) &&
               strlen(w->contents) <= PLANNED_CONTENTS_MAX;
}

static int cmp_date(const void *a, const void *b)
{
        const PlannedWorkout *x = a, *y = b;

        return (x->date > y->date) - (x->date < y->date);
}

int planned_workouts_replace(PlannedWorkouts *p, const char *source, PlannedWorkout *items,
                             size_t n)
{
        PlannedWorkout *all = NULL;
        size_t kept = 0, sources = 0;
        int r = 0;

        if (!p || !planned_source_is_valid(source) || (n && !items)) {
                r = -EINVAL;
                goto out;
        }
        if (n > PLANNED_PER_SOURCE_MAX) {
                r = -E2BIG;
                goto out;
        }
        for (size_t i = 0; i < n; i++)
                if (!entry_is_valid(&items[i]) || !streq(items[i].source, source)) {
                        r = -EINVAL;
                        goto out;
                }
        /* Count the other sources, which stay. */
        for (size_t i = 0; i < p->n; i++) {
                bool first = true;

                if (streq(p->items[i].source, source))
                        continue;
                kept++;
                for (size_t j = 0; j < i; j++)
                        if (streq(p->items[j].source, p->items[i].source))
                                first = false;
                sources += first;
        }
        if (n > 0 && sources + 1 > PLANNED_SOURCES_MAX) {
                r = -E2BIG;
                goto out;
        }
        all = calloc(kept + n + 1, sizeof(*all));
        if (!all) {
                r = -ENOMEM;
                goto out;
        }
        kept = 0;
        for (size_t i = 0; i < p->n; i++) {
                if (streq(p->items[i].source, source))
                        planned_workout_done(&p->items[i]);
                else
                        all[kept++] = p->items[i];
        }
        for (size_t i = 0; i < n; i++) {
                all[kept++] = items[i];
                items[i] = (PlannedWorkout){};
        }
        /* Stable by date: the merge keeps each source's own order within a day. */
        for (size_t i = 1; i < kept; i++)
                for (size_t j = i; j > 0 && cmp_date(&all[j - 1], &all[j]) > 0; j--) {
                        PlannedWorkout t = all[j];

                        all[j] = all[j - 1];
                        all[j - 1] = t;
                }
        free(p->items);
        p->items = all;
        p->n = kept;
out:
        for (size_t i = 0; items && i < n; i++)
                planned_workout_done(&items[i]);
        return r;
}

const PlannedWorkout *planned_workouts_at(const PlannedWorkouts *p, int64_t date)
{
        for (size_t i = 0; p && i < p->n; i++)
                if (p->items[i].date == date)
                        return &p->items[i];
        return NULL;
}

static int add(json_object *o, const char *key, json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int planned_workouts_to_json(const PlannedWorkouts *p, FILE *f)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *list = json_object_new_array();
        const char *s;

        if (!p || !f) {
                json_object_put(list);
                return -EINVAL;
        }
        if (!o || add(o, "version", json_object_new_int(1)) < 0 || add(o, "workouts", list) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < p->n; i++) {
                const PlannedWorkout *w = &p->items[i];
                _cleanup_json_ json_object *e = json_object_new_object();
                char date[11];

                if (!e ||
                    add(e, "date", json_object_new_string(plan_date_format(w->date, date))) < 0 ||
                    add(e, "source", json_object_new_string(w->source)) < 0 ||
                    add(e, "name", json_object_new_string(w->name)) < 0 ||
                    add(e, "filename", json_object_new_string(w->filename)) < 0 ||
                    add(e, "contents", json_object_new_string(w->contents)) < 0 ||
                    json_object_array_add(list, e) < 0)
                        return -ENOMEM;
                e = NULL; /* the array has it */
        }
        s = json_to_string(o);
        if (!s)
                return -ENOMEM;
        fputs(s, f);
        return 0;
}

static int entry_from_json(json_object *e, PlannedWorkout *w)
{
        const char *date, *source, *name, *filename, *contents;

        if (json_get_string(e, "date", &date) < 0 || plan_date_parse(date, &w->date) < 0 ||
            json_get_string(e, "source", &source) < 0 || json_get_string(e, "name", &name) < 0 ||
            json_get_string(e, "filename", &filename) < 0 ||
            json_get_string(e, "contents", &contents) < 0)
                return -EBADMSG;
        w->source = strdup(source);
        w->name = strdup(name);
        w->filename = strdup(filename);
        w->contents = strdup(contents);
        if (!w->source || !w->name || !w->filename || !w->contents)
                return -ENOMEM;
        return entry_is_valid(w) ? 0 : -EBADMSG;
}

int planned_workouts_from_json(const char *json, size_t len, PlannedWorkouts *ret)
{
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ PlannedWorkout *all = NULL, *batch = NULL;
        PlannedWorkouts p = {};
        json_object *list;
        int64_t version;
        size_t n;
        int r = 0;

        r = json_parse(json, len, &o);
        if (r < 0)
                return r;
        if (json_get_int64(o, "version", 1, 1, &version) < 0 ||
            json_get_array(o, "workouts", &list) < 0)
                return -EBADMSG;
        n = json_object_array_length(list);
        if (n > PLANNED_PER_SOURCE_MAX * PLANNED_SOURCES_MAX)
                return -EBADMSG;
        all = calloc(n + 1, sizeof(*all));
        batch = calloc(n + 1, sizeof(*batch));
        if (!all || !batch)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++)
                r = entry_from_json(json_object_array_get_idx(list, i), &all[i]);
        /* Source by source through replace(), so a stored file meets the same limits
         * as SetPlannedWorkouts. */
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ char *source = NULL;
                size_t k = 0;

                if (!all[i].source)
                        continue; /* moved with an earlier entry of its source */
                source = strdup(all[i].source);
                if (!source) {
                        r = -ENOMEM;
                        break;
                }
                for (size_t j = i; j < n; j++)
                        if (all[j].source && streq(all[j].source, source)) {
                                batch[k++] = all[j];
                                all[j] = (PlannedWorkout){};
                        }
                r = planned_workouts_replace(&p, source, batch, k);
        }
        for (size_t i = 0; i < n; i++)
                planned_workout_done(&all[i]);
        if (r < 0) {
                planned_workouts_done(&p);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret = p;
        return 0;
}
