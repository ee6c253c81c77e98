/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl show ID [--json] */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json-writer.h"
#include "pacectl.h"
#include "session-cli.h"
#include "session-reps.h"
#include "session-summary.h"
#include "time-util.h"
#include "trial-result.h"
#include "units-cli.h"
#include "utf8.h"
#include "util.h"

static const char options_help[] =
        "      --steps       Every step's row too, for a session with reps\n"
        "      --json        Print JSON\n" SESSION_CLI_DB_OPTIONS_HELP
        "  -h, --help        Show this help\n";

static const char *end_text(const SessionData *d)
{
        return d->end_reason >= 0 ? session_end_reason_to_string(d->end_reason) : "running";
}

/* A step as the runner reads it: the author's cue, then the target. */
static const char *step_title(char *buf, size_t size, const SessionData *d, int step)
{
        if (step >= 0 && (size_t)step < d->n_steps)
                return session_step_title(&d->steps[step], buf, size);
        snprintf(buf, size, "-");
        return buf;
}

/* A label cut to the column says so ("0:20 at 4:23/km ..."), and is cut
 * between words, rather than ending in a number that reads as a pace
 * ("0:20 at 4:23/km -> 3"). */
static const char *fit_label(char *buf, size_t size, const char *label, size_t width)
{
        char *space;
        size_t n;

        if (size == 0)
                return buf;
        n = strnlen(label, size - 1);
        memcpy(buf, label, n);
        buf[n] = 0;
        utf8_truncate(buf, size - 1);
        if (strlen(buf) <= width || width < 5 || size < 6)
                return buf;
        utf8_truncate(buf, MIN(width, size - 1) - 4);
        n = strlen(buf);
        space = strrchr(buf, ' ');
        if (label[n] != ' ' && space && space > buf)
                n = space - buf;
        while (n > 0 && buf[n - 1] == ' ')
                n--;
        snprintf(buf + n, size - n, " ...");
        return buf;
}

/* The zones the runner was in (a zone never reached says nothing). */
static void print_zones(const double zone_s[SESSION_ZONES_MAX + 1], unsigned n_zones)
{
        bool any = false;
        char b[16];

        for (unsigned z = 1; z <= MAX(n_zones, 1u) && z <= SESSION_ZONES_MAX; z++) {
                if (zone_s[z] < 0.5)
                        continue;
                printf(" Z%u %s", z, format_duration(b, sizeof(b), zone_s[z], TIME_FORMAT_DASH));
                any = true;
        }
        if (!any)
                printf(" -");
}

/* A step's zone: the one it spent most time in, with its share ("Z4 55%"),
 * so that the table keeps one narrow column (each zone's time is in
 * --json). */
static const char *format_main_zone(char *buf, size_t size,
                                    const double zone_s[SESSION_ZONES_MAX + 1], unsigned n_zones)
{
        unsigned best = 0;
        double total = 0;

        for (unsigned z = 1; z <= MAX(n_zones, 1u) && z <= SESSION_ZONES_MAX; z++) {
                total += zone_s[z];
                if (zone_s[z] >= 0.5 && (best == 0 || zone_s[z] > zone_s[best]))
                        best = z;
        }
        if (best == 0 || total <= 0)
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "Z%u %.0f%%", best, 100.0 * zone_s[best] / total);
        return buf;
}

/* A lap's moving time: elapsed minus the pauses in it (FIT's timer time). */
static double lap_moving_s(const SessionData *d, const SessionLap *l)
{
        return fmax(l->end_s - l->start_s - session_summary_paused_s(d, l->start_s, l->end_s), 0);
}

/* A step's or split's distance: metres with km, the runner's miles with mi. */
static char *format_short_distance(char *buf, size_t size, double m, bool mi)
{
        if (mi)
                return format_distance(buf, size, m, true, TIME_FORMAT_UNIT);
        snprintf(buf, size, "%.0f m", m);
        return buf;
}

