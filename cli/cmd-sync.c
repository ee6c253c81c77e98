/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl sync status [--json] | now | retry | upload ID | strava-login [--url URL] |
 * settings [--apply]: paced-sync's outbox and calendar, the Strava login, and
 * intervals.icu's running settings as a diff against paced.conf (docs/sync.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus-client.h"
#include "config.h"
#include "util.h"
#include "workout.h"

#define SYNC_BUS_NAME  "io.paced.sync1"
#define SYNC_BUS_PATH  "/io/paced/sync1"
#define SYNC_BUS_IFACE "io.paced.sync1.Manager"

static int sync_error_exit(const char *what, const sd_bus_error *error, int r)
{
        const char *name = error && sd_bus_error_is_set(error) ? error->name : NULL;

        /* paced-sync's errors are sentences: no method name in front. */
        if (name && streq(name, "io.paced.sync1.Error.NotPermitted")) {
                fprintf(stderr, "pacectl: %s\n", error->message);
                return PACECTL_EXIT_NOT_PERMITTED;
        }
        if (name && streq(name, "io.paced.sync1.Error.InvalidArgument")) {
                fprintf(stderr, "pacectl: %s\n", error->message);
                return PACECTL_EXIT_USAGE;
        }
        if (name && (streq(name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
                     streq(name, "org.freedesktop.DBus.Error.NameHasNoOwner"))) {
                fprintf(stderr,
                        "pacectl: paced-sync is not running (systemctl start paced-sync)\n");
                return PACECTL_EXIT_UNAVAILABLE;
        }
        return pacectl_error_exit(what, error, r);
}

/* Calls a paced-sync method; on failure prints and returns the exit code, else 0. */
static int call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &msg, SYNC_BUS_NAME, SYNC_BUS_PATH, SYNC_BUS_IFACE,
                                           method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
        }
        if (r < 0)
                return sync_error_exit(method, NULL, r);
        /* Logins and settings wait for the service: more than the default 25 s. */
        r = sd_bus_call(bus, msg, 120 * USEC_PER_SEC, &error, reply);
        if (r < 0)
                return sync_error_exit(method, &error, r);
        return 0;
}

static const char *format_time(uint64_t usec, char *buf, size_t n)
{
        time_t t = (time_t)(usec / USEC_PER_SEC);
        struct tm tm;

        if (!usec || !localtime_r(&t, &tm))
                return "";
        strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
        return buf;
}

