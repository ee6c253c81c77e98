/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * paced.conf: the daemon's configuration, parsed with inih. Every key is
 * documented in conf/paced.conf and paced.conf(5). Loading is all or
 * nothing: the first unknown section or key, malformed value or
 * out-of-range number fails the whole file with its line number, so that
 * a typo never silently runs a treadmill with a default the runner did not
 * choose. Pure code (no logging): the caller prints ConfigError.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH PACED_SYSCONFDIR "/paced.conf"

typedef enum ConfigUnits {
        CONFIG_UNITS_METRIC,   /* km, min/km */
        CONFIG_UNITS_IMPERIAL, /* mi, min/mi */
        _CONFIG_UNITS_MAX,
        _CONFIG_UNITS_INVALID = -EINVAL,
} ConfigUnits;

typedef enum ConfigZoneModel {
        CONFIG_ZONE_MODEL_AUTO,       /* lthr if LTHR is set, hrr with resting HR, else max-hr */
        CONFIG_ZONE_MODEL_MAX_HR,     /* 5 zones, percent of max HR */
        CONFIG_ZONE_MODEL_HRR,        /* 5 zones, heart-rate reserve (Karvonen) */
        CONFIG_ZONE_MODEL_LTHR,       /* Friel running zones from LTHR */
        CONFIG_ZONE_MODEL_THRESHOLDS, /* 3 zones from HRVT1/HRVT2 */
        _CONFIG_ZONE_MODEL_MAX,
        _CONFIG_ZONE_MODEL_INVALID = -EINVAL,
} ConfigZoneModel;

/* What SIGTERM (daemon stop) does to a running belt. */
typedef enum ConfigStopPolicy {
        CONFIG_STOP_POLICY_COOLDOWN, /* slow to cooldown_speed, leave the belt running */
        CONFIG_STOP_POLICY_PAUSE,    /* FTMS stop-or-pause with "pause" */
        CONFIG_STOP_POLICY_STOP,     /* FTMS stop-or-pause with "stop" */
        _CONFIG_STOP_POLICY_MAX,
        _CONFIG_STOP_POLICY_INVALID = -EINVAL,
} ConfigStopPolicy;

/* Heart-rate signal lost during a heart-rate target step. */
typedef enum ConfigHrLossPolicy {
        CONFIG_HR_LOSS_HOLD_THEN_PACE, /* hold the last speed for hr_loss_hold, then pace target */
        CONFIG_HR_LOSS_PACE,           /* the step's pace fallback at once */
        CONFIG_HR_LOSS_RECOVERY,       /* drop to recovery_speed */
        _CONFIG_HR_LOSS_MAX,
        _CONFIG_HR_LOSS_INVALID = -EINVAL,
} ConfigHrLossPolicy;

/* What a restart after a crash does when it finds the belt still running. */
typedef enum ConfigCrashRecovery {
        CONFIG_CRASH_RECOVERY_RESUME,   /* re-take control, resume at the right step */
        CONFIG_CRASH_RECOVERY_COOLDOWN, /* re-take control, slow to cooldown_speed */
        _CONFIG_CRASH_RECOVERY_MAX,
        _CONFIG_CRASH_RECOVERY_INVALID = -EINVAL,
} ConfigCrashRecovery;

typedef enum ConfigAutoLapScope {
        CONFIG_AUTO_LAP_TIME_TRIAL, /* automatic laps only in time-trial steps */
        CONFIG_AUTO_LAP_ALL,        /* in every workout */
        _CONFIG_AUTO_LAP_SCOPE_MAX,
        _CONFIG_AUTO_LAP_SCOPE_INVALID = -EINVAL,
} ConfigAutoLapScope;

/* Per-treadmill quirks (bit set). */
#define CONFIG_QUIRK_MPH_TARGET  (UINT32_C(1) << 0) /* reads Set Target Speed as mph */
#define CONFIG_QUIRK_NO_DISTANCE (UINT32_C(1) << 1) /* integrate speed, ignore its distance */
#define CONFIG_QUIRK_NO_CONTROL  (UINT32_C(1) << 2) /* ignores speed commands: monitor only */
#define CONFIG_QUIRK_NO_INCLINE  (UINT32_C(1) << 3) /* never send incline commands */

