/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE 1 /* asprintf */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "profile.h"
#include "read-file.h"
#include "suggest.h"
#include "time-util.h"
#include "utf8.h"
#include "util.h"

/* paced.conf is a few kilobytes: anything near this is not a config file. */
#define CONFIG_FILE_MAX (1024 * 1024)

/* ---- enum tables ---- */

static const char *const units_table[_CONFIG_UNITS_MAX] = {
        [CONFIG_UNITS_METRIC] = "km",
        [CONFIG_UNITS_IMPERIAL] = "mi",
};

static const char *const zone_model_table[_CONFIG_ZONE_MODEL_MAX] = {
        [CONFIG_ZONE_MODEL_AUTO] = "auto",
        [CONFIG_ZONE_MODEL_MAX_HR] = "max-hr",
        [CONFIG_ZONE_MODEL_HRR] = "hrr",
        [CONFIG_ZONE_MODEL_LTHR] = "lthr",
        [CONFIG_ZONE_MODEL_THRESHOLDS] = "thresholds",
};

static const char *const stop_policy_table[_CONFIG_STOP_POLICY_MAX] = {
        [CONFIG_STOP_POLICY_COOLDOWN] = "cooldown",
        [CONFIG_STOP_POLICY_PAUSE] = "pause",
        [CONFIG_STOP_POLICY_STOP] = "stop",
};

static const char *const hr_loss_table[_CONFIG_HR_LOSS_MAX] = {
        [CONFIG_HR_LOSS_HOLD_THEN_PACE] = "hold-then-pace",
        [CONFIG_HR_LOSS_PACE] = "pace",
        [CONFIG_HR_LOSS_RECOVERY] = "recovery",
};

static const char *const crash_recovery_table[_CONFIG_CRASH_RECOVERY_MAX] = {
        [CONFIG_CRASH_RECOVERY_RESUME] = "resume",
        [CONFIG_CRASH_RECOVERY_COOLDOWN] = "cooldown",
};

static const char *const auto_lap_scope_table[_CONFIG_AUTO_LAP_SCOPE_MAX] = {
        [CONFIG_AUTO_LAP_TIME_TRIAL] = "time-trial",
        [CONFIG_AUTO_LAP_ALL] = "all",
};

static const char *const footpod_distance_table[_CONFIG_FOOTPOD_DISTANCE_MAX] = {
        [CONFIG_FOOTPOD_DISTANCE_TREADMILL] = "treadmill",
        [CONFIG_FOOTPOD_DISTANCE_FOOTPOD] = "footpod",
};

static const char *const race_table[_CONFIG_RACE_MAX] = {
        [CONFIG_RACE_MILE] = "mile",         [CONFIG_RACE_5K] = "5k",
        [CONFIG_RACE_10K] = "10k",           [CONFIG_RACE_HALF] = "half",
        [CONFIG_RACE_MARATHON] = "marathon",
};

#define DEFINE_TO_STRING(name, type, table, max)                                                   \
        const char *name(type v)                                                                   \
        {                                                                                          \
                if ((int)v < 0 || (int)v >= (int)(max))                                            \
                        return NULL;                                                               \
                return table[v];                                                                   \
        }

DEFINE_TO_STRING(config_units_to_string, ConfigUnits, units_table, _CONFIG_UNITS_MAX)
DEFINE_TO_STRING(config_zone_model_to_string, ConfigZoneModel, zone_model_table,
                 _CONFIG_ZONE_MODEL_MAX)
DEFINE_TO_STRING(config_stop_policy_to_string, ConfigStopPolicy, stop_policy_table,
                 _CONFIG_STOP_POLICY_MAX)
DEFINE_TO_STRING(config_hr_loss_policy_to_string, ConfigHrLossPolicy, hr_loss_table,
                 _CONFIG_HR_LOSS_MAX)
DEFINE_TO_STRING(config_crash_recovery_to_string, ConfigCrashRecovery, crash_recovery_table,
                 _CONFIG_CRASH_RECOVERY_MAX)
DEFINE_TO_STRING(config_auto_lap_scope_to_string, ConfigAutoLapScope, auto_lap_scope_table,
                 _CONFIG_AUTO_LAP_SCOPE_MAX)
DEFINE_TO_STRING(config_race_to_string, ConfigRace, race_table, _CONFIG_RACE_MAX)
DEFINE_TO_STRING(config_footpod_distance_to_string, ConfigFootpodDistance, footpod_distance_table,
                 _CONFIG_FOOTPOD_DISTANCE_MAX)

static const struct {
        const char *name;
        uint32_t bit;
} quirk_table[] = {
        {"mph-target", CONFIG_QUIRK_MPH_TARGET},
        {"no-distance", CONFIG_QUIRK_NO_DISTANCE},
        {"no-control", CONFIG_QUIRK_NO_CONTROL},
        {"no-incline", CONFIG_QUIRK_NO_INCLINE},
};

/* ---- defaults ---- */

static void config_set_defaults(Config *c)
{
        *c = (Config){
                .scan_timeout_s = 30,
                .acquire_notify = true,
                .units = CONFIG_UNITS_METRIC,
                .zone_model = CONFIG_ZONE_MODEL_AUTO,
                .max_speed_kmh = 20.0,
                .max_incline_pct = 15.0,
                .min_incline_pct = 0.0,
                .max_accel_kmh_s = 0.5,
                .max_incline_rate_pct_s = 0.5,
                .hr_ceiling_bpm = 0,
                .hr_ceiling_duration_s = 10,
                .hr_ceiling_hysteresis_bpm = 10,
                .recovery_speed_kmh = 5.0,
                .hr_loss = CONFIG_HR_LOSS_HOLD_THEN_PACE,
                .hr_loss_hold_s = 30,
                .stop_policy = CONFIG_STOP_POLICY_COOLDOWN,
                .cooldown_speed_kmh = 5.0,
                .crash_recovery = CONFIG_CRASH_RECOVERY_RESUME,
                .allow_remote_start = false,
                .monitor_only = false,
                .speed_factor = 1.0,
                .speed_offset_kmh = 0.0,
                .auto_lap_m = 400.0,
                .auto_lap_scope = CONFIG_AUTO_LAP_TIME_TRIAL,
                .cue_lead_s = 5,
                .cue_audio = false,
                .cue_beep = true,
                .footpod_distance = CONFIG_FOOTPOD_DISTANCE_TREADMILL,
                .relay_rsc = true,
        };
}

