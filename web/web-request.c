/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing what a request carries, before anything acts on it (see web-request.h). */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "string-table.h"
#include "utf8.h"
#include "util.h"
#include "web-request.h"

static const char *const web_action_table[_WEB_ACTION_MAX] = {
        [WEB_ACTION_START] = "start",   [WEB_ACTION_PAUSE] = "pause",
        [WEB_ACTION_RESUME] = "resume", [WEB_ACTION_STOP] = "stop",
        [WEB_ACTION_SKIP] = "skip",     [WEB_ACTION_EXTEND] = "extend",
        [WEB_ACTION_FASTER] = "faster", [WEB_ACTION_SLOWER] = "slower",
};

static const char *const web_export_format_table[_WEB_EXPORT_MAX] = {
        [WEB_EXPORT_FIT] = "fit",
        [WEB_EXPORT_TCX] = "tcx",
        [WEB_EXPORT_CSV] = "csv",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(web_action, WebAction);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(web_export_format, WebExportFormat);

/* A static file name: [a-z0-9][a-z0-9.-]*, no "..": never a path. */
static bool static_name_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > WEB_STATIC_NAME_MAX || strstr(s, ".."))
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      (i > 0 && (c == '.' || c == '-'))))
                        return false;
        }
        return true;
}

/* "123" → 123 (1..INT64_MAX, digits only); the rest of the path after it in *ret_end. */
static int parse_id(const char *s, int64_t *ret, const char **ret_end)
{
        int64_t v = 0;
        const char *p = s;

        if (*p < '1' || *p > '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                if (v > (INT64_MAX - (*p - '0')) / 10)
                        return -EINVAL;
                v = v * 10 + (*p - '0');
        }
        *ret = v;
        *ret_end = p;
        return 0;
}

static int route(WebRoute *r, WebRouteKind kind, bool post, const char *method)
{
        r->kind = kind;
        r->post = post;
        if (streq(method, post ? "POST" : "GET") || (!post && streq(method, "HEAD")))
                return 0;
        return -EBADRQC;
}

int web_route_parse(const char *method, const char *path, WebRoute *ret)
{
        static const struct {
                const char *path;
                WebRouteKind kind;
                bool post;
        } fixed[] = {
                {"/", WEB_ROUTE_INDEX, false},
                {"/pair", WEB_ROUTE_PAIR_PAGE, false},
                {"/api/status", WEB_ROUTE_STATUS, false},
                {"/api/events", WEB_ROUTE_EVENTS, false},
                {"/api/whoami", WEB_ROUTE_WHOAMI, false},
                {"/api/workouts", WEB_ROUTE_WORKOUTS, false},
                {"/api/sessions", WEB_ROUTE_SESSIONS, false},
                {"/api/pair", WEB_ROUTE_PAIR, true},
        };
        const char *rest;

        if (!method || !path || !ret)
                return -EINVAL;
        *ret = (WebRoute){.kind = _WEB_ROUTE_KIND_INVALID,
                          .format = _WEB_EXPORT_INVALID,
                          .action = _WEB_ACTION_INVALID};
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (streq(path, fixed[i].path))
                        return route(ret, fixed[i].kind, fixed[i].post, method);

        if (strncmp(path, "/static/", 8) == 0) {
                if (!static_name_is_valid(path + 8))
                        return -EINVAL;
                memcpy(ret->name, path + 8, strlen(path + 8) + 1);
                return route(ret, WEB_ROUTE_STATIC, false, method);
        }
        if (strncmp(path, "/api/control/", 13) == 0) {
                for (int a = 0; a < _WEB_ACTION_MAX; a++)
                        if (streq(path + 13, web_action_table[a])) {
                                ret->action = a;
                                return route(ret, WEB_ROUTE_CONTROL, true, method);
                        }
                return -ENOENT;
        }
        if (strncmp(path, "/api/sessions/", 14) == 0) {
                if (parse_id(path + 14, &ret->session_id, &rest) < 0)
                        return -EINVAL;
                if (!*rest)
                        return route(ret, WEB_ROUTE_SESSION, false, method);
                if (streq(rest, "/report.svg"))
                        return route(ret, WEB_ROUTE_REPORT, false, method);
                if (strncmp(rest, "/export.", 8) == 0)
                        for (int f = 0; f < _WEB_EXPORT_MAX; f++)
                                if (streq(rest + 8, web_export_format_table[f])) {
                                        ret->format = f;
                                        return route(ret, WEB_ROUTE_EXPORT, false, method);
                                }
                return -ENOENT;
        }
        return -ENOENT;
}

