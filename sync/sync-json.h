/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What every service's error bodies have in common. Pure code. */

#include <stddef.h>

/*
 * The human message of an error body: {"error": "..."} or {"message": "..."}
 * (with {"errors":[{"field","code"}]} appended as Strava sends them), as
 * printable ASCII of at most 200 bytes; NULL if the body has none. Never
 * used for the token endpoints, whose bodies may carry secrets.
 */
char *sync_error_message(const char *body, size_t len);