int config_new(Config **ret)
{
        Config *c = malloc(sizeof(*c));

        if (!c)
                return -ENOMEM;
        config_set_defaults(c);
        *ret = c;
        return 0;
}

Config *config_free(Config *c)
{
        if (!c)
                return NULL;
        free(c->adapter);
        free(c->treadmill);
        free(c->strap);
        free(c->footpod);
        free(c->relay_adapter);
        free(c->relay_name);
        free(c->state_dir);
        free(c->cue_voice);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/* ---- value parsers ---- */

typedef struct ConfigKey ConfigKey;
typedef int (*ConfigParseFn)(const ConfigKey *k, const char *value, void *data, char *err,
                             size_t errlen);

struct ConfigKey {
        const char *section;
        const char *key;
        ConfigParseFn parse;
        size_t offset;
        size_t size;              /* of the field: an empty value resets it to the default */
        double min, max;          /* numbers: accepted range */
        const char *const *table; /* enums */
        size_t table_len;
        int index; /* race_time: which race */
};

static void set_error(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

/*
 * A plain decimal ("12", "-0.5", ".5"): strtod alone would also take hex
 * floats, exponents, "inf" and "nan", which have no place in a config.
 * With ret_end the number may be followed by a unit suffix.
 */
static int parse_number(const char *s, double *ret, const char **ret_end)
{
        const char *p = s;
        bool digits = false;
        char *end;
        double v;

        if (!s)
                return -EINVAL;
        if (*p == '-' || *p == '+')
                p++;
        for (; isdigit((unsigned char)*p); p++)
                digits = true;
        if (*p == '.')
                for (p++; isdigit((unsigned char)*p); p++)
                        digits = true;
        if (!digits)
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end != p || !isfinite(v))
                return -EINVAL;
        if (ret_end)
                *ret_end = end;
        else if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int config_parse_number_range(const char *s, double min, double max, double *ret)
{
        double v;

        if (parse_number(s, &v, NULL) < 0)
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int check_range(const ConfigKey *k, double v, const char *unit, char *err, size_t errlen)
{
        if (v < k->min || v > k->max) {
                set_error(err, errlen, "%g%s%s is out of range (%g to %g%s%s)", v, unit ? " " : "",
                          unit ? unit : "", k->min, k->max, unit ? " " : "", unit ? unit : "");
                return -ERANGE;
        }
        return 0;
}

static int parse_double(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        double v;

        if (parse_number(value, &v, NULL) < 0) {
                set_error(err, errlen, "'%s' is not a number", value);
                return -EINVAL;
        }
        if (check_range(k, v, NULL, err, errlen) < 0)
                return -ERANGE;
        *(double *)data = v;
        return 0;
}

static int parse_uint(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        double v;

        if (parse_number(value, &v, NULL) < 0 || v != floor(v) || strchr(value, '.')) {
                set_error(err, errlen, "'%s' is not a whole number", value);
                return -EINVAL;
        }
        if (check_range(k, v, NULL, err, errlen) < 0)
                return -ERANGE;
        *(unsigned *)data = (unsigned)v;
        return 0;
}

static int parse_bool(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        static const char *const yes[] = {"yes", "true", "on", "1"};
        static const char *const no[] = {"no", "false", "off", "0"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(value, yes[i]) == 0) {
                        *(bool *)data = true;
                        return 0;
                }
                if (strcasecmp(value, no[i]) == 0) {
                        *(bool *)data = false;
                        return 0;
                }
        }
        set_error(err, errlen, "'%s' is not a boolean (expected yes or no)", value);
        return -EINVAL;
}

static int parse_enum(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        char choices[160] = "";
        size_t n = 0;

        for (size_t i = 0; i < k->table_len; i++)
                if (k->table[i] && streq(k->table[i], value)) {
                        *(int *)data = (int)i;
                        return 0;
                }
        for (size_t i = 0; i < k->table_len && n < sizeof(choices); i++)
                n += (size_t)snprintf(choices + n, sizeof(choices) - n, "%s%s", i ? ", " : "",
                                      k->table[i]);
        set_error(err, errlen, "'%s' is not one of: %s", value, choices);
        return -EINVAL;
}

static int parse_string(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        char **s = data, *copy;

        if (!*value) {
                set_error(err, errlen, "empty value");
                return -EINVAL;
        }
        for (const char *p = value; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        set_error(err, errlen, "control character in value");
                        return -EINVAL;
                }
        if (strlen(value) > (size_t)k->max) {
                set_error(err, errlen, "value longer than %g characters", k->max);
                return -EINVAL;
        }
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*s);
        *s = copy;
        return 0;
}

static bool is_bdaddr(const char *s)
{
        if (strlen(s) != 17)
                return false;
        for (int i = 0; i < 17; i++)
                if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
                        return false;
        return true;
}

/* "auto", an address AA:BB:CC:DD:EE:FF, or a device name (<= 248 bytes, the GAP limit). */
static int parse_device(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        char **s = data;
        bool looks_like_address = strlen(value) == 17 && value[2] == ':';

        if (streq(value, "auto")) {
                free(*s);
                *s = NULL;
                return 0;
        }
        if (looks_like_address && !is_bdaddr(value)) {
                set_error(err, errlen, "'%s' is not a valid Bluetooth address", value);
                return -EINVAL;
        }
        return parse_string(k, value, data, err, errlen);
}

/* The footpod is opt-in: "none" (the default) or nothing, "auto" (the first one
 * advertising Running Speed and Cadence), an address or a name. */
static int parse_footpod(const ConfigKey *k, const char *value, void *data, char *err,
                         size_t errlen)
{
        char **s = data;

        if (streq(value, "none")) {
                free(*s);
                *s = NULL;
                return 0;
        }
        if (streq(value, "auto"))
                return parse_string(k, value, data, err, errlen);
        return parse_device(k, value, data, err, errlen);
}

static int parse_adapter(const ConfigKey *k, const char *value, void *data, char *err,
                         size_t errlen)
{
        const char *p = value;

        if (streq(value, "auto")) {
                free(*(char **)data);
                *(char **)data = NULL;
                return 0;
        }
        if (strncmp(p, "hci", 3) != 0 || !p[3] || strspn(p + 3, "0123456789") != strlen(p + 3) ||
            strlen(p) > 8) {
                set_error(err, errlen, "'%s' is not an adapter name like hci0", value);
                return -EINVAL;
        }
        return parse_string(k, value, data, err, errlen);
}

static int parse_race_time(const ConfigKey *k, const char *value, void *data, char *err,
                           size_t errlen)
{
        double v;

        /* A colon, so that a bare number is not read as seconds by someone who meant minutes. */
        if (parse_clock_time(value, &v) < 0 || !strchr(value, ':')) {
                set_error(err, errlen, "'%s' is not a race time like 5:30 or 1:35:00", value);
                return -EINVAL;
        }
        if (check_range(k, v, "s", err, errlen) < 0)
                return -ERANGE;
        *(double *)data = v;
        return 0;
}

/* "4:10/km", "6:40/mi" → s/km. */
static int config_parse_pace(const ConfigKey *k, const char *value, void *data, char *err,
                             size_t errlen)
{
        double v;

        if (parse_pace(value, &v) < 0) {
                set_error(err, errlen, "'%s' is not a pace like 4:10/km or 6:40/mi", value);
                return -EINVAL;
        }
        if (check_range(k, v, "s/km", err, errlen) < 0)
                return -ERANGE;
        *(double *)data = v;
        return 0;
}

/* A unit a number may carry, and what it is worth in the key's own unit. */
typedef struct UnitSuffix {
        const char *suffix;
        double factor;
} UnitSuffix;

/*
 * A number, optionally spaces and one of units' suffixes (none means the
 * key's own unit), range-checked in that unit; -EINVAL on a malformed value,
 * for the caller to describe, -ERANGE with err filled.
 */
static int parse_with_unit(const ConfigKey *k, const char *value, const UnitSuffix *units,
                           size_t n_units, const char *unit, double *ret, char *err, size_t errlen)
{
        const char *end;
        double v;

        if (parse_number(value, &v, &end) < 0)
                return -EINVAL;
        while (*end == ' ')
                end++;
        if (*end) {
                const UnitSuffix *u = NULL;

                for (size_t i = 0; i < n_units; i++)
                        if (streq(end, units[i].suffix))
                                u = &units[i];
                if (!u)
                        return -EINVAL;
                v *= u->factor;
        }
        if (check_range(k, v, unit, err, errlen) < 0)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* "12.5", "12.5 km/h", "7.8 mph" → km/h. */
static int parse_speed(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        static const UnitSuffix units[] = {{"km/h", 1}, {"kmh", 1}, {"mph", KMH_PER_MPH}};
        int r;

        r = parse_with_unit(k, value, units, ELEMENTSOF(units), "km/h", data, err, errlen);
        if (r == -EINVAL)
                set_error(err, errlen, "'%s' is not a speed like 12.5 (km/h) or 7.8 mph", value);
        return r;
}

/* "10", "10s", "2min", "1h", "1m30s" → seconds. */
static int config_parse_duration(const ConfigKey *k, const char *value, void *data, char *err,
                                 size_t errlen)
{
        double v;

        if (parse_duration(value, PARSE_DURATION_BARE, &v) < 0) {
                set_error(err, errlen, "'%s' is not a duration like 30s or 2min", value);
                return -EINVAL;
        }
        if (check_range(k, v, "s", err, errlen) < 0)
                return -ERANGE;
        *(double *)data = v;
        return 0;
}

/* "off", "400mtr", "1km", "mile", "1mi" → metres, spelled as in workouts. */
static int config_parse_distance(const ConfigKey *k, const char *value, void *data, char *err,
                                 size_t errlen)
{
        double v;
        int r;

        if (streq(value, "off") || streq(value, "no")) {
                *(double *)data = 0;
                return 0;
        }
        r = parse_distance(value, PARSE_DISTANCE_BARE | PARSE_DISTANCE_MILE, &v);
        if (r == -EDOM) {
                /* One meaning for 'm' in every file paced reads. */
                set_error(err, errlen,
                          "'%s': 'm' is minutes, as in workouts; metres are 'mtr' (400mtr)", value);
                return -EINVAL;
        }
        if (r < 0) {
                set_error(err, errlen, "'%s' is not a distance like 400mtr, 1km, mile or off",
                          value);
                return -EINVAL;
        }
        if (check_range(k, v, "m", err, errlen) < 0)
                return -ERANGE;
        *(double *)data = v;
        return 0;
}

static int parse_quirks(const ConfigKey *k, const char *value, void *data, char *err, size_t errlen)
{
        uint32_t bits = 0;
        const char *p = value;

        while (*p) {
                size_t n;
                bool found = false;

                p += strspn(p, " ,");
                n = strcspn(p, " ,");
                if (n == 0)
                        break;
                for (size_t i = 0; i < ELEMENTSOF(quirk_table); i++)
                        if (strlen(quirk_table[i].name) == n &&
                            strncmp(quirk_table[i].name, p, n) == 0) {
                                bits |= quirk_table[i].bit;
                                found = true;
                        }
                if (!found && !(n == 4 && strncmp(p, "none", 4) == 0)) {
                        set_error(err, errlen,
                                  "unknown quirk '%.*s' (known: mph-target, no-distance, "
                                  "no-control, no-incline, none)",
                                  (int)MIN(n, (size_t)40), p);
                        return -EINVAL;
                }
                p += n;
        }
        *(uint32_t *)data = bits;
        return 0;
}

/* ---- the key table ---- */

#define FIELD(field) .offset = offsetof(Config, field), .size = sizeof(((Config *)NULL)->field)
#define KEY(sec, name, fn, field, lo, hi)                                                          \
        {                                                                                          \
                .section = sec, .key = name, .parse = fn, FIELD(field), .min = lo, .max = hi       \
        }
#define ENUM_KEY(sec, name, field, tbl)                                                            \
        {                                                                                          \
                .section = sec, .key = name, .parse = parse_enum, FIELD(field), .table = tbl,      \
                .table_len = ELEMENTSOF(tbl)                                                       \
        }
#define RACE_KEY(name, race, lo, hi)                                                               \
        {                                                                                          \
                .section = "Runner", .key = name, .parse = parse_race_time,                        \
                FIELD(race_time_s[race]), .min = lo, .max = hi                                     \
        }

static const ConfigKey config_keys[] = {
        KEY("Devices", "adapter", parse_adapter, adapter, 0, 16),
        KEY("Devices", "treadmill", parse_device, treadmill, 0, 248),
        KEY("Devices", "strap", parse_device, strap, 0, 248),
        KEY("Devices", "footpod", parse_footpod, footpod, 0, 248),
        KEY("Devices", "scan_timeout", config_parse_duration, scan_timeout_s, 1, 600),
        KEY("Devices", "acquire_notify", parse_bool, acquire_notify, 0, 0),

        ENUM_KEY("Footpod", "distance", footpod_distance, footpod_distance_table),

        KEY("Relay", "enabled", parse_bool, relay, 0, 0),
        KEY("Relay", "adapter", parse_adapter, relay_adapter, 0, 16),
        /* At most 20 bytes: next to the flags and the RSC service UUID the name fits
         * the 31-byte advertisement whole (bluetoothd shortens one that does not). */
        KEY("Relay", "name", parse_string, relay_name, 0, 20),
        KEY("Relay", "rsc", parse_bool, relay_rsc, 0, 0),
        KEY("Relay", "ftms", parse_bool, relay_ftms, 0, 0),
        KEY("Relay", "heart_rate", parse_bool, relay_hrs, 0, 0),

        RACE_KEY("mile", CONFIG_RACE_MILE, 180, 1200),
        RACE_KEY("5k", CONFIG_RACE_5K, 720, 4 * 3600),
        RACE_KEY("10k", CONFIG_RACE_10K, 1500, 6 * 3600),
        RACE_KEY("half", CONFIG_RACE_HALF, 3300, 10 * 3600),
        RACE_KEY("marathon", CONFIG_RACE_MARATHON, 7000, 12 * 3600),
        KEY("Runner", "threshold_pace", config_parse_pace, threshold_pace_s_per_km, 120, 900),
        KEY("Runner", "easy_pace", config_parse_pace, easy_pace_s_per_km, 150, 1200),
        KEY("Runner", "max_hr", parse_uint, max_hr, 100, 240),
        KEY("Runner", "resting_hr", parse_uint, resting_hr, 25, 120),
        KEY("Runner", "lthr", parse_uint, lthr, 80, 230),
        KEY("Runner", "age", parse_uint, age, 5, 110),
        KEY("Runner", "hrvt1", parse_uint, hrvt1_bpm, 60, 230),
        KEY("Runner", "hrvt2", parse_uint, hrvt2_bpm, 60, 230),
        ENUM_KEY("Runner", "units", units, units_table),
        ENUM_KEY("Runner", "zwift_pace", zwift_pace, race_table),

        ENUM_KEY("Zones", "model", zone_model, zone_model_table),

        KEY("Safety", "max_speed", parse_speed, max_speed_kmh, 1, 40),
        KEY("Safety", "max_incline", parse_double, max_incline_pct, 0, 40),
        KEY("Safety", "min_incline", parse_double, min_incline_pct, -10, 0),
        KEY("Safety", "max_accel", parse_double, max_accel_kmh_s, 0.05, 5),
        KEY("Safety", "max_incline_rate", parse_double, max_incline_rate_pct_s, 0.05, 5),
        KEY("Safety", "hr_ceiling", parse_uint, hr_ceiling_bpm, 0, 240),
        KEY("Safety", "hr_ceiling_duration", config_parse_duration, hr_ceiling_duration_s, 1, 300),
        KEY("Safety", "hr_ceiling_hysteresis", parse_uint, hr_ceiling_hysteresis_bpm, 1, 50),
        KEY("Safety", "recovery_speed", parse_speed, recovery_speed_kmh, 0.5, 15),
        ENUM_KEY("Safety", "hr_loss", hr_loss, hr_loss_table),
        KEY("Safety", "hr_loss_hold", config_parse_duration, hr_loss_hold_s, 0, 600),
        ENUM_KEY("Safety", "stop_policy", stop_policy, stop_policy_table),
        KEY("Safety", "cooldown_speed", parse_speed, cooldown_speed_kmh, 0.5, 15),
        ENUM_KEY("Safety", "crash_recovery", crash_recovery, crash_recovery_table),
        KEY("Safety", "allow_remote_start", parse_bool, allow_remote_start, 0, 0),
        KEY("Safety", "monitor_only", parse_bool, monitor_only, 0, 0),
        KEY("Safety", "speed_factor", parse_double, speed_factor, 0.8, 1.25),
        KEY("Safety", "speed_offset", parse_double, speed_offset_kmh, -2, 2),
        KEY("Safety", "quirks", parse_quirks, quirks, 0, 0),

        KEY("Session", "state_dir", parse_string, state_dir, 0, 4096),
        KEY("Session", "auto_lap", config_parse_distance, auto_lap_m, 100, 10000),
        ENUM_KEY("Session", "auto_lap_scope", auto_lap_scope, auto_lap_scope_table),

        KEY("Cues", "lead_time", config_parse_duration, cue_lead_s, 0, 30),
        KEY("Cues", "audio", parse_bool, cue_audio, 0, 0),
        KEY("Cues", "voice", parse_string, cue_voice, 0, 64),
        KEY("Cues", "beep", parse_bool, cue_beep, 0, 0),
};

/* ---- parsing ---- */

/* At most this many drop-ins in paced.conf.d: a config is a few files. */
#define CONFIG_DROPINS_MAX 64
/* A key's position: file index * CONFIG_POS_FILE + line (file 0: the main file). */
#define CONFIG_POS_FILE 10000000u

typedef struct ParseState {
        Config *config;
        ConfigError *error;
        const char *text;
        size_t len, pos;
        unsigned file;                 /* 0: the main file (or the one string); 1..: drop-ins */
        const char *const *file_names; /* of the drop-ins, for errors; NULL for one string */
        unsigned line;                 /* of the line inih is processing */
        unsigned key_line[ELEMENTSOF(config_keys)]; /* position (see CONFIG_POS_FILE) */
        bool key_in_file[ELEMENTSOF(config_keys)];  /* set in the file being parsed */
        bool failed;
        int errno_value;
} ParseState;

static unsigned here(const ParseState *s)
{
        return s->file * CONFIG_POS_FILE + s->line;
}

/*
 * pos is here() or a key_line[]: an error in the main file carries its line
 * (the caller names the file); one in a drop-in names the drop-in and its
 * line in the message, so that every caller reports it right.
 */
static void fail(ParseState *s, unsigned pos, int r, const char *fmt, ...) _printf_(4, 5);
static void fail(ParseState *s, unsigned pos, int r, const char *fmt, ...)
{
        unsigned file = pos / CONFIG_POS_FILE, line = pos % CONFIG_POS_FILE;
        size_t n = 0;
        va_list ap;

        if (s->failed)
                return;
        s->failed = true;
        s->errno_value = r;
        s->error->line = file == 0 ? line : 0;
        s->error->message[0] = '\0';
        if (file > 0 && s->file_names)
                n = (size_t)snprintf(s->error->message, sizeof(s->error->message),
                                     "%s:%u: ", s->file_names[file - 1], line);
        if (n >= sizeof(s->error->message))
                return;
        va_start(ap, fmt);
        vsnprintf(s->error->message + n, sizeof(s->error->message) - n, fmt, ap);
        va_end(ap);
}

static bool section_known(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (strlen(config_keys[i].section) == len &&
                    strncmp(config_keys[i].section, name, len) == 0)
                        return true;
        return false;
}

/* The sections, each once, for "did you mean". */
static size_t section_names(const char **names, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(config_keys) && n < max; i++)
                if (i == 0 || !streq(config_keys[i].section, config_keys[i - 1].section))
                        names[n++] = config_keys[i].section;
        return n;
}

/*
 * An unknown section on its header's line: inih reports sections only
 * with their first key, and an empty one not at all.
 */
static void check_section_header(ParseState *s, const char *line)
{
        const char *p = line, *end, *names[16], *hint;
        char name[64];
        size_t len;

        if (s->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3; /* a UTF-8 byte order mark, as inih skips it */
        p += strspn(p, " \t");
        if (*p != '[' || !(end = strchr(p, ']')))
                return; /* not a header, or inih's syntax error */
        len = (size_t)(end - p - 1);
        if (section_known(p + 1, len))
                return;
        snprintf(name, sizeof(name), "%.*s", (int)MIN(len, sizeof(name) - 1), p + 1);
        hint = suggest_closest(name, names, section_names(names, ELEMENTSOF(names)));
        if (hint)
                fail(s, here(s), -EINVAL, "unknown section [%s] (did you mean [%s]?)", name, hint);
        else
                fail(s, here(s), -EINVAL, "unknown section [%s]", name);
}

/* inih's reader: one line at a time from the buffer, counting lines for error messages. */
static char *reader(char *buf, int size, void *stream)
{
        ParseState *s = stream;
        size_t n = 0;

        if (s->failed || s->pos >= s->len)
                return NULL;
        s->line++;
        while (s->pos < s->len) {
                char ch = s->text[s->pos++];

                if (ch == '\0') {
                        fail(s, here(s), -EINVAL, "NUL byte in configuration");
                        return NULL;
                }
                if ((int)n >= size - 2) {
                        fail(s, here(s), -EINVAL, "line too long (at most %d characters)",
                             size - 3);
                        return NULL;
                }
                buf[n++] = ch;
                if (ch == '\n')
                        break;
        }
        buf[n] = '\0';
        /* Values reach the log, D-Bus and espeak-ng: text only. */
        if (utf8_find_bad(buf, n, true) < n) {
                fail(s, here(s), -EINVAL, "not UTF-8 text, or a control character");
                return NULL;
        }
        check_section_header(s, buf);
        return s->failed ? NULL : buf;
}

static bool key_is_string(const ConfigKey *k)
{
        return k->parse == parse_string || k->parse == parse_device || k->parse == parse_adapter ||
               k->parse == parse_footpod;
}

/* "key =" with nothing after it means "the default", as in systemd's unit files. */
static void reset_to_default(const ConfigKey *k, Config *c)
{
        uint8_t *field = (uint8_t *)c + k->offset;
        Config d;

        if (key_is_string(k)) {
                char **sp = (char **)field;

                free(*sp);
                *sp = NULL;
                return;
        }
        config_set_defaults(&d);
        memcpy(field, (uint8_t *)&d + k->offset, k->size);
}

static bool config_has_key(const char *section, const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].section, section) && streq(config_keys[i].key, key))
                        return true;
        return false;
}