/* prefix, arg and suffix as one sentence (no format string from a variable). */
static void set_error3(char *error, size_t size, const char *prefix, const char *arg,
                       const char *suffix)
{
        if (error && size)
                snprintf(error, size, "%s%s%s", prefix, arg ? arg : "", suffix);
}

static void set_error(char *error, size_t size, const char *msg)
{
        set_error3(error, size, msg, NULL, "");
}

/* A JSON object from body, or NULL with error set. */
static json_object *parse_object(const char *body, size_t len, char *error, size_t error_size,
                                 int *ret_r)
{
        json_tokener *tok;
        json_object *o;

        *ret_r = -EINVAL;
        if (len > WEB_BODY_MAX) {
                *ret_r = -EMSGSIZE;
                set_error(error, error_size, "The request body is too large.");
                return NULL;
        }
        if (memchr(body, '\0', len)) {
                set_error(error, error_size, "The request body is not JSON text.");
                return NULL;
        }
        /* Shallow: the requests are flat objects; deep nesting is refused early. */
        tok = json_tokener_new_ex(4);
        if (!tok) {
                *ret_r = -ENOMEM;
                return NULL;
        }
        /* Text that is not UTF-8 is no JSON (RFC 8259): refused here, never
         * echoed back (an unknown key is quoted in the error). */
        json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, body, (int)len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != len) {
                /* Trailing bytes after the object count as malformed, too. */
                const char *why = json_tokener_get_error(tok) != json_tokener_success
                                          ? json_tokener_error_desc(json_tokener_get_error(tok))
                                          : "unexpected data after the object";

                set_error3(error, error_size, "Malformed JSON: ", why, ".");
                json_object_put(o);
                json_tokener_free(tok);
                return NULL;
        }
        json_tokener_free(tok);
        if (!json_object_is_type(o, json_type_object)) {
                set_error(error, error_size, "The request body must be a JSON object.");
                json_object_put(o);
                return NULL;
        }
        *ret_r = 0;
        return o;
}

static bool only_spaces(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
                        return false;
        return true;
}

int web_control_args_parse(WebAction a, const char *body, size_t len, WebControlArgs *ret,
                           char *error, size_t error_size)
{
        json_object *o = NULL;
        int r = 0;

        *ret = (WebControlArgs){.seconds = 30, .delta_kmh = 0.5};
        if (a < 0 || a >= _WEB_ACTION_MAX)
                return -EINVAL;
        if (!body || len == 0 || (len <= WEB_BODY_MAX && only_spaces(body, len)))
                goto done;
        o = parse_object(body, len, error, error_size, &r);
        if (!o)
                return r;
        json_object_object_foreach(o, key, val)
        {
                if (a == WEB_ACTION_START && streq(key, "workout")) {
                        const char *w = json_object_get_string(val);

                        if (!json_object_is_type(val, json_type_string) ||
                            strlen(w) >= sizeof(ret->workout)) {
                                set_error(error, error_size, "\"workout\" must be a library name.");
                                r = -EINVAL;
                                break;
                        }
                        memcpy(ret->workout, w, strlen(w) + 1);
                } else if (a == WEB_ACTION_START && streq(key, "arm")) {
                        if (!json_object_is_type(val, json_type_boolean)) {
                                set_error(error, error_size, "\"arm\" must be true or false.");
                                r = -EINVAL;
                                break;
                        }
                        ret->arm = json_object_get_boolean(val);
                } else if (a == WEB_ACTION_EXTEND && streq(key, "seconds")) {
                        int64_t v = json_object_get_int64(val);

                        if (!json_object_is_type(val, json_type_int) || v < 1 || v > 3600) {
                                set_error(error, error_size,
                                          "\"seconds\" must be a whole number from 1 to 3600.");
                                r = -EINVAL;
                                break;
                        }
                        ret->seconds = (unsigned)v;
                } else if ((a == WEB_ACTION_FASTER || a == WEB_ACTION_SLOWER) &&
                           streq(key, "kmh")) {
                        double v = json_object_get_double(val);

                        if (!(json_object_is_type(val, json_type_double) ||
                              json_object_is_type(val, json_type_int)) ||
                            !isfinite(v) || !(v > 0) || v > 5) {
                                set_error(error, error_size,
                                          "\"kmh\" must be a speed change above 0 and at most "
                                          "5 km/h.");
                                r = -EINVAL;
                                break;
                        }
                        ret->delta_kmh = v;
                } else {
                        char k[48];

                        web_json_escape(key, k, sizeof(k));
                        set_error3(error, error_size, "Unknown field \"", k, "\".");
                        r = -EINVAL;
                        break;
                }
        }
        json_object_put(o);
        if (r < 0)
                return r;
done:
        if (a == WEB_ACTION_SLOWER)
                ret->delta_kmh = -ret->delta_kmh;
        return 0;
}

