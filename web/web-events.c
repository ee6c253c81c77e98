/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Server-Sent Events: every open page gets the same stream, fed from the one
 * D-Bus subscription (web-paced.c). Each stream has a bounded buffer; a
 * client that cannot keep up (256 KiB behind) is cut off and reconnects.
 * Idle streams are suspended in microhttpd and resumed when there is news.
 * A ping every few seconds, only while a page is open, lets the page show
 * when its data is stale (and lets us notice a page that went away).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

#define CLIENT_BUFFER_MAX (256 * 1024)
#define PING_USEC         (2 * USEC_PER_SEC)

struct WebClient {
        WebClient *prev, *next;
        Web *web;
        struct MHD_Connection *conn;
        char device_id[WEB_TOKEN_ID_LEN + 1];
        char *buf;
        size_t len, off;
        bool suspended, closing;
};

static void client_resume(WebClient *cl)
{
        if (!cl->suspended)
                return;
        cl->suspended = false;
        MHD_resume_connection(cl->conn);
}

static void client_append(WebClient *cl, const char *data, size_t n)
{
        char *b;

        if (cl->closing)
                return;
        if (cl->off > 0 && cl->off == cl->len)
                cl->off = cl->len = 0;
        if (cl->len - cl->off + n > CLIENT_BUFFER_MAX) {
                /* Too slow: drop it rather than buffer without bound. */
                log_debug("An event stream fell %zu bytes behind; closing it.", cl->len - cl->off);
                cl->closing = true;
                return;
        }
        if (cl->off > 0) {
                memmove(cl->buf, cl->buf + cl->off, cl->len - cl->off);
                cl->len -= cl->off;
                cl->off = 0;
        }
        b = realloc(cl->buf, cl->len + n);
        if (!b) {
                cl->closing = true;
                return;
        }
        cl->buf = b;
        memcpy(cl->buf + cl->len, data, n);
        cl->len += n;
}

static ssize_t client_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        WebClient *cl = cls;
        size_t n;

        if (cl->closing)
                return MHD_CONTENT_READER_END_OF_STREAM;
        n = MIN(max, cl->len - cl->off);
        if (n == 0) {
                /* Nothing to send: park the connection until there is. */
                cl->suspended = true;
                MHD_suspend_connection(cl->conn);
                return 0;
        }
        memcpy(buf, cl->buf + cl->off, n);
        cl->off += n;
        return (ssize_t)n;
}

static void update_ping(Web *w);

static void client_free(void *cls)
{
        WebClient *cl = cls;
        Web *w = cl->web;

        if (cl->prev)
                cl->prev->next = cl->next;
        else
                w->clients = cl->next;
        if (cl->next)
                cl->next->prev = cl->prev;
        w->n_clients--;
        log_debug("Event stream closed (%u open).", w->n_clients);
        if (w->n_clients == 0)
                web_paced_unsubscribe(w);
        free(cl->buf);
        free(cl);
        update_ping(w);
}

static void send_one(WebClient *cl, const char *event, const char *json)
{
        char head[64];
        int n = snprintf(head, sizeof(head), "event: %s\ndata: ", event);

        client_append(cl, head, (size_t)n);
        client_append(cl, json, strlen(json));
        client_append(cl, "\n\n", 2);
}

void web_events_broadcast(Web *w, const char *event, const char *json)
{
        if (!w->clients)
                return;
        for (WebClient *cl = w->clients; cl; cl = cl->next) {
                send_one(cl, event, json);
                client_resume(cl);
        }
        web_http_kick(w);
}

static int on_ping(sd_event_source *s, uint64_t usec, void *userdata)
{
        Web *w = userdata;

        web_events_broadcast(w, "ping", w->paced_online ? "{\"paced\":true}" : "{\"paced\":false}");
        (void)sd_event_source_set_time_relative(s, PING_USEC);
        return 0;
}

/* The ping runs only while a page is open: an idle paced-web never wakes up. */
static void update_ping(Web *w)
{
        int r;

        if (w->n_clients == 0) {
                if (w->ping_timer)
                        (void)sd_event_source_set_enabled(w->ping_timer, SD_EVENT_OFF);
                return;
        }
        if (!w->ping_timer) {
                r = sd_event_add_time_relative(w->event, &w->ping_timer, CLOCK_MONOTONIC, PING_USEC,
                                               0, on_ping, w);
                if (r < 0) {
                        log_warning_errno(r, "Cannot start the event stream ping: %m");
                        return;
                }
                (void)sd_event_source_set_description(w->ping_timer, "ping");
        }
        (void)sd_event_source_set_enabled(w->ping_timer, SD_EVENT_ON);
}

int web_events_open(Web *w, struct MHD_Connection *c, const WebDevice *device,
                    struct MHD_Response **ret)
{
        _cleanup_free_ char *status = NULL;
        struct MHD_Response *resp;
        WebClient *cl;

        cl = calloc(1, sizeof(*cl));
        if (!cl)
                return -ENOMEM;
        cl->web = w;
        cl->conn = c;
        memcpy(cl->device_id, device->id, sizeof(cl->device_id));
        /* What the page needs at once: reconnect quickly, then the whole state. */
        client_append(cl, "retry: 2000\n\n", 13);
        send_one(cl, "paced", w->paced_online ? "{\"online\":true}" : "{\"online\":false}");
        /* The first page subscribes; the fresh state follows when paced answers. */
        if (!w->subscribed) {
                if (web_paced_subscribe(w) < 0) {
                        free(cl->buf);
                        free(cl);
                        return -EIO;
                }
        } else {
                send_one(cl, "steps", w->steps_json ? w->steps_json : "[]");
                status = web_paced_status_json(w);
                if (status)
                        send_one(cl, "status", status);
        }

        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, client_read, cl,
                                                 client_free);
        if (!resp) {
                free(cl->buf);
                free(cl);
                return -ENOMEM;
        }
        web_add_common_headers(resp);
        (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
        (void)MHD_add_response_header(resp, "X-Accel-Buffering", "no");
        cl->next = w->clients;
        if (w->clients)
                w->clients->prev = cl;
        w->clients = cl;
        w->n_clients++;
        log_debug("Event stream opened (%u open).", w->n_clients);
        update_ping(w);
        *ret = resp;
        return 0;
}

void web_events_drop_device(Web *w, const char *device_id)
{
        for (WebClient *cl = w->clients; cl; cl = cl->next)
                if (streq(cl->device_id, device_id)) {
                        cl->closing = true;
                        client_resume(cl);
                }
        web_http_kick(w);
}

void web_events_done(Web *w)
{
        for (WebClient *cl = w->clients; cl; cl = cl->next) {
                cl->closing = true;
                client_resume(cl);
        }
        w->ping_timer = sd_event_source_disable_unref(w->ping_timer);
}
