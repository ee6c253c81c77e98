/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP side: one libmicrohttpd daemon per listening socket, each run
 * from sd-event through its epoll fd (no threads: the D-Bus client and the
 * servers share one loop, so nothing needs a lock). Requests are gathered
 * here (headers, a bounded body) and handed to web-api.c once complete.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "utf8.h"
#include "util.h"
#include "web.h"

static void server_update_timer(Web *w, WebServer *s);

static int on_server_timer(sd_event_source *es, uint64_t usec, void *userdata)
{
        WebServer *s = userdata;

        (void)MHD_run(s->daemon);
        server_update_timer(s->web, s);
        return 0;
}

/* MHD's own timeouts (idle clients) as a one-shot timer; none while it needs none. */
static void server_update_timer(Web *w, WebServer *s)
{
        MHD_UNSIGNED_LONG_LONG ms;
        int r;

        if (MHD_get_timeout(s->daemon, &ms) != MHD_YES) {
                if (s->timer)
                        (void)sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        if (!s->timer) {
                r = sd_event_add_time_relative(w->event, &s->timer, CLOCK_MONOTONIC,
                                               (uint64_t)ms * USEC_PER_MSEC, 0, on_server_timer, s);
                if (r >= 0)
                        (void)sd_event_source_set_description(s->timer, "http-timeout");
        } else {
                r = sd_event_source_set_time_relative(s->timer, (uint64_t)ms * USEC_PER_MSEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "Cannot arm the HTTP timer: %m");
}

static int on_server_io(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        WebServer *s = userdata;

        (void)MHD_run(s->daemon);
        server_update_timer(s->web, s);
        return 0;
}

void web_http_kick(Web *w)
{
        for (size_t i = 0; i < w->n_servers; i++) {
                (void)MHD_run(w->servers[i].daemon);
                server_update_timer(w, &w->servers[i]);
        }
}

/* ---- requests ---- */

static void request_free(WebRequest *req)
{
        if (!req)
                return;
        sd_bus_slot_unref(req->slot);
        if (req->pending_prev || req->web->pending == req) {
                if (req->pending_prev)
                        req->pending_prev->pending_next = req->pending_next;
                else
                        req->web->pending = req->pending_next;
                if (req->pending_next)
                        req->pending_next->pending_prev = req->pending_prev;
        }
        free(req->body);
        free(req->reply);
        free(req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        request_free(*con_cls);
        *con_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        Web *w = cls;
        WebRequest *req = *con_cls;

        if (!req) {
                const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                              MHD_HTTP_HEADER_CONTENT_LENGTH);

                req = calloc(1, sizeof(*req));
                if (!req)
                        return MHD_NO;
                req->web = w;
                req->conn = c;
                req->route_r = web_route_parse(method, url, &req->route);
                *con_cls = req;
                /* Refuse a body announced too large before reading any of it. */
                if (len && strtoull(len, NULL, 10) > WEB_BODY_MAX)
                        req->too_large = true;
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                size_t n = *upload_data_size;

                if (!req->too_large && req->body_len + n <= WEB_BODY_MAX) {
                        char *b = realloc(req->body, req->body_len + n + 1);

                        if (!b)
                                return MHD_NO;
                        memcpy(b + req->body_len, upload_data, n);
                        req->body = b;
                        req->body_len += n;
                        req->body[req->body_len] = '\0';
                } else
                        req->too_large = true;
                *upload_data_size = 0;
                return MHD_YES;
        }
        return web_api_handle(w, c, req);
}

/* Async replies (D-Bus calls) park the connection; this queues the reply after resume. */
void web_request_park(WebRequest *req)
{
        Web *w = req->web;

        MHD_suspend_connection(req->conn);
        req->suspended = true;
        req->pending_prev = NULL;
        req->pending_next = w->pending;
        if (w->pending)
                w->pending->pending_prev = req;
        w->pending = req;
}

void web_request_resume(WebRequest *req)
{
        Web *w = req->web;

        if (!req->suspended)
                return;
        req->suspended = false;
        if (req->pending_prev)
                req->pending_prev->pending_next = req->pending_next;
        else if (w->pending == req)
                w->pending = req->pending_next;
        if (req->pending_next)
                req->pending_next->pending_prev = req->pending_prev;
        req->pending_prev = req->pending_next = NULL;
        MHD_resume_connection(req->conn);
        web_http_kick(w);
}

/* ---- responses ---- */

void web_add_common_headers(struct MHD_Response *resp)
{
        (void)MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        (void)MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        (void)MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        (void)MHD_add_response_header(resp, "Cache-Control", "no-store");
        (void)MHD_add_response_header(
                resp, "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
}

enum MHD_Result web_respond(struct MHD_Connection *c, unsigned status, const char *content_type,
                            const void *data, size_t len, const char *const *headers)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        web_add_common_headers(resp);
        if (content_type)
                (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        for (const char *const *h = headers; h && h[0]; h += 2)
                (void)MHD_add_response_header(resp, h[0], h[1]);
        ret = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

enum MHD_Result web_respond_json(struct MHD_Connection *c, unsigned status, const char *json)
{
        return web_respond(c, status, "application/json", json, strlen(json), NULL);
}

enum MHD_Result web_respond_error(struct MHD_Connection *c, unsigned status, const char *error,
                                  const char *fmt, ...)
{
        char msg[512], esc[1100], body[1300];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        utf8_truncate(msg, sizeof(msg) - 1); /* what the cut may have left */
        web_json_escape(msg, esc, sizeof(esc));
        snprintf(body, sizeof(body), "{\"error\":\"%s\",\"message\":\"%s\"}", error, esc);
        return web_respond_json(c, status, body);
}

/* ---- sockets ---- */

static int parse_address(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
        char host[64];
        const char *colon = strrchr(spec, ':');
        unsigned long port;
        char *end;

        if (!colon || (size_t)(colon - spec) >= sizeof(host))
                return -EINVAL;
        port = strtoul(colon + 1, &end, 10);
        if (*end || end == colon + 1 || port > 65535) /* 0: any free port (tests) */
                return -EINVAL;
        memcpy(host, spec, colon - spec);
        host[colon - spec] = '\0';
        memset(ss, 0, sizeof(*ss));
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

                host[strlen(host) - 1] = '\0';
                if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
                        return -EINVAL;
                a->sin6_family = AF_INET6;
                a->sin6_port = htons((uint16_t)port);
                *len = sizeof(*a);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *)ss;

                if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
                        return -EINVAL;
                a->sin_family = AF_INET;
                a->sin_port = htons((uint16_t)port);
                *len = sizeof(*a);
        }
        return 0;
}

static int open_listener(const struct sockaddr_storage *ss, socklen_t len)
{
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ss->ss_family == AF_INET6)
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, 64) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static void describe(int fd, char *buf, size_t size, bool *ret_loopback)
{
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char host[INET6_ADDRSTRLEN] = "?";

        *ret_loopback = false;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
                snprintf(buf, size, "?");
                return;
        }
        if (ss.ss_family == AF_INET) {
                const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

                inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
                *ret_loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
                snprintf(buf, size, "%s:%u", host, ntohs(a->sin_port));
        } else if (ss.ss_family == AF_INET6) {
                const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

                inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
                *ret_loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
                snprintf(buf, size, "[%s]:%u", host, ntohs(a->sin6_port));
        } else
                snprintf(buf, size, "?");
}

