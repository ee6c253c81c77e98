/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus-util.h"
#include "utf8.h"

int bus_message_read_dict(sd_bus_message *m, const char *value_sig, BusDictHandler handler,
                          void *userdata)
{
        char array_sig[64], entry_sig[64];
        int r;

        /* "{s<sig>}" for the array, "s<sig>" for each entry. */
        r = snprintf(array_sig, sizeof(array_sig), "{s%s}", value_sig);
        if (r < 0 || (size_t)r >= sizeof(array_sig))
                return -EINVAL;
        snprintf(entry_sig, sizeof(entry_sig), "s%s", value_sig);

        r = sd_bus_message_enter_container(m, 'a', array_sig);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', entry_sig)) > 0) {
                const char *key;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                r = handler(m, key, userdata);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 0;
}

const char *bus_string_safe(const char *s, char **tmp)
{
        *tmp = NULL;
        if (!s)
                return "";
        if (utf8_is_valid(s))
                return s;
        *tmp = utf8_sanitize(s);
        return *tmp ? *tmp : "";
}

int bus_message_append_string_safe(sd_bus_message *m, const char *s)
{
        char *tmp;
        int r;

        r = sd_bus_message_append(m, "s", bus_string_safe(s, &tmp));
        free(tmp);
        return r;
}
