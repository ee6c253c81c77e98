/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json-writer.h"
#include "profile-view.h"
#include "time-util.h"
#include "util.h"

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

void profile_view_print_text(FILE *f, const ProfileView *v)
{
        bool imperial = v->p.runner.units == PROFILE_UNITS_MI;
        char pace[32], why[160], src[64], speed[32];
        HrSource ls;
        double lthr = lthr_of(v, &ls);

        fprintf(f, "Runner profile %s %s%s%s%s\n\nReference paces:\n",
                v->origin ? "paced trains with, from" : "from", v->config_path,
                v->config_found ? "" : " (not found: defaults)",
                v->dropins && *v->dropins ? " + " : "", v->dropins ? v->dropins : "");
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
                fprintf(f, "  %-10s %9s  %9s  %s\n", pace_ref_to_string(r), pace,
                        format_speed(speed, sizeof(speed), kmh, imperial, TIME_FORMAT_UNIT), why);
        }
        fprintf(f, "\nHeart rate:\n");
        if (v->p.hr.max_bpm > 0)
                fprintf(f, "  max        %3.0f bpm  %s\n", v->p.hr.max_bpm,
                        hr_source_to_string(v->p.hr.max_source));
        else
                fprintf(f, "  max        unknown (set max_hr or age in [Runner])\n");
        /* "0 bpm unset" would read as a measured zero. */
        if (v->p.hr.rest_bpm > 0)
                fprintf(f, "  resting    %3.0f bpm  %s\n", v->p.hr.rest_bpm,
                        hr_source_to_string(v->p.hr.rest_source));
        else
                fprintf(f, "  resting    unknown (set resting_hr in [Runner])\n");
        if (isfinite(lthr))
                fprintf(f, "  LTHR       %3.0f bpm  %s\n", lthr,
                        source_text(v, ls, v->p.lthr_accepted, src, sizeof(src)));
        if (v->p.hr.hrvt1_bpm > 0) {
                fprintf(f, "  HRVT1      %3.0f bpm  aerobic threshold, %s\n", v->p.hr.hrvt1_bpm,
                        source_text(v, v->p.hr.hrvt1_source, v->p.vt_accepted, src, sizeof(src)));
                fprintf(f, "  HRVT2      %3.0f bpm  anaerobic threshold (the crossover), %s\n",
                        v->p.hr.hrvt2_bpm, src);
        } else
                fprintf(f, "  HRVT1/2    not set (pacectl profile --accept-thresholds ID)\n");
        if (v->have_accepted &&
            !(isfinite(v->accepted.hrvt1_bpm) && isfinite(v->accepted.hrvt2_bpm))) {
                /* Older paced versions accepted one-sided results. */
                fprintf(f,
                        "  (the thresholds accepted from session %" PRIi64 " are not used: they "
                        "hold one threshold only, and LTHR comes from HRVT2 while the zones "
                        "need both; accept a threshold test that reaches both)\n",
                        v->accepted.session_id);
        } else if (v->have_accepted) {
                if (!v->p.lthr_accepted && v->p.lthr_config)
                        fprintf(f,
                                "  (LTHR is the configuration's, not session %" PRIi64
                                "'s accepted HRVT2)\n",
                                v->accepted.session_id);
                if (!v->p.vt_accepted && v->p.vt_config)
                        fprintf(f,
                                "  (HRVT1/HRVT2 are the configuration's, not session %" PRIi64
                                "'s accepted ones)\n",
                                v->accepted.session_id);
        }

        if (!v->have_zones) {
                fprintf(f, "\nZones: off (%s model needs values the profile lacks)\n",
                        zone_model_to_string(v->p.zone_model));
                return;
        }
        fprintf(f, "\nZones (%s%s):\n", zone_model_to_string(v->p.zone_model),
                v->zones.estimated ? ", estimated" : "");
        for (size_t i = 0; i < v->zones.n_zones; i++) {
                const Zone *z = &v->zones.zones[i];

                if (i == 0)
                        fprintf(f, "  %-4s      < %3.0f bpm\n", z->name, z->hi_bpm);
                else if (i + 1 == v->zones.n_zones)
                        fprintf(f, "  %-4s     >= %3.0f bpm\n", z->name, z->lo_bpm);
                else
                        fprintf(f, "  %-4s %3.0f-%3.0f bpm\n", z->name, z->lo_bpm, z->hi_bpm);
        }
}

void profile_view_print_json(FILE *f, const ProfileView *v)
{
        JsonWriter w;
        char why[160];
        HrSource ls;
        double lthr = lthr_of(v, &ls);

        json_writer_init(&w, f);
        json_writer_begin_object(&w);
        json_writer_key_string(&w, "config", v->config_path);
        json_writer_key_bool(&w, "config_found", v->config_found);
        json_writer_key(&w, "dropins");
        json_writer_begin_array(&w);
        for (const char *p = v->dropins; p && *p;) {
                size_t n = strcspn(p, ",");
                char name[256];

                snprintf(name, sizeof(name), "%.*s", (int)MIN(n, sizeof(name) - 1), p);
                json_writer_string(&w, name);
                p += n;
                p += strspn(p, ", ");
        }
        json_writer_end_array(&w);
        json_writer_key_string(&w, "from", v->origin ? v->origin : "file");
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
        fputc('\n', f);
}