/* microhttpd's format strings, for its own messages. */
_printf_(2, 0) static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
        char buf[512];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        buf[strcspn(buf, "\n")] = '\0';
        log_debug("microhttpd: %s", buf);
}

static int server_start(Web *w, int fd)
{
        WebServer *s;
        const union MHD_DaemonInfo *info;
        unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
        struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL}};
        int r;

        if (w->n_servers == ELEMENTSOF(w->servers)) {
                close(fd);
                return -E2BIG;
        }
        s = &w->servers[w->n_servers];
        *s = (WebServer){.web = w};
        describe(fd, s->address, sizeof(s->address), &s->loopback);
        if (w->tls) {
                flags |= MHD_USE_TLS;
                tls_opts[0] =
                        (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, w->tls_cert_pem};
                tls_opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, w->tls_key_pem};
        }
        s->daemon = MHD_start_daemon(
                flags, 0, NULL, NULL, on_request, w,
                /* First, so that every message of this daemon goes to our log. */
                MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, w, MHD_OPTION_LISTEN_SOCKET, fd,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
                /* Request line and headers: 16 KiB is far beyond any browser's; more is 431. */
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                MHD_OPTION_CONNECTION_LIMIT, w->config.max_clients,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, MAX(w->config.max_clients / 2, 1u),
                MHD_OPTION_CONNECTION_TIMEOUT, w->config.client_timeout_s, MHD_OPTION_ARRAY,
                tls_opts, MHD_OPTION_END);
        if (!s->daemon) {
                close(fd);
                return log_error_errno(EINVAL, "Cannot start the HTTP server on %s.", s->address);
        }
        info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info) {
                MHD_stop_daemon(s->daemon);
                return log_error_errno(EINVAL, "microhttpd has no epoll fd.");
        }
        r = sd_event_add_io(w->event, &s->io, info->epoll_fd, EPOLLIN, on_server_io, s);
        if (r < 0) {
                MHD_stop_daemon(s->daemon);
                return log_error_errno(r, "Cannot watch the HTTP server: %m");
        }
        (void)sd_event_source_set_description(s->io, "http");
        w->n_servers++;
        log_info("Listening on %s://%s", w->tls ? "https" : "http", s->address);
        return 0;
}

