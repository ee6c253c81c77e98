/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

static Config *load_ok(const char *text)
{
        Config *c = NULL;
        ConfigError e = {};
        int r = config_load_string(text, strlen(text), &c, &e);

        if (r < 0)
                fail_msg("unexpected error at line %u: %s", e.line, e.message);
        assert_non_null(c);
        return c;
}

/* Loads text that must fail; returns the line, checks the message contains needle. */
static unsigned load_fails(const char *text, const char *needle)
{
        Config *c = NULL;
        ConfigError e = {};
        int r = config_load_string(text, strlen(text), &c, &e);

        assert_int_equal(r, -EINVAL);
        assert_null(c);
        if (!strstr(e.message, needle))
                fail_msg("error '%s' does not mention '%s'", e.message, needle);
        return e.line;
}

/* The number parser behind config values and command-line options alike. */
static void test_parse_number_range(void **state)
{
        static const struct {
                const char *s;
                int r;
                double v;
        } t[] = {
                {"1", 0, 1},          {"1000", 0, 1000},     {"12.5", 0, 12.5},
                {".5", -ERANGE, 0},   {"0.999", -ERANGE, 0}, {"1000.1", -ERANGE, 0},
                {"0x10", -EINVAL, 0}, {"1e3", -EINVAL, 0},   {"inf", -EINVAL, 0},
                {"nan", -EINVAL, 0},  {"", -EINVAL, 0},      {"5 ", -EINVAL, 0},
                {"abc", -EINVAL, 0},  {"+7", 0, 7},
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                double v = -1;

                assert_int_equal(config_parse_number_range(t[i].s, 1, 1000, &v), t[i].r);
                if (t[i].r == 0)
                        assert_float_equal(v, t[i].v, 1e-12);
                else
                        assert_true(v == -1); /* untouched */
        }
        assert_int_equal(config_parse_number_range(NULL, 1, 2, &(double){0}), -EINVAL);
}

static void test_empty_gives_defaults(void **state)
{
        Config *c = load_ok("");

        assert_null(c->treadmill);
        assert_null(c->strap);
        assert_true(fabs(c->max_speed_kmh - 20.0) < 1e-9);
        assert_true(fabs(c->max_accel_kmh_s - 0.5) < 1e-9);
        assert_int_equal(c->stop_policy, CONFIG_STOP_POLICY_COOLDOWN);
        assert_false(c->allow_remote_start);
        assert_false(c->monitor_only);
        assert_true(fabs(c->cue_lead_s - 5) < 1e-9);
        assert_true(fabs(c->auto_lap_m - 400) < 1e-9);
        config_free(c);
}

static void test_shipped_file_is_valid(void **state)
{
        Config *c = NULL;
        ConfigError e = {};
        int r = config_load_file(PACED_SOURCE_DIR "/conf/paced.conf", &c, &e);

        if (r < 0)
                fail_msg("conf/paced.conf: line %u: %s", e.line, e.message);
        config_free(c);
}

/* Every commented-out "#key = value" in the shipped file must parse when uncommented. */
static void test_shipped_examples_parse(void **state)
{
        FILE *f = fopen(PACED_SOURCE_DIR "/conf/paced.conf", "re");
        char line[256], section[256] = "", buf[600];
        unsigned n = 0;

        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
                Config *c = NULL;
                ConfigError e = {};

                if (line[0] == '[') {
                        snprintf(section, sizeof(section), "%s", line);
                        continue;
                }
                if (line[0] != '#' || !strchr(line, '=') || strchr(line, ' ') == line + 1)
                        continue;
                snprintf(buf, sizeof(buf), "%s%s", section, line + 1);
                /* A lone "max_hr =" resets to default; an example with a value must parse. */
                if (config_load_string(buf, strlen(buf), &c, &e) < 0)
                        fail_msg("example '%s' fails: %s", line, e.message);
                config_free(c);
                n++;
        }
        fclose(f);
        assert_true(n >= 40);
}

