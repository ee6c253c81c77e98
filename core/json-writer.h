/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * JSON output for the store and pacectl --json (RFC 8259). JsonWriter is a
 * small streaming writer: compact (one line), commas handled for you,
 * strings escaped by json-c (control characters as \u00XX; invalid UTF-8 is
 * replaced by U+FFFD first), non-finite numbers written as null.
 * Writes straight to a FILE*; errors are the FILE's (check ferror()).
 *
 *   JsonWriter w;
 *   json_writer_init(&w, stdout);
 *   json_writer_begin_object(&w);
 *   json_writer_key_number(&w, "speed_kmh", 6.27);
 *   json_writer_key(&w, "rr_ms");
 *   json_writer_begin_array(&w); json_writer_number(&w, 658.2); json_writer_end_array(&w);
 *   json_writer_end_object(&w);   (prints {"speed_kmh":6.27,"rr_ms":[658.2]})
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_WRITER_MAX_DEPTH 32

typedef struct JsonWriter {
        FILE *f;
        unsigned depth;
        bool after_key;
        bool need_comma[JSON_WRITER_MAX_DEPTH + 1];
} JsonWriter;

void json_writer_init(JsonWriter *w, FILE *f);

void json_writer_begin_object(JsonWriter *w);
void json_writer_end_object(JsonWriter *w);
void json_writer_begin_array(JsonWriter *w);
void json_writer_end_array(JsonWriter *w);

/* Inside an object: the key of the next value. */
void json_writer_key(JsonWriter *w, const char *key);

void json_writer_string(JsonWriter *w, const char *s); /* NULL writes null */
void json_writer_number(JsonWriter *w, double v);      /* %.12g; NaN/inf write null */
void json_writer_int(JsonWriter *w, int64_t v);
void json_writer_uint(JsonWriter *w, uint64_t v);
void json_writer_bool(JsonWriter *w, bool v);
void json_writer_null(JsonWriter *w);

/* key + value in one call */
void json_writer_key_string(JsonWriter *w, const char *key, const char *s);
void json_writer_key_number(JsonWriter *w, const char *key, double v);
void json_writer_key_int(JsonWriter *w, const char *key, int64_t v);
void json_writer_key_uint(JsonWriter *w, const char *key, uint64_t v);
void json_writer_key_bool(JsonWriter *w, const char *key, bool v);
void json_writer_key_null(JsonWriter *w, const char *key);

/*
 * Stateless helpers (no comma handling), used where output is hand-built:
 * s as a quoted, escaped JSON string ("null" for NULL); v with the given
 * printf precision, or null if it is not finite.
 */
void json_write_string(FILE *f, const char *s);
void json_write_number(FILE *f, double v, int decimals);
