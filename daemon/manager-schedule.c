/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The training schedule: a plan from `pacectl plan --json` and the planned
 * workouts of other calendars (paced-sync), both kept in the state
 * directory; today's workout (the first planned one, else the plan's) is
 * what StartWorkout("") runs.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "manager-internal.h"
#include "plan.h"
#include "read-file.h"
#include "workout.h"

#define SCHEDULE_FILE "schedule.json"
/* What pacectl plan writes for years of training is far below this. */
#define PLAN_JSON_MAX (4 * 1024 * 1024)
#define PLANNED_FILE  "planned.json"
/* 64 entries of 8 sources of at most 256 KiB, escaped: far below. */
#define PLANNED_FILE_MAX (32 * 1024 * 1024)

static int load_planned(Manager *m)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        PlannedWorkouts p = {};
        size_t len;
        int r;

        if (asprintf(&path, "%s/%s", m->state_dir, PLANNED_FILE) < 0)
                return -ENOMEM;
        /* paced's own file, in its own directory; still never a link or a FIFO. */
        r = read_file_regular(path, PLANNED_FILE_MAX, READ_FILE_NOFOLLOW, &text, &len);
        if (r == -ENOENT) {
                planned_workouts_done(&m->planned);
                return 0;
        }
        if (r >= 0)
                r = planned_workouts_from_json(text, len, &p);
        if (r < 0)
                return log_warning_errno(r, "Ignoring the stored planned workouts %s: %m", path);
        planned_workouts_done(&m->planned);
        m->planned = p;
        return 0;
}

int manager_load_schedule(Manager *m)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        struct Plan *plan = NULL;
        size_t len;
        int r;

        if (!m->state_dir)
                return 0;
        (void)load_planned(m);
        if (asprintf(&path, "%s/%s", m->state_dir, SCHEDULE_FILE) < 0)
                return -ENOMEM;
        /* paced's own file, in its own directory; still never a link or a FIFO. */
        r = read_file_regular(path, PLAN_JSON_MAX, READ_FILE_NOFOLLOW, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r >= 0)
                r = plan_from_json(text, &plan);
        if (r < 0)
                return log_warning_errno(r, "Ignoring the stored schedule %s: %m", path);
        plan_free(m->schedule);
        m->schedule = plan;
        return 0;
}

/* Writes plan to the state directory and makes it the schedule; takes plan.
 * Written then renamed, so a crash never leaves half a plan; a link or FIFO
 * left at the temporary name is neither followed nor waited on. */
static int store_schedule(Manager *m, struct Plan *plan, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int fd, r;

        if (!m->state_dir || asprintf(&path, "%s/%s", m->state_dir, SCHEDULE_FILE) < 0 ||
            asprintf(&tmp, "%s.tmp", path) < 0) {
                if (m->schedule != plan)
                        plan_free(plan);
                return sd_bus_error_set(error, PACED_ERROR_FAILED, "No state directory.");
        }
        (void)unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (fd >= 0 && !f)
                close(fd);
        if (!f || plan_to_json(plan, f) < 0 || fflush(f) != 0 || ferror(f) ||
            rename(tmp, path) < 0) {
                r = errno;
                (void)unlink(tmp);
                if (m->schedule != plan)
                        plan_free(plan);
                return sd_bus_error_setf(error, PACED_ERROR_FAILED, "Cannot store the plan: %s",
                                         strerror(r ? r : EIO));
        }
        if (m->schedule != plan)
                plan_free(m->schedule);
        m->schedule = plan;
        /* Its goal is the race pace of the workouts from now on. */
        manager_apply_config(m);
        manager_properties_changed(m, MANAGER_PROP_SCHEDULE);
        return 0;
}

int manager_set_schedule(Manager *m, const char *plan_json, sd_bus_error *error)
{
        struct Plan *plan = NULL;
        int r;

        /* The plan itself, never a path: see load_workout() in manager-workout.c. */
        if (plan_json[0] == '/')
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "paced does not open files named by a client: send the "
                                        "plan's JSON (as 'pacectl schedule set FILE' does).");
        if (strlen(plan_json) > PLAN_JSON_MAX)
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "The plan is larger than 4 MiB.");
        r = plan_from_json(plan_json, &plan);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Not a plan from 'pacectl plan --json': %s", strerror(-r));
        r = store_schedule(m, plan, error);
        if (r >= 0)
                log_info("Stored a new training schedule.");
        return r;
}

