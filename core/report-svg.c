/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report-svg.h"
#include "session-summary.h"
#include "time-util.h"
#include "trial-result.h"
#include "util.h"
#include "xml-escape.h"

#define PLOT_X0 84.0
#define PLOT_X1 1104.0

typedef struct Panel {
        double top, bottom; /* pixels */
        double lo, hi;      /* data range */
} Panel;

static const Panel speed_frame = {116, 396, 0, 0};
static const Panel hr_frame = {430, 650, 0, 0};
static const Panel alpha_frame = {684, 830, 0.2, 1.6};

static const char *const zone_fill[SESSION_ZONES_MAX] = {
        "#e3f2fd", "#e8f5e9", "#fff9c4", "#ffe0b2", "#ffcdd2",
};

typedef struct Ctx {
        FILE *f;
        const SessionData *d;
        double t0, t1; /* time range */
        bool per_mile; /* the runner's units: mph and min/mi */
} Ctx;

static double px_x(const Ctx *c, double t)
{
        return PLOT_X0 + (t - c->t0) / (c->t1 - c->t0) * (PLOT_X1 - PLOT_X0);
}

static double px_y(const Panel *p, double v)
{
        double y = p->bottom - (v - p->lo) / (p->hi - p->lo) * (p->bottom - p->top);
        return fmin(fmax(y, p->top), p->bottom);
}

static void put_text(FILE *f, const char *s)
{
        xml_put_escaped(f, s, 0);
}

/* A polyline through (t, value(sample)) that breaks where the value is unknown. */
static void put_series(const Ctx *c, const Panel *p, const char *id, const char *color,
                       double width, const char *dash, double (*value)(const SessionSample *))
{
        const SessionData *d = c->d;
        size_t step = MAX(d->n_samples / 4000, (size_t)1);
        bool pen_down = false;

        fprintf(c->f,
                "<path id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s"
                " stroke-linejoin=\"round\" d=\"",
                id, color, width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
                dash ? "\"" : "");
        for (size_t i = 0, prev = 0; i < d->n_samples; prev = i, i += step) {
                double v = value(&d->samples[i]);
                if (!isfinite(v)) {
                        pen_down = false;
                        continue;
                }
                /* No line across a gap: paced was stopped, nothing was measured. */
                for (size_t j = prev + 1; j <= i && pen_down; j++)
                        if (session_sample_gap(d->samples, d->n_samples, j))
                                pen_down = false;
                fprintf(c->f, "%c%.1f %.1f", pen_down ? 'L' : 'M', px_x(c, d->samples[i].t_s),
                        px_y(p, v));
                pen_down = true;
        }
        fputs("\"/>\n", c->f);
}

static double v_speed(const SessionSample *x)
{
        return x->speed_kmh;
}

static double v_commanded(const SessionSample *x)
{
        return x->commanded_kmh;
}

static double v_hr(const SessionSample *x)
{
        return x->hr_bpm > 0 ? x->hr_bpm : NAN;
}

static double v_alpha1(const SessionSample *x)
{
        return x->alpha1;
}

static double nice_step(double range, int want)
{
        double raw = range / want, mag = pow(10, floor(log10(raw))), n = raw / mag;

        if (n <= 1)
                return mag;
        if (n <= 2)
                return 2 * mag;
        if (n <= 5)
                return 5 * mag;
        return 10 * mag;
}

static void put_frame(const Ctx *c, const Panel *p, const char *id, const char *label)
{
        fprintf(c->f,
                "<rect id=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                " fill=\"none\" stroke=\"#9e9e9e\" stroke-width=\"1\"/>\n",
                id, PLOT_X0, p->top, PLOT_X1 - PLOT_X0, p->bottom - p->top);
        fprintf(c->f,
                "<text class=\"axis-label\" transform=\"translate(22 %.1f) rotate(-90)\""
                " text-anchor=\"middle\">",
                (p->top + p->bottom) / 2);
        put_text(c->f, label);
        fputs("</text>\n", c->f);
}

/* Horizontal grid lines and left-axis labels every step. */
/*
 * Horizontal grid lines and left-axis labels every step, in the panel's
 * values divided by unit (the speed panel plots km/h and labels mph for a
 * runner in miles); with pace_right the pace of each line on the right.
 */
