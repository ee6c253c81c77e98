/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "engine-config.h"

void engine_config_from_config(const Config *c, EngineConfig *ret)
{
        engine_config_init(ret);
        ret->safety.max_speed_kmh = c->max_speed_kmh;
        ret->safety.min_incline_pct = c->min_incline_pct;
        ret->safety.max_incline_pct = c->max_incline_pct;
        ret->safety.max_accel_kmhps = c->max_accel_kmh_s;
        ret->safety.max_incline_rate_pps = c->max_incline_rate_pct_s;
        ret->safety.hr_ceiling_bpm = c->hr_ceiling_bpm;
        ret->safety.hr_ceiling_hold_usec = (uint64_t)(c->hr_ceiling_duration_s * USEC_PER_SEC);
        ret->safety.hr_ceiling_hysteresis_bpm = c->hr_ceiling_hysteresis_bpm;
        ret->safety.recovery_speed_kmh = c->recovery_speed_kmh;
        switch (c->hr_loss) {
        case CONFIG_HR_LOSS_HOLD_THEN_PACE:
                ret->safety.hr_lost_hold_usec = (uint64_t)(c->hr_loss_hold_s * USEC_PER_SEC);
                ret->safety.hr_lost_fallback = true;
                break;
        case CONFIG_HR_LOSS_PACE:
                ret->safety.hr_lost_hold_usec = 0;
                ret->safety.hr_lost_fallback = true;
                break;
        case CONFIG_HR_LOSS_RECOVERY:
        case _CONFIG_HR_LOSS_MAX:
        case _CONFIG_HR_LOSS_INVALID:
                ret->safety.hr_lost_hold_usec = 0;
                ret->safety.hr_lost_fallback = false;
                break;
        }
        ret->control.monitor_only = c->monitor_only || (c->quirks & CONFIG_QUIRK_NO_CONTROL);
        ret->calibration.factor = c->speed_factor;
        ret->calibration.offset_kmh = c->speed_offset_kmh;
        ret->distance_from_footpod =
                c->footpod && c->footpod_distance == CONFIG_FOOTPOD_DISTANCE_FOOTPOD;
        ret->quirk_speed_mph = c->quirks & CONFIG_QUIRK_MPH_TARGET;
        ret->allow_remote_start = c->allow_remote_start;
        ret->cue_lead_usec = (uint64_t)(c->cue_lead_s * USEC_PER_SEC);
        ret->cues = c->cue_lead_s > 0;
        ret->per_mile = c->units == CONFIG_UNITS_IMPERIAL;
        ret->auto_lap_m = c->auto_lap_m;
        ret->auto_lap_all_steps = c->auto_lap_scope == CONFIG_AUTO_LAP_ALL;
        switch (c->stop_policy) {
        case CONFIG_STOP_POLICY_PAUSE:
                ret->shutdown_policy = ENGINE_SHUTDOWN_PAUSE;
                break;
        case CONFIG_STOP_POLICY_STOP:
                ret->shutdown_policy = ENGINE_SHUTDOWN_STOP;
                break;
        case CONFIG_STOP_POLICY_COOLDOWN:
        case _CONFIG_STOP_POLICY_MAX:
        case _CONFIG_STOP_POLICY_INVALID:
                ret->shutdown_policy = ENGINE_SHUTDOWN_COOLDOWN;
                break;
        }
        ret->cooldown_speed_kmh = c->cooldown_speed_kmh;
        /* Long enough for the slowest allowed ramp from max_speed (virtual time). */
        ret->shutdown_timeout_usec = engine_stop_budget_usec(ret, NAN);
        ret->recovery_policy = c->crash_recovery == CONFIG_CRASH_RECOVERY_COOLDOWN
                                       ? ENGINE_RECOVERY_COOLDOWN
                                       : ENGINE_RECOVERY_RESUME;
}

void resolve_limits_from_config(const Config *c, const TransportCapabilities *caps,
                                ResolveLimits *ret)
{
        resolve_limits_init(ret);
        if (caps && caps->has_speed_range) {
                ret->min_speed_kmh = caps->speed_range.min;
                ret->max_speed_kmh = caps->speed_range.max;
        }
        if (caps && caps->has_incline_range && !(c->quirks & CONFIG_QUIRK_NO_INCLINE)) {
                ret->min_incline_pct = caps->incline_range.min;
                ret->max_incline_pct = caps->incline_range.max;
        } else if (caps)
                ret->min_incline_pct = ret->max_incline_pct = 0;
        ret->speed_cap_kmh = c->max_speed_kmh;
        ret->incline_cap_pct = c->max_incline_pct;
}