static void test_full_config(void **state)
{
        Config *c = load_ok("[Devices]\n"
                            "adapter = hci1\n"
                            "treadmill = AA:BB:CC:DD:EE:FF\n"
                            "strap = HRM-Pro:123\n"
                            "[Runner]\n"
                            "mile = 5:30\n"
                            "half = 1:35:00\n"
                            "threshold_pace = 6:40/mi\n"
                            "easy_pace = 5:30/km\n"
                            "max_hr = 190\n"
                            "resting_hr = 48\n"
                            "lthr = 172\n"
                            "units = mi\n"
                            "[Zones]\nmodel = lthr\n"
                            "[Safety]\n"
                            "max_speed = 10 mph\n"
                            "max_incline = 8\n"
                            "max_accel = 1.0\n"
                            "hr_ceiling = 185\n"
                            "stop_policy = pause\n"
                            "allow_remote_start = yes\n"
                            "quirks = mph-target no-incline\n"
                            "speed_factor = 1.03\n"
                            "[Session]\nauto_lap = mile\nstate_dir = /tmp/x\n"
                            "[Cues]\nlead_time = 8s\naudio = on\nvoice = en-us\n");

        assert_string_equal(c->adapter, "hci1");
        assert_string_equal(c->treadmill, "AA:BB:CC:DD:EE:FF");
        assert_string_equal(c->strap, "HRM-Pro:123");
        assert_true(fabs(c->race_time_s[CONFIG_RACE_MILE] - 330) < 1e-9);
        assert_true(fabs(c->race_time_s[CONFIG_RACE_HALF] - 5700) < 1e-9);
        assert_true(fabs(c->threshold_pace_s_per_km - 400 * 1000 / METERS_PER_MILE) < 1e-6);
        assert_true(fabs(c->easy_pace_s_per_km - 330) < 1e-9);
        assert_int_equal(c->units, CONFIG_UNITS_IMPERIAL);
        assert_int_equal(c->zone_model, CONFIG_ZONE_MODEL_LTHR);
        assert_true(fabs(c->max_speed_kmh - 16.09344) < 1e-9);
        assert_int_equal(c->hr_ceiling_bpm, 185);
        assert_int_equal(c->stop_policy, CONFIG_STOP_POLICY_PAUSE);
        assert_true(c->allow_remote_start);
        assert_int_equal(c->quirks, CONFIG_QUIRK_MPH_TARGET | CONFIG_QUIRK_NO_INCLINE);
        assert_true(fabs(c->auto_lap_m - METERS_PER_MILE) < 1e-9);
        assert_string_equal(c->state_dir, "/tmp/x");
        assert_true(fabs(c->cue_lead_s - 8) < 1e-9);
        assert_true(c->cue_audio);
        assert_string_equal(c->cue_voice, "en-us");
        config_free(c);
}

