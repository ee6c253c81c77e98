/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "read-file.h"
#include "sync-config.h"
#include "util.h"

typedef enum KeyType {
        KEY_STRING,
        KEY_URL,
        KEY_PATH,
        KEY_BOOL,
        KEY_DAYS,
        KEY_DURATION,
        KEY_ID,
} KeyType;

typedef struct Key {
        const char *section, *name;
        KeyType type;
        size_t offset;
        uint64_t min, max; /* durations (usec), days */
} Key;

#define K(sec, n, t, field, lo, hi)                                                                \
        {                                                                                          \
                sec, n, t, offsetof(SyncConfig, field), lo, hi                                     \
        }

static const Key keys[] = {
        K("Sync", "days_ahead", KEY_DAYS, days_ahead, 1, 28),
        K("Sync", "ca_file", KEY_PATH, ca_file, 0, 0),
        K("Sync", "timeout", KEY_DURATION, timeout_usec, USEC_PER_SEC, 600 * USEC_PER_SEC),
        K("Sync", "retry_min", KEY_DURATION, retry_min_usec, USEC_PER_SEC / 10,
          3600 * USEC_PER_SEC),
        K("Sync", "retry_max", KEY_DURATION, retry_max_usec, USEC_PER_SEC,
          7 * 24 * 3600 * USEC_PER_SEC),
        K("Sync", "calendar_interval", KEY_DURATION, calendar_interval_usec, 60 * USEC_PER_SEC,
          7 * 24 * 3600 * USEC_PER_SEC),
        K("intervals.icu", "athlete_id", KEY_ID, intervals.athlete_id, 0, 0),
        K("intervals.icu", "api_key_file", KEY_PATH, intervals.api_key_file, 0, 0),
        K("intervals.icu", "api_url", KEY_URL, intervals.api_url, 0, 0),
        K("intervals.icu", "upload", KEY_BOOL, intervals.upload, 0, 0),
        K("intervals.icu", "calendar", KEY_BOOL, intervals.calendar, 0, 0),
        K("Strava", "client_id", KEY_ID, strava.client_id, 0, 0),
        K("Strava", "client_secret_file", KEY_PATH, strava.client_secret_file, 0, 0),
        K("Strava", "api_url", KEY_URL, strava.api_url, 0, 0),
        K("Strava", "oauth_url", KEY_URL, strava.oauth_url, 0, 0),
        K("Strava", "upload", KEY_BOOL, strava.upload, 0, 0),
};

typedef struct ParseState {
        SyncConfig *c;
        SyncConfigError *error;
        const char *text;
        size_t len, pos;
        unsigned line;
        unsigned key_line[ELEMENTSOF(keys)];
        int r;
} ParseState;

static int fail(ParseState *s, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(ParseState *s, int r, const char *fmt, ...)
{
        va_list ap;

        if (s->r < 0)
                return r;
        s->r = r;
        s->error->line = s->line;
        va_start(ap, fmt);
        vsnprintf(s->error->message, sizeof(s->error->message), fmt, ap);
        va_end(ap);
        return r;
}

static char *reader(char *buf, int size, void *stream)
{
        ParseState *s = stream;
        size_t n = 0;

        if (s->r < 0 || s->pos >= s->len)
                return NULL;
        s->line++;
        while (s->pos < s->len) {
                char ch = s->text[s->pos++];

                if (ch == '\0') {
                        fail(s, -EINVAL, "NUL byte in configuration");
                        return NULL;
                }
                if ((int)n >= size - 2) {
                        fail(s, -EINVAL, "line too long");
                        return NULL;
                }
                buf[n++] = ch;
                if (ch == '\n')
                        break;
        }
        buf[n] = '\0';
        return buf;
}

int sync_parse_duration(const char *s, uint64_t *ret)
{
        static const struct {
                const char *suffix;
                double usec;
        } units[] = {
                {"", 1e6}, {"s", 1e6}, {"ms", 1e3}, {"min", 60e6}, {"h", 3600e6}, {"d", 86400e6},
        };
        char *end;
        double v;

        if (!s || !isdigit((unsigned char)s[0]))
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno || !isfinite(v) || v < 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        double usec = v * units[i].usec;

                        if (usec > 1e18)
                                return -EINVAL;
                        *ret = (uint64_t)usec;
                        return 0;
                }
        return -EINVAL;
}

