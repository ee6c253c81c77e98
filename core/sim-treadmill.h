/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A simulated FTMS treadmill: belt kinetics, distance, the control-point
 * server and the notifications a real machine sends, as encoded bytes (built
 * with the ftms.h encoders) so that consumers exercise the real parsers.
 * Pure model: time comes in as an argument (CLOCK_MONOTONIC-like usec,
 * virtual under --time-scale), no I/O, no logging.
 *
 * Server semantics (FTMS v1.0 4.16): every control-point write gets exactly
 * one 0x80 response; any op but Request Control without control gets
 * Control Not Permitted; Set Target Speed/Inclination outside the supported
 * range (or not a multiple of the increment) gets Invalid Parameter; ops the
 * machine does not support get Op Code Not Supported; Start while the
 * safety key is out gets Operation Failed. Accepted target changes, starts
 * and stops are echoed as Fitness Machine Status notifications.
 *
 * Belt: runs only in SIM_BELT_RUNNING and moves towards the target at
 * accel/decel km/h per second; a target set while stopped or paused is
 * stored but does not move the belt (unless start_on_set_speed, as some
 * consoles do), so a client that keeps sending speeds after the user paused
 * cannot restart it. Stop and Pause ramp the belt down; Stop also ends the
 * session (targets cleared), Pause keeps them for Resume.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftms.h"

typedef enum SimBeltState {
        SIM_BELT_IDLE,    /* stopped (power on, or after Stop / Reset) */
        SIM_BELT_RUNNING, /* started or resumed */
        SIM_BELT_PAUSED,  /* paused by the user or a client */
        SIM_BELT_SAFETY,  /* safety key pulled: stopped at once, cannot start */
        _SIM_BELT_MAX,
        _SIM_BELT_INVALID = -EINVAL,
} SimBeltState;

const char *sim_belt_state_to_string(SimBeltState s);

typedef enum SimConsoleButton {
        SIM_CONSOLE_START,       /* start or resume */
        SIM_CONSOLE_STOP,        /* stop (ends the session) */
        SIM_CONSOLE_PAUSE,       /* pause */
        SIM_CONSOLE_SAFETY_KEY,  /* pull the safety key */
        SIM_CONSOLE_KEY_REPLACE, /* put the safety key back (belt stays stopped) */
        _SIM_CONSOLE_MAX,
        _SIM_CONSOLE_INVALID = -EINVAL,
} SimConsoleButton;

const char *sim_console_button_to_string(SimConsoleButton b);
SimConsoleButton sim_console_button_from_string(const char *s);

typedef struct SimTreadmillConfig {
        FtmsRange speed_range;         /* km/h; default 1.0-20.0 by 0.1 */
        FtmsRange incline_range;       /* %; default -3.0-15.0 by 0.5 */
        double accel_kmh_per_s;        /* default 0.8 */
        double decel_kmh_per_s;        /* default 0.8 */
        double incline_pct_per_s;      /* default 0.5 */
        double safety_decel_kmh_per_s; /* safety key: default 5 (near-instant stop) */
        uint64_t data_interval_usec;   /* Treadmill Data period, default 1 s */
        bool split_data;               /* each record as two notifications (More Data) */
        /* Total Distance in every Nth record only (0 and 1: in all), as treadmills that
         * send speed-only records between full ones. */
        unsigned distance_every;
        bool start_on_set_speed;       /* Set Target Speed also starts an idle belt */
        bool strict_increment; /* targets off the increment grid: Invalid Parameter (default) */
        double runner_mass_kg; /* for the energy fields, default 70 */
        /*
         * > 0: the belt is already running at this speed (and target) when
         * the model is created, as when paced restarts after a crash while
         * the runner keeps running. 0 (default): stopped. Must be in range.
         */
        double initial_speed_kmh;
} SimTreadmillConfig;

void sim_treadmill_config_default(SimTreadmillConfig *c);

/* One notification or indication, as bytes on the wire. */
typedef struct SimPacket {
        uint16_t uuid; /* FTMS_UUID_* (or HRS_UUID_MEASUREMENT from the runner) */
        uint8_t data[40];
        size_t len;
} SimPacket;

