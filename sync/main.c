/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paced-sync: puts intervals.icu's planned running workouts on paced's
 * schedule and uploads finished sessions to intervals.icu and Strava.
 * See paced-sync(8) and docs/sync.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "sync-manager.h"

#define DEFAULT_STATE_DIR "/var/lib/paced-sync"

static void help(void)
{
        printf("Usage: paced-sync [OPTIONS]\n\n"
               "Syncs paced with intervals.icu and Strava.\n\n"
               "  -h, --help               Show this help\n"
               "      --version            Show the version\n"
               "  -c, --config FILE        Configuration (default %s)\n"
               "      --state-dir DIR      The outbox and the Strava login (default\n"
               "                           $STATE_DIRECTORY, else %s)\n"
               "      --bus ADDRESS        A D-Bus address instead of the system bus\n"
               "      --admin-group GROUP  Group allowed to use paced-sync (default %s)\n"
               "  -v, --verbose            Log debug messages\n"
               "\nSee paced-sync(8).\n",
               SYNC_CONFIG_DEFAULT_PATH, DEFAULT_STATE_DIR, "paced");
}

static int parse_args(int argc, char *argv[], SyncManager *m)
{
        enum {
                ARG_VERSION = 0x100,
                ARG_STATE_DIR,
                ARG_BUS,
                ARG_ADMIN_GROUP,
        };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"config", required_argument, NULL, 'c'},
                {"state-dir", required_argument, NULL, ARG_STATE_DIR},
                {"bus", required_argument, NULL, ARG_BUS},
                {"admin-group", required_argument, NULL, ARG_ADMIN_GROUP},
                {"verbose", no_argument, NULL, 'v'},
                {},
        };
        const char *config = SYNC_CONFIG_DEFAULT_PATH, *state = getenv("STATE_DIRECTORY");
        int c;

        while ((c = getopt_long(argc, argv, "hc:v", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("paced-sync %s\n", PACED_VERSION);
                        return 0;
                case 'c':
                        config = optarg;
                        break;
                case ARG_STATE_DIR:
                        state = optarg;
                        break;
                case ARG_BUS:
                        m->bus_address = optarg;
                        break;
                case ARG_ADMIN_GROUP:
                        m->admin_group = optarg;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("Unexpected argument '%s'.", argv[optind]);
                return -EINVAL;
        }
        /* StateDirectory= may list several: the first is ours. */
        m->config_path = strdup(config);
        m->state_dir =
                state && *state ? strndup(state, strcspn(state, ":")) : strdup(DEFAULT_STATE_DIR);
        if (!m->config_path || !m->state_dir)
                return -ENOMEM;
        return 1;
}

int main(int argc, char *argv[])
{
        SyncManager *m = NULL;
        int r;

        /* It holds API keys and tokens: no core dumps, no ptrace by others of our uid. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        umask(0077);

        r = sync_manager_new(&m);
        if (r < 0)
                return EXIT_FAILURE;
        r = parse_args(argc, argv, m);
        if (r <= 0) {
                sync_manager_free(m);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        r = sd_event_default(&m->event);
        if (r < 0) {
                log_error_errno(r, "Cannot create the event loop: %m");
                sync_manager_free(m);
                return EXIT_FAILURE;
        }
        r = sync_manager_start(m);
        if (r >= 0)
                r = sync_manager_run(m);
        sync_manager_free(m);
        /* 78 (EX_CONFIG): restarting does not fix a bad configuration. */
        return r == -EINVAL ? 78 : r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