static int parse_bool(const char *v, bool *ret)
{
        if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") ||
            streq(v, "1"))
                *ret = true;
        else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") ||
                 streq(v, "0"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

/* Printable ASCII without spaces or characters that need escaping in a URL path. */
static bool id_is_valid(const char *v)
{
        size_t n = strlen(v);

        if (n == 0 || n > 64)
                return false;
        for (const char *p = v; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
                        return false;
        return true;
}

static int set_key(ParseState *s, const Key *k, const char *v)
{
        uint8_t *field = (uint8_t *)s->c + k->offset;
        char **sp = (char **)field;
        uint64_t d;
        char *end;
        unsigned long n;

        switch (k->type) {
        case KEY_URL:
                /* TLS always: a plain http:// service cannot be configured, not even
                 * for a test (the tests run their fakes with a test CA). */
                if (strncmp(v, "https://", 8) != 0 || strlen(v) <= 8 || strlen(v) > 512 ||
                    strpbrk(v, " \t?#"))
                        return fail(s, -EINVAL, "[%s] %s: expected an https:// URL", k->section,
                                    k->name);
                break;
        case KEY_PATH:
                if (v[0] != '/' || strlen(v) > 4096)
                        return fail(s, -EINVAL, "[%s] %s: expected an absolute path", k->section,
                                    k->name);
                break;
        case KEY_ID:
                if (!id_is_valid(v))
                        return fail(s, -EINVAL,
                                    "[%s] %s: expected letters, digits, '-', '_' or '.' (at "
                                    "most 64)",
                                    k->section, k->name);
                break;
        case KEY_STRING:
                break;
        case KEY_BOOL:
                if (parse_bool(v, (bool *)field) < 0)
                        return fail(s, -EINVAL, "[%s] %s: expected yes or no", k->section, k->name);
                return 0;
        case KEY_DAYS:
                errno = 0;
                n = strtoul(v, &end, 10);
                if (errno || end == v || *end || !isdigit((unsigned char)v[0]) || n < k->min ||
                    n > k->max)
                        return fail(s, -EINVAL, "[%s] %s: expected %" PRIu64 " to %" PRIu64,
                                    k->section, k->name, k->min, k->max);
                *(unsigned *)field = (unsigned)n;
                return 0;
        case KEY_DURATION:
                if (sync_parse_duration(v, &d) < 0 || d < k->min || d > k->max)
                        return fail(s, -EINVAL,
                                    "[%s] %s: expected a duration (30s, 5min, 2h) from %gs to "
                                    "%gs",
                                    k->section, k->name, (double)k->min / 1e6,
                                    (double)k->max / 1e6);
                *(uint64_t *)field = d;
                return 0;
        }
        free(*sp);
        *sp = strdup(v);
        if (!*sp)
                return fail(s, -ENOMEM, "out of memory");
        return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
        ParseState *s = user;
        bool section_known = false;

        if (s->r < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (!streq(keys[i].section, section))
                        continue;
                section_known = true;
                if (!streq(keys[i].name, name))
                        continue;
                if (s->key_line[i]) {
                        fail(s, -EINVAL, "[%s] %s is already set on line %u", section, name,
                             s->key_line[i]);
                        return 0;
                }
                s->key_line[i] = s->line;
                if (!*value)
                        return 1; /* "key =": the default */
                return set_key(s, &keys[i], value) < 0 ? 0 : 1;
        }
        if (section_known)
                fail(s, -EINVAL, "unknown key '%s' in [%s]", name, section);
        else
                fail(s, -EINVAL, "unknown section [%s] (Sync, intervals.icu, Strava)", section);
        return 0;
}

static int set_default(char **p, const char *v)
{
        if (*p)
                return 0;
        *p = strdup(v);
        return *p ? 0 : -ENOMEM;
}

SyncConfig *sync_config_free(SyncConfig *c)
{
        if (!c)
                return NULL;
        free(c->ca_file);
        free(c->intervals.athlete_id);
        free(c->intervals.api_key_file);
        free(c->intervals.api_url);
        free(c->strava.client_id);
        free(c->strava.client_secret_file);
        free(c->strava.api_url);
        free(c->strava.oauth_url);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(SyncConfig *, sync_config_free);

int sync_config_load_string(const char *text, size_t len, SyncConfig **ret,
                            SyncConfigError *ret_error)
{
        _cleanup_(sync_config_freep) SyncConfig *c = calloc(1, sizeof(*c));
        SyncConfigError error = {};
        ParseState s = {.error = &error, .text = text, .len = len};
        int r;

        if (!c)
                return -ENOMEM;
        *c = (SyncConfig){
                .days_ahead = 7,
                .timeout_usec = 60 * USEC_PER_SEC,
                .retry_min_usec = 30 * USEC_PER_SEC,
                .retry_max_usec = 6 * 3600 * USEC_PER_SEC,
                .calendar_interval_usec = 6 * 3600 * USEC_PER_SEC,
                .intervals = {.upload = true, .calendar = true},
                .strava = {.upload = true},
        };
        s.c = c;
        r = ini_parse_stream(reader, &s, handler, &s);
        if (s.r == 0 && r > 0) {
                s.line = (unsigned)r;
                fail(&s, -EINVAL, "syntax error: expected 'key = value' or '[Section]'");
        } else if (s.r == 0 && r < 0)
                fail(&s, -ENOMEM, "out of memory");
        s.line = 0;
        if (s.r == 0 && c->retry_min_usec > c->retry_max_usec)
                fail(&s, -EINVAL, "[Sync] retry_min is above retry_max");
        if (s.r == 0 && (set_default(&c->intervals.api_url, SYNC_INTERVALS_API_URL) < 0 ||
                         set_default(&c->strava.api_url, SYNC_STRAVA_API_URL) < 0 ||
                         set_default(&c->strava.oauth_url, SYNC_STRAVA_OAUTH_URL) < 0))
                fail(&s, -ENOMEM, "out of memory");
        if (s.r < 0) {
                if (ret_error)
                        *ret_error = error;
                return s.r;
        }
        c->intervals.enabled = c->intervals.athlete_id != NULL;
        c->strava.enabled = c->strava.client_id != NULL;
        *ret = TAKE_PTR(c);
        return 0;
}

int sync_config_load_file(const char *path, SyncConfig **ret, SyncConfigError *ret_error)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        /* Non-blocking, a regular file, capped: a FIFO or a device named as
         * the configuration must not hang the service or feed it forever. */
        r = read_file_regular(path, 64 * 1024, 0, &buf, &len);
        if (r < 0) {
                if (ret_error) {
                        *ret_error = (SyncConfigError){};
                        snprintf(ret_error->message, sizeof(ret_error->message), "%s: %s", path,
                                 r == -EFBIG    ? "larger than 64 KiB"
                                 : r == -EBADFD ? "not a regular file"
                                                : strerror(-r));
                }
                return r;
        }
        return sync_config_load_string(buf, len, ret, ret_error);
}
