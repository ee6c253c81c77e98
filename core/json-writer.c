/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json-util.h"
#include "json-writer.h"

void json_writer_init(JsonWriter *w, FILE *f)
{
        *w = (JsonWriter){.f = f};
}

/* Separates a value from the one before it, unless it follows its key. */
static void value_prefix(JsonWriter *w)
{
        if (w->after_key) {
                w->after_key = false;
                return;
        }
        if (w->need_comma[w->depth])
                fputc(',', w->f);
        w->need_comma[w->depth] = true;
}

static void open_container(JsonWriter *w, char c)
{
        value_prefix(w);
        fputc(c, w->f);
        /* Deeper nesting still produces valid JSON; only comma tracking is capped. */
        if (w->depth < JSON_WRITER_MAX_DEPTH)
                w->depth++;
        w->need_comma[w->depth] = false;
}

static void close_container(JsonWriter *w, char c)
{
        fputc(c, w->f);
        if (w->depth > 0)
                w->depth--;
        w->after_key = false;
}

void json_writer_begin_object(JsonWriter *w)
{
        open_container(w, '{');
}

void json_writer_end_object(JsonWriter *w)
{
        close_container(w, '}');
}

void json_writer_begin_array(JsonWriter *w)
{
        open_container(w, '[');
}

void json_writer_end_array(JsonWriter *w)
{
        close_container(w, ']');
}

/* Length of the valid UTF-8 sequence at s, 0 if it is not one. */
static size_t utf8_sequence_len(const unsigned char *s)
{
        size_t n;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xE0) == 0xC0)
                n = 2, cp = s[0] & 0x1F;
        else if ((s[0] & 0xF0) == 0xE0)
                n = 3, cp = s[0] & 0x0F;
        else if ((s[0] & 0xF8) == 0xF0)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        /* Overlong forms, surrogates and values beyond U+10FFFF are invalid. */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                return 0;
        return n;
}

/* s with every invalid UTF-8 byte replaced by U+FFFD (json-c writes bytes as they are). */
static char *utf8_sanitize(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t len = strlen(s);
        char *out, *o;

        /* At worst every byte becomes the 3-byte U+FFFD. */
        out = malloc(3 * len + 1);
        if (!out)
                return NULL;
        for (o = out; *p;) {
                size_t n = utf8_sequence_len(p);

                if (n == 0) {
                        memcpy(o, "\xef\xbf\xbd", 3);
                        o += 3;
                        p++;
                        continue;
                }
                memcpy(o, p, n);
                o += n;
                p += n;
        }
        *o = '\0';
        return out;
}

void json_write_string(FILE *f, const char *s)
{
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *clean = NULL;
        const char *text;

        if (!s) {
                fputs("null", f);
                return;
        }
        /* The escaping is json-c's. Out of memory, the document stays valid: null. */
        clean = utf8_sanitize(s);
        o = clean ? json_object_new_string(clean) : NULL;
        text = o ? json_to_string(o) : NULL;
        fputs(text ? text : "null", f);
}

void json_writer_key(JsonWriter *w, const char *key)
{
        value_prefix(w);
        json_write_string(w->f, key);
        fputc(':', w->f);
        w->after_key = true;
}

void json_writer_string(JsonWriter *w, const char *s)
{
        if (!s) {
                json_writer_null(w);
                return;
        }
        value_prefix(w);
        json_write_string(w->f, s);
}

void json_writer_number(JsonWriter *w, double v)
{
        if (!isfinite(v)) {
                json_writer_null(w);
                return;
        }
        value_prefix(w);
        /* -0 prints as 0: JSON consumers need not see a signed zero. */
        fprintf(w->f, "%.12g", v == 0 ? 0.0 : v);
}

void json_writer_int(JsonWriter *w, int64_t v)
{
        value_prefix(w);
        fprintf(w->f, "%" PRId64, v);
}

void json_writer_uint(JsonWriter *w, uint64_t v)
{
        value_prefix(w);
        fprintf(w->f, "%" PRIu64, v);
}

void json_writer_bool(JsonWriter *w, bool v)
{
        value_prefix(w);
        fputs(v ? "true" : "false", w->f);
}

void json_writer_null(JsonWriter *w)
{
        value_prefix(w);
        fputs("null", w->f);
}

void json_writer_key_string(JsonWriter *w, const char *key, const char *s)
{
        json_writer_key(w, key);
        json_writer_string(w, s);
}

void json_writer_key_number(JsonWriter *w, const char *key, double v)
{
        json_writer_key(w, key);
        json_writer_number(w, v);
}

void json_writer_key_int(JsonWriter *w, const char *key, int64_t v)
{
        json_writer_key(w, key);
        json_writer_int(w, v);
}

void json_writer_key_uint(JsonWriter *w, const char *key, uint64_t v)
{
        json_writer_key(w, key);
        json_writer_uint(w, v);
}

void json_writer_key_bool(JsonWriter *w, const char *key, bool v)
{
        json_writer_key(w, key);
        json_writer_bool(w, v);
}

void json_writer_key_null(JsonWriter *w, const char *key)
{
        json_writer_key(w, key);
        json_writer_null(w);
}

void json_write_number(FILE *f, double v, int decimals)
{
        if (!isfinite(v))
                fputs("null", f);
        else
                fprintf(f, "%.*f", decimals, v);
}
