/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * web.conf: paced-web's own [Web] section, strict like paced.conf (an
 * unknown key or a bad value fails the whole file with its line), so that a
 * typo never opens the server somewhere the admin did not choose.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "read-file.h"
#include "util.h"
#include "web.h"

typedef struct Parse {
        WebConfig *c;
        FILE *f;
        int line;
        int error;
        bool listen_seen;
} Parse;

static int set_string(char **field, const char *value)
{
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = *value ? copy : (free(copy), NULL);
        return 0;
}

static int parse_unsigned(const char *v, unsigned lo, unsigned hi, unsigned *ret)
{
        char *end;
        unsigned long n;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-' || n < lo || n > hi)
                return -ERANGE;
        *ret = (unsigned)n;
        return 0;
}

static int parse_listen(WebConfig *c, const char *value)
{
        _cleanup_free_ char *copy = strdup(value);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_listen; i++)
                free(c->listen[i]);
        c->n_listen = 0;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                if (c->n_listen == WEB_LISTEN_MAX || strlen(w) >= 64 || !strrchr(w, ':'))
                        return -EINVAL;
                c->listen[c->n_listen] = strdup(w);
                if (!c->listen[c->n_listen])
                        return -ENOMEM;
                c->n_listen++;
        }
        return 0;
}

/* inih as Debian builds it passes no line numbers: count them here. */
static char *reader(char *str, int num, void *stream)
{
        Parse *p = stream;

        p->line++;
        return fgets(str, num, p->f);
}

/* Returns nonzero to inih (success); the first error is kept in p->error. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
        Parse *p = user;
        int line = p->line;
        WebConfig *c = p->c;
        int r;

        if (p->error)
                return 1;
        if (!streq(section, "Web")) {
                log_error("web.conf:%d: unknown section [%s] (paced-web reads [Web] only).", line,
                          section);
                p->error = -EINVAL;
                return 1;
        }
        if (streq(name, "listen")) {
                r = parse_listen(c, value);
                p->listen_seen = true;
        } else if (streq(name, "interface"))
                r = set_string(&c->interface, value);
        else if (streq(name, "port"))
                r = parse_unsigned(value, 1, 65535, &c->port);
        else if (streq(name, "url"))
                r = set_string(&c->url, value);
        else if (streq(name, "tls_certificate"))
                r = set_string(&c->tls_certificate, value);
        else if (streq(name, "tls_key"))
                r = set_string(&c->tls_key, value);
        else if (streq(name, "paced_state_dir"))
                r = set_string(&c->paced_state_dir, value);
        else if (streq(name, "client_timeout"))
                r = parse_unsigned(value, 2, 3600, &c->client_timeout_s);
        else if (streq(name, "max_clients"))
                r = parse_unsigned(value, 1, 1000, &c->max_clients);
        else if (streq(name, "admin_group"))
                r = set_string(&c->admin_group, value);
        else {
                log_error("web.conf:%d: unknown key '%s' in [Web].", line, name);
                p->error = -EINVAL;
                return 1;
        }
        if (r < 0) {
                log_error("web.conf:%d: invalid %s '%s'.", line, name, value);
                p->error = r;
        }
        return 1;
}

int web_config_load(WebConfig *c, const char *path, bool must_exist)
{
        Parse p = {.c = c};
        _cleanup_free_ char *text = NULL;
        size_t len;
        FILE *f;
        int r;

        *c = (WebConfig){.port = 8080, .client_timeout_s = 30, .max_clients = 32};
        if (!path)
                goto defaults;
        /* Non-blocking, a regular file, capped: a FIFO named as the
         * configuration must not hang the service. */
        r = read_file_regular(path, 64 * 1024, 0, &text, &len);
        if (r == -ENOENT && !must_exist)
                goto defaults;
        if (r == -EBADFD)
                return log_error_errno(r, "Cannot read %s: not a regular file.", path);
        if (r == -EFBIG)
                return log_error_errno(r, "Cannot read %s: larger than 64 KiB.", path);
        if (r < 0)
                return log_error_errno(r, "Cannot read %s: %m", path);
        if (len == 0)
                goto defaults;
        f = fmemopen(text, len, "r");
        if (!f)
                return log_oom();
        p.f = f;
        r = ini_parse_stream(reader, &p, handler, &p);
        fclose(f);
        if (r != 0 && !p.error) {
                log_error("%s:%d: not an ini line.", path, r);
                return -EINVAL;
        }
        if (p.error)
                return p.error;
defaults:
        /* Loopback always, plus the LAN interface's addresses when one is configured. */
        if (!p.listen_seen) {
                char buf[64];

                snprintf(buf, sizeof(buf), "127.0.0.1:%u", c->port);
                r = parse_listen(c, buf);
                if (r < 0)
                        return r;
                c->listen[c->n_listen] = NULL;
                snprintf(buf, sizeof(buf), "[::1]:%u", c->port);
                c->listen[c->n_listen++] = strdup(buf);
        }
        if (!c->paced_state_dir)
                c->paced_state_dir = strdup("/var/lib/paced");
        if ((c->tls_certificate == NULL) != (c->tls_key == NULL))
                return log_error_errno(EINVAL, "%s: TLS needs both tls_certificate and tls_key.",
                                       path);
        return 0;
}

void web_config_done(WebConfig *c)
{
        for (size_t i = 0; i < c->n_listen; i++)
                free(c->listen[i]);
        free(c->interface);
        free(c->url);
        free(c->tls_certificate);
        free(c->tls_key);
        free(c->paced_state_dir);
        free(c->admin_group);
        *c = (WebConfig){};
}