static int status(sd_bus *bus, bool json)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *state, *detail, *service, *kind, *remote, *date, *event, *type, *outcome;
        uint64_t until, id, session, next;
        unsigned failures;
        size_t n = 0;
        char buf[32];
        int r;

        r = call(bus, "GetStatus", &reply, NULL);
        if (r)
                return r;
        if (json)
                printf("{\"services\":[");
        else
                printf("SERVICE        STATE     DETAIL\n");
        r = sd_bus_message_enter_container(reply, 'a', "(ssst)");
        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(ssst)", &name, &state, &detail, &until)) > 0) {
                if (json) {
                        printf("%s{\"name\":", n++ ? "," : "");
                        pacectl_json_string(stdout, name);
                        printf(",\"state\":\"%s\",\"detail\":", state);
                        pacectl_json_string(stdout, detail);
                        printf(",\"until_usec\":%" PRIu64 "}", until);
                } else
                        printf("%-14s %-9s %s%s%s\n", name, state, detail, until ? " until " : "",
                               format_time(until, buf, sizeof(buf)));
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);

        n = 0;
        if (json)
                printf("],\"jobs\":[");
        else
                printf("\nID  SERVICE        WHAT         STATE       DETAIL\n");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(tsstssstu)");
        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(tsstssstu)", &id, &service, &kind, &session,
                                        &state, &detail, &remote, &next, &failures)) > 0) {
                char what[24];

                if (streq(kind, "upload"))
                        snprintf(what, sizeof(what), "session %" PRIu64, session);
                else
                        snprintf(what, sizeof(what), "%s", kind);
                if (json) {
                        printf("%s{\"id\":%" PRIu64 ",\"service\":", n++ ? "," : "", id);
                        pacectl_json_string(stdout, service);
                        printf(",\"kind\":\"%s\",\"session_id\":%" PRIu64 ",\"state\":\"%s\","
                               "\"detail\":",
                               kind, session, state);
                        pacectl_json_string(stdout, detail);
                        printf(",\"remote_id\":");
                        pacectl_json_string(stdout, remote);
                        printf(",\"next_usec\":%" PRIu64 ",\"failures\":%u}", next, failures);
                } else
                        printf("%-3" PRIu64 " %-14s %-12s %-11s %s\n", id, service, what, state,
                               detail);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);

        n = 0;
        if (json)
                printf("],\"calendar\":[");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ssssss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssss)", &service, &date, &event, &name,
                                                  &type, &outcome)) > 0) {
                if (json) {
                        printf("%s{\"service\":", n++ ? "," : "");
                        pacectl_json_string(stdout, service);
                        printf(",\"date\":\"%s\",\"event_id\":", date);
                        pacectl_json_string(stdout, event);
                        printf(",\"name\":");
                        pacectl_json_string(stdout, name);
                        printf(",\"type\":");
                        pacectl_json_string(stdout, type);
                        printf(",\"outcome\":");
                        pacectl_json_string(stdout, outcome);
                        printf("}");
                } else {
                        if (n++ == 0)
                                printf("\nPLANNED     WORKOUT                         SPORT        "
                                       "OUTCOME\n");
                        printf("%-10s  %-30.30s  %-11.11s  %s\n", date, name, type, outcome);
                }
        }
        if (json)
                printf("]}\n");
        if (r < 0) {
                fprintf(stderr, "pacectl: sync status: the answer does not parse: %s\n",
                        strerror(-r));
                return PACECTL_EXIT_FAILURE;
        }
        return PACECTL_EXIT_OK;
}

/* The value of key in the query of an address ("...?state=&code=abc&scope=read"). */
static char *query_value(const char *url, const char *key)
{
        const char *q = strchr(url, '?');
        size_t k = strlen(key);

        for (const char *p = q ? q + 1 : url; p && *p;) {
                const char *end = strpbrk(p, "&#\r\n ");
                size_t n = end ? (size_t)(end - p) : strlen(p);

                if (n > k && strncmp(p, key, k) == 0 && p[k] == '=')
                        return strndup(p + k + 1, n - k - 1);
                if (!end || *end != '&')
                        break;
                p = end + 1;
        }
        return NULL;
}

static int strava_login(sd_bus *bus, const char *url_arg)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *login = NULL;
        _cleanup_free_ char *line = NULL, *code = NULL, *scope = NULL, *error = NULL;
        const char *authorize, *athlete, *url = url_arg;
        size_t size = 0;
        int r;

        r = call(bus, "StravaAuthorizeUrl", &reply, NULL);
        if (r)
                return r;
        r = sd_bus_message_read(reply, "s", &authorize);
        if (r < 0)
                return sync_error_exit("StravaAuthorizeUrl", NULL, r);
        if (!url) {
                printf("1. Open this address in a browser, log in to Strava and press "
                       "Authorize\n   (keep \"Upload your activities\" ticked):\n\n   %s\n\n"
                       "2. The browser then goes to an address on localhost that does not "
                       "load.\n   That is expected: copy the whole address from the address "
                       "bar\n   (http://localhost/exchange_token?state=&code=...) and paste it "
                       "here:\n\n> ",
                       authorize);
                fflush(stdout);
                if (getline(&line, &size, stdin) < 0) {
                        fprintf(stderr, "pacectl: sync strava-login: no address given\n");
                        return PACECTL_EXIT_USAGE;
                }
                url = line;
        }
        error = query_value(url, "error");
        if (error) {
                fprintf(stderr,
                        "pacectl: sync strava-login: Strava says '%s': the "
                        "authorization was not given. Run strava-login again and "
                        "press Authorize.\n",
                        error);
                return PACECTL_EXIT_FAILURE;
        }
        code = query_value(url, "code");
        if (!code || !*code) {
                fprintf(stderr, "pacectl: sync strava-login: no code= in that address: paste "
                                "the whole address the browser went to.\n");
                return PACECTL_EXIT_USAGE;
        }
        /* Unticking "Upload your activities" takes activity:write away: uploads would fail. */
        scope = query_value(url, "scope");
        if (scope && !strstr(scope, "activity:write")) {
                fprintf(stderr,
                        "pacectl: sync strava-login: Strava was not allowed to take "
                        "uploads (scope '%s'): run strava-login again and keep "
                        "\"Upload your activities\" ticked.\n",
                        scope);
                return PACECTL_EXIT_FAILURE;
        }
        r = call(bus, "StravaLogin", &login, "s", code);
        explicit_bzero(code, strlen(code));
        if (line)
                explicit_bzero(line, strlen(line));
        if (r)
                return r;
        if (sd_bus_message_read(login, "s", &athlete) < 0)
                athlete = "";
        printf("Logged in to Strava%s%s; sessions go there from now on.\n", *athlete ? " as " : "",
               athlete);
        return PACECTL_EXIT_OK;
}

