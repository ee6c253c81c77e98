/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * io.paced.paced1.Simulator at /io/paced/paced1, only with --simulate: the
 * treadmill console a test (or the demo) can press, the faults it can
 * inject, and the simulated runner's true thresholds to compare the
 * analysis against. Never present on real hardware.
 */
#include <errno.h>
#include <string.h>

#include "bus-simulator.h"
#include "manager-internal.h"
#include "sim-transport.h"

static int property_get_true_thresholds(sd_bus *bus, const char *path, const char *interface,
                                        const char *property, sd_bus_message *reply, void *userdata,
                                        sd_bus_error *error)
{
        Manager *m = userdata;
        SimRunner *r = sim_transport_runner(m->transport);
        SimThresholds t = {};

        if (r)
                sim_runner_true_thresholds(sim_runner_profile(r), &t);
        return sd_bus_message_append(reply, "(dddd)", t.vt1_speed_kmh, t.vt1_hr_bpm,
                                     t.vt2_speed_kmh, t.vt2_hr_bpm);
}

static int property_get_belt_state(sd_bus *bus, const char *path, const char *interface,
                                   const char *property, sd_bus_message *reply, void *userdata,
                                   sd_bus_error *error)
{
        Manager *m = userdata;
        SimTreadmill *t = sim_transport_treadmill(m->transport);

        return sd_bus_message_append(reply, "s",
                                     t ? sim_belt_state_to_string(sim_treadmill_state(t)) : "");
}

/*
 * Every control-point request the simulated treadmill received: (virtual
 * seconds since the simulator started, op, result, value).
 */
static int property_get_received_commands(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply,
                                          void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        SimTreadmill *t = sim_transport_treadmill(m->transport);
        size_t n = t ? sim_treadmill_n_commands(t) : 0;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(dssd)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const SimCommand *c = sim_treadmill_command(t, i);
                const char *op = ftms_cp_op_to_string(c->op);
                const char *result = ftms_cp_result_to_string(c->result);

                r = sd_bus_message_append(reply, "(dssd)", (double)c->t_usec / USEC_PER_SEC,
                                          op ? op : "rfu", result ? result : "rfu", c->value);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int method_press(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        SimConsoleButton b;
        const char *name;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        r = manager_verify_write_access(m, message, error);
        if (r < 0)
                return r;
        b = sim_console_button_from_string(name);
        if (b < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Unknown console button '%s' (start, stop, pause, "
                                         "safety-key, key-replace).",
                                         name);
        r = sim_transport_console(m->transport, b);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Console %s: %m", name);
        return sd_bus_reply_method_return(message, NULL);
}

static int method_fault(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        bool clear = streq(sd_bus_message_get_member(message), "ClearFault");
        const char *name;
        SimFault f;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        r = manager_verify_write_access(m, message, error);
        if (r < 0)
                return r;
        f = sim_fault_from_string(name);
        if (f < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT, "Unknown fault '%s'.",
                                         name);
        r = clear ? sim_transport_clear(m->transport, f) : sim_transport_inject(m->transport, f);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Fault %s: %m", name);
        return sd_bus_reply_method_return(message, NULL);
}

static int method_reconnect(sd_bus_message *message, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        TransportRole role;
        const char *name;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        r = manager_verify_write_access(m, message, error);
        if (r < 0)
                return r;
        role = transport_role_from_string(name);
        if (role < 0)
                return sd_bus_error_setf(error, PACED_ERROR_INVALID_ARGUMENT,
                                         "Unknown device '%s' (treadmill, strap).", name);
        r = sim_transport_reconnect(m->transport, role);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Reconnect: %m");
        return sd_bus_reply_method_return(message, NULL);
}

static const sd_bus_vtable simulator_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("TrueThresholds", "(dddd)", property_get_true_thresholds, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("BeltState", "s", property_get_belt_state, 0, 0),
        SD_BUS_PROPERTY("ReceivedCommands", "a(dssd)", property_get_received_commands, 0, 0),
        SD_BUS_METHOD_WITH_NAMES("PressButton", "s", SD_BUS_PARAM(button), "", , method_press,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("InjectFault", "s", SD_BUS_PARAM(fault), "", , method_fault,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ClearFault", "s", SD_BUS_PARAM(fault), "", , method_fault,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Reconnect", "s", SD_BUS_PARAM(device), "", , method_reconnect,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_simulator_register(Manager *m, sd_bus *bus)
{
        if (!m->transport || !sim_transport_is_sim(m->transport))
                return 0;
        return sd_bus_add_object_vtable(bus, &m->simulator_vtable_slot, PACED_BUS_PATH,
                                        PACED_BUS_IFACE_SIMULATOR, simulator_vtable, m);
}