/* Why [section] name is not a key: another section's, a typo, an old spelling. */
static void describe_unknown_key(const char *section, const char *name, char *buf, size_t len)
{
        const char *hint = NULL, *other = NULL, *keys[ELEMENTSOF(config_keys)];
        size_t n = 0;

        /* A key of another section: name it. */
        for (size_t i = 0; i < ELEMENTSOF(config_keys) && !other; i++)
                if (streq(config_keys[i].key, name))
                        other = config_keys[i].section;
        if (other) {
                snprintf(buf, len, "'%s' belongs in [%s], not [%s]", name, other, section);
                return;
        }
        /* The profile's old spellings (MaxHR), then typos: one vocabulary. */
        if (streq(section, "Runner"))
                hint = runner_profile_key_renamed(name);
        if (hint && !config_has_key("Runner", hint))
                hint = NULL;
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].section, section))
                        keys[n++] = config_keys[i].key;
        if (!hint)
                hint = suggest_closest(name, keys, n);
        if (hint)
                snprintf(buf, len, "unknown key '%s' in [%s] (did you mean '%s'?)", name, section,
                         hint);
        else
                snprintf(buf, len, "unknown key '%s' in [%s]", name, section);
}

int config_check_section(const char *section, char *err, size_t errlen)
{
        const char *names[16], *hint;

        if (section_known(section, strlen(section)))
                return 0;
        hint = suggest_closest(section, names, section_names(names, ELEMENTSOF(names)));
        if (hint)
                set_error(err, errlen, "unknown section [%s] (did you mean [%s]?)", section, hint);
        else
                set_error(err, errlen, "unknown section [%s]", section);
        return -EINVAL;
}

