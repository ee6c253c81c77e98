/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "alloc-util.h"
#include "workout-library.h"
#include "workout-text.h"
#include "workout-zwo.h"

const char *const *workout_library_default_dirs(void)
{
        static const char *const dirs[] = {
                PACED_SYSCONFDIR "/workouts",
                PACED_DATADIR "/workouts",
                PACED_SOURCE_DIR "/conf/workouts",
                NULL,
        };
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
        static const char *const exts[] = {".txt", ".zwo"};

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

int workout_load_file(const char *path, Workout **ret, WorkoutError *ret_error)
{
        if (!path || !ret)
                return -EINVAL;
        if (has_suffix(path, ".zwo"))
                return workout_zwo_load(path, ret, ret_error);
        return workout_text_load(path, ret, ret_error);
}

int workout_library_load(const char *name, const char *const *dirs, Workout **ret,
                         WorkoutError *ret_error)
{
        _cleanup_free_ char *path = NULL;
        int k;

        k = workout_library_find(name, dirs, &path);
        if (k < 0) {
                workout_error_set(ret_error, name, 0, 0,
                                  k == -EINVAL ? "not a valid workout name ([a-z0-9-])"
                                               : "no such workout in the library");
                return k;
        }
        return workout_load_file(path, ret, ret_error);
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

                        if (!has_suffix(de->d_name, ".txt") && !has_suffix(de->d_name, ".zwo"))
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
