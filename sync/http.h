/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HTTPS requests on the event loop: libcurl's multi interface driven by
 * sd-event (as systemd-importd does), so that the D-Bus faces answer while
 * an upload is under way. HTTPS only, certificates always verified (a CA
 * file may be added, verification cannot be turned off), no redirects, a
 * whole-request timeout and a cap on the response body. Nothing a request
 * carries is logged: the caller logs what it chooses.
 */

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* The largest answer read: a week of calendar events is a few dozen KiB. */
#define HTTP_BODY_MAX (2 * 1024 * 1024)

typedef struct HttpClient HttpClient;
typedef struct HttpRequest HttpRequest;

typedef struct HttpResponse {
        long status;       /* the HTTP status; 0 if none came */
        CURLcode result;   /* CURLE_OK if the exchange completed */
        const char *error; /* curl's message when result != CURLE_OK, else "" */
        const char *body;  /* NUL-terminated; "" if none */
        size_t size;
        bool too_large;            /* the body passed HTTP_BODY_MAX: aborted */
        bool maybe_delivered;      /* the request may have reached the server */
        uint64_t retry_after_usec; /* Retry-After as CLOCK_REALTIME usec, 0 if none */
} HttpResponse;

/* Called once per request started, when it ends; the request is freed after it returns. */
typedef void (*HttpCallback)(const HttpResponse *response, void *userdata);

typedef struct HttpOptions {
        const char *ca_file; /* added trust: NULL for the system's store */
        uint64_t timeout_usec;
        const char *user_agent;
} HttpOptions;

int http_client_new(sd_event *event, const HttpOptions *o, HttpClient **ret);
HttpClient *http_client_free(HttpClient *c); /* cancels what is in flight, without callbacks */

/* method "GET", "POST" or "PUT"; url must be https://. */
int http_request_new(HttpClient *c, const char *method, const char *url, HttpRequest **ret);
/* A header line "Name: value"; kept in memory that is wiped when the request ends. */
int http_request_add_header(HttpRequest *r, const char *line);
/* HTTP basic authentication (copied by curl, which wipes nothing: see docs/sync.md). */
int http_request_set_basic_auth(HttpRequest *r, const char *user, const char *password);
/* A body: application/x-www-form-urlencoded or application/json (copied, wiped at the end). */
int http_request_set_body(HttpRequest *r, const char *content_type, const char *body);
/* multipart/form-data parts. */
int http_request_add_field(HttpRequest *r, const char *name, const char *value);
int http_request_add_file(HttpRequest *r, const char *name, const char *filename,
                          const char *content_type, const void *data, size_t size);
/* Starts it; the callback comes later from the event loop (never from this call). */
int http_request_start(HttpRequest *r, HttpCallback callback, void *userdata);
/* Ends it without a callback; NULL-safe. */
void http_request_cancel(HttpRequest *r);
/* Frees a request that was never started. */
void http_request_free(HttpRequest *r);

/* "a=1&b=x%20y": name=value pairs, values escaped. NULL-terminated pairs; malloc'd. */
char *http_form_encode(const char *const *pairs);
/* s escaped for a URL query or path segment; malloc'd. */
char *http_escape(const char *s);