int config_check_key(const char *section, const char *key, char *err, size_t errlen)
{
        if (config_has_key(section, key))
                return 0;
        if (config_check_section(section, err, errlen) < 0)
                return -EINVAL;
        describe_unknown_key(section, key, err, errlen);
        return -EINVAL;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
        ParseState *s = user;
        bool section_known = false;
        char err[CONFIG_ERROR_MAX - 64];

        if (s->failed)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const ConfigKey *k = &config_keys[i];
                int r;

                if (!streq(k->section, section))
                        continue;
                section_known = true;
                if (!streq(k->key, name))
                        continue;
                /* Within a file a key is set once; a later drop-in overrides it. */
                if (s->key_in_file[i]) {
                        fail(s, here(s), -EINVAL, "[%s] %s is already set on line %u", section,
                             name, s->key_line[i] % CONFIG_POS_FILE);
                        return 0;
                }
                s->key_in_file[i] = true;
                s->key_line[i] = here(s);
                if (!*value) {
                        reset_to_default(k, s->config);
                        return 1;
                }
                err[0] = '\0';
                r = k->parse(k, value, (uint8_t *)s->config + k->offset, err, sizeof(err));
                if (r == -ENOMEM) {
                        fail(s, here(s), -ENOMEM, "out of memory");
                        return 0;
                }
                if (r < 0) {
                        /* inih ends a value at " ;" only: "12 # km/h" is one value. */
                        bool comment = strstr(value, " #") || strstr(value, "\t#");

                        fail(s, here(s), -EINVAL, "[%s] %s: %s%s", section, name, err,
                             comment ? "; '#' starts a comment only at the start of a line "
                                       "(after a value, use ' ;')"
                                     : "");
                        return 0;
                }
                return 1;
        }
        if (!*section)
                fail(s, here(s), -EINVAL, "'%s' is outside any [Section]", name);
        else if (!section_known)
                fail(s, here(s), -EINVAL, "unknown section [%s]", section);
        else {
                char why[CONFIG_ERROR_MAX - 32];

                describe_unknown_key(section, name, why, sizeof(why));
                fail(s, here(s), -EINVAL, "%s", why);
        }
        return 0;
}