static void print_splits(const SessionData *d, const char *title, const char *from,
                         const SessionLap *l, size_t n, bool mi)
{
        char t[16], e[16], p[16], dist[32];
        bool paused = false;

        if (n == 0)
                return;
        /* ELAPSED, pauses included, only where it can differ from TIME. */
        for (size_t i = 0; i < n; i++)
                paused = paused || session_summary_paused_s(d, l[i].start_s, l[i].end_s) > 0;
        printf("\nSplits (%s, from %s)\n  %3s  %9s  %8s", title, from, "#", "DISTANCE", "TIME");
        if (paused)
                printf("  %8s", "ELAPSED");
        printf("  %8s  %6s\n", "PACE", "AVG HR");
        for (size_t i = 0; i < n; i++) {
                printf("  %3zu  %9s  %8s", i + 1,
                       format_short_distance(dist, sizeof(dist), l[i].distance_m, mi),
                       format_duration(t, sizeof(t), lap_moving_s(d, &l[i]), TIME_FORMAT_DASH));
                if (paused)
                        printf("  %8s", format_duration(e, sizeof(e), l[i].end_s - l[i].start_s,
                                                        TIME_FORMAT_DASH));
                printf("  %8s  %6.0f\n",
                       format_pace(p, sizeof(p), l[i].avg_speed_kmh, mi, TIME_FORMAT_UNIT),
                       l[i].avg_hr_bpm);
        }
}

/* A pace's difference from the target, per km or mile: "+1.2 s/km". */
static char *format_pace_diff(char *buf, size_t size, double kmh, double target_kmh, bool mi)
{
        double d;

        if (!(kmh > 0) || !(target_kmh > 0) || !isfinite(kmh) || !isfinite(target_kmh)) {
                snprintf(buf, size, "-");
                return buf;
        }
        d = (3600 / kmh - 3600 / target_kmh) * (mi ? KMH_PER_MPH : 1.0);
        /* No "-0.0": a rep on target is on target. */
        if (fabs(d) < 0.05)
                d = 0;
        snprintf(buf, size, "%+.1f s/%s", d, mi ? "mi" : "km");
        return buf;
}

/* A block's steps as a line: "6 x 400 m at 4:40/km, Jog 400 m at 8:01/km". */
static void print_block_title(const SessionData *d, const SessionRep *r)
{
        char line[512], t[RESOLVED_STEP_LABEL_MAX * 2];
        size_t n;

        n = (size_t)snprintf(line, sizeof(line), "%u x %s", r->n_reps,
                             step_title(t, sizeof(t), d, r->work_step));
        for (int i = r->first_step; i < r->first_step + r->n_steps && n < sizeof(line); i++)
                if (i != r->work_step)
                        n += (size_t)snprintf(line + n, sizeof(line) - n, ", %s",
                                              step_title(t, sizeof(t), d, i));
        /* "Intervals: " and the line within 100 columns. */
        printf("\nIntervals: %s\n", fit_label(t, sizeof(t), line, 88));
}

