/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device tokens and pairing codes (see web-tokens.h). The random bytes come
 * from the caller (getrandom() in paced-web, fixed bytes in tests).
 */
#define _GNU_SOURCE 1 /* strchrnul */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "string-table.h"
#include "util.h"
#include "web-tokens.h"

/* No 0/O, 1/I/L: read off a terminal and typed on a phone. */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *const web_token_kind_table[_WEB_TOKEN_KIND_MAX] = {
        [WEB_TOKEN_CONTROL] = "control",
        [WEB_TOKEN_VIEW] = "view",
};

DEFINE_STRING_TABLE_LOOKUP(web_token_kind, WebTokenKind);

static void hex(const uint8_t *p, size_t n, char *out)
{
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[p[i] >> 4];
                out[2 * i + 1] = digits[p[i] & 15];
        }
        out[2 * n] = '\0';
}

static int unhex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int hi = unhex_digit(s[2 * i]), lo = hi < 0 ? -1 : unhex_digit(s[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i] = (uint8_t)(hi << 4 | lo);
        }
        return s[2 * n] == '\0' ? 0 : -EINVAL;
}

static bool id_is_valid(const char *id)
{
        if (strlen(id) != WEB_TOKEN_ID_LEN)
                return false;
        for (const char *p = id; *p; p++)
                if (unhex_digit(*p) < 0)
                        return false;
        return true;
}

/* Printable ASCII only, at most WEB_DEVICE_NAME_MAX, no leading/trailing blanks. */
static void clean_name(const char *in, char out[WEB_DEVICE_NAME_MAX + 1])
{
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p; p++) {
                if (n == WEB_DEVICE_NAME_MAX)
                        break;
                if (*p == ' ' && n == 0)
                        continue;
                out[n++] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
        }
        while (n > 0 && out[n - 1] == ' ')
                n--;
        out[n] = '\0';
}

int web_tokens_parse(WebTokens *t, const char *text, unsigned *ret_line)
{
        WebTokens parsed = {};
        unsigned line = 0;

        for (const char *p = text; p && *p;) {
                const char *eol = strchrnul(p, '\n');
                char buf[512], id[32], kind[16], hash[80];
                uint64_t created;
                int name_at = -1;
                WebDevice *d;

                line++;
                if ((size_t)(eol - p) >= sizeof(buf))
                        goto bad;
                memcpy(buf, p, eol - p);
                buf[eol - p] = '\0';
                p = *eol ? eol + 1 : eol;
                if (!buf[0] || buf[0] == '#')
                        continue;
                if (parsed.n_devices == WEB_DEVICES_MAX)
                        goto bad;
                d = &parsed.devices[parsed.n_devices];
                if (sscanf(buf, "v1 %31s %15s %" SCNu64 " %79s %n", id, kind, &created, hash,
                           &name_at) != 4 ||
                    name_at < 0 || !id_is_valid(id) ||
                    (d->kind = web_token_kind_from_string(kind)) < 0 ||
                    unhex(hash, d->hash, sizeof(d->hash)) < 0)
                        goto bad;
                memcpy(d->id, id, sizeof(d->id));
                d->created_usec = created;
                clean_name(buf + name_at, d->name);
                parsed.n_devices++;
        }
        memcpy(t->devices, parsed.devices, sizeof(parsed.devices));
        t->n_devices = parsed.n_devices;
        return 0;
bad:
        if (ret_line)
                *ret_line = line;
        return -EBADMSG;
}

int web_tokens_write(const WebTokens *t, FILE *f)
{
        fputs("# paced-web paired devices: only SHA-256 hashes of their tokens.\n", f);
        for (size_t i = 0; i < t->n_devices; i++) {
                const WebDevice *d = &t->devices[i];
                char h[2 * SHA256_DIGEST_SIZE + 1];

                hex(d->hash, sizeof(d->hash), h);
                fprintf(f, "v1 %s %s %" PRIu64 " %s %s\n", d->id, web_token_kind_to_string(d->kind),
                        d->created_usec, h, d->name);
        }
        return ferror(f) ? -EIO : 0;
}

void web_tokens_expire(WebTokens *t, uint64_t now)
{
        size_t k = 0;

        for (size_t i = 0; i < t->n_codes; i++)
                if (t->codes[i].expires_usec > now)
                        t->codes[k++] = t->codes[i];
        t->n_codes = k;
}

int web_tokens_new_code(WebTokens *t, WebTokenKind kind, const char *name, uint64_t now,
                        const uint8_t random[WEB_PAIR_CODE_RANDOM], const WebPairCode **ret)
{
        WebPairCode *c;

        if (kind < 0 || kind >= _WEB_TOKEN_KIND_MAX)
                return -EINVAL;
        web_tokens_expire(t, now);
        if (t->n_codes == WEB_PAIR_CODES_MAX) {
                memmove(t->codes, t->codes + 1, sizeof(t->codes[0]) * (WEB_PAIR_CODES_MAX - 1));
                t->n_codes--;
        }
        c = &t->codes[t->n_codes++];
        *c = (WebPairCode){.kind = kind, .expires_usec = now + WEB_PAIR_CODE_LIFETIME_USEC};
        /* 31 symbols: the modulo bias (256 % 31 = 8) costs under 0.1 bit a symbol. */
        for (size_t i = 0; i < WEB_PAIR_CODE_LEN; i++)
                c->code[i] = code_alphabet[random[i] % (sizeof(code_alphabet) - 1)];
        clean_name(name, c->name);
        if (!c->name[0])
                snprintf(c->name, sizeof(c->name), "device %zu", t->n_devices + 1);
        if (ret)
                *ret = c;
        return 0;
}

