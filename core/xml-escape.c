/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "utf8.h"
#include "xml-escape.h"

void xml_put_escaped(FILE *f, const char *s, XmlEscapeFlags flags)
{
        size_t n = s ? strlen(s) : 0;

        for (size_t i = 0; i < n;) {
                size_t k = utf8_char_len(s + i, n - i);
                unsigned cp;

                /* Invalid UTF-8 makes the whole document malformed: mark the spot instead. */
                if (k == 0) {
                        fputs(UTF8_REPLACEMENT, f);
                        i++;
                        continue;
                }
                cp = utf8_char_decode(s + i, k);
                switch (cp) {
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
                case 0xFFFE:
                case 0xFFFF:
                        /* Not characters in XML 1.0. */
                        fputs(UTF8_REPLACEMENT, f);
                        break;
                default:
                        /* XML 1.0 forbids most C0 controls; C1 ones are only a
                         * terminal's business. Both go. */
                        if (!utf8_is_control(cp) ||
                            ((flags & XML_ESCAPE_KEEP_WHITESPACE) && (cp == '\n' || cp == '\t')))
                                fwrite(s + i, 1, k, f);
                }
                i += k;
        }
}
