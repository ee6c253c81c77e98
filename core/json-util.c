/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <math.h>

#include "json-util.h"

int json_parse(const char *text, size_t len, json_object **ret)
{
        struct json_tokener *tok;
        enum json_tokener_error e;
        json_object *o;

        if (!text || !ret)
                return -EINVAL;
        /* json-c counts in int. */
        if (len > INT_MAX - 1)
                return -EBADMSG;
        tok = json_tokener_new_ex(JSON_PARSE_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, text, (int)len);
        e = json_tokener_get_error(tok);
        /* A document that may go on (a bare number, or truncated input):
         * the end of the input decides. */
        if (!o && e == json_tokener_continue) {
                o = json_tokener_parse_ex(tok, "", 1);
                e = json_tokener_get_error(tok);
        }
        json_tokener_free(tok);
        if (!o || e != json_tokener_success) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

int json_as_string(json_object *v, const char **ret)
{
        const char *s;

        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        /* "\u0000" parses; a C string would silently end there. */
        if (!s || strlen(s) != (size_t)json_object_get_string_len(v))
                return -EBADMSG;
        *ret = s;
        return 0;
}

int json_as_double(json_object *v, double *ret)
{
        double x;

        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        x = json_object_get_double(v);
        if (!isfinite(x))
                return -EBADMSG;
        *ret = x;
        return 0;
}

int json_as_int64(json_object *v, int64_t min, int64_t max, int64_t *ret)
{
        int64_t x;

        if (json_object_is_type(v, json_type_double)) {
                double d = json_object_get_double(v);

                /* 3.0 is an integer; 3.5 and 1e300 are not. */
                if (!isfinite(d) || d != floor(d) || d < -9e15 || d > 9e15)
                        return -EBADMSG;
                x = (int64_t)d;
        } else if (json_object_is_type(v, json_type_int)) {
                /* json-c saturates what does not fit: refuse the saturated values. */
                x = json_object_get_int64(v);
                if (x == INT64_MAX || x == INT64_MIN)
                        return -EBADMSG;
        } else
                return -EBADMSG;
        if (x < min || x > max)
                return -EBADMSG;
        *ret = x;
        return 0;
}

static int member(json_object *o, const char *key, json_object **ret)
{
        json_object *v = NULL;

        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if (!json_object_object_get_ex(o, key, &v) || !v)
                return -ENOENT; /* absent, or null */
        *ret = v;
        return 0;
}

int json_get_object(json_object *o, const char *key, json_object **ret)
{
        json_object *v;
        int r = member(o, key, &v);

        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_object))
                return -EBADMSG;
        *ret = v;
        return 0;
}

int json_get_array(json_object *o, const char *key, json_object **ret)
{
        json_object *v;
        int r = member(o, key, &v);

        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_array))
                return -EBADMSG;
        *ret = v;
        return 0;
}

int json_get_string(json_object *o, const char *key, const char **ret)
{
        json_object *v;
        int r = member(o, key, &v);

        return r < 0 ? r : json_as_string(v, ret);
}

int json_get_bool(json_object *o, const char *key, bool *ret)
{
        json_object *v;
        int r = member(o, key, &v);

        if (r < 0)
                return r;
        if (!json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

int json_get_double(json_object *o, const char *key, double *ret)
{
        json_object *v;
        int r = member(o, key, &v);

        return r < 0 ? r : json_as_double(v, ret);
}

int json_get_int64(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret)
{
        json_object *v;
        int r = member(o, key, &v);

        return r < 0 ? r : json_as_int64(v, min, max, ret);
}

const char *json_to_string(json_object *o)
{
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
}
