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
#include "session-cli.h"
#include "time-util.h"
#include "util.h"
#include "workout.h"

static const char options_help[] =
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

typedef struct ProfileView {
        const char *config_path;
        bool config_found;
        ProfileSettings p;
        bool have_accepted;
        SessionAccepted accepted;
        bool have_accepted_mile;
        SessionAcceptedResult accepted_mile;
        double goal_mile_s; /* the stored plan's goal, 0 if none */
        ZoneTable zones;
        bool have_zones;
} ProfileView;

static bool hr_estimated(HrSource s)
{
        return s == HR_SOURCE_AGE || s == HR_SOURCE_FROM_MAX;
}

/* LTHR as the daemon uses it: configured/accepted, else the profile's 90 % of max. */
static double lthr_of(const ProfileView *v, HrSource *ret_source)
{
        if (v->p.hr.lthr_bpm > 0) {
                *ret_source = v->p.hr.lthr_source;
                return v->p.hr.lthr_bpm;
        }
        *ret_source = v->p.runner.lthr ? HR_SOURCE_FROM_MAX : HR_SOURCE_UNSET;
        return v->p.runner.lthr ? v->p.runner.lthr : NAN;
}

static const char *source_text(const ProfileView *v, HrSource s, bool accepted, char *buf, size_t n)
{
        if (accepted) {
                snprintf(buf, n, "accepted from session %" PRIi64, v->accepted.session_id);
                return buf;
        }
        snprintf(buf, n, "%s", hr_source_to_string(s));
        return buf;
}

static void print_text(const ProfileView *v)
{
        bool imperial = v->p.runner.units == PROFILE_UNITS_MI;
        char pace[32], why[160], src[64];
        HrSource ls;
        double lthr = lthr_of(v, &ls);

        printf("Runner profile from %s%s\n\nReference paces:\n", v->config_path,
               v->config_found ? "" : " (not found: defaults)");
        for (PaceRef r = 0; r < _PACE_REF_MAX; r++) {
                double kmh = runner_profile_speed_kmh(&v->p.runner, r);

                format_pace(pace, sizeof(pace), kmh, imperial, TIME_FORMAT_UNIT);
                if (r == PACE_REF_MILE && v->p.mile_accepted)
                        snprintf(why, sizeof(why), "the time trial of session %" PRIi64,
                                 v->accepted_mile.session_id);
                else if (r == PACE_REF_GOAL && v->goal_mile_s > 0)
                        snprintf(why, sizeof(why), "the training plan's goal");
                else
                        runner_profile_derivation(&v->p.runner, r, why, sizeof(why));
                printf("  %-10s %9s  %4.1f km/h  %s\n", pace_ref_to_string(r), pace, kmh, why);
        }
        printf("\nHeart rate:\n");
        if (v->p.hr.max_bpm > 0)
                printf("  max        %3.0f bpm  %s\n", v->p.hr.max_bpm,
                       hr_source_to_string(v->p.hr.max_source));
        else
                printf("  max        unknown (set MaxHR or Age in [Runner])\n");
        printf("  resting    %3.0f bpm  %s\n", v->p.hr.rest_bpm,
               hr_source_to_string(v->p.hr.rest_source));
        if (isfinite(lthr))
                printf("  LTHR       %3.0f bpm  %s\n", lthr,
                       source_text(v, ls, v->p.lthr_accepted, src, sizeof(src)));
        if (v->p.hr.hrvt1_bpm > 0) {
                printf("  HRVT1      %3.0f bpm  aerobic threshold, %s\n", v->p.hr.hrvt1_bpm,
                       source_text(v, v->p.hr.hrvt1_source, v->p.vt_accepted, src, sizeof(src)));
                printf("  HRVT2      %3.0f bpm  anaerobic threshold (the crossover), %s\n",
                       v->p.hr.hrvt2_bpm, src);
        } else
                printf("  HRVT1/2    not set (pacectl profile --accept-thresholds ID)\n");
        if (v->have_accepted &&
            !(isfinite(v->accepted.hrvt1_bpm) && isfinite(v->accepted.hrvt2_bpm))) {
                /* Older paced versions accepted one-sided results. */
                printf("  (the thresholds accepted from session %" PRIi64 " are not used: they "
                       "hold one threshold only, and LTHR comes from HRVT2 while the zones "
                       "need both; accept a threshold test that reaches both)\n",
                       v->accepted.session_id);
        } else if (v->have_accepted) {
                if (!v->p.lthr_accepted && v->p.lthr_config)
                        printf("  (LTHR is the configuration's, not session %" PRIi64
                               "'s accepted HRVT2)\n",
                               v->accepted.session_id);
                if (!v->p.vt_accepted && v->p.vt_config)
                        printf("  (HRVT1/HRVT2 are the configuration's, not session %" PRIi64
                               "'s accepted ones)\n",
                               v->accepted.session_id);
        }

        if (!v->have_zones) {
                printf("\nZones: off (%s model needs values the profile lacks)\n",
                       zone_model_to_string(v->p.zone_model));
                return;
        }
        printf("\nZones (%s%s):\n", zone_model_to_string(v->p.zone_model),
               v->zones.estimated ? ", estimated" : "");
        for (size_t i = 0; i < v->zones.n_zones; i++) {
                const Zone *z = &v->zones.zones[i];

                if (i == 0)
                        printf("  %-4s      < %3.0f bpm\n", z->name, z->hi_bpm);
                else if (i + 1 == v->zones.n_zones)
                        printf("  %-4s     >= %3.0f bpm\n", z->name, z->lo_bpm);
                else
                        printf("  %-4s %3.0f-%3.0f bpm\n", z->name, z->lo_bpm, z->hi_bpm);
        }
}