/* Each rep of each repeat block: what a runner checks after intervals. */
static void print_reps(const SessionData *d, const SessionRep *reps, size_t n, bool mi)
{
        for (size_t i = 0; i < n; i++) {
                const SessionRep *r = &reps[i];
                char a[16], b[16], c[16], e[16], f[16], dist[32];

                if (i == 0 || reps[i - 1].block != r->block) {
                        print_block_title(d, r);
                        printf("  %3s  %7s  %7s  %8s  %8s  %10s  %6s  %6s  %7s\n", "REP", "TIME",
                               "DIST", "PACE", "TARGET", "VS TARGET", "AVG HR", "MAX HR", "REST");
                }
                if (!r->ran) {
                        printf("  %3u  %7s  %7s  %8s  %8s  %10s  %6s  %6s  %7s\n", r->rep, "-", "-",
                               "-",
                               format_pace(b, sizeof(b), r->target_kmh, mi,
                                           TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                               "-", "-", "-", "-");
                        continue;
                }
                printf("  %3u  %7s  %7s  %8s  %8s  %10s", r->rep,
                       format_duration(a, sizeof(a), r->moving_s, TIME_FORMAT_DASH),
                       format_short_distance(dist, sizeof(dist), r->distance_m, mi),
                       format_pace(b, sizeof(b), r->speed_kmh, mi,
                                   TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                       format_pace(c, sizeof(c), r->target_kmh, mi,
                                   TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                       format_pace_diff(e, sizeof(e), r->speed_kmh, r->target_kmh, mi));
                if (isfinite(r->avg_hr_bpm))
                        printf("  %6.0f", r->avg_hr_bpm);
                else
                        printf("  %6s", "-");
                if (isfinite(r->max_hr_bpm) && r->max_hr_bpm > 0)
                        printf("  %6.0f", r->max_hr_bpm);
                else
                        printf("  %6s", "-");
                printf("  %7s\n", isfinite(r->rest_s) ? format_duration(f, sizeof(f), r->rest_s,
                                                                        TIME_FORMAT_DASH)
                                                      : "-");
        }
}

static void print_text(const SessionData *d, const SessionSummary *s, const SessionRep *reps,
                       size_t reps_n, bool all_steps)
{
        bool mi = pacectl_units_per_mile();
        char a[32], b[32], c[32], el[32], dist[32];

        printf("Session %" PRId64 ": %s\n", d->id, d->workout_name ? d->workout_name : "free run");
        printf("  Started:    %s, %s", session_cli_format_time(a, sizeof(a), d->start_wall_usec),
               end_text(d));
        if (d->end_wall_usec)
                printf(" at %s", session_cli_format_time(b, sizeof(b), d->end_wall_usec));
        printf("\n");
        if (d->workout_source)
                printf("  Workout:    %s\n", d->workout_source);
        if (d->treadmill_name || d->treadmill_address)
                printf("  Treadmill:  %s%s%s%s\n", d->treadmill_name ? d->treadmill_name : "",
                       d->treadmill_address ? " (" : "",
                       d->treadmill_address ? d->treadmill_address : "",
                       d->treadmill_address ? ")" : "");
        if (d->hrm_name || d->hrm_address)
                printf("  HR strap:   %s%s%s%s\n", d->hrm_name ? d->hrm_name : "",
                       d->hrm_address ? " (" : "", d->hrm_address ? d->hrm_address : "",
                       d->hrm_address ? ")" : "");
        printf("  Duration:   %s   Distance: %s   Avg pace: %s (%s)\n",
               format_duration(a, sizeof(a), s->duration_s, TIME_FORMAT_DASH),
               format_distance(c, sizeof(c), isfinite(s->distance_m) ? s->distance_m : 0, mi,
                               TIME_FORMAT_UNIT),
               format_pace(b, sizeof(b), s->avg_speed_kmh, mi, TIME_FORMAT_UNIT),
               format_speed(el, sizeof(el), s->avg_speed_kmh, mi, TIME_FORMAT_UNIT));
        if (s->n_gaps > 0)
                printf("  Not recorded: %s in %zu gap%s (paced was stopped); elapsed %s\n",
                       format_duration(a, sizeof(a), s->gap_s, TIME_FORMAT_DASH), s->n_gaps,
                       s->n_gaps == 1 ? "" : "s",
                       format_duration(b, sizeof(b), s->elapsed_s, TIME_FORMAT_DASH));
        if (isfinite(s->avg_hr_bpm)) {
                printf("  Heart rate: %.0f avg, %.0f max\n  Zones:     ", s->avg_hr_bpm,
                       s->max_hr_bpm);
                print_zones(s->zone_s, d->n_zones);
                printf("\n");
        }
        if (s->n_rr > 0)
                printf("  RR:         %zu intervals, %.1f %% artifacts\n", s->n_rr,
                       s->artifact_pct);
        for (size_t i = 0; i < d->n_results; i++) {
                char r[256];

                printf("  Result:     %s\n", trial_result_format(&d->results[i], r, sizeof(r)));
        }
        /* Only a threshold test's result is stored as thresholds (session-store.h). */
        for (size_t i = 0; i < d->n_thresholds; i++) {
                const SessionThresholdRow *t = &d->thresholds[i];
                double lo, hi;
                char grade;

                session_threshold_interval(t, &lo, &hi, &grade);
                printf("  Threshold:  %s", streq(t->kind, "aet")   ? "aerobic (HRVT1)"
                                           : streq(t->kind, "ant") ? "anaerobic (HRVT2)"
                                                                   : t->kind);
                if (isfinite(t->hr_bpm))
                        printf(" %.0f bpm", t->hr_bpm);
                if (isfinite(lo))
                        printf(" (95 %% interval %.0f-%.0f)", lo, hi);
                if (grade != '-')
                        printf(", grade %c", grade);
                if (isfinite(t->speed_kmh))
                        printf(" at %s (%s)",
                               format_pace(a, sizeof(a), t->speed_kmh, mi, TIME_FORMAT_UNIT),
                               format_speed(c, sizeof(c), t->speed_kmh, mi, TIME_FORMAT_UNIT));
                if (isfinite(t->alpha1))
                        printf(", alpha1 %.2f", t->alpha1);
                if (isfinite(t->t_s))
                        printf(" after %s",
                               format_duration(b, sizeof(b), t->t_s, TIME_FORMAT_DASH));
                if (t->method)
                        printf(" [%s]", t->method);
                printf("\n");
        }

        if (reps_n > 0)
                print_reps(d, reps, reps_n, mi);
        if (s->n_steps > 0 && (all_steps || reps_n == 0)) {
                /* TIME is moving time; ELAPSED, which includes the pauses,
                 * only for a session that had some, else its 9 columns go
                 * to the label. 99 columns at most. */
                bool paused = false;
                int w;

                for (size_t i = 0; i < s->n_steps; i++)
                        paused =
                                paused ||
                                s->steps[i].end_s - s->steps[i].start_s - s->steps[i].moving_s >= 1;
                w = paused ? 20 : 29;
                printf("\nSteps\n  %3s  %-*s  %8s  %8s  %7s  %7s  %7s", "#", w, "STEP", "TARGET",
                       "ACTUAL", "REACHED", "DIST", "TIME");
                if (paused)
                        printf("  %7s", "ELAPSED");
                printf("  %6s  %s\n", "AVG HR", "ZONE");
                for (size_t i = 0; i < s->n_steps; i++) {
                        const StepSummary *st = &s->steps[i];
                        char tt[16] = "never", z[16], label[64], title[RESOLVED_STEP_LABEL_MAX * 2];

                        if (isfinite(st->time_to_target_s))
                                format_duration(tt, sizeof(tt), st->time_to_target_s,
                                                TIME_FORMAT_DASH);
                        printf("  %3d  %-*s  %8s  %8s  %7s  %7s  %7s", st->step_index + 1, w,
                               fit_label(label, sizeof(label),
                                         step_title(title, sizeof(title), d, st->step_index), w),
                               format_pace(a, sizeof(a), st->target_kmh, mi,
                                           TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                               format_pace(b, sizeof(b),
                                           st->moving_s > 0 ? st->distance_m / st->moving_s * 3.6
                                                            : NAN,
                                           mi, TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                               tt, format_short_distance(dist, sizeof(dist), st->distance_m, mi),
                               format_duration(c, sizeof(c), st->moving_s, TIME_FORMAT_DASH));
                        if (paused)
                                printf("  %7s",
                                       format_duration(el, sizeof(el), st->end_s - st->start_s,
                                                       TIME_FORMAT_DASH));
                        if (isfinite(st->avg_hr_bpm))
                                printf("  %6.0f", st->avg_hr_bpm);
                        else
                                printf("  %6s", "-");
                        printf("  %s\n", format_main_zone(z, sizeof(z), st->zone_s, d->n_zones));
                }
        }
        print_splits(d, "400 m", s->splits_from, s->splits_400m, s->n_splits_400m, mi);
        print_splits(d, "mile", s->splits_from, s->splits_mile, s->n_splits_mile, mi);

        if (d->n_events > 0) {
                printf("\nEvents\n");
                for (size_t i = 0; i < d->n_events; i++) {
                        const SessionEventRow *e = &d->events[i];
                        const char *text = e->text ? e->text : (e->json ? e->json : "");
                        char step[RESOLVED_STEP_LABEL_MAX * 2 + 16];
                        int k;

                        /* A step change names the step as the table does, in the
                         * words paced said it (its text has the units of the day). */
                        if (e->type == SESSION_EVENT_STEP_CHANGE && e->json &&
                            sscanf(e->json, "{\"step\":%d}", &k) == 1 && k >= 0 &&
                            (size_t)k < d->n_steps) {
                                char title[RESOLVED_STEP_LABEL_MAX * 2];

                                snprintf(step, sizeof(step), "step %d/%zu: %s", k + 1, d->n_steps,
                                         session_step_title(&d->steps[k], title, sizeof(title)));
                                text = step;
                        }
                        printf("  %8s  %-14s %s\n",
                               format_duration(a, sizeof(a), e->t_s, TIME_FORMAT_DASH),
                               e->type >= 0 ? session_event_type_to_string(e->type) : "?", text);
                }
        }
}

static void json_key_number(const char *key, double v, int decimals, bool comma)
{
        printf("%s\"%s\":", comma ? "," : "", key);
        json_write_number(stdout, v, decimals);
}

static void json_laps(const SessionData *d, const char *key, const SessionLap *l, size_t n)
{
        printf(",\"%s\":[", key);
        for (size_t i = 0; i < n; i++) {
                printf("%s{\"kind\":", i ? "," : "");
                json_write_string(stdout, lap_kind_to_string(l[i].kind));
                printf(",\"step\":%d", l[i].step_index);
                json_key_number("start_s", l[i].start_s, 1, true);
                json_key_number("end_s", l[i].end_s, 1, true);
                json_key_number("moving_s", lap_moving_s(d, &l[i]), 1, true);
                json_key_number("distance_m", l[i].distance_m, 1, true);
                json_key_number("avg_speed_kmh", l[i].avg_speed_kmh, 2, true);
                json_key_number("avg_hr_bpm", l[i].avg_hr_bpm, 1, true);
                json_key_number("max_hr_bpm", l[i].max_hr_bpm, 0, true);
                printf("}");
        }
        printf("]");
}

static void json_zones(const double zone_s[SESSION_ZONES_MAX + 1])
{
        printf(",\"zone_s\":[");
        for (unsigned z = 0; z <= SESSION_ZONES_MAX; z++)
                printf("%s%.0f", z ? "," : "", zone_s[z]);
        printf("]");
}

static void print_json(const SessionData *d, const SessionSummary *s, const SessionRep *reps,
                       size_t reps_n)
{
        printf("{\"id\":%" PRId64 ",\"start_usec\":%" PRIu64 ",\"end_usec\":", d->id,
               d->start_wall_usec);
        if (d->end_wall_usec)
                printf("%" PRIu64, d->end_wall_usec);
        else
                printf("null");
        printf(",\"end_reason\":");
        json_write_string(stdout, end_text(d));
        printf(",\"workout\":");
        json_write_string(stdout, d->workout_name);
        printf(",\"source\":");
        json_write_string(stdout, d->workout_source);
        printf(",\"treadmill\":{\"name\":");
        json_write_string(stdout, d->treadmill_name);
        printf(",\"address\":");
        json_write_string(stdout, d->treadmill_address);
        printf("},\"hrm\":{\"name\":");
        json_write_string(stdout, d->hrm_name);
        printf(",\"address\":");
        json_write_string(stdout, d->hrm_address);
        printf("},\"summary\":{");
        json_key_number("duration_s", s->duration_s, 0, false);
        json_key_number("elapsed_s", s->elapsed_s, 0, true);
        json_key_number("gap_s", s->gap_s, 0, true);
        json_key_number("distance_m", s->distance_m, 1, true);
        json_key_number("avg_speed_kmh", s->avg_speed_kmh, 2, true);
        json_key_number("max_speed_kmh", s->max_speed_kmh, 2, true);
        json_key_number("avg_hr_bpm", s->avg_hr_bpm, 1, true);
        json_key_number("max_hr_bpm", s->max_hr_bpm, 0, true);
        json_zones(s->zone_s);
        printf(",\"samples\":%zu,\"rr\":%zu,\"rr_artifacts\":%zu", d->n_samples, s->n_rr,
               s->n_artifacts);
        json_key_number("rr_artifact_pct", s->artifact_pct, 2, true);
        printf("},\"steps\":[");
        for (size_t i = 0; i < s->n_steps; i++) {
                const StepSummary *st = &s->steps[i];
                const SessionStep *ds = st->step_index >= 0 && (size_t)st->step_index < d->n_steps
                                                ? &d->steps[st->step_index]
                                                : NULL;

                printf("%s{\"step\":%d,\"label\":", i ? "," : "", st->step_index);
                json_write_string(stdout, ds && ds->label[0] ? ds->label : "-");
                /* The author's cue as written, null if none. */
                printf(",\"cue\":");
                json_write_string(stdout, ds && ds->cue[0] ? ds->cue : NULL);
                printf(",\"repeat\":%u,\"repeat_count\":%u", ds ? ds->repeat_index : 0,
                       ds ? ds->repeat_count : 0);
                json_key_number("start_s", st->start_s, 1, true);
                json_key_number("end_s", st->end_s, 1, true);
                json_key_number("moving_s", st->moving_s, 1, true);
                json_key_number("distance_m", st->distance_m, 1, true);
                json_key_number("target_kmh", st->target_kmh, 2, true);
                json_key_number("target_lo_kmh", st->target_lo_kmh, 2, true);
                json_key_number("target_hi_kmh", st->target_hi_kmh, 2, true);
                json_key_number("avg_commanded_kmh", st->avg_commanded_kmh, 2, true);
                json_key_number("avg_speed_kmh", st->avg_speed_kmh, 2, true);
                json_key_number("time_to_target_s", st->time_to_target_s, 0, true);
                json_key_number("avg_hr_bpm", st->avg_hr_bpm, 1, true);
                json_key_number("max_hr_bpm", st->max_hr_bpm, 0, true);
                json_zones(st->zone_s);
                printf("}");
        }
        printf("],\"reps\":[");
        for (size_t i = 0; i < reps_n; i++) {
                const SessionRep *r = &reps[i];

                printf("%s{\"block\":%u,\"rep\":%u,\"reps\":%u,\"step\":%d,\"ran\":%s",
                       i ? "," : "", r->block, r->rep, r->n_reps, r->work_step,
                       r->ran ? "true" : "false");
                json_key_number("moving_s", r->moving_s, 1, true);
                json_key_number("distance_m", r->distance_m, 1, true);
                json_key_number("avg_speed_kmh", r->speed_kmh, 2, true);
                json_key_number("target_kmh", r->target_kmh, 2, true);
                json_key_number("avg_hr_bpm", r->avg_hr_bpm, 1, true);
                json_key_number("max_hr_bpm", r->max_hr_bpm, 0, true);
                json_key_number("rest_s", r->rest_s, 1, true);
                printf("}");
        }
        printf("],\"results\":[");
        for (size_t i = 0; i < d->n_results; i++) {
                const TrialResult *t = &d->results[i];
                char text[256];

                printf("%s{", i ? "," : "");
                json_key_number("distance_m", t->distance_m, 3, false);
                json_key_number("time_s", t->time_s, 1, true);
                json_key_number("goal_s", t->goal_s, 1, true);
                printf(",\"complete\":%s,\"best\":%s,\"laps_s\":[", t->complete ? "true" : "false",
                       t->best ? "true" : "false");
                for (size_t k = 0; k < t->n_laps; k++) {
                        printf("%s", k ? "," : "");
                        json_write_number(stdout, t->lap_s[k], 1);
                }
                printf("],\"text\":");
                json_write_string(stdout, trial_result_format(t, text, sizeof(text)));
                printf("}");
        }
        printf("],\"splits_from\":");
        json_write_string(stdout, s->splits_from);
        json_laps(d, "splits_400m", s->splits_400m, s->n_splits_400m);
        json_laps(d, "splits_mile", s->splits_mile, s->n_splits_mile);
        json_laps(d, "laps", d->laps, d->n_laps);
        printf(",\"events\":[");
        for (size_t i = 0; i < d->n_events; i++) {
                const SessionEventRow *e = &d->events[i];
                printf("%s{", i ? "," : "");
                json_key_number("t_s", e->t_s, 1, false);
                printf(",\"type\":");
                json_write_string(stdout, session_event_type_to_string(e->type));
                printf(",\"text\":");
                json_write_string(stdout, e->text);
                /* Details are stored as JSON already: embed them as they are. */
                printf(",\"details\":%s}", e->json ? e->json : "null");
        }
        printf("],\"thresholds\":[");
        for (size_t i = 0; i < d->n_thresholds; i++) {
                const SessionThresholdRow *t = &d->thresholds[i];
                printf("%s{\"kind\":", i ? "," : "");
                json_write_string(stdout, t->kind);
                printf(",\"method\":");
                json_write_string(stdout, t->method);
                json_key_number("alpha1", t->alpha1, 2, true);
                json_key_number("hr_bpm", t->hr_bpm, 1, true);
                json_key_number("speed_kmh", t->speed_kmh, 2, true);
                json_key_number("t_s", t->t_s, 1, true);
                json_key_number("confidence", t->confidence, 2, true);
                {
                        double lo, hi;
                        char grade;

                        session_threshold_interval(t, &lo, &hi, &grade);
                        json_key_number("ci_lo_bpm", lo, 1, true);
                        json_key_number("ci_hi_bpm", hi, 1, true);
                        printf(",\"grade\":\"%c\"", grade);
                }
                printf("}");
        }
        printf("]}\n");
}

static int cmd_show(int argc, char *argv[])
{
        static const struct option options[] = {
                {"json", no_argument, NULL, 'j'},     {"steps", no_argument, NULL, 's'},
                {"db", required_argument, NULL, 'D'}, {"state-dir", required_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},     {},
        };
        const char *db = NULL, *state_dir = NULL;
        SessionSummary *s = NULL;
        SessionData *d = NULL;
        _cleanup_free_ SessionRep *reps = NULL;
        bool json = false, all_steps = false;
        size_t reps_n = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 's':
                        all_steps = true;
                        break;
                case 'D':
                        db = optarg;
                        break;
                case 'S':
                        state_dir = optarg;
                        break;
                case 'h':
                        pacectl_print_usage("show", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "pacectl show: expected one session ID (see --help)\n");
                return PACECTL_EXIT_USAGE;
        }
        r = session_cli_load(db, state_dir, argv[optind], &d);
        if (r != PACECTL_EXIT_OK)
                return r;
        /* Targets in the runner's units now, like every other number here. */
        for (size_t i = 0; !json && i < d->n_steps; i++)
                session_step_relabel(&d->steps[i], pacectl_units_per_mile());
        r = session_summary_compute(d, &s);
        if (r >= 0)
                r = session_reps_compute(d, s, &reps, &reps_n);
        if (r < 0) {
                fprintf(stderr, "pacectl show: %s\n", strerror(-r));
                session_data_free(d);
                return PACECTL_EXIT_FAILURE;
        }
        if (json)
                print_json(d, s, reps, reps_n);
        else
                print_text(d, s, reps, reps_n, all_steps);
        session_summary_free(s);
        session_data_free(d);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(show, .name = "show", .args = "ID [--steps] [--json]",
                .summary = "Show a stored session: summary, reps or steps, splits, events.",
                .run = cmd_show);
