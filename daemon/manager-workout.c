/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workout side of the Manager: transport events in, engine commands and
 * bus/store updates out. Until a transport implementation is present in the
 * build, there is no treadmill and every control method says so.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "log.h"
#include "manager-internal.h"

int manager_setup_workout(Manager *m)
{
        if (m->options.simulate)
                log_warning("The simulator transport is not part of this build.");
        else
                log_warning("The BlueZ transport is not part of this build.");
        return 0;
}

void manager_on_ready(Manager *m)
{
        if (m->options.run_workout) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                if (manager_start_workout(m, m->options.run_workout, false, &error) < 0) {
                        log_error("Cannot run '%s': %s", m->options.run_workout, error.message);
                        m->exit_code = 1;
                        (void)sd_event_exit(m->event, 1);
                }
        }
}

void manager_apply_config(Manager *m)
{
}

int manager_workout_shutdown(Manager *m)
{
        return 1;
}

void manager_snapshot(Manager *m, ManagerSnapshot *ret)
{
        *ret = (ManagerSnapshot){
                .state = "idle",
                .pause_reason = "",
                .workout = "",
                .step_index = -1,
                .step_name = "",
                .next_step_name = "",
                .step_remaining_s = NAN,
                .target_speed_kmh = NAN,
                .target_incline_pct = NAN,
                .total_time_s = NAN,
                .monitor_only = m->config->monitor_only,
                .control_status = m->config->monitor_only ? "monitor-only" : "offline",
                .schedule = "",
        };
}

static int not_connected(sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NOT_CONNECTED, "No treadmill is connected.");
}

int manager_start_workout(Manager *m, const char *name_or_path, bool arm_only, sd_bus_error *error)
{
        return not_connected(error);
}

int manager_pause(Manager *m, sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is running.");
}

int manager_resume(Manager *m, sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is paused.");
}

int manager_stop(Manager *m, sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is running.");
}

int manager_skip_step(Manager *m, sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is running.");
}

int manager_extend_step(Manager *m, uint32_t seconds, sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NO_WORKOUT, "No workout is running.");
}

int manager_adjust_speed(Manager *m, double delta_kmh, sd_bus_error *error)
{
        return not_connected(error);
}

int manager_set_schedule(Manager *m, const char *plan_json_or_path, sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NOT_SUPPORTED,
                                "Schedules are not supported by this build.");
}

int manager_clear_schedule(Manager *m, sd_bus_error *error)
{
        return 0;
}

int manager_scan_devices(Manager *m, sd_bus_message *message, uint32_t timeout_s,
                         sd_bus_error *error)
{
        return sd_bus_error_set(error, PACED_ERROR_NOT_SUPPORTED,
                                "Scanning needs the BlueZ transport, which is not part of this "
                                "build.");
}
