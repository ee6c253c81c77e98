/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl workouts [--json]: the workout library, the names `pacectl start`,
 * `validate`, `export-workout` and the schedule take, with each workout's
 * title. The same directories paced searches (/etc/paced/workouts first,
 * then the shipped ones), read here without paced.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "json-writer.h"
#include "pacectl.h"
#include "util.h"
#include "workout-library.h"
#include "workout.h"

static const char options_help[] = "      --json    Print a JSON array\n"
                                   "  -h, --help    Show this help\n";

/* One entry: the file's title and description; a file that does not parse
 * is listed with its error, not hidden (the admin put it there). */
static void print_one(const char *name, bool json, bool first)
{
        const char *const *dirs = workout_library_default_dirs();
        _cleanup_free_ char *path = NULL;
        Workout *w = NULL;
        WorkoutError e = {};
        char err[600] = "";
        int r;

        r = workout_library_find(name, dirs, &path);
        if (r >= 0)
                r = workout_load_file(path, &w, &e);
        if (r < 0) {
                if (e.message[0])
                        workout_error_format(&e, err, sizeof(err));
                else
                        snprintf(err, sizeof(err), "%s", strerror(-r));
        }
        if (json) {
                JsonWriter jw;

                if (!first)
                        fputc(',', stdout);
                json_writer_init(&jw, stdout);
                json_writer_begin_object(&jw);
                json_writer_key_string(&jw, "name", name);
                json_writer_key_string(&jw, "path", path ? path : "");
                json_writer_key_string(&jw, "title", w && w->name ? w->name : "");
                json_writer_key_string(&jw, "description",
                                       w && w->description ? w->description : "");
                if (r < 0)
                        json_writer_key_string(&jw, "error", err);
                json_writer_end_object(&jw);
        } else if (r < 0)
                printf("  %-22s (cannot be read: %s)\n", name, err);
        else
                printf("  %-22s %s\n", name, w->name && *w->name ? w->name : "");
        workout_free(w);
}

static int cmd_workouts(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"json", no_argument, NULL, 'j'},
                {},
        };
        char **names = NULL;
        bool json = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage("workouts", options_help);
                        return PACECTL_EXIT_OK;
                case 'j':
                        json = true;
                        break;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "pacectl workouts: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        r = workout_library_list(workout_library_default_dirs(), &names);
        if (r < 0) {
                fprintf(stderr, "pacectl workouts: cannot list the workout library: %s\n",
                        strerror(-r));
                return PACECTL_EXIT_FAILURE;
        }
        if (json)
                fputc('[', stdout);
        else if (!names || !names[0]) {
                /* Say where it looked: a build tree run without
                 * PACED_DATA_DIR, or a library the admin emptied. */
                printf("No workouts in the library:");
                for (const char *const *d = workout_library_default_dirs(); *d; d++)
                        printf(" %s", *d);
                printf(" (*.txt, *.zwo, *.fit).\n");
        }
        for (size_t i = 0; names && names[i]; i++)
                print_one(names[i], json, i == 0);
        if (json)
                fputs("]\n", stdout);
        else if (names && names[0])
                printf("\n'pacectl validate NAME' shows a workout's steps at your paces; "
                       "'pacectl start NAME' runs it.\n"
                       "Your own files in %s come first.\n",
                       workout_library_default_dirs()[0]);
        workout_library_strv_free(names);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(workouts, .name = "workouts", .args = "[--json]",
                .summary = "List the workout library: the names start and validate take.",
                .run = cmd_workouts);