/* Every unit suffix the speed, duration and distance keys accept, spaces allowed before it. */
static void test_unit_suffixes(void **state)
{
        static const struct {
                const char *text;
                size_t offset;
                double want;
        } cases[] = {
                {"[Safety]\nmax_speed = 12.5\n", offsetof(Config, max_speed_kmh), 12.5},
                {"[Safety]\nmax_speed = 12.5 km/h\n", offsetof(Config, max_speed_kmh), 12.5},
                {"[Safety]\nmax_speed = 12.5kmh\n", offsetof(Config, max_speed_kmh), 12.5},
                {"[Safety]\nmax_speed = 7.8  mph\n", offsetof(Config, max_speed_kmh),
                 7.8 * KMH_PER_MPH},
                {"[Cues]\nlead_time = 10\n", offsetof(Config, cue_lead_s), 10},
                {"[Cues]\nlead_time = 10s\n", offsetof(Config, cue_lead_s), 10},
                {"[Cues]\nlead_time = 10 sec\n", offsetof(Config, cue_lead_s), 10},
                {"[Safety]\nhr_loss_hold = 2min\n", offsetof(Config, hr_loss_hold_s), 120},
                {"[Safety]\nhr_loss_hold = 3m\n", offsetof(Config, hr_loss_hold_s), 180},
                {"[Devices]\nscan_timeout = 0.1h\n", offsetof(Config, scan_timeout_s), 360},
                /* The workout files' spellings: one duration grammar (time-util.h). */
                {"[Safety]\nhr_loss_hold = 1m30s\n", offsetof(Config, hr_loss_hold_s), 90},
                {"[Safety]\nhr_loss_hold = 5'30\"\n", offsetof(Config, hr_loss_hold_s), 330},
                {"[Session]\nauto_lap = 400\n", offsetof(Config, auto_lap_m), 400},
                {"[Session]\nauto_lap = 400mtr\n", offsetof(Config, auto_lap_m), 400},
                {"[Session]\nauto_lap = 1 mile\n", offsetof(Config, auto_lap_m), METERS_PER_MILE},
                {"[Session]\nauto_lap = mile\n", offsetof(Config, auto_lap_m), METERS_PER_MILE},
                {"[Session]\nauto_lap = 1.5 km\n", offsetof(Config, auto_lap_m), 1500},
                {"[Session]\nauto_lap = 2mi\n", offsetof(Config, auto_lap_m), 2 * METERS_PER_MILE},
                {"[Session]\nauto_lap = off\n", offsetof(Config, auto_lap_m), 0},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Config *c = load_ok(cases[i].text);
                double got = *(const double *)((const uint8_t *)c + cases[i].offset);

                if (fabs(got - cases[i].want) > 1e-9)
                        fail_msg("%s: got %g, want %g", cases[i].text, got, cases[i].want);
                config_free(c);
        }
        assert_int_equal(load_fails("[Safety]\nmax_speed = 12 m/s\n", "not a speed"), 2);
        assert_int_equal(load_fails("[Cues]\nlead_time = 5 ms\n", "duration"), 2);
        /* 'm' is minutes in a workout: never metres in paced.conf either. */
        assert_int_equal(load_fails("[Session]\nauto_lap = 400m\n",
                                    "'m' is minutes, as in workouts; metres are 'mtr'"),
                         2);
        assert_int_equal(load_fails("[Session]\nauto_lap = 400 M\n", "metres are 'mtr'"), 2);
}

static void test_unknown_key_has_line(void **state)
{
        assert_int_equal(load_fails("[Safety]\nmax_speed = 18\nmax_sped = 20\n", "max_sped"), 3);
        /* On its header's line. */
        assert_int_equal(load_fails("\n\n[Bogus]\nx = 1\n", "unknown section [Bogus]"), 3);
        assert_int_equal(load_fails("max_speed = 3\n", "outside any [Section]"), 1);
        /* One vocabulary for the profile: the old spelling and a typo name the key. */
        assert_int_equal(load_fails("[Runner]\nMaxHR = 190\n",
                                    "unknown key 'MaxHR' in [Runner] (did you mean 'max_hr'?)"),
                         2);
        assert_int_equal(load_fails("[Runner]\nthreshold_pase = 4:10/km\n",
                                    "(did you mean 'threshold_pace'?)"),
                         2);
        /* goal_mile is the plan's, not paced.conf's: no such hint. */
        assert_int_equal(
                load_fails("[Runner]\nGoalMile = 5:00\n", "unknown key 'GoalMile' in [Runner]"), 2);
}

static void test_bad_values(void **state)
{
        assert_int_equal(load_fails("[Safety]\nmax_speed = fast\n", "not a speed"), 2);
        assert_int_equal(load_fails("[Safety]\nmax_accel = 1e3\n", "not a number"), 2);
        assert_int_equal(load_fails("[Safety]\nmax_accel = nan\n", "not a number"), 2);
        assert_int_equal(load_fails("[Safety]\nmax_accel = 0x10\n", "not a number"), 2);
        assert_int_equal(load_fails("[Safety]\nmonitor_only = maybe\n", "not a boolean"), 2);
        assert_int_equal(load_fails("[Safety]\nstop_policy = crash\n", "cooldown, pause, stop"), 2);
        assert_int_equal(load_fails("[Runner]\nmax_hr = 185.5\n", "whole number"), 2);
        assert_int_equal(load_fails("[Runner]\nmile = 5:75\n", "race time"), 2);
        assert_int_equal(load_fails("[Runner]\nmile = 330\n", "race time"), 2);
        assert_int_equal(load_fails("[Runner]\neasy_pace = 5:30\n", "pace"), 2);
        assert_int_equal(
                load_fails("[Devices]\ntreadmill = AA:BB:CC:DD:EE:GG\n", "Bluetooth address"), 2);
        assert_int_equal(load_fails("[Devices]\nadapter = wlan0\n", "adapter"), 2);
        assert_int_equal(load_fails("[Safety]\nquirks = mph-target warp\n", "unknown quirk 'warp'"),
                         2);
        assert_int_equal(load_fails("[Session]\nauto_lap = far\n", "distance"), 2);
        assert_int_equal(load_fails("[Cues]\nlead_time = soon\n", "duration"), 2);
}

