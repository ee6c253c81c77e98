/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>

#include "backoff.h"
#include "http.h"
#include "util.h"

struct HttpClient {
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        char *ca_file, *user_agent;
        uint64_t timeout_usec;
        HttpRequest *requests; /* in flight, to cancel on free */
};

struct HttpRequest {
        HttpClient *client;
        HttpRequest *prev, *next;
        CURL *easy;
        struct curl_slist *headers;
        curl_mime *mime;
        char *body; /* wiped at the end: it may carry a secret */
        char *data;
        size_t size, alloc;
        bool too_large;
        char *retry_after;
        char error[CURL_ERROR_SIZE];
        HttpCallback callback;
        void *userdata;
        bool started;
};

static void wipe_free(char *s)
{
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

void http_request_free(HttpRequest *r)
{
        if (!r)
                return;
        if (r->easy)
                curl_easy_cleanup(r->easy);
        for (struct curl_slist *l = r->headers; l; l = l->next)
                explicit_bzero(l->data, strlen(l->data));
        curl_slist_free_all(r->headers);
        curl_mime_free(r->mime);
        wipe_free(r->body);
        free(r->data);
        free(r->retry_after);
        free(r);
}

static void unlink_request(HttpRequest *r)
{
        HttpClient *c = r->client;

        if (r->prev)
                r->prev->next = r->next;
        else if (c->requests == r)
                c->requests = r->next;
        if (r->next)
                r->next->prev = r->prev;
        r->prev = r->next = NULL;
}

void http_request_cancel(HttpRequest *r)
{
        if (!r)
                return;
        if (r->started) {
                curl_multi_remove_handle(r->client->multi, r->easy);
                unlink_request(r);
        }
        http_request_free(r);
}

/* ---- the event loop side ---- */

static void finish(HttpClient *c, CURL *easy, CURLcode result)
{
        HttpRequest *r = NULL;
        HttpResponse resp = {.result = result, .body = "", .error = ""};
        curl_off_t sent = 0;
        struct timespec ts;

        (void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
        if (!r)
                return;
        curl_multi_remove_handle(c->multi, easy);
        unlink_request(r);
        r->started = false;

        (void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp.status);
        /* Header bytes went out: from then on the server may have acted on it. */
        (void)curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &sent);
        {
                long request_size = 0;

                (void)curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_size);
                resp.maybe_delivered = request_size > 0 || sent > 0 || resp.status > 0;
        }
        if (result != CURLE_OK)
                resp.error = r->error[0] ? r->error : curl_easy_strerror(result);
        /* Refused by its Content-Length, or cut off while it came. */
        resp.too_large = r->too_large || result == CURLE_FILESIZE_EXCEEDED;
        if (r->data) {
                resp.body = r->data;
                resp.size = r->size;
        }
        if (r->retry_after && clock_gettime(CLOCK_REALTIME, &ts) == 0) {
                uint64_t now = (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;

                if (retry_after_parse(r->retry_after, now, &resp.retry_after_usec) < 0)
                        resp.retry_after_usec = 0;
        }
        r->callback(&resp, r->userdata);
        http_request_free(r);
}

static void check_done(HttpClient *c)
{
        CURLMsg *msg;
        int left;

        /* One at a time: a callback may start (or cancel) requests. */
        while ((msg = curl_multi_info_read(c->multi, &left)))
                if (msg->msg == CURLMSG_DONE)
                        finish(c, msg->easy_handle, msg->data.result);
}

static int io_handler(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        HttpClient *c = userdata;
        int action = 0, running;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        (void)curl_multi_socket_action(c->multi, fd, action, &running);
        check_done(c);
        return 0;
}

static int socket_function(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
        HttpClient *c = userp;
        sd_event_source *s = socketp;
        uint32_t events = 0;
        int r;

        if (what == CURL_POLL_REMOVE) {
                if (s) {
                        (void)curl_multi_assign(c->multi, fd, NULL);
                        sd_event_source_disable_unref(s);
                }
                return 0;
        }
        if (what & CURL_POLL_IN)
                events |= EPOLLIN;
        if (what & CURL_POLL_OUT)
                events |= EPOLLOUT;
        if (s) {
                r = sd_event_source_set_io_events(s, events);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s, SD_EVENT_ON);
        } else {
                r = sd_event_add_io(c->event, &s, fd, events, io_handler, c);
                if (r >= 0) {
                        (void)sd_event_source_set_description(s, "curl-io");
                        if (curl_multi_assign(c->multi, fd, s) != CURLM_OK) {
                                sd_event_source_disable_unref(s);
                                r = -EIO;
                        }
                }
        }
        return r < 0 ? -1 : 0;
}

static int timer_handler(sd_event_source *s, uint64_t usec, void *userdata)
{
        HttpClient *c = userdata;
        int running;

        (void)curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_done(c);
        return 0;
}

