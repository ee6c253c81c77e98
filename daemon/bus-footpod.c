/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The footpod's face on the bus: io.paced.paced1.Footpod at /io/paced/paced1. */
#include <errno.h>

#include "bus-footpod.h"
#include "log.h"

static int property_get_calibration(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error)
{
        Manager *m = userdata;
        SpeedCalibration cal;

        manager_calibration(m, &cal);
        return sd_bus_message_append(reply, "(dds)", cal.factor, cal.offset_kmh,
                                     manager_calibration_accepted(m) ? "accepted" : "config");
}

static int method_get_estimate(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        CalibrationEstimate e;
        int r;

        r = manager_calibration_estimate(m, &e, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "sddbduddd",
                                          calibration_status_to_string(e.status), e.factor,
                                          e.offset_kmh, (int)e.offset_fitted, e.spread, e.segments,
                                          e.seconds, e.speed_min_kmh, e.speed_max_kmh);
}

/* Accept and Reset: admin only, then the change; both answer with the calibration in use. */
static int calibration_change(sd_bus_message *message, Manager *m, sd_bus_error *error,
                              int (*change)(Manager *m, SpeedCalibration *ret, sd_bus_error *error))
{
        SpeedCalibration cal;
        int r;

        r = manager_verify_write_access(m, message, error);
        if (r < 0)
                return r;
        r = change(m, &cal, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "dd", cal.factor, cal.offset_kmh);
}

static int method_accept(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        return calibration_change(message, userdata, error, manager_accept_calibration);
}

static int method_reset(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        return calibration_change(message, userdata, error, manager_reset_calibration);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable footpod_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Calibration", "(dds)", property_get_calibration, 0, EMITS),
        SD_BUS_METHOD_WITH_NAMES("GetCalibrationEstimate", "", , "sddbduddd",
                                 SD_BUS_PARAM(status) SD_BUS_PARAM(factor) SD_BUS_PARAM(offset_kmh)
                                         SD_BUS_PARAM(offset_fitted) SD_BUS_PARAM(spread)
                                                 SD_BUS_PARAM(segments) SD_BUS_PARAM(seconds)
                                                         SD_BUS_PARAM(speed_min_kmh)
                                                                 SD_BUS_PARAM(speed_max_kmh),
                                 method_get_estimate, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AcceptCalibration", "", , "dd",
                                 SD_BUS_PARAM(factor) SD_BUS_PARAM(offset_kmh), method_accept,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ResetCalibration", "", , "dd",
                                 SD_BUS_PARAM(factor) SD_BUS_PARAM(offset_kmh), method_reset,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_footpod_register(Manager *m, sd_bus *bus)
{
        return sd_bus_add_object_vtable(bus, &m->footpod_slot, PACED_BUS_PATH,
                                        PACED_BUS_IFACE_FOOTPOD, footpod_vtable, m);
}

int bus_footpod_emit_calibration_changed(Manager *m)
{
        if (!m->bus || !m->name_owned)
                return 0;
        return sd_bus_emit_properties_changed(m->bus, PACED_BUS_PATH, PACED_BUS_IFACE_FOOTPOD,
                                              "Calibration", NULL);
}