typedef struct SimTreadmill SimTreadmill;

int sim_treadmill_new(SimTreadmill **ret, const SimTreadmillConfig *cfg, uint64_t now_usec);
SimTreadmill *sim_treadmill_free(SimTreadmill *t);

/* Moves belt, incline, distance and elapsed time forward to now_usec. */
void sim_treadmill_advance(SimTreadmill *t, uint64_t now_usec);
/* When the next Treadmill Data record is due. */
uint64_t sim_treadmill_next_data_usec(const SimTreadmill *t);
/* Advances to now and queues the Treadmill Data record(s) that are due. */
void sim_treadmill_tick(SimTreadmill *t, uint64_t now_usec);

/*
 * A control-point write. Queues the 0x80 response (and any status
 * notifications). Returns 0, or -EBADMSG for an empty write (which real
 * servers reject at the ATT level, so no response is queued).
 */
int sim_treadmill_write_control_point(SimTreadmill *t, uint64_t now_usec, const uint8_t *buf,
                                      size_t len);

/* Takes the oldest queued packet; false when there is none. */
bool sim_treadmill_pop(SimTreadmill *t, SimPacket *ret);

/* Static characteristics as a real machine would return them on read. */
int sim_treadmill_read(const SimTreadmill *t, uint16_t uuid, SimPacket *ret);

/* The console: what the runner presses on the machine. */
int sim_treadmill_console(SimTreadmill *t, uint64_t now_usec, SimConsoleButton b);
/* The runner changes speed on the console (notified as Target Speed Changed). */
int sim_treadmill_console_set_speed(SimTreadmill *t, uint64_t now_usec, double kmh);

/* Faults. */
void sim_treadmill_set_refuse_control(SimTreadmill *t, bool refuse);
/* The machine revokes control (Control Permission Lost, 0xFF). */
void sim_treadmill_revoke_control(SimTreadmill *t, uint64_t now_usec);
/* The link dropped: control is gone (no notification can be sent), the belt keeps going. */
void sim_treadmill_link_lost(SimTreadmill *t, uint64_t now_usec);
/* The next Treadmill Data notification is malformed (3 bytes: cut before its first field). */
void sim_treadmill_inject_malformed(SimTreadmill *t);

/* State, for tests and the demo. */
SimBeltState sim_treadmill_state(const SimTreadmill *t);
bool sim_treadmill_has_control(const SimTreadmill *t);
double sim_treadmill_speed_kmh(const SimTreadmill *t);
double sim_treadmill_target_speed_kmh(const SimTreadmill *t);
double sim_treadmill_incline_pct(const SimTreadmill *t);
double sim_treadmill_target_incline_pct(const SimTreadmill *t);
double sim_treadmill_distance_m(const SimTreadmill *t);
/* The belt's exact travel at now_usec (>= the last advance), without advancing the model. */
double sim_treadmill_distance_at(const SimTreadmill *t, uint64_t now_usec);
double sim_treadmill_elapsed_s(const SimTreadmill *t);
const SimTreadmillConfig *sim_treadmill_config(const SimTreadmill *t);

/*
 * Every control-point request the machine parsed, with the result it gave:
 * what daemon-level safety tests check (no speed above the cap, no Start
 * the runner did not ask for). The last SIM_COMMAND_LOG_SIZE are kept.
 */
#define SIM_COMMAND_LOG_SIZE 4096

typedef struct SimCommand {
        uint64_t t_usec; /* when it was written, since the model was created */
        uint8_t op;      /* FTMS_CP_* */
        uint8_t result;  /* FTMS_RESULT_* */
        double value;    /* speed km/h, incline %, stop/pause parameter; else 0 */
} SimCommand;

/* Number of logged commands, and the i-th from the oldest kept (NULL if out of range). */
size_t sim_treadmill_n_commands(const SimTreadmill *t);
const SimCommand *sim_treadmill_command(const SimTreadmill *t, size_t i);