static int timer_function(CURLM *multi, long timeout_ms, void *userp)
{
        HttpClient *c = userp;
        uint64_t now, when;
        int r;

        if (timeout_ms < 0) {
                if (c->timer)
                        (void)sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
                return 0;
        }
        r = sd_event_now(c->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return -1;
        when = now + (uint64_t)timeout_ms * USEC_PER_MSEC;
        if (c->timer) {
                r = sd_event_source_set_time(c->timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(c->event, &c->timer, CLOCK_MONOTONIC, when, 0, timer_handler,
                                      c);
                if (r >= 0)
                        (void)sd_event_source_set_description(c->timer, "curl-timer");
        }
        return r < 0 ? -1 : 0;
}

/* ---- the client ---- */

int http_client_new(sd_event *event, const HttpOptions *o, HttpClient **ret)
{
        HttpClient *c;

        /* Once per process; curl's global state is not ours to tear down early. */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -EIO;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->event = sd_event_ref(event);
        c->timeout_usec = o->timeout_usec ? o->timeout_usec : 60 * USEC_PER_SEC;
        c->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
        c->user_agent = strdup(o->user_agent ? o->user_agent : "paced-sync");
        c->multi = curl_multi_init();
        if (!c->multi || !c->user_agent || (o->ca_file && !c->ca_file)) {
                http_client_free(c);
                return -ENOMEM;
        }
        if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_function) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_function) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK) {
                http_client_free(c);
                return -EIO;
        }
        *ret = c;
        return 0;
}

HttpClient *http_client_free(HttpClient *c)
{
        if (!c)
                return NULL;
        while (c->requests)
                http_request_cancel(c->requests);
        if (c->multi)
                curl_multi_cleanup(c->multi);
        sd_event_source_disable_unref(c->timer);
        sd_event_unref(c->event);
        free(c->ca_file);
        free(c->user_agent);
        free(c);
        return NULL;
}

/* ---- requests ---- */

static size_t write_function(char *ptr, size_t size, size_t n, void *userdata)
{
        HttpRequest *r = userdata;
        size_t k = size * n;

        if (r->size + k > HTTP_BODY_MAX) {
                r->too_large = true;
                return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
        }
        if (r->size + k + 1 > r->alloc) {
                size_t na = MAX(r->alloc * 2, r->size + k + 1);
                char *p = realloc(r->data, MIN(na, (size_t)HTTP_BODY_MAX + 1));

                if (!p)
                        return 0;
                r->data = p;
                r->alloc = MIN(na, (size_t)HTTP_BODY_MAX + 1);
        }
        memcpy(r->data + r->size, ptr, k);
        r->size += k;
        r->data[r->size] = '\0';
        return k;
}

static size_t header_function(char *buf, size_t size, size_t n, void *userdata)
{
        HttpRequest *r = userdata;
        size_t k = size * n;
        const char *name = "Retry-After:";

        /* A new status line (after a 100 Continue) starts over. */
        if (k >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
                free(r->retry_after);
                r->retry_after = NULL;
        } else if (k > strlen(name) && k < 256 && strncasecmp(buf, name, strlen(name)) == 0) {
                free(r->retry_after);
                r->retry_after = strndup(buf + strlen(name), k - strlen(name));
        }
        return k;
}

#define SETOPT(easy, opt, val)                                                                     \
        do {                                                                                       \
                if (curl_easy_setopt((easy), (opt), (val)) != CURLE_OK)                            \
                        return -EIO;                                                               \
        } while (0)

static int setup_easy(HttpClient *c, HttpRequest *r, const char *method, const char *url)
{
        CURL *e = r->easy;
        long timeout_ms = (long)MIN(c->timeout_usec / USEC_PER_MSEC, (uint64_t)LONG_MAX);

        SETOPT(e, CURLOPT_URL, url);
        SETOPT(e, CURLOPT_PRIVATE, r);
        SETOPT(e, CURLOPT_ERRORBUFFER, r->error);
        SETOPT(e, CURLOPT_NOSIGNAL, 1L);
        /* HTTPS only, verified, TLS 1.2 or later, no redirects to follow. */
        SETOPT(e, CURLOPT_PROTOCOLS_STR, "https");
        SETOPT(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
        SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L);
        SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
        SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
        SETOPT(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
        if (c->ca_file)
                SETOPT(e, CURLOPT_CAINFO, c->ca_file);
        SETOPT(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, MIN(timeout_ms, 30000L));
        SETOPT(e, CURLOPT_USERAGENT, c->user_agent);
        SETOPT(e, CURLOPT_WRITEFUNCTION, write_function);
        SETOPT(e, CURLOPT_WRITEDATA, r);
        SETOPT(e, CURLOPT_HEADERFUNCTION, header_function);
        SETOPT(e, CURLOPT_HEADERDATA, r);
        SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_BODY_MAX);
        if (streq(method, "POST"))
                SETOPT(e, CURLOPT_POST, 1L);
        else if (!streq(method, "GET"))
                SETOPT(e, CURLOPT_CUSTOMREQUEST, method);
        return 0;
}

