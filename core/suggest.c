/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "suggest.h"
#include "util.h"

/* Edit distance of a and b, case-insensitive, capped: enough to suggest. */
unsigned edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned row[32], prev;

        if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
                return UINT_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                prev = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned cur = row[j];
                        bool same = tolower((unsigned char)a[i - 1]) ==
                                    tolower((unsigned char)b[j - 1]);

                        unsigned del = MIN(row[j] + 1, row[j - 1] + 1);

                        row[j] = MIN(del, prev + (same ? 0 : 1));
                        prev = cur;
                }
        }
        return row[lb];
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
        const char *best = NULL;
        unsigned best_d = 3; /* two edits at most: a typo, not another word */

        for (size_t i = 0; i < n; i++) {
                unsigned d;

                if (!candidates[i])
                        continue;
                d = edit_distance(word, candidates[i]);
                if (d < best_d) {
                        best_d = d;
                        best = candidates[i];
                }
        }
        return best;
}