static void test_out_of_range(void **state)
{
        assert_int_equal(load_fails("[Safety]\nmax_speed = 45\n", "out of range"), 2);
        assert_int_equal(load_fails("[Safety]\nmax_speed = 30 mph\n", "out of range"), 2);
        assert_int_equal(load_fails("[Safety]\nmax_speed = -1\n", "out of range"), 2);
        assert_int_equal(load_fails("[Safety]\nmax_accel = 0\n", "out of range"), 2);
        assert_int_equal(load_fails("[Safety]\nmax_incline = 41\n", "out of range"), 2);
        assert_int_equal(load_fails("[Runner]\nmax_hr = 300\n", "out of range"), 2);
        assert_int_equal(load_fails("[Cues]\nlead_time = 1min\n", "out of range"), 2);
        assert_int_equal(load_fails("[Safety]\nhr_ceiling = 50\n", "out of range"), 2);
}

static void test_cross_checks_name_later_line(void **state)
{
        assert_int_equal(load_fails("[Runner]\nmax_hr = 150\nresting_hr = 40\nlthr = 160\n",
                                    "lthr (160) must be below max_hr"),
                         4);
        assert_int_equal(
                load_fails("[Safety]\ncooldown_speed = 8\nmax_speed = 6\n", "cooldown_speed"), 3);
        assert_int_equal(load_fails("[Zones]\nmodel = lthr\n", "needs [Runner] lthr"), 2);
}

static void test_duplicate_key_refused(void **state)
{
        assert_int_equal(
                load_fails("[Safety]\nmax_speed = 12\n\nmax_speed = 14\n", "already set on line 2"),
                4);
        /* inih's continuation lines would silently overwrite: they are caught the same way. */
        assert_int_equal(load_fails("[Safety]\nmax_speed = 12\n  14\n", "already set"), 3);
}

static void test_syntax_error_line(void **state)
{
        assert_int_equal(load_fails("[Safety]\nmax_speed 12\n", "syntax error"), 2);
        assert_int_equal(load_fails("[Safety\n", "syntax error"), 1);
}

/* Values reach the log, D-Bus and espeak-ng: invalid UTF-8 and control characters are refused. */
static void test_not_text(void **state)
{
        assert_int_equal(load_fails("[Devices]\ntreadmill = Caf\xe9"
                                    "\n",
                                    "not UTF-8"),
                         2);
        assert_int_equal(load_fails("[Devices]\n\ntreadmill = x\x1b[2J\n", "control character"), 3);
        assert_int_equal(load_fails("[Devices]\ntreadmill = x\xc2\x9b"
                                    "2J\n",
                                    "control"),
                         2);
        /* Real text is fine, a BOM and CRLF too. */
        config_free(load_ok("\xef\xbb\xbf[Devices]\r\ntreadmill = Läufer\t\r\n"));
}

static void test_empty_value_resets_default(void **state)
{
        Config *c = load_ok("[Safety]\nmax_speed =\n[Devices]\ntreadmill = auto\n");

        assert_true(fabs(c->max_speed_kmh - 20.0) < 1e-9);
        assert_null(c->treadmill);
        config_free(c);
}

static void test_comments_and_crlf(void **state)
{
        Config *c = load_ok("# comment\r\n; another\r\n[Safety]\r\nmax_speed = 14 ; inline\r\n");

        assert_true(fabs(c->max_speed_kmh - 14.0) < 1e-9);
        config_free(c);
}

