/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The training schedule: a plan from `pacectl plan --json`, kept in the
 * state directory; today's workout is what StartWorkout("") runs.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
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
#include "workout.h"

#define SCHEDULE_FILE "schedule.json"

int manager_load_schedule(Manager *m)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        struct Plan *plan = NULL;
        size_t len;
        int r;

        if (asprintf(&path, "%s/%s", m->state_dir, SCHEDULE_FILE) < 0)
                return -ENOMEM;
        r = workout_read_file(path, 4 * 1024 * 1024, &text, &len);
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

int manager_set_schedule(Manager *m, const char *plan_json_or_path, sd_bus_error *error)
{
        _cleanup_free_ char *text = NULL, *path = NULL, *tmp = NULL;
        struct Plan *plan = NULL;
        FILE *f;
        size_t len;
        int r;

        if (plan_json_or_path[0] == '/') {
                r = workout_read_file(plan_json_or_path, 4 * 1024 * 1024, &text, &len);
                if (r < 0)
                        return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                                 "Cannot read %s: %s", plan_json_or_path,
                                                 strerror(-r));
        } else {
                text = strdup(plan_json_or_path);
                if (!text)
                        return -ENOMEM;
        }
        r = plan_from_json(text, &plan);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Not a plan from 'pacectl plan --json': %s", strerror(-r));
        if (!m->state_dir || asprintf(&path, "%s/%s", m->state_dir, SCHEDULE_FILE) < 0 ||
            asprintf(&tmp, "%s.tmp", path) < 0) {
                plan_free(plan);
                return sd_bus_error_set(error, PACED_ERROR_FAILED, "No state directory.");
        }
        /* Written then renamed, so a crash never leaves half a plan. */
        f = fopen(tmp, "we");
        if (!f || plan_to_json(plan, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
                r = -errno;
                (void)unlink(tmp);
                plan_free(plan);
                return sd_bus_error_setf(error, PACED_ERROR_FAILED, "Cannot store the plan: %s",
                                         strerror(r ? -r : EIO));
        }
        plan_free(m->schedule);
        m->schedule = plan;
        log_info("Stored a new training schedule.");
        manager_properties_changed(m, MANAGER_PROP_SCHEDULE);
        return 0;
}

int manager_clear_schedule(Manager *m, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL;

        if (m->state_dir && asprintf(&path, "%s/%s", m->state_dir, SCHEDULE_FILE) >= 0 &&
            unlink(path) < 0 && errno != ENOENT)
                return sd_bus_error_set_errnof(error, errno, "Cannot remove %s: %m", path);
        m->schedule = plan_free(m->schedule);
        manager_properties_changed(m, MANAGER_PROP_SCHEDULE);
        return 0;
}

const char *manager_schedule_today(Manager *m)
{
        struct tm tm;
        time_t now;
        const char *w;

        if (!m->schedule)
                return "";
        now = time(NULL);
        localtime_r(&now, &tm);
        w = plan_workout_for_date(m->schedule,
                                  plan_date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                                       (unsigned)tm.tm_mday));
        return w ? w : "";
}
