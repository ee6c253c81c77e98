/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sd-bus message helpers shared by the daemon's BlueZ client and pacectl:
 * both walk string-keyed dictionaries (a{sv} property sets, BlueZ's
 * a{sa{sv}} interface maps) the same way.
 */

#include <systemd/sd-bus.h>

/*
 * Called once per dict entry with its key read: m is positioned at the
 * entry's value, which the handler must consume (read or skip).
 * Returns 0 or a negative errno, which stops the walk.
 */
typedef int (*BusDictHandler)(sd_bus_message *m, const char *key, void *userdata);

/*
 * m at an a{s<value_sig>}: calls handler for each entry, then leaves the
 * array. Returns 0 or a negative errno.
 */
int bus_message_read_dict(sd_bus_message *m, const char *value_sig, BusDictHandler handler,
                          void *userdata);

/*
 * D-Bus refuses a string that is not UTF-8 (the whole message, so one bad
 * workout name would fail every GetAll). s itself when it is valid, else a
 * copy with U+FFFD in place of each bad byte, kept in *tmp for the caller
 * to free; "" for NULL or on OOM.
 */
const char *bus_string_safe(const char *s, char **tmp);
/* sd_bus_message_append(m, "s", s) through bus_string_safe(). */
int bus_message_append_string_safe(sd_bus_message *m, const char *s);