static void test_long_line_and_nul(void **state)
{
        char buf[600];
        Config *c = NULL;
        ConfigError e = {};

        memset(buf, 'a', sizeof(buf));
        memcpy(buf, "[Devices]\nstrap = ", 18);
        assert_int_equal(config_load_string(buf, sizeof(buf), &c, &e), -EINVAL);
        assert_int_equal(e.line, 2);
        assert_non_null(strstr(e.message, "too long"));
        assert_int_equal(config_load_string("[Safety]\nmax_speed = 1\0 2\n", 26, &c, &e), -EINVAL);
        assert_non_null(strstr(e.message, "NUL"));
        assert_null(c);
}

static void test_missing_file(void **state)
{
        Config *c = NULL;
        ConfigError e = {};

        assert_int_equal(config_load_file("/nonexistent/paced.conf", &c, &e), -ENOENT);
        assert_null(c);
        assert_non_null(strstr(e.message, "/nonexistent/paced.conf"));
}

static void test_max_hr_estimate_and_zone_auto(void **state)
{
        Config *c = load_ok("[Runner]\nage = 40\nresting_hr = 50\n");
        bool est = false;

        assert_int_equal(config_max_hr(c, &est), 180);
        assert_true(est);
        assert_int_equal(config_effective_zone_model(c), CONFIG_ZONE_MODEL_HRR);
        config_free(c);
        c = load_ok("[Runner]\nmax_hr = 190\nlthr = 170\n");
        assert_int_equal(config_max_hr(c, &est), 190);
        assert_false(est);
        assert_int_equal(config_effective_zone_model(c), CONFIG_ZONE_MODEL_LTHR);
        config_free(c);
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        return buf;
}

/* Every key the parser knows appears in the shipped file and in paced.conf(5), in its section. */
/* The footpod is opt-in, and so is the relay: neither costs anything unless configured. */
static void test_footpod_and_relay(void **state)
{
        Config *c = load_ok("");

        assert_null(c->footpod);
        /* Notifications through AcquireNotify's socket unless told otherwise. */
        assert_true(c->acquire_notify);
        assert_int_equal(c->footpod_distance, CONFIG_FOOTPOD_DISTANCE_TREADMILL);
        assert_false(c->relay);
        assert_null(c->relay_adapter);
        assert_null(c->relay_name);
        assert_true(c->relay_rsc);
        assert_false(c->relay_ftms);
        assert_false(c->relay_hrs);
        config_free(c);

        c = load_ok("[Devices]\nfootpod = auto\nacquire_notify = no\n"
                    "[Footpod]\ndistance = footpod\n"
                    "[Relay]\nenabled = yes\nadapter = hci2\nname = Treadmill RSC\n"
                    "rsc = no\nftms = yes\nheart_rate = yes\n");
        assert_string_equal(c->footpod, "auto");
        assert_false(c->acquire_notify);
        assert_int_equal(c->footpod_distance, CONFIG_FOOTPOD_DISTANCE_FOOTPOD);
        assert_true(c->relay);
        assert_string_equal(c->relay_adapter, "hci2");
        assert_string_equal(c->relay_name, "Treadmill RSC");
        assert_false(c->relay_rsc);
        assert_true(c->relay_ftms);
        assert_true(c->relay_hrs);
        config_free(c);

        c = load_ok("[Devices]\nfootpod = C8:FD:19:12:34:56\n");
        assert_string_equal(c->footpod, "C8:FD:19:12:34:56");
        config_free(c);
        c = load_ok("[Devices]\nfootpod = Stryd\n");
        assert_string_equal(c->footpod, "Stryd");
        config_free(c);
        c = load_ok("[Devices]\nfootpod = none\n");
        assert_null(c->footpod);
        config_free(c);
        c = load_ok("[Devices]\nfootpod =\n");
        assert_null(c->footpod);
        config_free(c);

        assert_int_equal(
                load_fails("[Devices]\nfootpod = C8:FD:19:12:34:5G\n", "Bluetooth address"), 2);
        assert_int_equal(load_fails("[Footpod]\ndistance = gps\n", "treadmill, footpod"), 2);
        assert_int_equal(load_fails("[Relay]\nadapter = usb0\n", "adapter"), 2);
        assert_int_equal(
                load_fails("[Relay]\nname = a name longer than twenty\n", "longer than 20"), 2);
        assert_string_equal(config_footpod_distance_to_string(CONFIG_FOOTPOD_DISTANCE_FOOTPOD),
                            "footpod");
}

