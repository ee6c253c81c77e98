/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which transport the Manager runs on: the simulated treadmill and runner
 * (--simulate, on the virtual clock) or BlueZ on the system bus. Kept apart
 * so that the rest of the Manager never names either.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bluez-client.h"
#include "log.h"
#include "manager-internal.h"
#include "sim-transport.h"

static int sim_new(Manager *m, Transport **ret)
{
        SimConfig cfg;

        sim_config_default(&cfg);
        /* A runner who matches the configured profile is not needed: the
         * simulator's own model has known thresholds, which is the point. */
        if (m->config->strap && streq(m->config->strap, "none"))
                cfg.strap_enabled = false;
        if (m->options.sim_notify_hz > 0) {
                /* A notification flood for the load tests (--sim-notify-hz). */
                uint64_t interval = (uint64_t)(USEC_PER_SEC / m->options.sim_notify_hz);

                cfg.hr_interval_usec = interval;
                cfg.treadmill.data_interval_usec = interval;
        }
        cfg.treadmill.initial_speed_kmh = m->options.sim_belt_speed_kmh;
        cfg.treadmill.distance_every = (unsigned)m->options.sim_distance_every;
        /* The simulator's footpod is there only when paced is told to read one. */
        cfg.footpod_enabled = m->config->footpod && m->options.sim_footpod_factor > 0;
        if (cfg.footpod_enabled)
                cfg.footpod_factor = m->options.sim_footpod_factor;
        return sim_transport_new(ret, m->event, &m->clock, &cfg);
}

static int bluez_new(Manager *m, Transport **ret)
{
        const Config *c = m->config;
        BluezConfig cfg = {
                .adapter = c->adapter,
                .selector = {[TRANSPORT_ROLE_TREADMILL] = c->treadmill,
                             [TRANSPORT_ROLE_STRAP] = c->strap},
                .disabled = {[TRANSPORT_ROLE_STRAP] = c->strap && streq(c->strap, "none")},
                .scan = BLUEZ_SCAN_AUTO,
                /* A socket per subscription instead of a PropertiesChanged to decode
                 * per value: about 5x cheaper (docs/performance.md). */
                .acquire_notify = c->acquire_notify,
                .clock = &m->clock,
        };
        int r;

        if (cfg.disabled[TRANSPORT_ROLE_STRAP])
                cfg.selector[TRANSPORT_ROLE_STRAP] = NULL;
        bluez_config_set_role(&cfg, TRANSPORT_ROLE_FOOTPOD, c->footpod);
        /* One bluetoothd shows paced's relay to paced's own adapter like any
         * footpod: never picked automatically (docs/relay.md). */
        if (c->relay)
                cfg.exclude_adapter = c->relay_adapter ?: c->adapter ?: "hci0";
        /*
         * BlueZ lives on the system bus even when paced serves a private bus
         * (tests): its own connection, so that the two never mix.
         */
        if (!m->bluez_bus) {
                r = sd_bus_open_system_with_description(&m->bluez_bus, "paced-bluez");
                if (r < 0)
                        return log_error_errno(r, "Failed to connect to the system bus for "
                                                  "BlueZ: %m");
                r = sd_bus_attach_event(m->bluez_bus, m->event, SD_EVENT_PRIORITY_NORMAL);
                if (r < 0)
                        return r;
        }
        return bluez_transport_new(ret, m->event, m->bluez_bus, &cfg);
}

int manager_transport_new(Manager *m, Transport **ret)
{
        return m->options.simulate ? sim_new(m, ret) : bluez_new(m, ret);
}

/* ---- ScanDevices ---- */

typedef struct ScanRequest {
        Manager *manager;
        sd_bus_message *message;
} ScanRequest;

static void scan_done(int error, const BluezScanResult *results, size_t n, void *userdata)
{
        ScanRequest *req = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (error < 0 && n == 0) {
                r = sd_bus_reply_method_errnof(req->message, error, "Scan failed: %m");
                goto done;
        }
        r = sd_bus_message_new_method_return(req->message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssn)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(sssn)", results[i].address,
                                          results[i].name ? results[i].name : "",
                                          results[i].ftms  ? "treadmill"
                                          : results[i].hrs ? "strap"
                                          : results[i].rsc ? "footpod"
                                                           : "other",
                                          results[i].has_rssi ? results[i].rssi : INT16_MIN);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
done:
        if (r < 0)
                log_warning_errno(r, "Failed to answer a scan request: %m");
        sd_bus_message_unref(req->message);
        free(req);
}

int manager_scan_devices(Manager *m, sd_bus_message *message, uint32_t timeout_s,
                         sd_bus_error *error)
{
        ScanRequest *req;
        int r;

        if (m->options.simulate || !m->transport)
                return sd_bus_error_set(error, PACED_ERROR_NOT_SUPPORTED,
                                        m->options.simulate
                                                ? "The simulator has one treadmill and one "
                                                  "strap: nothing to scan."
                                                : "There is no BlueZ transport to scan with.");
        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->manager = m;
        req->message = sd_bus_message_ref(message);
        r = bluez_transport_scan(m->transport, (uint64_t)timeout_s * USEC_PER_SEC, false, scan_done,
                                 req);
        if (r < 0) {
                sd_bus_message_unref(req->message);
                free(req);
                if (r == -EBUSY)
                        return sd_bus_error_set(error, PACED_ERROR_BUSY,
                                                "A scan is already running.");
                return sd_bus_error_set_errnof(error, r, "Cannot scan: %m");
        }
        return 1; /* replied from scan_done() */
}
