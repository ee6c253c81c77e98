/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * XML character data for the exporters (TCX) and the SVG report: the
 * markup characters that matter inside text and attribute values escaped,
 * control characters (C0, which XML 1.0 forbids, DEL and C1) dropped, and
 * invalid UTF-8 (which makes a document malformed) replaced by U+FFFD, so
 * that any string from the store gives well-formed XML. Pure code.
 */

#include <stdio.h>

typedef enum XmlEscapeFlags {
        /* Keep '\n' and '\t' (legal in XML); without it every control character goes. */
        XML_ESCAPE_KEEP_WHITESPACE = 1 << 0,
} XmlEscapeFlags;

/* Writes s (NULL as "") escaped to f. */
void xml_put_escaped(FILE *f, const char *s, XmlEscapeFlags flags);
