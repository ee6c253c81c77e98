/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * paced-web's paired devices and pending pairing codes. Pure code: the
 * caller passes the time and the random bytes, reads and writes the file.
 *
 * A device token is "ID.SECRET": ID 16 hex digits (public: listed and
 * revoked by it), SECRET 43 base64url characters (32 random bytes). Only
 * SHA-256(SECRET) is kept. A pairing code is 8 characters of an alphabet
 * without look-alikes, single use, valid WEB_PAIR_CODE_LIFETIME_USEC.
 *
 * The devices file, one device a line:
 *   v1 ID KIND CREATED_USEC HASH_HEX NAME...
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sha256.h"

#define WEB_TOKEN_ID_LEN            16
#define WEB_TOKEN_SECRET_LEN        43
#define WEB_TOKEN_LEN               (WEB_TOKEN_ID_LEN + 1 + WEB_TOKEN_SECRET_LEN)
#define WEB_TOKEN_RANDOM            (8 + 32) /* random bytes for one token: ID, secret */
#define WEB_PAIR_CODE_LEN           8
#define WEB_PAIR_CODE_RANDOM        WEB_PAIR_CODE_LEN
#define WEB_PAIR_CODES_MAX          4
#define WEB_DEVICES_MAX             64
#define WEB_DEVICE_NAME_MAX         64
#define WEB_PAIR_CODE_LIFETIME_USEC (5 * 60 * UINT64_C(1000000))

typedef enum WebTokenKind {
        WEB_TOKEN_CONTROL, /* may control the workout */
        WEB_TOKEN_VIEW,    /* read-only: a spectator display */
        _WEB_TOKEN_KIND_MAX,
        _WEB_TOKEN_KIND_INVALID = -EINVAL,
} WebTokenKind;

typedef struct WebDevice {
        char id[WEB_TOKEN_ID_LEN + 1];
        WebTokenKind kind;
        char name[WEB_DEVICE_NAME_MAX + 1];
        uint64_t created_usec;   /* CLOCK_REALTIME */
        uint64_t last_used_usec; /* since paced-web started; 0: not yet */
        uint8_t hash[SHA256_DIGEST_SIZE];
        /* Run time only: the control requests' token bucket. */
        double rate_tokens;
        uint64_t rate_usec;
} WebDevice;

typedef struct WebPairCode {
        char code[WEB_PAIR_CODE_LEN + 1];
        WebTokenKind kind;
        char name[WEB_DEVICE_NAME_MAX + 1];
        uint64_t expires_usec; /* CLOCK_REALTIME */
} WebPairCode;

typedef struct WebTokens {
        WebDevice devices[WEB_DEVICES_MAX];
        size_t n_devices;
        WebPairCode codes[WEB_PAIR_CODES_MAX];
        size_t n_codes;
} WebTokens;

const char *web_token_kind_to_string(WebTokenKind k);
WebTokenKind web_token_kind_from_string(const char *s);

/* Replaces the devices with the file's; -EBADMSG (with *ret_line) on a malformed line. */
int web_tokens_parse(WebTokens *t, const char *text, unsigned *ret_line);
/* Writes the devices file; 0 or -EIO. */
int web_tokens_write(const WebTokens *t, FILE *f);

/*
 * A new pairing code from WEB_PAIR_CODE_RANDOM random bytes; the oldest
 * pending code makes room when WEB_PAIR_CODES_MAX are pending. name is
 * cleaned to printable ASCII (empty: "device N").
 */
int web_tokens_new_code(WebTokens *t, WebTokenKind kind, const char *name, uint64_t now,
                        const uint8_t random[WEB_PAIR_CODE_RANDOM], const WebPairCode **ret);

/*
 * Exchanges a pending code (case and '-'/' ' ignored) for a new device
 * token written to ret_token (WEB_TOKEN_LEN + 1 bytes). The code is gone
 * afterwards. -ENOENT: no such pending code (or expired); -ENOSPC: too many
 * devices.
 */
int web_tokens_redeem(WebTokens *t, const char *code, uint64_t now,
                      const uint8_t random[WEB_TOKEN_RANDOM], char ret_token[WEB_TOKEN_LEN + 1],
                      WebDevice **ret_device);

/* The device a token belongs to, or NULL. Compares hashes in constant time. */
WebDevice *web_tokens_verify(WebTokens *t, const char *token);

/* -ENOENT if no device has this id. */
int web_tokens_revoke(WebTokens *t, const char *id);

/* Drops expired codes. */
void web_tokens_expire(WebTokens *t, uint64_t now);
