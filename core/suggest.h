/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* "Did you mean": the closest of a few known words to a typo. Pure code. */

#include <stddef.h>

/* Edit distance of a and b, case-insensitive; UINT_MAX past 31 characters. */
unsigned edit_distance(const char *a, const char *b);
/* The candidate (NULLs skipped) within two edits of word, closest first; NULL if none. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);
