/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "time-util.h"
#include "trial-result.h"
#include "util.h"

int trial_block(const ResolvedWorkout *w, size_t i, size_t *ret_first, size_t *ret_end,
                double *ret_distance_m, double *ret_goal_s)
{
        size_t first = i, end = i;
        double dist = 0, goal = 0;

        if (!w || i >= w->n_steps || w->steps[i].kind != STEP_KIND_TIME_TRIAL)
                return -ENOENT;
        while (first > 0 && w->steps[first - 1].kind == STEP_KIND_TIME_TRIAL)
                first--;
        while (end < w->n_steps && w->steps[end].kind == STEP_KIND_TIME_TRIAL)
                end++;
        for (size_t k = first; k < end; k++) {
                const ResolvedStep *s = &w->steps[k];
                double v = (s->speed_start_kmh + s->speed_end_kmh) / 2;

                if (s->end != STEP_END_DISTANCE)
                        dist = NAN;
                else
                        dist += s->end_value;
                if (s->end == STEP_END_DISTANCE && s->control == STEP_CONTROL_SPEED && v > 0)
                        goal += s->end_value / (v / 3.6);
                else if (s->end == STEP_END_TIME)
                        goal += s->end_value;
                else
                        goal = NAN;
        }
        *ret_first = first;
        *ret_end = end;
        if (ret_distance_m)
                *ret_distance_m = dist;
        if (ret_goal_s)
                *ret_goal_s = goal;
        return 0;
}

double trial_lap_length(double distance_m, double auto_lap_m)
{
        double n;

        if (!(auto_lap_m > 0))
                return distance_m;
        if (!isfinite(distance_m) || distance_m <= 0)
                return auto_lap_m;
        n = round(distance_m / auto_lap_m);
        if (n >= 1 && fabs(distance_m / n - auto_lap_m) <= 0.02 * auto_lap_m)
                return distance_m / n;
        return auto_lap_m;
}

const char *trial_distance_name(double m, char *buf, size_t n)
{
        if (fabs(m - METERS_PER_MILE) < 1)
                snprintf(buf, n, "Mile");
        else if (fabs(m - 2 * METERS_PER_MILE) < 1)
                snprintf(buf, n, "2 miles");
        else if (m >= 5000 && fabs(m / 1000 - round(m / 1000)) < 0.001)
                snprintf(buf, n, "%.0f km", m / 1000);
        else
                snprintf(buf, n, "%.0f m", m);
        return buf;
}

const char *trial_result_format(const TrialResult *r, char *buf, size_t n)
{
        char name[32], t[24], g[24];
        size_t len;

        trial_distance_name(r->distance_m, name, sizeof(name));
        format_duration(t, sizeof(t), r->time_s, TIME_FORMAT_TENTHS);
        if (!r->complete)
                snprintf(buf, n, "%s not completed: %s for %.0f m", name, t, r->distance_m);
        else if (isfinite(r->goal_s)) {
                double diff = round(r->time_s) - round(r->goal_s);

                format_duration(g, sizeof(g), r->goal_s, 0);
                if (fabs(diff) < 0.5)
                        snprintf(buf, n, "%s %s (goal %s, on goal)%s", name, t, g,
                                 r->best ? ", a new best" : "");
                else
                        snprintf(buf, n, "%s %s (goal %s, %+.0f s)%s", name, t, g, diff,
                                 r->best ? ", a new best" : "");
        } else
                snprintf(buf, n, "%s %s%s", name, t, r->best ? ", a new best" : "");
        for (size_t i = 0; i < r->n_laps && i < TRIAL_LAPS_MAX; i++) {
                len = strlen(buf);
                if (len + 1 >= n)
                        break;
                format_duration(t, sizeof(t), r->lap_s[i], TIME_FORMAT_TENTHS);
                snprintf(buf + len, n - len, "%s%s", i == 0 ? "; laps " : " / ", t);
        }
        return buf;
}

const char *trial_laps_to_json(const TrialResult *r, char *buf, size_t n)
{
        size_t len;

        snprintf(buf, n, "[");
        for (size_t i = 0; i < r->n_laps && i < TRIAL_LAPS_MAX; i++) {
                len = strlen(buf);
                snprintf(buf + len, n - len, "%s%.1f", i ? "," : "", r->lap_s[i]);
        }
        len = strlen(buf);
        snprintf(buf + len, n - len, "]");
        return buf;
}

int trial_laps_from_json(const char *json, TrialResult *r)
{
        const char *p = json;
        char *end;

        r->n_laps = 0;
        if (!p || *p++ != '[')
                return -EINVAL;
        while (*p == ' ')
                p++;
        if (*p == ']')
                return 0;
        for (;;) {
                double v = strtod(p, &end);

                if (end == p || !isfinite(v) || v < 0 || r->n_laps >= TRIAL_LAPS_MAX)
                        return -EINVAL;
                r->lap_s[r->n_laps++] = v;
                p = end;
                while (*p == ' ')
                        p++;
                if (*p == ']')
                        return 0;
                if (*p++ != ',')
                        return -EINVAL;
        }
}
