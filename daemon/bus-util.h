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
