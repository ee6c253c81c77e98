/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl profile [--config FILE] [--json]: the runner profile paced trains
 * with (reference paces, HR anchors, zones), read the way the daemon reads
 * it: the config file plus the newest accepted thresholds from the session
 * database. pacectl profile --accept-thresholds ID asks paced (D-Bus) to
 * accept a session's detected HRVT1/HRVT2: the daemon owns the database.
 */
#define _GNU_SOURCE 1
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "json-writer.h"
#include "pacectl.h"
#include "plan.h"
#include "profile-config.h"
#include "profile-view.h"
#include "session-cli.h"
#include "time-util.h"
#include "util.h"
#include "workout.h"

static const char options_help[] =
        "Without --config, --db or --state-dir: the profile paced trains with (asked\n"
        "over D-Bus), else the one it would load from the files.\n"
        "  set KEY=VALUE...             Change [Runner] keys (mile=6:15, max_hr=188,\n"
        "                               units=mi, easy_pace=9:30/mi; KEY= removes one):\n"
        "                               paced writes " CONFIG_PROFILE_DROPIN " in paced.conf.d\n"
        "                               and applies it (root or group paced)\n"
        "      --config FILE            Configuration file (default " CONFIG_DEFAULT_PATH ")\n"
        "      --accept-thresholds ID   Make session ID's detected HRVT1/HRVT2 the profile's\n"
        "                               thresholds (asks paced; root or group paced); only\n"
        "                               a threshold test's are taken\n"
        "      --force                  With --accept-thresholds: take the fit of a session\n"
        "                               that is not a threshold test all the same\n"
        "      --accept-result ID       Make session ID's mile time trial the profile's\n"
        "                               mile (asks paced; root or group paced)\n"
        "      --json                   Print JSON\n" SESSION_CLI_DB_OPTIONS_HELP
        "  -h, --help                   Show this help\n";

static int accept_thresholds(const char *id_arg, bool force)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        double vt1, vt2;
        int64_t id;
        int r;

        if (session_cli_parse_id(id_arg, &id) < 0) {
                fprintf(stderr, "pacectl profile: invalid session id '%s'\n", id_arg);
                return PACECTL_EXIT_USAGE;
        }
        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                               "AcceptThresholdsEx", &error, &reply, "tt", (uint64_t)id,
                               force ? PACED_ACCEPT_THRESHOLDS_FORCE : UINT64_C(0));
        if (r < 0) {
                int rc = pacectl_error_exit("accept thresholds", &error, r);

                if (sd_bus_error_has_name(&error, PACED_ERROR_NOT_A_THRESHOLD_TEST))
                        fprintf(stderr,
                                "pacectl profile --accept-thresholds %" PRIi64 " --force takes "
                                "its fit anyway.\n",
                                id);
                return rc;
        }
        r = sd_bus_message_read(reply, "dd", &vt1, &vt2);
        if (r < 0)
                return pacectl_error_exit("accept thresholds", NULL, r);
        printf("Accepted session %" PRIi64 "'s thresholds%s:", id,
               force ? " (forced: check pacectl analyze for why it is not a test)" : "");
        if (isfinite(vt1))
                printf(" HRVT1 %.0f bpm", vt1);
        if (isfinite(vt2))
                printf(" HRVT2 %.0f bpm (LTHR)", vt2);
        printf(".\n");
        return PACECTL_EXIT_OK;
}

static int accept_result(const char *id_arg)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char t[32];
        double mile;
        int64_t id;
        int r;

        if (session_cli_parse_id(id_arg, &id) < 0) {
                fprintf(stderr, "pacectl profile: invalid session id '%s'\n", id_arg);
                return PACECTL_EXIT_USAGE;
        }
        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                               "AcceptResult", &error, &reply, "t", (uint64_t)id);
        if (r < 0)
                return pacectl_error_exit("accept result", &error, r);
        r = sd_bus_message_read(reply, "d", &mile);
        if (r < 0)
                return pacectl_error_exit("accept result", NULL, r);
        printf("Accepted session %" PRIi64 "'s time trial: your mile is now %s; the paces "
               "derived from it follow.\n",
               id, format_duration(t, sizeof(t), mile, TIME_FORMAT_DASH));
        return PACECTL_EXIT_OK;
}

static bool paced_not_running(const sd_bus_error *e, int r)
{
        return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                      SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
               (!sd_bus_error_is_set(e) && r < 0);
}

/*
 * The profile paced trains with, printed by paced itself. Returns 1 if
 * printed, 0 if paced is not running (the caller reads the files), or an
 * exit code < 0 negated. Never starts paced (no auto-start): a look at the
 * profile is no reason to take the treadmill.
 */
static int show_from_daemon(bool json)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *text;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return 0;
        r = sd_bus_message_new_method_call(bus, &call, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, "GetProfile");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(call, false);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", json ? "json" : "text");
        if (r < 0)
                return -pacectl_error_exit("profile", NULL, r);
        r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0 && paced_not_running(&error, r))
                return 0;
        if (r < 0)
                return -pacectl_error_exit("profile", &error, r);
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return -pacectl_error_exit("profile", NULL, r);
        fputs(text, stdout);
        return 1;
}

static int set_profile(char **assignments, size_t n)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *file;
        int r;

        if (n == 0) {
                fprintf(stderr, "pacectl profile set: give KEY=VALUE, e.g. mile=6:15\n");
                return PACECTL_EXIT_USAGE;
        }
        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_message_new_method_call(bus, &call, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, "SetProfile");
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(call, "s", assignments[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return pacectl_error_exit("profile set", NULL, r);
        r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0)
                return pacectl_error_exit("profile set", &error, r);
        r = sd_bus_message_read(reply, "s", &file);
        if (r < 0)
                return pacectl_error_exit("profile set", NULL, r);
        printf("Profile changed in %s; paced trains with it now (pacectl profile).\n", file);
        return PACECTL_EXIT_OK;
}

