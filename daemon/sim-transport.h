/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The simulator behind the Transport seam: a SimTreadmill and a SimRunner
 * driven on an sd-event loop in the virtual time of a PacedClock (so
 * --time-scale 60 runs an hour in a minute). Every notification is built
 * with the ftms.h/hrs.h encoders and goes back through the same parsers and
 * Treadmill Data assembler as the BlueZ client's, so the events the engine
 * sees are exactly what a real device would produce.
 *
 * Events, in the order BlueZ gives them: per device IDENTITY, (treadmill)
 * CAPABILITIES, LINK up, (treadmill) TRAINING_STATUS, (strap) BATTERY; then TREADMILL_DATA
 * every data_interval, HEART_RATE (with RR) every hr_interval, FOOTPOD
 * every footpod_interval (with a footpod), and
 * MACHINE_STATUS / CP_RESPONSE as the model produces them. Events are never
 * emitted from inside a call into this module: only from its timer, so a
 * handler may call transport_write_control_point() freely. Do not free the
 * transport from inside its own handler.
 *
 * Idle means idle: one one-shot timer, re-armed to the next virtual deadline
 * (the next record, beat report, connection or pending response).
 *
 * Usage (the daemon's --simulate, or a test):
 *   SimConfig cfg;
 *   sim_config_default(&cfg);                  (then adjust cfg.treadmill / cfg.runner)
 *   r = sim_transport_new(&t, event, &clock, &cfg);
 *   t->handler = on_event; t->userdata = m;    (before the loop runs: link-up is deferred)
 *   ... sim_transport_console(t, SIM_CONSOLE_PAUSE); sim_transport_inject(t, SIM_FAULT_...);
 *   transport_free(t);
 */

#include <systemd/sd-event.h>

#include "clock.h"
#include "sim-footpod.h"
#include "sim-runner.h"
#include "sim-treadmill.h"
#include "transport.h"

typedef struct SimConfig {
        SimTreadmillConfig treadmill;
        SimRunnerProfile runner;
        bool treadmill_enabled;      /* default true */
        bool strap_enabled;          /* default true */
        uint64_t connect_delay_usec; /* virtual time until a device links; default 500 ms */
        uint64_t cp_latency_usec;    /* write to response; default 50 ms */
        uint64_t hr_interval_usec;   /* strap notifications; default 1 s */
        const char *treadmill_name;  /* default "paced-sim treadmill" (copied) */
        const char *strap_name;      /* default "paced-sim strap" (copied) */
        /* A footpod (RSC) on the runner, measuring the true speed of a belt
         * that reports true / footpod_factor - offset: default off. */
        bool footpod_enabled;
        double footpod_factor;          /* default 1 */
        double footpod_offset_kmh;      /* default 0 */
        uint64_t footpod_interval_usec; /* default 1 s */
} SimConfig;

void sim_config_default(SimConfig *c);

typedef enum SimFault {
        SIM_FAULT_REFUSE_CONTROL,           /* Request Control gets Control Not Permitted
                                             * until sim_transport_clear() */
        SIM_FAULT_LOSE_CONTROL,             /* Control Permission Lost (0xFF), now */
        SIM_FAULT_DROP_TREADMILL,           /* treadmill link lost; see sim_transport_reconnect() */
        SIM_FAULT_DROP_STRAP,               /* strap link lost */
        SIM_FAULT_MALFORMED_TREADMILL_DATA, /* the next Treadmill Data is malformed */
        SIM_FAULT_MALFORMED_HEART_RATE,     /* the next Heart Rate Measurement is malformed */
        SIM_FAULT_CP_WRITE_FAILS,           /* the next CP write fails (CP_WRITE_FAILED) */
        SIM_FAULT_DROP_FOOTPOD,             /* footpod link lost */
        _SIM_FAULT_MAX,
        _SIM_FAULT_INVALID = -EINVAL,
} SimFault;

const char *sim_fault_to_string(SimFault f);
SimFault sim_fault_from_string(const char *s);

int sim_transport_new(Transport **ret, sd_event *e, const PacedClock *clock, const SimConfig *cfg);

/* True if t is a simulator transport (the functions below return -EINVAL otherwise). */
bool sim_transport_is_sim(const Transport *t);

/* Presses a console button / sets the console speed (the runner's own input). */
int sim_transport_console(Transport *t, SimConsoleButton b);
int sim_transport_console_set_speed(Transport *t, double kmh);

int sim_transport_inject(Transport *t, SimFault f);
int sim_transport_clear(Transport *t, SimFault f);
/* Links a dropped device again after connect_delay (-EALREADY if linked). */
int sim_transport_reconnect(Transport *t, TransportRole role);

/* The models, for assertions and the demo (true thresholds, belt state). */
SimTreadmill *sim_transport_treadmill(Transport *t);
SimRunner *sim_transport_runner(Transport *t);
