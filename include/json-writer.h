/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Minimal JSON output helpers for the store and pacectl --json: strings
 * escaped per RFC 8259, numbers that are never NaN/inf (written as null).
 */

#include <stdio.h>

/* Writes s as a JSON string ("null" for NULL). */
void json_write_string(FILE *f, const char *s);
/* Writes v with the given printf precision, or null if it is not finite. */
void json_write_number(FILE *f, double v, int decimals);
