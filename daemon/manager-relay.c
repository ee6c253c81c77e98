/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager's side of the relay (relay.h, docs/relay.md): started with
 * paced when [Relay] enabled = yes and paced runs on BlueZ, fed with what
 * paced shows the runner: the treadmill's calibrated speed, distance and
 * incline, the heart rate and, while a footpod reports, its cadence and stride. Off, nothing is
 * exported, registered or timed.
 */
#define _GNU_SOURCE /* asprintf */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "manager-internal.h"
#include "relay.h"

static void get_values(void *userdata, RelayValues *ret)
{
        Manager *m = userdata;
        const ManagerLive *l = &m->live;
        bool linked = m->devices[TRANSPORT_ROLE_TREADMILL].connected;

        /* A lost treadmill is a standing runner to the watch, not a frozen pace. */
        *ret = (RelayValues){
                .speed_kmh = linked ? l->speed_kmh : 0,
                .distance_m = l->distance_m,
                .stride_m = NAN,
                .incline_pct = linked ? l->incline_pct : NAN,
                .heart_rate_bpm = l->heart_rate_bpm,
        };
        if (manager_footpod_fresh(m)) {
                ret->cadence_spm = l->cadence_spm;
                ret->stride_m = l->stride_m;
        }
}

int manager_relay_setup(Manager *m)
{
        const Config *c = m->config;
        _cleanup_free_ char *path = NULL;
        RelayConfig rc;
        unsigned services;
        int r;

        if (!c->relay)
                return 0;
        services = (c->relay_rsc ? 1u << RELAY_SERVICE_RSC : 0) |
                   (c->relay_ftms ? 1u << RELAY_SERVICE_FTMS : 0) |
                   (c->relay_hrs ? 1u << RELAY_SERVICE_HRS : 0);
        if (services == 0) {
                log_warning("[Relay] enabled = yes with rsc, ftms and heart_rate = no: nothing "
                            "to serve.");
                return 0;
        }
        if (m->options.simulate || !m->bluez_bus) {
                log_warning("[Relay] needs BlueZ: the simulator has no radio to serve on.");
                return 0;
        }
        if (asprintf(&path, "/org/bluez/%s", c->relay_adapter ?: c->adapter ?: "hci0") < 0)
                return log_oom();
        rc = (RelayConfig){
                .adapter_path = path,
                .name = c->relay_name,
                .services = services,
                .get_values = get_values,
                .userdata = m,
        };
        r = relay_new(&m->relay, m->event, m->bluez_bus, &rc);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the relay: %m");
        return 0;
}

void manager_relay_done(Manager *m)
{
        m->relay = relay_free(m->relay);
}