/* The LAN interface's addresses at the configured port. */
static int listen_interface(Web *w)
{
        struct ifaddrs *list = NULL;
        int n = 0, r;

        if (getifaddrs(&list) < 0)
                return -errno;
        for (struct ifaddrs *i = list; i; i = i->ifa_next) {
                struct sockaddr_storage ss = {};
                socklen_t len;
                int fd;

                if (!i->ifa_addr || !streq(i->ifa_name, w->config.interface))
                        continue;
                if (i->ifa_addr->sa_family == AF_INET)
                        len = sizeof(struct sockaddr_in);
                else if (i->ifa_addr->sa_family == AF_INET6)
                        len = sizeof(struct sockaddr_in6);
                else
                        continue;
                memcpy(&ss, i->ifa_addr, len);
                if (ss.ss_family == AF_INET)
                        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)w->config.port);
                else
                        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)w->config.port);
                fd = open_listener(&ss, len);
                if (fd < 0) {
                        log_warning_errno(fd, "Cannot listen on %s: %m", w->config.interface);
                        continue;
                }
                r = server_start(w, fd);
                if (r >= 0)
                        n++;
        }
        freeifaddrs(list);
        if (n == 0)
                log_warning("Interface %s has no address to listen on.", w->config.interface);
        return n;
}

int web_http_start(Web *w)
{
        int n = sd_listen_fds(true), r;

        /* Socket activation: the unit's sockets replace the configured addresses. */
        if (n > 0) {
                for (int i = 0; i < n; i++) {
                        r = server_start(w, SD_LISTEN_FDS_START + i);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        for (size_t i = 0; i < w->config.n_listen; i++) {
                struct sockaddr_storage ss;
                socklen_t len;
                int fd;

                if (parse_address(w->config.listen[i], &ss, &len) < 0)
                        return log_error_errno(EINVAL, "Invalid listen address '%s'.",
                                               w->config.listen[i]);
                fd = open_listener(&ss, len);
                if (fd < 0) {
                        /* A host without IPv6 still serves IPv4. */
                        if (ss.ss_family == AF_INET6 && fd == -EADDRNOTAVAIL)
                                continue;
                        return log_error_errno(fd, "Cannot listen on %s: %m", w->config.listen[i]);
                }
                r = server_start(w, fd);
                if (r < 0)
                        return r;
        }
        if (w->config.interface)
                (void)listen_interface(w);
        if (w->n_servers == 0)
                return log_error_errno(EADDRNOTAVAIL, "Nowhere to listen.");
        return 0;
}

void web_http_stop(Web *w)
{
        /* MHD must not be stopped with suspended connections: resume them all. */
        while (w->pending) {
                WebRequest *req = w->pending;

                req->slot = sd_bus_slot_unref(req->slot);
                req->status = 503;
                web_request_resume(req);
        }
        web_events_done(w);
        for (size_t i = 0; i < w->n_servers; i++) {
                WebServer *s = &w->servers[i];

                (void)MHD_run(s->daemon);
                s->io = sd_event_source_disable_unref(s->io);
                s->timer = sd_event_source_disable_unref(s->timer);
                MHD_stop_daemon(s->daemon);
        }
        w->n_servers = 0;
}
