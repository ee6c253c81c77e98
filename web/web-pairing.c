/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pairing, from the admin's side: io.paced.web1 on the bus, which pacectl
 * web pair / devices / revoke call. Only root and the paced group may (the
 * bus policy says so, and this file checks the caller's credentials again,
 * as paced does). The devices file in the state directory keeps only
 * hashes of the tokens.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "read-file.h"
#include "web.h"

int web_random_bytes(void *p, size_t n)
{
        size_t done = 0;

        while (done < n) {
                ssize_t k = getrandom((uint8_t *)p + done, n - done, 0);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                done += (size_t)k;
        }
        return 0;
}

uint64_t web_now_realtime(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static char *devices_path(Web *w)
{
        char *p = NULL;

        return asprintf(&p, "%s/devices", w->state_dir) < 0 ? NULL : p;
}

int web_pairing_load(Web *w)
{
        _cleanup_free_ char *path = devices_path(w), *text = NULL;
        size_t len = 0;
        unsigned line = 0;
        int r;

        if (!path)
                return -ENOMEM;
        /* Its own state file: not a link, not a FIFO, not unbounded. */
        r = read_file_regular(path, 1024 * 1024, READ_FILE_NOFOLLOW, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Cannot read %s: %m", path);
        r = web_tokens_parse(&w->tokens, text ? text : "", &line);
        if (r < 0)
                return log_error_errno(r, "%s:%u: not a paired device line.", path, line);
        log_info("%zu paired device(s).", w->tokens.n_devices);
        return 0;
}

int web_pairing_save(Web *w)
{
        _cleanup_free_ char *path = devices_path(w), *tmp = NULL;
        FILE *f;
        int fd, r;

        if (!path || asprintf(&tmp, "%s.new", path) < 0)
                return -ENOMEM;
        /* Written aside and renamed: a crash leaves the old file or the new one. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Cannot write %s: %m", tmp);
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return -errno;
        }
        r = web_tokens_write(&w->tokens, f);
        if (r >= 0 && fflush(f) != 0)
                r = -errno;
        if (r >= 0 && fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return log_error_errno(r, "Cannot write %s: %m", path);
        }
        return 0;
}

char *web_base_url(Web *w)
{
        const char *scheme = w->tls ? "https" : "http";
        const WebServer *pick = NULL;
        char *url = NULL;

        if (w->config.url)
                return strdup(w->config.url);
        /* The phone is on the LAN: a non-loopback address if there is one. */
        for (size_t i = 0; i < w->n_servers; i++)
                if (!w->servers[i].loopback) {
                        pick = &w->servers[i];
                        break;
                }
        if (!pick && w->n_servers > 0)
                pick = &w->servers[0];
        if (asprintf(&url, "%s://%s", scheme, pick ? pick->address : "localhost") < 0)
                return NULL;
        return url;
}

/* ---- authorization: as paced's manager_verify_write_access() ---- */

static int creds_allowed(sd_bus_creds *creds, gid_t admin, bool have_admin, uid_t *ret_uid)
{
        const gid_t *gids = NULL;
        gid_t gid;
        uid_t uid;
        int n;

        if (sd_bus_creds_get_euid(creds, &uid) < 0 && sd_bus_creds_get_uid(creds, &uid) < 0)
                return -ENODATA;
        *ret_uid = uid;
        if (uid == 0)
                return 1;
        if (!have_admin)
                return 0;
        if ((sd_bus_creds_get_egid(creds, &gid) >= 0 || sd_bus_creds_get_gid(creds, &gid) >= 0) &&
            gid == admin)
                return 1;
        n = sd_bus_creds_get_supplementary_gids(creds, &gids);
        if (n < 0)
                return -ENODATA;
        for (int i = 0; i < n; i++)
                if (gids[i] == admin)
                        return 1;
        return 0;
}

static int verify_admin(Web *w, sd_bus_message *m, sd_bus_error *error)
{
        const char *group = w->config.admin_group ? w->config.admin_group : "paced";
        const uint64_t mask = SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_EGID |
                              SD_BUS_CREDS_GID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS;
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        struct group *gr = getgrnam(group);
        uid_t uid = (uid_t)-1;
        int r;

        r = sd_bus_query_sender_creds(m, mask, &creds);
        if (r >= 0)
                r = creds_allowed(creds, gr ? gr->gr_gid : 0, gr != NULL, &uid);
        if (r < 0) {
                creds = sd_bus_creds_unref(creds);
                r = sd_bus_query_sender_creds(m, mask | SD_BUS_CREDS_AUGMENT, &creds);
                if (r >= 0)
                        r = creds_allowed(creds, gr ? gr->gr_gid : 0, gr != NULL, &uid);
        }
        if (r > 0)
                return 0;
        log_notice("Refused a pairing call from uid %d: not root nor in group '%s'.", (int)uid,
                   group);
        return sd_bus_error_setf(error, "io.paced.web1.Error.NotPermitted",
                                 "Only root and members of the '%s' group may pair devices.",
                                 group);
}

/* ---- io.paced.web1.Pairing ---- */

static int method_pair(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Web *w = userdata;
        _cleanup_free_ char *url = NULL, *full = NULL;
        uint8_t random[WEB_PAIR_CODE_RANDOM];
        const WebPairCode *code;
        const char *name;
        int read_only, r;

        r = sd_bus_message_read(m, "sb", &name, &read_only);
        if (r < 0)
                return r;
        r = verify_admin(w, m, error);
        if (r < 0)
                return r;
        r = web_random_bytes(random, sizeof(random));
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "No random bytes: %m");
        r = web_tokens_new_code(&w->tokens, read_only ? WEB_TOKEN_VIEW : WEB_TOKEN_CONTROL, name,
                                web_now_realtime(), random, &code);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot make a pairing code: %m");
        url = web_base_url(w);
        /* The code rides in the fragment: never sent to a server, never logged. */
        if (!url || asprintf(&full, "%s/pair#%s", url, code->code) < 0)
                return -ENOMEM;
        log_info("Pairing code issued for '%s' (%s), valid 5 minutes.", code->name,
                 web_token_kind_to_string(code->kind));
        return sd_bus_reply_method_return(m, "sst", code->code, full, code->expires_usec);
}

static int method_list_devices(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Web *w = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = verify_admin(w, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssstt)");
        for (size_t i = 0; r >= 0 && i < w->tokens.n_devices; i++) {
                const WebDevice *d = &w->tokens.devices[i];

                r = sd_bus_message_append(reply, "(ssstt)", d->id,
                                          web_token_kind_to_string(d->kind), d->name,
                                          d->created_usec, d->last_used_usec);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_revoke(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Web *w = userdata;
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        r = verify_admin(w, m, error);
        if (r < 0)
                return r;
        if (web_tokens_revoke(&w->tokens, id) < 0)
                return sd_bus_error_setf(error, "io.paced.web1.Error.NoSuchDevice",
                                         "No paired device '%s' (see pacectl web devices).", id);
        r = web_pairing_save(w);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot store the devices: %m");
        /* Its open pages stop getting data at once. */
        web_events_drop_device(w, id);
        log_info("Device %s revoked.", id);
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable pairing_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("Pair", "sb", SD_BUS_PARAM(name) SD_BUS_PARAM(read_only), "sst",
                                 SD_BUS_PARAM(code) SD_BUS_PARAM(url) SD_BUS_PARAM(expires_usec),
                                 method_pair, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListDevices", "", , "a(ssstt)", SD_BUS_PARAM(devices),
                                 method_list_devices, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Revoke", "s", SD_BUS_PARAM(id), "", , method_revoke,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int web_pairing_register(Web *w)
{
        int r;

        r = sd_bus_add_object_vtable(w->bus, NULL, WEB_BUS_PATH, WEB_BUS_IFACE, pairing_vtable, w);
        if (r < 0)
                return log_error_errno(r, "Cannot register %s: %m", WEB_BUS_PATH);
        r = sd_bus_request_name(w->bus, WEB_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot own %s on the bus: %m", WEB_BUS_NAME);
        return 0;
}
