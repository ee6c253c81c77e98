/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Manager's insides, shared by manager*.c and bus-*.c only. */

#include "manager.h"

struct Manager {
        ManagerOptions options;
        Config *config;
        PacedClock clock;

        sd_event *event;
        sd_event_source *sigterm_source, *sigint_source, *sighup_source;
        sd_event_source *watchdog_source;
        uint64_t watchdog_usec;

        sd_bus *bus;
        sd_bus_slot *bus_slots[8];
        bool name_owned;

        /* Coalesced PropertiesChanged: a one-shot timer, at most one emission per second. */
        sd_event_source *props_source;
        unsigned props_dirty;
        uint64_t props_last_emit_usec;

        bool shutting_down;
        sd_event_source *shutdown_timeout_source;
        int exit_code;
        char *status_text;

        Transport *transport;
        Device devices[_TRANSPORT_ROLE_MAX];
        ManagerLive live;
};

void manager_update_status(Manager *m);
/* Ends the process once the belt is safe: called by the workout side when it is done. */
void manager_finish_shutdown(Manager *m);

/* manager-workout.c: the transport, engine, analysis and store side. */
int manager_setup_workout(Manager *m);
void manager_on_ready(Manager *m); /* the bus name is ours */
void manager_apply_config(Manager *m);
/* Starts the safe stop; > 0 if there is nothing to wait for. */
int manager_workout_shutdown(Manager *m);