static unsigned key_line(const ParseState *s, const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].key, key))
                        return s->key_line[i];
        return 0;
}

/* Checks between keys; the error names the line of the later key. */
static void validate(ParseState *s)
{
        const Config *c = s->config;

#define LATER(a, b) MAX(key_line(s, a), key_line(s, b))
        if (c->max_hr && c->resting_hr && c->resting_hr >= c->max_hr)
                fail(s, LATER("max_hr", "resting_hr"), -EINVAL,
                     "[Runner] resting_hr (%u) must be below max_hr (%u)", c->resting_hr,
                     c->max_hr);
        if (c->max_hr && c->lthr && c->lthr >= c->max_hr)
                fail(s, LATER("max_hr", "lthr"), -EINVAL,
                     "[Runner] lthr (%u) must be below max_hr (%u)", c->lthr, c->max_hr);
        if (c->hrvt1_bpm && c->hrvt2_bpm && c->hrvt1_bpm >= c->hrvt2_bpm)
                fail(s, LATER("hrvt1", "hrvt2"), -EINVAL,
                     "[Runner] hrvt1 (%u) must be below hrvt2 (%u)", c->hrvt1_bpm, c->hrvt2_bpm);
        if (c->cooldown_speed_kmh > c->max_speed_kmh)
                fail(s, LATER("cooldown_speed", "max_speed"), -EINVAL,
                     "[Safety] cooldown_speed (%.1f km/h) exceeds max_speed (%.1f km/h)",
                     c->cooldown_speed_kmh, c->max_speed_kmh);
        if (c->recovery_speed_kmh > c->max_speed_kmh)
                fail(s, LATER("recovery_speed", "max_speed"), -EINVAL,
                     "[Safety] recovery_speed (%.1f km/h) exceeds max_speed (%.1f km/h)",
                     c->recovery_speed_kmh, c->max_speed_kmh);
        if (c->hr_ceiling_bpm && c->hr_ceiling_bpm < 100)
                fail(s, key_line(s, "hr_ceiling"), -EINVAL,
                     "[Safety] hr_ceiling: %u is out of range (0 for off, or 100 to 240)",
                     c->hr_ceiling_bpm);
        if (c->zone_model == CONFIG_ZONE_MODEL_LTHR && !c->lthr)
                fail(s, key_line(s, "model"), -EINVAL, "[Zones] model=lthr needs [Runner] lthr");
        if (c->zone_model == CONFIG_ZONE_MODEL_HRR && !(c->resting_hr && (c->max_hr || c->age)))
                fail(s, key_line(s, "model"), -EINVAL,
                     "[Zones] model=hrr needs [Runner] resting_hr and max_hr (or age)");
        if (c->zone_model == CONFIG_ZONE_MODEL_THRESHOLDS && !(c->hrvt1_bpm && c->hrvt2_bpm))
                fail(s, key_line(s, "model"), -EINVAL,
                     "[Zones] model=thresholds needs [Runner] hrvt1 and hrvt2");
        if (c->zone_model == CONFIG_ZONE_MODEL_MAX_HR && !(c->max_hr || c->age))
                fail(s, key_line(s, "model"), -EINVAL,
                     "[Zones] model=max-hr needs [Runner] max_hr (or age)");
#undef LATER
}

