/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "paths.h"
#include "read-file.h"
#include "workout-fit.h"
#include "workout-library.h"
#include "workout-text.h"
#include "workout-zwo.h"

const char *const *workout_library_default_dirs(void)
{
        static char data[PATH_MAX];
        static const char *dirs[3];

        dirs[0] = PACED_SYSCONFDIR "/workouts";
        dirs[1] = PACED_DATADIR "/workouts";
        if (snprintf(data, sizeof(data), "%s/workouts", paced_data_dir()) < (int)sizeof(data))
                dirs[1] = data;
        return dirs;
}

bool workout_library_name_is_valid(const char *name)
{
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
                      name[i] == '-'))
                        return false;
        return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int workout_library_find(const char *name, const char *const *dirs, char **ret_path)
{
        static const char *const exts[] = {".txt", ".zwo", ".fit"};

        if (!workout_library_name_is_valid(name) || !dirs || !ret_path)
                return -EINVAL;
        for (size_t d = 0; dirs[d]; d++)
                for (size_t e = 0; e < ELEMENTSOF(exts); e++) {
                        struct stat st;
                        char *p;

                        if (asprintf(&p, "%s/%s%s", dirs[d], name, exts[e]) < 0)
                                return -ENOMEM;
                        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                                *ret_path = p;
                                return 0;
                        }
                        free(p);
                }
        return -ENOENT;
}

/* The root element's name of an XML document, "" if there is none. */
static void xml_root(const char *s, size_t len, char *buf, size_t n)
{
        const char *end = s + len;

        buf[0] = 0;
        while (s < end) {
                const char *t;
                size_t k;

                while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
                        s++;
                if (s >= end || *s != '<')
                        return;
                if (end - s >= 2 && (s[1] == '?' || s[1] == '!')) {
                        /* declaration, comment, DOCTYPE */
                        t = memchr(s, '>', (size_t)(end - s));
                        if (!t)
                                return;
                        if (end - s >= 4 && memcmp(s, "<!--", 4) == 0) {
                                t = memmem(s, (size_t)(end - s), "-->", 3);
                                if (!t)
                                        return;
                        }
                        s = t + 1;
                        continue;
                }
                s++;
                for (k = 0; s + k < end && k + 1 < n && !strchr(" \t\r\n/>", s[k]); k++)
                        buf[k] = s[k];
                buf[k] = 0;
                return;
        }
}

static bool looks_like_xml(const char *s, size_t len)
{
        /* A UTF-8 byte order mark, then blanks, then '<' */
        if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
                s += 3;
                len -= 3;
        }
        while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
                s++;
                len--;
        }
        return len > 0 && *s == '<';
}

int workout_parse_data(const void *data, size_t len, const char *filename, Workout **ret,
                       WorkoutError *ret_error)
{
        const char *file = filename ? filename : "<input>";
        const char *s = data;
        char root[64];

        if (!data || !ret)
                return -EINVAL;
        if (workout_fit_detect(data, len))
                return workout_fit_parse(data, len, filename, ret, ret_error);
        if (filename && has_suffix(filename, ".fit")) {
                workout_error_set(ret_error, file, 0, 0,
                                  "not a FIT file (no \".FIT\" header): paced reads FIT "
                                  "workout files, Zwift .zwo and intervals.icu text");
                return -EBADMSG;
        }
        if (!looks_like_xml(s, len))
                return workout_text_parse(s, len, filename, ret, ret_error);
        if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
                s += 3;
                len -= 3;
        }
        xml_root(s, len, root, sizeof(root));
        if (streq(root, "workout_file") || (filename && has_suffix(filename, ".zwo")))
                return workout_zwo_parse(s, len, filename, ret, ret_error);
        if (streq(root, "rows"))
                workout_error_set(ret_error, file, 1, 0,
                                  "QZ XML training programs (<rows>) are not supported; convert "
                                  "the program to a Zwift .zwo or to paced's text format (a row "
                                  "duration=\"00:10:00\" speed=\"8\" is '- 10m 8km/h'), or "
                                  "export it from the app that made it as a FIT workout");
        else if (streq(root, "TrainingCenterDatabase"))
                workout_error_set(ret_error, file, 1, 0,
                                  "TCX files are not supported: paced reads FIT workout files, "
                                  "Zwift .zwo and intervals.icu text; export the workout as a "
                                  "FIT workout (Garmin Connect, TrainingPeaks, intervals.icu "
                                  "all do)");
        else
                workout_error_set(ret_error, file, 1, 0,
                                  "an XML document <%s> is not a workout paced reads: it reads "
                                  "FIT workout files, Zwift .zwo (<workout_file>) and "
                                  "intervals.icu text",
                                  root[0] ? root : "?");
        return -EBADMSG;
}