/* Constant time in the contents: a pairing guess learns nothing from timing. */
static bool equal_secret(const void *a, const void *b, size_t n)
{
        const volatile uint8_t *x = a, *y = b;
        uint8_t diff = 0;

        for (size_t i = 0; i < n; i++)
                diff |= x[i] ^ y[i];
        return diff == 0;
}

static int normalize_code(const char *in, char out[WEB_PAIR_CODE_LEN + 1])
{
        size_t n = 0;

        for (const char *p = in; *p; p++) {
                if (*p == '-' || *p == ' ')
                        continue;
                if (n == WEB_PAIR_CODE_LEN)
                        return -EINVAL;
                out[n++] = (char)toupper((unsigned char)*p);
        }
        out[n] = '\0';
        return n == WEB_PAIR_CODE_LEN ? 0 : -EINVAL;
}

static void base64url(const uint8_t *p, size_t n, char *out)
{
        size_t k = 0;
        uint32_t acc = 0;
        unsigned bits = 0;

        for (size_t i = 0; i < n; i++) {
                acc = acc << 8 | p[i];
                bits += 8;
                while (bits >= 6) {
                        bits -= 6;
                        out[k++] = b64url[(acc >> bits) & 63];
                }
        }
        if (bits > 0)
                out[k++] = b64url[(acc << (6 - bits)) & 63];
        out[k] = '\0';
}

int web_tokens_redeem(WebTokens *t, const char *code, uint64_t now,
                      const uint8_t random[WEB_TOKEN_RANDOM], char ret_token[WEB_TOKEN_LEN + 1],
                      WebDevice **ret_device)
{
        char norm[WEB_PAIR_CODE_LEN + 1];
        size_t found = SIZE_MAX;
        WebDevice *d;

        web_tokens_expire(t, now);
        if (!code || normalize_code(code, norm) < 0)
                return -ENOENT;
        for (size_t i = 0; i < t->n_codes; i++)
                if (equal_secret(t->codes[i].code, norm, WEB_PAIR_CODE_LEN))
                        found = i;
        if (found == SIZE_MAX)
                return -ENOENT;
        if (t->n_devices == WEB_DEVICES_MAX)
                return -ENOSPC;

        d = &t->devices[t->n_devices];
        *d = (WebDevice){.kind = t->codes[found].kind, .created_usec = now};
        memcpy(d->name, t->codes[found].name, sizeof(d->name));
        hex(random, 8, d->id);
        memcpy(ret_token, d->id, WEB_TOKEN_ID_LEN);
        ret_token[WEB_TOKEN_ID_LEN] = '.';
        base64url(random + 8, 32, ret_token + WEB_TOKEN_ID_LEN + 1);
        sha256(ret_token + WEB_TOKEN_ID_LEN + 1, WEB_TOKEN_SECRET_LEN, d->hash);
        /* Two devices with one id would make revoke ambiguous: 2^-64, but refuse it. */
        for (size_t i = 0; i < t->n_devices; i++)
                if (streq(t->devices[i].id, d->id))
                        return -EEXIST;
        t->n_devices++;
        /* Single use. */
        memmove(&t->codes[found], &t->codes[found + 1],
                sizeof(t->codes[0]) * (t->n_codes - found - 1));
        t->n_codes--;
        if (ret_device)
                *ret_device = d;
        return 0;
}

WebDevice *web_tokens_verify(WebTokens *t, const char *token)
{
        uint8_t h[SHA256_DIGEST_SIZE];
        char id[WEB_TOKEN_ID_LEN + 1];

        if (!token || strlen(token) != WEB_TOKEN_LEN || token[WEB_TOKEN_ID_LEN] != '.')
                return NULL;
        memcpy(id, token, WEB_TOKEN_ID_LEN);
        id[WEB_TOKEN_ID_LEN] = '\0';
        sha256(token + WEB_TOKEN_ID_LEN + 1, WEB_TOKEN_SECRET_LEN, h);
        for (size_t i = 0; i < t->n_devices; i++)
                if (streq(t->devices[i].id, id))
                        return equal_secret(t->devices[i].hash, h, sizeof(h)) ? &t->devices[i]
                                                                              : NULL;
        return NULL;
}

int web_tokens_revoke(WebTokens *t, const char *id)
{
        for (size_t i = 0; i < t->n_devices; i++)
                if (streq(t->devices[i].id, id)) {
                        memmove(&t->devices[i], &t->devices[i + 1],
                                sizeof(t->devices[0]) * (t->n_devices - i - 1));
                        t->n_devices--;
                        return 0;
                }
        return -ENOENT;
}