static void put_y_ticks(const Ctx *c, const Panel *p, double unit, int want, int decimals,
                        bool pace_right)
{
        double step = want > 0 ? nice_step((p->hi - p->lo) / unit, want) : 0.25;

        for (double v = ceil(p->lo / unit / step) * step; v * unit <= p->hi + 1e-9; v += step) {
                double y = px_y(p, v * unit);
                fprintf(c->f,
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\""
                        " stroke-width=\"1\"/>\n<text class=\"tick\" x=\"%.1f\" y=\"%.1f\""
                        " text-anchor=\"end\">%.*f</text>\n",
                        PLOT_X0, PLOT_X1, y, y, PLOT_X0 - 6, y + 4, decimals, v);
                if (pace_right && v * unit > 0.5) {
                        char pace[16];
                        format_pace(pace, sizeof(pace), v * unit, c->per_mile, 0);
                        fprintf(c->f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                                PLOT_X1 + 6, y + 4, pace);
                }
        }
}

static void put_x_axis(const Ctx *c)
{
        double minutes = (c->t1 - c->t0) / 60, step = nice_step(minutes, 12);

        for (double m = 0; m <= minutes + 1e-9; m += step) {
                double x = px_x(c, c->t0 + m * 60);
                fprintf(c->f,
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#9e9e9e\"/>"
                        "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g"
                        "</text>\n",
                        x, x, alpha_frame.bottom, alpha_frame.bottom + 5, x,
                        alpha_frame.bottom + 20, m);
        }
        fprintf(c->f,
                "<text class=\"axis-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                "Time (min)</text>\n",
                (PLOT_X0 + PLOT_X1) / 2, alpha_frame.bottom + 42);
}

/* Parses "key":number out of a small JSON object; NAN if absent. */
static double json_number(const char *json, const char *key)
{
        char pat[32];
        const char *p;

        if (!json)
                return NAN;
        snprintf(pat, sizeof(pat), "\"%s\":", key);
        p = strstr(json, pat);
        return p ? strtod(p + strlen(pat), NULL) : NAN;
}

double report_label_width(const char *text, double font_px)
{
        size_t n = 0;

        /* Count code points, not bytes: arrows and the middle dot are multibyte. */
        for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
                n += (*p & 0xc0) != 0x80;
        return (double)n * font_px * 0.62;
}

static bool boxes_overlap(const ReportLabelBox *a, const ReportLabelBox *b)
{
        const double pad = 4; /* keep a little air between neighbours */

        return a->x < b->x + b->w + pad && b->x < a->x + a->w + pad && a->y < b->y + b->h &&
               b->y < a->y + a->h;
}

int report_label_layout(const double *marker_x, const double *width, size_t n, double x_min,
                        double x_max, double y0, double line_h, unsigned max_rows,
                        ReportLabelBox *ret)
{
        unsigned rows = 0;

        for (size_t i = 0; i < n; i++) {
                ReportLabelBox b = {.w = width[i], .h = line_h};

                if (!(width[i] > 0) || width[i] > x_max - x_min || !isfinite(marker_x[i])) {
                        ret[i] = (ReportLabelBox){.placed = false};
                        continue;
                }
                /* Right of the marker when it fits, else left of it, clamped into the plot. */
                b.x = marker_x[i] + REPORT_LABEL_GAP;
                if (b.x + b.w > x_max) {
                        b.x = marker_x[i] - REPORT_LABEL_GAP - b.w;
                        b.anchor_end = true;
                }
                if (b.x < x_min) {
                        b.x = x_min;
                        b.anchor_end = false;
                }
                if (b.x + b.w > x_max) {
                        b.x = x_max - b.w;
                        b.anchor_end = true;
                }
                for (unsigned r = 0; r < max_rows && !b.placed; r++) {
                        bool free_row = true;

                        b.y = y0 + r * line_h;
                        for (size_t j = 0; j < i && free_row; j++)
                                if (ret[j].placed && boxes_overlap(&b, &ret[j]))
                                        free_row = false;
                        if (free_row) {
                                b.placed = true;
                                rows = MAX(rows, r + 1);
                        }
                }
                ret[i] = b;
        }
        return (int)rows;
}

