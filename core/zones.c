/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Zone models. The percentages are docs/physiology.md's, "Zones"; the
 * tables read the integer-percent bands "85-89 %" as [85, 90) so that bands
 * meet without gaps, hence Friel 5b "103-106 %" = [103, 107) and 5c "> 106 %"
 * = [107, inf).
 */
#include <math.h>
#include <stdio.h>

#include "profile.h"
#include "string-table.h"
#include "util.h"
#include "zones.h"

static const char *const zone_model_table[_ZONE_MODEL_MAX] = {
        [ZONE_MODEL_HRMAX] = "hrmax",
        [ZONE_MODEL_HRR] = "hrr",
        [ZONE_MODEL_FRIEL] = "friel",
        [ZONE_MODEL_THREE] = "three",
};

DEFINE_STRING_TABLE_LOOKUP(zone_model, ZoneModel);

static const char *const hr_source_table[_HR_SOURCE_MAX] = {
        [HR_SOURCE_UNSET] = "unset",
        [HR_SOURCE_DEFAULT] = "default",
        [HR_SOURCE_AGE] = "estimated from age",
        [HR_SOURCE_MANUAL] = "manual",
        [HR_SOURCE_OBSERVED] = "observed",
        [HR_SOURCE_RAMP_TEST] = "ramp test (DFA alpha1)",
        [HR_SOURCE_TIME_TRIAL] = "time trial",
        [HR_SOURCE_FROM_MAX] = "estimated from max HR",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(hr_source, HrSource);

int hr_max_from_age(double age_years, double *ret_bpm)
{
        if (!ret_bpm || !isfinite(age_years) || age_years < 5 || age_years > 110)
                return -EDOM;
        *ret_bpm = 208.0 - 0.7 * age_years;
        return 0;
}

int hr_profile_fill_defaults(HrProfile *p, double age_years)
{
        int r;

        if (!p)
                return -EINVAL;
        if (!(p->max_bpm > 0)) {
                r = hr_max_from_age(age_years, &p->max_bpm);
                if (r < 0)
                        return r;
                p->max_source = HR_SOURCE_AGE;
        }
        if (!(p->rest_bpm > 0)) {
                p->rest_bpm = HR_REST_DEFAULT_BPM;
                p->rest_source = HR_SOURCE_DEFAULT;
        }
        if (!(p->lthr_bpm > 0) && p->hrvt2_bpm > 0) {
                p->lthr_bpm = p->hrvt2_bpm;
                p->lthr_source = p->hrvt2_source;
        }
        return 0;
}

void hr_profile_from_runner(HrProfile *ret, const RunnerProfile *rp)
{
        HrProfile p = {};

        if (rp->max_hr > 0) {
                p.max_bpm = rp->max_hr;
                p.max_source = rp->max_hr_derived ? HR_SOURCE_AGE : HR_SOURCE_MANUAL;
        }
        if (rp->resting_hr > 0) {
                p.rest_bpm = rp->resting_hr;
                p.rest_source = rp->resting_hr_derived ? HR_SOURCE_DEFAULT : HR_SOURCE_MANUAL;
        }
        if (rp->lthr > 0) {
                p.lthr_bpm = rp->lthr;
                p.lthr_source = !rp->lthr_derived    ? HR_SOURCE_MANUAL
                                : rp->max_hr_derived ? HR_SOURCE_AGE
                                                     : HR_SOURCE_FROM_MAX;
        }
        *ret = p;
}

bool hr_profile_is_estimated(const HrProfile *p)
{
        return p && p->max_source == HR_SOURCE_AGE;
}

void hr_profile_observe_hr(HrProfile *p, double hr_bpm)
{
        if (p && isfinite(hr_bpm) && hr_bpm > p->max_bpm) {
                p->max_bpm = hr_bpm;
                p->max_source = HR_SOURCE_OBSERVED;
        }
}

static void set_zone(ZoneTable *t, size_t i, const char *name, double lo, double hi)
{
        snprintf(t->zones[i].name, sizeof(t->zones[i].name), "%s", name);
        t->zones[i].lo_bpm = lo;
        t->zones[i].hi_bpm = hi;
}

int zone_table_build(ZoneModel model, const HrProfile *p, ZoneTable *ret)
{
        static const double five[] = {0.50, 0.60, 0.70, 0.80, 0.90, 1.00};
        static const char *const five_names[] = {"Z1", "Z2", "Z3", "Z4", "Z5"};
        /* Friel running zones, lower bounds in % LTHR */
        static const double friel[] = {0, 0.85, 0.90, 0.95, 1.00, 1.03, 1.07};
        static const char *const friel_names[] = {"Z1", "Z2", "Z3", "Z4", "Z5a", "Z5b", "Z5c"};
        ZoneTable t = {.model = model};

        if (!p || !ret)
                return -EINVAL;

        switch (model) {
        case ZONE_MODEL_HRMAX:
        case ZONE_MODEL_HRR: {
                double base = 0, range;

                if (!(p->max_bpm > 0))
                        return -ENODATA;
                range = p->max_bpm;
                if (model == ZONE_MODEL_HRR) {
                        if (!(p->rest_bpm > 0))
                                return -ENODATA;
                        if (p->rest_bpm >= p->max_bpm)
                                return -EINVAL;
                        base = p->rest_bpm;
                        range = p->max_bpm - p->rest_bpm;
                }
                t.n_zones = 5;
                for (size_t i = 0; i < 5; i++)
                        set_zone(&t, i, five_names[i], base + five[i] * range,
                                 base + five[i + 1] * range);
                t.zones[0].lo_bpm = 0;
                t.zones[4].hi_bpm = INFINITY;
                t.estimated = hr_profile_is_estimated(p);
                break;
        }
        case ZONE_MODEL_FRIEL:
                if (!(p->lthr_bpm > 0))
                        return -ENODATA;
                t.n_zones = 7;
                for (size_t i = 0; i < 7; i++)
                        set_zone(&t, i, friel_names[i], friel[i] * p->lthr_bpm,
                                 i + 1 < 7 ? friel[i + 1] * p->lthr_bpm : INFINITY);
                t.estimated =
                        p->lthr_source == HR_SOURCE_AGE || p->lthr_source == HR_SOURCE_FROM_MAX;
                break;
        case ZONE_MODEL_THREE:
                if (!(p->hrvt1_bpm > 0) || !(p->hrvt2_bpm > 0))
                        return -ENODATA;
                if (p->hrvt1_bpm >= p->hrvt2_bpm)
                        return -EINVAL;
                t.n_zones = 3;
                set_zone(&t, 0, "Z1", 0, p->hrvt1_bpm);
                set_zone(&t, 1, "Z2", p->hrvt1_bpm, p->hrvt2_bpm);
                set_zone(&t, 2, "Z3", p->hrvt2_bpm, INFINITY);
                t.estimated = p->hrvt1_source == HR_SOURCE_AGE || p->hrvt2_source == HR_SOURCE_AGE;
                break;
        case _ZONE_MODEL_MAX:
        case _ZONE_MODEL_INVALID:
        default:
                return -EINVAL;
        }

        *ret = t;
        return 0;
}

int zone_table_classify(const ZoneTable *t, double hr_bpm)
{
        if (!t || t->n_zones == 0 || !isfinite(hr_bpm) || hr_bpm <= 0)
                return -EINVAL;
        for (size_t i = t->n_zones; i-- > 1;)
                if (hr_bpm >= t->zones[i].lo_bpm)
                        return (int)i;
        return 0;
}

void zone_accumulator_init(ZoneAccumulator *a, const ZoneTable *t)
{
        *a = (ZoneAccumulator){.table = *t, .last_zone = -1, .last_t_s = NAN};
}

int zone_accumulator_sample(ZoneAccumulator *a, double t_s, double hr_bpm)
{
        int z;

        if (!a || !isfinite(t_s) || (!isnan(a->last_t_s) && t_s < a->last_t_s))
                return -EINVAL;
        z = zone_table_classify(&a->table, hr_bpm);
        if (z < 0)
                return z;
        if (a->last_zone >= 0) {
                double dt = t_s - a->last_t_s;

                if (dt <= ZONE_MAX_SAMPLE_GAP_S)
                        for (size_t s = 0; s < _ZONE_SCOPE_MAX; s++) {
                                a->times[s].s[a->last_zone] += dt;
                                a->times[s].total_s += dt;
                        }
        }
        a->last_zone = z;
        a->last_t_s = t_s;
        return z;
}

/* The held zone runs until the boundary, then the new scope starts clean. */
static void close_scope(ZoneAccumulator *a, ZoneScope scope, double t_s, ZoneTimes *ret_closed)
{
        if (a->last_zone >= 0 && isfinite(t_s) && t_s > a->last_t_s &&
            t_s - a->last_t_s <= ZONE_MAX_SAMPLE_GAP_S) {
                double dt = t_s - a->last_t_s;

                for (size_t s = 0; s < _ZONE_SCOPE_MAX; s++) {
                        a->times[s].s[a->last_zone] += dt;
                        a->times[s].total_s += dt;
                }
                a->last_t_s = t_s;
        }
        if (ret_closed)
                *ret_closed = a->times[scope];
        a->times[scope] = (ZoneTimes){};
}

void zone_accumulator_new_step(ZoneAccumulator *a, double t_s, ZoneTimes *ret_closed)
{
        close_scope(a, ZONE_SCOPE_STEP, t_s, ret_closed);
        a->step_index++;
}

void zone_accumulator_new_lap(ZoneAccumulator *a, double t_s, ZoneTimes *ret_closed)
{
        close_scope(a, ZONE_SCOPE_LAP, t_s, ret_closed);
        a->lap_index++;
}