int http_request_new(HttpClient *c, const char *method, const char *url, HttpRequest **ret)
{
        HttpRequest *r;
        int k;

        if (strncmp(url, "https://", 8) != 0)
                return -EPROTONOSUPPORT;
        if (!streq(method, "GET") && !streq(method, "POST") && !streq(method, "PUT"))
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->client = c;
        r->easy = curl_easy_init();
        if (!r->easy) {
                free(r);
                return -ENOMEM;
        }
        k = setup_easy(c, r, method, url);
        if (k >= 0)
                k = http_request_add_header(r, "Expect:"); /* no 100-continue round trip */
        if (k >= 0)
                k = http_request_add_header(r, "Accept: application/json");
        if (k < 0) {
                http_request_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

int http_request_add_header(HttpRequest *r, const char *line)
{
        struct curl_slist *l = curl_slist_append(r->headers, line);

        if (!l)
                return -ENOMEM;
        r->headers = l;
        return 0;
}

int http_request_set_basic_auth(HttpRequest *r, const char *user, const char *password)
{
        SETOPT(r->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SETOPT(r->easy, CURLOPT_USERNAME, user);
        SETOPT(r->easy, CURLOPT_PASSWORD, password);
        return 0;
}

int http_request_set_body(HttpRequest *r, const char *content_type, const char *body)
{
        _cleanup_free_ char *header = NULL;
        int k;

        wipe_free(r->body);
        r->body = strdup(body);
        if (!r->body || asprintf(&header, "Content-Type: %s", content_type) < 0)
                return -ENOMEM;
        k = http_request_add_header(r, header);
        if (k < 0)
                return k;
        SETOPT(r->easy, CURLOPT_POSTFIELDS, r->body);
        SETOPT(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->body));
        return 0;
}

static curl_mimepart *add_part(HttpRequest *r)
{
        if (!r->mime) {
                r->mime = curl_mime_init(r->easy);
                if (!r->mime)
                        return NULL;
        }
        return curl_mime_addpart(r->mime);
}

int http_request_add_field(HttpRequest *r, const char *name, const char *value)
{
        curl_mimepart *p = add_part(r);

        if (!p || curl_mime_name(p, name) != CURLE_OK ||
            curl_mime_data(p, value, CURL_ZERO_TERMINATED) != CURLE_OK)
                return -ENOMEM;
        return 0;
}

int http_request_add_file(HttpRequest *r, const char *name, const char *filename,
                          const char *content_type, const void *data, size_t size)
{
        curl_mimepart *p = add_part(r);

        if (!p || curl_mime_name(p, name) != CURLE_OK ||
            curl_mime_filename(p, filename) != CURLE_OK ||
            curl_mime_type(p, content_type) != CURLE_OK ||
            curl_mime_data(p, data, size) != CURLE_OK)
                return -ENOMEM;
        return 0;
}

int http_request_start(HttpRequest *r, HttpCallback callback, void *userdata)
{
        HttpClient *c = r->client;

        if (r->started || !callback)
                return -EINVAL;
        SETOPT(r->easy, CURLOPT_HTTPHEADER, r->headers);
        if (r->mime)
                SETOPT(r->easy, CURLOPT_MIMEPOST, r->mime);
        r->callback = callback;
        r->userdata = userdata;
        if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK)
                return -EIO;
        r->started = true;
        r->next = c->requests;
        if (c->requests)
                c->requests->prev = r;
        c->requests = r;
        return 0;
}

char *http_escape(const char *s)
{
        char *e = curl_easy_escape(NULL, s, 0), *copy;

        if (!e)
                return NULL;
        copy = strdup(e);
        curl_free(e);
        return copy;
}

char *http_form_encode(const char *const *pairs)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        int failed = 0;

        if (!f)
                return NULL;
        for (size_t i = 0; pairs[i] && pairs[i + 1]; i += 2) {
                char *v = curl_easy_escape(NULL, pairs[i + 1], 0);

                if (!v) {
                        failed = 1;
                        break;
                }
                fprintf(f, "%s%s=%s", i ? "&" : "", pairs[i], v);
                /* Values may be secrets (client_secret, refresh_token). */
                explicit_bzero(v, strlen(v));
                curl_free(v);
        }
        if (fclose(f) != 0 || failed) {
                if (out)
                        explicit_bzero(out, len);
                free(out);
                return NULL;
        }
        return out;
}