int web_pair_args_parse(const char *body, size_t len, char *code, size_t code_size, char *error,
                        size_t error_size)
{
        json_object *o, *v;
        int r;

        if (!body)
                return -EINVAL;
        o = parse_object(body, len, error, error_size, &r);
        if (!o)
                return r;
        if (!json_object_object_get_ex(o, "code", &v) ||
            !json_object_is_type(v, json_type_string) ||
            (size_t)json_object_get_string_len(v) >= code_size) {
                set_error(error, error_size,
                          "Send {\"code\": \"...\"}: the code pacectl web pair "
                          "printed.");
                json_object_put(o);
                return -EINVAL;
        }
        memcpy(code, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
        json_object_put(o);
        return 0;
}

const char *web_token_from_authorization(const char *header)
{
        if (!header || strncasecmp(header, "Bearer ", 7) != 0)
                return NULL;
        header += 7;
        while (*header == ' ')
                header++;
        return *header ? header : NULL;
}

bool web_token_from_cookie(const char *header, char *ret, size_t size)
{
        const char *p = header;

        while (p && *p) {
                const char *end = strchr(p, ';'), *eq;
                size_t n;

                while (*p == ' ')
                        p++;
                n = end ? (size_t)(end - p) : strlen(p);
                eq = memchr(p, '=', n);
                if (eq && (size_t)(eq - p) == strlen("paced_token") &&
                    strncmp(p, "paced_token", (size_t)(eq - p)) == 0) {
                        size_t vlen = n - (size_t)(eq + 1 - p);

                        if (vlen == 0 || vlen >= size)
                                return false;
                        memcpy(ret, eq + 1, vlen);
                        ret[vlen] = '\0';
                        return true;
                }
                p = end ? end + 1 : NULL;
        }
        return false;
}

bool web_origin_is_same(const char *origin, const char *host, bool tls)
{
        const char *scheme = tls ? "https://" : "http://";
        size_t n = strlen(scheme);

        if (!origin || !host || !*host)
                return false;
        if (strncmp(origin, scheme, n) != 0)
                return false;
        return strcasecmp(origin + n, host) == 0;
}

void web_json_escape(const char *s, char *buf, size_t size)
{
        const char *p = s ? s : "";
        size_t k = 0, left = strlen(p);

        if (size == 0)
                return;
        /* Whole characters only: a cut never leaves half a sequence; a byte
         * that is not UTF-8 becomes U+FFFD, a control character \u00XX. */
        while (left > 0) {
                size_t len = utf8_char_len(p, left), n;
                char esc[8];

                if (len == 0) {
                        n = (size_t)snprintf(esc, sizeof(esc), "\\ufffd");
                        len = 1;
                } else if (*p == '"' || *p == '\\')
                        n = (size_t)snprintf(esc, sizeof(esc), "\\%c", *p);
                else if (utf8_is_control(utf8_char_decode(p, len)))
                        n = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", utf8_char_decode(p, len));
                else {
                        memcpy(esc, p, len);
                        n = len;
                }
                if (k + n >= size)
                        break;
                memcpy(buf + k, esc, n);
                k += n;
                p += len;
                left -= len;
        }
        buf[k] = '\0';
}
