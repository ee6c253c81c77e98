/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "safety.h"
#include "string-table.h"
#include "util.h"

void safety_config_init(SafetyConfig *c)
{
        *c = (SafetyConfig){
                .max_speed_kmh = 20.0,
                .min_incline_pct = -3.0,
                .max_incline_pct = 15.0,
                .max_accel_kmhps = 2.0,
                .max_incline_rate_pps = 0.5,
                .hr_ceiling_bpm = 0,
                .hr_ceiling_hold_usec = 10 * USEC_PER_SEC,
                .hr_ceiling_hysteresis_bpm = 8,
                .recovery_speed_kmh = 5.0,
                .hr_lost_timeout_usec = 5 * USEC_PER_SEC,
                .hr_lost_hold_usec = 30 * USEC_PER_SEC,
                .hr_lost_fallback = true,
        };
}

double speed_calibration_to_true(const SpeedCalibration *c, double belt_kmh)
{
        if (!c || c->factor <= 0)
                return belt_kmh;
        return belt_kmh * c->factor + c->offset_kmh;
}

double speed_calibration_to_belt(const SpeedCalibration *c, double true_kmh)
{
        if (!c || c->factor <= 0)
                return true_kmh;
        return (true_kmh - c->offset_kmh) / c->factor;
}

/* Without a Supported Speed Range the machine's limits are unknown: stay conservative. */
#define DEFAULT_SPEED_MIN       1.0
#define DEFAULT_SPEED_INCREMENT 0.1
#define DEFAULT_INCLINE_INC     0.5

int safety_limits_compute(SafetyLimits *ret, const SafetyConfig *c,
                          const TransportCapabilities *caps, const SpeedCalibration *cal)
{
        SafetyLimits l = {
                .speed_min = DEFAULT_SPEED_MIN,
                .speed_max = c->max_speed_kmh,
                .speed_increment = DEFAULT_SPEED_INCREMENT,
                .has_incline = false,
                .incline_min = c->min_incline_pct,
                .incline_max = c->max_incline_pct,
                .incline_increment = DEFAULT_INCLINE_INC,
        };

        if (!isfinite(c->max_speed_kmh) || c->max_speed_kmh <= 0)
                return -EINVAL;

        if (caps && caps->has_speed_range && caps->speed_range.max > 0) {
                double lo = speed_calibration_to_true(cal, caps->speed_range.min);
                double hi = speed_calibration_to_true(cal, caps->speed_range.max);

                l.speed_min = MAX(lo, 0.0);
                l.speed_max = MIN(hi, c->max_speed_kmh);
                if (caps->speed_range.increment > 0)
                        l.speed_increment = caps->speed_range.increment *
                                            (cal && cal->factor > 0 ? cal->factor : 1.0);
        }
        if (caps && caps->has_incline_range) {
                l.has_incline = true;
                l.incline_min = MAX(caps->incline_range.min, c->min_incline_pct);
                l.incline_max = MIN(caps->incline_range.max, c->max_incline_pct);
                if (caps->incline_range.increment > 0)
                        l.incline_increment = caps->incline_range.increment;
                if (l.incline_min > l.incline_max)
                        return -ERANGE;
        }
        if (l.speed_min > l.speed_max)
                return -ERANGE;

        *ret = l;
        return 0;
}

static const char *const safety_clamp_table[_SAFETY_CLAMP_MAX] = {
        [SAFETY_CLAMP_NONE] = "none",
        [SAFETY_CLAMP_LOW] = "low",
        [SAFETY_CLAMP_HIGH] = "high",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(safety_clamp, SafetyClamp);

static double clamp_round(double v, double lo, double hi, double inc, SafetyClamp *ret_clamp)
{
        SafetyClamp clamp = SAFETY_CLAMP_NONE;

        /* A value within a rounding error of a limit is not a clamp. */
        if (v > hi + 1e-9) {
                v = hi;
                clamp = SAFETY_CLAMP_HIGH;
        } else if (v < lo - 1e-9) {
                v = lo;
                clamp = SAFETY_CLAMP_LOW;
        } else if (inc > 0) {
                v = round(v / inc) * inc;
                /* Rounding must never leave the envelope. */
                v = fmin(fmax(v, lo), hi);
        }
        if (ret_clamp)
                *ret_clamp = clamp;
        /* Kill the binary noise of round(): 12.000000000001 -> 12.00 */
        return round(v * 1000.0) / 1000.0;
}

int safety_validate_speed(double kmh)
{
        if (!isfinite(kmh) || kmh < 0)
                return -EINVAL;
        return 0;
}

int safety_validate_incline(double pct)
{
        if (!isfinite(pct))
                return -EINVAL;
        return 0;
}

int safety_clamp_speed(const SafetyLimits *l, double kmh, double *ret, SafetyClamp *ret_clamp)
{
        int r = safety_validate_speed(kmh);
        if (r < 0)
                return r;
        *ret = clamp_round(kmh, l->speed_min, l->speed_max, l->speed_increment, ret_clamp);
        return 0;
}

int safety_clamp_incline(const SafetyLimits *l, double pct, double *ret, SafetyClamp *ret_clamp)
{
        int r = safety_validate_incline(pct);
        if (r < 0)
                return r;
        *ret = clamp_round(pct, l->incline_min, l->incline_max, l->incline_increment, ret_clamp);
        return 0;
}

double safety_rate_limit(double from, double to, double rate_per_s, double dt_s)
{
        double max_step;

        if (!isfinite(from) || rate_per_s <= 0)
                return to;
        max_step = rate_per_s * MAX(dt_s, 0.0);
        if (to > from + max_step)
                return from + max_step;
        if (to < from - max_step)
                return from - max_step;
        return to;
}

int safety_hr_ceiling_update(SafetyHrCeiling *s, const SafetyConfig *c, uint64_t now, double hr_bpm)
{
        if (c->hr_ceiling_bpm <= 0 || !isfinite(hr_bpm)) {
                /* The rule is off (or no reading): nothing may stay engaged. */
                bool was = s->active;
                *s = (SafetyHrCeiling){};
                return was && c->hr_ceiling_bpm <= 0 ? -1 : 0;
        }

        if (s->active) {
                if (hr_bpm < c->hr_ceiling_bpm - c->hr_ceiling_hysteresis_bpm) {
                        *s = (SafetyHrCeiling){};
                        return -1;
                }
                return 0;
        }

        if (hr_bpm <= c->hr_ceiling_bpm) {
                s->above = false;
                return 0;
        }
        if (!s->above) {
                s->above = true;
                s->above_since_usec = now;
        }
        if (now - s->above_since_usec >= c->hr_ceiling_hold_usec) {
                s->active = true;
                return 1;
        }
        return 0;
}