static void put_legend_item(FILE *f, double x, double y, const char *color, const char *dash,
                            bool band, const char *label)
{
        if (band)
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\" fill=\"%s\""
                        " fill-opacity=\"0.6\"/>",
                        x, y - 9, color);
        else
                fprintf(f,
                        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
                        " stroke-width=\"2.5\"%s%s%s/>",
                        x, x + 24, y - 4, y - 4, color, dash ? " stroke-dasharray=\"" : "",
                        dash ? dash : "", dash ? "\"" : "");
        fprintf(f, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 30, y, label);
}

typedef struct Crossover {
        double t, level, bpm, kmh;
        bool above;
        const char *text; /* the event's full sentence, NULL for a threshold row */
        char label[48];
} Crossover;

static void crossover_label(Crossover *x)
{
        const char *vt = fabs(x->level - 0.5) < 0.01 ? "VT2" : "VT1";

        /* Short: the full sentence goes into the marker's <title> tooltip. */
        if (!x->above)
                snprintf(x->label, sizeof(x->label), "\xe2\x86\x93%s", vt);
        else if (isfinite(x->bpm))
                snprintf(x->label, sizeof(x->label), "\xe2\x86\x91%s %.0f", vt, x->bpm);
        else
                snprintf(x->label, sizeof(x->label), "\xe2\x86\x91%s", vt);
}

static int put_crossovers(const Ctx *c, const Panel *speed, const Panel *hr, const Panel *alpha)
{
        const SessionData *d = c->d;
        _cleanup_free_ Crossover *xs = NULL;
        _cleanup_free_ ReportLabelBox *boxes = NULL;
        _cleanup_free_ double *mx = NULL, *w = NULL;
        size_t n = 0, cap = d->n_events + d->n_thresholds;
        char buf[32];
        FILE *out = c->f;

        fputs("<g id=\"crossovers\">\n", out);
        if (cap == 0) {
                fputs("</g>\n", out);
                return 0;
        }
        xs = calloc(cap, sizeof(*xs));
        boxes = calloc(cap, sizeof(*boxes));
        mx = calloc(cap, sizeof(*mx));
        w = calloc(cap, sizeof(*w));
        if (!xs || !boxes || !mx || !w)
                return -ENOMEM;

        for (size_t i = 0; i < cap; i++) {
                Crossover x = {.above = true};

                if (i < d->n_events) {
                        const SessionEventRow *e = &d->events[i];
                        if (e->type != SESSION_EVENT_CROSSOVER)
                                continue;
                        x.t = e->t_s;
                        x.level = json_number(e->json, "alpha1");
                        x.bpm = json_number(e->json, "hr_bpm");
                        x.kmh = json_number(e->json, "speed_kmh");
                        x.above = !(e->json && strstr(e->json, "\"above\":false"));
                        x.text = e->text;
                } else {
                        const SessionThresholdRow *th = &d->thresholds[i - d->n_events];
                        /* Thresholds only stand in when the session logged no events. */
                        if (n > 0 || !isfinite(th->t_s))
                                continue;
                        x.t = th->t_s;
                        x.level = th->alpha1;
                        x.bpm = th->hr_bpm;
                        x.kmh = th->speed_kmh;
                }
                if (x.t < c->t0 || x.t > c->t1)
                        continue;
                if (!isfinite(x.level))
                        x.level = 0.75;
                crossover_label(&x);
                mx[n] = px_x(c, x.t);
                w[n] = report_label_width(x.label, 11);
                xs[n++] = x;
        }

        (void)report_label_layout(mx, w, n, PLOT_X0, PLOT_X1, hr->top + 3, 14,
                                  (unsigned)((hr->bottom - hr->top - 6) / 14), boxes);

        for (size_t i = 0; i < n; i++) {
                const Crossover *x = &xs[i];
                double y = px_y(alpha, x->level);

                fprintf(out, "<g id=\"crossover-%zu\"><title>", i);
                if (x->text)
                        put_text(out, x->text);
                else
                        fprintf(out,
                                "\xce\xb1"
                                "1 %.2f",
                                x->level);
                if (!x->text && isfinite(x->bpm))
                        fprintf(out, " \xc2\xb7 %.0f bpm", x->bpm);
                if (isfinite(x->kmh) && x->kmh > 0)
                        fprintf(out, " \xc2\xb7 %s",
                                format_pace(buf, sizeof(buf), x->kmh, c->per_mile,
                                            TIME_FORMAT_UNIT));
                fprintf(out,
                        "</title><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\""
                        " stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"3 3\"/>"
                        "<path d=\"M%.1f %.1fl7 7l-7 7l-7 -7z\" fill=\"%s\" stroke=\"#ffffff\"/>",
                        mx[i], mx[i], speed->top, alpha->bottom,
                        x->above ? REPORT_COLOR_CROSSOVER : "#8d6e63", mx[i], y - 7,
                        x->above ? REPORT_COLOR_CROSSOVER : "#8d6e63");
                if (boxes[i].placed) {
                        /* A white backing keeps the text legible over the HR line. */
                        fprintf(out,
                                "<rect class=\"marker-box\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                                " height=\"%.1f\" fill=\"#ffffff\" fill-opacity=\"0.8\"/>"
                                "<text class=\"marker\" x=\"%.1f\" y=\"%.1f\"%s>",
                                boxes[i].x, boxes[i].y, boxes[i].w, boxes[i].h,
                                boxes[i].anchor_end ? boxes[i].x + boxes[i].w : boxes[i].x,
                                boxes[i].y + 11, boxes[i].anchor_end ? " text-anchor=\"end\"" : "");
                        put_text(out, x->label);
                        fputs("</text>", out);
                }
                fputs("</g>\n", out);
        }
        fputs("</g>\n", out);
        return 0;
}

