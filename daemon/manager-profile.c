/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runner profile over D-Bus: GetProfile() prints the profile paced
 * trains with, SetProfile() changes it. A change goes into its own drop-in,
 * paced.conf.d/90-profile.conf, written atomically (temporary file, fsync,
 * rename) and applied with a reload: the admin's paced.conf is never
 * rewritten, its comments stay, and `systemctl reload paced` or a restart
 * gives the same profile.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "manager-internal.h"
#include "plan.h"
#include "profile-view.h"
#include "read-file.h"

/* The profile drop-in is a few lines: anything bigger is not ours. */
#define PROFILE_DROPIN_MAX (64 * 1024)

static const char *config_path(const Manager *m)
{
        return m->options.config_path ? m->options.config_path : CONFIG_DEFAULT_PATH;
}

int manager_get_profile(Manager *m, bool json, char **ret)
{
        _cleanup_free_ char *dropins = NULL, *out = NULL;
        const char *path = config_path(m);
        ProfileView v = {
                .config_path = path,
                .origin = "paced",
                .have_accepted = m->have_accepted,
                .have_accepted_mile = m->have_accepted_mile,
                .goal_mile_s = m->schedule ? m->schedule->options.goal_mile_s : 0,
        };
        struct stat st;
        size_t len = 0;
        FILE *f;

        if (m->have_accepted)
                v.accepted = m->accepted;
        if (m->have_accepted_mile)
                v.accepted_mile = m->accepted_mile;
        /* What is on disk now: the configuration paced last loaded, unless
         * someone edited it since without a reload. */
        v.config_found = stat(path, &st) >= 0;
        dropins = config_dropins_describe(path);
        v.dropins = dropins;

        ProfileOverrides o = {
                .accepted_mile_s = m->have_accepted_mile ? m->accepted_mile.time_s : 0,
                .goal_mile_s = v.goal_mile_s,
        };
        profile_settings_from_config_with(m->config, m->have_accepted ? &m->accepted : NULL, &o,
                                          &v.p);
        v.have_zones = zone_table_build(v.p.zone_model, &v.p.hr, &v.zones) >= 0;

        f = open_memstream(&out, &len);
        if (!f)
                return -ENOMEM;
        if (json)
                profile_view_print_json(f, &v);
        else
                profile_view_print_text(f, &v);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(out);
        return 0;
}

/* text to dir/name through a temporary file: a crash leaves the old file or the new one. */
static int write_atomic(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *tmp = NULL, *dst = NULL;
        size_t len = strlen(text);
        int fd, dfd, r = 0;

        if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0 ||
            asprintf(&dst, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < len && r == 0;) {
                ssize_t n = write(fd, text + done, len - done);

                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        done += (size_t)n;
        }
        /* Readable by every user, as paced.conf: pacectl profile reads it. */
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, dst) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlink(tmp);
                return r;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                (void)fsync(dfd);
                close(dfd);
        }
        return 0;
}

int manager_set_profile(Manager *m, char **assignments, char **ret_path, sd_bus_error *error)
{
        _cleanup_free_ char *dir = NULL, *file = NULL, *old = NULL, *text = NULL;
        const char *path = config_path(m);
        char err[CONFIG_ERROR_MAX];
        Config *c = NULL;
        ConfigError e = {};
        size_t n = 0, len = 0;
        int r;

        while (assignments && assignments[n])
                n++;
        if (n == 0)
                return sd_bus_error_set(error, PACED_ERROR_INVALID_ARGUMENT,
                                        "Nothing to set: give KEY=VALUE, e.g. mile=6:15.");
        if (asprintf(&dir, "%s.d", path) < 0 ||
            asprintf(&file, "%s/%s", dir, CONFIG_PROFILE_DROPIN) < 0)
                return -ENOMEM;
        r = read_file_regular(file, PROFILE_DROPIN_MAX, READ_FILE_NOFOLLOW, &old, &len);
        if (r < 0 && r != -ENOENT)
                return sd_bus_error_setf(error, PACED_ERROR_FAILED, "Cannot read %s: %s", file,
                                         strerror(-r));

        err[0] = '\0';
        r = config_profile_dropin_set(old, (const char *const *)assignments, n, &text, err,
                                      sizeof(err));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Cannot set the profile: %s%s", err,
                                         err[0] && err[strlen(err) - 1] == ')' ? "" : ".");

        /* The whole configuration with the new drop-in: checks between keys
         * (resting_hr below max_hr, ...) and a broken paced.conf. */
        r = config_load_file_with(path, CONFIG_PROFILE_DROPIN, text, &c, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (e.line)
                        return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                                 "The configuration would not load: %s:%u: %s.",
                                                 path, e.line, e.message);
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "The configuration would not load: %s.", e.message);
        }
        config_free(c);

        r = write_atomic(dir, CONFIG_PROFILE_DROPIN, text);
        if (r < 0) {
                log_error_errno(r, "Failed to write %s: %m", file);
                return sd_bus_error_setf(error, PACED_ERROR_FAILED,
                                         "Cannot write %s: %s (paced.service needs it writable: "
                                         "ReadWritePaths=, see paced(8)).",
                                         file, strerror(-r));
        }
        log_info("Profile changed (%s): applying it.", file);
        r = manager_reload(m);
        if (r < 0)
                return sd_bus_error_setf(error, PACED_ERROR_FAILED,
                                         "Wrote %s but the configuration did not reload: see "
                                         "the journal.",
                                         file);
        *ret_path = TAKE_PTR(file);
        return 0;
}