/* One file's text on top of what s->config holds. */
static void parse_text(ParseState *s, unsigned file, const char *text, size_t len)
{
        int r;

        s->file = file;
        s->text = text;
        s->len = len;
        s->pos = 0;
        s->line = 0;
        memset(s->key_in_file, 0, sizeof(s->key_in_file));
        r = ini_parse_stream(reader, s, handler, s);
        if (!s->failed && r > 0)
                fail(s, file * CONFIG_POS_FILE + (unsigned)r, -EINVAL,
                     "syntax error: expected 'key = value' or '[Section]'");
        else if (!s->failed && r < 0)
                fail(s, 0, -ENOMEM, "out of memory");
}

int config_load_string(const char *text, size_t len, Config **ret, ConfigError *ret_error)
{
        _cleanup_(config_freep) Config *c = NULL;
        ConfigError error = {};
        ParseState s = {.error = &error};
        int r;

        r = config_new(&c);
        if (r < 0)
                return r;
        s.config = c;

        parse_text(&s, 0, text, len);
        if (!s.failed)
                validate(&s);
        if (s.failed) {
                if (ret_error)
                        *ret_error = error;
                return s.errno_value == -ENOMEM ? -ENOMEM : -EINVAL;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static void set_file_error(ConfigError *e, const char *path, int r)
{
        if (!e)
                return;
        *e = (ConfigError){};
        snprintf(e->message, sizeof(e->message), "%s: %s", path,
                 r == -EFBIG    ? "file too large"
                 : r == -ELOOP  ? "a symbolic link (paced does not follow links)"
                 : r == -EBADFD ? "not a regular file"
                                : strerror(-r));
}

static int cmp_string(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
}

/*
 * The drop-ins' file names (NAME.conf in dir, sorted), with extra_name added
 * if it is not there. A missing directory holds none.
 */
static int list_dropins(const char *dir, const char *extra_name, char **names, size_t *ret_n)
{
        DIR *d;
        struct dirent *de;
        size_t n = 0;
        bool have_extra = false;

        d = opendir(dir);
        if (!d && errno != ENOENT && errno != ENOTDIR)
                return -errno;
        while (d && (de = readdir(d))) {
                size_t l = strlen(de->d_name);

                /* As systemd: NAME.conf; hidden files are editors' and our temporaries. */
                if (de->d_name[0] == '.' || l < 6 || !streq(de->d_name + l - 5, ".conf"))
                        continue;
                if (n >= CONFIG_DROPINS_MAX) {
                        closedir(d);
                        strv_free_n(names, n);
                        return -E2BIG;
                }
                if (extra_name && streq(de->d_name, extra_name))
                        have_extra = true;
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        closedir(d);
                        strv_free_n(names, n);
                        return -ENOMEM;
                }
                n++;
        }
        if (d)
                closedir(d);
        if (extra_name && !have_extra) {
                if (n >= CONFIG_DROPINS_MAX) {
                        strv_free_n(names, n);
                        return -E2BIG;
                }
                names[n] = strdup(extra_name);
                if (!names[n]) {
                        strv_free_n(names, n);
                        return -ENOMEM;
                }
                n++;
        }
        qsort(names, n, sizeof(char *), cmp_string);
        *ret_n = n;
        return 0;
}

int config_load_file_with(const char *path, const char *dropin_name, const char *dropin_text,
                          Config **ret, ConfigError *ret_error)
{
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *buf = NULL, *dir = NULL;
        char *names[CONFIG_DROPINS_MAX] = {}, *paths[CONFIG_DROPINS_MAX] = {};
        ConfigError error = {};
        ParseState s = {.error = &error, .file_names = (const char *const *)paths};
        size_t len = 0, n = 0;
        bool have_main;
        int r;

        /* The daemon's own file: never a link, a FIFO or a device (see read-file.h). */
        r = read_file_regular(path, CONFIG_FILE_MAX, READ_FILE_NOFOLLOW, &buf, &len);
        if (r < 0 && r != -ENOENT) {
                set_file_error(ret_error, path, r);
                return r;
        }
        have_main = r >= 0;

        if (asprintf(&dir, "%s.d", path) < 0)
                return -ENOMEM;
        r = list_dropins(dir, dropin_name, names, &n);
        if (r < 0) {
                set_file_error(ret_error, dir, r == -E2BIG ? -EFBIG : r);
                return r;
        }
        /* No file at all: as before drop-ins existed (the caller decides about defaults). */
        if (!have_main && n == 0) {
                set_file_error(ret_error, path, -ENOENT);
                return -ENOENT;
        }
        for (size_t i = 0; i < n; i++)
                if (asprintf(&paths[i], "%s/%s", dir, names[i]) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }

        r = config_new(&c);
        if (r < 0)
                goto finish;
        s.config = c;
        if (have_main)
                parse_text(&s, 0, buf, len);
        for (size_t i = 0; i < n && !s.failed; i++) {
                _cleanup_free_ char *text = NULL;
                size_t tlen = 0;

                if (dropin_name && streq(names[i], dropin_name)) {
                        if (!dropin_text)
                                continue; /* the drop-in is to be removed */
                        parse_text(&s, (unsigned)i + 1, dropin_text, strlen(dropin_text));
                        continue;
                }
                r = read_file_regular(paths[i], CONFIG_FILE_MAX, READ_FILE_NOFOLLOW, &text, &tlen);
                if (r == -ENOENT)
                        continue; /* removed since it was listed */
                if (r < 0) {
                        set_file_error(ret_error, paths[i], r);
                        goto finish;
                }
                parse_text(&s, (unsigned)i + 1, text, tlen);
        }
        if (!s.failed)
                validate(&s);
        if (s.failed) {
                if (ret_error)
                        *ret_error = error;
                r = s.errno_value == -ENOMEM ? -ENOMEM : -EINVAL;
                goto finish;
        }
        *ret = TAKE_PTR(c);
        r = 0;
finish:
        strv_free_n(names, n);
        strv_free_n(paths, n);
        return r;
}

char *config_dropins_describe(const char *path)
{
        _cleanup_free_ char *dir = NULL;
        char *names[CONFIG_DROPINS_MAX] = {}, *out = NULL;
        const char *base = strrchr(path, '/');
        size_t n = 0, len = 0;
        FILE *f;

        base = base ? base + 1 : path;
        if (asprintf(&dir, "%s.d", path) < 0 || list_dropins(dir, NULL, names, &n) < 0)
                return NULL;
        f = open_memstream(&out, &len);
        if (f) {
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%s%s.d/%s", i ? ", " : "", base, names[i]);
                if (fclose(f) != 0) {
                        free(out);
                        out = NULL;
                }
        }
        strv_free_n(names, n);
        return out;
}

int config_load_file(const char *path, Config **ret, ConfigError *ret_error)
{
        return config_load_file_with(path, NULL, NULL, ret, ret_error);
}

const char *config_key_name(size_t i, const char **ret_section)
{
        if (i >= ELEMENTSOF(config_keys))
                return NULL;
        if (ret_section)
                *ret_section = config_keys[i].section;
        return config_keys[i].key;
}

unsigned config_max_hr(const Config *c, bool *ret_estimated)
{
        if (c->max_hr) {
                if (ret_estimated)
                        *ret_estimated = false;
                return c->max_hr;
        }
        if (c->age) {
                if (ret_estimated)
                        *ret_estimated = true;
                /* Tanaka et al. 2001: 208 - 0.7 * age. */
                return (unsigned)lround(208.0 - 0.7 * c->age);
        }
        if (ret_estimated)
                *ret_estimated = false;
        return 0;
}

ConfigZoneModel config_effective_zone_model(const Config *c)
{
        if (c->zone_model != CONFIG_ZONE_MODEL_AUTO)
                return c->zone_model;
        if (c->lthr)
                return CONFIG_ZONE_MODEL_LTHR;
        if (c->resting_hr && config_max_hr(c, NULL))
                return CONFIG_ZONE_MODEL_HRR;
        if (c->hrvt1_bpm && c->hrvt2_bpm)
                return CONFIG_ZONE_MODEL_THRESHOLDS;
        return CONFIG_ZONE_MODEL_MAX_HR;
}

/* ---- the profile drop-in ---- */

#define DROPIN_ENTRIES_MAX 128

typedef struct DropinEntry {
        char *section, *key, *value;
} DropinEntry;

typedef struct Dropin {
        DropinEntry e[DROPIN_ENTRIES_MAX];
        size_t n;
        bool failed;
} Dropin;

static void dropin_done(Dropin *d)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->e[i].section);
                free(d->e[i].key);
                free(d->e[i].value);
        }
        d->n = 0;
}

