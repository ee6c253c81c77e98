/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paced: the treadmill workout daemon. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "log.h"
#include "manager.h"
#include "paced-bus.h"

static void help(void)
{
        printf("Usage: paced [OPTIONS]\n\n"
               "The treadmill workout daemon: runs structured workouts on a Bluetooth LE\n"
               "treadmill and records heart rate. Controlled with pacectl.\n\n"
               "Options:\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n"
               "  -v --verbose            Log debug messages\n"
               "     --bus BUS            system (default), user, or a D-Bus address such as\n"
               "                          unix:path=/run/test/bus\n"
               "     --config FILE        Configuration file (default %s)\n"
               "     --check-config       Validate the configuration and exit\n"
               "     --state-dir DIR      Where the session database lives\n"
               "     --simulate           Use the simulated treadmill and runner, not BlueZ\n"
               "     --time-scale N       With --simulate: run N times faster than real time\n"
               "     --test-time-scale N  Run N times faster against BlueZ: only for tests\n"
               "                          with a virtual treadmill at the same scale\n"
               "     --sim-notify-hz N    With --simulate: N notifications a second from the\n"
               "                          treadmill and from the strap (load tests; default 1)\n"
               "     --sim-belt-speed KMH With --simulate: the belt is already running at KMH\n"
               "     --sim-distance-every N  With --simulate: Total Distance only in every\n"
               "                          Nth Treadmill Data record (the others: speed only)\n"
               "     --sim-footpod FACTOR With --simulate: a footpod on the runner measuring\n"
               "                          the belt's reported speed x FACTOR (0.8-1.25)\n"
               "     --run WORKOUT        Start WORKOUT (library name or file) once ready\n"
               "     --exit-when-done     Exit after the first session ends\n"
               "     --admin-group GROUP  Group allowed to control paced (default %s)\n"
               "     --sync-group GROUP   Group allowed paced-sync's methods only (default %s)\n"
               "\nSee paced(8).\n",
               CONFIG_DEFAULT_PATH, PACED_ADMIN_GROUP, PACED_SYNC_GROUP);
}

static int parse_bus(const char *arg, ManagerOptions *o)
{
        if (streq(arg, "system"))
                o->bus_kind = MANAGER_BUS_SYSTEM;
        else if (streq(arg, "user"))
                o->bus_kind = MANAGER_BUS_USER;
        else if (strchr(arg, '=')) {
                o->bus_kind = MANAGER_BUS_ADDRESS;
                o->bus_address = arg;
        } else
                return -EINVAL;
        return 0;
}

static int parse_option_number(const char *option, const char *arg, double min, double max,
                               const char *what, double *ret)
{
        if (config_parse_number_range(arg, min, max, ret) >= 0)
                return 0;
        log_error("%s: expected %s from %g to %g, not '%s'.", option, what, min, max, arg);
        return -EINVAL;
}