static void test_every_key_documented(void **state)
{
        char *conf = slurp(PACED_SOURCE_DIR "/conf/paced.conf");
        char *man = slurp(PACED_SOURCE_DIR "/docs/paced.conf.5");
        const char *section, *key;
        char needle[96];

        for (size_t i = 0; (key = config_key_name(i, &section)); i++) {
                char *sec_conf, *sec_man, *end_conf, *end_man;
                bool in_conf, in_man;

                snprintf(needle, sizeof(needle), "\n[%s]", section);
                sec_conf = strstr(conf, needle);
                snprintf(needle, sizeof(needle), ".SH [%s]", section);
                sec_man = strstr(man, needle);
                if (!sec_conf || !sec_man)
                        fail_msg("section [%s] not documented", section);
                /* Only look inside the section. */
                end_conf = strstr(sec_conf + 1, "\n[");
                end_man = strstr(sec_man + 1, ".SH ");
                if (end_conf)
                        *end_conf = '\0';
                if (end_man)
                        *end_man = '\0';
                snprintf(needle, sizeof(needle), "\n#%s =", key);
                in_conf = strstr(sec_conf, needle);
                snprintf(needle, sizeof(needle), ".BR %s ", key);
                in_man = strstr(sec_man, needle);
                snprintf(needle, sizeof(needle), ", %s ", key);
                in_man = in_man || strstr(sec_man, needle);
                snprintf(needle, sizeof(needle), "\" %s \"", key);
                in_man = in_man || strstr(sec_man, needle);
                snprintf(needle, sizeof(needle), "\n.B %s\n", key);
                in_man = in_man || strstr(sec_man, needle);
                if (end_conf)
                        *end_conf = '\n';
                if (end_man)
                        *end_man = '.';
                if (!in_conf)
                        fail_msg("[%s] %s missing from conf/paced.conf", section, key);
                if (!in_man)
                        fail_msg("[%s] %s missing from paced.conf(5)", section, key);
        }
        free(conf);
        free(man);
}

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* paced.conf.d/NAME.conf override paced.conf key by key, in name order. */
static void test_dropins_override(void **state)
{
        char dir[] = "/tmp/test-config-XXXXXX", conf[128], d[160], p[256];
        Config *c = NULL;
        ConfigError e = {};

        assert_non_null(mkdtemp(dir));
        snprintf(conf, sizeof(conf), "%s/paced.conf", dir);
        snprintf(d, sizeof(d), "%s.d", conf);
        write_text(conf, "[Runner]\nmile = 7:00\nmax_hr = 190\n[Safety]\nmax_speed = 16\n");
        assert_int_equal(mkdir(d, 0755), 0);
        snprintf(p, sizeof(p), "%s/10-caps.conf", d);
        write_text(p, "[Safety]\nmax_speed = 14\n[Runner]\nmile = 6:50\n");
        snprintf(p, sizeof(p), "%s/90-profile.conf", d);
        write_text(p, "[Runner]\nmile = 6:15\n");
        snprintf(p, sizeof(p), "%s/.90-profile.conf.tmp", d);
        write_text(p, "garbage\n"); /* hidden: an editor's or paced's temporary */
        snprintf(p, sizeof(p), "%s/README", d);
        write_text(p, "not a drop-in\n");

        assert_int_equal(config_load_file(conf, &c, &e), 0);
        assert_float_equal(c->race_time_s[CONFIG_RACE_MILE], 375, 1e-9);
        assert_int_equal(c->max_hr, 190);
        assert_float_equal(c->max_speed_kmh, 14, 1e-9);
        config_free(c);

        /* A replacement text for one drop-in, as paced checks a change before writing. */
        assert_int_equal(
                config_load_file_with(conf, "90-profile.conf", "[Runner]\nmile = 6:05\n", &c, &e),
                0);
        assert_float_equal(c->race_time_s[CONFIG_RACE_MILE], 365, 1e-9);
        config_free(c);
        assert_int_equal(config_load_file_with(conf, "90-profile.conf", NULL, &c, &e), 0);
        assert_float_equal(c->race_time_s[CONFIG_RACE_MILE], 410, 1e-9);
        config_free(c);

        /* An error in a drop-in names the drop-in and its line. */
        snprintf(p, sizeof(p), "%s/90-profile.conf", d);
        write_text(p, "[Runner]\n\nmile = 6:15\nmax_hrr = 180\n");
        c = NULL;
        assert_int_equal(config_load_file(conf, &c, &e), -EINVAL);
        assert_null(c);
        assert_int_equal(e.line, 0);
        assert_non_null(strstr(e.message, "90-profile.conf:4: unknown key 'max_hrr' in [Runner]"));
        /* A cross-key check across files names the later key's file. */
        write_text(p, "[Runner]\nresting_hr = 100\nmax_hr = 95\n");
        assert_int_equal(config_load_file(conf, &c, &e), -EINVAL);
        assert_non_null(strstr(e.message, "out of range"));
        write_text(p, "[Runner]\nresting_hr = 110\nmax_hr = 105\n");
        assert_int_equal(config_load_file(conf, &c, &e), -EINVAL);
        assert_non_null(
                strstr(e.message, "90-profile.conf:3: [Runner] resting_hr (110) must be below"));

        /* A missing paced.conf with a drop-in: defaults plus the drop-in. */
        write_text(p, "[Runner]\nmile = 6:15\n");
        assert_int_equal(unlink(conf), 0);
        assert_int_equal(config_load_file(conf, &c, &e), 0);
        assert_float_equal(c->race_time_s[CONFIG_RACE_MILE], 375, 1e-9);
        config_free(c);

        unlink(p);
        snprintf(p, sizeof(p), "%s/10-caps.conf", d);
        unlink(p);
        snprintf(p, sizeof(p), "%s/.90-profile.conf.tmp", d);
        unlink(p);
        snprintf(p, sizeof(p), "%s/README", d);
        unlink(p);
        /* Nothing at all: -ENOENT, for the caller's defaults. */
        assert_int_equal(config_load_file(conf, &c, &e), -ENOENT);
        rmdir(d);
        rmdir(dir);
}