int manager_get_schedule(Manager *m, char **ret)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        if (!m->schedule)
                return (*ret = strdup("")) ? 0 : -ENOMEM;
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        if (plan_to_json(m->schedule, f) < 0) {
                fclose(f);
                free(buf);
                return -EIO;
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

int manager_swap_schedule_days(Manager *m, const char *a, const char *b, sd_bus_error *error)
{
        int64_t da, db;
        int r;

        if (!m->schedule)
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "No schedule: store one with pacectl schedule set.");
        if (plan_date_parse(a, &da) < 0 || plan_date_parse(b, &db) < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Expected two dates YYYY-MM-DD, got '%s' and '%s'.", a, b);
        r = plan_swap_days(m->schedule, da, db);
        switch (r) {
        case 0:
                break;
        case -ERANGE:
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "%s or %s is not a day of the plan.", a, b);
        case -EINVAL:
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "The same day twice: nothing to swap.");
        case -EDEADLK:
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Swapping %s and %s would put two hard sessions on "
                                         "consecutive days.",
                                         a, b);
        case -E2BIG:
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "Too many days swapped in this plan.");
        default:
                return sd_bus_error_set_errnof(error, r, "Cannot swap the days: %m");
        }
        r = store_schedule(m, m->schedule, error);
        if (r >= 0)
                log_info("Swapped %s and %s in the training schedule.", a, b);
        return r;
}

int manager_clear_schedule(Manager *m, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL;

        if (m->state_dir && asprintf(&path, "%s/%s", m->state_dir, SCHEDULE_FILE) >= 0 &&
            unlink(path) < 0 && errno != ENOENT)
                return sd_bus_error_set_errnof(error, errno, "Cannot remove %s: %m", path);
        m->schedule = plan_free(m->schedule);
        manager_apply_config(m);
        manager_properties_changed(m, MANAGER_PROP_SCHEDULE);
        return 0;
}

static int64_t today(void)
{
        struct tm tm;
        time_t now = time(NULL);

        localtime_r(&now, &tm);
        return plan_date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                    (unsigned)tm.tm_mday);
}

const PlannedWorkout *manager_planned_today(Manager *m)
{
        return planned_workouts_at(&m->planned, today());
}

const PlanDay *manager_schedule_today_day(Manager *m)
{
        return m->schedule ? plan_day_at(m->schedule, today()) : NULL;
}

const char *manager_schedule_today(Manager *m)
{
        const PlannedWorkout *p = manager_planned_today(m);
        const PlanDay *d;

        if (p)
                return p->name;
        d = manager_schedule_today_day(m);
        return d && d->type == PLAN_DAY_RUN && d->workout ? d->workout : "";
}

/* Written then renamed, so a crash never leaves half a file. */
static int store_planned(Manager *m, const PlannedWorkouts *p)
{
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        FILE *f;
        int r;

        if (!m->state_dir)
                return -ENOMEDIUM;
        if (asprintf(&path, "%s/%s", m->state_dir, PLANNED_FILE) < 0 ||
            asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        if (p->n == 0)
                return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        r = planned_workouts_to_json(p, f);
        if (fflush(f) != 0 || ferror(f))
                r = r < 0 ? r : -EIO;
        if (fsync(fileno(f)) < 0 && r >= 0)
                r = -errno;
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

int manager_set_planned_workouts(Manager *m, const char *source, PlannedWorkout *items, size_t n,
                                 sd_bus_error *error)
{
        char date[11];
        int r;

        if (!planned_source_is_valid(source)) {
                r = sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                      "'%s' is not a source name ([a-z0-9.-], at most %d bytes).",
                                      source, PLANNED_SOURCE_MAX);
                goto fail;
        }
        if (n > PLANNED_PER_SOURCE_MAX) {
                r = sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                      "%zu planned workouts: at most %d per source.", n,
                                      PLANNED_PER_SOURCE_MAX);
                goto fail;
        }
        /* Every document must load as StartWorkout would load it: a planned
         * workout that cannot run is refused now, not on the runner's day. */
        for (size_t i = 0; i < n; i++) {
                _cleanup_(workout_freep) Workout *w = NULL;
                WorkoutError we = {};
                char buf[600];

                r = planned_workout_parse(&items[i], &w, &we);
                if (r < 0) {
                        r = sd_bus_error_setf(error, PACED_ERROR_INVALID_WORKOUT, "%s %s",
                                              plan_date_format(items[i].date, date),
                                              we.message[0]
                                                      ? workout_error_format(&we, buf, sizeof(buf))
                                                      : strerror(-r));
                        goto fail;
                }
        }
        r = planned_workouts_replace(&m->planned, source, items, n);
        items = NULL;
        n = 0;
        if (r == -E2BIG)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Too many planned workouts or sources (at most %d "
                                         "sources).",
                                         PLANNED_SOURCES_MAX);
        if (r < 0)
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "A planned workout has an invalid source, name or "
                                        "filename.");
        r = store_planned(m, &m->planned);
        if (r < 0) {
                /* What is stored is what is in force: go back to it. */
                (void)load_planned(m);
                return sd_bus_error_setf(error, PACED_ERROR_FAILED,
                                         "Cannot store the planned workouts: %s", strerror(-r));
        }
        log_info("Stored the planned workouts of %s (%zu in all).", source, m->planned.n);
        manager_properties_changed(m, MANAGER_PROP_SCHEDULE);
        return 0;
fail:
        for (size_t i = 0; i < n; i++)
                planned_workout_done(&items[i]);
        return r;
}
