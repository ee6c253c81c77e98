/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * UTF-8 at the boundaries: every string paced takes in (workout names, cue
 * texts, device names, config values) and every string it sends out (D-Bus,
 * whose marshalling refuses invalid UTF-8; XML; a terminal) goes through
 * these. "Control character" means C0 (U+0000-U+001F), DEL and C1
 * (U+0080-U+009F): the ones a terminal acts on (ESC, CSI) or XML forbids.
 */

#include <stdbool.h>
#include <stddef.h>

#define UTF8_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Length of the valid UTF-8 sequence at s (at most left bytes), 0 if invalid. */
size_t utf8_char_len(const char *s, size_t left);
/* The code point of the valid sequence at s (utf8_char_len() > 0). */
unsigned utf8_char_decode(const char *s, size_t len);
bool utf8_is_control(unsigned cp);

/* s[0..n) is valid UTF-8 (no NUL inside counts as valid: check separately). */
bool utf8_is_valid_n(const char *s, size_t n);
bool utf8_is_valid(const char *s); /* NULL is valid */
/* Valid UTF-8 without control characters ("\t" allowed with allow_tab). */
bool utf8_is_printable(const char *s, bool allow_tab);
/*
 * Offset of the first byte that is not valid UTF-8 or is a control
 * character (other than '\t', '\r', '\n' when allow_whitespace) in s[0..n),
 * or n if none. For parsers that report where the problem is.
 */
size_t utf8_find_bad(const char *s, size_t n, bool allow_whitespace);

/*
 * A malloc'd copy of s (NULL for NULL, or on OOM) in which every invalid
 * byte and every control character became U+FFFD: safe for D-Bus, XML and a
 * terminal.
 */
char *utf8_sanitize(const char *s);
/* In place: every control character becomes a space, every invalid byte '?'
 * (for text from a parser that already guarantees UTF-8, such as expat). */
void utf8_replace_controls(char *s);
/* Cuts s (NUL-terminated) to at most max_len bytes at a character boundary
 * and drops an incomplete sequence at its end (what snprintf may leave). */
void utf8_truncate(char *s, size_t max_len);