/* 0 to go on, 1 to exit successfully (--help), negative errno on bad usage. */
static int parse_argv(int argc, char *argv[], ManagerOptions *o, bool *check_config)
{
        enum {
                ARG_VERSION = 0x100,
                ARG_BUS,
                ARG_CONFIG,
                ARG_CHECK_CONFIG,
                ARG_STATE_DIR,
                ARG_SIMULATE,
                ARG_TIME_SCALE,
                ARG_TEST_TIME_SCALE,
                ARG_SIM_NOTIFY_HZ,
                ARG_SIM_BELT_SPEED,
                ARG_SIM_DISTANCE_EVERY,
                ARG_SIM_FOOTPOD,
                ARG_RUN,
                ARG_EXIT_WHEN_DONE,
                ARG_ADMIN_GROUP,
                ARG_SYNC_GROUP,
        };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"verbose", no_argument, NULL, 'v'},
                {"bus", required_argument, NULL, ARG_BUS},
                {"config", required_argument, NULL, ARG_CONFIG},
                {"check-config", no_argument, NULL, ARG_CHECK_CONFIG},
                {"state-dir", required_argument, NULL, ARG_STATE_DIR},
                {"simulate", no_argument, NULL, ARG_SIMULATE},
                {"time-scale", required_argument, NULL, ARG_TIME_SCALE},
                {"test-time-scale", required_argument, NULL, ARG_TEST_TIME_SCALE},
                {"sim-notify-hz", required_argument, NULL, ARG_SIM_NOTIFY_HZ},
                {"sim-belt-speed", required_argument, NULL, ARG_SIM_BELT_SPEED},
                {"sim-distance-every", required_argument, NULL, ARG_SIM_DISTANCE_EVERY},
                {"sim-footpod", required_argument, NULL, ARG_SIM_FOOTPOD},
                {"run", required_argument, NULL, ARG_RUN},
                {"exit-when-done", no_argument, NULL, ARG_EXIT_WHEN_DONE},
                {"admin-group", required_argument, NULL, ARG_ADMIN_GROUP},
                {"sync-group", required_argument, NULL, ARG_SYNC_GROUP},
                {},
        };
        bool have_scale = false;
        int c;

        while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("paced %s\n", PACED_VERSION);
                        return 1;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case ARG_BUS:
                        if (parse_bus(optarg, o) < 0) {
                                log_error("--bus: expected system, user or a D-Bus address, "
                                          "not '%s'.",
                                          optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_CONFIG:
                        o->config_path = optarg;
                        break;
                case ARG_CHECK_CONFIG:
                        *check_config = true;
                        break;
                case ARG_STATE_DIR:
                        o->state_dir = optarg;
                        break;
                case ARG_SIMULATE:
                        o->simulate = true;
                        break;
                case ARG_TIME_SCALE:
                case ARG_TEST_TIME_SCALE:
                        if (parse_option_number(c == ARG_TEST_TIME_SCALE ? "--test-time-scale"
                                                                         : "--time-scale",
                                                optarg, 1, 1000, "a number", &o->time_scale) < 0)
                                return -EINVAL;
                        if (c == ARG_TEST_TIME_SCALE)
                                o->test_time_scale = true;
                        else
                                have_scale = true;
                        break;
                case ARG_SIM_NOTIFY_HZ:
                        if (parse_option_number("--sim-notify-hz", optarg, 1, 200, "a number",
                                                &o->sim_notify_hz) < 0)
                                return -EINVAL;
                        break;
                case ARG_SIM_BELT_SPEED:
                        /* The simulator's default range; it rejects anything else. */
                        if (parse_option_number("--sim-belt-speed", optarg, 1, 20, "km/h",
                                                &o->sim_belt_speed_kmh) < 0)
                                return -EINVAL;
                        break;
                case ARG_SIM_DISTANCE_EVERY:
                        if (parse_option_number("--sim-distance-every", optarg, 1, 100,
                                                "a number of records", &o->sim_distance_every) < 0)
                                return -EINVAL;
                        o->sim_distance_every = floor(o->sim_distance_every);
                        break;
                case ARG_SIM_FOOTPOD:
                        /* The range paced.conf allows for speed_factor. */
                        if (parse_option_number("--sim-footpod", optarg, 0.8, 1.25,
                                                "a calibration factor", &o->sim_footpod_factor) < 0)
                                return -EINVAL;
                        break;
                case ARG_RUN:
                        o->run_workout = optarg;
                        break;
                case ARG_EXIT_WHEN_DONE:
                        o->exit_when_done = true;
                        break;
                case ARG_ADMIN_GROUP:
                        o->admin_group = optarg;
                        break;
                case ARG_SYNC_GROUP:
                        o->sync_group = optarg;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                log_error("Unexpected argument '%s'.", argv[optind]);
                return -EINVAL;
        }
        if (o->sim_notify_hz > 0 && !o->simulate) {
                log_error("--sim-notify-hz needs --simulate.");
                return -EINVAL;
        }
        if (o->sim_belt_speed_kmh > 0 && !o->simulate) {
                log_error("--sim-belt-speed needs --simulate.");
                return -EINVAL;
        }
        if (o->sim_distance_every > 0 && !o->simulate) {
                log_error("--sim-distance-every needs --simulate.");
                return -EINVAL;
        }
        if (o->sim_footpod_factor > 0 && !o->simulate) {
                log_error("--sim-footpod needs --simulate.");
                return -EINVAL;
        }
        if (have_scale && !o->simulate) {
                /* A real belt cannot run faster than real time. */
                log_error("--time-scale needs --simulate.");
                return -EINVAL;
        }
        if (o->test_time_scale && !o->simulate && getenv("INVOCATION_ID")) {
                /* systemd sets INVOCATION_ID for its services: a unit file (or an
                 * override) must never drive a real belt on a scaled clock. */
                log_error("--test-time-scale is for tests against a virtual treadmill; "
                          "refusing to run with it as a systemd service.");
                return -EINVAL;
        }
        return 0;
}

static int load_config(const ManagerOptions *o, Config **ret)
{
        const char *path = o->config_path ? o->config_path : CONFIG_DEFAULT_PATH;
        ConfigError e = {};
        int r;

        r = config_load_file(path, ret, &e);
        if (r == -ENOENT && !o->config_path) {
                log_debug("%s does not exist, using the defaults.", path);
                return config_new(ret);
        }
        if (r < 0) {
                if (e.line)
                        log_error("%s:%u: %s", path, e.line, e.message);
                else
                        log_error("Failed to load configuration: %s", e.message);
                return r;
        }
        return 0;
}

int main(int argc, char *argv[])
{
        ManagerOptions options = {.bus_kind = MANAGER_BUS_SYSTEM, .time_scale = 1.0};
        _cleanup_(manager_freep) Manager *m = NULL;
        Config *config = NULL;
        bool check_config = false;
        sigset_t mask;
        int r;

        r = parse_argv(argc, argv, &options, &check_config);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : EX_USAGE;

        r = load_config(&options, &config);
        if (r < 0)
                /* EX_CONFIG: the unit's RestartPreventExitStatus= stops a restart loop. */
                return r == -ENOMEM ? EXIT_FAILURE : EX_CONFIG;
        if (check_config) {
                config_free(config);
                printf("Configuration OK.\n");
                return EXIT_SUCCESS;
        }

        /* Handled through sd-event sources, so they must not be delivered. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD); /* espeak-ng children, reaped by sd-event */
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = manager_new(&m, &options, config);
        if (r < 0) {
                config_free(config);
                log_error_errno(r, "Failed to set up: %m");
                return EXIT_FAILURE;
        }
        r = manager_start(m);
        if (r < 0)
                return EXIT_FAILURE;
        /* Opening the session store (schema, migrations, crash recovery)
         * peaks at about three times SQLite's steady memory, and the heap
         * keeps what it freed: give those pages back before idling, about
         * 220 kB of paced's private memory (docs/performance.md). */
        (void)malloc_trim(0);
        r = manager_run(m);
        return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