static DropinEntry *dropin_find(Dropin *d, const char *section, const char *key)
{
        for (size_t i = 0; i < d->n; i++)
                if (streq(d->e[i].section, section) && streq(d->e[i].key, key))
                        return &d->e[i];
        return NULL;
}

static int dropin_set(Dropin *d, const char *section, const char *key, const char *value)
{
        DropinEntry *e = dropin_find(d, section, key);
        char *v;

        if (!*value) { /* KEY= : back to paced.conf's value */
                if (e) {
                        free(e->section);
                        free(e->key);
                        free(e->value);
                        *e = d->e[--d->n];
                }
                return 0;
        }
        v = strdup(value);
        if (!v)
                return -ENOMEM;
        if (e) {
                free(e->value);
                e->value = v;
                return 0;
        }
        if (d->n >= DROPIN_ENTRIES_MAX) {
                free(v);
                return -E2BIG;
        }
        d->e[d->n] = (DropinEntry){.section = strdup(section), .key = strdup(key), .value = v};
        if (!d->e[d->n].section || !d->e[d->n].key) {
                free(d->e[d->n].section);
                free(d->e[d->n].key);
                free(v);
                return -ENOMEM;
        }
        d->n++;
        return 0;
}

static int dropin_handler(void *user, const char *section, const char *name, const char *value)
{
        Dropin *d = user;

        if (dropin_set(d, section, name, value) < 0)
                d->failed = true;
        return !d->failed;
}

