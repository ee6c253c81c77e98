/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The session report: one self-contained SVG (no scripts, no external
 * fonts or images) with three panels over a shared time axis:
 *   - speed in km/h or mph (pace per km or mile on the right axis): the workout's target band per
 *     step, the commanded speed (dashed) and the measured speed;
 *   - heart rate over the runner's zone bands;
 *   - DFA alpha1 on its own axis with the 0.75 and 0.5 threshold lines;
 * plus step/lap markers, crossover markers, a title with the summary and a
 * legend. Elements carry ids (speed-measured, hr-line, alpha1-line,
 * zone-band-N, crossover-N, ...) so tests and stylesheets can find them.
 * Pure code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "session-store.h"

#define REPORT_SVG_WIDTH  1200
#define REPORT_SVG_HEIGHT 900

/* Colours, also used by the rendering test to find the lines in a PNG. */
#define REPORT_COLOR_SPEED     "#1565c0"
#define REPORT_COLOR_COMMANDED "#0b0b0b"
#define REPORT_COLOR_TARGET    "#90caf9"
#define REPORT_COLOR_HR        "#d81b60"
#define REPORT_COLOR_ALPHA1    "#2e7d32"
#define REPORT_COLOR_CROSSOVER "#ff6f00"

/*
 * Crossover label layout. Labels sit at the top of the HR panel next to
 * their marker line: to the right of it when they fit, else to its left, and
 * always inside [x_min, x_max]. A label whose box would overlap an earlier
 * one moves down a row (line_h pixels) until it is free. Pure, so the test
 * can check that no two boxes overlap and none leaves the plot.
 */
#define REPORT_LABEL_GAP 9.0 /* marker line to text */

typedef struct ReportLabelBox {
        double x, y, w, h; /* top-left corner and size, pixels */
        bool anchor_end;   /* text drawn leftwards of the marker */
        bool placed;       /* false: no free row (or too wide); the label is left out */
} ReportLabelBox;

/* Width in pixels of text set in font_px (an estimate: UTF-8 code points x 0.62 em). */
double report_label_width(const char *text, double font_px);
/*
 * marker_x[i], width[i]: marker position and label width. Places n labels
 * starting at row y0; writes ret[i]. Labels that would need more than
 * max_rows rows are not placed. Returns the number of rows used.
 */
int report_label_layout(const double *marker_x, const double *width, size_t n, double x_min,
                        double x_max, double y0, double line_h, unsigned max_rows,
                        ReportLabelBox *ret);

/*
 * utc_offset_s: local time minus UTC for the title's date; per_mile: the
 * runner's units (speeds, paces, distances). -ENODATA without samples.
 */
int report_svg_write(const SessionData *d, int utc_offset_s, bool per_mile, FILE *out);
