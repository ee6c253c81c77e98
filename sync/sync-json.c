/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "sync-json.h"

#define MESSAGE_MAX 200

/* Appends s as printable ASCII (others become '?') while there is room. */
static void append(char *buf, size_t *n, const char *s)
{
        for (; *s && *n < MESSAGE_MAX; s++)
                buf[(*n)++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        buf[*n] = '\0';
}

char *sync_error_message(const char *body, size_t len)
{
        _cleanup_json_ json_object *o = NULL;
        json_object *errors;
        const char *m = NULL;
        char buf[MESSAGE_MAX + 1] = "";
        size_t n = 0;

        if (!body || json_parse(body, len, &o) < 0 || !json_object_is_type(o, json_type_object))
                return NULL;
        if (json_get_string(o, "error", &m) < 0 && json_get_string(o, "message", &m) < 0)
                return NULL;
        append(buf, &n, m);
        /* Strava: {"message":"Bad Request","errors":[{"resource":..,"field":..,"code":..}]} */
        if (json_get_array(o, "errors", &errors) >= 0) {
                size_t k = json_object_array_length(errors);

                for (size_t i = 0; i < k && i < 4; i++) {
                        json_object *e = json_object_array_get_idx(errors, i);
                        const char *field = NULL, *code = NULL;

                        if (json_get_string(e, "field", &field) < 0 ||
                            json_get_string(e, "code", &code) < 0)
                                continue;
                        append(buf, &n, i ? ", " : ": ");
                        append(buf, &n, field);
                        append(buf, &n, " ");
                        append(buf, &n, code);
                }
        }
        return n ? strdup(buf) : NULL;
}
