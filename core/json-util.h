/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading JSON with json-c, strictly: json_parse() accepts one RFC 8259
 * document (valid UTF-8, no trailing garbage, nesting at most
 * JSON_PARSE_MAX_DEPTH) and the getters check the type instead of
 * converting (json-c's own getters turn "12" into 12 and a missing key into
 * 0). Used for paced's stored JSON and for what paced-sync downloads.
 * Pure code.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define JSON_PARSE_MAX_DEPTH 32

static inline void json_object_putp(json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

/* 0, or -EBADMSG for anything but one complete, valid document. */
int json_parse(const char *text, size_t len, json_object **ret);

/*
 * A member of an object, by type. -ENOENT if absent or null, -EBADMSG if
 * of another type, not finite, out of range or (strings) containing a NUL
 * byte. *ret untouched on error.
 */
int json_get_object(json_object *o, const char *key, json_object **ret);
int json_get_array(json_object *o, const char *key, json_object **ret);
int json_get_string(json_object *o, const char *key, const char **ret);
int json_get_bool(json_object *o, const char *key, bool *ret);
/* Any JSON number, finite. */
int json_get_double(json_object *o, const char *key, double *ret);
/* An integer (a number without fraction) within [min, max]. */
int json_get_int64(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret);

/* The value itself (for array elements): the same checks. */
int json_as_string(json_object *v, const char **ret);
int json_as_double(json_object *v, double *ret);
int json_as_int64(json_object *v, int64_t min, int64_t max, int64_t *ret);

/* Compact, '/' not escaped: what paced writes. NULL on OOM; owned by o. */
const char *json_to_string(json_object *o);
