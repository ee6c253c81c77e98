/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bus-client.h"
#include "pacectl.h"
#include "session-cli.h"
#include "util.h"

int session_cli_open(const char *db_opt, const char *state_dir_opt, SessionStore **ret)
{
        _cleanup_free_ char *path = session_store_db_path(db_opt, state_dir_opt);
        int r;

        if (!path)
                return -ENOMEM;
        (void)pacectl_sync_store();
        r = session_store_open_db(ret, path, true);
        if (r == -ENOENT)
                fprintf(stderr, "pacectl: no session database at %s (no sessions yet?)\n", path);
        else if (r == -EBADMSG)
                /* SQLite's NOTADB/CORRUPT: "Bad message" would say nothing. */
                fprintf(stderr,
                        "pacectl: %s is not a session database (damaged, or another file)\n", path);
        else if (r == -EACCES || r == -EPERM)
                fprintf(stderr, "pacectl: cannot open %s: permission denied\n", path);
        else if (r == -EBUSY)
                fprintf(stderr, "pacectl: %s is locked by another program; try again\n", path);
        else if (r < 0)
                fprintf(stderr, "pacectl: cannot open %s: %s\n", path, strerror(-r));
        return r;
}

int session_cli_parse_id(const char *s, int64_t *ret)
{
        char *end;
        long long v;

        if (!s || !*s)
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end || v <= 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int session_cli_load(const char *db_opt, const char *state_dir_opt, const char *id_arg,
                     SessionData **ret)
{
        SessionStore *s = NULL;
        int64_t id;
        int r;

        if (session_cli_parse_id(id_arg, &id) < 0) {
                fprintf(stderr, "pacectl: invalid session id '%s'\n", id_arg ? id_arg : "");
                return PACECTL_EXIT_USAGE;
        }
        if (session_cli_open(db_opt, state_dir_opt, &s) < 0)
                return PACECTL_EXIT_FAILURE;
        r = session_store_load(s, id, ret);
        if (r == -ENOENT)
                fprintf(stderr, "pacectl: no session %" PRId64 "\n", id);
        else if (r < 0)
                fprintf(stderr, "pacectl: cannot load session %" PRId64 ": %s\n", id, strerror(-r));
        session_store_free(s);
        return r < 0 ? PACECTL_EXIT_FAILURE : PACECTL_EXIT_OK;
}

int session_cli_output_open(SessionCliOutput *o, const char *cmd, const char *output, bool force)
{
        _cleanup_free_ char *target = NULL, *tmp = NULL, *copy = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *base;
        struct stat st;
        mode_t mask;

        *o = (SessionCliOutput){};
        if (!output) {
                o->f = stdout;
                return 0;
        }
        if (lstat(output, &st) < 0) {
                if (errno != ENOENT) {
                        fprintf(stderr, "pacectl %s: %s: %m\n", cmd, output);
                        return -errno;
                }
                st.st_mode = S_IFREG; /* a new file */
                target = strdup(output);
        } else if (S_ISLNK(st.st_mode)) {
                if (!force) {
                        fprintf(stderr,
                                "pacectl %s: %s is a symbolic link; not writing through it "
                                "(--force replaces the file it points to)\n",
                                cmd, output);
                        return -ELOOP;
                }
                target = realpath(output, NULL);
                if (!target || stat(target, &st) < 0) {
                        fprintf(stderr, "pacectl %s: %s: the link leads nowhere: %m\n", cmd,
                                output);
                        return -errno;
                }
        } else
                target = strdup(output);
        if (!target)
                return -ENOMEM;
        /* Renaming over a directory, a device or a FIFO would replace it: never. */
        if (!S_ISREG(st.st_mode)) {
                fprintf(stderr, "pacectl %s: %s is not a regular file\n", cmd, output);
                return -EBADFD;
        }

        /* The temporary file beside the target: rename() is atomic only within a file system. */
        copy = strdup(target);
        if (!copy)
                return -ENOMEM;
        base = strrchr(copy, '/');
        if (base) {
                copy[base - copy] = '\0';
                if (asprintf(&tmp, "%s/.%s.XXXXXX", base == copy ? "" : copy, base + 1) < 0)
                        return -ENOMEM;
        } else if (asprintf(&tmp, ".%s.XXXXXX", target) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "pacectl %s: cannot create %s: %m\n", cmd, output);
                return -errno;
        }
        /* The mode a plain open(O_CREAT, 0666) would have given. */
        mask = umask(0);
        umask(mask);
        (void)fchmod(fd, 0666 & ~mask);
        o->f = fdopen(fd, "w");
        if (!o->f) {
                int r = -errno;

                (void)unlink(tmp);
                fprintf(stderr, "pacectl %s: cannot create %s: %m\n", cmd, output);
                return r;
        }
        TAKE_FD(fd);
        o->target = TAKE_PTR(target);
        o->tmp = TAKE_PTR(tmp);
        return 0;
}

int session_cli_output_finish(SessionCliOutput *o, int r)
{
        if (!o->f)
                return r;
        if (fflush(o->f) != 0 && r >= 0)
                r = -errno;
        if (o->tmp) {
                if (r >= 0 && fsync(fileno(o->f)) < 0)
                        r = -errno;
                if (fclose(o->f) != 0 && r >= 0)
                        r = -errno;
                if (r >= 0 && rename(o->tmp, o->target) < 0)
                        r = -errno;
                if (r < 0)
                        (void)unlink(o->tmp);
        }
        free(o->tmp);
        free(o->target);
        *o = (SessionCliOutput){};
        return r;
}

char *session_cli_format_time(char *buf, size_t size, uint64_t wall_usec)
{
        time_t t = (time_t)(wall_usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
                snprintf(buf, size, "?");
        return buf;
}

/* Local time DATE to wall-clock usec. */
int session_cli_parse_since(const char *s, uint64_t *ret)
{
        struct tm tm = {};
        const char *end;
        char *e;
        time_t t;

        /* "7d": seven days ago. */
        errno = 0;
        unsigned long days = strtoul(s, &e, 10);
        if (e != s && streq(e, "d") && errno == 0 && days < 100000) {
                *ret = (uint64_t)(time(NULL) - (time_t)days * 86400) * USEC_PER_SEC;
                return 0;
        }
        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end)
                return -EINVAL;
        if (*end) {
                end = strptime(end, *end == 'T' ? "T%H:%M" : " %H:%M", &tm);
                if (!end || *end)
                        return -EINVAL;
        }
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t)-1 || t < 0)
                return -EINVAL;
        *ret = (uint64_t)t * USEC_PER_SEC;
        return 0;
}