int report_svg_write(const SessionData *d, int utc_offset_s, bool per_mile, FILE *out)
{
        _cleanup_free_ SessionLap *steps = NULL;
        SessionSummary *sum = NULL;
        Panel speed = speed_frame, hr = hr_frame, alpha = alpha_frame;
        size_t n_steps = 0;
        Ctx c = {.f = out, .d = d, .per_mile = per_mile};
        char buf[64], buf2[64];
        int r;

        if (!d || !out)
                return -EINVAL;
        if (d->n_samples == 0)
                return -ENODATA;
        r = session_summary_compute(d, &sum);
        if (r < 0)
                return r;
        r = session_summary_step_laps(d->samples, d->n_samples, &steps, &n_steps);
        if (r < 0) {
                session_summary_free(sum);
                return r;
        }

        c.t0 = d->samples[0].t_s;
        c.t1 = MAX(d->samples[d->n_samples - 1].t_s + 1, c.t0 + 60);

        /* Ranges: speed from the data and the targets, HR from data and zones. */
        double s_lo = INFINITY, s_hi = -INFINITY, h_lo = INFINITY, h_hi = -INFINITY;
        for (size_t i = 0; i < d->n_samples; i++) {
                const SessionSample *x = &d->samples[i];
                if (isfinite(x->speed_kmh) && x->speed_kmh > 0.5) {
                        s_lo = fmin(s_lo, x->speed_kmh);
                        s_hi = fmax(s_hi, x->speed_kmh);
                }
                if (isfinite(x->commanded_kmh) && x->commanded_kmh > 0.5) {
                        s_lo = fmin(s_lo, x->commanded_kmh);
                        s_hi = fmax(s_hi, x->commanded_kmh);
                }
                if (x->hr_bpm > 0) {
                        h_lo = fmin(h_lo, x->hr_bpm);
                        h_hi = fmax(h_hi, x->hr_bpm);
                }
        }
        if (!isfinite(s_lo)) {
                s_lo = 0;
                s_hi = 10;
        }
        speed.lo = fmax(0, floor(s_lo - 1));
        speed.hi = ceil(s_hi + 1);
        if (!isfinite(h_lo)) {
                h_lo = 60;
                h_hi = 180;
        }
        hr.lo = floor((h_lo - 5) / 10) * 10;
        hr.hi = ceil((h_hi + 5) / 10) * 10;

        fprintf(out,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                " viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, "
                "sans-serif\">\n"
                "<style>.title{font-size:22px;font-weight:bold;fill:#212121}"
                ".subtitle{font-size:14px;fill:#424242}.result{font-size:16px;font-weight:bold;"
                "fill:#212121}.tick{font-size:11px;fill:#616161}"
                ".axis-label{font-size:13px;fill:#424242}.legend{font-size:12px;fill:#424242}"
                ".step-label{font-size:10px;fill:#757575}.marker{font-size:11px;fill:#e65100}"
                "</style>\n"
                "<rect id=\"background\" width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
                REPORT_SVG_WIDTH, REPORT_SVG_HEIGHT, REPORT_SVG_WIDTH, REPORT_SVG_HEIGHT);

        /* Title and summary line. */
        time_t start = (time_t)(d->start_wall_usec / USEC_PER_SEC) + utc_offset_s;
        struct tm tm;
        if (!gmtime_r(&start, &tm) || strftime(buf2, sizeof(buf2), "%a %d %b %Y, %H:%M", &tm) == 0)
                buf2[0] = '\0';
        fputs("<text id=\"title\" class=\"title\" x=\"84\" y=\"34\">", out);
        put_text(out, d->workout_name ? d->workout_name : "Free run");
        fputs(" \xe2\x80\x94 ", out);
        put_text(out, buf2);
        fputs("</text>\n<text id=\"subtitle\" class=\"subtitle\" x=\"84\" y=\"56\">", out);
        fprintf(out, "%s", format_duration(buf, sizeof(buf), sum->duration_s, TIME_FORMAT_DASH));
        if (isfinite(sum->distance_m))
                fprintf(out, " \xc2\xb7 %s",
                        format_distance(buf, sizeof(buf), sum->distance_m, per_mile,
                                        TIME_FORMAT_UNIT));
        fprintf(out, " \xc2\xb7 avg %s",
                format_pace(buf, sizeof(buf), sum->avg_speed_kmh, per_mile, TIME_FORMAT_UNIT));
        if (isfinite(sum->avg_hr_bpm))
                fprintf(out, " \xc2\xb7 HR %.0f avg, %.0f max", sum->avg_hr_bpm, sum->max_hr_bpm);
        /* Thresholds: a threshold test's result (the only thresholds stored), each with
         * its 95 % interval; nothing for any other session. */
        for (size_t i = 0; i < d->n_thresholds; i++) {
                const SessionThresholdRow *t = &d->thresholds[i];
                double lo, hi;

                if (!t->kind || !isfinite(t->hr_bpm) ||
                    !(streq(t->kind, "aet") || streq(t->kind, "ant")))
                        continue;
                session_threshold_interval(t, &lo, &hi, NULL);
                fprintf(out, " \xc2\xb7 %s threshold %.0f bpm",
                        streq(t->kind, "aet") ? "aerobic" : "anaerobic", t->hr_bpm);
                if (isfinite(lo))
                        fprintf(out, " (%.0f\xe2\x80\x93%.0f)", lo, hi);
        }
        if (sum->gap_s > 0)
                fprintf(out, " \xc2\xb7 %s not recorded (paced was stopped)",
                        format_duration(buf, sizeof(buf), sum->gap_s, 0));
        if (d->end_reason == SESSION_END_INTERRUPTED)
                fputs(" \xc2\xb7 interrupted", out);
        fputs("</text>\n", out);

        /* A time trial's result, right-aligned: the time and goal on the title's
         * line, its laps on the summary's. */
        if (d->n_results > 0) {
                char text[256], *laps;

                trial_result_format(&d->results[d->n_results - 1], text, sizeof(text));
                laps = strstr(text, "; laps ");
                if (laps)
                        *laps = 0;
                fprintf(out,
                        "<text id=\"result\" class=\"result\" x=\"%d\" y=\"34\""
                        " text-anchor=\"end\">",
                        REPORT_SVG_WIDTH - 20);
                put_text(out, text);
                fputs("</text>\n", out);
                if (laps) {
                        fprintf(out,
                                "<text id=\"result-laps\" class=\"subtitle\" x=\"%d\""
                                " y=\"56\" text-anchor=\"end\">",
                                REPORT_SVG_WIDTH - 20);
                        put_text(out, laps + 2);
                        fputs("</text>\n", out);
                }
        }

        /* Legend. */
        fputs("<g id=\"legend\">\n", out);
        put_legend_item(out, 84, 86, REPORT_COLOR_TARGET, NULL, true, "target");
        put_legend_item(out, 170, 86, REPORT_COLOR_COMMANDED, "6 4", false, "commanded");
        put_legend_item(out, 290, 86, REPORT_COLOR_SPEED, NULL, false, "measured speed");
        put_legend_item(out, 440, 86, REPORT_COLOR_HR, NULL, false, "heart rate");
        put_legend_item(out, 560, 86, REPORT_COLOR_ALPHA1, NULL, false,
                        "DFA \xce\xb1"
                        "1");
        put_legend_item(out, 660, 86, REPORT_COLOR_CROSSOVER, "3 3", false, "crossover");
        put_legend_item(out, 770, 86, "#9e9e9e", NULL, false, "step / lap");
        fputs("</g>\n", out);

        /* Speed panel: target band per step, then commanded and measured. */
        put_frame(&c, &speed, "speed-panel", per_mile ? "Speed (mph)" : "Speed (km/h)");
        fprintf(out,
                "<text class=\"axis-label\" transform=\"translate(1180 %.1f) rotate(90)\""
                " text-anchor=\"middle\">Pace (min/%s)</text>\n",
                (speed.top + speed.bottom) / 2, per_mile ? "mi" : "km");
        put_y_ticks(&c, &speed, per_mile ? KMH_PER_MPH : 1, 6, 0, true);
        fputs("<g id=\"target-band\">\n", out);
        for (size_t i = 0; i < n_steps; i++) {
                const SessionLap *l = &steps[i];
                if (l->step_index < 0 || (size_t)l->step_index >= d->n_steps)
                        continue;
                const SessionStep *st = &d->steps[l->step_index];
                if (st->control != STEP_CONTROL_SPEED)
                        continue;
                double lo = fmin(st->speed_lo_kmh, fmin(st->speed_start_kmh, st->speed_end_kmh));
                double hi = fmax(st->speed_hi_kmh, fmax(st->speed_start_kmh, st->speed_end_kmh));
                if (!isfinite(lo) || !isfinite(hi))
                        continue;
                if (hi - lo < 0.3) {
                        /* A single target speed still gets a visible band. */
                        lo -= 0.15;
                        hi += 0.15;
                }
                fprintf(out,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\""
                        " fill-opacity=\"0.6\"/>\n",
                        px_x(&c, l->start_s), px_y(&speed, hi),
                        px_x(&c, l->end_s) - px_x(&c, l->start_s),
                        px_y(&speed, lo) - px_y(&speed, hi), REPORT_COLOR_TARGET);
        }
        fputs("</g>\n", out);
        put_series(&c, &speed, "speed-commanded", REPORT_COLOR_COMMANDED, 1.5, "6 4", v_commanded);
        put_series(&c, &speed, "speed-measured", REPORT_COLOR_SPEED, 2.5, NULL, v_speed);

        /* HR panel over the zone bands. */
        put_frame(&c, &hr, "hr-panel", "Heart rate (bpm)");
        fputs("<g id=\"zone-bands\">\n", out);
        for (unsigned z = 0; z < d->n_zones; z++) {
                double lo = z == 0 ? hr.lo : d->zone_max_bpm[z - 1];
                double hi =
                        z + 1 == d->n_zones ? fmax(hr.hi, d->zone_max_bpm[z]) : d->zone_max_bpm[z];
                if (hi <= hr.lo || lo >= hr.hi)
                        continue;
                double y0 = px_y(&hr, fmin(hi, hr.hi)), y1 = px_y(&hr, fmax(lo, hr.lo));
                fprintf(out,
                        "<rect id=\"zone-band-%u\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                        " height=\"%.1f\" fill=\"%s\"/>\n<text class=\"tick\" x=\"%.1f\""
                        " y=\"%.1f\">Z%u</text>\n",
                        z + 1, PLOT_X0, y0, PLOT_X1 - PLOT_X0, y1 - y0,
                        zone_fill[z % SESSION_ZONES_MAX], PLOT_X1 + 6, (y0 + y1) / 2 + 4, z + 1);
        }
        fputs("</g>\n", out);
        put_y_ticks(&c, &hr, 1, 5, 0, false);
        put_series(&c, &hr, "hr-line", REPORT_COLOR_HR, 2, NULL, v_hr);

        /* alpha1 panel with its threshold lines. */
        put_frame(&c, &alpha, "alpha1-panel",
                  "DFA \xce\xb1"
                  "1");
        put_y_ticks(&c, &alpha, 1, 0, 2, false);
        fprintf(out,
                "<line id=\"alpha1-075\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\""
                " stroke=\"#f57c00\" stroke-width=\"1.5\" stroke-dasharray=\"8 4\"/>\n"
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">0.75 aerobic</text>\n"
                "<line id=\"alpha1-050\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\""
                " stroke=\"#c62828\" stroke-width=\"1.5\" stroke-dasharray=\"8 4\"/>\n"
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">0.5 anaerobic</text>\n",
                PLOT_X0, PLOT_X1, px_y(&alpha, 0.75), px_y(&alpha, 0.75), PLOT_X1 + 6,
                px_y(&alpha, 0.75) + 4, PLOT_X0, PLOT_X1, px_y(&alpha, 0.5), px_y(&alpha, 0.5),
                PLOT_X1 + 6, px_y(&alpha, 0.5) + 4);
        put_series(&c, &alpha, "alpha1-line", REPORT_COLOR_ALPHA1, 2, NULL, v_alpha1);

        /* Gaps: paced was stopped (a crash, then a resumed session). */
        fputs("<g id=\"gaps\">\n", out);
        for (size_t i = 1, k = 0; i < d->n_samples; i++) {
                double x0, x1;

                if (!session_sample_gap(d->samples, d->n_samples, i))
                        continue;
                x0 = px_x(&c, d->samples[i - 1].t_s + 1);
                x1 = px_x(&c, d->samples[i].t_s);
                fprintf(out,
                        "<rect id=\"gap-%zu\" class=\"gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                        " height=\"%.1f\" fill=\"#bdbdbd\" fill-opacity=\"0.35\"/>\n"
                        "<text class=\"step-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                        "not recorded</text>\n",
                        k++, x0, speed.top, MAX(x1 - x0, 1.0), alpha.bottom - speed.top,
                        (x0 + x1) / 2, speed.top + 26);
        }
        fputs("</g>\n", out);

        /* Step (lap) markers across all panels, numbered at the top. */
        fputs("<g id=\"lap-markers\">\n", out);
        for (size_t i = 0; i < n_steps; i++) {
                double x = px_x(&c, steps[i].start_s);
                fprintf(out,
                        "<line class=\"lap-marker\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\""
                        " y2=\"%.1f\" stroke=\"#9e9e9e\" stroke-width=\"1\"/>\n"
                        "<text class=\"step-label\" x=\"%.1f\" y=\"%.1f\">%d</text>\n",
                        x, x, speed.top, alpha.bottom, x + 3, speed.top + 12,
                        steps[i].step_index + 1);
        }
        for (size_t i = 0; i < sum->n_splits_mile; i++) {
                if (sum->splits_mile[i].distance_m < METERS_PER_MILE - 1)
                        continue;
                double x = px_x(&c, sum->splits_mile[i].end_s);
                fprintf(out,
                        "<path class=\"mile-marker\" d=\"M%.1f %.1fl-5 -8h10z\" fill=\"#757575\"/>"
                        "<text class=\"step-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                        "mile %zu</text>\n",
                        x, speed.bottom, x, speed.bottom - 11, i + 1);
        }
        fputs("</g>\n", out);

        /* Crossover markers: from the session's events, else its thresholds. */
        r = put_crossovers(&c, &speed, &hr, &alpha);
        if (r < 0) {
                session_summary_free(sum);
                return r;
        }

        put_x_axis(&c);
        fputs("</svg>\n", out);
        session_summary_free(sum);
        return ferror(out) ? -EIO : 0;
}
