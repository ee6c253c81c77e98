/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Secrets (API keys, the Strava client secret and refresh token): read from
 * a systemd credential ($CREDENTIALS_DIRECTORY/NAME, LoadCredential=) or a
 * file readable by its owner only, and held in memory that is excluded from
 * core dumps (MADV_DONTDUMP), locked against swapping where permitted, and
 * wiped when freed. Their values are never logged; callers name the source,
 * never the contents.
 */

#include <stddef.h>

#include "util.h"

#define SECRET_MAX 4096

typedef struct Secret {
        char *value; /* NUL-terminated, trailing newlines removed */
        size_t size;
        size_t map_size;
} Secret;

/*
 * Reads path. -EPERM if the file is readable or writable by group or others
 * (the error says what to run), -ENOENT, -EFBIG beyond SECRET_MAX, -EBADMSG
 * if empty or containing NUL, control characters or spaces.
 */
int secret_read_file(const char *path, Secret **ret);
/* The credential NAME from $CREDENTIALS_DIRECTORY: -ENOENT if there is none. systemd
 * made the copy private to this service, so its mode is not checked. */
int secret_read_credential(const char *name, Secret **ret);
/* Stores value in path (mode 0600, written then renamed, fsync'd). */
int secret_write_file(const char *path, const char *value);
/* A copy in the same protected memory. */
int secret_new(const char *value, Secret **ret);
Secret *secret_free(Secret *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Secret *, secret_free);