/* What measures the distance of distance steps ([Footpod] distance). */
typedef enum ConfigFootpodDistance {
        CONFIG_FOOTPOD_DISTANCE_TREADMILL, /* the treadmill's (calibrated) distance */
        CONFIG_FOOTPOD_DISTANCE_FOOTPOD,   /* the footpod's pace, while it reports */
        _CONFIG_FOOTPOD_DISTANCE_MAX,
        _CONFIG_FOOTPOD_DISTANCE_INVALID = -EINVAL,
} ConfigFootpodDistance;

typedef enum ConfigRace {
        CONFIG_RACE_MILE,
        CONFIG_RACE_5K,
        CONFIG_RACE_10K,
        CONFIG_RACE_HALF,
        CONFIG_RACE_MARATHON,
        _CONFIG_RACE_MAX,
        _CONFIG_RACE_INVALID = -EINVAL,
} ConfigRace;

typedef struct Config {
        /* [Devices] */
        char *adapter;   /* "hci0"; NULL: the first powered adapter */
        char *treadmill; /* address or name; NULL: auto */
        char *strap;     /* address or name; NULL: auto; "none": no strap */
        char *footpod;   /* address, name or "auto"; NULL: no footpod (opt-in) */
        double scan_timeout_s;
        /* Notifications through AcquireNotify's socket where bluetoothd offers it
         * (default yes; StartNotify is the fallback). */
        bool acquire_notify;

        /* [Footpod] */
        ConfigFootpodDistance footpod_distance;

        /* [Relay]: paced as a BLE sensor for a watch or an app (docs/relay.md) */
        bool relay;          /* off by default: nothing registered, nothing advertised */
        char *relay_adapter; /* NULL: the adapter paced uses for its devices */
        char *relay_name;    /* advertised name; NULL: "paced" */
        bool relay_rsc;      /* Running Speed and Cadence (default yes) */
        bool relay_ftms;     /* FTMS Treadmill Data, read-only (default no) */
        bool relay_hrs;      /* Heart Rate (default no) */

        /* [Runner]; 0 means "not set" everywhere */
        double race_time_s[_CONFIG_RACE_MAX]; /* reference race results */
        double threshold_pace_s_per_km;
        double easy_pace_s_per_km;
        unsigned max_hr, resting_hr, lthr, age;
        unsigned hrvt1_bpm, hrvt2_bpm; /* accepted thresholds */
        ConfigUnits units;
        ConfigRace zwift_pace; /* a .zwo step's reference when its `pace` names none */

        /* [Zones] */
        ConfigZoneModel zone_model;

        /* [Safety]; speeds in km/h, inclines in %, rates per second */
        double max_speed_kmh;
        double max_incline_pct;
        double min_incline_pct;
        double max_accel_kmh_s;
        double max_incline_rate_pct_s;
        unsigned hr_ceiling_bpm; /* 0: off */
        double hr_ceiling_duration_s;
        unsigned hr_ceiling_hysteresis_bpm;
        double recovery_speed_kmh;
        ConfigHrLossPolicy hr_loss;
        double hr_loss_hold_s;
        ConfigStopPolicy stop_policy;
        double cooldown_speed_kmh;
        ConfigCrashRecovery crash_recovery;
        bool allow_remote_start;
        bool monitor_only;
        double speed_factor; /* true speed = reported * factor + offset */
        double speed_offset_kmh;
        uint32_t quirks;

        /* [Session] */
        char *state_dir;   /* NULL: $STATE_DIRECTORY or /var/lib/paced */
        double auto_lap_m; /* 0: off */
        ConfigAutoLapScope auto_lap_scope;

        /* [Cues] */
        double cue_lead_s;
        bool cue_audio;
        char *cue_voice;
        bool cue_beep;
} Config;