static int load_file(const char *path, ReadFileFlags flags, Workout **ret, WorkoutError *ret_error)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        int k;

        k = read_file_regular(path, WORKOUT_FILE_MAX, flags, &data, &len);
        if (k < 0) {
                workout_error_set(ret_error, path, 0, 0, "%s",
                                  k == -EFBIG    ? "file too large"
                                  : k == -EBADFD ? "not a regular file"
                                                 : strerror(-k));
                return k;
        }
        /* By its contents: a FIT, .zwo or text workout whatever its name. */
        return workout_parse_data(data, len, path, ret, ret_error);
}

int workout_load_file(const char *path, Workout **ret, WorkoutError *ret_error)
{
        if (!path || !ret)
                return -EINVAL;
        return load_file(path, 0, ret, ret_error);
}

/* Errors that say only that the file is not one paced may read. */
static bool hidden_error(int k)
{
        return k == -ENOENT || k == -EACCES || k == -EPERM || k == -ELOOP || k == -EBADFD ||
               k == -EISDIR;
}

int workout_library_load(const char *name, const char *const *dirs, Workout **ret,
                         WorkoutError *ret_error)
{
        _cleanup_free_ char *path = NULL;
        int k;

        k = workout_library_find(name, dirs, &path);
        if (k >= 0) {
                /* The daemon reads these itself: no link, FIFO or device (read-file.h). */
                k = load_file(path, READ_FILE_NOFOLLOW, ret, ret_error);
                if (!hidden_error(k))
                        return k;
        }
        /* One answer for every file the caller may not see, so that the
         * answer tells nothing about files paced can read and they cannot. */
        workout_error_set(ret_error, name, 0, 0,
                          k == -EINVAL ? "not a valid workout name ([a-z0-9-])"
                                       : "no such workout in the library");
        return k == -EINVAL ? -EINVAL : -ENOENT;
}

void workout_library_strv_free(char **names)
{
        if (!names)
                return;
        for (char **n = names; *n; n++)
                free(*n);
        free(names);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int workout_library_list(const char *const *dirs, char ***ret_names)
{
        char **names = NULL;
        size_t n = 0, n_allocated = 0;

        if (!dirs || !ret_names)
                return -EINVAL;
        for (size_t d = 0; dirs[d]; d++) {
                DIR *dir = opendir(dirs[d]);
                struct dirent *de;

                if (!dir)
                        continue;
                while ((de = readdir(dir))) {
                        char *name;

                        if (!has_suffix(de->d_name, ".txt") && !has_suffix(de->d_name, ".zwo") &&
                            !has_suffix(de->d_name, ".fit"))
                                continue;
                        name = strndup(de->d_name, strlen(de->d_name) - 4);
                        if (!name)
                                goto oom;
                        if (!workout_library_name_is_valid(name)) {
                                free(name);
                                continue;
                        }
                        if (!GREEDY_REALLOC(names, n_allocated, n + 2)) {
                                free(name);
                                goto oom;
                        }
                        names[n++] = name;
                        names[n] = NULL;
                        continue;
                oom:
                        closedir(dir);
                        workout_library_strv_free(names);
                        return -ENOMEM;
                }
                closedir(dir);
        }
        if (n == 0) {
                names = calloc(1, sizeof(*names));
                if (!names)
                        return -ENOMEM;
        }
        qsort(names, n, sizeof(*names), cmp_str);
        /* Deduplicate: a name in several directories is one workout. */
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
                if (j > 0 && streq(names[j - 1], names[i])) {
                        free(names[i]);
                        continue;
                }
                names[j++] = names[i];
        }
        if (n > 0)
                names[j] = NULL;
        *ret_names = names;
        return (int)j;
}