static void dropin_fails(const char *old, const char *a, const char *needle)
{
        char *text = NULL, err[256] = "";
        const char *v[] = {a};

        assert_int_equal(config_profile_dropin_set(old, v, 1, &text, err, sizeof(err)), -EINVAL);
        assert_null(text);
        if (!strstr(err, needle))
                fail_msg("'%s': error '%s' does not mention '%s'", a, err, needle);
}

static void test_profile_dropin_set(void **state)
{
        const char *set[] = {"mile=6:15", "max_hr=188", "units=mi", "easy_pace=9:30/mi"};
        const char *reset[] = {"max_hr=", "mile = 6:10"};
        char *text = NULL, *text2 = NULL, err[256] = "";
        Config *c;

        assert_int_equal(config_profile_dropin_set(NULL, set, 4, &text, err, sizeof(err)), 0);
        c = load_ok(text);
        assert_float_equal(c->race_time_s[CONFIG_RACE_MILE], 375, 1e-9);
        assert_int_equal(c->max_hr, 188);
        assert_int_equal(c->units, CONFIG_UNITS_IMPERIAL);
        config_free(c);

        /* KEY= removes a key; a new value replaces the old. */
        assert_int_equal(config_profile_dropin_set(text, reset, 2, &text2, err, sizeof(err)), 0);
        c = load_ok(text2);
        assert_float_equal(c->race_time_s[CONFIG_RACE_MILE], 370, 1e-9);
        assert_int_equal(c->max_hr, 0);
        assert_int_equal(c->units, CONFIG_UNITS_IMPERIAL);
        assert_null(strstr(text2, "max_hr"));
        config_free(c);
        free(text);
        free(text2);

        dropin_fails(NULL, "max_hrr=180", "unknown profile key 'max_hrr' (did you mean 'max_hr'?)");
        dropin_fails(NULL, "MaxHR=180", "did you mean 'max_hr'?");
        dropin_fails(NULL, "max_speed=12", "paced.conf's [Safety] max_speed");
        dropin_fails(NULL, "shoe=42", "unknown profile key 'shoe'");
        dropin_fails(NULL, "mile=6:15x", "[Runner] mile: '6:15x' is not a race time");
        dropin_fails(NULL, "mile=1:00", "out of range");
        dropin_fails(NULL, "max_hr=300", "out of range");
        dropin_fails(NULL, "units=furlong", "is not one of: km, mi");
        dropin_fails(NULL, "mile", "is not KEY=VALUE");
        dropin_fails(NULL, "mile=6:15\n[Safety]\nmax_speed=40", "control character");
}

