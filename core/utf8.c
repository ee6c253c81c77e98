/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

size_t utf8_char_len(const char *s, size_t left)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t n;
        uint32_t cp;

        if (left == 0)
                return 0;
        if (p[0] < 0x80)
                return 1;
        if ((p[0] & 0xE0) == 0xC0)
                n = 2, cp = p[0] & 0x1F;
        else if ((p[0] & 0xF0) == 0xE0)
                n = 3, cp = p[0] & 0x0F;
        else if ((p[0] & 0xF8) == 0xF0)
                n = 4, cp = p[0] & 0x07;
        else
                return 0;
        if (n > left)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* Overlong forms, surrogates and values beyond U+10FFFF are invalid. */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                return 0;
        return n;
}

unsigned utf8_char_decode(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        unsigned cp;

        switch (len) {
        case 1:
                return p[0];
        case 2:
                cp = p[0] & 0x1F;
                break;
        case 3:
                cp = p[0] & 0x0F;
                break;
        default:
                cp = p[0] & 0x07;
                break;
        }
        for (size_t i = 1; i < len; i++)
                cp = (cp << 6) | (p[i] & 0x3F);
        return cp;
}

bool utf8_is_control(unsigned cp)
{
        return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool utf8_is_valid_n(const char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                size_t k = utf8_char_len(s + i, n - i);

                if (k == 0)
                        return false;
                i += k;
        }
        return true;
}

bool utf8_is_valid(const char *s)
{
        return !s || utf8_is_valid_n(s, strlen(s));
}

size_t utf8_find_bad(const char *s, size_t n, bool allow_whitespace)
{
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                size_t k;
                unsigned cp;

                /* Printable ASCII, nearly all of any input: nothing to decode. */
                if (c >= 0x20 && c < 0x7F) {
                        i++;
                        continue;
                }
                k = utf8_char_len(s + i, n - i);
                if (k == 0)
                        return i;
                cp = utf8_char_decode(s + i, k);
                if (utf8_is_control(cp) &&
                    !(allow_whitespace && (cp == '\t' || cp == '\r' || cp == '\n')))
                        return i;
                i += k;
        }
        return n;
}

bool utf8_is_printable(const char *s, bool allow_tab)
{
        size_t n;

        if (!s)
                return true;
        n = strlen(s);
        for (size_t i = 0; i < n;) {
                size_t k = utf8_char_len(s + i, n - i);
                unsigned cp;

                if (k == 0)
                        return false;
                cp = utf8_char_decode(s + i, k);
                if (utf8_is_control(cp) && !(allow_tab && cp == '\t'))
                        return false;
                i += k;
        }
        return true;
}

char *utf8_sanitize(const char *s)
{
        size_t n, o = 0;
        char *out;

        if (!s)
                return NULL;
        n = strlen(s);
        /* Each bad byte becomes at most three: U+FFFD. */
        out = malloc(n * 3 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n;) {
                size_t k = utf8_char_len(s + i, n - i);

                if (k == 0 || utf8_is_control(utf8_char_decode(s + i, k))) {
                        memcpy(out + o, UTF8_REPLACEMENT, 3);
                        o += 3;
                        i += k ? k : 1;
                        continue;
                }
                memcpy(out + o, s + i, k);
                o += k;
                i += k;
        }
        out[o] = '\0';
        return out;
}

void utf8_replace_controls(char *s)
{
        size_t n, o = 0;

        if (!s)
                return;
        n = strlen(s);
        for (size_t i = 0; i < n;) {
                size_t k = utf8_char_len(s + i, n - i);

                if (k == 0 || utf8_is_control(utf8_char_decode(s + i, k))) {
                        s[o++] = k == 0 ? '?' : ' ';
                        i += k ? k : 1;
                        continue;
                }
                memmove(s + o, s + i, k);
                o += k;
                i += k;
        }
        s[o] = '\0';
}

/* The length a lead byte announces, 0 if it is not a multi-byte lead. */
static size_t lead_len(unsigned char c)
{
        return (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
}

void utf8_truncate(char *s, size_t max_len)
{
        size_t n = strlen(s), i = 0;

        if (n > max_len)
                n = max_len;
        while (i < n) {
                size_t k = utf8_char_len(s + i, n - i);

                if (k == 0) {
                        size_t want = lead_len((unsigned char)s[i]);
                        bool cut = want > n - i;

                        /* A character cut by the end (here or by snprintf): drop it. */
                        for (size_t j = i + 1; cut && j < n; j++)
                                cut = ((unsigned char)s[j] & 0xC0) == 0x80;
                        if (cut)
                                break;
                        k = 1; /* an invalid byte: not ours to judge here */
                }
                i += k;
        }
        s[i] = '\0';
}
