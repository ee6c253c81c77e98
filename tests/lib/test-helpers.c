/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "test-helpers.h"

size_t test_unhex(const char *hex, uint8_t *buf, size_t size)
{
        size_t n = 0;

        for (; hex[0] && hex[1] && n < size; hex += 2) {
                char b[3] = {hex[0], hex[1], 0};
                buf[n++] = (uint8_t)strtoul(b, NULL, 16);
        }
        return n;
}

int test_real_vectors(const char *uuid16, char hexes[][TEST_VECTOR_MAX_HEX], size_t max)
{
        char path[4096], line[8192], needle[64];
        FILE *f;
        int n = 0;

        snprintf(path, sizeof(path), "%s/tests/vectors/real-captures.jsonl", PACED_SOURCE_DIR);
        f = fopen(path, "re");
        if (!f)
                return -1;
        snprintf(needle, sizeof(needle), "\"char_uuid\": \"0000%s-", uuid16);
        while (fgets(line, sizeof(line), f)) {
                const char *h, *end;

                if (!strstr(line, needle))
                        continue;
                h = strstr(line, "\"hex\": \"");
                if (!h)
                        continue;
                h += strlen("\"hex\": \"");
                end = strchr(h, '"');
                if (!end || (size_t)(end - h) >= TEST_VECTOR_MAX_HEX || (size_t)n >= max)
                        continue;
                memcpy(hexes[n], h, (size_t)(end - h));
                hexes[n][end - h] = 0;
                n++;
        }
        fclose(f);
        return n;
}