/* The section a key belongs to (the first that has it), or NULL. */
static const char *config_key_section(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].key, key))
                        return config_keys[i].section;
        return NULL;
}

int config_profile_key_check(const char *key, char *err, size_t errlen)
{
        const char *section, *hint;

        if (config_has_key("Runner", key))
                return 0;
        section = config_key_section(key);
        if (section) {
                set_error(err, errlen,
                          "'%s' is not a profile key: it is paced.conf's [%s] %s, which only "
                          "the configuration file sets (paced.conf(5))",
                          key, section, key);
                return -EINVAL;
        }
        hint = runner_profile_key_renamed(key);
        if (!hint)
                hint = runner_profile_key_suggest(key);
        if (hint && config_has_key("Runner", hint))
                set_error(err, errlen, "unknown profile key '%s' (did you mean '%s'?)", key, hint);
        else
                set_error(err, errlen,
                          "unknown profile key '%s' (the keys of [Runner] in paced.conf(5))", key);
        return -EINVAL;
}

int config_profile_dropin_set(const char *old_text, const char *const *assignments, size_t n,
                              char **ret_text, char *err, size_t errlen)
{
        _cleanup_free_ char *out = NULL;
        Dropin d = {};
        size_t out_len = 0;
        FILE *f;
        int r = 0;

        if (old_text && ini_parse_string(old_text, dropin_handler, &d) != 0) {
                dropin_done(&d);
                set_error(err, errlen, "the profile drop-in cannot be read: fix or remove it");
                return -EINVAL;
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *a = assignments[i], *eq = strchr(a, '=');
                _cleanup_free_ char *key = NULL, *line = NULL;
                const char *value;
                Config *c = NULL;
                ConfigError e = {};

                if (!eq || eq == a) {
                        set_error(err, errlen, "'%s' is not KEY=VALUE (e.g. mile=6:15)", a);
                        r = -EINVAL;
                        break;
                }
                key = strndup(a, (size_t)(eq - a));
                if (!key) {
                        r = -ENOMEM;
                        break;
                }
                /* "mile = 6:15" as paced.conf writes it: the key without its spaces. */
                for (size_t l = strlen(key); l > 0 && key[l - 1] == ' '; l--)
                        key[l - 1] = '\0';
                value = eq + 1;
                while (*value == ' ')
                        value++;
                r = config_profile_key_check(key, err, errlen);
                if (r < 0)
                        break;
                for (const char *p = value; *p; p++)
                        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                                set_error(err, errlen, "control character in the value of %s", key);
                                r = -EINVAL;
                        }
                if (r < 0)
                        break;
                /* The value alone, as paced.conf reads it: its range and format. */
                if (*value) {
                        if (asprintf(&line, "[Runner]\n%s = %s\n", key, value) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        r = config_load_string(line, strlen(line), &c, &e);
                        config_free(c);
                        if (r < 0) {
                                set_error(err, errlen, "%s", e.message);
                                break;
                        }
                }
                r = dropin_set(&d, "Runner", key, value);
                if (r == -E2BIG)
                        set_error(err, errlen, "too many keys in the profile drop-in");
        }
        if (r < 0) {
                dropin_done(&d);
                return r;
        }

        f = open_memstream(&out, &out_len);
        if (!f) {
                dropin_done(&d);
                return -ENOMEM;
        }
        fputs("# The runner profile set with `pacectl profile set KEY=VALUE` (paced writes\n"
              "# this file; `pacectl profile set KEY=` removes a key). It overrides\n"
              "# paced.conf: see paced.conf(5).\n",
              f);
        for (size_t i = 0; i < d.n; i++) {
                bool first = true;

                /* Group by section, in the order they first appear. */
                for (size_t j = 0; j < i; j++)
                        if (streq(d.e[j].section, d.e[i].section))
                                first = false;
                if (!first)
                        continue;
                fprintf(f, "[%s]\n", d.e[i].section);
                for (size_t j = i; j < d.n; j++)
                        if (streq(d.e[j].section, d.e[i].section))
                                fprintf(f, "%s = %s\n", d.e[j].key, d.e[j].value);
        }
        dropin_done(&d);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret_text = TAKE_PTR(out);
        return 0;
}
