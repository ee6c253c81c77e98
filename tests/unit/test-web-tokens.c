/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* paced-web's device tokens and pairing codes, and the SHA-256 they rest on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "web-tokens.h"

#define NOW (UINT64_C(1800000000) * 1000000)

static void hexify(const uint8_t *p, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++)
                sprintf(out + 2 * i, "%02x", p[i]);
}

/* FIPS 180-4 examples and the padding edge cases (55, 56, 64 bytes). */
static void test_sha256_vectors(void **state)
{
        static const struct {
                const char *in;
                const char *hex;
        } v[] = {
                {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
                {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
                {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
                {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 55 */
                 "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
                {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 56 */
                 "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
                {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
                 "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        };
        uint8_t h[SHA256_DIGEST_SIZE];
        char hex[2 * SHA256_DIGEST_SIZE + 1];

        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                sha256(v[i].in, strlen(v[i].in), h);
                hexify(h, sizeof(h), hex);
                assert_string_equal(hex, v[i].hex);
        }
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)(seed + 37 * i);
}

/* Pair, verify, single use, expiry, revoke: what a runner and an admin meet. */
static void test_pair_and_verify(void **state)
{
        static WebTokens t;
        uint8_t rc[WEB_PAIR_CODE_RANDOM], rt[WEB_TOKEN_RANDOM];
        char token[WEB_TOKEN_LEN + 1], typed[16], wrong[WEB_TOKEN_LEN + 1];
        const WebPairCode *code;
        WebDevice *d;

        memset(&t, 0, sizeof(t));
        fill(rc, sizeof(rc), 1);
        fill(rt, sizeof(rt), 2);
        assert_int_equal(web_tokens_new_code(&t, WEB_TOKEN_CONTROL, "  Pixel\x01 ", NOW, rc, &code),
                         0);
        assert_int_equal(strlen(code->code), WEB_PAIR_CODE_LEN);
        assert_null(strpbrk(code->code, "01ILO")); /* no look-alikes */
        assert_string_equal(code->name, "Pixel?");

        /* Typed on a phone: lower case, with a dash. */
        snprintf(typed, sizeof(typed), "%.4s-%s", code->code, code->code + 4);
        for (char *p = typed; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
        assert_int_equal(web_tokens_redeem(&t, typed, NOW + 1, rt, token, &d), 0);
        assert_int_equal(strlen(token), WEB_TOKEN_LEN);
        assert_int_equal(d->kind, WEB_TOKEN_CONTROL);
        assert_ptr_equal(web_tokens_verify(&t, token), d);
        /* Single use. */
        assert_int_equal(web_tokens_redeem(&t, typed, NOW + 2, rt, token, NULL), -ENOENT);

        /* A token that differs in one character of the secret, or is cut short, is nobody's. */
        memcpy(wrong, token, sizeof(wrong));
        wrong[WEB_TOKEN_LEN - 1] = wrong[WEB_TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
        assert_null(web_tokens_verify(&t, wrong));
        wrong[WEB_TOKEN_LEN - 1] = '\0';
        assert_null(web_tokens_verify(&t, wrong));
        assert_null(web_tokens_verify(&t, ""));
        assert_null(web_tokens_verify(&t, NULL));

        /* Expired codes are gone. */
        fill(rc, sizeof(rc), 3);
        assert_int_equal(web_tokens_new_code(&t, WEB_TOKEN_VIEW, "", NOW, rc, &code), 0);
        assert_string_equal(code->name, "device 2");
        memcpy(typed, code->code, WEB_PAIR_CODE_LEN + 1);
        assert_int_equal(
                web_tokens_redeem(&t, typed, NOW + WEB_PAIR_CODE_LIFETIME_USEC, rt, token, NULL),
                -ENOENT);

        assert_int_equal(web_tokens_revoke(&t, d->id), 0);
        assert_int_equal(t.n_devices, 0);
        assert_int_equal(web_tokens_revoke(&t, "0000000000000000"), -ENOENT);
}

/* What is written is read back; the file never holds a token. */
static void test_file_roundtrip(void **state)
{
        static WebTokens t, u;
        uint8_t rc[WEB_PAIR_CODE_RANDOM], rt[WEB_TOKEN_RANDOM];
        char token[WEB_TOKEN_LEN + 1], *buf = NULL;
        const WebPairCode *code;
        size_t len = 0;
        FILE *f;

        memset(&t, 0, sizeof(t));
        memset(&u, 0, sizeof(u));
        fill(rc, sizeof(rc), 9);
        fill(rt, sizeof(rt), 11);
        assert_int_equal(web_tokens_new_code(&t, WEB_TOKEN_VIEW, "Gym tablet", NOW, rc, &code), 0);
        assert_int_equal(web_tokens_redeem(&t, code->code, NOW, rt, token, NULL), 0);
        f = open_memstream(&buf, &len);
        assert_int_equal(web_tokens_write(&t, f), 0);
        fclose(f);
        assert_null(strstr(buf, token + WEB_TOKEN_ID_LEN + 1));
        assert_int_equal(web_tokens_parse(&u, buf, NULL), 0);
        assert_int_equal(u.n_devices, 1);
        assert_string_equal(u.devices[0].name, "Gym tablet");
        assert_int_equal(u.devices[0].kind, WEB_TOKEN_VIEW);
        assert_non_null(web_tokens_verify(&u, token));
        free(buf);
}

static void test_parse_rejects(void **state)
{
        static WebTokens t;
        unsigned line = 0;

        memset(&t, 0, sizeof(t));
        assert_int_equal(web_tokens_parse(&t, "# comment\n\n", NULL), 0);
        assert_int_equal(web_tokens_parse(&t, "# c\nv1 zz 1 2 3 x\n", &line), -EBADMSG);
        assert_int_equal(line, 2);
        assert_int_equal(web_tokens_parse(&t,
                                          "v1 0123456789abcdef admin 1 "
                                          "00000000000000000000000000000000000000000000000000000000"
                                          "00000000 x\n",
                                          &line),
                         -EBADMSG);
        assert_int_equal(web_tokens_parse(&t, "v1 0123456789abcdef view 1 00 short-hash\n", &line),
                         -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sha256_vectors),
                cmocka_unit_test(test_pair_and_verify),
                cmocka_unit_test(test_file_roundtrip),
                cmocka_unit_test(test_parse_rejects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
