/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes what paced-web parses from a request before anything acts on it:
 * the route (method and decoded path), the control and pairing bodies
 * (JSON), the token from the Authorization and Cookie headers, the Origin
 * check, and the devices file it reads at start. The first byte picks the
 * parser; the rest is its input.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web-request.h"
#include "web-tokens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *cstr(const uint8_t *p, size_t n)
{
        char *s = malloc(n + 1);

        if (!s)
                abort();
        memcpy(s, p, n);
        s[n] = '\0';
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static WebTokens tokens;
        char err[256], code[64], buf[256];
        WebControlArgs a;
        WebRoute r;
        char *s;

        if (size < 1 || size > 64 * 1024)
                return 0;
        s = cstr(data + 1, size - 1);
        switch (data[0] % 6) {
        case 0: { /* "METHOD path" */
                char *sp = strchr(s, ' ');

                if (sp) {
                        *sp = '\0';
                        if (web_route_parse(s, sp + 1, &r) == 0) {
                                /* A static name never leaves the directory. */
                                if (r.kind == WEB_ROUTE_STATIC &&
                                    (strchr(r.name, '/') || strstr(r.name, "..") ||
                                     r.name[0] == '.' || !r.name[0]))
                                        abort();
                                if ((r.kind == WEB_ROUTE_SESSION || r.kind == WEB_ROUTE_REPORT ||
                                     r.kind == WEB_ROUTE_EXPORT) &&
                                    r.session_id <= 0)
                                        abort();
                        }
                }
                break;
        }
        case 1: /* a control body, for the action the second byte picks */
                if (size >= 2) {
                        WebAction act = (WebAction)(data[1] % _WEB_ACTION_MAX);

                        if (web_control_args_parse(act, (const char *)data + 2, size - 2, &a, err,
                                                   sizeof(err)) == 0) {
                                if (a.seconds < 1 || a.seconds > 3600 || !isfinite(a.delta_kmh) ||
                                    fabs(a.delta_kmh) > 5 || a.delta_kmh == 0 ||
                                    strlen(a.workout) >= sizeof(a.workout))
                                        abort();
                        } else if (strlen(err) >= sizeof(err))
                                abort();
                }
                break;
        case 2:
                if (web_pair_args_parse(s, size - 1, code, sizeof(code), err, sizeof(err)) == 0 &&
                    strlen(code) >= sizeof(code))
                        abort();
                break;
        case 3:
                (void)web_token_from_authorization(s);
                if (web_token_from_cookie(s, buf, sizeof(buf)) && strlen(buf) >= sizeof(buf))
                        abort();
                web_json_escape(s, buf, sizeof(buf));
                if (strlen(buf) >= sizeof(buf))
                        abort();
                break;
        case 4: { /* "origin\nhost" */
                char *nl = strchr(s, '\n');

                if (nl) {
                        *nl = '\0';
                        (void)web_origin_is_same(s, nl + 1, size & 1);
                }
                break;
        }
        case 5:
                if (web_tokens_parse(&tokens, s, NULL) == 0) {
                        if (tokens.n_devices > WEB_DEVICES_MAX)
                                abort();
                        for (size_t i = 0; i < tokens.n_devices; i++)
                                (void)web_tokens_verify(&tokens, tokens.devices[i].id);
                }
                break;
        }
        free(s);
        return 0;
}
