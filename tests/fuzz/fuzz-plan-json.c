/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzes plan_from_json(): SetSchedule hands it JSON from a D-Bus caller or a
 * file. Any bytes must give a plan or -EBADMSG; a plan must write back to JSON
 * that reads to the same plan.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Plan *p = NULL, *q = NULL;
        char *text, *json = NULL;
        size_t json_len = 0;
        FILE *f;
        int r;

        if (size > 64 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        r = plan_from_json(text, &p);
        free(text);
        if (r < 0) {
                if (p || (r != -EBADMSG && r != -ENOMEM))
                        abort();
                return 0;
        }
        if (!p || p->n_days != p->options.weeks * 7)
                abort();
        f = open_memstream(&json, &json_len);
        if (!f)
                abort();
        if (plan_to_json(p, f) < 0)
                abort();
        fclose(f);
        if (plan_from_json(json, &q) < 0 || q->n_days != p->n_days ||
            q->options.start != p->options.start)
                abort();
        free(json);
        plan_free(q);
        plan_free(p);
        return 0;
}
