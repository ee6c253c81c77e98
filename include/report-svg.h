/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The session report: one self-contained SVG (no scripts, no external
 * fonts or images) with three panels over a shared time axis:
 *   - speed in km/h (pace on the right axis): the workout's target band per
 *     step, the commanded speed (dashed) and the measured speed;
 *   - heart rate over the runner's zone bands;
 *   - DFA alpha1 on its own axis with the 0.75 and 0.5 threshold lines;
 * plus step/lap markers, crossover markers, a title with the summary and a
 * legend. Elements carry ids (speed-measured, hr-line, alpha1-line,
 * zone-band-N, crossover-N, ...) so tests and stylesheets can find them.
 * Pure code.
 */

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

/* utc_offset_s: local time minus UTC for the title's date. -ENODATA without samples. */
int report_svg_write(const SessionData *d, int utc_offset_s, FILE *out);
