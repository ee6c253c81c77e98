/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl delete ID [--yes]: delete a stored session through paced (which
 * owns the database). Asks first, showing what would go, unless --yes;
 * without a terminal to ask on, --yes is required.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-client.h"
#include "session-cli.h"
#include "session-summary.h"
#include "time-util.h"
#include "util.h"

static const char options_help[] = "  -y, --yes         Do not ask\n" SESSION_CLI_DB_OPTIONS_HELP
                                   "  -h, --help        Show this help\n";

/* "12: Mile time trial, 2026-12-01 18:00, 41:00, 8.12 km" from the database, if readable. */
static void describe(const char *db, const char *state_dir, const char *id, char *buf, size_t n)
{
        _cleanup_free_ char *path = session_store_db_path(db, state_dir);
        SessionStore *s = NULL;
        SessionData *d = NULL;
        char when[32], dur[16];
        int64_t n_id;
        int r;

        snprintf(buf, n, "session %s", id);
        /* Only to say what would go: a database this user cannot read is no error. */
        if (!path || session_cli_parse_id(id, &n_id) < 0 ||
            session_store_open_db(&s, path, true) < 0)
                return;
        r = session_store_load(s, n_id, &d);
        session_store_free(s);
        if (r < 0)
                return;
        session_cli_format_time(when, sizeof(when), d->start_wall_usec);
        format_duration(dur, sizeof(dur), d->n_samples ? d->samples[d->n_samples - 1].t_s : 0,
                        TIME_FORMAT_DASH);
        snprintf(buf, n, "session %s (%s, %s, %s, %zu samples)", id,
                 d->workout_name ? d->workout_name : "free run", when, dur, d->n_samples);
        session_data_free(d);
}

static int cmd_delete(int argc, char *argv[])
{
        static const struct option options[] = {
                {"yes", no_argument, NULL, 'y'},
                {"db", required_argument, NULL, 'D'},
                {"state-dir", required_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *db = NULL, *state_dir = NULL;
        bool yes = false;
        char what[256], answer[16];
        uint64_t id;
        char *end;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "yh", options, NULL)) >= 0)
                switch (c) {
                case 'y':
                        yes = true;
                        break;
                case 'D':
                        db = optarg;
                        break;
                case 'S':
                        state_dir = optarg;
                        break;
                case 'h':
                        pacectl_print_usage("delete", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "pacectl delete: expected one session ID (see --help)\n");
                return PACECTL_EXIT_USAGE;
        }
        id = strtoull(argv[optind], &end, 10);
        if (*end || id == 0 || argv[optind][0] == '-') {
                fprintf(stderr, "pacectl delete: '%s' is not a session ID\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        describe(db, state_dir, argv[optind], what, sizeof(what));
        if (!yes) {
                if (!isatty(STDIN_FILENO)) {
                        fprintf(stderr,
                                "pacectl delete: not asking without a terminal: add --yes "
                                "to delete %s\n",
                                what);
                        return PACECTL_EXIT_USAGE;
                }
                printf("Delete %s and everything recorded in it? [y/N] ", what);
                fflush(stdout);
                if (!fgets(answer, sizeof(answer), stdin) ||
                    (answer[0] != 'y' && answer[0] != 'Y')) {
                        printf("Nothing deleted.\n");
                        return PACECTL_EXIT_OK;
                }
        }
        c = pacectl_call_manager("DeleteSession", "t", id);
        if (c == PACECTL_EXIT_OK)
                printf("Deleted %s.\n", what);
        return c;
}

PACECTL_COMMAND(delete, .name = "delete", .args = "ID [--yes]",
                .summary = "Delete a stored session (asks first).", .run = cmd_delete);
