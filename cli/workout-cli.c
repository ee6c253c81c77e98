/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by pacectl validate and export-workout: a workout file or library
 * name, resolved for a runner profile and a machine, offline. */
#define _GNU_SOURCE 1 /* asprintf */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "pacectl.h"
#include "util.h"
#include "workout-cli.h"
#include "workout-library.h"

typedef struct IniState {
        const char *path;
        RunnerProfile *profile;
        char bad[200];
} IniState;

/*
 * One [Runner] key: an unknown one is an error (with the key it is likely a
 * typo of), an old spelling a warning. 0 on success.
 */
static int set_runner_key(const char *where, RunnerProfile *p, const char *key, const char *value,
                          char *bad, size_t n)
{
        const char *renamed = runner_profile_key_renamed(key), *hint;
        int k;

        k = runner_profile_set_key(p, key, value);
        if (k == -ENOENT && config_check_key("Runner", key, bad, n) < 0 &&
            strstr(bad, "belongs in"))
                return k; /* paced.conf's key of another section */
        if (k == -ENOENT) {
                hint = runner_profile_key_suggest(key);
                snprintf(bad, n, "unknown key '%s'%s%s%s", key, hint ? " (did you mean '" : "",
                         hint ? hint : "", hint ? "'?)" : "");
                return k;
        }
        if (k < 0) {
                snprintf(bad, n, "invalid value for '%s': '%s'", key, value);
                return k;
        }
        if (renamed)
                fprintf(stderr, "pacectl: %s: '%s' is deprecated, write '%s' (as in paced.conf)\n",
                        where, key, renamed);
        return 0;
}

static int runner_ini_handler(void *user, const char *section, const char *name, const char *value)
{
        IniState *st = user;

        /* The other sections of paced.conf are not the profile, but a typo
         * there is one all the same: paced would refuse the file. */
        if (strcasecmp(section, "Runner") != 0)
                return config_check_key(section, name, st->bad, sizeof(st->bad)) < 0 ? 0 : 1;
        /* 0 stops the parse: ini_parse() returns this line. */
        return set_runner_key(st->path, st->profile, name, value, st->bad, sizeof(st->bad)) < 0 ? 0
                                                                                                : 1;
}

/* Unknown sections on their header's line, as paced.conf's: inih reports a
 * section only with its first key, and an empty one never. */
static int check_sections(const char *path)
{
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        unsigned n = 0;
        FILE *f = fopen(path, "re");
        int r = 0;

        if (!f)
                return 0; /* ini_parse() says it cannot open it */
        while (r == 0 && getline(&line, &size, f) >= 0) {
                const char *p = line + strspn(line, " \t"), *end;
                char name[64], err[200];

                n++;
                if (*p != '[' || !(end = strchr(p, ']')))
                        continue;
                snprintf(name, sizeof(name), "%.*s",
                         (int)MIN((size_t)(end - p - 1), sizeof(name) - 1), p + 1);
                if (config_check_section(name, err, sizeof(err)) < 0) {
                        fprintf(stderr, "pacectl: %s:%u: %s\n", path, n, err);
                        r = -EINVAL;
                }
        }
        fclose(f);
        return r;
}

/* One profile file: a paced.conf (its [Runner]) or a file with [Runner] only. */
static int load_profile_file(const char *path, RunnerProfile *p)
{
        IniState s = {.path = path, .profile = p};
        int k;

        if (check_sections(path) < 0)
                return -EINVAL;
        k = ini_parse(path, runner_ini_handler, &s);
        if (k < 0) {
                fprintf(stderr, "pacectl: %s: cannot open: %s\n", path,
                        errno == ENOENT ? "no such file" : "cannot read it");
                return -EINVAL;
        }
        if (k > 0) {
                fprintf(stderr, "pacectl: %s:%d: %s\n", path, k, s.bad[0] ? s.bad : "syntax error");
                return -EINVAL;
        }
        return 0;
}

