/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The training schedule: a plan from `pacectl plan --json`, kept in the
 * state directory; today's workout is what StartWorkout("") runs.
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

int manager_load_schedule(Manager *m)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        struct Plan *plan = NULL;
        size_t len;
        int r;

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

int manager_set_schedule(Manager *m, const char *plan_json, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct Plan *plan = NULL;
        int fd, r;

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
        if (!m->state_dir || asprintf(&path, "%s/%s", m->state_dir, SCHEDULE_FILE) < 0 ||
            asprintf(&tmp, "%s.tmp", path) < 0) {
                plan_free(plan);
                return sd_bus_error_set(error, PACED_ERROR_FAILED, "No state directory.");
        }
        /* Written then renamed, so a crash never leaves half a plan; a link or
         * FIFO left at the temporary name is neither followed nor waited on. */
        (void)unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (fd >= 0 && !f)
                close(fd);
        if (!f || plan_to_json(plan, f) < 0 || fflush(f) != 0 || ferror(f) ||
            rename(tmp, path) < 0) {
                r = errno;
                (void)unlink(tmp);
                plan_free(plan);
                return sd_bus_error_setf(error, PACED_ERROR_FAILED, "Cannot store the plan: %s",
                                         strerror(r ? r : EIO));
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
