/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What paced-web reads from a request before anything acts on it: the
 * route, the control request's JSON body, the token (header or cookie) and
 * whether the Origin is our own. Pure code, fuzzed by tests/fuzz/fuzz-web-request.c.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_BODY_MAX        4096 /* a control request's JSON: a few dozen bytes in practice */
#define WEB_STATIC_NAME_MAX 64

typedef enum WebRouteKind {
        WEB_ROUTE_INDEX,     /* GET / */
        WEB_ROUTE_PAIR_PAGE, /* GET /pair */
        WEB_ROUTE_STATIC,    /* GET /static/NAME */
        WEB_ROUTE_STATUS,    /* GET /api/status */
        WEB_ROUTE_EVENTS,    /* GET /api/events */
        WEB_ROUTE_WHOAMI,    /* GET /api/whoami */
        WEB_ROUTE_WORKOUTS,  /* GET /api/workouts */
        WEB_ROUTE_SESSIONS,  /* GET /api/sessions */
        WEB_ROUTE_SESSION,   /* GET /api/sessions/ID */
        WEB_ROUTE_REPORT,    /* GET /api/sessions/ID/report.svg */
        WEB_ROUTE_EXPORT,    /* GET /api/sessions/ID/export.{fit,tcx,csv} */
        WEB_ROUTE_PAIR,      /* POST /api/pair */
        WEB_ROUTE_CONTROL,   /* POST /api/control/ACTION */
        _WEB_ROUTE_KIND_MAX,
        _WEB_ROUTE_KIND_INVALID = -EINVAL,
} WebRouteKind;

typedef enum WebAction {
        WEB_ACTION_START,
        WEB_ACTION_PAUSE,
        WEB_ACTION_RESUME,
        WEB_ACTION_STOP,
        WEB_ACTION_SKIP,
        WEB_ACTION_EXTEND,
        WEB_ACTION_FASTER,
        WEB_ACTION_SLOWER,
        _WEB_ACTION_MAX,
        _WEB_ACTION_INVALID = -EINVAL,
} WebAction;

typedef enum WebExportFormat {
        WEB_EXPORT_FIT,
        WEB_EXPORT_TCX,
        WEB_EXPORT_CSV,
        _WEB_EXPORT_MAX,
        _WEB_EXPORT_INVALID = -EINVAL,
} WebExportFormat;

typedef struct WebRoute {
        WebRouteKind kind;
        bool post; /* the method the route needs */
        int64_t session_id;
        WebExportFormat format;
        WebAction action;
        char name[WEB_STATIC_NAME_MAX + 1]; /* WEB_ROUTE_STATIC */
} WebRoute;

/*
 * Parses an already percent-decoded path (no query string). -ENOENT: no such
 * route (404); -EINVAL: a static name or session id that can never be valid
 * (".." and other traversal, 404 as well); -EBADRQC: known route, wrong method (405).
 */
int web_route_parse(const char *method, const char *path, WebRoute *ret);

const char *web_action_to_string(WebAction a);
const char *web_export_format_to_string(WebExportFormat f);

typedef struct WebControlArgs {
        char workout[128]; /* START: library name, "" for today's */
        bool arm;          /* START */
        unsigned seconds;  /* EXTEND: 1..3600 */
        double delta_kmh;  /* FASTER/SLOWER: 0 < delta <= 5, signed on return */
} WebControlArgs;

/*
 * The control request's body: a JSON object (or an empty body for the
 * defaults: 30 s, 0.5 km/h). -EMSGSIZE above WEB_BODY_MAX; -EINVAL with a
 * sentence in error for malformed JSON, unknown keys or values out of range.
 */
int web_control_args_parse(WebAction a, const char *body, size_t len, WebControlArgs *ret,
                           char *error, size_t error_size);

/* POST /api/pair's {"code": "..."}; -EINVAL with a sentence in error. */
int web_pair_args_parse(const char *body, size_t len, char *code, size_t code_size, char *error,
                        size_t error_size);

/* "Bearer TOKEN" → TOKEN (a pointer into header), NULL if not that form. */
const char *web_token_from_authorization(const char *header);
/* The value of the paced_token cookie in a Cookie header, copied to ret; false if none. */
bool web_token_from_cookie(const char *header, char *ret, size_t size);

/*
 * A state-changing request must come from our own page: its Origin must be
 * "http(s)://HOST" for the Host it was sent to (scheme by our TLS). A
 * missing Origin is refused as well: every browser sends it with a POST.
 */
bool web_origin_is_same(const char *origin, const char *host, bool tls);

/* JSON string body (no quotes) of s into buf; always NUL-terminated, truncated
 * if needed at a character boundary. Always valid UTF-8: a byte that is not
 * becomes \ufffd, a control character (C0, DEL, C1) \u00XX. */
void web_json_escape(const char *s, char *buf, size_t size);
