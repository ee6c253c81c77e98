/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * CSV exports (RFC 4180, header row, "." decimals, empty field = unknown).
 * Samples: t_s,time_utc,step,commanded_kmh,speed_kmh,pace_min_km,incline_pct,
 *          distance_m,hr_bpm,zone,alpha1
 * RR:      t_s,time_utc,rr_ms,artifact
 * Pure code.
 */

#include <stdio.h>

#include "session-store.h"

int export_csv_samples_write(const SessionData *d, FILE *out);
int export_csv_rr_write(const SessionData *d, FILE *out);