/* What a typo or a misplaced key gets: the line, and what was meant. */
static void test_unknown_names_say_what_was_meant(void **state)
{
        Config *c;

        /* An unknown section on its header's line, even with nothing in it. */
        assert_int_equal(load_fails("[Nope]\n[Safety]\nmax_speed = 12\n", "unknown section [Nope]"),
                         1);
        assert_int_equal(load_fails("[Safety]\nmax_speed = 12\n\n[safety]\nmax_incline = 3\n",
                                    "unknown section [safety] (did you mean [Safety]?)"),
                         4);
        assert_int_equal(load_fails("[Safety]\nmax_speed = 12\n[Zone]\n",
                                    "unknown section [Zone] (did you mean [Zones]?)"),
                         3);
        /* A key in the wrong section names the right one. */
        assert_int_equal(load_fails("[Runner]\nmax_hr = 180\nmax_speed = 12\n",
                                    "'max_speed' belongs in [Safety], not [Runner]"),
                         3);
        /* Typos in every section. */
        assert_int_equal(
                load_fails("[Safety]\nmax_sped = 12\n",
                           "unknown key 'max_sped' in [Safety] (did you mean 'max_speed'?)"),
                2);
        load_fails("[Cues]\nlead_tme = 3\n", "(did you mean 'lead_time'?)");
        load_fails("[Runner]\nMaxHR = 180\n", "(did you mean 'max_hr'?)");
        /* '#' after a value: no comment there, and the error says so. */
        load_fails("[Safety]\nmax_speed = 12 # km/h\n",
                   "'#' starts a comment only at the start of a line");
        load_fails("[Runner]\nmax_hr = 180 #mine\n", "'#' starts a comment only");
        /* ' ;' does end a value, and a name may hold a '#'. */
        c = load_ok("[Safety]\nmax_speed = 12 ; km/h\n[Devices]\ntreadmill = Treadmill #1\n");
        assert_float_equal(c->max_speed_kmh, 12, 1e-9);
        assert_string_equal(c->treadmill, "Treadmill #1");
        config_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty_gives_defaults),
                cmocka_unit_test(test_shipped_file_is_valid),
                cmocka_unit_test(test_shipped_examples_parse),
                cmocka_unit_test(test_full_config),
                cmocka_unit_test(test_unit_suffixes),
                cmocka_unit_test(test_unknown_key_has_line),
                cmocka_unit_test(test_bad_values),
                cmocka_unit_test(test_out_of_range),
                cmocka_unit_test(test_cross_checks_name_later_line),
                cmocka_unit_test(test_duplicate_key_refused),
                cmocka_unit_test(test_syntax_error_line),
                cmocka_unit_test(test_not_text),
                cmocka_unit_test(test_empty_value_resets_default),
                cmocka_unit_test(test_comments_and_crlf),
                cmocka_unit_test(test_long_line_and_nul),
                cmocka_unit_test(test_missing_file),
                cmocka_unit_test(test_max_hr_estimate_and_zone_auto),
                cmocka_unit_test(test_footpod_and_relay),
                cmocka_unit_test(test_every_key_documented),
                cmocka_unit_test(test_parse_number_range),
                cmocka_unit_test(test_dropins_override),
                cmocka_unit_test(test_unknown_names_say_what_was_meant),
                cmocka_unit_test(test_profile_dropin_set),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