int workout_cli_load_profile(const char *spec, RunnerProfile *p)
{
        struct stat st;
        char bad[200];

        if (!strchr(spec, '=') || stat(spec, &st) == 0) {
                _cleanup_free_ char *pattern = NULL;
                glob_t g = {};
                int r;

                r = load_profile_file(spec, p);
                if (r < 0)
                        return r;
                /* Its drop-ins, as paced reads them (paced.conf(5)): FILE.d/NAME.conf in
                 * name order, each overriding; `pacectl profile set` writes one. */
                if (asprintf(&pattern, "%s.d/*.conf", spec) < 0)
                        return -ENOMEM;
                if (glob(pattern, 0, NULL, &g) == 0)
                        for (size_t i = 0; i < g.gl_pathc && r >= 0; i++)
                                r = load_profile_file(g.gl_pathv[i], p);
                globfree(&g);
                return r;
        }
        _cleanup_free_ char *copy = strdup(spec);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(item, '=');

                if (!eq) {
                        fprintf(stderr, "pacectl: --profile: expected key=value, got '%s'\n", item);
                        return -EINVAL;
                }
                *eq = 0;
                if (set_runner_key("--profile", p, item, eq + 1, bad, sizeof(bad)) < 0) {
                        fprintf(stderr, "pacectl: --profile: %s\n", bad);
                        return -EINVAL;
                }
        }
        return 0;
}

int workout_cli_parse_double(const char *opt, const char *v, double lo, double hi, double *ret)
{
        char *end;
        double x = strtod(v, &end);

        if (end == v || *end || !(x >= lo && x <= hi)) {
                fprintf(stderr, "pacectl: %s: expected a number from %g to %g, got '%s'\n", opt, lo,
                        hi, v);
                return -EINVAL;
        }
        *ret = x;
        return 0;
}

int workout_cli_parse_limit(int opt, const char *arg, ResolveLimits *l)
{
        switch (opt) {
        case WORKOUT_CLI_ARG_MIN_SPEED:
                return workout_cli_parse_double("--min-speed", arg, 0, 40, &l->min_speed_kmh);
        case WORKOUT_CLI_ARG_MAX_SPEED:
                return workout_cli_parse_double("--max-speed", arg, 0.5, 40, &l->max_speed_kmh);
        case WORKOUT_CLI_ARG_MAX_INCLINE:
                return workout_cli_parse_double("--max-incline", arg, 0, 40, &l->max_incline_pct);
        case WORKOUT_CLI_ARG_SPEED_CAP:
                return workout_cli_parse_double("--speed-cap", arg, 0.5, 40, &l->speed_cap_kmh);
        case WORKOUT_CLI_ARG_INCLINE_CAP:
                return workout_cli_parse_double("--incline-cap", arg, 0, 40, &l->incline_cap_pct);
        default:
                return -EINVAL;
        }
}

int workout_cli_check_args(const char *cmd, int argc, const ResolveLimits *l)
{
        if (optind != argc - 1) {
                fprintf(stderr, "pacectl %s: expected one workout FILE or NAME (see --help)\n",
                        cmd);
                return -EINVAL;
        }
        if (l->min_speed_kmh > l->max_speed_kmh) {
                fprintf(stderr, "pacectl %s: --min-speed above --max-speed\n", cmd);
                return -EINVAL;
        }
        return 0;
}

int workout_cli_resolve(const char *arg, const RunnerProfile *profile, const ResolveLimits *limits,
                        Workout **ret_w, ResolvedWorkout **ret_rw)
{
        _cleanup_(workout_freep) Workout *w = NULL;
        _cleanup_(resolved_workout_freep) ResolvedWorkout *rw = NULL;
        _cleanup_free_ char *path = NULL;
        WorkoutError err = {};
        struct stat st;
        char msg[600];
        int k;

        if (stat(arg, &st) < 0 && workout_library_name_is_valid(arg))
                k = workout_library_find(arg, workout_library_default_dirs(), &path);
        else
                k = (path = strdup(arg)) ? 0 : -ENOMEM;
        if (k < 0) {
                fprintf(stderr, "pacectl: %s: no such file or library workout\n", arg);
                return PACECTL_EXIT_USAGE;
        }
        k = workout_load_file(path, &w, &err);
        if (k < 0) {
                fprintf(stderr, "pacectl: %s\n", workout_error_format(&err, msg, sizeof(msg)));
                return k == -ENOMEM ? PACECTL_EXIT_FAILURE : PACECTL_EXIT_USAGE;
        }
        k = workout_resolve(w, profile, limits, &rw);
        if (k < 0) {
                fprintf(stderr, "pacectl: %s: cannot resolve: %s\n", path,
                        k == -ENODATA ? "a heart-rate target needs max_hr or lthr in the profile"
                        : k == -EDOM  ? "a target resolves to no speed (check the time offsets)"
                        : k == -E2BIG ? "too many steps"
                                      : strerror(-k));
                return k == -ENOMEM ? PACECTL_EXIT_FAILURE : PACECTL_EXIT_USAGE;
        }
        rw->source = TAKE_PTR(path);
        *ret_w = TAKE_PTR(w);
        *ret_rw = TAKE_PTR(rw);
        return PACECTL_EXIT_OK;
}