#define CONFIG_ERROR_MAX 256

typedef struct ConfigError {
        unsigned line; /* 0: not tied to a line (e.g. the file could not be opened) */
        char message[CONFIG_ERROR_MAX];
} ConfigError;

/* A Config holding every default. */
int config_new(Config **ret);
Config *config_free(Config *c);

/*
 * Parses text[0..len) (need not be NUL-terminated) on top of the defaults.
 * On failure returns -EINVAL (bad content, *ret_error filled) or -ENOMEM and
 * leaves *ret untouched.
 */
int config_load_string(const char *text, size_t len, Config **ret, ConfigError *ret_error);
/*
 * Same for a file and its drop-ins: PATH.d/NAME.conf, read in name order after
 * PATH, each overriding the keys it sets (as systemd's *.conf.d). -errno from
 * open/read with ret_error naming the file; -ENOENT if neither PATH nor a
 * drop-in exists. An error in a drop-in has line 0 and names the drop-in and
 * its line in the message.
 */
int config_load_file(const char *path, Config **ret, ConfigError *ret_error);
/* The same with the drop-in dropin_name (a file name in PATH.d) read from
 * dropin_text instead (NULL: left out): a change is checked before it is written. */
int config_load_file_with(const char *path, const char *dropin_name, const char *dropin_text,
                          Config **ret, ConfigError *ret_error);

/* The drop-ins config_load_file() reads, "paced.conf.d/NAME.conf, ...": "" if none,
 * NULL on error. */
char *config_dropins_describe(const char *path);

/* The drop-in paced writes for `pacectl profile set` (PATH.d/CONFIG_PROFILE_DROPIN). */
#define CONFIG_PROFILE_DROPIN "90-profile.conf"
/* 0 if key is a [Runner] key; else -EINVAL with err saying why (another
 * section's key, "did you mean"). */
int config_profile_key_check(const char *key, char *err, size_t errlen);
/*
 * The profile drop-in's new text: old_text (NULL: none) with each "KEY=VALUE"
 * of assignments set ("KEY=": removed). Keys must be [Runner] keys and values
 * valid as paced.conf reads them; -EINVAL with err otherwise, -ENOMEM.
 */
int config_profile_dropin_set(const char *old_text, const char *const *assignments, size_t n,
                              char **ret_text, char *err, size_t errlen);

/* 0 if [section] key is paced.conf's; else -EINVAL with err saying why (unknown
 * section, another section's key, "did you mean"). */
int config_check_key(const char *section, const char *key, char *err, size_t errlen);
/* 0 if section is one of paced.conf's; else -EINVAL with err ("did you mean"). */
int config_check_section(const char *section, char *err, size_t errlen);
/* The known keys, for documentation checks: NULL past the end. */
const char *config_key_name(size_t i, const char **ret_section);
/* A plain decimal (no hex, exponent, inf or nan) from min to max, as config
 * values are read; also for command-line options. -EINVAL, or -ERANGE. */
int config_parse_number_range(const char *s, double min, double max, double *ret);

/* The zone model after resolving "auto" against the profile. */
ConfigZoneModel config_effective_zone_model(const Config *c);
/* Max HR from the config, or 208 - 0.7 * age (*ret_estimated set), or 0 if unknown. */
unsigned config_max_hr(const Config *c, bool *ret_estimated);

const char *config_units_to_string(ConfigUnits u);
const char *config_zone_model_to_string(ConfigZoneModel m);
const char *config_stop_policy_to_string(ConfigStopPolicy p);
const char *config_hr_loss_policy_to_string(ConfigHrLossPolicy p);
const char *config_crash_recovery_to_string(ConfigCrashRecovery r);
const char *config_auto_lap_scope_to_string(ConfigAutoLapScope s);
const char *config_race_to_string(ConfigRace r);
const char *config_footpod_distance_to_string(ConfigFootpodDistance d);