static void print_json(const ProfileView *v)
{
        JsonWriter w;
        char why[160];
        HrSource ls;
        double lthr = lthr_of(v, &ls);

        json_writer_init(&w, stdout);
        json_writer_begin_object(&w);
        json_writer_key_string(&w, "config", v->config_path);
        json_writer_key_bool(&w, "config_found", v->config_found);
        json_writer_key_string(&w, "units", v->p.runner.units == PROFILE_UNITS_MI ? "mi" : "km");
        json_writer_key(&w, "paces");
        json_writer_begin_array(&w);
        for (PaceRef r = 0; r < _PACE_REF_MAX; r++) {
                double kmh = runner_profile_speed_kmh(&v->p.runner, r);

                json_writer_begin_object(&w);
                json_writer_key_string(&w, "ref", pace_ref_to_string(r));
                json_writer_key_number(&w, "pace_s_per_km", kmh > 0 ? 3600.0 / kmh : NAN);
                json_writer_key_number(&w, "speed_kmh", kmh);
                json_writer_key_string(&w, "source", ref_source_to_string(v->p.runner.source[r]));
                json_writer_key_string(
                        &w, "derivation",
                        runner_profile_derivation(&v->p.runner, r, why, sizeof(why)));
                json_writer_end_object(&w);
        }
        json_writer_end_array(&w);
        json_writer_key_number(&w, "max_hr_bpm", v->p.hr.max_bpm > 0 ? v->p.hr.max_bpm : NAN);
        json_writer_key_string(&w, "max_hr_source", hr_source_to_string(v->p.hr.max_source));
        json_writer_key_bool(&w, "max_hr_estimated", hr_estimated(v->p.hr.max_source));
        json_writer_key_number(&w, "resting_hr_bpm", v->p.hr.rest_bpm);
        json_writer_key_string(&w, "resting_hr_source", hr_source_to_string(v->p.hr.rest_source));
        json_writer_key_number(&w, "lthr_bpm", lthr);
        json_writer_key_string(&w, "lthr_source",
                               v->p.lthr_accepted ? "accepted" : hr_source_to_string(ls));
        json_writer_key_bool(&w, "lthr_estimated", hr_estimated(ls));
        json_writer_key_number(&w, "hrvt1_bpm", v->p.hr.hrvt1_bpm > 0 ? v->p.hr.hrvt1_bpm : NAN);
        json_writer_key_number(&w, "hrvt2_bpm", v->p.hr.hrvt2_bpm > 0 ? v->p.hr.hrvt2_bpm : NAN);
        if (v->p.hr.hrvt1_bpm > 0)
                json_writer_key_string(&w, "thresholds_source",
                                       v->p.vt_accepted ? "accepted" : "config");
        else
                json_writer_key_null(&w, "thresholds_source");
        json_writer_key(&w, "accepted");
        if (v->have_accepted) {
                json_writer_begin_object(&w);
                json_writer_key_int(&w, "session_id", v->accepted.session_id);
                json_writer_key_uint(&w, "accepted_usec", v->accepted.accepted_wall_usec);
                json_writer_key_number(&w, "hrvt1_bpm", v->accepted.hrvt1_bpm);
                json_writer_key_number(&w, "hrvt2_bpm", v->accepted.hrvt2_bpm);
                json_writer_key_number(&w, "hrvt1_kmh", v->accepted.hrvt1_kmh);
                json_writer_key_number(&w, "hrvt2_kmh", v->accepted.hrvt2_kmh);
                json_writer_end_object(&w);
        } else
                json_writer_null(&w);
        json_writer_key_string(&w, "zone_model", zone_model_to_string(v->p.zone_model));
        json_writer_key(&w, "zones");
        if (v->have_zones) {
                json_writer_begin_array(&w);
                for (size_t i = 0; i < v->zones.n_zones; i++) {
                        json_writer_begin_object(&w);
                        json_writer_key_string(&w, "name", v->zones.zones[i].name);
                        json_writer_key_number(&w, "lo_bpm", v->zones.zones[i].lo_bpm);
                        json_writer_key_number(&w, "hi_bpm", v->zones.zones[i].hi_bpm);
                        json_writer_end_object(&w);
                }
                json_writer_end_array(&w);
        } else
                json_writer_null(&w);
        json_writer_key_bool(&w, "zones_estimated", v->have_zones && v->zones.estimated);
        json_writer_end_object(&w);
        fputc('\n', stdout);
}

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
                return pacectl_error_exit("cannot connect to the bus", NULL, r);
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
                return pacectl_error_exit("cannot connect to the bus", NULL, r);
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
        if (optind != argc) {
                fprintf(stderr, "pacectl profile: unexpected argument '%s'\n", argv[optind]);
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

        r = config_load_file(v.config_path, &cfg, &e);
        if (r == -ENOENT && !explicit_config)
                r = config_new(&cfg); /* as paced does: no file at the default path = defaults */
        else if (r >= 0)
                v.config_found = true;
        if (r < 0) {
                if (e.line)
                        fprintf(stderr, "%s:%u: %s\n", v.config_path, e.line, e.message);
                else
                        fprintf(stderr, "pacectl profile: %s\n",
                                e.message[0] ? e.message : strerror(-r));
                return r == -EINVAL ? PACECTL_EXIT_USAGE : PACECTL_EXIT_FAILURE;
        }
        /* The daemon's state directory, unless the command line names one. */
        load_accepted(db, state_dir ? state_dir : cfg->state_dir, &v);
        load_goal(db, state_dir ? state_dir : cfg->state_dir, &v);
        ProfileOverrides o = {
                .accepted_mile_s = v.have_accepted_mile ? v.accepted_mile.time_s : 0,
                .goal_mile_s = v.goal_mile_s,
        };
        profile_settings_from_config_with(cfg, v.have_accepted ? &v.accepted : NULL, &o, &v.p);
        v.have_zones = zone_table_build(v.p.zone_model, &v.p.hr, &v.zones) >= 0;
        if (json)
                print_json(&v);
        else
                print_text(&v);
        config_free(cfg);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(profile, .name = "profile",
                .args = "[--config FILE] [--json] | --accept-thresholds ID [--force] | "
                        "--accept-result ID",
                .summary = "Show the runner profile, or accept a session's thresholds or mile.",
                .run = cmd_profile);
