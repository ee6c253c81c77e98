/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>

#include "json-writer.h"
#include "workout.h"

/* JSON has no NaN or infinity. */
static void num(FILE *f, double x)
{
        if (isfinite(x))
                fprintf(f, "%.3f", x);
        else
                fputs("null", f);
}

int resolved_workout_to_json(const ResolvedWorkout *w, FILE *f)
{
        if (!w || !f)
                return -EINVAL;
        fputs("{\"name\":", f);
        json_write_string(f, w->name);
        fputs(",\"source\":", f);
        json_write_string(f, w->source);
        fputs(",\"total_time_s\":", f);
        num(f, w->total_time_s);
        fputs(",\"total_distance_m\":", f);
        num(f, w->total_distance_m);
        fprintf(f, ",\"has_open_steps\":%s,\"any_clamped\":%s,\"steps\":[",
                w->has_open_steps ? "true" : "false", w->any_clamped ? "true" : "false");
        for (size_t i = 0; i < w->n_steps; i++) {
                const ResolvedStep *s = &w->steps[i];

                fprintf(f, "%s{\"index\":%zu,\"kind\":\"%s\",\"end\":\"%s\",\"end_value\":",
                        i ? "," : "", i + 1, step_kind_to_string(s->kind),
                        step_end_to_string(s->end));
                num(f, s->end_value);
                fprintf(f, ",\"control\":\"%s\",\"speed_start_kmh\":",
                        step_control_to_string(s->control));
                num(f, s->speed_start_kmh);
                fputs(",\"speed_end_kmh\":", f);
                num(f, s->speed_end_kmh);
                fputs(",\"speed_lo_kmh\":", f);
                num(f, s->speed_lo_kmh);
                fputs(",\"speed_hi_kmh\":", f);
                num(f, s->speed_hi_kmh);
                if (s->control == STEP_CONTROL_HR) {
                        fputs(",\"hr_lo_bpm\":", f);
                        num(f, s->hr_lo_bpm);
                        fputs(",\"hr_hi_bpm\":", f);
                        num(f, s->hr_hi_bpm);
                        fputs(",\"hr_fallback_kmh\":", f);
                        num(f, s->hr_fallback_kmh);
                }
                if (s->has_incline) {
                        fputs(",\"incline_start_pct\":", f);
                        num(f, s->incline_start_pct);
                        fputs(",\"incline_end_pct\":", f);
                        num(f, s->incline_end_pct);
                }
                fprintf(f, ",\"speed_clamped\":%s,\"incline_clamped\":%s,\"requested_speed_kmh\":",
                        s->speed_clamped ? "true" : "false", s->incline_clamped ? "true" : "false");
                num(f, s->requested_speed_kmh);
                fputs(",\"requested_incline_pct\":", f);
                num(f, s->requested_incline_pct);
                fprintf(f, ",\"repeat_index\":%u,\"repeat_count\":%u,\"label\":", s->repeat_index,
                        s->repeat_count);
                json_write_string(f, s->label);
                fputs(",\"cue\":", f);
                json_write_string(f, s->cue);
                fputs(",\"cues\":[", f);
                for (size_t j = 0; j < s->n_cues; j++) {
                        fprintf(f, "%s{\"%s\":", j ? "," : "",
                                s->cues[j].at_distance ? "at_m" : "at_s");
                        num(f, s->cues[j].at);
                        fputs(",\"text\":", f);
                        json_write_string(f, s->cues[j].text);
                        fputc('}', f);
                }
                fputs("]}", f);
        }
        fputs("],\"notes\":[", f);
        for (size_t i = 0; w->notes && w->notes[i]; i++) {
                if (i)
                        fputc(',', f);
                json_write_string(f, w->notes[i]);
        }
        fputs("]}", f);
        return 0;
}