/* ---- settings: intervals.icu's running settings into paced.conf's [Runner] ---- */

DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

typedef struct Setting {
        const char *key;
        char current[32], offered[32]; /* "" when not set */
} Setting;

static void format_setting(const char *key, double v, char *buf, size_t n)
{
        if (!(v > 0)) {
                buf[0] = '\0';
                return;
        }
        if (streq(key, "threshold_pace")) {
                long s = lround(v);

                snprintf(buf, n, "%ld:%02ld/km", s / 60, s % 60);
        } else
                snprintf(buf, n, "%.0f", v);
}

/* text with key = value set in [Runner] (replacing an active line, else right after the
 * section header; the section is added if missing). malloc'd, NULL on OOM. */
static char *ini_set(const char *text, const char *key, const char *value)
{
        char *out = NULL;
        size_t out_len = 0;
        FILE *f = open_memstream(&out, &out_len);
        bool in_runner = false, done = false, have_section = false;
        const char *p = text;

        if (!f)
                return NULL;
        while (*p) {
                const char *eol = strchr(p, '\n');
                size_t n = eol ? (size_t)(eol - p + 1) : strlen(p);
                const char *q = p;

                while (q < p + n && (*q == ' ' || *q == '\t'))
                        q++;
                if (*q == '[') {
                        /* Leaving [Runner] without the key: it goes at its end. */
                        if (in_runner && !done) {
                                fprintf(f, "%s = %s\n", key, value);
                                done = true;
                        }
                        in_runner = strncmp(q, "[Runner]", 8) == 0;
                        have_section = have_section || in_runner;
                } else if (in_runner && !done && strncmp(q, key, strlen(key)) == 0) {
                        const char *r = q + strlen(key);

                        while (*r == ' ' || *r == '\t')
                                r++;
                        if (*r == '=') {
                                fprintf(f, "%s = %s\n", key, value);
                                done = true;
                                p += n;
                                continue;
                        }
                }
                fwrite(p, 1, n, f);
                if (!eol)
                        fputc('\n', f);
                p += n;
        }
        if (!done)
                fprintf(f, "%s%s = %s\n", have_section ? "" : "\n[Runner]\n", key, value);
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

static int write_atomically(const char *path, const char *text)
{
        _cleanup_free_ char *tmp = NULL;
        struct stat st;
        FILE *f;
        int r = 0;

        if (stat(path, &st) < 0 || asprintf(&tmp, "%s.pacectl-tmp", path) < 0)
                return -errno;
        f = fopen(tmp, "wxe");
        if (!f)
                return -errno;
        if (fputs(text, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && (chmod(tmp, st.st_mode & 07777) < 0 || rename(tmp, path) < 0))
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

static int settings(sd_bus *bus, const char *config_path, bool apply)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *text = NULL;
        ConfigError e = {};
        uint32_t max_hr, lthr;
        double pace;
        Setting set[3] = {{.key = "max_hr"}, {.key = "lthr"}, {.key = "threshold_pace"}};
        size_t changes = 0, len;
        int r;

        r = config_load_file(config_path, &c, &e);
        if (r < 0) {
                fprintf(stderr, "pacectl: sync settings: %s%s%.0u: %s\n", config_path,
                        e.line ? ":" : "", e.line, e.message);
                return PACECTL_EXIT_FAILURE;
        }
        r = call(bus, "FetchRunnerSettings", &reply, NULL);
        if (r)
                return r;
        r = sd_bus_message_read(reply, "uud", &max_hr, &lthr, &pace);
        if (r < 0)
                return sync_error_exit("FetchRunnerSettings", NULL, r);
        format_setting("max_hr", c->max_hr, set[0].current, sizeof(set[0].current));
        format_setting("max_hr", max_hr, set[0].offered, sizeof(set[0].offered));
        format_setting("lthr", c->lthr, set[1].current, sizeof(set[1].current));
        format_setting("lthr", lthr, set[1].offered, sizeof(set[1].offered));
        format_setting("threshold_pace", c->threshold_pace_s_per_km, set[2].current,
                       sizeof(set[2].current));
        format_setting("threshold_pace", pace, set[2].offered, sizeof(set[2].offered));

        printf("Running settings on intervals.icu against [Runner] in %s:\n", config_path);
        for (size_t i = 0; i < ELEMENTSOF(set); i++) {
                const Setting *x = &set[i];
                bool change = x->offered[0] && !streq(x->current, x->offered);

                printf("  %c %-15s %-10s -> %s%s\n", change ? '~' : ' ', x->key,
                       x->current[0] ? x->current : "(not set)",
                       x->offered[0] ? x->offered : "(not set on intervals.icu)",
                       x->offered[0] && !change ? " (the same)" : "");
                changes += change;
        }
        if (changes == 0) {
                printf("Nothing to change.\n");
                return PACECTL_EXIT_OK;
        }
        if (!apply) {
                printf("pacectl sync settings --apply writes the %zu change%s marked ~ into %s.\n",
                       changes, changes == 1 ? "" : "s", config_path);
                return PACECTL_EXIT_OK;
        }

        r = workout_read_file(config_path, 1024 * 1024, &text, &len);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(set); i++) {
                char *t;

                if (!set[i].offered[0] || streq(set[i].current, set[i].offered))
                        continue;
                t = ini_set(text, set[i].key, set[i].offered);
                if (!t)
                        r = -ENOMEM;
                free(text);
                text = t;
        }
        if (r < 0) {
                fprintf(stderr, "pacectl: sync settings: %s: %s\n", config_path, strerror(-r));
                return PACECTL_EXIT_FAILURE;
        }
        /* paced would refuse a file that does not check: so does this. */
        {
                _cleanup_(config_freep) Config *check = NULL;

                r = config_load_string(text, strlen(text), &check, &e);
                if (r < 0) {
                        fprintf(stderr,
                                "pacectl: sync settings: the result would not be valid "
                                "(line %u: %s); %s is unchanged\n",
                                e.line, e.message, config_path);
                        return PACECTL_EXIT_FAILURE;
                }
        }
        r = write_atomically(config_path, text);
        if (r < 0) {
                fprintf(stderr, "pacectl: sync settings: cannot write %s: %s\n", config_path,
                        strerror(-r));
                return r == -EACCES || r == -EPERM ? PACECTL_EXIT_NOT_PERMITTED
                                                   : PACECTL_EXIT_FAILURE;
        }
        printf("Written. systemctl reload paced puts them in force.\n");
        return PACECTL_EXIT_OK;
}

static const char help_text[] =
        "  status [--json]           What is queued, done and failed, and why\n"
        "  now                       Upload what waits and fetch the calendar now\n"
        "  retry                     Queue the failed uploads again\n"
        "  upload ID                 Queue session ID (one from before the setup)\n"
        "  strava-login [--url URL]  Log in to Strava (once; URL: the address the\n"
        "                            browser was sent to, else asked for)\n"
        "  settings [--apply] [--config FILE]\n"
        "                            intervals.icu's max HR, LTHR and threshold pace\n"
        "                            against paced.conf's [Runner]; --apply writes them\n";

static int cmd_sync(int argc, char *argv[])
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *verb = argc >= 2 ? argv[1] : "status";
        bool json = false;
        int r;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        pacectl_print_usage("sync", help_text);
                        return PACECTL_EXIT_OK;
                }
                if (streq(argv[i], "--json"))
                        json = true;
        }
        if (streq(verb, "--json"))
                verb = "status";
        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);

        if (streq(verb, "status"))
                return status(bus, json);
        if (streq(verb, "now")) {
                r = call(bus, "SyncNow", NULL, NULL);
                if (!r)
                        printf("Syncing: see pacectl sync status.\n");
                return r;
        }
        if (streq(verb, "retry")) {
                uint32_t n = 0;

                r = call(bus, "RetryFailed", &reply, NULL);
                if (r)
                        return r;
                (void)sd_bus_message_read(reply, "u", &n);
                printf("%" PRIu32 " failed upload%s queued again.\n", n, n == 1 ? "" : "s");
                return PACECTL_EXIT_OK;
        }
        if (streq(verb, "upload")) {
                char *end;
                unsigned long long id;
                uint32_t n = 0;

                if (argc != 3) {
                        fprintf(stderr, "pacectl sync upload: expected one session ID\n");
                        return PACECTL_EXIT_USAGE;
                }
                errno = 0;
                id = strtoull(argv[2], &end, 10);
                if (errno || *end || end == argv[2] || id == 0) {
                        fprintf(stderr, "pacectl sync upload: '%s' is not a session ID\n", argv[2]);
                        return PACECTL_EXIT_USAGE;
                }
                r = call(bus, "QueueUpload", &reply, "t", (uint64_t)id);
                if (r)
                        return r;
                (void)sd_bus_message_read(reply, "u", &n);
                printf("Session %llu queued for %" PRIu32 " service%s.\n", id, n,
                       n == 1 ? "" : "s");
                return PACECTL_EXIT_OK;
        }
        if (streq(verb, "strava-login")) {
                const char *url = NULL;

                for (int i = 2; i < argc; i++)
                        if (streq(argv[i], "--url") && i + 1 < argc)
                                url = argv[++i];
                        else if (strncmp(argv[i], "--url=", 6) == 0)
                                url = argv[i] + 6;
                        else {
                                fprintf(stderr,
                                        "pacectl sync strava-login: unknown argument "
                                        "'%s'\n",
                                        argv[i]);
                                return PACECTL_EXIT_USAGE;
                        }
                return strava_login(bus, url);
        }
        if (streq(verb, "settings")) {
                const char *config = CONFIG_DEFAULT_PATH;
                bool apply = false;

                for (int i = 2; i < argc; i++)
                        if (streq(argv[i], "--apply"))
                                apply = true;
                        else if (streq(argv[i], "--config") && i + 1 < argc)
                                config = argv[++i];
                        else {
                                fprintf(stderr, "pacectl sync settings: unknown argument '%s'\n",
                                        argv[i]);
                                return PACECTL_EXIT_USAGE;
                        }
                return settings(bus, config, apply);
        }
        fprintf(stderr,
                "pacectl sync: unknown action '%s' (status, now, retry, upload, "
                "strava-login, settings)\n",
                verb);
        return PACECTL_EXIT_USAGE;
}

PACECTL_COMMAND(sync, .name = "sync",
                .args = "[status [--json] | now | retry | upload ID | strava-login | settings]",
                .summary = "paced-sync: uploads, the calendar, the Strava login.", .run = cmd_sync);
