/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "profile-config.h"
#include "util.h"

static void runner_from_config(const Config *c, unsigned lthr, double goal_mile_s,
                               RunnerProfile *ret)
{
        static const struct {
                ConfigRace race;
                PaceRef ref;
        } races[] = {
                {CONFIG_RACE_MILE, PACE_REF_MILE},         {CONFIG_RACE_5K, PACE_REF_5K},
                {CONFIG_RACE_10K, PACE_REF_10K},           {CONFIG_RACE_HALF, PACE_REF_HALF},
                {CONFIG_RACE_MARATHON, PACE_REF_MARATHON},
        };

        runner_profile_init(ret);
        for (size_t i = 0; i < ELEMENTSOF(races); i++) {
                double t = c->race_time_s[races[i].race];

                if (t <= 0)
                        continue;
                ret->pace_s_per_km[races[i].ref] = t / race_distance_m(races[i].ref) * 1000.0;
                ret->source[races[i].ref] = REF_SOURCE_CONFIG;
        }
        if (c->threshold_pace_s_per_km > 0) {
                ret->pace_s_per_km[PACE_REF_THRESHOLD] = c->threshold_pace_s_per_km;
                ret->source[PACE_REF_THRESHOLD] = REF_SOURCE_CONFIG;
        }
        if (c->easy_pace_s_per_km > 0) {
                ret->pace_s_per_km[PACE_REF_EASY] = c->easy_pace_s_per_km;
                ret->source[PACE_REF_EASY] = REF_SOURCE_CONFIG;
        }
        ret->max_hr = c->max_hr;
        ret->resting_hr = c->resting_hr;
        ret->lthr = lthr;
        ret->age = c->age;
        ret->units = c->units == CONFIG_UNITS_IMPERIAL ? PROFILE_UNITS_MI : PROFILE_UNITS_KM;
        for (size_t i = 0; i < ELEMENTSOF(races); i++)
                if (races[i].race == c->zwift_pace)
                        ret->zwift_pace = races[i].ref;
        if (goal_mile_s > 0) {
                ret->pace_s_per_km[PACE_REF_GOAL] = goal_mile_s / RACE_DISTANCE_MILE * 1000.0;
                ret->source[PACE_REF_GOAL] = REF_SOURCE_CONFIG;
        }
        runner_profile_derive(ret);
}

static ZoneModel zone_model_of(ConfigZoneModel m)
{
        switch (m) {
        case CONFIG_ZONE_MODEL_HRR:
                return ZONE_MODEL_HRR;
        case CONFIG_ZONE_MODEL_LTHR:
                return ZONE_MODEL_FRIEL;
        case CONFIG_ZONE_MODEL_THRESHOLDS:
                return ZONE_MODEL_THREE;
        case CONFIG_ZONE_MODEL_AUTO:
        case CONFIG_ZONE_MODEL_MAX_HR:
        case _CONFIG_ZONE_MODEL_MAX:
        case _CONFIG_ZONE_MODEL_INVALID:
                break;
        }
        return ZONE_MODEL_HRMAX;
}

static unsigned bpm(double v)
{
        return isfinite(v) && v > 0 && v < 255 ? (unsigned)lround(v) : 0;
}

void profile_settings_from_config(const Config *c, const SessionAccepted *accepted,
                                  ProfileSettings *ret)
{
        profile_settings_from_config_with(c, accepted, NULL, ret);
}

void profile_settings_from_config_with(const Config *c, const SessionAccepted *accepted,
                                       const ProfileOverrides *o, ProfileSettings *ret)
{
        ProfileSettings p = {};
        Config eff = *c; /* shallow: only its numbers change, nothing is freed */
        HrProfile *hp = &p.hr;
        bool estimated = false;

        p.lthr_config = c->lthr > 0;
        p.vt_config = c->hrvt1_bpm && c->hrvt2_bpm;
        if (accepted) {
                unsigned vt1 = bpm(accepted->hrvt1_bpm), vt2 = bpm(accepted->hrvt2_bpm);

                if (!c->lthr && vt2) {
                        eff.lthr = vt2;
                        p.lthr_accepted = true;
                }
                if (!(c->hrvt1_bpm && c->hrvt2_bpm) && vt1 && vt2 && vt1 < vt2) {
                        eff.hrvt1_bpm = vt1;
                        eff.hrvt2_bpm = vt2;
                        p.vt_accepted = true;
                }
        }

        /* A time trial the runner accepted is their mile now. */
        if (o && o->accepted_mile_s > 0) {
                eff.race_time_s[CONFIG_RACE_MILE] = o->accepted_mile_s;
                p.mile_accepted = true;
        }
        runner_from_config(&eff, eff.lthr, o ? o->goal_mile_s : 0, &p.runner);

        hp->max_bpm = config_max_hr(&eff, &estimated);
        hp->max_source =
                hp->max_bpm > 0 ? (estimated ? HR_SOURCE_AGE : HR_SOURCE_MANUAL) : HR_SOURCE_UNSET;
        if (eff.resting_hr) {
                hp->rest_bpm = eff.resting_hr;
                hp->rest_source = HR_SOURCE_MANUAL;
        }
        if (eff.lthr) {
                hp->lthr_bpm = eff.lthr;
                hp->lthr_source = p.lthr_accepted ? HR_SOURCE_RAMP_TEST : HR_SOURCE_MANUAL;
        }
        if (eff.hrvt1_bpm && eff.hrvt2_bpm) {
                hp->hrvt1_bpm = eff.hrvt1_bpm;
                hp->hrvt2_bpm = eff.hrvt2_bpm;
                hp->hrvt1_source = hp->hrvt2_source =
                        p.vt_accepted ? HR_SOURCE_RAMP_TEST : HR_SOURCE_MANUAL;
        }
        (void)hr_profile_fill_defaults(hp, eff.age);
        /* "auto" resolves with the accepted values too: accepting a ramp
         * test's HRVT2 as LTHR gives LTHR (Friel) zones. */
        p.zone_model = zone_model_of(config_effective_zone_model(&eff));
        *ret = p;
}
