/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xml-escape.h"

void xml_put_escaped(FILE *f, const char *s, XmlEscapeFlags flags)
{
        for (; s && *s; s++)
                switch (*s) {
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '&':
                        fputs("&amp;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                default:
                        /* XML 1.0 forbids most control characters. */
                        if ((unsigned char)*s >= 0x20 ||
                            ((flags & XML_ESCAPE_KEEP_WHITESPACE) && (*s == '\n' || *s == '\t')))
                                fputc(*s, f);
                }
}
