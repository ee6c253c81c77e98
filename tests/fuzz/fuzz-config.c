/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the paced.conf loader: any bytes must load or fail cleanly with a located message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Config *c = NULL;
        ConfigError e = {};
        int r;

        if (size > 64 * 1024)
                return 0;
        r = config_load_string((const char *)data, size, &c, &e);
        if (r < 0) {
                /* Failure leaves no config behind and always explains itself. */
                if (c || e.message[0] == '\0' || !memchr(e.message, '\0', sizeof(e.message)))
                        __builtin_trap();
                return 0;
        }
        if (!c || c->max_speed_kmh < 1 || c->max_speed_kmh > 40 || c->max_accel_kmh_s <= 0)
                __builtin_trap();
        config_free(c);
        return 0;
}
