/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * paced-web: the runner's screen. One process, one sd-event loop: HTTP
 * servers (libmicrohttpd, one per listening socket, driven through their
 * epoll fds), one D-Bus connection that is a client of paced exactly like
 * pacectl (one subscription to its signals however many browsers are
 * open) and that offers io.paced.web1 for pacectl web pair/devices/revoke.
 *
 *   paced ──PropertiesChanged/signals──► web-paced.c ──► web-events.c ──SSE──► browsers
 *   browsers ──POST /api/control/…──► web-api.c ──async D-Bus call──► paced
 */

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-client.h"
#include "util.h"
#include "web-request.h"
#include "web-tokens.h"

#define WEB_BUS_NAME            "io.paced.web1"
#define WEB_BUS_PATH            "/io/paced/web1"
#define WEB_BUS_IFACE           "io.paced.web1.Pairing"
#define WEB_CONFIG_DEFAULT_PATH PACED_SYSCONFDIR "/web.conf"
#define WEB_LISTEN_MAX          8

typedef struct WebConfig {
        char *listen[WEB_LISTEN_MAX]; /* "127.0.0.1:8080", "[::1]:8080" */
        size_t n_listen;
        char *interface; /* LAN interface whose addresses are added at port */
        unsigned port;
        char *url; /* what pacectl web pair prints; NULL: derived */
        char *tls_certificate, *tls_key;
        char *paced_state_dir; /* paced's, for the session database (read-only) */
        unsigned client_timeout_s;
        unsigned max_clients;
        char *admin_group;
} WebConfig;

typedef struct Web Web;

typedef struct WebServer {
        Web *web;
        struct MHD_Daemon *daemon;
        sd_event_source *io, *timer;
        char address[64]; /* as listened on, for logs and the URL */
        bool loopback;
} WebServer;

typedef struct WebClient WebClient; /* an open event stream (web-events.c) */

typedef struct WebRequest WebRequest;

/* One of paced's Steps, with its author's cue from StepCues (docs/dbus-api.md). */
typedef struct WebStep {
        char *kind, *end, *label;
        double value, time_s, speed_start_kmh, speed_end_kmh;
        uint32_t rep, reps;
} WebStep;

typedef struct WebDeviceSlot {
        Web *web;
        size_t index;
} WebDeviceSlot;

struct Web {
        sd_event *event;
        sd_bus *bus;
        WebConfig config;
        const char *config_path;
        char *state_dir;  /* ours: the devices file */
        char *static_dir; /* the page's files */
        int static_fd;
        bool tls;
        char *tls_cert_pem, *tls_key_pem;

        WebServer servers[WEB_LISTEN_MAX * 4];
        size_t n_servers;

        /* paced, as last seen: one subscription, fanned out to every browser,
         * held only while a page is open (an idle paced-web never wakes up). */
        bool paced_online;
        bool subscribed;
        sd_bus_slot *match_props, *match_signals;
        ManagerProps props;
        DeviceProps devices[2];
        WebDeviceSlot device_slots[2];
        /* Steps and StepCues, two properties paced sends in the same signal,
         * joined into one JSON array of steps (steps_json() in web-paced.c). */
        WebStep *steps;
        size_t n_steps;
        char **step_cues; /* NULL-terminated, may be NULL */
        bool steps_changed;
        char *steps_json;
        double remaining_s, remaining_m;

        /* web-events.c */
        WebClient *clients;
        unsigned n_clients;
        sd_event_source *ping_timer;

        /* pairing */
        WebTokens tokens;
        /* Token buckets: control requests per device, pairing attempts overall. */
        double pair_tokens;
        uint64_t pair_refill_usec;

        /* Requests parked on a D-Bus call (resumed before the servers stop). */
        WebRequest *pending;
        int exit_code;
};

/* One HTTP request from its first header to its completion. */
struct WebRequest {
        Web *web;
        struct MHD_Connection *conn;
        WebRoute route;
        int route_r;
        char *body;
        size_t body_len;
        bool too_large;
        bool replied; /* a response was queued, or the request is parked */
        bool sent;    /* the parked request's reply was queued */
        /* An async D-Bus call: the connection is suspended until it answers. */
        sd_bus_slot *slot;
        bool suspended;
        WebRequest *pending_prev, *pending_next;
        WebAction action;
        bool store_synced; /* paced wrote what it held before we read its database */
        unsigned status;   /* the reply, once known */
        char *reply;       /* JSON */
};

/* web-config.c */
int web_config_load(WebConfig *c, const char *path, bool must_exist);
void web_config_done(WebConfig *c);

/* web-http.c */
int web_http_start(Web *w);
void web_http_stop(Web *w);
/* Runs every server once (after connections were resumed from outside MHD). */
void web_http_kick(Web *w);

/* web-http.c: replies. headers: NULL-terminated name, value pairs. */
void web_add_common_headers(struct MHD_Response *resp);
enum MHD_Result web_respond(struct MHD_Connection *c, unsigned status, const char *content_type,
                            const void *data, size_t len, const char *const *headers);
enum MHD_Result web_respond_json(struct MHD_Connection *c, unsigned status, const char *json);
enum MHD_Result web_respond_error(struct MHD_Connection *c, unsigned status, const char *error,
                                  const char *fmt, ...) _printf_(4, 5);
void web_request_park(WebRequest *req);
void web_request_resume(WebRequest *req);

/* web-api.c: one request, once its body is complete. */
enum MHD_Result web_api_handle(Web *w, struct MHD_Connection *c, WebRequest *req);

/* web-events.c */
int web_events_open(Web *w, struct MHD_Connection *c, const WebDevice *device,
                    struct MHD_Response **ret);
void web_events_broadcast(Web *w, const char *event, const char *json);
/* Ends the streams of a revoked device. */
void web_events_drop_device(Web *w, const char *device_id);
void web_events_done(Web *w);

/* web-paced.c */
int web_paced_connect(Web *w);
/* The status as pacectl status --json prints it, plus paced-web's extras. */
char *web_paced_status_json(Web *w);
/* Frees the steps paced-web holds (Steps, StepCues and their JSON). */
void web_paced_steps_free(Web *w);
/* Subscribes to paced's signals (and refreshes the cache); idempotent. */
int web_paced_subscribe(Web *w);
void web_paced_unsubscribe(Web *w);
/* Without a subscription the cache is old: read paced's state now (blocking, bounded). */
void web_paced_refresh_now(Web *w);

/* web-pairing.c */
int web_pairing_load(Web *w);
int web_pairing_save(Web *w);
int web_pairing_register(Web *w);
int web_random_bytes(void *p, size_t n);
uint64_t web_now_realtime(void);
char *web_base_url(Web *w);