/* The database is optional here: without it the profile is the config's alone. */
static void load_accepted(const char *db, const char *state_dir, ProfileView *v)
{
        _cleanup_free_ char *path = session_store_db_path(db, state_dir);
        SessionStore *s = NULL;

        if (!path || session_store_open_db(&s, path, true) < 0)
                return;
        v->have_accepted = session_store_get_accepted(s, &v->accepted) >= 0;
        v->have_accepted_mile =
                session_store_get_accepted_result(s, METERS_PER_MILE, &v->accepted_mile) >= 0;
        session_store_free(s);
}

/* The plan paced holds (its goal is the race pace), if this user can read it. */
static void load_goal(const char *db, const char *state_dir, ProfileView *v)
{
        _cleanup_free_ char *path = session_store_db_path(db, state_dir), *file = NULL;
        _cleanup_free_ char *text = NULL;
        Plan *plan = NULL;
        char *slash;
        size_t len;

        if (!path || !(slash = strrchr(path, '/')) ||
            asprintf(&file, "%.*s/schedule.json", (int)(slash - path), path) < 0)
                return;
        if (workout_read_file(file, 4 * 1024 * 1024, &text, &len) < 0 ||
            plan_from_json(text, &plan) < 0)
                return;
        v->goal_mile_s = plan->options.goal_mile_s;
        plan_free(plan);
}

static int cmd_profile(int argc, char *argv[])
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"accept-thresholds", required_argument, NULL, 'a'},
                {"accept-result", required_argument, NULL, 'r'},
                {"force", no_argument, NULL, 'f'},
                {"json", no_argument, NULL, 'j'},
                {"db", required_argument, NULL, 'D'},
                {"state-dir", required_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *db = NULL, *state_dir = NULL, *accept = NULL, *accept_res = NULL;
        _cleanup_free_ char *dropins = NULL;
        ProfileView v = {.config_path = CONFIG_DEFAULT_PATH};
        Config *cfg = NULL;
        ConfigError e = {};
        bool json = false, explicit_config = false, force = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        v.config_path = optarg;
                        explicit_config = true;
                        break;
                case 'a':
                        accept = optarg;
                        break;
                case 'r':
                        accept_res = optarg;
                        break;
                case 'f':
                        force = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'D':
                        db = optarg;
                        break;
                case 'S':
                        state_dir = optarg;
                        break;
                case 'h':
                        pacectl_print_usage("profile", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc && streq(argv[optind], "set")) {
                if (explicit_config || db || state_dir || json || accept || accept_res || force) {
                        fprintf(stderr, "pacectl profile set: takes KEY=VALUE only (it changes "
                                        "what paced runs with)\n");
                        return PACECTL_EXIT_USAGE;
                }
                return set_profile(argv + optind + 1, (size_t)(argc - optind - 1));
        }
        if (optind != argc) {
                fprintf(stderr, "pacectl profile: unexpected argument '%s' (set KEY=VALUE?)\n",
                        argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        if (force && !accept) {
                fprintf(stderr, "pacectl profile: --force goes with --accept-thresholds\n");
                return PACECTL_EXIT_USAGE;
        }
        if (accept)
                return accept_thresholds(accept, force);
        if (accept_res)
                return accept_result(accept_res);

        if (!explicit_config && !db && !state_dir) {
                r = show_from_daemon(json);
                if (r != 0)
                        return r > 0 ? PACECTL_EXIT_OK : -r;
        }
        r = config_load_file(v.config_path, &cfg, &e);
        if (r == -ENOENT && !explicit_config)
                r = config_new(&cfg); /* as paced does: no file at the default path = defaults */
        else if (r >= 0)
                v.config_found = true;
        if (r < 0) {
                if (e.line)
                        fprintf(stderr, "pacectl profile: %s:%u: %s\n", v.config_path, e.line,
                                e.message);
                else
                        fprintf(stderr, "pacectl profile: %s\n",
                                e.message[0] ? e.message : strerror(-r));
                return r == -EINVAL ? PACECTL_EXIT_USAGE : PACECTL_EXIT_FAILURE;
        }
        /* The daemon's state directory, unless the command line names one. */
        dropins = config_dropins_describe(v.config_path);
        v.dropins = dropins;
        load_accepted(db, state_dir ? state_dir : cfg->state_dir, &v);
        load_goal(db, state_dir ? state_dir : cfg->state_dir, &v);
        ProfileOverrides o = {
                .accepted_mile_s = v.have_accepted_mile ? v.accepted_mile.time_s : 0,
                .goal_mile_s = v.goal_mile_s,
        };
        profile_settings_from_config_with(cfg, v.have_accepted ? &v.accepted : NULL, &o, &v.p);
        v.have_zones = zone_table_build(v.p.zone_model, &v.p.hr, &v.zones) >= 0;
        if (json)
                profile_view_print_json(stdout, &v);
        else
                profile_view_print_text(stdout, &v);
        config_free(cfg);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(profile, .name = "profile",
                .args = "[--config FILE] [--json] | set KEY=VALUE... | --accept-thresholds ID "
                        "[--force] | --accept-result ID",
                .summary = "Show or change the runner profile, or accept a session's thresholds "
                           "or mile.",
                .run = cmd_profile);
